package lessons

import (
	"fmt"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// The learning rates and initial scales of the setting bugs. They were
// measured on this network (784-60-10 tanh, full batch): see each lesson.
const (
	highLR   = 3     // ten times the question's: faster at first, then the loss jumps
	lowLR    = 0.003 // a hundredth of 0.3: the loss barely moves
	bigScale = 1.0   // np.random.randn(784, 60) with no scale factor
)

// The layout's axes: samples are axis 0 in rows (X is N × 784), axis 1 in
// cols (X is 784 × N).
func sampleAxis(p *net.Program) int {
	if p.Config.Layout == net.Cols {
		return 1
	}
	return 0
}

func unitAxis(p *net.Program) int { return 1 - sampleAxis(p) }

// squareW2 reports whether W2 is square (as many units in layer 2 as in
// layer 1), so that dZ2 · W2 runs without its transpose.
func squareW2(cfg net.Config) bool {
	s := cfg.Sizes()
	return len(s) > 2 && s[1] == s[2]
}

// registerBugs fills the catalog.
func registerBugs() {
	register(&Bug{ID: "wrong-m", Title: "m counts features instead of samples",
		Symptom: "every gradient ×samples/features (12.76 for 10,000 images of 784 pixels)",
		Patch: func(p *net.Program) {
			p.Replace("wrong-m", p.CountAlong(unitAxis(p)))
		}})
	register(&Bug{ID: "softmax-axis", Title: "softmax normalised over the samples",
		Symptom: "loss at init ≈ ln(samples), not ln 10; each class sums to 1, not a row",
		Patch: func(p *net.Program) {
			p.Replace("softmax-axis", p.Softmax(p.Config.Layers(), sampleAxis(p)))
		}})
	register(&Bug{ID: "bias-axis", Title: "bias gradients summed over the units instead of the samples",
		Symptom: "no error, but b1 and b2 become samples × units after the first update",
		Patch: func(p *net.Program) {
			for l := 1; l <= p.Config.Layers(); l++ {
				p.Replace("bias-axis", p.BiasGrad(l, unitAxis(p), true))
			}
		}})
	register(&Bug{ID: "sign-flip", Title: "output error written as Y − A instead of A − Y",
		Symptom: "gradient ascent: the loss rises, accuracy falls below chance, a class wins",
		Patch:   signFlip})
	register(&Bug{ID: "bias-axis-nokeepdims", Title: "bias gradients summed over the units, without keepdims",
		Symptom: "the first bias update raises ValueError: operands could not be broadcast",
		Patch: func(p *net.Program) {
			for l := 1; l <= p.Config.Layers(); l++ {
				p.Replace("bias-axis-nokeepdims", p.BiasGrad(l, unitAxis(p), false))
			}
		}})
	register(&Bug{ID: "no-transpose", Title: "W2 not transposed when the error is sent back",
		Symptom:  "ValueError: shapes not aligned in dZ1 = np.dot(dZ2, W2)",
		Requires: func(cfg net.Config) bool { return !squareW2(cfg) },
		Patch:    func(p *net.Program) { p.Replace("no-transpose", hiddenDelta(p, 1, false, true)) }})
	register(&Bug{ID: "no-transpose-square", Title: "W2 not transposed, and square, so nothing complains",
		Symptom:  "10 hidden units make W2 square: it runs, wrong; only gradcheck sees it",
		Setting:  func(cfg *net.Config) { cfg.Hidden = []int{cfg.Classes} },
		Requires: squareW2,
		Patch:    func(p *net.Program) { p.Replace("no-transpose-square", hiddenDelta(p, 1, false, true)) }})
	register(&Bug{ID: "missing-act-grad", Title: "the activation's derivative left out of a delta",
		Symptom: "learns almost normally at small weights, yet dW1 and db1 fail gradcheck",
		Patch:   missingActGrad})
	register(&Bug{ID: "naive-tanh", Title: "tanh written out with np.exp",
		Symptom: "exp overflows above 709.78: Inf/Inf = NaN, and argmax of NaN says class 0",
		Setting: func(cfg *net.Config) { cfg.Act = net.Tanh },
		Patch: func(p *net.Program) {
			for l := 1; l < p.Config.Layers(); l++ {
				p.Replace("naive-tanh", naiveTanh(l))
			}
		}})
	register(&Bug{ID: "log-zero", Title: "cross-entropy takes log(0)",
		Symptom: "a saturated softmax gives A2 = 0: the loss is NaN, the gradient is finite",
		Patch:   func(p *net.Program) { p.Replace("log-zero", unguardedLoss(p)) }})
	register(&Bug{ID: "no-normalize", Title: "raw 0–255 pixels fed to the network",
		Symptom: "pre-activations ×255: tanh saturates and the first update is huge",
		Data:    rawPixels})
	register(&Bug{ID: "big-init", Title: "weights drawn from randn with no scale",
		Symptom:   "|Z1| ≫ 1 at the start: tanh saturates, the loss at init is far above ln 10",
		Configure: func(cfg *net.Config) { cfg.InitScale = bigScale },
		Start: func(params net.Vars) (net.Vars, string) {
			k := bigScale / net.DefaultConfig().InitScale
			return scaleWeights(params, k), fmt.Sprintf("%s × %g (the × %g left out)", weightNames(params), k, net.DefaultConfig().InitScale)
		}})
	register(&Bug{ID: "zero-init", Title: "weights initialised to zero",
		Symptom:   "every hidden unit computes the same forever; only the output bias learns",
		Configure: func(cfg *net.Config) { cfg.InitScale = 0 },
		Start: func(params net.Vars) (net.Vars, string) {
			return scaleWeights(params, 0), weightNames(params) + " set to zeros"
		}})
	register(&Bug{ID: "lr-too-high", Title: fmt.Sprintf("learning rate %g", float64(highLR)),
		Symptom:   "the loss jumps instead of falling; accuracy swings or collapses",
		Configure: func(cfg *net.Config) { cfg.LR = highLR }})
	register(&Bug{ID: "lr-too-low", Title: fmt.Sprintf("learning rate %g", lowLR),
		Symptom:   "the loss barely moves from ln 10; the network seems not to learn",
		Configure: func(cfg *net.Config) { cfg.LR = lowLR }})
	register(&Bug{ID: "labels-not-onehot", Title: "class numbers used where one-hot labels belong",
		Symptom: "A2 − y broadcasts (N,10) against (N,1) silently; accuracy near chance",
		Patch:   integerLabels})
	register(&Bug{ID: "accuracy-loop", Title: "accuracy loop runs over range(Y.shape[1])",
		Symptom: "only the first 10 samples are scored, divided by all of them: at most 10/N",
		Patch:   func(p *net.Program) { metric(p, "accuracy-loop", true, true) }})
	register(&Bug{ID: "counter-not-reset", Title: "correct-answer counter never reset",
		Symptom: "reported accuracy adds up across epochs and passes 100 %",
		Patch:   func(p *net.Program) { metric(p, "counter-not-reset", false, false) }})
	register(&Bug{ID: "seed-original", Title: "the question's code as written: five bugs at once",
		Symptom: "reports 1–2 %; the true accuracy peaks far higher, then one class wins",
		Parts:   []string{"softmax-axis", "wrong-m", "bias-axis", "accuracy-loop", "counter-not-reset"},
		// As the question wrote it, besides the five bugs: tanh from
		// np.exp and float32 pixels.
		Setting: func(cfg *net.Config) { cfg.Act = net.Tanh },
		Data:    float32Pixels,
		Patch: func(p *net.Program) {
			for l := 1; l < p.Config.Layers(); l++ {
				p.Replace("seed-original", naiveTanh(l))
			}
			p.Replace("seed-original", p.Softmax(p.Config.Layers(), sampleAxis(p)))
			p.Replace("seed-original", p.CountAlong(unitAxis(p)))
			for l := 1; l <= p.Config.Layers(); l++ {
				p.Replace("seed-original", p.BiasGrad(l, unitAxis(p), true))
			}
			metric(p, "seed-original", true, false)
		}})
}

// scaleWeights returns params with every weight matrix multiplied by k
// (0 makes them zeros, not −0); the biases are kept.
func scaleWeights(params net.Vars, k float64) net.Vars {
	out := net.Vars{}
	for name, a := range params {
		if !strings.HasPrefix(name, "W") {
			out[name] = a
			continue
		}
		x := make([]float64, a.Size())
		if k != 0 {
			for i, w := range a.Data() {
				x[i] = w * k
			}
		}
		out[name] = tracer.New(a.Shape(), x).WithLabels(a.Labels()...)
	}
	return out
}

// weightNames lists the weight matrices of params: "W1 and W2".
func weightNames(params net.Vars) string {
	var names []string
	for l := 1; params[fmt.Sprintf("W%d", l)] != nil; l++ {
		names = append(names, fmt.Sprintf("W%d", l))
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// derivative writes f′ of hidden layer l as NumPy text, as the reference
// step writes it.
func derivative(act net.Activation, l int) string {
	switch act {
	case net.Sigmoid:
		return fmt.Sprintf("A%d * (1 - A%d)", l, l)
	case net.ReLU:
		return fmt.Sprintf("(Z%d > 0)", l)
	}
	return fmt.Sprintf("(1 - A%d**2)", l)
}

// hiddenDelta is dZl sent back from layer l+1, optionally without the
// activation's derivative (missing-act-grad) or without transposing
// W(l+1) (no-transpose).
func hiddenDelta(p *net.Program, l int, noDerivative, noTranspose bool) net.Statement {
	rows, act := p.Config.Layout == net.Rows, p.Config.ActOf(l)
	dZ, next, W := fmt.Sprintf("dZ%d", l), fmt.Sprintf("dZ%d", l+1), fmt.Sprintf("W%d", l+1)
	var py, formula string
	switch {
	case rows && noTranspose:
		py, formula = fmt.Sprintf("np.dot(%s, %s)", next, W), fmt.Sprintf("%s · %s", next, W)
	case rows:
		py, formula = fmt.Sprintf("np.dot(%s, %s.T)", next, W), fmt.Sprintf("%s · %sᵀ", next, W)
	case noTranspose:
		py, formula = fmt.Sprintf("np.dot(%s, %s)", W, next), fmt.Sprintf("%s · %s", W, next)
	default:
		py, formula = fmt.Sprintf("np.dot(%s.T, %s)", W, next), fmt.Sprintf("%sᵀ · %s", W, next)
	}
	s := net.Statement{Name: dZ, Phase: net.Backward, Inputs: []string{next, W}}
	if noDerivative {
		s.Formula = fmt.Sprintf("%s = %s", dZ, formula)
		s.NumPy = fmt.Sprintf("%s = %s", dZ, py)
	} else {
		d := derivative(act, l)
		s.Formula = fmt.Sprintf("%s = (%s) ∘ f′(Z%d)", dZ, formula, l)
		s.NumPy = fmt.Sprintf("%s = %s * %s", dZ, py, d)
		if act == net.ReLU {
			s.Inputs = append(s.Inputs, fmt.Sprintf("Z%d", l))
		} else {
			s.Inputs = append(s.Inputs, fmt.Sprintf("A%d", l))
		}
	}
	s.Eval = func(tp *tracer.Tape, v net.Vars) *tracer.Array {
		w := v.Get(W)
		if !noTranspose {
			w = tp.T(w)
		}
		var d *tracer.Array
		if rows {
			d = tp.Dot(v.Get(next), w)
		} else {
			d = tp.Dot(w, v.Get(next))
		}
		if noDerivative {
			return d
		}
		return tp.Mul(d, net.ActivationGrad(tp, act, v, l))
	}
	return s
}

// naiveTanh is tanh written from its definition: exp overflows to +Inf
// above 709.78, and Inf/Inf is NaN.
func naiveTanh(l int) net.Statement {
	A, Z := fmt.Sprintf("A%d", l), fmt.Sprintf("Z%d", l)
	return net.Statement{Name: A, Phase: net.Forward, Inputs: []string{Z},
		Formula: fmt.Sprintf("%s = (e^%s − e^−%s) / (e^%s + e^−%s)", A, Z, Z, Z, Z),
		NumPy:   fmt.Sprintf("%s = (np.exp(%s) - np.exp(-%s)) / (np.exp(%s) + np.exp(-%s))", A, Z, Z, Z, Z),
		Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			z := v.Get(Z)
			ep, en := tp.Exp(z), tp.Exp(tp.Neg(z))
			return tp.Div(tp.Sub(ep, en), tp.Add(ep, en))
		}}
}

// logFloor is the smallest probability the guarded loss takes the log of
// (a common choice; anything far below 1/N·K works).
const logFloor = 1e-12

// unguardedLoss is the cross-entropy as the reference writes it, marked as
// the bug: nothing keeps log away from 0.
func unguardedLoss(p *net.Program) net.Statement {
	s, _ := p.Statement("loss")
	return s
}

// GuardedLoss is the cross-entropy with the probabilities floored at 1e-12
// before the log: the fix for log-zero.
func GuardedLoss(p *net.Program) net.Statement {
	A := fmt.Sprintf("A%d", p.Config.Layers())
	return net.Statement{Name: "loss", Phase: net.Loss, Inputs: []string{"Y", A, "m"},
		Formula: fmt.Sprintf("loss = −(1/m) · Σ Y ∘ log(max(%s, 1e-12))", A),
		NumPy:   fmt.Sprintf("loss = -np.sum(Y * np.log(np.maximum(%s, 1e-12))) / m", A),
		Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			a := tp.Maximum(v.Get(A), tracer.Scalar(logFloor).Named("1e-12"))
			s := tp.Sum(tp.Mul(v.Get("Y"), tp.Log(a)), tracer.AllAxes, false)
			return tp.Neg(tp.Div(s, v.Get("m")))
		}}
}

// rawPixels undoes the /255 scaling the loader applies: (p / 255) · 255
// is p exactly in float64 for every byte p (a test checks).
func rawPixels(d *net.Dataset) *net.Dataset {
	return mapPixels(d, func(x float64) float64 { return x * 255 }, "raw 0–255 pixels")
}

// float32Pixels rounds every pixel to float32, as the question's
// images.astype('float32') / 255 does; its products with the float64
// weights are float64 again (NumPy upcasts), so this rounding is the only
// difference.
func float32Pixels(d *net.Dataset) *net.Dataset {
	// x is p / 255 in float64; rounding it to float32 gives p / 255
	// divided in float32, for all 256 values of p (a test checks).
	return mapPixels(d, func(x float64) float64 { return float64(float32(x)) }, "float32 pixels")
}

// mapPixels returns d with f applied to every pixel, and d left alone.
func mapPixels(d *net.Dataset, f func(float64) float64, note string) *net.Dataset {
	src := d.Images.Data()
	px := make([]float64, len(src))
	for i, x := range src {
		px[i] = f(x)
	}
	out := *d
	out.Images = tracer.Matrix(d.Images.Shape()[0], d.Images.Shape()[1], px)
	out.Source = d.Source + ", " + note
	return &out
}

// integerLabels makes the loss, the output error and the accuracy read
// the class numbers as a column (N × 1 in rows, 1 × N in cols) instead of
// the one-hot Y: the program the lesson prints, Y = labels.reshape(-1, 1)
// and the reference lines after it. The column is bound as y so that Y
// stays one-hot for what backstep recomputes (the true accuracy).
func integerLabels(p *net.Program) {
	L := p.Config.Layers()
	A, dZ := fmt.Sprintf("A%d", L), fmt.Sprintf("dZ%d", L)
	ua := unitAxis(p)
	shape := "(N, 1)"
	reshape := "labels.reshape(-1, 1)"
	if p.Config.Layout == net.Cols {
		shape, reshape = "(1, N)", "labels.reshape(1, -1)"
	}
	y := net.Statement{Name: "y", Phase: net.Forward, Inputs: []string{"Y"}, Bug: "labels-not-onehot",
		Formula: fmt.Sprintf("y = the class numbers 0–9 as a %s array, not one-hot", shape),
		NumPy:   fmt.Sprintf("y = %s", reshape),
		Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			return tp.Argmax(v.Get("Y"), ua, true)
		}}
	p.Statements = append([]net.Statement{y}, p.Statements...)
	p.Replace("labels-not-onehot", net.Statement{Name: "loss", Phase: net.Loss, Inputs: []string{"y", A, "m"},
		Formula: fmt.Sprintf("loss = −(1/m) · Σ y ∘ log(%s)", A),
		NumPy:   fmt.Sprintf("loss = -np.sum(y * np.log(%s)) / m", A),
		Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			s := tp.Sum(tp.Mul(v.Get("y"), tp.Log(v.Get(A))), tracer.AllAxes, false)
			return tp.Neg(tp.Div(s, v.Get("m")))
		}})
	p.Replace("labels-not-onehot", net.Statement{Name: dZ, Phase: net.Backward, Inputs: []string{A, "y"},
		Formula: fmt.Sprintf("%s = %s − y", dZ, A),
		NumPy:   fmt.Sprintf("%s = %s - y", dZ, A),
		Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			return tp.Sub(v.Get(A), v.Get("y"))
		}})
	// argmax over the classes' axis of a column of class numbers is 0 for
	// every sample: the accuracy counts the predictions of class 0.
	p.Replace("labels-not-onehot", net.Statement{Name: "acc", Phase: net.Metric, Inputs: []string{A, "y"},
		Formula: fmt.Sprintf("acc = mean(argmax(%s, axis %d) == argmax(y, axis %d))", A, ua, ua),
		NumPy:   fmt.Sprintf("acc = np.mean(np.argmax(%s, axis=%d) == np.argmax(y, axis=%d))", A, ua, ua),
		Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			return tp.Mean(tp.Equal(tp.Argmax(v.Get(A), ua, false), tp.Argmax(v.Get("y"), ua, false)), tracer.AllAxes, false)
		}})
}

