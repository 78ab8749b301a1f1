package net

import (
	"fmt"

	"github.com/backstep/backstep/tracer"
)

// Axis meanings used in labels.
const (
	SamplesAxis  = "samples"
	FeaturesAxis = "features"
	ClassesAxis  = "classes"
)

// layer names the variables of layer l (1-based) so the builders read like
// the formulas they build.
type layer struct {
	l                             int
	W, b, Z, A, prevA, dZ, dW, db string
	units                         string // what this layer's axis means
}

func (p *Program) layer(l int) layer {
	y := layer{l: l,
		W: fmt.Sprintf("W%d", l), b: fmt.Sprintf("b%d", l), Z: fmt.Sprintf("Z%d", l),
		A: fmt.Sprintf("A%d", l), dZ: fmt.Sprintf("dZ%d", l), dW: fmt.Sprintf("dW%d", l),
		db: fmt.Sprintf("db%d", l), prevA: fmt.Sprintf("A%d", l-1)}
	if l == 1 {
		y.prevA = "X"
	}
	y.units = p.unitsOf(l)
	return y
}

// unitsOf says what the axis of layer l's units means: "features" for the
// input (l = 0), "hidden" (or "hidden1", "hidden2" when there are several)
// and "classes" for the output.
func (p *Program) unitsOf(l int) string {
	L := p.Config.Layers()
	switch {
	case l == 0:
		return FeaturesAxis
	case l == L:
		return ClassesAxis
	case L == 2:
		return "hidden"
	default:
		return fmt.Sprintf("hidden%d", l)
	}
}

// Build returns the correct training iteration for the configuration.
func Build(cfg Config) *Program {
	p := &Program{Config: cfg, Labels: map[string][]string{}, Shapes: map[string]tracer.Shape{}}
	rows := cfg.Layout == Rows
	sizes := cfg.Sizes()
	lab := func(outer, inner string) []string {
		if rows {
			return []string{outer, inner}
		}
		return []string{inner, outer}
	}
	p.Labels["X"] = lab(SamplesAxis, FeaturesAxis)
	p.Labels["Y"] = lab(SamplesAxis, ClassesAxis)
	for l := 1; l <= cfg.Layers(); l++ {
		y := p.layer(l)
		for _, n := range []string{y.Z, y.A, y.dZ} {
			p.Labels[n] = lab(SamplesAxis, y.units)
		}
		if rows {
			p.Labels[y.W] = []string{p.unitsOf(l - 1), y.units}
			p.Shapes[y.W] = tracer.Shape{sizes[l-1], sizes[l]}
			p.Labels[y.b] = []string{"", y.units}
			p.Shapes[y.b] = tracer.Shape{1, sizes[l]}
		} else {
			p.Labels[y.W] = []string{y.units, p.unitsOf(l - 1)}
			p.Shapes[y.W] = tracer.Shape{sizes[l], sizes[l-1]}
			p.Labels[y.b] = []string{y.units, ""}
			p.Shapes[y.b] = tracer.Shape{sizes[l], 1}
		}
	}

	p.add(p.countSamples())
	for l := 1; l <= cfg.Layers(); l++ {
		p.add(p.preActivation(l))
		if l < cfg.Layers() {
			p.add(p.activation(l))
		} else {
			p.add(p.softmax(l))
		}
	}
	p.add(p.loss())
	for l := cfg.Layers(); l >= 1; l-- {
		if l == cfg.Layers() {
			p.add(p.outputDelta())
		} else {
			p.add(p.hiddenDelta(l))
		}
		p.add(p.weightGrad(l))
		p.add(p.biasGrad(l))
	}
	for l := 1; l <= cfg.Layers(); l++ {
		y := p.layer(l)
		p.add(p.update(y.W, y.dW))
		p.add(p.update(y.b, y.db))
	}
	p.add(p.accuracy())
	return p
}

func (p *Program) add(s Statement) { p.Statements = append(p.Statements, s) }

// sampleAxis and classAxis are the axes of X/Y/A that hold samples and
// units in this layout.
func (p *Program) sampleAxis() int {
	if p.Config.Layout == Rows {
		return 0
	}
	return 1
}

