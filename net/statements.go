package net

import (
	"fmt"
	"math"

	"github.com/backstep/backstep/tracer"
)

// Axis meanings used in labels.
const (
	SamplesAxis  = "samples"
	FeaturesAxis = "features"
	ClassesAxis  = "classes"
	// OutputsAxis is the output layer's axis when it is not a softmax over
	// classes: one sigmoid unit, multi-label units, regression targets.
	OutputsAxis = "outputs"
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
		return p.Config.OutputAxis()
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
	p.Labels["Y"] = lab(SamplesAxis, cfg.OutputAxis())
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
		switch cfg.Bias(l) {
		case BiasVector:
			p.Labels[y.b] = []string{y.units}
			p.Shapes[y.b] = tracer.Shape{sizes[l]}
		case NoBias:
			delete(p.Labels, y.b)
			delete(p.Shapes, y.b)
		}
	}

	p.add(p.countSamples())
	for l := 1; l <= cfg.Layers(); l++ {
		p.add(p.preActivation(l))
		if l < cfg.Layers() {
			p.add(p.activation(l))
		} else {
			p.add(p.output(l))
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
		if cfg.Bias(l) != NoBias {
			p.add(p.biasGrad(l))
		}
	}
	for l := 1; l <= cfg.Layers(); l++ {
		y := p.layer(l)
		p.add(p.update(y.W, y.dW))
		if cfg.Bias(l) != NoBias {
			p.add(p.update(y.b, y.db))
		}
	}
	if acc, ok := p.accuracy(); ok {
		p.add(acc)
	}
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
	rows, bias := p.Config.Layout == Rows, p.Config.Bias(l)
	s := Statement{Name: y.Z, Phase: Forward, Inputs: []string{y.prevA, y.W}}
	product, productPy := fmt.Sprintf("%s · %s", y.prevA, y.W), fmt.Sprintf("np.dot(%s, %s)", y.prevA, y.W)
	if !rows {
		product, productPy = fmt.Sprintf("%s · %s", y.W, y.prevA), fmt.Sprintf("np.dot(%s, %s)", y.W, y.prevA)
	}
	s.Formula = fmt.Sprintf("%s = %s", y.Z, product)
	s.NumPy = fmt.Sprintf("%s = %s", y.Z, productPy)
	if bias != NoBias {
		s.Inputs = append(s.Inputs, y.b)
		b := y.b
		if bias == BiasVector && !rows {
			b += "[:, None]" // a (n,) bias is a column only once reshaped
		}
		s.Formula += " + " + b
		s.NumPy += " + " + b
	}
	s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array {
		a, w := v.Get(y.prevA), v.Get(y.W)
		if !rows {
			a, w = w, a
		}
		switch {
		case bias == NoBias:
			return tp.Dot(a, w)
		case bias == BiasVector && !rows:
			z, b := tp.Dot(a, w), v.Get(y.b)
			return tp.Add(z, tp.Reshape(b, b.Size(), 1).Named(y.b+"[:, None]"))
		}
		return tp.DotAdd(a, w, v.Get(y.b)) // the same bits in one pass
	}
	return s
}

