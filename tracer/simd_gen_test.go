package tracer

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedKernelsAreCurrent runs simd_gen.go in a scratch folder and
// requires its output to equal the committed simd_amd64.s and
// simd_decl_amd64.go: an edit to the generator must come with
// `go generate ./tracer`.
func TestGeneratedKernelsAreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	gen, err := os.ReadFile("simd_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "simd_gen.go"), gen, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "simd_gen.go")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GO111MODULE=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot run the generator here: %v\n%s", err, out)
	}
	for _, name := range []string{"simd_amd64.s", "simd_decl_amd64.go"} {
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what simd_gen.go writes: run go generate ./tracer", name)
		}
	}
}