func (p *Program) unitAxis() int { return 1 - p.sampleAxis() }

// CountSamples is "m = X.shape[0]" (rows) or "m = X.shape[1]" (cols); the
// wrong-m bug reads the other axis.
func (p *Program) countSamples() Statement {
	return p.CountAlong(p.sampleAxis())
}

// CountAlong is the statement m = X.shape[axis].
func (p *Program) CountAlong(axis int) Statement {
	return Statement{Name: "m", Phase: Forward,
		Formula: fmt.Sprintf("m = X.shape[%d]", axis),
		NumPy:   fmt.Sprintf("m = X.shape[%d]", axis),
		Inputs:  []string{"X"},
		Eval:    func(tp *tracer.Tape, v Vars) *tracer.Array { return tp.Dim(v.Get("X"), axis) }}
}

func (p *Program) preActivation(l int) Statement {
	y := p.layer(l)
	s := Statement{Name: y.Z, Phase: Forward, Inputs: []string{y.prevA, y.W, y.b}}
	if p.Config.Layout == Rows {
		s.Formula = fmt.Sprintf("%s = %s · %s + %s", y.Z, y.prevA, y.W, y.b)
		s.NumPy = fmt.Sprintf("%s = np.dot(%s, %s) + %s", y.Z, y.prevA, y.W, y.b)
		s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array {
			return tp.Add(tp.Dot(v.Get(y.prevA), v.Get(y.W)), v.Get(y.b))
		}
	} else {
		s.Formula = fmt.Sprintf("%s = %s · %s + %s", y.Z, y.W, y.prevA, y.b)
		s.NumPy = fmt.Sprintf("%s = np.dot(%s, %s) + %s", y.Z, y.W, y.prevA, y.b)
		s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array {
			return tp.Add(tp.Dot(v.Get(y.W), v.Get(y.prevA)), v.Get(y.b))
		}
	}
	return s
}

func (p *Program) activation(l int) Statement {
	y := p.layer(l)
	s := Statement{Name: y.A, Phase: Forward, Inputs: []string{y.Z}}
	switch p.Config.Act {
	case Sigmoid:
		s.Formula = fmt.Sprintf("%s = σ(%s) = 1 / (1 + e^−%s)", y.A, y.Z, y.Z)
		s.NumPy = fmt.Sprintf("%s = 1 / (1 + np.exp(-%s))", y.A, y.Z)
	case ReLU:
		s.Formula = fmt.Sprintf("%s = max(%s, 0)", y.A, y.Z)
		s.NumPy = fmt.Sprintf("%s = np.maximum(%s, 0)", y.A, y.Z)
	default:
		s.Formula = fmt.Sprintf("%s = tanh(%s)", y.A, y.Z)
		s.NumPy = fmt.Sprintf("%s = np.tanh(%s)", y.A, y.Z)
	}
	act := p.Config.Act
	s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array { return activate(tp, act, v.Get(y.Z)) }
	return s
}

// activate applies the hidden activation.
func activate(tp *tracer.Tape, act Activation, z *tracer.Array) *tracer.Array {
	switch act {
	case Sigmoid:
		return tp.Sigmoid(z)
	case ReLU:
		return tp.Maximum(z, tracer.Scalar(0).Named("0"))
	default:
		return tp.Tanh(z)
	}
}

// Softmax returns the output statement normalising over the given axis of
// Z; the correct axis is the class axis, the softmax-axis bug uses the
// sample axis.
func (p *Program) Softmax(l, axis int) Statement {
	y := p.layer(l)
	return Statement{Name: y.A, Phase: Forward, Inputs: []string{y.Z},
		Formula: fmt.Sprintf("%s = softmax(%s) over axis %d: e^(%s − max) / Σ e^(%s − max)", y.A, y.Z, axis, y.Z, y.Z),
		NumPy: fmt.Sprintf("E = np.exp(%s - %s.max(axis=%d, keepdims=True)); %s = E / E.sum(axis=%d, keepdims=True)",
			y.Z, y.Z, axis, y.A, axis),
		Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
			z := v.Get(y.Z)
			e := tp.Exp(tp.Sub(z, tp.Max(z, axis, true))).Named("E")
			return tp.Div(e, tp.Sum(e, axis, true))
		}}
}

