package net

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadNumPyRefusesWhatIsNotAFile: a named pipe, a device and a sparse
// file larger than any dump are refused from what os.Stat says, before a
// byte is read (reading a FIFO would wait for a writer forever, /dev/zero
// never ends).
func TestReadNumPyRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.npz")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("cannot make a FIFO here:", err)
	}
	sparse := filepath.Join(dir, "sparse.npz")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(6 << 30); err != nil {
		t.Skip("cannot make a sparse file here:", err)
	}
	f.Close()
	cases := []struct{ path, want string }{
		{fifo, "is a named pipe (FIFO), not a file: give a .npz dump saved on disk"},
		{"/dev/zero", "/dev/zero is a device, not a file"},
		{dir, "is a folder, not a file"},
		{sparse, "is 6.0 GB, more than backstep reads as a .npz dump (528 MB): dump a smaller batch"},
		{filepath.Join(dir, "missing.npz"), "no such file or directory"},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			_, err := ReadNumPy(c.path)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "net: ") {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
