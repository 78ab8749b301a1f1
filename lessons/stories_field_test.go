package lessons

import (
	"math"
	"strings"
	"testing"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/net/foreign"
	"github.com/backstep/backstep/tracer"
)

// fieldDump is one step of a bug's lesson network (its first scenario's
// setting) on the first n images, dumped as a learner's script would.
func fieldDump(t *testing.T, id string, layout net.Layout, n int, next bool) *net.NumPyFile {
	t.Helper()
	l, err := LessonFor(id)
	if err != nil {
		t.Fatal(err)
	}
	return dumpStep(t, l.ScenarioConfig(l.Scenarios[0], Options{Layout: layout}), []string{id}, n, next)
}

// TestFieldLessonsCatch holds what each new lesson's Catch says of
// backstep check: a dump of one step of the lesson's network, in either
// layout, has the bug named at the tensors the lesson names.
func TestFieldLessonsCatch(t *testing.T) {
	cases := []struct {
		id string
		n  int
		at []string // tensors check names the bug at
		// next dumps the parameters after the update too: check needs them
		// to see the update that ran before the backward pass.
		next bool
	}{
		{"derivative-of-activation", 16, []string{"dZ2", "dZ1"}, false},
		{"derivative-of-error", 16, []string{"dZ2"}, false},
		{"delta-not-backpropagated", 16, []string{"dZ1"}, false},
		{"dot-not-outer", 1, []string{"dW2", "dW1"}, false},
		{"double-normaliser", 16, []string{"dZ1"}, false},
		{"sum-loss", 16, []string{"loss"}, false},
		{"bias-not-reduced", 16, []string{"db2", "db1"}, false},
		{"bias-mean", 16, []string{"db2", "db1"}, false},
		{"update-before-backprop", 16, []string{"dZ1"}, true},
	}
	for _, c := range cases {
		for _, layout := range []net.Layout{net.Rows, net.Cols} {
			t.Run(c.id+"/"+string(layout), func(t *testing.T) {
				d, err := foreign.Interpret(fieldDump(t, c.id, layout, c.n, c.next), foreign.Options{})
				if err != nil {
					t.Fatal(err)
				}
				rep := CheckDump(d, CheckOptions{})
				named := map[string]string{}
				for _, f := range rep.Findings {
					named[f.Tensor] = f.Bug
				}
				for _, tensor := range c.at {
					if named[tensor] != c.id {
						t.Errorf("%s: bug %q, want %s (bugs named: %s)", tensor, named[tensor], c.id, strings.Join(rep.Bugs, ", "))
					}
				}
			})
		}
	}
}

// The new lessons, each asserting its claim on a short real run, in both
// layouts (every patch here writes its lines, or its shapes, by layout).

func bothLayouts(t *testing.T, id string, opts Options, check func(t *testing.T, res *Result)) {
	for _, layout := range []net.Layout{net.Rows, net.Cols} {
		t.Run(string(layout), func(t *testing.T) {
			o := opts
			o.Layout = layout
			res := replay(t, id, o)
			check(t, res)
			if !res.Shown {
				t.Errorf("claim not shown: %v", res.Conclusion)
			}
		})
	}
}

func wantFailing(t *testing.T, r *Run, want string) {
	t.Helper()
	if got := strings.Join(failing(r), ","); got != want {
		t.Errorf("%s run: gradient check fails %q, want %q", r.Name, got, want)
	}
}

// nielsenCache shares the correct run of Nielsen's network (and its
// gradient check) between the two lessons that replay it.
var nielsenCache = &Cache{}

func TestLessonDerivativeOfActivation(t *testing.T) {
	bothLayouts(t, "derivative-of-activation", Options{Cache: nielsenCache}, func(t *testing.T, res *Result) {
		b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
		if b.Config.OutputAct() != net.Sigmoid || b.Config.LossKind() != net.SquaredError || b.Config.Act != net.Sigmoid {
			t.Fatalf("not Nielsen's network: %+v", b.Config)
		}
		wantFailing(t, b, "dW1,db1,dW2,db2")
		wantFailing(t, c, "")
		if sb, sc := saturatedAtEnd(b), saturatedAtEnd(c); !(sb > sc) {
			t.Errorf("saturated share of Z1 at the end: buggy %.3f, correct %.3f: σ′(σ(z)) should keep pushing saturated units", sb, sc)
		}
		// no false alarms from the detectors written for softmax outputs
		for _, f := range c.Findings {
			if f.ID == "loss-at-init" || f.ID == "output-sums" || f.ID == "loss-mismatch" {
				t.Errorf("correct sigmoid + squared-error run: %s: %s", f.ID, f.Message)
			}
		}
	})
}

func TestLessonDerivativeOfError(t *testing.T) {
	bothLayouts(t, "derivative-of-error", Options{Cache: nielsenCache}, func(t *testing.T, res *Result) {
		b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
		wantFailing(t, b, "dW1,db1,dW2,db2")
		if b.Final().Accuracy > c.Final().Accuracy-0.1 {
			t.Errorf("buggy %.3f, correct %.3f: the lesson says it learns far less", b.Final().Accuracy, c.Final().Accuracy)
		}
		noFinding(t, c, "loss-at-init")
		if !strings.Contains(strings.Join(res.Conclusion, "\n"), "the squared error falls") {
			t.Errorf("the loss is not called squared error: %v", res.Conclusion)
		}
	})
}

