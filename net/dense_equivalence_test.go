package net

import (
	"flag"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/backstep/backstep/tracer"
)

// equivalenceEpochs is how many epochs TestDenseEquivalence compares in
// each stretch of training: 10 by default, 3 with -short, or the whole
// default run, as CI does:
//
//	go test ./net -run DenseEquivalence -equivalence.epochs 100
var equivalenceEpochs = flag.Int("equivalence.epochs", 10, "epochs TestDenseEquivalence compares (the whole default run: 100)")

// equivalencePerEpoch is how far the engine's loss and weights may drift
// from the dense reference per epoch compared: 1e-9 over the default
// run's 100 epochs. The drift measured is about 1.5e-14 after 100 epochs
// and 3e-15 after 3, five orders of magnitude below.
const equivalencePerEpoch = 1e-9 / 100

// denseReference trains the default network (one hidden layer, tanh,
// softmax, cross-entropy, full batch) with plain dense gonum products and
// elementwise loops: no sparse index, no register kernels, no goroutines,
// no recycled storage. It returns each epoch's loss and accuracy (of the
// forward pass that starts the epoch) and the final weights, in the
// configuration's layout.
func denseReference(cfg Config, data *Dataset, params Vars, epochs int) (loss, acc []float64, final map[string]*mat.Dense) {
	n, px := data.Len(), data.Height*data.Width
	classes := cfg.Classes
	dense := func(a *tracer.Array) *mat.Dense {
		s := a.Shape()
		return mat.NewDense(s[0], s[1], append([]float64(nil), a.Data()...))
	}
	X := mat.NewDense(n, px, append([]float64(nil), data.Images.Data()...))
	Y := mat.NewDense(n, classes, nil)
	for i, l := range data.Labels {
		Y.Set(i, l, 1)
	}
	W1, b1, W2, b2 := dense(params["W1"]), dense(params["b1"]), dense(params["W2"]), dense(params["b2"])
	rows := cfg.Layout == Rows
	if !rows { // the reference always works samples × features
		var t1, t2 mat.Dense
		t1.CloneFrom(W1.T())
		t2.CloneFrom(W2.T())
		W1, W2 = &t1, &t2
		b1 = mat.NewDense(1, b1.RawMatrix().Rows, append([]float64(nil), b1.RawMatrix().Data...))
		b2 = mat.NewDense(1, b2.RawMatrix().Rows, append([]float64(nil), b2.RawMatrix().Data...))
	}
	hidden := W1.RawMatrix().Cols
	m := float64(n)
	for ep := 0; ep < epochs; ep++ {
		var Z1, Z2 mat.Dense
		Z1.Mul(X, W1)
		A1 := mat.NewDense(n, hidden, nil)
		A1.Apply(func(i, j int, v float64) float64 { return math.Tanh(v + b1.At(0, j)) }, &Z1)
		Z2.Mul(A1, W2)
		A2 := mat.NewDense(n, classes, nil)
		var l float64
		hits := 0
		for i := 0; i < n; i++ {
			z := Z2.RawRowView(i)
			best, arg := math.Inf(-1), 0
			for j := range z {
				if v := z[j] + b2.At(0, j); v > best {
					best, arg = v, j
				}
			}
			var sum float64
			e := A2.RawRowView(i)
			for j := range z {
				e[j] = math.Exp(z[j] + b2.At(0, j) - best)
				sum += e[j]
			}
			for j := range e {
				e[j] /= sum
				l += Y.At(i, j) * math.Log(e[j])
			}
			if arg == data.Labels[i] {
				hits++
			}
		}
		loss = append(loss, -l/m)
		acc = append(acc, float64(hits)/m)

		var dZ2, dW2, back, dW1 mat.Dense
		dZ2.Sub(A2, Y)
		dW2.Mul(A1.T(), &dZ2)
		dW2.Scale(1/m, &dW2)
		db2 := columnSums(&dZ2, m)
		back.Mul(&dZ2, W2.T())
		dZ1 := mat.NewDense(n, hidden, nil)
		dZ1.Apply(func(i, j int, v float64) float64 { a := A1.At(i, j); return v * (1 - a*a) }, &back)
		dW1.Mul(X.T(), dZ1)
		dW1.Scale(1/m, &dW1)
		db1 := columnSums(dZ1, m)
		step := func(p, g *mat.Dense) {
			var s mat.Dense
			s.Scale(cfg.LR, g)
			p.Sub(p, &s)
		}
		step(W1, &dW1)
		step(b1, db1)
		step(W2, &dW2)
		step(b2, db2)
	}
	final = map[string]*mat.Dense{"W1": W1, "b1": b1, "W2": W2, "b2": b2}
	if !rows {
		for k, a := range final {
			var t mat.Dense
			t.CloneFrom(a.T())
			final[k] = &t
		}
	}
	return loss, acc, final
}

// columnSums is the 1×c row of a's column sums divided by m.
func columnSums(a *mat.Dense, m float64) *mat.Dense {
	r, c := a.Dims()
	out := mat.NewDense(1, c, nil)
	for j := 0; j < c; j++ {
		var s float64
		for i := 0; i < r; i++ {
			s += a.At(i, j)
		}
		out.Set(0, j, s/m)
	}
	return out
}