// firstSamples returns the first k samples of a (rows or columns,
// depending on the layout), as the question's `A2[i] for i in range(k)`.
func firstSamples(a *tracer.Array, k, sampleAxis int) *tracer.Array {
	sh := a.Shape()
	k = min(k, sh[sampleAxis])
	if sampleAxis == 0 {
		out := make([]float64, 0, k*sh[1])
		for i := 0; i < k; i++ {
			for j := 0; j < sh[1]; j++ {
				out = append(out, a.At(i, j))
			}
		}
		return tracer.Matrix(k, sh[1], out)
	}
	out := make([]float64, 0, k*sh[0])
	for i := 0; i < sh[0]; i++ {
		for j := 0; j < k; j++ {
			out = append(out, a.At(i, j))
		}
	}
	return tracer.Matrix(sh[0], k, out)
}

// metric replaces the accuracy statement. loop scores only the first
// Y.shape[classes] samples (the question's `for i in range(Y.shape[1])`);
// reset false carries the counter over from one iteration to the next
// (`correct = 0` written once, before the epoch loop).
func metric(p *net.Program, bug string, loop, reset bool) {
	L := p.Config.Layers()
	A := fmt.Sprintf("A%d", L)
	sa, ua := sampleAxis(p), unitAxis(p)
	rows := p.Config.Layout == net.Rows
	// hits counts the correctly classified samples the loop visits.
	hits := func(tp *tracer.Tape, v net.Vars) *tracer.Array {
		a, y := v.Get(A), v.Get("Y")
		if loop {
			k := y.Shape()[ua]
			a = firstSamples(a, k, sa).Named(fmt.Sprintf("%s[:%d]", A, k))
			y = firstSamples(y, k, sa).Named(fmt.Sprintf("Y[:%d]", k))
		}
		return tp.Sum(tp.Equal(tp.Argmax(a, ua, false), tp.Argmax(y, ua, false)), tracer.AllAxes, false)
	}
	var count, countFormula string
	switch {
	case loop && rows:
		count = "sum(np.argmax(A%[1]d[i]) == np.argmax(Y[i]) for i in range(Y.shape[1]))"
		countFormula = "#{i < Y.shape[1] : argmax A%[1]d[i] = argmax Y[i]}"
	case loop:
		count = "sum(np.argmax(A%[1]d[:, i]) == np.argmax(Y[:, i]) for i in range(Y.shape[0]))"
		countFormula = "#{i < Y.shape[0] : argmax A%[1]d[:, i] = argmax Y[:, i]}"
	default:
		count = fmt.Sprintf("np.sum(np.argmax(A%%[1]d, axis=%d) == np.argmax(Y, axis=%d))", ua, ua)
		countFormula = "#{i : argmax A%[1]d[i] = argmax Y[i]}"
	}
	count, countFormula = fmt.Sprintf(count, L), fmt.Sprintf(countFormula, L)
	n := fmt.Sprintf("Y.shape[%d]", sa)
	if reset {
		p.Replace(bug, net.Statement{Name: "acc", Phase: net.Metric, Inputs: []string{A, "Y"},
			Formula: fmt.Sprintf("acc = %s / %s", countFormula, n),
			NumPy:   fmt.Sprintf("acc = %s / %s", count, n),
			Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
				return tp.Div(hits(tp, v), tp.Dim(v.Get("Y"), sa))
			}})
		return
	}
	counter := net.Statement{Name: "correct", Phase: net.Metric, Inputs: []string{A, "Y"}, Bug: bug,
		Formula: fmt.Sprintf("correct = correct + %s (carried over from the last iteration, 0 before the first)", countFormula),
		NumPy:   fmt.Sprintf("correct += %s  # correct = 0 only once, before the epoch loop", count),
		Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			prev, ok := v["correct"]
			if !ok {
				prev = tracer.Scalar(0)
			}
			return tp.Add(prev.Named("correct"), hits(tp, v))
		}}
	i := p.Index("acc")
	p.Statements = append(p.Statements[:i], append([]net.Statement{counter}, p.Statements[i:]...)...)
	p.Persistent = append(p.Persistent, "correct")
	p.Replace(bug, net.Statement{Name: "acc", Phase: net.Metric, Inputs: []string{"correct", "Y"},
		Formula: fmt.Sprintf("acc = correct / %s", n),
		NumPy:   fmt.Sprintf("acc = correct / %s", n),
		Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
			return tp.Div(v.Get("correct"), tp.Dim(v.Get("Y"), sa))
		}})
}

