package net

import (
	"flag"
	"math"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/backstep/backstep/tracer"
)

// equivalenceEpochs is how many epochs TestDenseEquivalence compares: by
// default the whole default run (100 epochs; the dense reference takes a
// quarter of a second an epoch), 3 with -short, or
//
//	go test ./net -run DenseEquivalence -equivalence.epochs 10   # quicker
var equivalenceEpochs = flag.Int("equivalence.epochs", 100, "epochs TestDenseEquivalence compares (the default run: 100)")

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
// requires the same loss curve to 1e-9, the same accuracies and the same
// final weights to 1e-9, in both layouts.
func TestDenseEquivalence(t *testing.T) {
	epochs := *equivalenceEpochs
	if testing.Short() {
		epochs = min(epochs, 3)
	}
	data, err := LoadMNIST()
	if err != nil {
		t.Fatal(err)
	}
	for _, layout := range []Layout{Rows, Cols} {
		cfg := DefaultConfig()
		cfg.Layout = layout
		cfg.Epochs = epochs
		params := Init(cfg)
		wantLoss, wantAcc, wantW := denseReference(cfg, data, params, epochs)
		runs := []struct {
			name string
			opts TrainOptions
		}{
			{"plain", TrainOptions{}},
			{"tape", TrainOptions{Tape: &tracer.Tape{}}},
			// With a hook, storage reuse keeps a step's inputs one step longer.
			{"hook", TrainOptions{AfterStep: func(int, int, Vars) {}}},
		}
		for _, run := range runs {
			if run.name != "plain" && epochs > 3 {
				cfg.Epochs = 3 // the variants differ only in bookkeeping
			} else {
				cfg.Epochs = epochs
			}
			t.Run(string(layout)+"/"+run.name, func(t *testing.T) {
				res, err := Train(Build(cfg), params, data, run.opts)
				if err != nil {
					t.Fatal(err)
				}
				var worstLoss, worstW float64
				for i, e := range res.Epochs {
					d := math.Abs(e.Loss - wantLoss[i])
					worstLoss = max(worstLoss, d)
					if !(d <= 1e-9) {
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
						if !(d <= 1e-9) {
							t.Fatalf("final %s[%d] = %.15g, dense reference %.15g", name, i, got[i], w)
						}
					}
				}
				t.Logf("%d epochs: losses within %.1e, final weights within %.1e of the dense reference", epochs, worstLoss, worstW)
			})
		}
	}
}

// TestSameResultsOnAnyNumberOfCores trains with one goroutine and with
// several: the work is split by output, never inside a sum, so every bit
// of the loss curve and of the weights must agree.
func TestSameResultsOnAnyNumberOfCores(t *testing.T) {
	data, err := LoadMNIST()
	if err != nil {
		t.Fatal(err)
	}
	for _, layout := range []Layout{Rows, Cols} {
		cfg := DefaultConfig()
		cfg.Layout = layout
		cfg.Epochs = 2
		params := Init(cfg)
		var runs [2]*TrainResult
		for i, procs := range []int{1, 5} {
			old := runtime.GOMAXPROCS(procs)
			res, err := Train(Build(cfg), params, data, TrainOptions{Tape: &tracer.Tape{}})
			runtime.GOMAXPROCS(old)
			if err != nil {
				t.Fatal(err)
			}
			runs[i] = res
		}
		for i, e := range runs[0].Epochs {
			if f := runs[1].Epochs[i]; e.Loss != f.Loss || e.Accuracy != f.Accuracy {
				t.Errorf("%s epoch %d: loss %v on one core, %v on five", layout, e.Epoch, e.Loss, f.Loss)
			}
		}
		for _, name := range ParamNames(cfg.Layers()) {
			a, b := runs[0].Params[name].Data(), runs[1].Params[name].Data()
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("%s: final %s[%d] = %v on one core, %v on five", layout, name, i, a[i], b[i])
				}
			}
		}
	}
}
