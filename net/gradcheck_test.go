package net

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/backstep/backstep/tracer"
)

// smallNet returns a small non-square network, its parameters (biases not
// zero, so their gradients matter) and a batch of 5 samples: with m ≥ 3
// and distinct layer sizes no axis or transpose bug can hide.
func smallNet(t *testing.T, layout Layout, act Activation, hidden []int) (Config, Vars, *tracer.Array, *tracer.Array) {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, uint64(len(hidden))))
	cfg := Config{Inputs: 7, Hidden: hidden, Classes: 4, Act: act, Layout: layout, LR: 0.3, Epochs: 1, InitScale: 0.8, Seed: 9}
	params := Init(cfg)
	for l := 1; l <= cfg.Layers(); l++ {
		b := params[fmt.Sprintf("b%d", l)]
		for i := range b.Data() {
			b.Data()[i] = rng.NormFloat64() * 0.3
		}
	}
	x, y := smallBatch(rng, 5, cfg.Inputs, cfg.Classes)
	return cfg, params, x, y
}

// TestDiffEngineMatchesProgramLoss: the engine's loss changes equal the
// reference program's own losses at perturbed parameters, for a step large
// enough (1e-3) that the subtraction of the two losses is accurate.
func TestDiffEngineMatchesProgramLoss(t *testing.T) {
	for _, layout := range []Layout{Rows, Cols} {
		for _, act := range []Activation{Tanh, Sigmoid, ReLU} {
			for _, hidden := range [][]int{{5}, {6, 3}, {5, 4, 3}} {
				t.Run(fmt.Sprintf("%s/%s/%v", layout, act, hidden), func(t *testing.T) {
					cfg, params, x, y := smallNet(t, layout, act, hidden)
					p := Build(cfg)
					v := p.Bind(x, y, params)
					e, err := newDiffEngine(p, v)
					if err != nil {
						t.Fatal(err)
					}
					const h = 1e-3
					for _, name := range ParamNames(cfg.Layers()) {
						probe, shape, ok := e.probeFor("d"+name, layout, h)
						if !ok {
							t.Fatalf("no probe for d%s", name)
						}
						w := params[name].Data()
						for _, i := range []int{0, shape.Size() / 2, shape.Size() - 1} {
							d := probe.Element(i)
							orig := w[i]
							w[i] = orig + h
							up := lossAt(t, p, x, y, params)
							w[i] = orig
							want := up - e.loss
							if got := d.Plus * h; math.Abs(got-want) > 1e-12*math.Abs(e.loss) {
								t.Errorf("%s[%d]: engine change %.15g, program %.15g", name, i, got, want)
							}
						}
					}
				})
			}
		}
	}
}

// TestGradCheckReferencePasses: the reference step passes in every mode,
// for every activation, both layouts and depth 1 to 3, with no fault.
func TestGradCheckReferencePasses(t *testing.T) {
	for _, mode := range []tracer.CheckMode{tracer.FullCheck, tracer.SparseCheck, tracer.FastCheck} {
		for _, layout := range []Layout{Rows, Cols} {
			for _, act := range []Activation{Tanh, Sigmoid, ReLU} {
				for _, hidden := range [][]int{{5}, {6, 3}, {5, 4, 3}} {
					t.Run(fmt.Sprintf("%s/%s/%s/%v", mode, layout, act, hidden), func(t *testing.T) {
						cfg, params, x, y := smallNet(t, layout, act, hidden)
						c, err := GradCheck(Build(cfg), x, y, params, tracer.GradCheckOptions{Mode: mode, Seed: 1})
						if err != nil {
							t.Fatal(err)
						}
						if !c.OK() {
							for _, s := range c.Statements {
								if !s.Right {
									t.Errorf("%s wrong: %s", s.Statement.Name, s.Description)
								}
							}
						}
						grads := c.Gradients()
						if len(grads) != 3*cfg.Layers() {
							t.Fatalf("%d gradients checked, want %d", len(grads), 3*cfg.Layers())
						}
						for _, g := range grads {
							tc := g.Gradient
							if tc.Verdict != tracer.Correct {
								t.Errorf("%s: %s, max relative error %.3g (%d kinks)", tc.Name, tc.Verdict, tc.MaxRelError, tc.Kinks)
							}
							if mode == tracer.FastCheck && tc.FellBack {
								t.Errorf("%s: a right gradient's projection failed (%+v)", tc.Name, *tc.Projection)
							}
						}
					})
				}
			}
		}
	}
}

