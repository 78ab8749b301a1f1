package cli

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// made is the backstep program the terminal tests start by name, made
// once per test process and removed by TestMain.
var made struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// backstepBinary returns the path of an executable named backstep: a
// script that runs this test binary as the program (see asBinary in
// TestMain), so that a shell in a terminal can call backstep without a
// second build and link of cmd/backstep.
func backstepBinary(t *testing.T) string {
	t.Helper()
	made.once.Do(func() {
		var self string
		if self, made.err = os.Executable(); made.err != nil {
			return
		}
		if made.dir, made.err = os.MkdirTemp("", "backstep-test-"); made.err != nil {
			return
		}
		made.path = filepath.Join(made.dir, "backstep")
		script := "#!/bin/sh\n" + asBinary + "=1 exec '" + self + "' \"$@\"\n"
		made.err = os.WriteFile(made.path, []byte(script), 0o755)
	})
	if made.err != nil {
		t.Fatalf("making the backstep program: %v", made.err)
	}
	return made.path
}

// removeBinary deletes what backstepBinary made.
func removeBinary() {
	if made.dir != "" {
		os.RemoveAll(made.dir)
	}
}
