package lessons

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/backstep/backstep/net"
)

func initFile(t *testing.T, name string) *net.NumPyFile {
	t.Helper()
	f, err := net.ReadNumPy(filepath.Join("..", "testdata", "lessons", name))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestInitBugsOnFileWeights: with --init, the bugs in the initial weights
// apply to the file's weights (they used to vanish), the lines and the
// run say so, and nothing claims the weights were drawn.
func TestInitBugsOnFileWeights(t *testing.T) {
	f := initFile(t, "init-784-60-10.npz")
	w1 := f.Arrays["W1"].Data()
	cases := []struct {
		bug   string
		scale float64
		line  string
	}{
		{"big-init", 100, `W1 = np.load("` + f.Path + `")["W1"] * 100`},
		{"zero-init", 0, "W1 = np.zeros((784, 60))"},
	}
	for _, c := range cases {
		t.Run(c.bug, func(t *testing.T) {
			res := replay(t, c.bug, Options{Epochs: 1, N: 200, Heldout: -1, Init: f})
			b, r := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
			if r.Start != f.Path || !strings.HasPrefix(b.Start, f.Path+" with W1 and W2 ") {
				t.Errorf("starts: buggy %q, correct %q", b.Start, r.Start)
			}
			for _, run := range []*Run{b, r} {
				if strings.Contains(run.Start, "randn") {
					t.Errorf("%s run says %q though its weights come from %s", run.Name, run.Start, f.Path)
				}
			}
			if res.Lines[0].Buggy != c.line || res.Lines[0].Fixed != `W1 = np.load("`+f.Path+`")["W1"]` || len(res.Lines) != 2 {
				t.Errorf("lines %v", res.Lines)
			}
			spec, err := LessonFor(c.bug)
			if err != nil {
				t.Fatal(err)
			}
			specs, err := spec.specs(spec.Scenarios[0], Options{Epochs: 1, N: 200, Heldout: -1, Init: f}, data(t))
			if err != nil {
				t.Fatal(err)
			}
			v, _, err := specs[0].initial(b.Config)
			if err != nil {
				t.Fatal(err)
			}
			for i, x := range v["W1"].Data() {
				if x != w1[i]*c.scale {
					t.Fatalf("W1[%d] = %v, want the file's %v × %v", i, x, w1[i], c.scale)
				}
			}
			if got := v["b1"].Data()[0]; got != f.Arrays["b1"].Data()[0] {
				t.Errorf("b1 %v: the biases are the file's", got)
			}
		})
	}
	// Drawn weights: the bug draws them itself.
	res := replay(t, "big-init", Options{Epochs: 1, N: 200, Heldout: -1})
	if s := res.Scenarios[0].Buggy.Start; s != "randn × 1, seed 1" {
		t.Errorf("big-init without --init starts from %q", s)
	}
	if l := res.Lines; len(l) != 2 || l[1].Buggy != "W2 = np.random.randn(60, 10)" || l[1].Fixed != "W2 = np.random.randn(60, 10) * 0.01" {
		t.Errorf("big-init changes W2 too and must print it: %v", l)
	}
}

// TestCheckInitRefusesOtherSizes: no-transpose-square exists only where W2
// is square, so a 784-60-10 file is refused with what to do, not replayed
// as something else under a 784-10-10 header.
func TestCheckInitRefusesOtherSizes(t *testing.T) {
	l, _ := LessonFor("no-transpose-square")
	err := l.CheckInit(Options{Init: initFile(t, "init-784-60-10.npz")})
	if err == nil || !strings.Contains(err.Error(), "784-10-10") || !strings.Contains(err.Error(), "holds a 784-60-10") {
		t.Errorf("error %v, want a refusal naming both sizes", err)
	}
	if _, err := Replay(l, Options{Init: initFile(t, "init-784-60-10.npz"), Data: data(t)}); err == nil {
		t.Error("Replay ran no-transpose-square from a 784-60-10 file")
	}
	if err := l.CheckInit(Options{Init: initFile(t, "init-784-10-10.npz")}); err != nil {
		t.Errorf("a 784-10-10 file refused: %v", err)
	}
	other, _ := LessonFor("sign-flip")
	if err := other.CheckInit(Options{Init: initFile(t, "init-784-10-10.npz")}); err != nil {
		t.Errorf("sign-flip takes any sizes: %v", err)
	}
}