// patched builds the reference step for cfg with hand-made patches (the
// catalog lives in package lessons, above this one).
func patched(cfg Config, bugs ...string) *Program {
	p := Build(cfg)
	samples, units := p.sampleAxis(), p.unitAxis()
	L := cfg.Layers()
	for _, b := range bugs {
		switch b {
		case "wrong-m":
			p.Replace(b, p.CountAlong(units))
		case "softmax-axis":
			p.Replace(b, p.Softmax(L, samples))
		case "bias-axis":
			for l := 1; l <= L; l++ {
				p.Replace(b, p.BiasGrad(l, units, true))
			}
		case "dW-transposed": // dW2 = dZ2ᵀ·A1 / m in rows: the transpose of the right value
			p.Replace(b, Statement{Name: "dW2", Phase: Backward, Inputs: []string{"A1", "dZ2", "m"},
				Formula: "dW2 = (1/m) · dZ2ᵀ · A1", NumPy: "dW2 = np.dot(dZ2.T, A1) / m",
				Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
					return tp.Div(tp.Dot(tp.T(v.Get("dZ2")), v.Get("A1")), v.Get("m"))
				}})
		case "sign-flip":
			dz, a := fmt.Sprintf("dZ%d", L), fmt.Sprintf("A%d", L)
			p.Replace(b, Statement{Name: dz, Phase: Backward, Inputs: []string{"Y", a},
				Formula: dz + " = Y − " + a, NumPy: dz + " = Y - " + a,
				Eval: func(tp *tracer.Tape, v Vars) *tracer.Array { return tp.Sub(v.Get("Y"), v.Get(a)) }})
		}
	}
	return p
}

