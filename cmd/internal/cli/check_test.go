package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The dumps and their manifest are written by testdata/peers/make_dumps.py,
// NumPy code written independently of backstep's statements.
type dumpManifest struct {
	Files []struct {
		File       string              `json:"file"`
		Layout     string              `json:"layout"`
		Bugs       []string            `json:"bugs"`
		Faulty     []string            `json:"faulty"`
		ExpectExit int                 `json:"expect_exit"`
		Args       []string            `json:"args"`
		Causes     map[string][]string `json:"causes"`
		Note       string              `json:"note"`
	} `json:"files"`
}

const dumpDir = "../../../testdata/dumps"

type checkResult struct {
	OK          bool    `json:"ok"`
	FirstFaulty *string `json:"first_faulty"`
	Findings    []struct {
		Tensor  string   `json:"tensor"`
		Verdict string   `json:"verdict"`
		Bug     string   `json:"bug"`
		With    []string `json:"with"`
	} `json:"findings"`
}

func TestCheckDumps(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(dumpDir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m dumpManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		t.Run(f.File, func(t *testing.T) {
			path := filepath.Join(dumpDir, f.File)
			before, _ := os.ReadFile(path)
			args := append([]string{"check", path, "--json"}, f.Args...)
			stdout, stderr, code := run(t, args...)
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Fatal("check modified its input file")
			}
			if code != f.ExpectExit {
				t.Fatalf("exit %d, want %d (%s)\nstderr: %s", code, f.ExpectExit, f.Note, stderr)
			}
			if code == 2 {
				if stdout != "" || strings.Count(stderr, "\n") != 1 {
					t.Fatalf("refusal must be one line on stderr, got stdout %q stderr %q", stdout, stderr)
				}
				return
			}
			var got checkResult
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			var faulty []string
			for _, fd := range got.Findings {
				if fd.Verdict == "wrong" || fd.Verdict == "failed" {
					faulty = append(faulty, fd.Tensor)
					want := append([]string(nil), f.Causes[fd.Tensor]...)
					named := fd.With
					if fd.Bug != "" {
						named = append(append([]string(nil), fd.With...), fd.Bug)
					}
					sort.Strings(want)
					sort.Strings(named)
					if strings.Join(named, ",") != strings.Join(want, ",") {
						t.Errorf("%s: named %v, the dump was made with %v", fd.Tensor, named, want)
					}
				}
			}
			if strings.Join(faulty, ",") != strings.Join(f.Faulty, ",") {
				t.Errorf("faulty %v, want %v", faulty, f.Faulty)
			}
			if got.OK != (len(f.Faulty) == 0) {
				t.Errorf("ok = %v with faulty %v", got.OK, f.Faulty)
			}
			if len(f.Faulty) > 0 && (got.FirstFaulty == nil || *got.FirstFaulty != f.Faulty[0]) {
				t.Errorf("first faulty %v, want %s", got.FirstFaulty, f.Faulty[0])
			}
		})
	}
}

