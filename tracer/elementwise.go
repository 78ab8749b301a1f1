package tracer

import (
	"math"
	"sync/atomic"
)

// binaryOp names an elementwise operation of two operands. Kernels switch
// on it once per row rather than calling a function per element.
type binaryOp int

const (
	opAdd binaryOp = iota
	opSub
	opMul
	opDiv
	opPow
	opMaximum
	opEqual
	opGreater
)

var binaryNames = [...]string{"add", "subtract", "multiply", "divide", "power", "maximum", "equal", "greater"}

// infix is how a result's name writes the operation, e.g. "X·W1 + b1".
var binaryInfix = [...]string{" + ", " − ", " * ", " / ", "**", "", " == ", " > "}

// Add returns a + b with NumPy broadcasting.
func (t *Tape) Add(a, b *Array) *Array { return t.binary(opAdd, a, b) }

// Sub returns a − b with NumPy broadcasting.
func (t *Tape) Sub(a, b *Array) *Array { return t.binary(opSub, a, b) }

// Mul returns the elementwise product a * b with NumPy broadcasting.
func (t *Tape) Mul(a, b *Array) *Array { return t.binary(opMul, a, b) }

// Div returns a / b with NumPy broadcasting (x/0 is ±Inf or NaN, as in NumPy).
func (t *Tape) Div(a, b *Array) *Array { return t.binary(opDiv, a, b) }

// Pow returns a ** b with NumPy broadcasting.
func (t *Tape) Pow(a, b *Array) *Array { return t.binary(opPow, a, b) }

// Maximum returns the elementwise larger of a and b; NaN wins, as in NumPy.
func (t *Tape) Maximum(a, b *Array) *Array { return t.binary(opMaximum, a, b) }

// Equal returns 1 where a == b and 0 elsewhere.
func (t *Tape) Equal(a, b *Array) *Array { return t.binary(opEqual, a, b) }

// Greater returns 1 where a > b and 0 elsewhere.
func (t *Tape) Greater(a, b *Array) *Array { return t.binary(opGreater, a, b) }

func (t *Tape) binary(op binaryOp, a, b *Array) *Array {
	shape, ok := broadcastShapes(a.shape, b.shape)
	if !ok {
		panic(shapeErrorf(binaryNames[op], "operands could not be broadcast together with shapes %v %v", a.shape, b.shape))
	}
	ca, cb := a.contiguous(), b.contiguous()
	defer releaseCopy(ca, a)
	defer releaseCopy(cb, b)
	a, b = ca, cb
	out := newResult(shape, broadcastLabels(shape, a, b))
	if op == opMaximum {
		out.name = "maximum(" + a.name + ", " + b.name + ")"
	} else {
		out.name = a.name + binaryInfix[op] + b.name
	}
	broadcastApply(t, op, out, a, b)
	t.record(binaryNames[op], out, nil, false, false, true, a, b)
	return out
}

// view2 describes how an operand of rank ≤ 2 is read when broadcast to an
// r×c result: element (i, j) is data[i*rs + j*cs].
type view2 struct {
	data   []float64
	rs, cs int
}

func as2(a *Array, r, c int) view2 {
	var rows, cols int
	switch len(a.shape) {
	case 0:
		rows, cols = 1, 1
	case 1:
		rows, cols = 1, a.shape[0]
	default:
		rows, cols = a.shape[0], a.shape[1]
	}
	v := view2{data: a.data}
	if rows == r && r != 1 {
		v.rs = cols
	}
	if cols == c && c != 1 {
		v.cs = 1
	}
	return v
}

