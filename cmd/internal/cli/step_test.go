package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goldenfile "github.com/backstep/backstep/cmd/internal/golden"
	"github.com/backstep/backstep/cmd/internal/render"
)

// runStep executes a command line with the given standard input, as a
// pipe would feed it.
func runStep(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	code = Run(io, args, false)
	return out.String(), errOut.String(), code
}

// golden compares got with testdata/golden/name.golden.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Compare(t, filepath.Join("..", "..", "..", "testdata", "golden", name+".golden"), got)
}

// fits checks that every line fits width columns and that no colour
// reaches a pipe.
func fits(t *testing.T, out string, colour bool, width int) {
	t.Helper()
	for i, l := range strings.Split(out, "\n") {
		if w := render.VisibleWidth(l); w > width {
			t.Errorf("line %d is %d columns wide: %q", i+1, w, l)
		}
	}
	if !colour && strings.Contains(out, "\x1b[") {
		t.Error("colour written to a pipe")
	}
}

// showEscapes keeps a coloured golden readable.
func showEscapes(s string) string { return strings.ReplaceAll(s, "\x1b[", `\e[`) }

func TestStepGolden(t *testing.T) {
	session := "n\ns\ns\ne\nb dW1\nb shape-change\nc\np dW2 0:3 0:4\np db2\nshape b2\nl\nbogus\np Z9\ne m\nc\nq\n"
	// The banner, list, n, help break, a continue past warnings, explain.
	session80 := "l\nn\nhelp break\nhelp\nb db2\nc\ne\np W1\nc\nq\n"
	cases := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"step_trace_rows", "", []string{"step", "--interactive", "off", "--n", "200"}},
		{"step_trace_cols_softmax", "", []string{"step", "--n", "200", "--layout", "cols", "--bug", "softmax-axis"}},
		{"step_session", session, []string{"step", "--interactive", "on", "--n", "200", "--bug", "wrong-m"}},
		{"step_session_color", "n\nb nan\nc\nq\n", []string{"step", "--interactive", "on", "--n", "100", "--init-scale", "1000", "--color", "always"}},
		// The same at 80 columns, the narrowest terminal backstep lays out for.
		{"step_trace_rows_80", "", []string{"step", "--interactive", "off", "--n", "200", "--width", "80"}},
		{"step_trace_cols_softmax_80", "", []string{"step", "--n", "200", "--layout", "cols", "--bug", "softmax-axis", "--width", "80"}},
		{"step_session_80", session80, []string{"step", "--interactive", "on", "--n", "200", "--bug", "bias-axis", "--width", "80"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runStep(t, c.stdin, c.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			colour := strings.Contains(c.name, "color")
			width := 100
			if strings.HasSuffix(c.name, "_80") {
				width = 80
			}
			fits(t, out, colour, width)
			if colour {
				if !strings.Contains(out, "\x1b[") {
					t.Fatal("--color always wrote no colour")
				}
				out = showEscapes(out)
			}
			golden(t, c.name, out)
		})
	}
}

