package net

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeNumPy feeds damaged NumPy files to the reader: it must return
// an error or arrays, never panic, and never allocate what a header claims
// beyond MaxNumPyBytes. Run: go test ./net -fuzz FuzzDecodeNumPy
func FuzzDecodeNumPy(f *testing.F) {
	for _, name := range []string{"single.npy", "notnumpy.npz", "ambiguous.npz", "truncated.npz", "object.npz"} {
		if b, err := os.ReadFile(filepath.Join("../testdata/dumps", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'}"))
	f.Add([]byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f"))
	// Shapes whose product overflows int64, wraps round to exactly 0 in
	// 64 bits, or multiplies a huge size by 0 (issue 14).
	for _, shape := range []string{"(2, 4611686018427387904)", "(4, 4611686018427387904)",
		"(0, 9223372036854775807)", "(4294967296, 4294967296)", "(9223372036854775808,)", "(-1, 0)"} {
		f.Add(npy("<f8", false, shape, nil))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := DecodeNumPy("fuzz.npz", b)
		if err != nil {
			return
		}
		if len(file.Arrays) == 0 {
			t.Fatal("no error and no arrays")
		}
		for k, a := range file.Arrays {
			n := 1
			for _, d := range a.Shape() {
				n *= d
			}
			if n != a.Size() || a.Size() > MaxNumPyBytes/8 {
				t.Fatalf("%s: shape %v with %d values", k, a.Shape(), a.Size())
			}
		}
	})
}

// FuzzDecodeIDX feeds damaged IDX image and label files (raw or gzip) to
// the decoder, asking for a few images as --n does: it must return an
// error or that many images, never panic, and never decode more than asked
// whatever the header promises. Run: go test ./net -fuzz FuzzDecodeIDX
func FuzzDecodeIDX(f *testing.F) {
	img := []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 128, 1, 9, 9, 9, 9}
	lab := []byte{0, 0, 8, 1, 0, 0, 0, 2, 7, 3}
	f.Add(img, lab, 2)
	f.Add(img, lab, 0)
	// A header promising 5,000,000 images of 28×28 (issue 14's gzip bomb).
	f.Add([]byte{0, 0, 8, 3, 0, 0x4c, 0x4b, 0x40, 0, 0, 0, 28, 0, 0, 0, 28}, []byte{0, 0, 8, 1, 0, 0x4c, 0x4b, 0x40}, 100)
	f.Add([]byte{0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x10, 0, 0, 0, 0x10, 0}, lab, 0)
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3}, lab, 1)
	f.Fuzz(func(t *testing.T, img, lab []byte, n int) {
		n = n % 1000
		open := func(name string, b []byte) *idxStream {
			s, err := newIDXStream(name, bytes.NewReader(b), int64(len(b)), nil)
			if err != nil {
				t.Skip()
			}
			return s
		}
		is, ls := open("images", img), open("labels", lab)
		if is == nil || ls == nil {
			return
		}
		d, err := decodeIDX("fuzz", is, ls, n)
		if err != nil {
			return
		}
		if n > 0 && d.Len() > n || d.Len() > d.Available || d.Images.Size() != d.Len()*d.Height*d.Width {
			t.Fatalf("asked for %d images, got %d of %d available, %d values", n, d.Len(), d.Available, d.Images.Size())
		}
	})
}

// FuzzParseHidden: any text given to --hidden is sizes of at least 1 or an
// error, never a panic.
func FuzzParseHidden(f *testing.F) {
	for _, s := range []string{"60", "128,64", "9223372036854775807", "100000,100000", "0", "-1", "60,,3", " 60 , 3 ", "1e3", "0x10", "+5", "９"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sizes, err := ParseHidden(s)
		if err != nil {
			return
		}
		for _, n := range sizes {
			if n < 1 {
				t.Fatalf("%q: size %d", s, n)
			}
		}
	})
}