func broadcastApply(t *Tape, op binaryOp, out, a, b *Array) {
	r, c := 1, 1
	switch len(out.shape) {
	case 1:
		c = out.shape[0]
	case 2:
		r, c = out.shape[0], out.shape[1]
	}
	switch n := len(out.data); {
	case len(a.data) == n && len(b.data) == n:
		t.produce(out, parallelMin, func(lo, hi int) {
			kernelVV(op, out.data[lo:hi], a.data[lo:hi], b.data[lo:hi])
		})
		return
	case len(a.data) == n && len(b.data) == 1: // array and single value
		t.produce(out, parallelMin, func(lo, hi int) {
			kernelVS(op, out.data[lo:hi], a.data[lo:hi], b.data[0])
		})
		return
	case len(a.data) == 1 && len(b.data) == n:
		t.produce(out, parallelMin, func(lo, hi int) {
			kernelSV(op, out.data[lo:hi], a.data[0], b.data[lo:hi])
		})
		return
	}
	// Broadcast along rows or columns: fill any range of the result, row
	// piece by row piece.
	va, vb := as2(a, r, c), as2(b, r, c)
	t.produce(out, parallelMin, func(lo, hi int) {
		for i := lo / c; i*c < hi; i++ {
			j0, j1 := max(lo-i*c, 0), min(hi-i*c, c)
			o := out.data[i*c+j0 : i*c+j1]
			ao, bo := i*va.rs, i*vb.rs
			switch {
			case va.cs == 1 && vb.cs == 1:
				kernelVV(op, o, va.data[ao+j0:ao+j1], vb.data[bo+j0:bo+j1])
			case va.cs == 1:
				kernelVS(op, o, va.data[ao+j0:ao+j1], vb.data[bo])
			case vb.cs == 1:
				kernelSV(op, o, va.data[ao], vb.data[bo+j0:bo+j1])
			default:
				v := apply(op, va.data[ao], vb.data[bo])
				for j := range o {
					o[j] = v
				}
			}
		}
	})
}

// releaseCopy hands back c, a copy contiguous made of a, after its use.
func releaseCopy(c, a *Array) {
	if c != a {
		release(c.data)
	}
}

func apply(op binaryOp, x, y float64) float64 {
	switch op {
	case opAdd:
		return x + y
	case opSub:
		return x - y
	case opMul:
		return x * y
	case opDiv:
		return x / y
	case opPow:
		return pow(x, y)
	case opMaximum:
		return maximum(x, y)
	case opEqual:
		return bool01(x == y)
	default:
		return bool01(x > y)
	}
}

func kernelVV(op binaryOp, o, x, y []float64) {
	x, y = x[:len(o)], y[:len(o)]
	n := arithVV(op, o, x, y)
	o, x, y = o[n:], x[n:], y[n:]
	switch op {
	case opAdd:
		for i := range o {
			o[i] = x[i] + y[i]
		}
	case opSub:
		for i := range o {
			o[i] = x[i] - y[i]
		}
	case opMul:
		for i := range o {
			o[i] = x[i] * y[i]
		}
	case opDiv:
		for i := range o {
			o[i] = x[i] / y[i]
		}
	default:
		for i := range o {
			o[i] = apply(op, x[i], y[i])
		}
	}
}

func kernelVS(op binaryOp, o, x []float64, y float64) {
	x = x[:len(o)]
	if op == opPow && y == 2 {
		kernelVV(opMul, o, x, x)
		return
	}
	if op == opDiv && exactReciprocal(y) {
		// x/y and x·(1/y) are then the same real number, so they round
		// to the same bits; a division costs five times a multiplication
		// (dW1/m over a mini-batch of 64 spent 8 % of an epoch dividing).
		op, y = opMul, 1/y
	}
	n := arithVS(op, o, x, y)
	o, x = o[n:], x[n:]
	switch op {
	case opAdd:
		for i := range o {
			o[i] = x[i] + y
		}
	case opSub:
		for i := range o {
			o[i] = x[i] - y
		}
	case opMul:
		for i := range o {
			o[i] = x[i] * y
		}
	case opDiv:
		for i := range o {
			o[i] = x[i] / y
		}
	case opPow:
		if y == 2 {
			for i := range o {
				o[i] = x[i] * x[i]
			}
			return
		}
		fallthrough
	default:
		for i := range o {
			o[i] = apply(op, x[i], y)
		}
	}
}

