package net

import (
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
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := DecodeNumPy("fuzz.npz", b)
		if err == nil && len(file.Arrays) == 0 {
			t.Fatal("no error and no arrays")
		}
	})
}