// TestStepMustShow runs the must-show commands on the default
// network and all 10,000 images and checks what they say.
func TestStepMustShow(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size iterations")
	}
	statements := []string{"m = X.shape[0]", "Z1 = X · W1 + b1", "A1 = tanh(Z1)", "Z2 = A1 · W2 + b2", "A2 = softmax(Z2)",
		"loss = −(1/m) · Σ Y ∘ log(A2)", "dZ2 = A2 − Y", "dW2 = (1/m) · A1ᵀ · dZ2", "db2 = (1/m) · Σ over samples (axis 0) of dZ2",
		"dZ1 = (dZ2 · W2ᵀ) ∘ (1 − A1²)", "dW1 = (1/m) · Xᵀ · dZ1", "db1 = (1/m) · Σ over samples (axis 0) of dZ1",
		"W1 = W1 − lr · dW1", "b1 = b1 − lr · db1", "W2 = W2 − lr · dW2", "b2 = b2 − lr · db2", "acc = mean("}
	colStatements := []string{"m = X.shape[1]", "Z1 = W1 · X + b1", "dW2 = (1/m) · dZ2 · A1ᵀ", "db1 = (1/m) · Σ over samples (axis 1) of dZ1"}
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"rows", nil, append(statements,
			"X (10000 samples × 784 features) · W1 (784 features × 60",
			"sums over features (784) → 10000 samples × 60 hidden",
			"b1 repeated along samples → 10000 samples × 60 hidden",
			"sum over samples (axis 0), keepdims → 1 × 10 classes:", "one gradient per class",
			"A1ᵀ (60 hidden × 10000 samples) · dZ2 (10000 samples ×",
			"loss 2.3031 ≈ ln 10 = 2.3026", "no NaN or Inf anywhere")},
		{"cols", []string{"--layout", "cols"}, append(colStatements,
			"W1 (60 hidden × 784 features) · X (784 features × 10000",
			"b1 repeated along samples → 60 hidden × 10000 samples",
			"sum over samples (axis 1), keepdims → 10 classes × 1:")},
		{"bias-axis", []string{"--bug", "bias-axis"}, []string{
			"db2 = (1/m) · Σ over classes (axis 1) of dZ2", "✗ bias-axis",
			"axis:    sum over classes (axis 1) instead of samples (axis 0)",
			"correct: db2 = np.sum(dZ2, axis=0, keepdims=True) / m  → 1 × 10 classes",
			"axis:    sum over hidden (axis 1) instead of samples (axis 0)",
			"correct: db1 = np.sum(dZ1, axis=0, keepdims=True) / m  → 1 × 60 hidden",
			"⚠ b1: 1 × 60 hidden → 10000 samples × 60 hidden: the update changed the parameter's shape",
			"⚠ b2: 1 × 10 classes → 10000 samples × 10 classes: the update changed the parameter's shape",
			"shape drift b1: 1 × 60 hidden → 10000 samples × 60 hidden",
			"shape drift b2: 1 × 10 classes → 10000 samples × 10 classes"}},
		{"wrong-m", []string{"--bug", "wrong-m"}, []string{
			"here:    784 instead of 10000",
			"every (1/m) below is too large by 10000/784",
			"≠ dW2   differs from the correct run: scaled by 12.76 = 10000/784 (samples/features)",
			"≠ db2   differs from the correct run: scaled by 12.76 = 10000/784 (samples/features)",
			"≠ dW1   differs from the correct run: scaled by 12.76 = 10000/784 (samples/features)",
			"≠ db1   differs from the correct run: scaled by 12.76 = 10000/784 (samples/features)"}},
		{"softmax-axis", []string{"--bug", "softmax-axis"}, []string{
			"axis:    max over samples (axis 0) instead of classes (axis 1); sum over samples (axis 0)",
			"the columns of A2 (one per class) sum to 1 over the 10000 samples, not its rows",
			"loss 9.2108 ≈ ln 10000 = 9.2103, not ln 10 = 2.3026"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runStep(t, "", append([]string{"step", "--interactive", "off"}, c.args...)...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			fits(t, out, false, 100)
			flat := strings.Join(strings.Fields(out), " ")
			for _, w := range c.want {
				if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("trace lacks %q", w)
				}
			}
		})
	}
}

func TestStepJSON(t *testing.T) {
	type operand struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
	}
	type trace struct {
		Config struct {
			Bugs []string `json:"bugs"`
			N    int      `json:"n"`
		} `json:"config"`
		Statements []struct {
			Name string `json:"name"`
			Line *struct {
				Relation string `json:"relation"`
				Correct  string `json:"correct"`
			} `json:"line"`
			ShapeDrift *struct {
				Before []int `json:"before"`
				After  []int `json:"after"`
			} `json:"shape_drift"`
		} `json:"statements"`
		Events []struct {
			Statement string          `json:"statement"`
			Op        string          `json:"op"`
			Inputs    []operand       `json:"inputs"`
			Shape     []int           `json:"shape"`
			Axis      json.RawMessage `json:"axis"`
			Stats     map[string]any  `json:"stats"`
		} `json:"events"`
		FirstNonFinite *struct {
			Statement string `json:"statement"`
			Op        string `json:"op"`
		} `json:"first_nonfinite"`
		Loss any `json:"loss"`
	}
	t.Run("bias-axis", func(t *testing.T) {
		out, errOut, code := runStep(t, "", "step", "--json", "--n", "300", "--bug", "bias-axis")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var tr trace
		if err := json.Unmarshal([]byte(out), &tr); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		if tr.Config.N != 300 || len(tr.Config.Bugs) != 1 || len(tr.Statements) != 17 || len(tr.Events) < 40 {
			t.Fatalf("config %+v, %d statements, %d events", tr.Config, len(tr.Statements), len(tr.Events))
		}
		for i, e := range tr.Events {
			if e.Statement == "" || e.Op == "" || e.Shape == nil || e.Axis == nil || len(e.Inputs) == 0 || e.Stats["count"] == nil {
				t.Fatalf("event %d incomplete: %+v", i, e)
			}
		}
		first := tr.Events[0]
		if first.Op != "shape" || string(first.Axis) != "0" || first.Inputs[0].Name != "X" || first.Inputs[0].Shape[0] != 300 {
			t.Errorf("first event %+v", first)
		}
		byName := map[string]int{}
		for i, s := range tr.Statements {
			byName[s.Name] = i
		}
		db2 := tr.Statements[byName["db2"]]
		if db2.Line == nil || db2.Line.Relation != "shape" || !strings.Contains(db2.Line.Correct, "axis=0") {
			t.Errorf("db2 line %+v", db2.Line)
		}
		b2 := tr.Statements[byName["b2"]]
		if b2.ShapeDrift == nil || b2.ShapeDrift.After[0] != 300 || b2.ShapeDrift.Before[0] != 1 {
			t.Errorf("b2 drift %+v", b2.ShapeDrift)
		}
	})
	t.Run("nan", func(t *testing.T) {
		out, _, code := runStep(t, "", "step", "--json", "--n", "100", "--init-scale", "1000")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		var tr trace
		if err := json.Unmarshal([]byte(out), &tr); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		if tr.Loss != "NaN" || tr.FirstNonFinite == nil || tr.FirstNonFinite.Statement != "loss" || tr.FirstNonFinite.Op != "log" {
			t.Errorf("loss %v, first non-finite %+v", tr.Loss, tr.FirstNonFinite)
		}
	})
}

