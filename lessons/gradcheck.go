package lessons

import (
	"fmt"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// Gradient checks inside a replay compare the buggy step's gradients with
// centred differences of the correct loss (the forward pass and loss of
// the run's configuration: mean cross-entropy for the reference network),
// on a few training images, at the initial and the final weights.
// CS231n's bands grade them (tracer.Grade).
const (
	// gradCheckSamples is how many images the check uses, as in the PyTorch
	// comparison (testdata/peers/torch_gradcheck.py).
	gradCheckSamples = 16
	// gradCheckK is how many random elements per tensor are compared.
	// Pixels that are 0 in all the images give 0 = 0 for their row of
	// dW1, so K is generous.
	gradCheckK = 40
)

// GradientCheck is a replay's gradient check of one run.
type GradientCheck struct {
	Samples int
	// Initial and Final are the checks at the first and the last weights
	// (Final is nil when training stopped before any update).
	Initial, Final *tracer.GradReport
	Err            error
}

// checkGradients checks the gradients p computes against the loss the
// reference network computes, on the first few training images.
func checkGradients(p *net.Program, init, final net.Vars, train *net.Dataset) *GradientCheck {
	gc := &GradientCheck{Samples: min(gradCheckSamples, train.Len())}
	batch := train.Slice(0, gc.Samples)
	x, y := batch.Images, batch.OneHot()
	ref := net.Build(p.Config)
	gc.Initial, gc.Err = gradReport(p, ref, x, y, init)
	if gc.Err == nil && final != nil {
		gc.Final, gc.Err = gradReport(p, ref, x, y, final)
	}
	return gc
}

func gradReport(p, ref *net.Program, x, y *tracer.Array, params net.Vars) (*tracer.GradReport, error) {
	v := p.Bind(x, y, params)
	if err := p.Run(nil, v); err != nil {
		return nil, err
	}
	names := net.ParamNames(p.Config.Layers())
	var ps []tracer.Param
	for _, name := range names {
		ps = append(ps, tracer.Param{Name: "d" + name, Value: params[name], Grad: v["d"+name]})
	}
	loss := func(arrays []*tracer.Array) float64 {
		pv := net.Vars{}
		for i, name := range names {
			pv[name] = arrays[i]
		}
		rv := ref.Bind(x, y, pv)
		if err := ref.RunThrough("loss", nil, rv); err != nil {
			panic(err)
		}
		return rv["loss"].Item()
	}
	rep, err := tracer.GradCheck(loss, ps, &tracer.GradCheckOptions{Mode: tracer.SparseCheck, K: gradCheckK, Seed: 1})
	if err != nil {
		return nil, fmt.Errorf("lessons: gradient check: %w", err)
	}
	return rep, nil
}