func TestCheckRefusals(t *testing.T) {
	cases := []struct {
		file string
		args []string
		want string
	}{
		{"object.npz", nil, "object array (pickled Python objects); backstep never unpickles"},
		{"complex.npz", nil, "complex numbers"},
		{"rank3.npz", nil, "X has rank 3 (shape (37,28,28))"},
		{"truncated.npz", nil, "truncated or damaged .npz archive"},
		{"notnumpy.npz", nil, "is not a NumPy file"},
		{"badbias.npz", nil, "b1 has shape (1,12), which fits no layer"},
		{"ambiguous-noz.npz", nil, "the layout is ambiguous"},
		{"single.npy", nil, "no array reads as the inputs X"},
		{"renamed-rows.npz", []string{"--map", "dW1=nothing"}, "--map dW1=nothing: the file has no array nothing"},
		{"ok-rows-tanh-d1.npz", []string{"--layout", "cols"}, "--layout cols needs W1.shape[1] == X.shape[0]"},
		{"ok-rows-tanh-d1.npz", []string{"--act", "swish"}, "--act \"swish\""},
		{"ok-rows-tanh-d1.npz", []string{"--map", "dW1"}, "write OURS=THEIRS"},
		{"no-such-file.npz", nil, "no such file"},
	}
	for _, c := range cases {
		t.Run(c.file+strings.Join(c.args, " "), func(t *testing.T) {
			args := append([]string{"check", filepath.Join(dumpDir, c.file)}, c.args...)
			stdout, stderr, code := run(t, args...)
			if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and one line containing %q", code, stderr, c.want)
			}
		})
	}
	t.Run("ambiguous with --layout rows", func(t *testing.T) {
		if _, stderr, code := run(t, "check", filepath.Join(dumpDir, "ambiguous-noz.npz"), "--layout", "rows"); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
}

func TestCheckText(t *testing.T) {
	stdout, _, code := run(t, "check", filepath.Join(dumpDir, "question-rows.npz"))
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"first faulty statement: A2",
		"normalised over samples (axis 0), not classes (axis 1)",
		"scaled by 0.04719 = 37/784 (samples/features)",
		"sum over classes (axis 1) instead of samples (axis 0)",
		"reproduced by the bug bias-axis (together with wrong-m)",
		"backstep lesson show softmax-axis",
	} {
		if !strings.Contains(strings.Join(strings.Fields(stdout), " "), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	for _, line := range strings.Split(stdout, "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}
	// A dump of 17 float32 arrays says so in one warning, not 17 (it fits
	// 80 columns too).
	stdout, _, code = run(t, "check", filepath.Join(dumpDir, "float32-rows.npz"), "--width", "80")
	if code != 0 || strings.Count(stdout, "float32, upcast to float64") != 1 ||
		!strings.Contains(stdout, "X, Y, W1, b1, W2, b2, Z1, A1, Z2, A2, loss, dZ2, dW2, db2, dZ1, dW1,") {
		t.Fatalf("float32 dump: exit %d\n%s", code, stdout)
	}
	checkWidthOf(t, stdout, 80)
}

func TestCheckSnippet(t *testing.T) {
	stdout, _, code := run(t, "check", "--snippet", "--layout", "cols")
	if code != 0 || !strings.Contains(stdout, "X=X, Y=Y, W1=W1") || !strings.Contains(stdout, "W1_next=W1") || !strings.Contains(stdout, "Layout cols") {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	if _, stderr, code := run(t, "check"); code != 2 || !strings.Contains(stderr, "--snippet") {
		t.Fatalf("no file: exit %d %q", code, stderr)
	}
}

// TestTrainFromNumPyInit trains from the weights of a dump and compares the
// loss curve with an independent NumPy run from the same weights
// (testdata/peers/make_dumps.py), epoch by epoch.
func TestTrainFromNumPyInit(t *testing.T) {
	for _, layout := range []string{"rows", "cols"} {
		for _, runLayout := range []string{"rows", "cols"} {
			t.Run(layout+"-dump/"+runLayout+"-run", func(t *testing.T) {
				b, err := os.ReadFile(filepath.Join(dumpDir, "init-"+layout+"-curve.json"))
				if err != nil {
					t.Fatal(err)
				}
				var want []struct {
					Epoch    int     `json:"epoch"`
					Loss     float64 `json:"loss"`
					Accuracy float64 `json:"accuracy"`
				}
				if err := json.Unmarshal(b, &want); err != nil {
					t.Fatal(err)
				}
				stdout, stderr, code := run(t, "train", "--init", filepath.Join(dumpDir, "init-"+layout+".npz"),
					"--layout", runLayout, "--n", "1000", "--epochs", "20", "--json")
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				var got struct {
					Epochs []struct {
						Loss     float64 `json:"loss"`
						Accuracy float64 `json:"accuracy"`
					} `json:"epochs"`
				}
				if err := json.Unmarshal([]byte(stdout), &got); err != nil {
					t.Fatal(err)
				}
				if len(got.Epochs) != 20 || len(want) != 20 {
					t.Fatalf("%d epochs, NumPy %d", len(got.Epochs), len(want))
				}
				for i, w := range want {
					g := got.Epochs[i]
					if math.Abs(g.Loss-w.Loss) > 1e-9 || g.Accuracy != w.Accuracy {
						t.Fatalf("epoch %d: loss %.15f accuracy %v, NumPy %.15f %v", w.Epoch, g.Loss, g.Accuracy, w.Loss, w.Accuracy)
					}
				}
			})
		}
	}
	if _, stderr, code := run(t, "train", "--init", filepath.Join(dumpDir, "object.npz")); code != 2 || !strings.Contains(stderr, "--init") {
		t.Fatalf("bad --init file: exit %d %q", code, stderr)
	}
}

// TestLessonRunFromNumPyInit: lesson run --init starts the correct run from
// the dump's weights, so its first epochs are NumPy's.
func TestLessonRunFromNumPyInit(t *testing.T) {
	stdout, stderr, code := run(t, "lesson", "run", "wrong-m", "--init", filepath.Join(dumpDir, "init-rows.npz"),
		"--epochs", "3", "--n", "1000", "--heldout", "-1", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Correct struct {
			Epochs []struct {
				Loss float64 `json:"loss"`
			} `json:"epochs"`
		} `json:"correct"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dumpDir, "init-rows-curve.json"))
	var want []struct {
		Loss float64 `json:"loss"`
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(got.Correct.Epochs) != 3 {
		t.Fatalf("%d epochs", len(got.Correct.Epochs))
	}
	for i, e := range got.Correct.Epochs {
		if math.Abs(e.Loss-want[i].Loss) > 1e-9 {
			t.Fatalf("epoch %d: loss %.15f, NumPy %.15f", i+1, e.Loss, want[i].Loss)
		}
	}
	if _, stderr, code := run(t, "lesson", "run", "wrong-m", "--init", filepath.Join(dumpDir, "complex.npz")); code != 2 || !strings.Contains(stderr, "--init") {
		t.Fatalf("bad --init: exit %d %q", code, stderr)
	}
}

// TestCheckDegenerateDumps: dumps with empty axes, no samples, labels that
// are not numbers of classes, or nothing to check are refused in one line
// (exit 2) or judged — never a crash, never an "ok" over nothing.
func TestCheckDegenerateDumps(t *testing.T) {
	r := func(shape []int, fill float64) []byte {
		a := zeros(shape...)
		for i := range a.values {
			a.values[i] = fill + 0.01*float64(i%7)
		}
		return a.npy()
	}
	labels := func(vals ...float64) []byte { return array{[]int{len(vals)}, vals}.npy() }
	cases := []struct {
		name    string
		members map[string][]byte
		want    string
	}{
		{"X (4,0), W1 (0,3)", map[string][]byte{"X": r([]int{4, 0}, 0), "Y": labels(0, 1, 0, 1, 0), "W1": r([]int{0, 3}, 0), "W2": r([]int{3, 2}, 0.1), "dW2": r([]int{3, 2}, 0)}, "no weights"},
		{"no samples", map[string][]byte{"X": r([]int{0, 3}, 0), "Y": labels(), "W1": r([]int{3, 4}, 0.1), "W2": r([]int{4, 2}, 0.1), "dW2": r([]int{4, 2}, 0)}, "holds no samples"},
		{"0 classes", map[string][]byte{"X": r([]int{5, 3}, 0), "Y": labels(0, 1, 0, 1, 0), "W1": r([]int{3, 4}, 0.1), "W2": r([]int{4, 0}, 0.1)}, "no weights"},
		{"0 hidden units", map[string][]byte{"X": r([]int{5, 3}, 0), "Y": labels(0, 1, 0, 1, 0), "W1": r([]int{3, 0}, 0.1), "W2": r([]int{0, 2}, 0.1)}, "no weights"},
		{"label +Inf", map[string][]byte{"X": r([]int{5, 3}, 0), "Y": labels(0, 1, math.Inf(1), 1, 0), "W1": r([]int{3, 4}, 0.1), "W2": r([]int{4, 2}, 0.1), "dW2": r([]int{4, 2}, 0)}, "finite"},
		{"label 1e19", map[string][]byte{"X": r([]int{5, 3}, 0), "Y": labels(0, 1, 1e19, 1, 0), "W1": r([]int{3, 4}, 0.1), "W2": r([]int{4, 2}, 0.1), "dW2": r([]int{4, 2}, 0)}, "whole numbers 0..1"},
		{"label 1e300", map[string][]byte{"X": r([]int{5, 3}, 0), "Y": labels(0, 1, 1e300, 1, 0), "W1": r([]int{3, 4}, 0.1), "W2": r([]int{4, 2}, 0.1), "dW2": r([]int{4, 2}, 0)}, "whole numbers 0..1"},
		{"label uint64 max", map[string][]byte{"X": r([]int{5, 3}, 0), "Y": labels(0, 1, 18446744073709551615, 1, 0), "W1": r([]int{3, 4}, 0.1), "W2": r([]int{4, 2}, 0.1), "dW2": r([]int{4, 2}, 0)}, "whole numbers 0..1"},
		{"nothing to check", map[string][]byte{"X": r([]int{5, 3}, 0), "Y": labels(0, 1, 0, 1, 0), "W1": r([]int{3, 4}, 0.1), "W2": r([]int{4, 2}, 0.1)}, "nothing to check"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := run(t, "check", writeNpz(t, "d.npz", c.members))
			if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q: want exit 2 and one line saying %q", code, stdout, stderr, c.want)
			}
		})
	}
	t.Run("one sample, rank-0 label", func(t *testing.T) {
		m := map[string][]byte{"X": r([]int{3}, 0.2), "Y": npyFile("()", []float64{1}), "W1": r([]int{4, 3}, 0.1),
			"W2": r([]int{2, 4}, 0.1), "Z1": r([]int{4}, 0.5)}
		_, stderr, code := run(t, "check", writeNpz(t, "one.npz", m))
		if code > 2 || strings.Contains(stderr, "goroutine") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
}
