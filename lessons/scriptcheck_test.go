package lessons

import (
	"path/filepath"
	"testing"

	"github.com/backstep/backstep/net/record"
)

func recorded(t *testing.T, name string) *record.Analysis {
	t.Helper()
	r, err := record.Read(filepath.Join("..", "testdata", "records", name))
	if err != nil {
		t.Fatal(err)
	}
	return record.Analyze(r)
}

// check's verdicts on a recorded script land on the lines that assigned
// the faulty tensors, with the catalog bug and the right line in the
// learner's names.
func TestCheckScript(t *testing.T) {
	for _, c := range []struct {
		name string
		want []LineVerdict // Line is compared by number only
		line []int
	}{
		{"question-200", []LineVerdict{
			{Learner: "m", Finding: TensorFinding{Bug: "wrong-m"}, Right: "m = X.shape[0]"},
			{Learner: "A2", Finding: TensorFinding{Bug: "softmax-axis"}},
			{Learner: "db2", Finding: TensorFinding{Bug: "bias-axis"}, Right: "db2 = np.sum(dZ2, axis=0, keepdims=True) / m"},
			{Learner: "db1", Finding: TensorFinding{Bug: "bias-axis"}, Right: "db1 = np.sum(dZ1, axis=0, keepdims=True) / m"},
		}, []int{29, 37, 42, 45}},
		{"foreign", []LineVerdict{
			{Learner: "grad_bias2", Finding: TensorFinding{Bug: "bias-axis"}, Right: "grad_bias2 = np.sum(delta2, axis=1, keepdims=True) / N"},
		}, []int{23}},
		{"fixed-200", nil, nil},
		// updates without lr *, a loop over zip(params, grads)
		{"update-forms", nil, nil},
		// gradients inline in the updates: syn1 += l1.T.dot(l2_delta)
		{"iamtrask", nil, nil},
		// CS231n's dicts: db2 sums over the classes
		{"dicts", []LineVerdict{{Learner: "grads['b2']", Finding: TensorFinding{Bug: "bias-axis-nokeepdims"}}}, []int{26}},
		// self.W1: the sigmoid layer's delta uses tanh's derivative
		{"classy", []LineVerdict{{Learner: "delta1", Right: "delta1 = np.dot(delta2, self.W2.T) * self.a1 * (1 - self.a1)"}}, []int{27}},
		// no update: g1 lacks the 1/N of the other gradients
		{"one-shot", []LineVerdict{{Learner: "g1", Finding: TensorFinding{Bug: ""}, Right: "g1 = np.dot(x.T, d1) / N"}}, []int{15}},
		// the parameters after the update: b1 never moves, W2 climbs
		{"tuples", []LineVerdict{{Learner: "b1"}, {Learner: "W2"}}, []int{36, 37}},
	} {
		t.Run(c.name, func(t *testing.T) {
			chk := CheckScript(recorded(t, c.name))
			if chk.Err != nil {
				t.Fatal(chk.Err)
			}
			if len(chk.Lines) != len(c.want) {
				t.Fatalf("%d faulty tensors, want %d: %+v", len(chk.Lines), len(c.want), chk.Lines)
			}
			for i, w := range c.want {
				g := chk.Lines[i]
				if g.Learner != w.Learner || g.Finding.Bug != w.Finding.Bug || g.Line == nil || g.Line.Stmt.Line != c.line[i] ||
					w.Right != "" && g.Right != w.Right {
					t.Errorf("%d: %s %s at %v, right %q; want %s %s at line %d, right %q", i, g.Learner, g.Finding.Bug,
						g.Line, g.Right, w.Learner, w.Finding.Bug, c.line[i], w.Right)
				}
			}
			chk.CheckGradients()
			if ok := len(c.want) == 0; chk.Report.OK() != ok {
				t.Errorf("report OK %v, want %v", chk.Report.OK(), ok)
			}
		})
	}
}
