package lessons

import (
	"fmt"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// The bugs learners' own code showed (the field cases, bugs-and-diagnosis
// #16–#19 and the normaliser and bias-gradient mistakes of public bug
// reports). Each is a statement patch, so check and gradcheck name it by
// reproducing the learner's tensor from their own inputs.

// registerFieldBugs adds them to the catalog.
func registerFieldBugs() {
	register(&Bug{ID: "derivative-of-activation", Title: "the activation's derivative applied to its output: σ′(σ(z))",
		Symptom:  "sigmoid_prime(z) called with a = σ(z): f′ no longer vanishes at saturation",
		Requires: func(cfg net.Config) bool { return !allReLU(cfg) || squaredOutput(cfg) },
		Patch:    derivativeOfActivation})
	register(&Bug{ID: "derivative-of-error", Title: "the output's derivative applied to the error: E·(1 − E)",
		Symptom: "dZ = E * (1 - E), E = A − Y: wrong sizes, and 0 where a wrong output is 1",
		Setting: func(cfg *net.Config) {
			if !squaredOutput(*cfg) {
				cfg.Output, cfg.Loss = net.Sigmoid, net.SquaredError
			}
		},
		Requires: squaredOutput,
		Patch:    derivativeOfError})
	register(&Bug{ID: "delta-not-backpropagated", Title: "the hidden delta built from the output error, not sent back through W",
		Symptom: "dZ1 = dZ2 * f′(Z1), W2 left out: it learns, but not by the gradient",
		Setting: func(cfg *net.Config) {
			if cfg.Classes != 1 {
				cfg.Hidden = []int{cfg.Classes} // the error must broadcast against the hidden layer
			}
		},
		Patch: deltaNotBackpropagated})
	register(&Bug{ID: "dot-not-outer", Title: "np.dot of two 1-D vectors where an outer product belongs",
		Symptom: "dW = np.dot(delta, a) is one number: every weight of a layer moves alike",
		Setting: func(cfg *net.Config) { cfg.Batch = 1 },
		Patch:   dotNotOuter})
	register(&Bug{ID: "double-normaliser", Title: "a second 1/m: the hidden delta divided by m before dW divides again",
		Symptom: "the hidden layer's gradients are m times too small: W1 barely moves",
		Patch:   doubleNormaliser})
	register(&Bug{ID: "sum-loss", Title: "the loss summed over the batch instead of averaged",
		Symptom: "every gradient is m× the mean's: lr tuned for the mean makes it blow up",
		Patch:   sumLoss})
	register(&Bug{ID: "bias-not-reduced", Title: "the bias gradient not summed over the samples: db = dZ",
		Symptom: "db has a row per sample; b − lr·db broadcasts b into one bias per sample",
		Patch:   biasNotReduced})
	register(&Bug{ID: "bias-mean", Title: "the bias gradient averaged where the weights' gradient sums",
		Symptom:  "with 1/m already in dZ, np.mean divides db by m again: the biases stall",
		Setting:  func(cfg *net.Config) { cfg.Norm = net.InDelta },
		Requires: func(cfg net.Config) bool { return cfg.Normalised() != net.InGradients },
		Patch:    biasMean})
	register(&Bug{ID: "update-before-backprop", Title: "a weight updated before the delta that needs it is sent back",
		Symptom: "dZ1 reads W2 after W2 -= lr·dW2: the hidden gradient uses the new weights",
		Patch:   updateBeforeBackprop})
}

// allReLU reports whether every hidden layer is a relu, whose derivative
// reads the same from A as from Z.
func allReLU(cfg net.Config) bool {
	for l := 1; l < cfg.Layers(); l++ {
		if cfg.ActOf(l) != net.ReLU {
			return false
		}
	}
	return true
}

// squaredOutput reports whether the output delta carries the output
// activation's derivative: squared error through a sigmoid or tanh.
func squaredOutput(cfg net.Config) bool {
	out := cfg.OutputAct()
	return cfg.LossKind() == net.SquaredError && (out == net.Sigmoid || out == net.Tanh)
}

// primeOf applies the derivative formula of act to x as if x were the
// pre-activation: σ(x)(1 − σ(x)), 1 − tanh²(x), (x > 0).
func primeOf(tp *tracer.Tape, act net.Activation, x *tracer.Array) *tracer.Array {
	one := tracer.Scalar(1).Named("1")
	switch act {
	case net.Sigmoid:
		s := tp.Sigmoid(x)
		return tp.Mul(s, tp.Sub(one, s))
	case net.Tanh:
		t := tp.Tanh(x)
		return tp.Sub(one, tp.Mul(t, t))
	}
	return tp.Greater(x, tracer.Scalar(0).Named("0"))
}

func primeText(act net.Activation, x string) string {
	switch act {
	case net.Sigmoid:
		return fmt.Sprintf("sigmoid(%s) * (1 - sigmoid(%s))", x, x)
	case net.Tanh:
		return fmt.Sprintf("(1 - np.tanh(%s)**2)", x)
	}
	return fmt.Sprintf("(%s > 0)", x)
}

// backText is the product that sends dZ(l+1) back through W(l+1).
func backText(p *net.Program, l int) (string, func(tp *tracer.Tape, v net.Vars) *tracer.Array) {
	next, W := fmt.Sprintf("dZ%d", l+1), fmt.Sprintf("W%d", l+1)
	if p.Config.Layout == net.Rows {
		return fmt.Sprintf("np.dot(%s, %s.T)", next, W), func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			return tp.Dot(v.Get(next), tp.T(v.Get(W)))
		}
	}
	return fmt.Sprintf("np.dot(%s.T, %s)", W, next), func(tp *tracer.Tape, v net.Vars) *tracer.Array {
		return tp.Dot(tp.T(v.Get(W)), v.Get(next))
	}
}

