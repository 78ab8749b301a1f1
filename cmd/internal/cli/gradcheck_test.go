package cli

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// gradcheckOut is the part of `gradcheck --json` the tests read.
type gradcheckOut struct {
	OK      bool `json:"ok"`
	Samples int  `json:"samples"`
	Tensors []struct {
		Name        string   `json:"name"`
		MaxRelError any      `json:"max_rel_error"`
		Verdict     string   `json:"verdict"`
		Relation    string   `json:"relation"`
		Alpha       *float64 `json:"alpha"`
		Description string   `json:"description"`
		Checked     int      `json:"checked"`
		Size        int      `json:"size"`
		FellBack    bool     `json:"fell_back"`
		GradShape   []int    `json:"grad_shape"`
		WrongInputs []string `json:"wrong_inputs"`
		Worst       []struct {
			Index    []int   `json:"index"`
			Analytic float64 `json:"analytic"`
			Numeric  float64 `json:"numeric"`
			RelError float64 `json:"rel_error"`
		} `json:"worst"`
	} `json:"tensors"`
	Values []struct {
		Name  string `json:"name"`
		Right bool   `json:"right"`
	} `json:"values"`
	Faults []struct {
		Statement   string `json:"statement"`
		Bug         string `json:"bug"`
		Description string `json:"description"`
	} `json:"faults"`
}

func runGradcheck(t *testing.T, wantCode int, args ...string) gradcheckOut {
	t.Helper()
	stdout, stderr, code := run(t, append([]string{"gradcheck", "--json"}, args...)...)
	if code != wantCode {
		t.Fatalf("exit %d, want %d; stderr %q", code, wantCode, stderr)
	}
	var out gradcheckOut
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	return out
}

// TestGradcheckReference: the reference network passes in every mode on
// the default 16 MNIST images, in both layouts.
func TestGradcheckReference(t *testing.T) {
	for _, mode := range []string{"full", "sparse", "fast"} {
		for _, layout := range []string{"rows", "cols"} {
			t.Run(mode+"/"+layout, func(t *testing.T) {
				out := runGradcheck(t, 0, "--mode", mode, "--layout", layout)
				if !out.OK || out.Samples != 16 || len(out.Tensors) != 6 || len(out.Faults) != 0 {
					t.Fatalf("ok %v, %d samples, %d tensors, faults %v", out.OK, out.Samples, len(out.Tensors), out.Faults)
				}
				for _, tc := range out.Tensors {
					if tc.Verdict != "correct" {
						t.Errorf("%s: %s (%v)", tc.Name, tc.Verdict, tc.MaxRelError)
					}
					if mode == "full" && tc.Checked != tc.Size {
						t.Errorf("%s: full mode checked %d of %d", tc.Name, tc.Checked, tc.Size)
					}
				}
			})
		}
	}
}

// TestGradcheckBugs: each catalog bug fails on exactly the tensors it
// breaks, names the statement it patched as the fault, and describes the
// difference (α = 16/784 for wrong-m, −1 for sign-flip).
func TestGradcheckBugs(t *testing.T) {
	all := []string{"dZ2", "dW2", "db2", "dZ1", "dW1", "db1"}
	cases := []struct {
		bug, layout string
		failing     []string
		fault       string
		alpha       float64 // of every failing tensor; 0 when not a scale
		verdict     string
		says        string // part of the first failing tensor's or the fault's description
	}{
		{"wrong-m", "rows", []string{"dW2", "db2", "dW1", "db1"}, "m", 16.0 / 784, "wrong", "scaled by 0.02041 = 16/784 (samples/features)"},
		{"wrong-m", "cols", []string{"dW2", "db2", "dW1", "db1"}, "m", 16.0 / 784, "wrong", "counts features (axis 0) instead of samples (axis 1)"},
		{"sign-flip", "rows", all, "dZ2", -1, "wrong", "sign flipped"},
		{"sign-flip", "cols", all, "dZ2", -1, "wrong", "sign flipped"},
		{"bias-axis", "rows", []string{"db2", "db1"}, "db2", 0, "shape", "sum over classes (axis 1) instead of samples (axis 0)"},
		{"bias-axis", "cols", []string{"db2", "db1"}, "db2", 0, "shape", "shape (1,16) instead of (10,1)"},
		{"softmax-axis", "rows", all, "A2", 0, "wrong", "sum over samples (axis 0) instead of classes (axis 1)"},
		{"softmax-axis", "cols", all, "A2", 0, "wrong", "sum over samples (axis 1) instead of classes (axis 0)"},
	}
	for _, c := range cases {
		t.Run(c.bug+"/"+c.layout, func(t *testing.T) {
			out := runGradcheck(t, 1, "--bug", c.bug, "--layout", c.layout)
			var failing []string
			var text []string
			for _, tc := range out.Tensors {
				if tc.Verdict == "correct" {
					continue
				}
				failing = append(failing, tc.Name)
				text = append(text, tc.Description)
				if tc.Verdict != c.verdict {
					t.Errorf("%s: verdict %s, want %s", tc.Name, tc.Verdict, c.verdict)
				}
				if c.alpha != 0 && (tc.Alpha == nil || math.Abs(*tc.Alpha-c.alpha) > 1e-9*math.Abs(c.alpha)) {
					t.Errorf("%s: alpha %v, want %v", tc.Name, tc.Alpha, c.alpha)
				}
			}
			if !slices.Equal(failing, c.failing) {
				t.Fatalf("failing %v, want %v", failing, c.failing)
			}
			if len(out.Faults) == 0 || out.Faults[0].Statement != c.fault || out.Faults[0].Bug != c.bug {
				t.Fatalf("faults %+v, want %s first, patched by %s", out.Faults, c.fault, c.bug)
			}
			text = append(text, out.Faults[0].Description)
			if !strings.Contains(strings.Join(text, "\n"), c.says) {
				t.Fatalf("no description says %q:\n%s", c.says, strings.Join(text, "\n"))
			}
		})
	}
}