func kernelSV(op binaryOp, o []float64, x float64, y []float64) {
	y = y[:len(o)]
	n := arithSV(op, o, x, y)
	o, y = o[n:], y[n:]
	switch op {
	case opAdd:
		for i := range o {
			o[i] = x + y[i]
		}
	case opSub:
		for i := range o {
			o[i] = x - y[i]
		}
	case opMul:
		for i := range o {
			o[i] = x * y[i]
		}
	default:
		for i := range o {
			o[i] = apply(op, x, y[i])
		}
	}
}

// exactReciprocal reports whether 1/y is exact and a normal number: y is
// a power of two (m = 64 or 128 samples) whose reciprocal is neither
// subnormal nor infinite.
func exactReciprocal(y float64) bool {
	frac, e := math.Frexp(y)
	return (frac == 0.5 || frac == -0.5) && e >= -1020 && e <= 1022
}

// pow follows NumPy where Go's math.Pow differs: NumPy's float power is C's
// pow, and the two agree on every case the fixtures pin.
func pow(x, y float64) float64 {
	if y == 2 {
		return x * x
	}
	return math.Pow(x, y)
}

func maximum(x, y float64) float64 {
	switch {
	case x != x:
		return x
	case y != y:
		return y
	case x >= y:
		return x
	default:
		return y
	}
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// broadcastLabels takes each result axis's label from an operand that was
// not stretched along it, preferring the first operand.
func broadcastLabels(out Shape, ops ...*Array) [2]string {
	var labels [2]string
	for i := range out {
		for _, a := range ops {
			off := len(out) - len(a.shape)
			if i < off {
				continue
			}
			if a.shape[i-off] == out[i] && a.labels[i-off] != "" {
				labels[i] = a.labels[i-off]
				break
			}
		}
	}
	return labels
}

// unaryOp names an elementwise function of one operand.
type unaryOp int

const (
	opExp unaryOp = iota
	opLog
	opTanh
	opSigmoid
	opNeg
	opSqrt
	opAbs
)

var unaryNames = [...]string{"exp", "log", "tanh", "sigmoid", "negative", "sqrt", "abs"}

// Exp returns e**a elementwise; it overflows to +Inf above 709.78, as NumPy does.
func (t *Tape) Exp(a *Array) *Array { return t.unary(opExp, a) }

// Log returns the natural logarithm elementwise (log 0 = −Inf, log of a
// negative number = NaN).
func (t *Tape) Log(a *Array) *Array { return t.unary(opLog, a) }

// Tanh returns the hyperbolic tangent elementwise (NumPy's np.tanh, which
// never overflows).
func (t *Tape) Tanh(a *Array) *Array { return t.unary(opTanh, a) }

// Sigmoid returns 1/(1+exp(−a)) elementwise.
func (t *Tape) Sigmoid(a *Array) *Array { return t.unary(opSigmoid, a) }

// Neg returns −a.
func (t *Tape) Neg(a *Array) *Array { return t.unary(opNeg, a) }

// Sqrt returns the square root elementwise.
func (t *Tape) Sqrt(a *Array) *Array { return t.unary(opSqrt, a) }

// Abs returns the absolute value elementwise.
func (t *Tape) Abs(a *Array) *Array { return t.unary(opAbs, a) }

func (t *Tape) unary(op unaryOp, a *Array) *Array {
	ca := a.contiguous()
	defer releaseCopy(ca, a)
	a = ca
	out := newResult(append(Shape(nil), a.shape...), a.labels)
	if op == opNeg {
		out.name = "−" + a.name
	} else {
		out.name = unaryNames[op] + "(" + a.name + ")"
	}
	// The transcendental functions cost tens of nanoseconds a value: worth
	// a goroutine from a few thousand values on.
	grain := parallelMin
	if op == opExp || op == opLog || op == opTanh || op == opSigmoid {
		grain = 1 << 11
	}
	t.produce(out, grain, func(lo, hi int) {
		unaryKernel(op, out.data[lo:hi], a.data[lo:hi])
	})
	t.record(unaryNames[op], out, nil, false, false, false, a)
	return out
}

func unaryKernel(op unaryOp, o, x []float64) {
	x = x[:len(o)]
	switch op {
	case opExp:
		expSlice(o, x)
	case opLog:
		logSlice(o, x)
		fixSubnormalLogs(o, x)
	case opTanh:
		tanhSlice(o, x)
	case opSigmoid:
		for i, v := range x {
			o[i] = -v
		}
		expSlice(o, o)
		for i, e := range o {
			o[i] = 1 / (1 + e)
		}
	case opNeg:
		for i, v := range x {
			o[i] = -v
		}
	case opSqrt:
		for i, v := range x {
			o[i] = math.Sqrt(v)
		}
	case opAbs:
		for i, v := range x {
			o[i] = math.Abs(v)
		}
	}
}

// fixSubnormalLogs corrects the log of subnormal inputs (below 2⁻¹⁰²²):
// Go's amd64 math.Log, and the kernel that copies its bits, give about
// −709.09 for every one of them, where NumPy gives log(5e-324) = −744.44.
// Scaled by 2⁵² they are normal, and the scale comes off exactly enough.
func fixSubnormalLogs(o, x []float64) {
	for i, v := range x[:len(o)] {
		if v > 0 && v < 0x1p-1022 {
			o[i] = math.Log(v*0x1p52) - 52*math.Ln2
		}
	}
}

// expOverflow is the largest x whose exp is finite in float64.
const expOverflow = 7.09782712893383973096e+02

// exp is math.Exp, except near the overflow threshold where Go's assembly
// version gives +Inf a little early (exp(709.78) is 1.79e308 in NumPy).
func exp(x float64) float64 {
	y := math.Exp(x)
	if y > math.MaxFloat64 && x <= expOverflow {
		return math.Exp(x-1) * math.E
	}
	return y
}

// SubScaled returns a − s·b for a single value s and arrays a and b of the
// same shape: the update W − lr·dW. It records what NumPy runs for
// W - lr * dW, a multiply and then a subtraction, and gives their bits;
// when nothing looks at s·b (a nil tape, or one with ValuesOnly) it makes
// one pass over the values instead of two, without storing s·b.
func (t *Tape) SubScaled(a, s, b *Array) *Array { return t.scaled(opSub, a, s, b) }

// AddScaled returns a + s·b as SubScaled returns a − s·b.
func (t *Tape) AddScaled(a, s, b *Array) *Array { return t.scaled(opAdd, a, s, b) }

func (t *Tape) scaled(op binaryOp, a, s, b *Array) *Array {
	if t != nil && !t.ValuesOnly || len(s.shape) != 0 || !a.shape.Equal(b.shape) || a.trans || b.trans {
		return t.binary(op, a, t.Mul(s, b))
	}
	out := newResult(append(Shape(nil), a.shape...), broadcastLabels(a.shape, a, b))
	out.name = a.name + binaryInfix[op] + s.name + binaryInfix[opMul] + b.name
	var bad atomic.Bool
	parallelRange(len(out.data), parallelMin, func(lo, hi int) {
		if !scaledSlice(out.data[lo:hi], a.data[lo:hi], b.data[lo:hi], s.data[0], op == opAdd) {
			bad.Store(true)
		}
	})
	// A sparse product with this array (W1 in X·W1) need not look for
	// NaN and ±Inf again.
	out.aux = &arrayAux{finite: !bad.Load()}
	t.record(binaryNames[op], out, nil, false, false, true, a, b)
	return out
}

// scaledSlice sets o[i] = x[i] − s·y[i] (x[i] + s·y[i] when add), the
// product rounded before the sum, and reports whether every o[i] is finite.
func scaledSlice(o, x, y []float64, s float64, add bool) bool {
	x, y = x[:len(o)], y[:len(o)]
	n, finite := scaledPrefix(o, x, y, s, add)
	var zero float64
	for i := n; i < len(o); i++ {
		p := float64(s * y[i]) // rounded: not fused with the sum
		if add {
			o[i] = x[i] + p
		} else {
			o[i] = x[i] - p
		}
		zero += o[i] * 0
	}
	return finite && zero == 0
}

// MulGreater returns a * (b > c) for arrays a and b of the same shape and
// a single value c: the gradient through a ReLU, dZ1 = (dZ2·W2ᵀ) ∘
// (Z1 > 0). It records what NumPy runs, greater and then multiply, and
// gives their bits; when nothing looks at the mask (a nil tape, or one
// with ValuesOnly) it makes one pass over the values, the mask of each
// stretch of 512 values staying in the L1 cache, instead of writing a
// mask as large as a and reading it back.
func (t *Tape) MulGreater(a, b, c *Array) *Array {
	if t != nil && !t.ValuesOnly || len(c.shape) != 0 || !a.shape.Equal(b.shape) || a.trans || b.trans {
		return t.Mul(a, t.Greater(b, c))
	}
	out := newResult(append(Shape(nil), a.shape...), broadcastLabels(a.shape, a, b))
	out.name = a.name + binaryInfix[opMul] + b.name + binaryInfix[opGreater] + c.name
	parallelRange(len(out.data), parallelMin, func(lo, hi int) {
		mask := alloc(512)
		defer release(mask)
		for i := lo; i < hi; i += len(mask) {
			j := min(i+len(mask), hi)
			m := mask[:j-i]
			kernelVS(opGreater, m, b.data[i:j], c.data[0])
			kernelVV(opMul, out.data[i:j], a.data[i:j], m)
		}
	})
	t.record(binaryNames[opMul], out, nil, false, false, true, a, b)
	return out
}

// MulOneMinusSquare returns d * (1 - a**2) for arrays d and a of the same
// shape: the gradient through tanh, dZ1 = (dZ2·W2ᵀ) ∘ (1 − A1²). It
// records what NumPy runs, power, subtract and multiply, and gives their
// bits, in one pass over the values, each stretch of 512 of them staying
// in the L1 cache from a**2 to the product. When nothing looks at a**2
// and 1 - a**2 (a nil tape, or one with ValuesOnly) it does not store
// them either (two arrays as large as A1: 1 GB at the peak of an epoch
// on 60,000 samples with 1024 hidden units).
func (t *Tape) MulOneMinusSquare(d, a *Array) *Array {
	one, two := Scalar(1).Named("1"), Scalar(2).Named("2")
	if !d.shape.Equal(a.shape) || d.trans || a.trans {
		return t.Mul(d, t.Sub(one, t.Pow(a, two)))
	}
	shape := append(Shape(nil), d.shape...)
	out := newResult(shape, broadcastLabels(shape, d, a))
	keep := t != nil && !t.ValuesOnly // the tape shows a**2 and 1 - a**2
	var sq, grad *Array
	if keep {
		sq = newResult(append(Shape(nil), shape...), broadcastLabels(shape, a, two))
		sq.name = a.name + binaryInfix[opPow] + two.name
		grad = newResult(append(Shape(nil), shape...), broadcastLabels(shape, one, sq))
		grad.name = one.name + binaryInfix[opSub] + sq.name
		out.labels = broadcastLabels(shape, d, grad)
		out.name = d.name + binaryInfix[opMul] + grad.name
	} else {
		out.name = d.name + binaryInfix[opMul] + one.name + binaryInfix[opSub] + a.name + binaryInfix[opPow] + two.name
	}
	fill := func(lo, hi int) {
		var g []float64
		if !keep {
			g = alloc(512)
			defer release(g)
		}
		for i := lo; i < hi; i += 512 {
			j := min(i+512, hi)
			s, e := g[:min(j-i, len(g))], g[:min(j-i, len(g))]
			if keep {
				s, e = sq.data[i:j], grad.data[i:j]
			}
			kernelVS(opPow, s, a.data[i:j], 2)
			kernelSV(opSub, e, 1, s)
			kernelVV(opMul, out.data[i:j], d.data[i:j], e)
		}
	}
	if !keep {
		parallelRange(len(out.data), parallelMin, fill)
		t.record(binaryNames[opMul], out, nil, false, false, true, d, a)
		return out
	}
	t.produceAll([]*Array{sq, grad, out}, parallelMin, fill)
	t.record(binaryNames[opPow], sq, nil, false, false, true, a, two)
	t.record(binaryNames[opSub], grad, nil, false, false, true, one, sq)
	t.record(binaryNames[opMul], out, nil, false, false, true, d, grad)
	return out
}