// missingActGrad leaves the activation's derivative out of every hidden
// delta, and out of the output delta where squared error needs it
// (dZ = A − Y through a sigmoid).
func missingActGrad(p *net.Program) {
	for l := 1; l < p.Config.Layers(); l++ {
		p.Replace("missing-act-grad", hiddenDelta(p, l, true, false))
	}
	if squaredOutput(p.Config) {
		L := p.Config.Layers()
		A, dZ := fmt.Sprintf("A%d", L), fmt.Sprintf("dZ%d", L)
		p.Replace("missing-act-grad", outputDelta(p, dZ, fmt.Sprintf("%s = %s - Y", dZ, A),
			func(tp *tracer.Tape, v net.Vars) *tracer.Array { return tp.Sub(v.Get(A), v.Get("Y")) }))
	}
}

// derivativeOfActivation applies each hidden layer's f′ to A (and, with
// squared error, the output's to A_L), as a sigmoid_prime(z) helper
// called with the activation does.
func derivativeOfActivation(p *net.Program) {
	cfg := p.Config
	L := cfg.Layers()
	for l := 1; l < L; l++ {
		if act := cfg.ActOf(l); act != net.ReLU {
			A, dZ := fmt.Sprintf("A%d", l), fmt.Sprintf("dZ%d", l)
			back, eval := backText(p, l)
			p.Replace("derivative-of-activation", net.Statement{Name: dZ, Phase: net.Backward,
				Inputs:  []string{fmt.Sprintf("dZ%d", l+1), fmt.Sprintf("W%d", l+1), A},
				Formula: fmt.Sprintf("%s = (back) ∘ f′(%s), f′ applied to the activation", dZ, A),
				NumPy:   fmt.Sprintf("%s = %s * %s", dZ, back, primeText(act, A)),
				Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
					return tp.Mul(eval(tp, v), primeOf(tp, act, v.Get(A)))
				}})
		}
	}
	if squaredOutput(cfg) {
		A, dZ := fmt.Sprintf("A%d", L), fmt.Sprintf("dZ%d", L)
		out := cfg.OutputAct()
		p.Replace("derivative-of-activation", outputDelta(p, dZ, fmt.Sprintf("%s = (%s - Y) * %s", dZ, A, primeText(out, A)),
			func(tp *tracer.Tape, v net.Vars) *tracer.Array {
				a := v.Get(A)
				return tp.Mul(tp.Sub(a, v.Get("Y")), primeOf(tp, out, a))
			}))
	}
}

// outputDelta is a replacement output delta with the convention's factor
// and 1/m kept, so only the patched part differs from the right one.
func outputDelta(p *net.Program, dZ, numpy string, core func(tp *tracer.Tape, v net.Vars) *tracer.Array) net.Statement {
	cfg := p.Config
	A := fmt.Sprintf("A%d", cfg.Layers())
	f := cfg.DeltaFactor()
	inDelta := cfg.Normalised() == net.InDelta
	inputs := []string{A, "Y"}
	if inDelta {
		inputs = append(inputs, "m")
		numpy += " / m"
	}
	if f != 1 {
		numpy = fmt.Sprintf("%s  # × %g", numpy, f)
	}
	return net.Statement{Name: dZ, Phase: net.Backward, Inputs: inputs, Formula: numpy, NumPy: numpy,
		Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			d := core(tp, v)
			if f != 1 {
				d = tp.Mul(tracer.Scalar(f).Named(fmt.Sprintf("%g", f)), d)
			}
			if inDelta {
				d = tp.Div(d, v.Get("m"))
			}
			return d
		}}
}