func (p *Program) activation(l int) Statement {
	y := p.layer(l)
	s := Statement{Name: y.A, Phase: Forward, Inputs: []string{y.Z}}
	switch p.Config.ActOf(l) {
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
	act := p.Config.ActOf(l)
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

// output is the output layer's statement: a softmax over the classes for
// the reference network, or the sigmoid, tanh or identity a foreign
// network's output applies.
func (p *Program) output(l int) Statement {
	y := p.layer(l)
	s := Statement{Name: y.A, Phase: Forward, Inputs: []string{y.Z}}
	switch p.Config.OutputAct() {
	case Sigmoid:
		s.Formula = fmt.Sprintf("%s = σ(%s) = 1 / (1 + e^−%s)", y.A, y.Z, y.Z)
		s.NumPy = fmt.Sprintf("%s = 1 / (1 + np.exp(-%s))", y.A, y.Z)
		s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array { return tp.Sigmoid(v.Get(y.Z)) }
	case Tanh:
		s.Formula = fmt.Sprintf("%s = tanh(%s)", y.A, y.Z)
		s.NumPy = fmt.Sprintf("%s = np.tanh(%s)", y.A, y.Z)
		s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array { return tp.Tanh(v.Get(y.Z)) }
	case Linear:
		s.Formula = fmt.Sprintf("%s = %s (a linear output)", y.A, y.Z)
		s.NumPy = fmt.Sprintf("%s = %s", y.A, y.Z)
		s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array { return v.Get(y.Z) }
	default:
		return p.Softmax(l, p.unitAxis())
	}
	return s
}

// constantText writes f (or f/m when perM) as a factor in front of a sum:
// "(1/m) · %s", "(1/(3m)) · %s", "2 · %s", and the NumPy for the same, each
// with a %s where the sum goes.
func constantText(f float64, perM bool) (formula, numpy string) {
	inv := 1 / f
	switch {
	case f == 1 && perM:
		return "(1/m) · %s", "%s / m"
	case f == 1:
		return "%s", "%s"
	case isWhole(inv) && perM:
		return fmt.Sprintf("(1/(%gm)) · %%s", inv), fmt.Sprintf("%%s / (%g * m)", inv)
	case isWhole(inv):
		return fmt.Sprintf("(1/%g) · %%s", inv), fmt.Sprintf("%%s / %g", inv)
	case perM:
		return fmt.Sprintf("(%g/m) · %%s", f), fmt.Sprintf("%g * %%s / m", f)
	}
	return fmt.Sprintf("%g · %%s", f), fmt.Sprintf("%g * %%s", f)
}

func isWhole(x float64) bool { return x > 1 && x < 1e9 && x == math.Trunc(x) }

// loss is the loss the gradients differentiate: the mean (or, with no
// normaliser, the sum) over the samples of each sample's cross-entropy,
// binary cross-entropy or ½ squared error, times the convention's factor.
func (p *Program) loss() Statement {
	A := p.layer(p.Config.Layers()).A
	perM := p.Config.Normalised() != NoNormaliser
	f := math.Abs(p.Config.DeltaFactor()) * p.Config.GradScale()
	inputs := []string{"Y", A}
	if perM {
		inputs = append(inputs, "m")
	}
	one := tracer.Scalar(1).Named("1")
	// total is the sum over samples and units, before its sign: the
	// cross-entropies are minus it.
	var sumF, sumPy string
	var total func(tp *tracer.Tape, y, a *tracer.Array) *tracer.Array
	neg := true
	switch p.Config.LossKind() {
	case BinaryCrossEntropy:
		sumF = fmt.Sprintf("Σ [Y ∘ log(%s) + (1 − Y) ∘ log(1 − %s)]", A, A)
		sumPy = fmt.Sprintf("np.sum(Y * np.log(%s) + (1 - Y) * np.log(1 - %s))", A, A)
		total = func(tp *tracer.Tape, y, a *tracer.Array) *tracer.Array {
			t := tp.Add(tp.Mul(y, tp.Log(a)), tp.Mul(tp.Sub(one, y), tp.Log(tp.Sub(one, a))))
			return tp.Sum(t, tracer.AllAxes, false)
		}
	case SquaredError:
		// ℓ = ½ Σ (a − y)²: written with the ½ when the factor is 1, and as
		// the plain sum of squares otherwise (the factor 2 cancels it).
		neg = false
		half := f == 1
		sumF, sumPy = fmt.Sprintf("Σ (%s − Y)²", A), fmt.Sprintf("np.sum((%s - Y)**2)", A)
		if half {
			sumF, sumPy = fmt.Sprintf("Σ ½ (%s − Y)²", A), fmt.Sprintf("0.5 * np.sum((%s - Y)**2)", A)
		} else {
			f /= 2
		}
		total = func(tp *tracer.Tape, y, a *tracer.Array) *tracer.Array {
			d := tp.Sub(a, y)
			s := tp.Sum(tp.Mul(d, d), tracer.AllAxes, false)
			if half {
				s = tp.Mul(tracer.Scalar(0.5).Named("0.5"), s)
			}
			return s
		}
	default:
		sumF = fmt.Sprintf("Σ Y ∘ log(%s)", A)
		sumPy = fmt.Sprintf("np.sum(Y * np.log(%s))", A)
		total = func(tp *tracer.Tape, y, a *tracer.Array) *tracer.Array {
			return tp.Sum(tp.Mul(y, tp.Log(a)), tracer.AllAxes, false)
		}
	}
	scaleF, scalePy := constantText(f, perM)
	formula, numpy := fmt.Sprintf(scaleF, sumF), fmt.Sprintf(scalePy, sumPy)
	if neg {
		formula, numpy = "−"+formula, "-"+numpy
	}
	return Statement{Name: "loss", Phase: Loss, Inputs: inputs,
		Formula: "loss = " + formula, NumPy: "loss = " + numpy,
		Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
			s := total(tp, v.Get("Y"), v.Get(A))
			if f != 1 {
				s = tp.Mul(tracer.Scalar(f).Named(fmt.Sprintf("%g", f)), s)
			}
			if perM {
				s = tp.Div(s, v.Get("m"))
			}
			if neg {
				s = tp.Neg(s)
			}
			return s
		}}
}

// outputDelta is dZL, the gradient of the loss through the output layer
// before any normaliser: AL − Y for softmax + cross-entropy and sigmoid +
// binary cross-entropy, (AL − Y) ∘ f′(ZL) for squared error (f′ written
// from AL), times the convention's factor and 1/m when the normaliser sits
// here (CS231n), as Y − AL when the gradients are negated.
func (p *Program) outputDelta() Statement {
	cfg := p.Config
	y := p.layer(cfg.Layers())
	A := y.A
	diff, diffPy := fmt.Sprintf("%s − Y", A), fmt.Sprintf("%s - Y", A)
	if cfg.Negated {
		diff, diffPy = fmt.Sprintf("Y − %s", A), fmt.Sprintf("Y - %s", A)
	}
	out := cfg.OutputAct()
	se := cfg.LossKind() == SquaredError
	var deriv, derivPy string
	if se {
		switch out {
		case Sigmoid:
			deriv, derivPy = fmt.Sprintf(" ∘ %s ∘ (1 − %s)", A, A), fmt.Sprintf(" * %s * (1 - %s)", A, A)
		case Tanh:
			deriv, derivPy = fmt.Sprintf(" ∘ (1 − %s²)", A), fmt.Sprintf(" * (1 - %s**2)", A)
		}
	}
	inDelta := cfg.Normalised() == InDelta
	f := math.Abs(cfg.DeltaFactor())
	body, bodyPy := diff+deriv, diffPy+derivPy
	if deriv != "" || f != 1 || inDelta {
		body, bodyPy = "("+diff+")"+deriv, "("+diffPy+")"+derivPy
	}
	scaleF, scalePy := constantText(f, inDelta)
	s := Statement{Name: y.dZ, Phase: Backward, Inputs: []string{A, "Y"},
		Formula: fmt.Sprintf("%s = %s", y.dZ, fmt.Sprintf(scaleF, body)),
		NumPy:   fmt.Sprintf("%s = %s", y.dZ, fmt.Sprintf(scalePy, bodyPy))}
	if f == 1 && !inDelta && deriv == "" {
		s.Formula, s.NumPy = fmt.Sprintf("%s = %s", y.dZ, diff), fmt.Sprintf("%s = %s", y.dZ, diffPy)
	}
	if inDelta {
		s.Inputs = append(s.Inputs, "m")
	}
	neg := cfg.Negated
	s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array {
		a, t := v.Get(A), v.Get("Y")
		d := tp.Sub(a, t)
		if neg {
			d = tp.Sub(t, a)
		}
		one := tracer.Scalar(1).Named("1")
		if se {
			switch out {
			case Sigmoid:
				d = tp.Mul(tp.Mul(d, a), tp.Sub(one, a))
			case Tanh:
				d = tp.Mul(d, tp.Sub(one, tp.Pow(a, tracer.Scalar(2).Named("2"))))
			}
		}
		if f != 1 {
			d = tp.Mul(tracer.Scalar(f).Named(fmt.Sprintf("%g", f)), d)
		}
		if inDelta {
			d = tp.Div(d, v.Get("m"))
		}
		return d
	}
	return s
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
	switch p.Config.ActOf(l) {
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
	rows, act := p.Config.Layout == Rows, p.Config.ActOf(l)
	s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array {
		var a, b *tracer.Array
		if rows {
			a, b = v.Get(next.dZ), tp.T(v.Get(next.W))
		} else {
			a, b = tp.T(v.Get(next.W)), v.Get(next.dZ)
		}
		switch act { // the same bits as the statement's NumPy, in one pass
		case ReLU:
			return tp.MulGreater(tp.Dot(a, b), v.Get(y.Z), tracer.Scalar(0).Named("0"))
		case Tanh:
			return tp.DotMulOneMinusSquare(a, b, v.Get(y.A))
		}
		return tp.Mul(tp.Dot(a, b), ActivationGrad(tp, act, v, l))
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
	perM := p.Config.Normalised() == InGradients
	s := Statement{Name: y.dW, Phase: Backward, Inputs: []string{y.prevA, y.dZ}}
	// The product's operands: A(l-1)ᵀ and dZl (rows), dZl and A(l-1)ᵀ (cols).
	operands := func(tp *tracer.Tape, v Vars) (*tracer.Array, *tracer.Array) {
		return tp.T(v.Get(y.prevA)), v.Get(y.dZ)
	}
	product, productPy := fmt.Sprintf("%sᵀ · %s", y.prevA, y.dZ), fmt.Sprintf("np.dot(%s.T, %s)", y.prevA, y.dZ)
	if p.Config.Layout != Rows {
		operands = func(tp *tracer.Tape, v Vars) (*tracer.Array, *tracer.Array) {
			return v.Get(y.dZ), tp.T(v.Get(y.prevA))
		}
		product, productPy = fmt.Sprintf("%s · %sᵀ", y.dZ, y.prevA), fmt.Sprintf("np.dot(%s, %s.T)", y.dZ, y.prevA)
	}
	s.Formula = fmt.Sprintf("%s = %s", y.dW, product)
	s.NumPy = fmt.Sprintf("%s = %s", y.dW, productPy)
	s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array { return tp.Dot(operands(tp, v)) }
	if perM {
		s.Inputs = append(s.Inputs, "m")
		s.Formula = fmt.Sprintf("%s = (1/m) · %s", y.dW, product)
		s.NumPy += " / m"
		s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array { // the same bits in one pass
			a, b := operands(tp, v)
			return tp.DotDiv(a, b, v.Get("m"))
		}
	}
	return p.gradFactor(s, product, productPy, perM)
}

// gradFactor gives a weight or bias gradient the convention's constant
// besides 1/m (GradFactor), in its text and its value.
func (p *Program) gradFactor(s Statement, body, bodyPy string, perM bool) Statement {
	g := p.Config.GradScale()
	if g == 1 {
		return s
	}
	f, py := constantText(g, perM)
	s.Formula = fmt.Sprintf("%s = %s", s.Name, fmt.Sprintf(f, body))
	s.NumPy = fmt.Sprintf("%s = %s", s.Name, fmt.Sprintf(py, bodyPy))
	eval := s.Eval
	s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array {
		return tp.Mul(tracer.Scalar(g).Named(fmt.Sprintf("%g", g)), eval(tp, v))
	}
	return s
}

func (p *Program) biasGrad(l int) Statement {
	return p.BiasGrad(l, p.sampleAxis(), p.Config.Bias(l) != BiasVector)
}

// BiasGrad is dbl = (1/m) · Σ dZl over the given axis (no 1/m when the
// normaliser sits elsewhere); the correct axis is the sample axis, with
// keepdims for a (1,n) or (n,1) bias and without for a (n,) one. The
// bias-axis bugs use the other axis or drop keepdims.
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
	s := Statement{Name: y.db, Phase: Backward, Inputs: []string{y.dZ},
		Formula: fmt.Sprintf("%s = Σ over %s (axis %d) of %s", y.db, what, axis, y.dZ),
		NumPy:   fmt.Sprintf("%s = np.sum(%s, axis=%d%s)", y.db, y.dZ, axis, kd),
		Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
			return tp.Sum(v.Get(y.dZ), axis, keepdims)
		}}
	perM := p.Config.Normalised() == InGradients
	if perM {
		s.Inputs = append(s.Inputs, "m")
		s.Formula = fmt.Sprintf("%s = (1/m) · Σ over %s (axis %d) of %s", y.db, what, axis, y.dZ)
		s.NumPy += " / m"
		s.Eval = func(tp *tracer.Tape, v Vars) *tracer.Array {
			return tp.Div(tp.Sum(v.Get(y.dZ), axis, keepdims), v.Get("m"))
		}
	}
	return p.gradFactor(s, fmt.Sprintf("Σ over %s (axis %d) of %s", what, axis, y.dZ), fmt.Sprintf("np.sum(%s, axis=%d%s)", y.dZ, axis, kd), perM)
}

// update is param = param − lr · grad, or param + lr · grad when the
// gradients are negated (a consistent convention: it still descends).
func (p *Program) update(param, grad string) Statement {
	lr := p.Config.LR
	if p.Config.Negated {
		return Statement{Name: param, Phase: Update, Inputs: []string{param, grad},
			Formula: fmt.Sprintf("%s = %s + lr · %s", param, param, grad),
			NumPy:   fmt.Sprintf("%s = %s + lr * %s", param, param, grad),
			Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
				return tp.AddScaled(v.Get(param), tracer.Scalar(lr).Named("lr"), v.Get(grad))
			}}
	}
	return Statement{Name: param, Phase: Update, Inputs: []string{param, grad},
		Formula: fmt.Sprintf("%s = %s − lr · %s", param, param, grad),
		NumPy:   fmt.Sprintf("%s = %s - lr * %s", param, param, grad),
		Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
			return tp.SubScaled(v.Get(param), tracer.Scalar(lr).Named("lr"), v.Get(grad))
		}}
}

