package net

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/backstep/backstep/tracer"
)

// family is one output layer and loss a learner's network may have.
type family struct {
	name    string
	out     Activation
	loss    LossKind
	classes int
	// targets makes the samples × units targets the loss expects.
	targets func(rng *rand.Rand, n, k int) *tracer.Array
}

func oneHotTargets(rng *rand.Rand, n, k int) *tracer.Array {
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(k)
	}
	return tracer.OneHot(labels, k)
}

func binaryTargets(rng *rand.Rand, n, k int) *tracer.Array {
	y := make([]float64, n*k)
	for i := range y {
		y[i] = float64(rng.IntN(2))
	}
	return tracer.Matrix(n, k, y)
}

func realTargets(rng *rand.Rand, n, k int) *tracer.Array {
	y := make([]float64, n*k)
	for i := range y {
		y[i] = rng.NormFloat64() * 0.7
	}
	return tracer.Matrix(n, k, y)
}

var families = []family{
	{"softmax+CE", Softmax, CrossEntropy, 4, oneHotTargets},
	{"sigmoid1+BCE", Sigmoid, BinaryCrossEntropy, 1, binaryTargets},
	{"sigmoid3+BCE", Sigmoid, BinaryCrossEntropy, 3, binaryTargets},
	{"sigmoid+SE", Sigmoid, SquaredError, 3, oneHotTargets},
	{"tanh+SE", Tanh, SquaredError, 2, realTargets},
	{"linear+SE", Linear, SquaredError, 2, realTargets},
}

// convention is where the constants of a step's gradients sit.
type convention struct {
	norm       Normaliser
	factor     float64
	negated    bool
	gradFactor float64
}

var conventions = []convention{
	{InGradients, 0, false, 0}, {InDelta, 0, false, 0}, {NoNormaliser, 0, false, 0},
	{InDelta, 2, false, 0}, {InGradients, 0.5, true, 0}, {InGradients, 2, false, 1.0 / 3},
}

var biasForms = [][]BiasForm{nil, {BiasVector, BiasVector}, {NoBias, NoBias}, {BiasVector, NoBias}}

// familyNet returns a 6-5-K network of the family with non-zero biases
// and a batch of 7 samples.
func familyNet(f family, c convention, layout Layout, biases []BiasForm, seed uint64) (Config, Vars, *tracer.Array, *tracer.Array) {
	rng := rand.New(rand.NewPCG(seed, 11))
	cfg := Config{Inputs: 6, Hidden: []int{5}, Classes: f.classes, Act: Tanh, Layout: layout, LR: 0.3, Epochs: 1,
		InitScale: 0.7, Seed: seed, Output: f.out, Loss: f.loss, Norm: c.norm, Factor: c.factor, Negated: c.negated,
		GradFactor: c.gradFactor, Biases: biases}
	params := Init(cfg)
	for _, name := range cfg.ParamNames() {
		if name[0] == 'b' {
			for i := range params[name].Data() {
				params[name].Data()[i] = rng.NormFloat64() * 0.3
			}
		}
	}
	x := make([]float64, 7*cfg.Inputs)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return cfg, params, tracer.Matrix(7, cfg.Inputs, x), f.targets(rng, 7, f.classes)
}

// TestFamilyEngineMatchesProgramLoss: for every output layer, loss,
// convention and bias form, the numerical engine's loss changes equal the
// program's own loss statement at perturbed parameters — so the engine
// differentiates the loss the program writes.
func TestFamilyEngineMatchesProgramLoss(t *testing.T) {
	for _, f := range families {
		for _, c := range conventions {
			for _, biases := range biasForms {
				for _, layout := range []Layout{Rows, Cols} {
					t.Run(fmt.Sprintf("%s/%v/%v/%s", f.name, c, biases, layout), func(t *testing.T) {
						cfg, params, x, y := familyNet(f, c, layout, biases, 3)
						p := Build(cfg)
						e, err := newDiffEngine(p, p.Bind(x, y, params))
						if err != nil {
							t.Fatal(err)
						}
						const h = 1e-3
						for _, name := range cfg.ParamNames() {
							probe, _, ok := e.probeFor("d"+name, layout, h)
							if !ok {
								t.Fatalf("no probe for d%s", name)
							}
							w := params[name].Data()
							for _, i := range []int{0, len(w) - 1} {
								d := probe.Element(i)
								orig := w[i]
								w[i] = orig + h
								up := lossAt(t, p, x, y, params)
								w[i] = orig
								want := up - e.loss
								if c.negated {
									want = -want // the gradients are those of −loss
								}
								if got := d.Plus * h; math.Abs(got-want) > 1e-11*math.Max(1, math.Abs(e.loss)) {
									t.Errorf("%s[%d]: engine change %.15g, program %.15g", name, i, got, want)
								}
							}
						}
					})
				}
			}
		}
	}
}

// TestFamilyGradientsPass: the step Build writes for every family and
// convention passes a full gradient check against its own loss, and a
// second 1/m in dZ1 fails it at dZ1.
func TestFamilyGradientsPass(t *testing.T) {
	for _, f := range families {
		for _, c := range conventions {
			for _, biases := range biasForms {
				for _, layout := range []Layout{Rows, Cols} {
					t.Run(fmt.Sprintf("%s/%v/%v/%s", f.name, c, biases, layout), func(t *testing.T) {
						cfg, params, x, y := familyNet(f, c, layout, biases, 4)
						p := Build(cfg)
						sc, err := GradCheck(p, x, y, params, tracer.GradCheckOptions{Mode: tracer.FullCheck})
						if err != nil {
							t.Fatal(err)
						}
						for _, s := range sc.Statements {
							if !s.Right {
								t.Errorf("%s: %s (%v)", s.Statement.Name, s.Description, s.Relation)
							}
						}
						if len(sc.Gradients()) != len(cfg.ParamNames())+cfg.Layers() {
							t.Errorf("%d gradients checked, want one per parameter and per dZ", len(sc.Gradients()))
						}
						// A second 1/m on the hidden delta.
						bad := Build(cfg)
						s, _ := bad.Statement("dZ1")
						eval := s.Eval
						s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array { return tp.Div(eval(tp, v), v.Get("m")) }
						bad.Replace("test", s)
						sc, err = GradCheck(bad, x, y, params, tracer.GradCheckOptions{Mode: tracer.FullCheck})
						if err != nil {
							t.Fatal(err)
						}
						if f := sc.Faults(); len(f) != 1 || f[0].Statement.Name != "dZ1" {
							var names []string
							for _, s := range f {
								names = append(names, s.Statement.Name)
							}
							t.Errorf("faults %v, want [dZ1]", names)
						}
					})
				}
			}
		}
	}
}
