package net

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/backstep/backstep/tracer"
)

// smallBatch makes n random samples of d features in [0, 1) with labels.
func smallBatch(rng *rand.Rand, n, d, classes int) (*tracer.Array, *tracer.Array) {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.Float64()
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(classes)
	}
	return tracer.Matrix(n, d, x), tracer.OneHot(labels, classes)
}

// lossAt runs the forward pass and the loss with the given parameters.
func lossAt(t *testing.T, p *Program, x, y *tracer.Array, params Vars) float64 {
	v := p.Bind(x, y, params)
	if err := p.RunThrough("loss", nil, v); err != nil {
		t.Fatal(err)
	}
	return v["loss"].Item()
}

// TestGradientsMatchFiniteDifferences checks every parameter gradient of
// the reference step against centred differences of the loss, element by
// element (CS231n: relative error ≤ 1e-7 means correct).
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, layout := range []Layout{Rows, Cols} {
		for _, act := range []Activation{Tanh, Sigmoid, ReLU} {
			for _, hidden := range [][]int{{5}, {6, 4}, {5, 4, 3}} {
				name := fmt.Sprintf("%s/%s/%v", layout, act, hidden)
				t.Run(name, func(t *testing.T) {
					rng := rand.New(rand.NewPCG(7, uint64(len(hidden))))
					cfg := Config{Inputs: 12, Hidden: hidden, Classes: 4, Act: act, Layout: layout,
						LR: 0.3, Epochs: 1, InitScale: 1, Seed: 3}
					p := Build(cfg)
					x, y := smallBatch(rng, 9, cfg.Inputs, cfg.Classes)
					params := Init(cfg)
					// Non-zero biases, so their gradients are exercised too.
					for l := 1; l <= cfg.Layers(); l++ {
						b := params[fmt.Sprintf("b%d", l)]
						for i := range b.Data() {
							b.Data()[i] = rng.NormFloat64() * 0.3
						}
					}
					v := p.Bind(x, y, params)
					if err := p.Run(nil, v); err != nil {
						t.Fatal(err)
					}
					// Fourth-order centred differences: truncation error
					// O(h⁴) and rounding error ≈ 1e-16·loss/h both stay near
					// 1e-13, so relative errors of 1e-7 are measurable even
					// for gradients of size 1e-5.
					const h = 1e-3
					worst := 0.0
					for _, name := range ParamNames(cfg.Layers()) {
						w := params[name].Data()
						grad := v["d"+name].Data()
						if len(grad) != len(w) {
							t.Fatalf("d%s has %d elements, %s has %d", name, len(grad), name, len(w))
						}
						for i := range w {
							orig := w[i]
							at := func(d float64) float64 {
								w[i] = orig + d
								return lossAt(t, p, x, y, params)
							}
							num := (8*(at(h)-at(-h)) - (at(2*h) - at(-2*h))) / (12 * h)
							w[i] = orig
							rel := math.Abs(grad[i]-num) / math.Max(math.Abs(grad[i])+math.Abs(num), 1e-12)
							worst = math.Max(worst, rel)
							if rel > 1e-7 {
								t.Errorf("d%s[%d] = %.12g, finite difference %.12g, relative error %.2e", name, i, grad[i], num, rel)
							}
						}
					}
					t.Logf("worst relative error %.2e", worst)
				})
			}
		}
	}
}
