package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// built is the backstep binary the terminal tests run, built once per
// test process and removed by TestMain.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// backstepBinary builds the binary (once) and returns its path.
func backstepBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "backstep-test-")
		if built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "backstep")
		built.out, built.err = exec.Command("go", "build", "-o", built.path, "github.com/backstep/backstep/cmd/backstep").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.path
}

// removeBinary deletes what backstepBinary built.
func removeBinary() {
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}
