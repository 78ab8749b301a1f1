package record

import (
	"fmt"
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

// Updates are recognised by what they do, whatever their text: W -= dW
// with the learning rate folded in, a loop over zip(params, grads), an
// update over a dict's keys, self.W1 -= ..., a gradient computed inline;
// a softmax's in-place shift (Z2 -= Z2.max(...)) is not one.
func TestUpdateForms(t *testing.T) {
	for _, c := range []struct {
		fixture string
		first   string // the update that counts the iterations
		loop    int    // the line of the training loop
		updates [][2]string
	}{
		{"update-forms", "p -= g", 15, [][2]string{{"W1", "dW1"}, {"b1", "db1"}, {"W2", "dW2"}, {"b2", "db2"}}},
		{"dicts", "params[k] -= learning_rate * grads[k]", 12,
			[][2]string{{"params['W1']", "grads['W1']"}, {"params['b1']", "grads['b1']"}, {"params['W2']", "grads['W2']"}}},
		{"classy", "self.W1 -= lr * self.dW1", 40,
			[][2]string{{"self.W1", "self.dW1"}, {"self.b1", "self.db1"}, {"self.W2", "self.dW2"}, {"self.b2", "self.db2"}}},
		{"iamtrask", "syn1 += l1.T.dot(l2_delta)", 10, [][2]string{{"syn1", ""}, {"syn0", ""}}},
		// W1, b1, ... = params['W1'], ... binds names, it computes nothing
		{"aliases", "W1 -= 0.5 * dW1", 7, [][2]string{{"W1", "dW1"}, {"b1", "db1"}, {"W2", "dW2"}, {"b2", "db2"}}},
		// x = x - x.max(axis=1, keepdims=True) in a softmax function shifts
		// the scores (the same step along the classes, to rounding)
		{"shift-in-function", "W1 -= lr * dW1", 28, [][2]string{{"W1", "dW1"}, {"b1", "db1"}, {"W2", "dW2"},
			{"b2", "db2"}, {"W3", "dW3"}, {"b3", "db3"}}},
		// a loop over a literal of the parameters, or an index into a list
		// of them, in the training loop
		{"loop-tuple", "p -= lr * g", 22, [][2]string{{"W1", "grads[0]"}, {"b1", "grads[1]"}, {"W2", "grads[2]"}, {"b2", "grads[3]"}}},
		{"loop-list", "p -= lr * g", 22, [][2]string{{"W1", "grads[0]"}, {"b1", "grads[1]"}, {"W2", "grads[2]"}, {"b2", "grads[3]"}}},
		{"loop-index", "params[i] -= lr * grads[i]", 22, [][2]string{{"W1", "grads[0]"}, {"b1", "grads[1]"}, {"W2", "grads[2]"}, {"b2", "grads[3]"}}},
	} {
		t.Run(c.fixture, func(t *testing.T) {
			r := fixture(t, c.fixture)
			it := r.Iterations
			if it.FirstUpdate == nil || it.Loop == nil {
				t.Fatalf("no update found: %+v", it)
			}
			if got := r.Statement(*it.FirstUpdate).Src; got != c.first {
				t.Errorf("first update %q, want %q", got, c.first)
			}
			if got := r.Loops[*it.Loop].Line; got != c.loop {
				t.Errorf("iterations counted in the loop at line %d, want %d", got, c.loop)
			}
			var got [][2]string
			for _, u := range r.Updates {
				if u.Iteration == 1 && u.Failed == "" {
					got = append(got, [2]string{u.Param, u.Grad})
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.updates) {
				t.Errorf("updates %v, want %v", got, c.updates)
			}
		})
	}
	// The shift of the scores in place is not an update.
	r := fixture(t, "update-forms")
	for _, s := range r.Statements {
		if s.Update != nil && strings.HasPrefix(s.Src, "Z2 -=") {
			t.Errorf("%q read as an update", s.Src)
		}
	}
}

// The parameters the iteration started from and those it left: W1 before
// and after its update, so that check can judge the update.
func TestParametersAfterUpdate(t *testing.T) {
	a := Analyze(fixture(t, "update-forms"))
	f, m := a.Dump()
	for _, name := range []string{"W1", "b1", "W2", "b2"} {
		before, after := f.Arrays[name], f.Arrays[name+"_next"]
		if before == nil || after == nil || m[name+"_next"] != name+"_next" {
			t.Fatalf("%s: before %v, after %v, map %v", name, before, after, m)
		}
		var tp *tracer.Tape
		step := tp.Sub(before, after) // lr · grad: the gradient was scaled in place
		grad := f.Arrays["d"+name]
		if grad == nil || tracer.Relate(step, grad).Kind != tracer.Scaled {
			t.Errorf("%s − %s_next is not a multiple of d%s: %v", name, name, name, tracer.Relate(step, grad))
		}
	}
	// Through an alias: W1 = params['W1'], then W1 -= ...
	a = Analyze(fixture(t, "aliases"))
	f, _ = a.Dump()
	if f.Arrays["W1"] == nil || f.Arrays["W1_next"] == nil || tracer.Relate(f.Arrays["W1"], f.Arrays["W1_next"]).Kind == tracer.Same {
		t.Errorf("aliases: W1 %v, W1_next %v", f.Arrays["W1"], f.Arrays["W1_next"])
	}
	// A parameter the iteration never moved is its own next value (b1 here:
	// db1 = b1 - learning_rate * db1).
	a = Analyze(fixture(t, "tuples"))
	f, _ = a.Dump()
	if b, n := f.Arrays["b1"], f.Arrays["b1_next"]; b == nil || n == nil || tracer.Relate(n, b).Kind != tracer.Same {
		t.Errorf("b1 %v, b1_next %v", b, n)
	}
}

// Every target of an unpacking is recorded and placed: Z1, A1, Z2, A2 =
// forward(...) gives both layers' Z, and the labels come from inside
// backward(...).
func TestTupleUnpacking(t *testing.T) {
	a := Analyze(fixture(t, "tuples"))
	for learner, role := range map[string]string{"X": "X", "Y": "Y", "W1": "W1", "b1": "b1", "Z1": "Z1", "A1": "A1",
		"W2": "W2", "b2": "b2", "Z2": "Z2", "A2": "A2", "dW1": "dW1", "db1": "db1", "dW2": "dW2", "db2": "db2", "dZ2": "dZ2"} {
		if a.Roles[learner] != role {
			t.Errorf("%s → %q, want %s", learner, a.Roles[learner], role)
		}
	}
	for _, name := range []string{"Z1", "A1", "Z2", "A2", "dW1", "db2"} {
		if v := a.ValueOf(name); v == nil || v.Rank() != 2 {
			t.Errorf("%s: %v", name, v)
		}
	}
}

// CS231n's dicts and a class's attributes are recorded under their own
// names; the Z of hidden = np.maximum(0, X.dot(W1) + b1) is taken from
// inside the line, and the labels from dscores[np.arange(N), y] -= 1.
func TestContainersAndAttributes(t *testing.T) {
	a := Analyze(fixture(t, "dicts"))
	for learner, role := range map[string]string{"W1": "W1", "hidden": "A1", "(X·W1 + b1)": "Z1", "scores": "Z2",
		"probs": "A2", "dscores": "dZ2", "grads['W2']": "dW2", "grads['b1']": "db1", "y": "Y", "dhidden": "dZ1"} {
		if a.Roles[learner] != role {
			t.Errorf("dicts: %s → %q, want %s", learner, a.Roles[learner], role)
		}
	}
	// scores as the product made it, before the in-place shift
	if w := a.Writer("scores"); w == nil || w.Stmt.Line != 16 {
		t.Errorf("scores read from %v, want line 16", w)
	}
	a = Analyze(fixture(t, "classy"))
	for learner, role := range map[string]string{"X": "X", "self.W1": "W1", "self.z1": "Z1", "self.a1": "A1",
		"self.a2": "A2", "y_onehot": "Y", "delta2": "dZ2", "delta1": "dZ1", "self.dW1": "dW1", "self.db2": "db2"} {
		if a.Roles[learner] != role {
			t.Errorf("classy: %s → %q, want %s", learner, a.Roles[learner], role)
		}
	}
	if a.Pre["self.W1"] == nil || a.Post["self.W1"] == nil {
		t.Errorf("self.W1 before %v, after %v", a.Pre["self.W1"], a.Post["self.W1"])
	}
}

// Values the script changed in place after the step read them are not
// given to check: here the weights, updated by np.subtract(..., out=W1),
// an update backstep does not recognise.
func TestWithheldValues(t *testing.T) {
	a := Analyze(fixture(t, "out-param"))
	if a.Rec.Iterations.FirstUpdate != nil {
		t.Fatalf("an update was found: %+v", a.Rec.Iterations)
	}
	f, _ := a.Dump()
	for _, name := range []string{"W1", "W2"} {
		if _, ok := f.Arrays[name]; ok || a.Withheld[name] == "" {
			t.Errorf("%s given to check (withheld: %q)", name, a.Withheld[name])
		}
	}
	for _, name := range []string{"X", "Z1", "dW1", "b1"} {
		if _, ok := f.Arrays[name]; !ok {
			t.Errorf("%s not given to check (withheld: %q)", name, a.Withheld[name])
		}
	}
}

// With no update, the weight gradients are the products of each layer's
// input after the forward pass in the weight's shape, the bias gradients
// the sums of the layer's error.
func TestGradientsWithoutUpdate(t *testing.T) {
	a := Analyze(fixture(t, "one-shot"))
	for learner, role := range map[string]string{"x": "X", "t": "Y", "w1": "W1", "z": "Z1", "a": "A1", "p": "A2",
		"d2": "dZ2", "g2": "dW2", "gb2": "db2", "d1": "dZ1", "g1": "dW1", "gb1": "db1"} {
		if a.Roles[learner] != role {
			t.Errorf("%s → %q, want %s", learner, a.Roles[learner], role)
		}
	}
}

// forward returns (A2, cache) and backward unpacks the cache: the lines of
// the two functions, which backstep cannot replay inline, are the step's,
// so the hidden layer's Z1 and A1 are read; dW1 is shown at the line that
// computed it, not at the call that hands it on.
func TestLinesOfCalledFunctions(t *testing.T) {
	for _, name := range []string{"cache-tuple", "cache-dict-bug"} {
		a := Analyze(fixture(t, name))
		for _, role := range []string{"Z1", "A1", "Z2", "A2", "dZ1", "dW1"} {
			if a.Roles[role] != role || a.ValueOf(role) == nil {
				t.Errorf("%s: %s → %q (value %v)", name, role, a.Roles[role], a.ValueOf(role))
			}
		}
		if w := a.Writer("dW1"); w == nil || w.Stmt.Line != 59 {
			t.Errorf("%s: dW1 read from %v, want line 59", name, w)
		}
		// relu(Z) is replayed inline within A1 = relu(Z1): its own
		// lines are not the step's.
		for _, ln := range a.Lines {
			if ln.Stmt.Src == "def relu(Z)" {
				t.Errorf("%s: relu's own lines are listed", name)
			}
		}
	}
}

// Parameters kept in lists (W[i] -= lr * dW[i] in a loop over the layers)
// are the layers in their order, and a list of the activations that
// starts with X gives A1 … AL.
func TestLayerLists(t *testing.T) {
	a := Analyze(fixture(t, "layer-list"))
	want := map[string]string{"W[0]": "W1", "W[1]": "W2", "W[2]": "W3", "b[0]": "b1", "b[1]": "b2", "b[2]": "b3",
		"dW[0]": "dW1", "dW[1]": "dW2", "dW[2]": "dW3", "db[0]": "db1", "db[1]": "db2", "db[2]": "db3",
		"acts[1]": "A1", "acts[2]": "A2", "acts[3]": "A3", "X": "X", "Y": "Y"}
	for learner, role := range want {
		if a.Roles[learner] != role {
			t.Errorf("%s read as %q, want %s", learner, a.Roles[learner], role)
		}
	}
	if ln := a.Writer("dW[1]"); ln == nil || ln.Stmt.Line != 40 {
		t.Errorf("the line of dW[1]: %+v", ln)
	}
	// The gradients of a tuple backward returned are named by the
	// parameters their updates change.
	b := Analyze(fixture(t, "loop-tuple"))
	for learner, role := range map[string]string{"grads[0]": "dW1", "grads[1]": "db1", "grads[2]": "dW2", "grads[3]": "db2"} {
		if b.Roles[learner] != role {
			t.Errorf("%s read as %q, want %s", learner, b.Roles[learner], role)
		}
	}
}