// derivativeOfError applies the output's derivative formula to the error
// E = A − Y instead of to A: E·(1 − E) for a sigmoid, E·(1 − E²) for tanh.
func derivativeOfError(p *net.Program) {
	cfg := p.Config
	if !squaredOutput(cfg) {
		return
	}
	L := cfg.Layers()
	A, dZ := fmt.Sprintf("A%d", L), fmt.Sprintf("dZ%d", L)
	out := cfg.OutputAct()
	text := fmt.Sprintf("E = %s - Y; %s = E * (1 - E)", A, dZ)
	if out == net.Tanh {
		text = fmt.Sprintf("E = %s - Y; %s = E * (1 - E**2)", A, dZ)
	}
	p.Replace("derivative-of-error", outputDelta(p, dZ, text, func(tp *tracer.Tape, v net.Vars) *tracer.Array {
		one := tracer.Scalar(1).Named("1")
		e := tp.Sub(v.Get(A), v.Get("Y")).Named("E")
		if out == net.Tanh {
			return tp.Mul(e, tp.Sub(one, tp.Mul(e, e)))
		}
		return tp.Mul(e, tp.Sub(one, e))
	}))
}

// deltaNotBackpropagated builds the last hidden layer's delta from the
// output error times its f′, without W: it runs only when the error
// broadcasts against the hidden layer (one output unit, or as many
// outputs as hidden units).
func deltaNotBackpropagated(p *net.Program) {
	L := p.Config.Layers()
	l := L - 1
	dZ, next := fmt.Sprintf("dZ%d", l), fmt.Sprintf("dZ%d", L)
	s, _ := p.Statement(dZ)
	act := p.Config.ActOf(l)
	inputs := []string{next}
	for _, in := range s.Inputs {
		if in != next && in[0] != 'W' {
			inputs = append(inputs, in)
		}
	}
	p.Replace("delta-not-backpropagated", net.Statement{Name: dZ, Phase: net.Backward, Inputs: inputs,
		Formula: fmt.Sprintf("%s = %s ∘ f′(Z%d): the output error, not sent back through W%d", dZ, next, l, L),
		NumPy:   fmt.Sprintf("%s = %s * %s", dZ, next, derivative(act, l)),
		Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			return tp.Mul(v.Get(next), net.ActivationGrad(tp, act, v, l))
		}})
}

// dotNotOuter writes every weight gradient as np.dot of the layer's delta
// and its own activation, flattened: for one sample these are two 1-D
// vectors of the same length, and np.dot gives their inner product.
func dotNotOuter(p *net.Program) {
	for l := 1; l <= p.Config.Layers(); l++ {
		dW, dZ, A := fmt.Sprintf("dW%d", l), fmt.Sprintf("dZ%d", l), fmt.Sprintf("A%d", l)
		p.Replace("dot-not-outer", net.Statement{Name: dW, Phase: net.Backward, Inputs: []string{dZ, A},
			Formula: fmt.Sprintf("%s = %s · %s (two 1-D vectors: one number)", dW, dZ, A),
			NumPy:   fmt.Sprintf("%s = np.dot(%s.ravel(), %s.ravel())", dW, dZ, A),
			Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
				return tp.Dot(tp.Reshape(v.Get(dZ), -1), tp.Reshape(v.Get(A), -1))
			}})
	}
}

// doubleNormaliser divides every hidden delta by m, before the weight
// gradients divide by m again.
func doubleNormaliser(p *net.Program) {
	for l := 1; l < p.Config.Layers(); l++ {
		dZ := fmt.Sprintf("dZ%d", l)
		s, ok := p.Statement(dZ)
		if !ok {
			return
		}
		eval := s.Eval
		s.Inputs = append(append([]string(nil), s.Inputs...), "m")
		s.Formula += " · (1/m)"
		s.NumPy += " * (1 / m)"
		s.Eval = func(tp *tracer.Tape, v net.Vars) *tracer.Array { return tp.Div(eval(tp, v), v.Get("m")) }
		p.Replace("double-normaliser", s)
	}
}