// TestStepFromNumPyWeights starts the iteration from weights NumPy drew
// (testdata/dumps/init-*.npz, made by testdata/peers/make_dumps.py) and
// checks the loss and accuracy against NumPy's own first epoch on the same
// 1000 images, in both layouts.
func TestStepFromNumPyWeights(t *testing.T) {
	for _, layout := range []string{"rows", "cols"} {
		t.Run(layout, func(t *testing.T) {
			dumps := filepath.Join("..", "..", "..", "testdata", "dumps")
			b, err := os.ReadFile(filepath.Join(dumps, "init-"+layout+"-curve.json"))
			if err != nil {
				t.Fatal(err)
			}
			var curve []struct {
				Loss     float64 `json:"loss"`
				Accuracy float64 `json:"accuracy"`
			}
			if err := json.Unmarshal(b, &curve); err != nil || len(curve) == 0 {
				t.Fatalf("curve: %v", err)
			}
			out, errOut, code := runStep(t, "", "step", "--json", "--n", "1000", "--layout", layout,
				"--init", filepath.Join(dumps, "init-"+layout+".npz"))
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var tr struct {
				Loss     float64 `json:"loss"`
				Accuracy float64 `json:"accuracy"`
			}
			if err := json.Unmarshal([]byte(out), &tr); err != nil {
				t.Fatal(err)
			}
			if d := tr.Loss - curve[0].Loss; d > 1e-9 || d < -1e-9 || tr.Accuracy != curve[0].Accuracy {
				t.Errorf("loss %.15g accuracy %v; NumPy: %.15g, %v", tr.Loss, tr.Accuracy, curve[0].Loss, curve[0].Accuracy)
			}
		})
	}
}

func TestStepBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"step", "--interactive", "maybe"}, "--interactive must be auto, on or off"},
		{[]string{"step", "--json", "--interactive", "on"}, "cannot be combined with --interactive on"},
		{[]string{"step", "--bug", "nope"}, "known bugs:"},
		{[]string{"step", "--n", "0"}, "--n must be at least 1"},
		{[]string{"step", "--epochs", "3"}, "unknown flag: --epochs"},
		{[]string{"step", "db1"}, "unknown command"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			stdout, stderr, code := runStep(t, "", c.args...)
			if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", code, stdout, stderr, c.want)
			}
		})
	}
}

// TestStepAutoIsTheTraceOnAPipe: without a terminal, auto prints the trace.
func TestStepAutoIsTheTraceOnAPipe(t *testing.T) {
	out, _, code := runStep(t, "n\n", "step", "--n", "50")
	if code != 0 || !strings.Contains(out, "── summary") || strings.Contains(out, "(backstep)") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// TestREADMEStepExamples reruns every example of the README's step section
// and checks that each line pasted there (excerpts are marked "…") is
// what the command prints now, in order.
func TestREADMEStepExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size iterations")
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "## Step through one iteration")
	end := strings.Index(readme[start+1:], "\n## ")
	if start < 0 || end < 0 {
		t.Fatal("README.md has no step section")
	}
	section := readme[start : start+1+end]
	examples := 0
	for _, block := range strings.Split(section, "```\n")[1:] {
		cmd, body, ok := strings.Cut(block, "\n")
		if !ok || !strings.HasPrefix(cmd, "$ ") || !strings.Contains(cmd, "backstep step") {
			continue
		}
		examples++
		stdin := ""
		line := strings.TrimPrefix(cmd, "$ ")
		if p, rest, piped := strings.Cut(line, " | "); piped {
			stdin = strings.ReplaceAll(strings.Trim(strings.TrimPrefix(p, "printf "), "'"), `\n`, "\n")
			line = rest
		}
		args := strings.Fields(strings.TrimPrefix(line, "backstep "))
		out, errOut, code := runStep(t, stdin, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", cmd, code, errOut)
		}
		got := strings.Split(out, "\n")
		pos := 0
		for _, want := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
			if want == "…" {
				continue
			}
			found := false
			for ; pos < len(got); pos++ {
				if got[pos] == want {
					found, pos = true, pos+1
					break
				}
			}
			if !found {
				t.Errorf("%s: the README shows %q, which the command no longer prints (in that order)", cmd, want)
				break
			}
		}
	}
	if examples < 5 {
		t.Errorf("found %d step examples in the README, want 5", examples)
	}
}
