package net

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
)

// npy builds a .npy file (format 1.0) with the given header fields and
// raw data, as np.save writes it.
func npy(descr string, fortran bool, shape string, data []byte) []byte {
	order := "False"
	if fortran {
		order = "True"
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, order, shape)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	_ = binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

func npz(t *testing.T, members map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range members {
		w, err := zw.Create(name + ".npy")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeNumPyTypes(t *testing.T) {
	le := binary.LittleEndian
	f16 := make([]byte, 6)
	for i, h := range []uint16{0x3c00, 0xc000, 0x3555} { // 1, -2, 0.333
		le.PutUint16(f16[2*i:], h)
	}
	i64 := make([]byte, 24)
	for i, v := range []int64{7, 2, 1} {
		le.PutUint64(i64[8*i:], uint64(v))
	}
	be := make([]byte, 16)
	binary.BigEndian.PutUint64(be, 0x3ff0000000000000)     // 1.0
	binary.BigEndian.PutUint64(be[8:], 0x4000000000000000) // 2.0
	fort := make([]byte, 48)                               // [[1,2,3],[4,5,6]] stored by columns
	for i, v := range []float64{1, 4, 2, 5, 3, 6} {
		le.PutUint64(fort[8*i:], math.Float64bits(v))
	}
	f, err := DecodeNumPy("t.npz", npz(t, map[string][]byte{
		"h": npy("<f2", false, "(3,)", f16),
		"y": npy("<i8", false, "(3,)", i64),
		"b": npy(">f8", false, "(2,)", be),
		"F": npy("<f8", true, "(2, 3)", fort),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Arrays["h"].Data(); got[0] != 1 || got[1] != -2 || got[2] < 0.333 || got[2] > 0.3334 {
		t.Errorf("float16 %v", got)
	}
	if got := f.Arrays["y"].Data(); !f.Integer["y"] || got[0] != 7 || got[2] != 1 {
		t.Errorf("int64 %v (integer %v)", got, f.Integer["y"])
	}
	if got := f.Arrays["b"].Data(); got[0] != 1 || got[1] != 2 {
		t.Errorf("big-endian %v", got)
	}
	if got := f.Arrays["F"]; got.At(0, 1) != 2 || got.At(1, 0) != 4 || got.At(1, 2) != 6 {
		t.Errorf("Fortran order %v", got.Data())
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "float16") {
		t.Errorf("warnings %q", f.Warnings)
	}
}

func TestDecodeNumPyRefusesOversize(t *testing.T) {
	// A header promising 20000×20000 float64 (3.2 GB) is refused before
	// anything is allocated.
	_, err := DecodeNumPy("big.npy", npy("<f8", false, "(20000, 20000)", nil))
	if err == nil || !strings.Contains(err.Error(), "more than backstep reads (512 MB") {
		t.Fatalf("error %v", err)
	}
	// An archive whose directory says a member decompresses to 1 GiB.
	b := npz(t, map[string][]byte{"X": npy("<f8", false, "(1,)", make([]byte, 8))})
	i := bytes.LastIndex(b, []byte("PK\x01\x02"))
	binary.LittleEndian.PutUint32(b[i+24:], 1<<30)
	_, err = DecodeNumPy("bomb.npz", b)
	if err == nil || !strings.Contains(err.Error(), "decompresses to 1024 MB, more than backstep reads (512 MB)") {
		t.Fatalf("error %v", err)
	}
}