// scoresByThreshold reports whether accuracy counts outputs on the
// labelled side of 0.5 (one sigmoid unit, or multi-label sigmoid outputs
// with binary cross-entropy) rather than the argmax over the units.
func (c Config) scoresByThreshold() bool {
	return c.OutputAct() == Sigmoid && (c.Classes == 1 || c.LossKind() == BinaryCrossEntropy)
}

// accuracy is the share of samples classified right: the argmax over the
// classes for a softmax (or several sigmoid units scored as classes), a
// threshold of 0.5 for one sigmoid unit or multi-label sigmoid outputs.
// Regression outputs have no accuracy (ok is false).
func (p *Program) accuracy() (Statement, bool) {
	cfg := p.Config
	A := p.layer(cfg.Layers()).A
	ax := p.unitAxis()
	switch {
	case cfg.scoresByThreshold():
		half := tracer.Scalar(0.5).Named("0.5")
		return Statement{Name: "acc", Phase: Metric, Inputs: []string{A, "Y"},
			Formula: fmt.Sprintf("acc = mean((%s > 0.5) == Y)", A),
			NumPy:   fmt.Sprintf("acc = np.mean((%s > 0.5) == Y)", A),
			Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
				return tp.Mean(tp.Equal(tp.Greater(v.Get(A), half), v.Get("Y")), tracer.AllAxes, false)
			}}, true
	case cfg.OutputAct() == Softmax || cfg.OutputAct() == Sigmoid && cfg.Classes > 1:
		return Statement{Name: "acc", Phase: Metric, Inputs: []string{A, "Y"},
			Formula: fmt.Sprintf("acc = mean(argmax(%s, axis %d) == argmax(Y, axis %d))", A, ax, ax),
			NumPy:   fmt.Sprintf("acc = np.mean(np.argmax(%s, axis=%d) == np.argmax(Y, axis=%d))", A, ax, ax),
			Eval: func(tp *tracer.Tape, v Vars) *tracer.Array {
				return tp.Mean(tp.Equal(tp.Argmax(v.Get(A), ax, false), tp.Argmax(v.Get("Y"), ax, false)), tracer.AllAxes, false)
			}}, true
	}
	return Statement{}, false
}
