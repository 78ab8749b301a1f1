package record

import (
	"strings"
	"testing"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

func TestQuestionIteration(t *testing.T) {
	r := fixture(t, "question-200")
	a := Analyze(r)
	if r.Tracer == "" || r.Iterations.FirstUpdate == nil || r.Iterations.Loop == nil {
		t.Fatalf("the iteration was not found: %+v", r.Iterations)
	}
	if got := r.Statement(*r.Iterations.FirstUpdate).Src; got != "W1 = W1 - lr * dW1" {
		t.Errorf("first update %q", got)
	}
	// The learner's names are backstep's; every role is found.
	for _, role := range []string{"X", "Y", "W1", "b1", "W2", "b2", "Z1", "A1", "Z2", "A2", "dZ2", "dW2", "db2", "dZ1", "dW1", "db1", "m", "loss"} {
		if a.Roles[role] != role {
			t.Errorf("role %s: %q", role, a.Roles[role])
		}
	}
	// Every line of the loop body is replayed on the tracer, the calls of
	// the script's own tanh and softmax inlined.
	for _, ln := range a.Lines {
		if !ln.Setup && !ln.Replayed {
			t.Errorf("line %d %s not replayed: %s", ln.Stmt.Line, ln.Stmt.Src, ln.ReplayErr)
		}
	}
	var softmax *Line
	for _, ln := range a.Lines {
		if ln.Target() == "A2" {
			softmax = ln
		}
	}
	if softmax == nil || len(softmax.Events) != 5 {
		t.Fatalf("A2 = softmax(Z2): %+v", softmax)
	}
	if e := softmax.Events[0]; e.Op != "max" || e.Axis == nil || *e.Axis != 0 || !e.Keepdims {
		t.Errorf("the softmax's max: %+v", e)
	}
	// b1 and b2 drift at their updates.
	if len(a.Drifts) != 2 {
		t.Fatalf("drifts %+v", a.Drifts)
	}
	for i, want := range []struct {
		name  string
		after tracer.Shape
		line  int
	}{{"b1", tracer.Shape{200, 60}, 48}, {"b2", tracer.Shape{200, 10}, 50}} {
		d := a.Drifts[i]
		if d.Name != want.name || !d.After.Equal(want.after) || d.Line.Stmt.Line != want.line {
			t.Errorf("drift %d: %s %v at line %d, want %s %v at %d", i, d.Name, d.After, d.Line.Stmt.Line, want.name, want.after, want.line)
		}
	}
	if a.NonFinite != nil {
		t.Errorf("no NaN expected: %+v", a.NonFinite)
	}
	if a.Accuracy != "accuracy" {
		t.Errorf("accuracy metric %q", a.Accuracy)
	}
}

func TestQuestionAudit(t *testing.T) {
	a := Analyze(fixture(t, "question-200"))
	p := a.Program(&net.Config{Layout: net.Rows, Inputs: 784, Hidden: []int{60}, Classes: 10, Act: net.Tanh}, Marks{})
	found := map[string]Finding{}
	for _, f := range a.Audit(200, 10, func(n string) []string { return a.LabelsOf(p, n) }) {
		found[f.Bug] = f
	}
	loop := found["accuracy-loop"]
	if loop.Line != 52 || loop.Right != "for i in range(Y.shape[0])" || !strings.Contains(loop.Text, "only the first 10 samples") {
		t.Errorf("accuracy-loop: %+v", loop)
	}
	counter := found["counter-not-reset"]
	if counter.Line != 31 || len(counter.Also) != 1 || counter.Also[0] != 54 ||
		!strings.Contains(counter.Text, "after iteration 2") {
		t.Errorf("counter-not-reset: %+v", counter)
	}
	if _, ok := found[""]; !ok {
		t.Errorf("the accuracy over 10 of 200 samples is not reported: %+v", found)
	}
}

func TestFixedRunsClean(t *testing.T) {
	a := Analyze(fixture(t, "fixed-200"))
	if len(a.Drifts) != 0 || a.NonFinite != nil {
		t.Errorf("drift %v, NaN %v", a.Drifts, a.NonFinite)
	}
	p := a.Program(&net.Config{Layout: net.Cols, Inputs: 784, Hidden: []int{60}, Classes: 10, Act: net.Tanh}, Marks{})
	if f := a.Audit(200, 10, func(n string) []string { return a.LabelsOf(p, n) }); len(f) != 0 {
		t.Errorf("the fixed metric is flagged: %+v", f)
	}
}

func TestForeignNames(t *testing.T) {
	a := Analyze(fixture(t, "foreign"))
	want := map[string]string{"x": "X", "y": "Y", "theta1": "W1", "bias1": "b1", "theta2": "W2", "bias2": "b2",
		"s1": "Z1", "h1": "A1", "s2": "Z2", "h2": "A2", "delta2": "dZ2", "grad_theta2": "dW2", "grad_bias2": "db2",
		"delta1": "dZ1", "grad_theta1": "dW1", "grad_bias1": "db1", "N": "m", "cost": "loss"}
	for learner, role := range want {
		if a.Roles[learner] != role {
			t.Errorf("%s → %q, want %s", learner, a.Roles[learner], role)
		}
	}
	// The script stops at bias2 -= ... (NumPy cannot broadcast in place).
	ex := a.Rec.Exception
	if ex == nil || ex.Type != "ValueError" || ex.Line != 28 || !strings.Contains(ex.Message, "non-broadcastable output operand") {
		t.Errorf("exception %+v", ex)
	}
	// Two statements on one line are both recorded.
	lines := map[string]int{}
	for _, ln := range a.Lines {
		lines[ln.Target()] = ln.Stmt.Line
	}
	if lines["s1"] != 17 || lines["h1"] != 17 || lines["bias2"] != 28 {
		t.Errorf("lines %v", lines)
	}
}

func TestNotebook(t *testing.T) {
	r := fixture(t, "notebook")
	if !r.Notebook || len(r.Notices) != 3 {
		t.Fatalf("notices %q", r.Notices)
	}
	for i, want := range []string{"cell 4 line 1: %%time", "!pip install numpy", "cell 3 (%%bash)"} {
		if !strings.Contains(r.Notices[i], want) {
			t.Errorf("notice %d: %q lacks %q", i, r.Notices[i], want)
		}
	}
	a := Analyze(r)
	m := a.Writer("m")
	if m == nil || r.LineOf(m.Stmt.Line) != "cell 5, line 5" {
		t.Fatalf("m's line: %+v", m)
	}
	if a.Roles["m"] != "m" || a.Roles["W2"] != "W2" {
		t.Errorf("roles %v", a.Roles)
	}
}

func TestReplay(t *testing.T) {
	X := tracer.Matrix(2, 3, []float64{1, 2, 3, 4, 5, 6}).Named("X")
	env := func(n string) (*tracer.Array, bool) {
		if n == "X" {
			return X, true
		}
		return nil, false
	}
	name := func(id string) *Expr { return &Expr{K: "name", ID: id} }
	num := func(v string) *Expr { return &Expr{K: "const", N: []byte(v), Src: v} }
	for _, c := range []struct {
		what string
		expr *Expr
		want []float64
		err  string
	}{
		{"builtin sum adds the rows", &Expr{K: "call", F: name("sum"), Args: []*Expr{name("X")}}, []float64{5, 7, 9}, ""},
		{"X.shape[1]", &Expr{K: "subscript", V: &Expr{K: "attr", V: name("X"), A: "shape"}, I: num("1")}, []float64{3}, ""},
		{"np.sum(X, axis=1, keepdims=True)", &Expr{K: "call", F: &Expr{K: "attr", V: name("np"), A: "sum"},
			Args: []*Expr{name("X")}, KW: map[string]*Expr{"axis": num("1"), "keepdims": num("true")}}, []float64{6, 15}, ""},
		{"X @ X fails as in NumPy", &Expr{K: "binop", Op: "MatMult", L: name("X"), R: name("X")}, nil, "shapes (2,3) and (2,3) not aligned"},
		{"X[1] is a sample", &Expr{K: "subscript", V: name("X"), I: num("1")}, []float64{4, 5, 6}, ""},
		{"X[2] is out of bounds", &Expr{K: "subscript", V: name("X"), I: num("2")}, nil, "index 2 is out of bounds for axis 0 with size 2"},
		{"X[0:1] is not replayed", &Expr{K: "subscript", V: name("X"), I: &Expr{K: "slice"}}, nil, "cannot replay indexing"},
		{"np.outer(X[0], X[1])", &Expr{K: "call", F: &Expr{K: "attr", V: name("np"), A: "outer"},
			Args: []*Expr{{K: "subscript", V: name("X"), I: num("0")}, {K: "subscript", V: name("X"), I: num("1")}}},
			[]float64{4, 5, 6, 8, 10, 12, 12, 15, 18}, ""},
	} {
		t.Run(c.what, func(t *testing.T) {
			out, err := Replay(nil, c.expr, env, nil)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := out.(*tracer.Array).Data()
			for i := range c.want {
				if got[i] != c.want[i] {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
}