// TestGradCheckLocalises: each bug, alone and together with others, makes
// exactly the statements it breaks wrong and is named as a fault, with the
// description that identifies it, on small networks of both layouts.
func TestGradCheckLocalises(t *testing.T) {
	cases := []struct {
		bugs   []string
		wrong  []string // wrong statements, in order
		faults []string
		says   map[string]string // statement → part of its description
	}{
		{[]string{"wrong-m"}, []string{"m", "loss", "dW2", "db2", "dW1", "db1"}, []string{"m"},
			map[string]string{"m": "counts features", "dW2": "scaled by 0.7143 = 5/7 (samples/features)"}},
		{[]string{"sign-flip"}, []string{"dZ2", "dW2", "db2", "dZ1", "dW1", "db1"}, []string{"dZ2"},
			map[string]string{"dZ2": "sign flipped", "dW1": "sign flipped"}},
		{[]string{"bias-axis"}, []string{"db2", "db1"}, []string{"db2", "db1"},
			map[string]string{"db2": "shape (5,1) instead of (1,4)", "db1": "sum over hidden (axis 1) instead of samples (axis 0)"}},
		{[]string{"softmax-axis"}, []string{"A2", "loss", "dZ2", "dW2", "db2", "dZ1", "dW1", "db1"}, []string{"A2"},
			map[string]string{"A2": "sum over samples (axis 0) instead of classes (axis 1)"}},
		{[]string{"dW-transposed"}, []string{"dW2"}, []string{"dW2"},
			map[string]string{"dW2": "transposed: (4,6) instead of (6,4)"}},
		{[]string{"sign-flip", "bias-axis"}, []string{"dZ2", "dW2", "db2", "dZ1", "dW1", "db1"}, []string{"dZ2", "db2", "db1"},
			map[string]string{"db2": "shape (5,1) instead of (1,4)", "dW2": "sign flipped"}},
	}
	for _, layout := range []Layout{Rows, Cols} {
		for _, c := range cases {
			if layout == Cols && c.bugs[0] == "dW-transposed" {
				continue // the patch is written for the rows layout
			}
			t.Run(fmt.Sprintf("%s/%v", layout, c.bugs), func(t *testing.T) {
				cfg, params, x, y := smallNet(t, layout, Tanh, []int{6})
				check, err := GradCheck(patched(cfg, c.bugs...), x, y, params, tracer.GradCheckOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var wrong, faults []string
				for _, s := range check.Statements {
					if !s.Right {
						wrong = append(wrong, s.Statement.Name)
					}
				}
				for _, s := range check.Faults() {
					faults = append(faults, s.Statement.Name)
				}
				if fmt.Sprint(wrong) != fmt.Sprint(c.wrong) || fmt.Sprint(faults) != fmt.Sprint(c.faults) {
					t.Fatalf("wrong %v, faults %v; want %v and %v", wrong, faults, c.wrong, c.faults)
				}
				for name, want := range c.says {
					for _, s := range check.Statements {
						if s.Statement.Name != name {
							continue
						}
						if layout == Cols {
							want = colsText(want)
						}
						if !strings.Contains(s.Description, want) {
							t.Errorf("%s: %q does not say %q", name, s.Description, want)
						}
					}
				}
				if check.OK() {
					t.Fatal("OK() with bugs")
				}
			})
		}
	}
}

// colsText turns a rows-layout description into the cols layout's.
func colsText(s string) string {
	r := strings.NewReplacer("(axis 0)", "(axis 1)", "(axis 1)", "(axis 0)", "(5,1) instead of (1,4)", "(1,5) instead of (4,1)")
	return r.Replace(s)
}

// TestGradCheckReluKinks places one relu unit's input 3e-7 from its kink,
// inside the step h = 1e-6: the differences for b1 of that unit (and for
// the weights and the pre-activation feeding it) straddle the kink. They
// must be marked as kinks, and the right gradients must still pass.
func TestGradCheckReluKinks(t *testing.T) {
	for _, layout := range []Layout{Rows, Cols} {
		cfg, params, x, y := smallNet(t, layout, ReLU, []int{6})
		p := Build(cfg)
		v := p.Bind(x, y, params)
		if err := p.RunThrough("Z1", nil, v); err != nil {
			t.Fatal(err)
		}
		// Move b1[2] so that Z1 of sample 3, unit 2 is 3e-7.
		z := v["Z1"].At(3, 2)
		if layout == Cols {
			z = v["Z1"].At(2, 3)
		}
		params["b1"].Data()[2] += 3e-7 - z
		check, err := GradCheck(p, x, y, params, tracer.GradCheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		kinks := map[string]int{}
		for _, s := range check.Gradients() {
			kinks[s.Statement.Name] = s.Gradient.Kinks
			if s.Gradient.Verdict != tracer.Correct {
				t.Errorf("%s %s: %s, max rel error %.3g", layout, s.Statement.Name, s.Gradient.Verdict, s.Gradient.MaxRelError)
			}
		}
		if kinks["db1"] != 1 || kinks["dZ1"] != 1 || kinks["dW1"] == 0 || kinks["dW2"] != 0 {
			t.Errorf("%s: kinks %v, want one in db1 and dZ1, some in dW1, none in dW2", layout, kinks)
		}
	}
}

// TestCheckValuesWithoutIntermediates: values a caller does not give (here
// m) are skipped, never a panic.
func TestCheckValuesWithoutIntermediates(t *testing.T) {
	cfg := Config{Inputs: 12, Hidden: []int{5}, Classes: 4, Act: Tanh, Layout: Rows, LR: 0.3, Epochs: 1, InitScale: 0.5, Seed: 3}
	p := Build(cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := smallBatch(rng, 7, cfg.Inputs, cfg.Classes)
	v := p.Bind(x, y, Init(cfg))
	if err := p.Run(nil, v); err != nil {
		t.Fatal(err)
	}
	v["dW2"] = v["dW2"].Clone()
	v["dW2"].Data()[0] += 1 // a wrong gradient, so its description is worked out
	delete(v, "m")
	c, err := CheckValues(p, v, tracer.GradCheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.OK() {
		t.Fatal("a wrong dW2 passed")
	}
}
