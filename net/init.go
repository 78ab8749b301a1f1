package net

import (
	"math/rand/v2"

	"github.com/backstep/backstep/tracer"
)

// Init returns the starting parameters the way the question's code makes
// them: weights randn × InitScale, biases zero (in the layer's bias form;
// none where a layer has no bias). The random numbers are drawn
// in the rows layout's order (W1 as inputs × hidden, row by row, then W2, …)
// and transposed for Cols, so both layouts start from the same network.
func Init(cfg Config) Vars {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6261636b73746570)) // "backstep"
	sizes := cfg.Sizes()
	p := Build(cfg)
	v := Vars{}
	var tp *tracer.Tape
	for l := 1; l < len(sizes); l++ {
		in, out := sizes[l-1], sizes[l]
		w := make([]float64, in*out)
		for i := range w {
			w[i] = rng.NormFloat64() * cfg.InitScale
		}
		W := tracer.Matrix(in, out, w)
		b := tracer.Zeros(1, out)
		if cfg.Layout == Cols {
			W = tp.T(W).Clone()
			b = tracer.Zeros(out, 1)
		}
		y := p.layer(l)
		v[y.W] = p.labelled(y.W, W)
		switch cfg.Bias(l) {
		case BiasColumn:
			v[y.b] = p.labelled(y.b, b)
		case BiasVector:
			v[y.b] = p.labelled(y.b, tracer.Zeros(out))
		}
	}
	return v
}