func (p *Program) softmax(l int) Statement { return p.Softmax(l, p.unitAxis()) }

func (p *Program) loss() Statement {
	A := p.layer(p.Config.Layers()).A
	return Statement{Name: "loss", Phase: Loss, Inputs: []string{"Y", A, "m"},
		Formula: fmt.Sprintf("loss = −(1/m) · Σ Y ∘ log(%s)", A),
		NumPy:   fmt.Sprintf("loss = -np.sum(Y * np.log(%s)) / m", A),
		Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
			s := tp.Sum(tp.Mul(v.Get("Y"), tp.Log(v.Get(A))), tracer.AllAxes, false)
			return tp.Neg(tp.Div(s, v.Get("m")))
		}}
}

// outputDelta is dZL = AL − Y, the gradient of mean-free cross-entropy
// through softmax (the 1/m comes in the weight gradients).
func (p *Program) outputDelta() Statement {
	y := p.layer(p.Config.Layers())
	return Statement{Name: y.dZ, Phase: Backward, Inputs: []string{y.A, "Y"},
		Formula: fmt.Sprintf("%s = %s − Y", y.dZ, y.A),
		NumPy:   fmt.Sprintf("%s = %s - Y", y.dZ, y.A),
		Eval:    func(tp *tracer.Tape, v Vars) *tracer.Array { return tp.Sub(v.Get(y.A), v.Get("Y")) }}
}

// hiddenDelta is dZl = (dZ(l+1) · W(l+1)ᵀ) ∘ f′(Zl) in rows layout, with
// f′ written from the activation's output where it can be.
func (p *Program) hiddenDelta(l int) Statement {
	y, next := p.layer(l), p.layer(l+1)
	s := Statement{Name: y.dZ, Phase: Backward, Inputs: []string{next.dZ, next.W}}
	var back, backPy string
	if p.Config.Layout == Rows {
		back = fmt.Sprintf("%s · %sᵀ", next.dZ, next.W)
		backPy = fmt.Sprintf("np.dot(%s, %s.T)", next.dZ, next.W)
	} else {
		back = fmt.Sprintf("%sᵀ · %s", next.W, next.dZ)
		backPy = fmt.Sprintf("np.dot(%s.T, %s)", next.W, next.dZ)
	}
	var deriv, derivPy string
	switch p.Config.Act {
	case Sigmoid:
		deriv, derivPy = fmt.Sprintf("%s ∘ (1 − %s)", y.A, y.A), fmt.Sprintf("%s * (1 - %s)", y.A, y.A)
		s.Inputs = append(s.Inputs, y.A)
	case ReLU:
		deriv, derivPy = fmt.Sprintf("(%s > 0)", y.Z), fmt.Sprintf("(%s > 0)", y.Z)
		s.Inputs = append(s.Inputs, y.Z)
	default:
		deriv, derivPy = fmt.Sprintf("(1 − %s²)", y.A), fmt.Sprintf("(1 - %s**2)", y.A)
		s.Inputs = append(s.Inputs, y.A)
	}
	s.Formula = fmt.Sprintf("%s = (%s) ∘ %s", y.dZ, back, deriv)
	s.NumPy = fmt.Sprintf("%s = %s * %s", y.dZ, backPy, derivPy)
	rows, act := p.Config.Layout == Rows, p.Config.Act
	s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array {
		var d *tracer.Array
		if rows {
			d = tp.Dot(v.Get(next.dZ), tp.T(v.Get(next.W)))
		} else {
			d = tp.Dot(tp.T(v.Get(next.W)), v.Get(next.dZ))
		}
		return tp.Mul(d, ActivationGrad(tp, act, v, l))
	}
	return s
}

