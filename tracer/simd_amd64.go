//go:build amd64 && !purego

package tracer

import (
	"math"

	"golang.org/x/sys/cpu"
)

//go:generate go run simd_gen.go

// haveAVX2 says the register kernels of simd_amd64.s can run: they need
// AVX2 and FMA (Intel Haswell, AMD Zen and later).
var haveAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// haveAVX512 says the AVX-512 kernels can run (x/sys/cpu also checks that
// the operating system saves the ZMM registers); the sparse kernels use
// YMM registers 16-31 too, which takes AVX512VL.
var haveAVX512 = haveAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL

// denseTile is the register tile of dense products: 8×24 with AVX-512,
// 4×12 with AVX2 (both give the same bits), none without.
var denseTile = pickDenseTile(haveAVX512, haveAVX2)

func pickDenseTile(avx512, avx2 bool) gemmKernel {
	switch {
	case avx512:
		return gemmKernel{mr: 8, nr: 24}
	case avx2:
		return gemmKernel{mr: 4, nr: 12}
	}
	return gemmKernel{}
}

// run computes one tile with the tile's kernel (direct calls, so that the
// tile buffers of the caller stay on its stack).
func (g gemmKernel) run(kc int, a *float64, arow, astep int, b, c *float64, ldc, add int) {
	if g.mr == 8 {
		gemm8x24z(kc, a, arow, astep, b, c, ldc, add)
		return
	}
	gemm4x12y(kc, a, arow, astep, b, c, ldc, add)
}

