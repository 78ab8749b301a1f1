package tracer

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/diff/fd"
)

// Param is one tensor a loss depends on, with the gradient the code under
// test claims for it.
type Param struct {
	Name  string
	Value *Array // where the loss is evaluated; GradCheck never modifies it
	Grad  *Array // the claimed gradient ∂loss/∂Value, of Value's shape
}

// GradCheck checks claimed gradients against centred finite differences of
// loss, which must compute the loss from the arrays it is given, one per
// parameter, in the order of params (they have the parameters' values, some
// perturbed). It returns a report per parameter; see CheckTensor for what
// each holds. GradCheck evaluates loss twice per compared element (full
// and sparse modes) or twice per tensor (fast mode, plus two per element
// when the tensor fails); the differences are taken with gonum's diff/fd
// (Central formula, step opts.Eps).
//
// The rounding error of a difference is about 8·ε·|loss|/h, 2e-9 for a
// loss of 1 at h = 1e-6; disagreements below it are counted, not graded.
// Work in float64 throughout: float32 rounding swamps any such check.
//
// An error is returned for unusable input (no parameters, a gradient of
// another size and shape is not an error but a WrongShape verdict), for a
// loss that is not finite where the check starts, and for a shape error
// the loss panics with.
func GradCheck(loss func(params []*Array) float64, params []Param, opts *GradCheckOptions) (rep *GradReport, err error) {
	var o GradCheckOptions
	if opts != nil {
		o = *opts
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.WithDefaults()
	if loss == nil {
		return nil, errors.New("tracer: GradCheck needs a loss function")
	}
	if len(params) == 0 {
		return nil, errors.New("tracer: GradCheck needs at least one parameter")
	}
	work := make([]*Array, len(params))
	seen := map[string]bool{}
	for i, p := range params {
		if p.Value == nil || p.Grad == nil {
			return nil, fmt.Errorf("tracer: parameter %d (%q) needs both a Value and a Grad", i, p.Name)
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("tracer: two parameters are named %q: give each its own name", p.Name)
		}
		seen[p.Name] = true
		// A private copy is what gets perturbed: the caller's arrays (and
		// anything cached on them) stay as they were.
		work[i] = p.Value.Clone()
	}
	rep = &GradReport{Options: o}
	eval := func() float64 {
		rep.Evaluations++
		return loss(work)
	}
	var bad error
	err = Catch(func() {
		f0 := eval()
		if math.IsNaN(f0) || math.IsInf(f0, 0) {
			bad = fmt.Errorf("tracer: the loss is %v at the given parameters; a gradient check needs a finite loss", f0)
			return
		}
		for i, p := range params {
			pr := &funcProbe{eval: eval, data: work[i].data, eps: o.Eps, f0: f0}
			rep.Tensors = append(rep.Tensors, CheckTensor(p.Name, p.Value.Shape(), p.Grad, pr, o))
		}
	})
	if err != nil {
		return nil, fmt.Errorf("tracer: the loss failed: %v", err)
	}
	if bad != nil {
		return nil, bad
	}
	return rep, nil
}

// noiseFactor scales ε·|loss|/h into a bound on a centred difference's
// rounding error: each evaluation is off by a few ε·|loss|, and the
// difference of two by twice that.
const noiseFactor = 8

// funcProbe takes differences of a loss function by perturbing a copy of
// one parameter in place (data is the copy's storage, row-major).
type funcProbe struct {
	eval func() float64
	data []float64
	eps  float64
	f0   float64
}

func (p *funcProbe) Element(i int) Difference {
	orig := p.data[i]
	defer func() { p.data[i] = orig }()
	var fp, fm float64
	f := func(x float64) float64 {
		p.data[i] = x
		v := p.eval()
		if x < orig {
			fm = v
		} else {
			fp = v
		}
		return v
	}
	num := fd.Derivative(f, orig, &fd.Settings{Formula: fd.Central, Step: p.eps})
	return p.difference(num, fp, fm)
}

func (p *funcProbe) Direction(u []float64) Difference {
	orig := append([]float64(nil), p.data...)
	defer copy(p.data, orig)
	var fp, fm float64
	f := func(t float64) float64 {
		for i := range p.data {
			p.data[i] = orig[i] + t*u[i]
		}
		v := p.eval()
		if t < 0 {
			fm = v
		} else {
			fp = v
		}
		return v
	}
	num := fd.Derivative(f, 0, &fd.Settings{Formula: fd.Central, Step: p.eps})
	return p.difference(num, fp, fm)
}

func (p *funcProbe) difference(num, fp, fm float64) Difference {
	scale := math.Max(math.Abs(p.f0), math.Max(math.Abs(fp), math.Abs(fm)))
	return Difference{Numeric: num, Noise: noiseFactor * epsilon * scale / p.eps,
		Plus: (fp - p.f0) / p.eps, Minus: (p.f0 - fm) / p.eps}
}

// epsilon is float64's machine epsilon, 2⁻⁵².
const epsilon = 0x1p-52