// signFlip writes the output delta with the opposite sign: Y − A_L where
// the network's delta is A_L − Y (softmax or sigmoid with cross-entropy,
// a linear output with ½ squared error), and −(its delta) in every other
// family (a squared error through σ′ or tanh′, a factor or 1/m in dZ_L, a
// negated convention), so that the bug is the flip alone and never also
// drops the output's derivative.
func signFlip(p *net.Program) {
	cfg := p.Config
	L := cfg.Layers()
	A, dZ := fmt.Sprintf("A%d", L), fmt.Sprintf("dZ%d", L)
	right, ok := p.Statement(dZ)
	if !ok {
		return
	}
	if right.NumPy == fmt.Sprintf("%s = %s - Y", dZ, A) {
		p.Replace("sign-flip", net.Statement{Name: dZ, Phase: net.Backward, Inputs: []string{"Y", A},
			Formula: fmt.Sprintf("%s = Y − %s", dZ, A),
			NumPy:   fmt.Sprintf("%s = Y - %s", dZ, A),
			Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
				return tp.Sub(v.Get("Y"), v.Get(A))
			}})
		return
	}
	body := strings.TrimPrefix(right.NumPy, dZ+" = ")
	flipped := right
	flipped.Formula = fmt.Sprintf("%s = −(%s)", dZ, strings.TrimPrefix(right.Formula, dZ+" = "))
	flipped.NumPy = fmt.Sprintf("%s = -(%s)", dZ, body)
	flipped.Eval = func(tp *tracer.Tape, v net.Vars) *tracer.Array { return tp.Neg(right.Eval(tp, v)) }
	p.Replace("sign-flip", flipped)
}