// accumulateSparseRows sets (or, with add, increases) dst[r*ldo + c] by
// Σ_p val(p) · d[idx[p]*ldd + c] for rows r < len(ptr)-1, p from ptr[r]
// to ptr[r+1], and columns c < w (a multiple of 4, at most chunkMax());
// with add, rows without nonzeros are left alone. The caller guarantees
// every index read is in range.
func accumulateSparseRows(dst []float64, ldo, w int, ptr []int, idx []int32, val values, d []float64, ldd int, add bool) {
	rows := len(ptr) - 1
	if !haveAVX2 {
		accumulateSparseRowsGo(dst, ldo, w, ptr, idx, val, d, ldd, add)
		return
	}
	if rows <= 0 {
		return
	}
	_ = dst[(rows-1)*ldo+w-1]
	first := ptr[0]
	if ptr[rows] == first { // no nonzeros at all: idx[first] may not exist
		if !add {
			for r := 0; r < rows; r++ {
				clear(dst[r*ldo : r*ldo+w])
			}
		}
		return
	}
	switch {
	case val.code != nil && haveAVX512:
		codedWideKernels[w/4](&dst[0], ldo, &ptr[0], &idx[first], &val.code[first], &val.table[0], rows, &d[0], ldd, b2i(add))
	case val.code != nil:
		codedKernels[w/4](&dst[0], ldo, &ptr[0], &idx[first], &val.code[first], &val.table[0], rows, &d[0], ldd, b2i(add))
	case haveAVX512:
		sparseWideKernels[w/4](&dst[0], ldo, &ptr[0], &idx[first], &val.val[first], rows, &d[0], ldd, b2i(add))
	default:
		sparseKernels[w/4](&dst[0], ldo, &ptr[0], &idx[first], &val.val[first], rows, &d[0], ldd, b2i(add))
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// statsLanes runs the statistics kernel over v (len a multiple of 8).
func statsLanes(v []float64, shift float64, acc *[6][4]float64) {
	if haveAVX512 {
		statsBlockZ(&v[0], len(v), shift, acc)
		return
	}
	statsBlock(&v[0], len(v), shift, acc)
}

// haveStats2 says statsLanes2 can run (it takes AVX-512).
var haveStats2 = haveAVX512

// statsLanes2 runs statsLanes over v into acc and over u into acc2, at
// once (len(u) = len(v), a multiple of 8).
func statsLanes2(v, u []float64, shift float64, acc, acc2 *[6][4]float64) {
	statsBlock2(&v[0], &u[0], len(v), shift, acc, acc2)
}

// haveVectorMath says tanhBlock, expBlock and logBlock give math.Tanh's,
// math.Exp's and math.Log's bits on this machine. They follow the Go sources operation by
// operation; a build that fuses multiply-adds in math.Tanh (GOAMD64=v3)
// would differ in the last bit, so the promise is checked once, on values
// that reach every branch, before the kernels are used.
var haveVectorMath = haveAVX2 && vectorMathAgrees()

func vectorMathAgrees() bool {
	var in []float64
	for _, x := range []float64{0, 1e-300, 1e-8, 0.1, 0.5, 0.6249999, 0.625, 0.7, 1, 2.5, 10, 19.06, 44, 44.01, 44.02, 100, 700, 710,
		math.Inf(1), math.NaN(), 5e-324} {
		in = append(in, x, -x)
	}
	for i := 0; i < 4096; i++ {
		in = append(in, math.Ldexp(float64(i*2654435761%1000003)/1000003, i%24-12)*float64(1-2*(i%2)))
	}
	in = in[:len(in)&^3]
	t := make([]float64, len(in))
	tanhBlock(&t[0], &in[0], len(in))
	e := make([]float64, len(in))
	done := expBlock(&e[0], &in[0], len(in))
	for i, x := range in {
		if !sameBits(t[i], math.Tanh(x)) {
			return false
		}
		if i < done && !sameBits(e[i], math.Exp(x)) {
			return false
		}
	}
	for i, x := range in {
		in[i] = math.Abs(x) + 0x1p-1070 // positive, and some denormal
	}
	done = logBlock(&e[0], &in[0], len(in))
	for i, x := range in[:done] {
		if !sameBits(e[i], math.Log(x)) {
			return false
		}
	}
	return done > 0
}

func sameBits(a, b float64) bool {
	return a == b && math.Signbit(a) == math.Signbit(b) || a != a && b != b
}

// tanhSlice sets o[i] = math.Tanh(x[i]).
func tanhSlice(o, x []float64) {
	x = x[:len(o)]
	n := 0
	if haveVectorMath {
		n = len(o) &^ 3
		if n > 0 {
			tanhBlock(&o[0], &x[0], n)
		}
	}
	for i := n; i < len(o); i++ {
		o[i] = math.Tanh(x[i])
	}
}

// expSlice sets o[i] = exp(x[i]) (the package's exp, which is math.Exp
// but near the overflow threshold). o and x may be the same slice.
func expSlice(o, x []float64) {
	x = x[:len(o)]
	for i := 0; i < len(o); {
		if haveVectorMath && len(o)-i >= 4 {
			i += expBlock(&o[i], &x[i], (len(o)-i)&^3)
		}
		// The group of four the kernel left (or the last few values).
		for end := min(i+4, len(o)); i < end; i++ {
			o[i] = exp(x[i])
		}
	}
}

// logSlice sets o[i] = math.Log(x[i]).
func logSlice(o, x []float64) {
	x = x[:len(o)]
	for i := 0; i < len(o); {
		if haveVectorMath && len(o)-i >= 4 {
			i += logBlock(&o[i], &x[i], (len(o)-i)&^3)
		}
		for end := min(i+4, len(o)); i < end; i++ {
			o[i] = math.Log(x[i])
		}
	}
}

// arithVV sets o[i] = x[i] op y[i] for the longest prefix the vector
// kernels take (a multiple of 16 values, of 32 with AVX-512; none for
// other operations) and returns its length; the caller does the rest.
// The AVX-512 and AVX2 kernels perform the same IEEE operation.
func arithVV(op binaryOp, o, x, y []float64) int {
	if !haveAVX2 || op > opDiv || len(o) < 16 {
		return 0
	}
	if n := len(o) &^ 31; haveAVX512 && n > 0 {
		switch op {
		case opAdd:
			addVVZ(&o[0], &x[0], &y[0], n)
		case opSub:
			subVVZ(&o[0], &x[0], &y[0], n)
		case opMul:
			mulVVZ(&o[0], &x[0], &y[0], n)
		default:
			divVVZ(&o[0], &x[0], &y[0], n)
		}
		return n
	}
	n := len(o) &^ 15
	switch op {
	case opAdd:
		addVV(&o[0], &x[0], &y[0], n)
	case opSub:
		subVV(&o[0], &x[0], &y[0], n)
	case opMul:
		mulVV(&o[0], &x[0], &y[0], n)
	default:
		divVV(&o[0], &x[0], &y[0], n)
	}
	return n
}

// arithVS is arithVV with a single value y; it also takes maximum
// against a y that is not NaN and greater.
func arithVS(op binaryOp, o, x []float64, y float64) int {
	n := len(o) &^ 15
	if !haveAVX2 || n == 0 {
		return 0
	}
	switch {
	case op == opMaximum && y == y:
		maxVS(&o[0], &x[0], &y, n)
		return n
	case op == opGreater:
		gtVS(&o[0], &x[0], &y, n)
		return n
	case op > opDiv:
		return 0
	}
	// Direct calls, not through a table: the address of y must not escape.
	if n := len(o) &^ 31; haveAVX512 && n > 0 {
		switch op {
		case opAdd:
			addVSZ(&o[0], &x[0], &y, n)
		case opSub:
			subVSZ(&o[0], &x[0], &y, n)
		case opMul:
			mulVSZ(&o[0], &x[0], &y, n)
		default:
			divVSZ(&o[0], &x[0], &y, n)
		}
		return n
	}
	switch op {
	case opAdd:
		addVS(&o[0], &x[0], &y, n)
	case opSub:
		subVS(&o[0], &x[0], &y, n)
	case opMul:
		mulVS(&o[0], &x[0], &y, n)
	default:
		divVS(&o[0], &x[0], &y, n)
	}
	return n
}

// arithSV is arithVV with a single value x.
func arithSV(op binaryOp, o []float64, x float64, y []float64) int {
	n := len(o) &^ 15
	if !haveAVX2 || op > opDiv || n == 0 {
		return 0
	}
	if n := len(o) &^ 31; haveAVX512 && n > 0 {
		switch op {
		case opAdd:
			addSVZ(&o[0], &x, &y[0], n)
		case opSub:
			subSVZ(&o[0], &x, &y[0], n)
		case opMul:
			mulSVZ(&o[0], &x, &y[0], n)
		default:
			divSVZ(&o[0], &x, &y[0], n)
		}
		return n
	}
	switch op {
	case opAdd:
		addSV(&o[0], &x, &y[0], n)
	case opSub:
		subSV(&o[0], &x, &y[0], n)
	case opMul:
		mulSV(&o[0], &x, &y[0], n)
	default:
		divSV(&o[0], &x, &y[0], n)
	}
	return n
}

// scaledPrefix sets o[i] = x[i] − s·y[i] (+ when add) for the longest
// prefix the vector kernels take (a multiple of 16 values, of 32 with
// AVX-512) and returns its length and whether those o[i] are finite.
func scaledPrefix(o, x, y []float64, s float64, add bool) (int, bool) {
	if !haveAVX2 || len(o) < 16 {
		return 0, true
	}
	n := len(o) &^ 15
	kernel := subScaled
	switch {
	case haveAVX512 && len(o) >= 32 && add:
		n, kernel = len(o)&^31, addScaledZ
	case haveAVX512 && len(o) >= 32:
		n, kernel = len(o)&^31, subScaledZ
	case add:
		kernel = addScaled
	}
	return n, kernel(&o[0], &x[0], &y[0], &s, n) == 1
}

// finitePrefix reports whether the longest prefix of v the vector kernel
// takes (a multiple of 16 values) holds no NaN and no ±Inf, and its length.
func finitePrefix(v []float64) (n int, ok bool) {
	n = len(v) &^ 15
	if !haveAVX2 || n == 0 {
		return 0, true
	}
	return n, finiteBlock(&v[0], n) == 15
}

// oneValue is the multiplier columnSums hands the dense kernel.
var oneValue = 1.0

// columnSums sets o[j] to the sum of column j of the r×c row-major data,
// adding the rows in order, when a vector kernel can: with 32 to 60
// columns (a multiple of 4), where the kernel keeps one running sum per
// column and multiplies each value by 1 (exact, so each fused step is the
// plain addition). It reports whether it did.
func columnSums(o, data []float64, r, c int) bool {
	if !haveAVX2 || r == 0 || c%4 != 0 || c < 32 || c > 60 {
		return false
	}
	denseKernels[c/4](&o[0], &oneValue, 0, r, &data[0], c, 0)
	return true
}