// TestGradcheckWrongMOnTheWholeSet: on the question's 10,000 images the
// wrong m scales the gradients by 10000/784 = 12.76 (sparse mode keeps it
// quick).
func TestGradcheckWrongMOnTheWholeSet(t *testing.T) {
	stdout, _, code := run(t, "gradcheck", "--bug", "wrong-m", "--samples", "10000", "--mode", "sparse")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"dW1   wrong: scaled by 12.76 = 10000/784 (samples/features)", "m = X.shape[1]", "(bug wrong-m)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

// TestGradcheckScreen: the table, the diagnosis and the worst elements fit
// 100 columns, with colour only when asked for.
func TestGradcheckScreen(t *testing.T) {
	for _, args := range [][]string{{}, {"--bug", "softmax-axis"}, {"--bug", "wrong-m", "--layout", "cols"},
		{"--bug", "bias-axis", "--mode", "fast"}, {"--act", "relu", "--hidden", "32,16", "--mode", "sparse"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := run(t, append([]string{"gradcheck"}, args...)...)
			if code > 1 || stderr != "" {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, want := range []string{"│ tensor │", "│ dW1 ", "check    "} {
				if !strings.Contains(stdout, want) {
					t.Errorf("output lacks %q:\n%s", want, stdout)
				}
			}
			if (code == 1) != strings.Contains(stdout, "the line to fix") {
				t.Errorf("exit %d but the line to fix is%s named:\n%s", code, map[bool]string{true: "", false: " not"}[code == 1], stdout)
			}
			for _, line := range strings.Split(stdout, "\n") {
				if n := len([]rune(line)); n > 100 {
					t.Errorf("line of %d columns: %q", n, line)
				}
			}
			if strings.Contains(stdout, "\x1b[") {
				t.Error("colour written to a pipe")
			}
		})
	}
	stdout, _, _ := run(t, "gradcheck", "--bug", "sign-flip", "--color", "always")
	if !strings.Contains(stdout, "\x1b[") {
		t.Error("--color always wrote no colour")
	}
}

// TestGradcheckFastFallsBack: a failing fast check compares every element
// of the failing tensors, so it still says where.
func TestGradcheckFastFallsBack(t *testing.T) {
	out := runGradcheck(t, 1, "--bug", "sign-flip", "--mode", "fast", "--k", "3")
	for _, tc := range out.Tensors {
		if !tc.FellBack || tc.Checked != tc.Size || len(tc.Worst) != 3 {
			t.Errorf("%s: fell back %v, checked %d of %d, %d worst", tc.Name, tc.FellBack, tc.Checked, tc.Size, len(tc.Worst))
		}
	}
}

func TestGradcheckBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"gradcheck", "--mode", "quick"}, "--mode \"quick\" is not a check mode"},
		{[]string{"gradcheck", "--eps", "0"}, "--eps 0 is outside 1e-10 to 0.001"},
		{[]string{"gradcheck", "--eps", "nan"}, "--eps NaN is outside 1e-10 to 0.001"},
		{[]string{"gradcheck", "--eps", "0.1"}, "--eps 0.1 is outside 1e-10 to 0.001, where centred differences can judge"},
		{[]string{"gradcheck", "--eps", "1e-320"}, "--eps 1e-320 is outside"},
		{[]string{"gradcheck", "--samples", "0"}, "--samples must be at least 2, got 0: with one sample"},
		{[]string{"gradcheck", "--k", "0"}, "--k must be at least 1"},
		{[]string{"gradcheck", "--samples", "1"}, "--samples must be at least 2"},
		{[]string{"gradcheck", "--samples", "20000"}, "is more than the 10000 images"},
		{[]string{"gradcheck", "--bug", "no-such-bug"}, "known bugs:"},
		{[]string{"gradcheck", "--act", "swish"}, "use tanh, sigmoid or relu"},
		{[]string{"gradcheck", "extra"}, "unknown command"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			stdout, stderr, code := run(t, c.args...)
			if code != 2 || stdout != "" {
				t.Fatalf("exit %d, stdout %q", code, stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
				t.Fatalf("stderr %q, want one line containing %q", stderr, c.want)
			}
		})
	}
}