// sumLoss takes the loss and every gradient statement from the same
// network with no normaliser: the loss summed over the batch.
func sumLoss(p *net.Program) {
	cfg := p.Config
	if cfg.Normalised() == net.NoNormaliser {
		return
	}
	cfg.Norm = net.NoNormaliser
	sum := net.Build(cfg)
	for _, s := range sum.Statements {
		if s.Phase != net.Loss && s.Phase != net.Backward {
			continue
		}
		if old, ok := p.Statement(s.Name); ok && old.NumPy != s.NumPy {
			p.Replace("sum-loss", s)
		}
	}
}

// biasNotReduced keeps dZ as the bias gradient, one row per sample.
func biasNotReduced(p *net.Program) {
	perM := p.Config.Normalised() == net.InGradients
	for l := 1; l <= p.Config.Layers(); l++ {
		db, dZ := fmt.Sprintf("db%d", l), fmt.Sprintf("dZ%d", l)
		if _, ok := p.Statement(db); !ok {
			continue
		}
		s := net.Statement{Name: db, Phase: net.Backward, Inputs: []string{dZ},
			Formula: fmt.Sprintf("%s = %s (not summed over the samples)", db, dZ),
			NumPy:   fmt.Sprintf("%s = %s", db, dZ),
			Eval:    func(tp *tracer.Tape, v net.Vars) *tracer.Array { return v.Get(dZ) }}
		if perM {
			s.Inputs = append(s.Inputs, "m")
			s.NumPy += " / m"
			s.Eval = func(tp *tracer.Tape, v net.Vars) *tracer.Array { return tp.Div(v.Get(dZ), v.Get("m")) }
		}
		p.Replace("bias-not-reduced", s)
	}
}

// biasMean averages dZ over the samples for the bias gradient where the
// convention's gradients are plain sums (the 1/m sits in dZ_L, or nowhere).
func biasMean(p *net.Program) {
	if p.Config.Normalised() == net.InGradients {
		return
	}
	axis := sampleAxis(p)
	for l := 1; l <= p.Config.Layers(); l++ {
		db, dZ := fmt.Sprintf("db%d", l), fmt.Sprintf("dZ%d", l)
		if _, ok := p.Statement(db); !ok {
			continue
		}
		keep := p.Config.Bias(l) == net.BiasColumn
		kd := ", keepdims=True"
		if !keep {
			kd = ""
		}
		p.Replace("bias-mean", net.Statement{Name: db, Phase: net.Backward, Inputs: []string{dZ},
			Formula: fmt.Sprintf("%s = mean over the samples (axis %d) of %s", db, axis, dZ),
			NumPy:   fmt.Sprintf("%s = np.mean(%s, axis=%d%s)", db, dZ, axis, kd),
			Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
				return tp.Mean(v.Get(dZ), axis, keep)
			}})
	}
}

// updateBeforeBackprop sends each delta back through the weight already
// updated: W(l+1) − lr·dW(l+1), as code that updates each layer as soon as
// its gradient is known does. The statement reads the step's W(l+1) and
// dW(l+1) and writes the updated weight out, (W2 - lr * dW2), so that its
// line is what it computes from the dumped or bound W2; the update
// statement later in the step still makes W2 what the learner's code
// leaves.
func updateBeforeBackprop(p *net.Program) {
	cfg := p.Config
	lr := cfg.LR
	sign, op, opF := -1.0, "-", "−"
	if cfg.Negated {
		sign, op, opF = 1, "+", "+" // the updates add: that is the weight the learner's line reads
	}
	for l := cfg.Layers() - 1; l >= 1; l-- {
		dZ, W := fmt.Sprintf("dZ%d", l), fmt.Sprintf("W%d", l+1)
		s, ok := p.Statement(dZ)
		if !ok || !strings.Contains(s.NumPy, W+".T") {
			return
		}
		eval := s.Eval
		updated := fmt.Sprintf("(%s %s lr * d%s)", W, op, W)
		s.Inputs = append(append([]string(nil), s.Inputs...), "d"+W)
		s.Formula = fmt.Sprintf("%s, with %s already updated: %s %s lr · d%s", s.Formula, W, W, opF, W)
		s.NumPy = strings.Replace(s.NumPy, W+".T", updated+".T", 1)
		s.Eval = func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			moved := net.Vars{}
			for k, a := range v {
				moved[k] = a
			}
			step := tp.Mul(tracer.Scalar(sign*lr).Named(op+"lr"), v.Get("d"+W))
			moved[W] = tp.Add(v.Get(W), step).Named(updated)
			return eval(tp, moved)
		}
		p.Replace("update-before-backprop", s)
	}
}
