package net

import (
	"fmt"
	"math"

	"github.com/backstep/backstep/tracer"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// The finite differences of the network's loss, taken cheaply and exactly.
//
// Perturbing one weight W_l[i,j] by h changes one column of one product:
// Z_l[:,j] moves by h·A_{l−1}[:,i], and only for the samples whose input
// i is not zero (four in five MNIST pixels are). Nothing upstream changes,
// and every sample's loss depends on its own row only. So the difference
// of the loss is a sum over a few samples of how one row propagates from
// layer l to the output — a handful of multiplications per sample for the
// 784-60-10 network instead of a whole forward pass.
//
// The differences are also computed as differences: tanh(z+d) − tanh(z)
// as tanh(d)·sech²(z) / (1 + tanh(z)·tanh(d)), the change of a
// log-softmax as log1pSmall(Σ p·expm1Small(Δz)), and so on. Subtracting two losses
// near 2.3 would lose ε·2.3/h ≈ 2e-10 to rounding, which is a large
// relative error for the many gradients near 1e-8; computed this way the
// rounding error stays near ε times the difference itself, and the
// centred difference is limited only by its O(h²) truncation.
//
// The function differentiated is always the reference network's loss for
// the configuration (mean cross-entropy of a softmax over the classes), at
// the given data and parameters: the loss the gradients are meant for.

// diffEngine holds one recorded forward pass of the reference network in
// rows orientation (samples × units), whatever the program's layout.
type diffEngine struct {
	acts  []Activation // per layer, 1 … L−1 (acts[0] unused)
	out   Activation   // the output layer's activation
	loss_ LossKind
	// gradScale and deltaScale turn differences of the summed per-sample
	// loss into the quantities a program's dW/db and dZ hold: the loss's
	// constant (1/m for a mean, the factor, the sign of a negated
	// convention), and the part of it dZ_L carries.
	gradScale, deltaScale float64
	m, L                  int
	biases                []BiasForm  // per layer
	sizes                 []int       // n_0 … n_L
	a                     [][]float64 // a[l], l = 0 … L−1: activations, m × n_l (a[0] = X)
	z                     [][]float64 // z[l], l = 1 … L: pre-activations, m × n_l
	w                     [][]float64 // w[l], l = 1 … L: weights, n_{l−1} × n_l
	slope                 [][]float64 // f′(z[l]) for tanh and sigmoid, l = 1 … L−1
	p, y                  []float64   // output activations and targets, m × C
	// outSlope is f′(Z_L) of a sigmoid or tanh output, for squared error.
	outSlope []float64
	ysum     []float64 // Σ_c y[s,c]
	// nonzero[l][i] lists the samples s with a[l−1][s,i] ≠ 0.
	nonzero [][][]int
	loss    float64
	// reference holds the reference forward pass's values (Z1, A1, …, loss).
	reference Vars
	// scratch rows, one pair per layer
	dz, da [][]float64
}

// newDiffEngine runs the reference forward pass of ref on the data and
// parameters bound in v.
func newDiffEngine(ref *Program, v Vars) (*diffEngine, error) {
	cfg := ref.Config
	cols := cfg.Layout == Cols
	in := Vars{}
	for _, name := range append([]string{"X", "Y"}, cfg.ParamNames()...) {
		a, ok := v[name]
		if !ok {
			return nil, fmt.Errorf("net: %s is missing: a gradient check needs X, Y and every weight and bias", name)
		}
		if want, ok := ref.Shapes[name]; ok && !a.Shape().Equal(want) {
			return nil, fmt.Errorf("net: %s has shape %v, but a %s network in %s layout needs %v", name, a.Shape(), sizesDashed(cfg), cfg.Layout, want)
		}
		in[name] = a
	}
	if err := ref.RunThrough("loss", nil, in); err != nil {
		return nil, fmt.Errorf("net: the reference forward pass fails on these inputs: %v", err)
	}
	e := &diffEngine{out: cfg.OutputAct(), loss_: cfg.LossKind(), L: cfg.Layers(), sizes: cfg.Sizes(),
		loss: in["loss"].Item(), reference: in}
	e.acts = make([]Activation, e.L)
	for l := 1; l <= e.L; l++ {
		e.biases = append(e.biases, cfg.Bias(l))
		if l < e.L {
			e.acts[l] = cfg.ActOf(l)
		}
	}
	if math.IsNaN(e.loss) || math.IsInf(e.loss, 0) {
		return nil, fmt.Errorf("net: the loss is %v at these parameters; gradients can only be checked where it is finite", e.loss)
	}
	rows := func(a *tracer.Array) []float64 {
		if cols {
			var tp *tracer.Tape
			return tp.T(a).Data() // a fresh row-major copy
		}
		return a.Data()
	}
	e.a = make([][]float64, e.L)
	e.z = make([][]float64, e.L+1)
	e.w = make([][]float64, e.L+1)
	e.slope = make([][]float64, e.L)
	e.a[0] = rows(in["X"])
	e.m = len(e.a[0]) / e.sizes[0]
	for l := 1; l <= e.L; l++ {
		e.z[l] = rows(in[fmt.Sprintf("Z%d", l)])
		e.w[l] = rows(in[fmt.Sprintf("W%d", l)])
		if l < e.L {
			e.a[l] = rows(in[fmt.Sprintf("A%d", l)])
			e.slope[l] = make([]float64, len(e.z[l]))
			for k, zz := range e.z[l] {
				switch e.acts[l] {
				case Tanh:
					c := math.Cosh(zz)
					e.slope[l][k] = 1 / (c * c) // sech², exact even where tanh saturates
				case Sigmoid:
					e.slope[l][k] = logistic(zz) * logistic(-zz)
				}
			}
		}
	}
	e.p = rows(in[fmt.Sprintf("A%d", e.L)])
	e.y = rows(in["Y"])
	if e.loss_ == SquaredError {
		e.outSlope = make([]float64, len(e.z[e.L]))
		for k, zz := range e.z[e.L] {
			switch e.out {
			case Tanh:
				c := math.Cosh(zz)
				e.outSlope[k] = 1 / (c * c)
			case Sigmoid:
				e.outSlope[k] = logistic(zz) * logistic(-zz)
			}
		}
	}
	f := cfg.DeltaFactor()
	e.gradScale, e.deltaScale = f*cfg.GradScale(), f
	switch cfg.Normalised() {
	case InGradients:
		e.gradScale /= float64(e.m)
	case InDelta:
		e.gradScale /= float64(e.m)
		e.deltaScale /= float64(e.m)
	}
	C := e.sizes[e.L]
	e.ysum = make([]float64, e.m)
	for s := 0; s < e.m; s++ {
		for c := 0; c < C; c++ {
			e.ysum[s] += e.y[s*C+c]
		}
	}
	e.nonzero = make([][][]int, e.L+1)
	for l := 1; l <= e.L; l++ {
		n := e.sizes[l-1]
		e.nonzero[l] = make([][]int, n)
		for s := 0; s < e.m; s++ {
			for i, x := range e.a[l-1][s*n : s*n+n] {
				if x != 0 {
					e.nonzero[l][i] = append(e.nonzero[l][i], s)
				}
			}
		}
	}
	e.dz = make([][]float64, e.L+1)
	e.da = make([][]float64, e.L+1)
	for l := 1; l <= e.L; l++ {
		e.dz[l] = make([]float64, e.sizes[l])
		e.da[l] = make([]float64, e.sizes[l])
	}
	return e, nil
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func sizesDashed(cfg Config) string {
	s := ""
	for i, n := range cfg.Sizes() {
		if i > 0 {
			s += "-"
		}
		s += fmt.Sprint(n)
	}
	return s
}

// expm1Small is eˣ − 1, by its series where |x| is small enough for three terms
// to be exact in float64 (most differences here are near 1e-7).
func expm1Small(x float64) float64 {
	if math.Abs(x) < 1e-5 {
		return x * (1 + x*(0.5+x/6))
	}
	return math.Expm1(x)
}

// log1pSmall is ln(1 + x), by its series for small |x|, as expm1.
func log1pSmall(x float64) float64 {
	if math.Abs(x) < 1e-5 {
		return x * (1 - x*(0.5-x/3))
	}
	return math.Log1p(x)
}

// actDiff is f(z + d) − f(z) for unit k of layer l's row of sample s, and
// whether a relu's kink lies between z and z + d.
func (e *diffEngine) actDiff(l, at int, d float64) (float64, bool) {
	switch e.acts[l] {
	case Tanh:
		// tanh(z+d) − tanh(z) = tanh(d)·(1 − tanh²z) / (1 + tanh z·tanh d)
		td := math.Tanh(d)
		return td * e.slope[l][at] / (1 + e.a[l][at]*td), false
	case Sigmoid:
		// σ(z+d) − σ(z) = σ(z)σ(−z)·(eᵈ − 1) / (1 + σ(z)·(eᵈ − 1))
		em := expm1Small(d)
		return e.slope[l][at] * em / (1 + e.a[l][at]*em), false
	}
	z := e.z[l][at]
	switch zd := z + d; {
	case z > 0 && zd > 0:
		return d, false
	case z <= 0 && zd <= 0:
		return 0, false
	default:
		return math.Max(zd, 0) - math.Max(z, 0), true
	}
}

// rowDelta propagates the change dz of sample s's pre-activations at layer
// l (dz is e.dz[l], dense) to the output and returns the change of that
// sample's cross-entropy, the sum of the magnitudes of the terms it was
// added from (for the rounding bound) and whether a kink was crossed.
func (e *diffEngine) rowDelta(l, s int) (delta, mag float64, kink bool) {
	for ; l < e.L; l++ {
		n, next := e.sizes[l], e.sizes[l+1]
		da, dzNext := e.da[l], e.dz[l+1]
		for j := range dzNext {
			dzNext[j] = 0
		}
		for j, d := range e.dz[l][:n] {
			if d == 0 {
				da[j] = 0
				continue
			}
			var k bool
			da[j], k = e.actDiff(l, s*n+j, d)
			kink = kink || k
			if da[j] != 0 {
				row := e.w[l+1][j*next : j*next+next]
				for c, wv := range row {
					dzNext[c] += da[j] * wv
				}
			}
		}
	}
	return e.outDelta(s, e.dz[e.L])
}

// outDelta is the change of sample s's loss when its output
// pre-activations change by dz, computed as a difference (see the top of
// this file), with the sum of the magnitudes of its terms:
//   - softmax + cross-entropy, CE = Σy·(LSE(z) − z):
//     ΔCE = Σy · log1p(Σ_c p_c·expm1(Δz_c)) − Σ_c y_c·Δz_c;
//   - sigmoid + binary cross-entropy, ℓ = Σ_c softplus(z_c) − y_c·z_c:
//     Δℓ = Σ_c log1p(p_c·expm1(Δz_c)) − y_c·Δz_c;
//   - squared error, ℓ = ½ Σ_c (a_c − y_c)² with a = f(z):
//     Δℓ = Σ_c Δa_c·(a_c − y_c) + ½Δa_c².
func (e *diffEngine) outDelta(s int, dz []float64) (delta, mag float64, kink bool) {
	C := e.sizes[e.L]
	p, y := e.p[s*C:s*C+C], e.y[s*C:s*C+C]
	switch e.loss_ {
	case BinaryCrossEntropy, SquaredError:
		for c, d := range dz {
			if d == 0 {
				continue
			}
			t, m := e.outUnitDelta(s*C+c, d)
			delta += t
			mag += m
		}
		return delta, mag, false
	}
	var sum, sumAbs, lin, linAbs float64
	for c, d := range dz {
		if d == 0 {
			continue
		}
		t := p[c] * expm1Small(d)
		sum += t
		sumAbs += math.Abs(t)
		lin += y[c] * d
		linAbs += math.Abs(y[c] * d)
	}
	return e.ysum[s]*log1pSmall(sum) - lin, math.Abs(e.ysum[s])*sumAbs + linAbs, false
}

// outUnitDelta is the change of one output unit's share of the loss
// (binary cross-entropy or squared error, whose units add up
// independently) when its pre-activation, element at of Z_L, changes by d.
func (e *diffEngine) outUnitDelta(at int, d float64) (delta, mag float64) {
	p, y := e.p[at], e.y[at]
	if e.loss_ == BinaryCrossEntropy {
		t := log1pSmall(p * expm1Small(d))
		return t - y*d, math.Abs(t) + math.Abs(y*d)
	}
	var da float64
	switch e.out {
	case Tanh:
		td := math.Tanh(d)
		da = td * e.outSlope[at] / (1 + p*td)
	case Sigmoid:
		em := expm1Small(d)
		da = e.outSlope[at] * em / (1 + p*em)
	default:
		da = d
	}
	lin := da * (p - y)
	return lin + 0.5*da*da, math.Abs(lin) + 0.5*da*da
}

// unitDelta is rowDelta for a change d of one pre-activation, unit j of
// layer l, of sample s: the common case, with the first layer's work cut
// to one unit.
func (e *diffEngine) unitDelta(l, s, j int, d float64) (delta, mag float64, kink bool) {
	if l == e.L {
		C := e.sizes[l]
		if e.loss_ != CrossEntropy {
			delta, mag = e.outUnitDelta(s*C+j, d)
			return delta, mag, false
		}
		pc, yc := e.p[s*C+j], e.y[s*C+j]
		t := pc * expm1Small(d)
		return e.ysum[s]*log1pSmall(t) - yc*d, math.Abs(e.ysum[s]*t) + math.Abs(yc*d), false
	}
	n, next := e.sizes[l], e.sizes[l+1]
	da, kink := e.actDiff(l, s*n+j, d)
	dzNext := e.dz[l+1]
	row := e.w[l+1][j*next : j*next+next]
	for c, wv := range row {
		dzNext[c] = da * wv
	}
	if l+1 == e.L {
		delta, mag, _ = e.outDelta(s, dzNext)
		return delta, mag, kink
	}
	delta, mag, k := e.rowDelta(l+1, s)
	return delta, mag, kink || k
}

// centred turns the per-side sums of loss changes into a Difference: the
// centred difference, the one-sided ones and the rounding bound. scale is
// 1/m for the mean loss, 1 for a sample's own loss.
func centred(plus, minus, mag, scale, h float64, kink bool) tracer.Difference {
	d := tracer.Difference{
		Numeric: (plus - minus) * scale / (2 * h),
		Plus:    plus * scale / h,
		Minus:   -minus * scale / h,
		// Each change is good to a few ε of the terms it adds; the
		// analytic side's sums round alike.
		Noise: 16 * 0x1p-52 * mag * math.Abs(scale) / (2 * h),
		Kink:  tracer.NoKink,
	}
	if kink {
		d.Kink = tracer.CrossedKink
	}
	return d
}

// weightDiff is the difference for W_l[i,j] (rows orientation).
func (e *diffEngine) weightDiff(l, i, j int, h float64) tracer.Difference {
	n := e.sizes[l-1]
	var plus, minus, mag float64
	var kink bool
	for _, s := range e.nonzero[l][i] {
		x := e.a[l-1][s*n+i]
		dp, mp, kp := e.unitDelta(l, s, j, h*x)
		dm, mm, km := e.unitDelta(l, s, j, -h*x)
		plus += dp
		minus += dm
		mag += mp + mm + math.Abs(dp-dm)
		kink = kink || kp || km
	}
	return centred(plus, minus, mag, e.gradScale, h, kink)
}

// biasDiff is the difference for b_l[j].
func (e *diffEngine) biasDiff(l, j int, h float64) tracer.Difference {
	var plus, minus, mag float64
	var kink bool
	for s := 0; s < e.m; s++ {
		dp, mp, kp := e.unitDelta(l, s, j, h)
		dm, mm, km := e.unitDelta(l, s, j, -h)
		plus += dp
		minus += dm
		mag += mp + mm + math.Abs(dp-dm)
		kink = kink || kp || km
	}
	return centred(plus, minus, mag, e.gradScale, h, kink)
}

// preDiff is the difference for Z_l[s,j] of the quantity the program's
// dZl holds: sample s's loss times deltaScale (dZL = AL − Y carries no
// 1/m in the reference network; it comes in the weight and bias
// gradients).
func (e *diffEngine) preDiff(l, s, j int, h float64) tracer.Difference {
	dp, mp, kp := e.unitDelta(l, s, j, h)
	dm, mm, km := e.unitDelta(l, s, j, -h)
	return centred(dp, dm, mp+mm, e.deltaScale, h, kp || km)
}

// directionDiff is the difference along a change of every sample's
// pre-activations at layer l: dz(s, row) writes sample s's change for a
// step of +1 into row. scale as in central.
func (e *diffEngine) directionDiff(l int, dz func(s int, row []float64), scale, h float64) tracer.Difference {
	n := e.sizes[l]
	base := make([]float64, n)
	var plus, minus, mag float64
	var kink bool
	for s := 0; s < e.m; s++ {
		dz(s, base)
		for sign, sum := range []*float64{&plus, &minus} {
			f := h
			if sign == 1 {
				f = -h
			}
			for j := range base {
				e.dz[l][j] = f * base[j]
			}
			d, mg, k := e.rowDelta(l, s)
			*sum += d
			mag += mg
			kink = kink || k
		}
	}
	mag += math.Abs(plus) + math.Abs(minus)
	return centred(plus, minus, mag, scale, h, kink)
}

// gemmRows writes the m×n product a (m×k) · b (k×n) into dst.
func gemmRows(dst, a, b []float64, m, k, n int) {
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: m, Cols: k, Stride: k, Data: a},
		blas64.General{Rows: k, Cols: n, Stride: n, Data: b},
		0, blas64.General{Rows: m, Cols: n, Stride: n, Data: dst})
}
