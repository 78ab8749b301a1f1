package net

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/backstep/backstep/tracer"
)

// stepCase is a small network (12 features, 5 hidden, 4 classes) on 20
// random samples, patched by patch (nil for the correct step).
func stepper(t *testing.T, layout Layout, scale float64, patch func(p *Program)) *Stepper {
	t.Helper()
	cfg := Config{Inputs: 12, Hidden: []int{5}, Classes: 4, Act: Tanh, Layout: layout,
		LR: 0.3, Epochs: 1, InitScale: scale, Seed: 3}
	p := Build(cfg)
	if patch != nil {
		patch(p)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	x, y := smallBatch(rng, 20, cfg.Inputs, cfg.Classes)
	return NewStepper(p, x, y, Init(cfg))
}

func record(t *testing.T, st *Stepper, name string) *StepRecord {
	t.Helper()
	for _, r := range st.Records {
		if r.Statement.Name == name {
			return r
		}
	}
	t.Fatalf("no record for %s", name)
	return nil
}

// The bugs as the lessons catalog patches them, written here against the
// program so the net package can test without importing lessons.
func otherAxis(p *Program) int { return p.unitAxis() }

var patches = map[string]func(p *Program){
	"wrong-m":      func(p *Program) { p.Replace("wrong-m", p.CountAlong(otherAxis(p))) },
	"softmax-axis": func(p *Program) { p.Replace("softmax-axis", p.Softmax(2, p.sampleAxis())) },
	"bias-axis": func(p *Program) {
		p.Replace("bias-axis", p.BiasGrad(1, otherAxis(p), true))
		p.Replace("bias-axis", p.BiasGrad(2, otherAxis(p), true))
	},
	"sign-flip": func(p *Program) {
		p.Replace("sign-flip", Statement{Name: "dZ2", Phase: Backward, Inputs: []string{"Y", "A2"},
			Formula: "dZ2 = Y − A2", NumPy: "dZ2 = Y - A2",
			Eval: func(tp *tracer.Tape, v Vars) *tracer.Array { return tp.Sub(v.Get("Y"), v.Get("A2")) }})
	},
}

func TestStepperCorrectStep(t *testing.T) {
	for _, layout := range []Layout{Rows, Cols} {
		t.Run(string(layout), func(t *testing.T) {
			st := stepper(t, layout, 0.01, nil)
			if st.Correct != nil {
				t.Fatal("an unpatched program needs no shadow run")
			}
			if err := st.Run(); err != nil {
				t.Fatal(err)
			}
			if !st.Finished() || len(st.Records) != len(st.Program.Statements) {
				t.Fatalf("ran %d of %d statements", len(st.Records), len(st.Program.Statements))
			}
			for _, r := range st.Records {
				if len(r.Events) == 0 {
					t.Errorf("%s recorded no operations", r.Statement.Name)
				}
				for k, n := range r.Noise {
					if n {
						t.Errorf("%s: operation %d taken for rounding noise", r.Statement.Name, k+1)
					}
				}
				if r.Line != nil || r.Run != nil || r.Drift != nil {
					t.Errorf("%s compared although nothing is patched", r.Statement.Name)
				}
				for _, n := range r.Notes {
					if n.Warn {
						t.Errorf("%s: warning on the correct step: %s", r.Statement.Name, n.Text)
					}
				}
			}
			if rec, _ := st.FirstNonFinite(); rec != nil {
				t.Errorf("NaN/Inf in the correct step at %s", rec.Statement.Name)
			}
			// The values are those of a plain run of the program.
			plain := st.Program.Bind(st.Vars["X"], st.Vars["Y"], Init(st.Program.Config))
			if layout == Cols {
				var tp *tracer.Tape
				plain = st.Program.Bind(tp.T(st.Vars["X"]), tp.T(st.Vars["Y"]), Init(st.Program.Config))
			}
			if err := st.Program.Run(nil, plain); err != nil {
				t.Fatal(err)
			}
			if got, want := st.Vars["loss"].Item(), plain["loss"].Item(); got != want {
				t.Errorf("loss %v, a plain run gives %v", got, want)
			}
		})
	}
}

func TestStepperComparesPatchedStep(t *testing.T) {
	cases := []struct {
		bug   string
		check func(t *testing.T, st *Stepper)
	}{
		{"wrong-m", func(t *testing.T, st *Stepper) {
			m := record(t, st, "m")
			if m.Line == nil || m.Line.Relation.Kind != tracer.Scaled || m.Line.Ratio != "12/20 (features/samples)" {
				t.Fatalf("m: line %+v", m.Line)
			}
			if !strings.Contains(m.Line.Axes, "counts features (axis") || !strings.Contains(m.Line.String(), "12 instead of 20") {
				t.Errorf("m: %q", m.Line)
			}
			for _, name := range []string{"loss", "dW2", "db2", "dW1", "db1"} {
				r := record(t, st, name)
				if r.Run == nil || r.Run.Relation.Kind != tracer.Scaled || r.Run.Ratio != "20/12 (samples/features)" {
					t.Errorf("%s: run comparison %+v, want scaled by 20/12", name, r.Run)
				}
			}
			if n := record(t, st, "m").Notes; len(n) != 1 || !n[0].Warn || !strings.Contains(n[0].Text, "too large by 20/12") {
				t.Errorf("m notes %+v", n)
			}
		}},
		{"softmax-axis", func(t *testing.T, st *Stepper) {
			a2 := record(t, st, "A2")
			if a2.Line == nil || !strings.Contains(a2.Line.Axes, "sum over samples") {
				t.Fatalf("A2: line %+v", a2.Line)
			}
			if len(a2.Notes) != 1 || !a2.Notes[0].Warn || !strings.Contains(a2.Notes[0].Text, "(one per class) sum to 1 over the 20 samples") {
				t.Errorf("A2 notes %+v", a2.Notes)
			}
			loss := record(t, st, "loss")
			if len(loss.Notes) != 1 || !strings.Contains(loss.Notes[0].Text, "≈ ln 20") {
				t.Errorf("loss notes %+v", loss.Notes)
			}
		}},
		{"bias-axis", func(t *testing.T, st *Stepper) {
			for _, name := range []string{"db1", "db2"} {
				r := record(t, st, name)
				if r.Line == nil || r.Line.Relation.Kind != tracer.ShapeDiff {
					t.Fatalf("%s: line %+v", name, r.Line)
				}
				if !strings.Contains(r.Line.Axes, "sum over") || !strings.Contains(r.Line.Axes, "instead of samples") {
					t.Errorf("%s: axes %q", name, r.Line.Axes)
				}
			}
			drifts := st.Drifts()
			if len(drifts) != 2 || drifts[0].Name != "b1" || drifts[1].Name != "b2" {
				t.Fatalf("drifts %+v", drifts)
			}
			if !drifts[1].After.Equal(tracer.Shape{20, 4}) && !drifts[1].After.Equal(tracer.Shape{4, 20}) {
				t.Errorf("b2 drifted to %v", drifts[1].After)
			}
			// A sum over the classes of A2 − Y is rounding noise, and so is
			// everything made of it: db2 and the update of b2 (from zero).
			found := false
			for _, n := range record(t, st, "db2").Notes {
				found = found || strings.Contains(n.Text, "0 up to rounding")
			}
			for _, name := range []string{"db2", "b2"} {
				for k, n := range record(t, st, name).Noise {
					if !n {
						t.Errorf("%s: operation %d is not marked as rounding noise", name, k+1)
					}
				}
			}
			if n := record(t, st, "db1").Noise; n[0] || n[1] {
				t.Errorf("db1 (a sum over hidden units) is not noise: %v", n)
			}
			if !found {
				t.Errorf("db2 notes do not say the class sum cancels: %+v", record(t, st, "db2").Notes)
			}
		}},
		{"sign-flip", func(t *testing.T, st *Stepper) {
			if r := record(t, st, "dZ2"); r.Line == nil || r.Line.Relation.Kind != tracer.Negated {
				t.Fatalf("dZ2: line %+v", r.Line)
			}
			for _, name := range []string{"dW2", "db2", "dZ1", "dW1", "db1"} {
				if r := record(t, st, name); r.Run == nil || r.Run.Relation.Kind != tracer.Negated {
					t.Errorf("%s: run %+v, want negated", name, r.Run)
				}
			}
		}},
	}
	for _, c := range cases {
		for _, layout := range []Layout{Rows, Cols} {
			t.Run(c.bug+"/"+string(layout), func(t *testing.T) {
				st := stepper(t, layout, 0.01, patches[c.bug])
				if st.Correct == nil {
					t.Fatal("a patched program needs the shadow run")
				}
				if err := st.Run(); err != nil {
					t.Fatal(err)
				}
				c.check(t, st)
			})
		}
	}
}

func TestStepperFindsFirstNonFinite(t *testing.T) {
	// Weights of scale 1000 saturate the softmax: some probabilities are
	// exactly 0 and the log in the loss turns them into −Inf.
	st := stepper(t, Rows, 1000, nil)
	if err := st.Run(); err != nil {
		t.Fatal(err)
	}
	rec, k := st.FirstNonFinite()
	if rec == nil || rec.Statement.Name != "loss" || rec.Events[k].Op != "log" {
		t.Fatalf("first non-finite at %v %d", rec, k)
	}
	if a := rec.Operand(k, 0); a == nil || tracer.Summarize(a).Zeros == 0 {
		t.Errorf("the log's operand should hold exact zeros")
	}
	if n := rec.Notes; len(n) != 1 || !strings.Contains(n[0].Text, "log 0 = −Inf") {
		t.Errorf("loss notes %+v", n)
	}
}

func TestStepperStopsAtShapeError(t *testing.T) {
	st := stepper(t, Rows, 0.01, func(p *Program) {
		p.Replace("transposed-w", Statement{Name: "Z1", Phase: Forward, Inputs: []string{"X", "W1"},
			Formula: "Z1 = X · W1ᵀ", NumPy: "Z1 = np.dot(X, W1.T)",
			Eval: func(tp *tracer.Tape, v Vars) *tracer.Array { return tp.Dot(v.Get("X"), tp.T(v.Get("W1"))) }})
	})
	err := st.Run()
	if err == nil || !strings.Contains(err.Error(), "shapes (20,12) and (5,12) not aligned") {
		t.Fatalf("error %v", err)
	}
	if !st.Finished() || len(st.Records) != 2 || st.Next() != nil {
		t.Fatalf("the step should stop at Z1, ran %d", len(st.Records))
	}
	if r := st.Records[1]; r.Err == nil || r.Value != nil || len(r.Events) != 1 || r.Events[0].Op != "transpose" {
		t.Errorf("Z1 record: err %v, value %v, %d events", r.Err, r.Value, len(r.Events))
	}
}

func TestExplainSaysWhatTheAxesDo(t *testing.T) {
	st := stepper(t, Rows, 0.01, patches["bias-axis"])
	if err := st.Run(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		statement string
		want      []string
	}{
		{"m", []string{"X is 20 samples × 12 features, so X.shape[0] is the number of samples: 20."}},
		{"Z1", []string{"Both are features (12)", "b1 is 1 × 5 hidden, so NumPy repeats it along samples (20 times)"}},
		{"dW2", []string{"A1ᵀ turns A1 (20 samples × 5 hidden) into 5 hidden × 20 samples",
			"so that A1's samples come last and meet dZ2's first axis (samples)", "which then sums over samples"}},
		{"db2", []string{"axis 1 of dZ2 (20 samples × 4 classes) holds the classes, so the sum runs over the 4 classes and leaves one gradient per sample",
			"This line was patched by the bug bias-axis", "gives 1 × 4 classes; this one gives 20 samples × 1"}},
		{"b2", []string{"Neither operand had the result's shape: both were stretched"}},
	}
	for _, c := range cases {
		t.Run(c.statement, func(t *testing.T) {
			text := strings.Join(record(t, st, c.statement).Explain(), "\n")
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("explanation lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

func TestOpTextNamesAxes(t *testing.T) {
	st := stepper(t, Cols, 0.01, nil)
	if err := st.Run(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		statement string
		op        int
		operands  string
		effect    string
	}{
		{"Z1", 0, "W1 (5 hidden × 12 features) · X (12 features × 20 samples)", "sums over features (12) → 5 hidden × 20 samples"},
		{"Z1", 1, "W1·X (5 hidden × 20 samples) + b1 (5 hidden × 1)", "b1 repeated along samples → 5 hidden × 20 samples"},
		{"db2", 0, "dZ2 (4 classes × 20 samples)", "sum over samples (axis 1), keepdims → 4 classes × 1: one gradient per class"},
		{"db2", 1, "sum(dZ2, axis=1, keepdims) (4 classes × 1) / m (20)", "the scalar applies to every element → 4 classes × 1"},
		{"acc", 0, "A2 (4 classes × 20 samples)", "argmax over classes (axis 0) → 20 samples: one index per sample"},
	}
	for _, c := range cases {
		t.Run(c.statement, func(t *testing.T) {
			got := record(t, st, c.statement).OpText(c.op)
			if got.Operands != c.operands || got.Effect != c.effect || got.Warn != "" {
				t.Errorf("got %+v\nwant operands %q effect %q", got, c.operands, c.effect)
			}
		})
	}
}

func TestAxesText(t *testing.T) {
	cases := []struct {
		shape  tracer.Shape
		labels []string
		want   string
	}{
		{tracer.Shape{}, nil, "scalar"},
		{tracer.Shape{10000, 60}, []string{"samples", "hidden"}, "10000 samples × 60 hidden"},
		{tracer.Shape{1, 10}, []string{"", "classes"}, "1 × 10 classes"},
		{tracer.Shape{10000, 1}, []string{"samples", "classes"}, "10000 samples × 1"},
		{tracer.Shape{7}, nil, "7"},
	}
	for _, c := range cases {
		if got := AxesText(c.shape, c.labels); got != c.want {
			t.Errorf("AxesText(%v, %q) = %q, want %q", c.shape, c.labels, got, c.want)
		}
	}
}

func TestStepperPairsAxesAndRecomputesAccuracy(t *testing.T) {
	st := stepper(t, Rows, 0.01, func(p *Program) {
		// A softmax written without the max shift, over the samples, and a
		// metric that reports nothing: the pairs must still line up.
		p.Replace("unshifted", Statement{Name: "A2", Phase: Forward, Inputs: []string{"Z2"},
			Formula: "A2 = e^Z2 / Σ e^Z2 over axis 0", NumPy: "A2 = np.exp(Z2) / np.exp(Z2).sum(axis=0)",
			Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
				e := tp.Exp(v.Get("Z2")).Named("E")
				return tp.Div(e, tp.Sum(e, 0, true))
			}})
		p.Replace("zero-metric", Statement{Name: "acc", Phase: Metric, Inputs: []string{"A2"},
			Formula: "acc = 0", NumPy: "acc = 0",
			Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
				return tp.Mul(tracer.Scalar(0).Named("0"), tp.Dim(v.Get("A2"), 0))
			}})
	})
	if err := st.Run(); err != nil {
		t.Fatal(err)
	}
	if a2 := record(t, st, "A2"); a2.Line == nil || a2.Line.Axes != "sum over samples (axis 0) instead of classes (axis 1)" {
		t.Errorf("A2 axes %+v", a2.Line)
	}
	acc := record(t, st, "acc")
	if len(acc.Notes) != 1 || !acc.Notes[0].Warn || !strings.Contains(acc.Notes[0].Text, "the program reports an accuracy of 0.00 %") {
		t.Errorf("acc notes %+v", acc.Notes)
	}
	got, reported, ok := st.Accuracy()
	if !ok || reported != 0 || got != st.Program.TrueAccuracy(st.Vars) {
		t.Errorf("Accuracy() = %v, %v, %v", got, reported, ok)
	}
}

// One sigmoid unit: the accuracy is the share of outputs on the labelled
// side of 0.5, not an argmax over the one unit (always 0, so 100 % when
// every label counts as class 0).
func TestTrueAccuracyOneSigmoidUnit(t *testing.T) {
	cfg := Config{Inputs: 2, Hidden: []int{3}, Classes: 1, Act: Tanh, Layout: Rows, LR: 0.3, Epochs: 1,
		InitScale: 0.5, Seed: 1, Output: Sigmoid, Loss: BinaryCrossEntropy}
	p := Build(cfg)
	v := p.Bind(tracer.Matrix(4, 2, make([]float64, 8)), tracer.Matrix(4, 1, []float64{1, 0, 1, 1}), Init(cfg))
	v["A2"] = tracer.Matrix(4, 1, []float64{0.9, 0.2, 0.4, 0.3})
	if got := p.TrueAccuracy(v); got != 0.5 {
		t.Errorf("accuracy %v of outputs 0.9 0.2 0.4 0.3 for labels 1 0 1 1, want 0.5", got)
	}
}