func TestLessonDeltaNotBackpropagated(t *testing.T) {
	bothLayouts(t, "delta-not-backpropagated", Options{Epochs: 15, N: 1000, Heldout: 100}, func(t *testing.T, res *Result) {
		b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
		if b.Config.Hidden[0] != 10 || c.Config.Hidden[0] != 10 {
			t.Fatalf("hidden %v / %v, want 10 units in both runs", b.Config.Hidden, c.Config.Hidden)
		}
		wantFailing(t, b, "dW1,db1")
		wantFailing(t, c, "")
		if b.Err != nil || b.Final().Accuracy < 0.5 {
			t.Errorf("err %v, accuracy %.3f: the lesson says it learns", b.Err, b.Final().Accuracy)
		}
	})
}

func TestLessonDotNotOuter(t *testing.T) {
	bothLayouts(t, "dot-not-outer", Options{Epochs: 2, N: 200, Heldout: 50}, func(t *testing.T, res *Result) {
		b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
		if b.Config.Batch != 1 || c.Config.Batch != 1 {
			t.Fatalf("batches of %d and %d, want one image at a time", b.Config.Batch, c.Config.Batch)
		}
		for _, W := range []string{"W1", "W2"} {
			mean, spread, _, ok := movedAlike(b, W)
			if !ok || mean == 0 || spread > 1e-9*math.Abs(mean) {
				t.Errorf("%s moved by %g with spread %g: every weight should move alike", W, mean, spread)
			}
			if _, cs, _, _ := movedAlike(c, W); cs < 1e-3 {
				t.Errorf("correct run: %s's weights moved alike (spread %g)", W, cs)
			}
		}
		// with mini-batches the recomputed loss covers every batch, as the
		// program's loss does: they agree on the correct run
		for _, e := range c.Epochs {
			if math.Abs(e.CrossEntropy-e.Loss) > 1e-9*e.Loss {
				t.Errorf("epoch %d: recomputed loss %v, program's %v", e.Epoch, e.CrossEntropy, e.Loss)
			}
		}
		noFinding(t, b, "loss-at-init") // the first step starts at ln 10
	})
}

func TestLessonDoubleNormaliser(t *testing.T) {
	bothLayouts(t, "double-normaliser", Options{Epochs: 8, N: 1000, Heldout: 100}, func(t *testing.T, res *Result) {
		b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
		if r := c.FirstStep.GradNorm[0] / b.FirstStep.GradNorm[0]; math.Abs(r-1000) > 1e-6 {
			t.Errorf("‖dW1‖ ratio %v at the first step, want m = 1000", r)
		}
		if b.FirstStep.GradNorm[1] != c.FirstStep.GradNorm[1] {
			t.Errorf("‖dW2‖ differs at the first step: %v, %v", b.FirstStep.GradNorm[1], c.FirstStep.GradNorm[1])
		}
		if ub, uc := medianRatio(b, 0), medianRatio(c, 0); !(ub < uc/100) {
			t.Errorf("W1 moves by %g of its size an update, the correct run's by %g: it should barely move", ub, uc)
		}
	})
}

func TestLessonSumLoss(t *testing.T) {
	bothLayouts(t, "sum-loss", Options{Epochs: 5, N: 1000, Heldout: 100}, func(t *testing.T, res *Result) {
		b := res.Scenarios[0].Buggy
		if f := finding(t, b, "loss-mismatch"); !strings.Contains(f.Message, "is 1000 × the mean cross-entropy") {
			t.Errorf("loss-mismatch: %s", f.Message)
		}
		finding(t, b, "loss-rising")
	})
}

func TestLessonBiasNotReduced(t *testing.T) {
	bothLayouts(t, "bias-not-reduced", Options{Epochs: 3, N: 500, Heldout: 100}, func(t *testing.T, res *Result) {
		b := res.Scenarios[0].Buggy
		want := tracer.Shape{500, 60}
		if b.Config.Layout == net.Cols {
			want = tracer.Shape{60, 500}
		}
		if got := b.Params["b1"].Shape(); !got.Equal(want) {
			t.Errorf("b1 ends %v, want %v", got, want)
		}
		finding(t, b, "heldout-error")
	})
}

func TestLessonBiasMean(t *testing.T) {
	bothLayouts(t, "bias-mean", Options{}, func(t *testing.T, res *Result) {
		b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
		if b.Config.Normalised() != net.InDelta || c.Config.Normalised() != net.InDelta {
			t.Fatalf("the 1/m is not in dZ2 in both runs")
		}
		wantFailing(t, b, "db1,db2")
		wantFailing(t, c, "")
		if nb, nc := norm(b.Params["b2"]), norm(c.Params["b2"]); nc < 100*nb {
			t.Errorf("‖b2‖ buggy %v, correct %v: the biases should barely move", nb, nc)
		}
	})
}

func TestLessonUpdateBeforeBackprop(t *testing.T) {
	bothLayouts(t, "update-before-backprop", Options{Epochs: 8, N: 1000, Heldout: 100}, func(t *testing.T, res *Result) {
		b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
		wantFailing(t, b, "dW1,db1")
		wantFailing(t, c, "")
	})
}

// TestFieldLessonsComeLast keeps the lessons of learners' own bugs after
// the others in the list.
func TestFieldLessonsComeLast(t *testing.T) {
	order := Order()
	tail := order[len(order)-len(fieldLessons):]
	if strings.Join(tail, ",") != strings.Join(fieldLessons, ",") || len(fieldLessons) != 9 {
		t.Errorf("order ends %v, want the field lessons %v", tail, fieldLessons)
	}
}