// TestDenseEquivalence trains the default network with the engine (sparse
// products of the data matrix, register kernels, goroutines, recycled
// storage, with and without a tape) and with the dense reference, and
// requires the same loss curve, the same accuracies and the same final
// weights, in both layouts, to within equivalencePerEpoch for every epoch
// compared. It compares two stretches of the default run: its first
// epochs, from the starting weights, and as many epochs from the weights
// it ends with after 100 epochs, where the values have grown (|Z1|, the
// logits) and the accuracy changes by ties at most. With
// -equivalence.epochs 100 the first stretch is the whole run (the shared
// default run itself) and the second is left out.
func TestDenseEquivalence(t *testing.T) {
	epochs := *equivalenceEpochs
	if testing.Short() {
		epochs = min(epochs, 3)
	}
	tol := equivalencePerEpoch * float64(epochs)
	data, inits, runs := defaultRuns(t)
	// One reference serves both layouts only if cols starts from exactly
	// the transpose of rows.
	for _, name := range []string{"W1", "b1", "W2", "b2"} {
		r, c := inits[Rows][name], inits[Cols][name]
		rs := r.Shape()
		if !c.Shape().Equal(tracer.Shape{rs[1], rs[0]}) {
			t.Fatalf("%s is %v in rows and %v in cols", name, rs, c.Shape())
		}
		for i := 0; i < rs[0]; i++ {
			for j := 0; j < rs[1]; j++ {
				if r.At(i, j) != c.At(j, i) {
					t.Fatalf("%s[%d,%d] differs between the layouts' starting weights", name, i, j)
				}
			}
		}
	}
	type stretch struct {
		name  string
		start Vars // in the rows layout
	}
	stretches := []stretch{{"start", inits[Rows]}}
	if epochs < DefaultConfig().Epochs {
		stretches = append(stretches, stretch{"trained", runs[Rows].Params})
	}
	for _, st := range stretches {
		rowsCfg := DefaultConfig()
		wantLoss, wantAcc, rowsW := denseReference(rowsCfg, data, st.start, epochs)
		for _, layout := range []Layout{Rows, Cols} {
			cfg := DefaultConfig()
			cfg.Layout = layout
			params, wantW := st.start, rowsW
			if layout == Cols {
				params, wantW = transposedVars(st.start), map[string]*mat.Dense{}
				for k, a := range rowsW {
					var tr mat.Dense
					tr.CloneFrom(a.T())
					wantW[k] = &tr
				}
			}
			variants := []struct {
				name string
				opts TrainOptions
			}{
				{"plain", TrainOptions{}},
				{"tape", TrainOptions{Tape: &tracer.Tape{}}},
				// A hook sees every value, and may keep only the parameters.
				{"hook", TrainOptions{AfterStep: func(int, int, Vars) {}}},
			}
			for _, run := range variants {
				cfg.Epochs = epochs
				if run.name != "plain" {
					if st.name != "start" {
						continue // bookkeeping does not depend on the values
					}
					cfg.Epochs = min(epochs, 3) // the variants differ only in bookkeeping
				}
				t.Run(st.name+"/"+string(layout)+"/"+run.name, func(t *testing.T) {
					var res *TrainResult
					var err error
					if st.name == "start" && run.name == "plain" && cfg.Epochs == DefaultConfig().Epochs {
						res = runs[layout] // the same training, already done
					} else if res, err = Train(Build(cfg), params, data, run.opts); err != nil {
						t.Fatal(err)
					}
					if len(res.Epochs) != cfg.Epochs {
						t.Fatalf("%d epochs ran, want %d", len(res.Epochs), cfg.Epochs)
					}
					var worstLoss, worstW float64
					for i, e := range res.Epochs {
						d := math.Abs(e.Loss - wantLoss[i])
						worstLoss = max(worstLoss, d)
						if !(d <= tol) {
							t.Errorf("epoch %d: loss %.15g, dense reference %.15g (differ by %.2g)", e.Epoch, e.Loss, wantLoss[i], d)
						}
						if e.Accuracy != wantAcc[i] {
							t.Errorf("epoch %d: accuracy %v, dense reference %v", e.Epoch, e.Accuracy, wantAcc[i])
						}
					}
					if cfg.Epochs != epochs {
						t.Logf("%d epochs: losses within %.1e of the dense reference", cfg.Epochs, worstLoss)
						return
					}
					for name, want := range wantW {
						got := res.Params[name].Data()
						for i, w := range want.RawMatrix().Data {
							d := math.Abs(got[i] - w)
							worstW = max(worstW, d)
							if !(d <= tol) {
								t.Fatalf("final %s[%d] = %.15g, dense reference %.15g", name, i, got[i], w)
							}
						}
					}
					t.Logf("%d epochs: losses within %.1e, final weights within %.1e of the dense reference (allowed %.0e)",
						epochs, worstLoss, worstW, tol)
				})
			}
		}
	}
}

// transposedVars is the cols layout's copy of rows-layout parameters:
// every matrix transposed, exactly.
func transposedVars(v Vars) Vars {
	out := Vars{}
	var tp *tracer.Tape
	for k, a := range v {
		out[k] = tp.T(a).Clone()
	}
	return out
}
