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
	return npzMethod(t, zip.Deflate, members)
}

// storedNpz builds an archive whose members are stored uncompressed, so a
// test can change their bytes in place.
func storedNpz(t *testing.T, members map[string][]byte) []byte {
	return npzMethod(t, zip.Store, members)
}

func npzMethod(t *testing.T, method uint16, members map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: method})
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
	if err == nil || !strings.Contains(err.Error(), "decompresses to 1.0 GB, more than backstep reads (512 MB)") {
		t.Fatalf("error %v", err)
	}
}

func float64Bytes(v ...float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

// TestDecodeNumPyRefusesDamage: every damaged file is an error that says
// what is wrong and what to do, never values to judge or a panic.
func TestDecodeNumPyRefusesDamage(t *testing.T) {
	good := npy("<f8", false, "(2,)", float64Bytes(1, 2))
	stale := storedNpz(t, map[string][]byte{"Z1": good})
	// Change one value's byte after the archive recorded the CRC-32.
	i := bytes.Index(stale, float64Bytes(2))
	stale[i+7] ^= 0x01
	deflate64 := storedNpz(t, map[string][]byte{"W1": good})
	for _, sig := range []string{"PK\x03\x04", "PK\x01\x02"} {
		j := bytes.Index(deflate64, []byte(sig))
		off := 8 // compression method in the local header
		if sig == "PK\x01\x02" {
			off = 10
		}
		binary.LittleEndian.PutUint16(deflate64[j+off:], 9)
	}
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"stale CRC-32", stale, "Z1 fails the archive's CRC-32 check"},
		{"deflate64", deflate64, "W1 is compressed with zip method 9, which NumPy never uses: save the arrays with np.savez"},
		{"cut short", npz(t, map[string][]byte{"X": good[:len(good)-3]}), "X is cut short: its header promises 2 values of 8 bytes (shape (2,), 16 bytes) but only 13 bytes follow; write it again with np.savez"},
		{"header overflows int64", npy("<f8", false, "(2, 4611686018427387904)", nil), "shape (2,4611686018427387904) is more than backstep reads"},
		{"header wraps to 0", npy("<f8", false, "(4, 4611686018427387904)", nil), "is more than backstep reads"},
		{"zero times huge", npy("<f8", false, "(0, 9223372036854775807)", nil), "is more than backstep reads"},
		{"size past int64", npy("<f8", false, "(9223372036854775808,)", nil), "larger than any array can be): write it again with np.save "},
		{"negative size", npy("<f8", false, "(-1, 3)", nil), "negative size -1"},
		{"no shape", []byte("\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'}"), "has no \"fortran_order\""},
		{"header past the file", []byte("\x93NUMPY\x02\x00\xff\xff\x7f\x00"), "claims 8388607 bytes"},
		{"version 9", []byte("\x93NUMPY\x09\x00\x10\x00"), "format version 9.0, which NumPy has never written"},
		{"extra key", npy("<f8', 'x': 'y", false, "(1,)", float64Bytes(1)), "has a key \"x\""},
		{"structured", []byte("\x93NUMPY\x01\x00\x40\x00{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }\n"), "structured dtype"},
		{"not npy in archive", npz(t, map[string][]byte{"X": []byte("hello")}), "X is not a .npy array"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "d.npz"
			if bytes.HasPrefix(c.b, npyMagic) {
				name = "d.npy"
			}
			_, err := DecodeNumPy(name, c.b)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestDecodeNumPyParsesHeaders reads the header forms NumPy has written:
// keys in any order, Python 2's long integers, version 2.0.
func TestDecodeNumPyParsesHeaders(t *testing.T) {
	data := float64Bytes(1, 2, 3, 4, 5, 6)
	for _, h := range []string{
		"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
		"{'shape': (2L, 3L), 'fortran_order': False, 'descr': '<f8'}",
		"{\"descr\":\"<f8\",\"fortran_order\":False,\"shape\":(2,3)}",
	} {
		b := append([]byte("\x93NUMPY\x02\x00"), byte(len(h)+1), 0, 0, 0)
		b = append(append(b, h...), '\n')
		f, err := DecodeNumPy("a.npy", append(b, data...))
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		if a := f.Arrays["a"]; !a.Shape().Equal([]int{2, 3}) || a.At(1, 2) != 6 {
			t.Fatalf("%s: got %v %v", h, a.Shape(), a.Data())
		}
	}
}

// TestDecodeNumPyRefusesManyMembers: an archive listing a million empty
// members is refused from its directory record, before archive/zip makes
// an entry for each.
func TestDecodeNumPyRefusesManyMembers(t *testing.T) {
	b := npz(t, map[string][]byte{"X": npy("<f8", false, "(1,)", float64Bytes(1))})
	i := bytes.LastIndex(b, []byte("PK\x05\x06"))
	binary.LittleEndian.PutUint16(b[i+8:], 60000)
	binary.LittleEndian.PutUint16(b[i+10:], 60000)
	_, err := DecodeNumPy("many.npz", b)
	if err == nil || !strings.Contains(err.Error(), "lists 60000 arrays, more than backstep reads (4096)") {
		t.Fatalf("error %v", err)
	}
}