// ActivationGrad is f′(Zl) for the hidden activation, from Al where the
// derivative is usually written that way.
func ActivationGrad(tp *tracer.Tape, act Activation, v Vars, l int) *tracer.Array {
	one := tracer.Scalar(1).Named("1")
	switch act {
	case Sigmoid:
		a := v.Get(fmt.Sprintf("A%d", l))
		return tp.Mul(a, tp.Sub(one, a))
	case ReLU:
		return tp.Greater(v.Get(fmt.Sprintf("Z%d", l)), tracer.Scalar(0).Named("0"))
	default:
		a := v.Get(fmt.Sprintf("A%d", l))
		return tp.Sub(one, tp.Pow(a, tracer.Scalar(2).Named("2")))
	}
}

func (p *Program) weightGrad(l int) Statement {
	y := p.layer(l)
	s := Statement{Name: y.dW, Phase: Backward, Inputs: []string{y.prevA, y.dZ, "m"}}
	if p.Config.Layout == Rows {
		s.Formula = fmt.Sprintf("%s = (1/m) · %sᵀ · %s", y.dW, y.prevA, y.dZ)
		s.NumPy = fmt.Sprintf("%s = np.dot(%s.T, %s) / m", y.dW, y.prevA, y.dZ)
		s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array {
			return tp.Div(tp.Dot(tp.T(v.Get(y.prevA)), v.Get(y.dZ)), v.Get("m"))
		}
	} else {
		s.Formula = fmt.Sprintf("%s = (1/m) · %s · %sᵀ", y.dW, y.dZ, y.prevA)
		s.NumPy = fmt.Sprintf("%s = np.dot(%s, %s.T) / m", y.dW, y.dZ, y.prevA)
		s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array {
			return tp.Div(tp.Dot(v.Get(y.dZ), tp.T(v.Get(y.prevA))), v.Get("m"))
		}
	}
	return s
}

func (p *Program) biasGrad(l int) Statement { return p.BiasGrad(l, p.sampleAxis(), true) }

// BiasGrad is dbl = (1/m) · Σ dZl over the given axis; the correct axis is
// the sample axis with keepdims, the bias-axis bugs use the other axis or
// drop keepdims.
func (p *Program) BiasGrad(l, axis int, keepdims bool) Statement {
	y := p.layer(l)
	what := "samples"
	if axis != p.sampleAxis() {
		what = y.units
	}
	kd := ", keepdims=True"
	if !keepdims {
		kd = ""
	}
	return Statement{Name: y.db, Phase: Backward, Inputs: []string{y.dZ, "m"},
		Formula: fmt.Sprintf("%s = (1/m) · Σ over %s (axis %d) of %s", y.db, what, axis, y.dZ),
		NumPy:   fmt.Sprintf("%s = np.sum(%s, axis=%d%s) / m", y.db, y.dZ, axis, kd),
		Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
			return tp.Div(tp.Sum(v.Get(y.dZ), axis, keepdims), v.Get("m"))
		}}
}

func (p *Program) update(param, grad string) Statement {
	lr := p.Config.LR
	return Statement{Name: param, Phase: Update, Inputs: []string{param, grad},
		Formula: fmt.Sprintf("%s = %s − lr · %s", param, param, grad),
		NumPy:   fmt.Sprintf("%s = %s - lr * %s", param, param, grad),
		Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
			return tp.Sub(v.Get(param), tp.Mul(tracer.Scalar(lr).Named("lr"), v.Get(grad)))
		}}
}

func (p *Program) accuracy() Statement {
	A := p.layer(p.Config.Layers()).A
	ax := p.unitAxis()
	return Statement{Name: "acc", Phase: Metric, Inputs: []string{A, "Y"},
		Formula: fmt.Sprintf("acc = mean(argmax(%s, axis %d) == argmax(Y, axis %d))", A, ax, ax),
		NumPy:   fmt.Sprintf("acc = np.mean(np.argmax(%s, axis=%d) == np.argmax(Y, axis=%d))", A, ax, ax),
		Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
			return tp.Mean(tp.Equal(tp.Argmax(v.Get(A), ax, false), tp.Argmax(v.Get("Y"), ax, false)), tracer.AllAxes, false)
		}}
}
