package tracer

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// mathInputs returns values that reach every branch of tanh and exp:
// special values, the branch thresholds and their neighbours, and random
// values over many magnitudes.
func mathInputs(rng *rand.Rand, n int) []float64 {
	var in []float64
	for _, x := range []float64{0, 5e-324, 1e-310, 1e-300, 1e-8, 0.625, 44.014845965556527, 700, 708, 709.5, 709.78,
		709.79, 710, 745, 746, 1e300, math.MaxFloat64, math.Inf(1), math.NaN()} {
		in = append(in, x, -x, math.Nextafter(x, 0), math.Nextafter(x, math.Inf(1)), -math.Nextafter(x, math.Inf(1)))
	}
	for len(in) < n {
		switch rng.IntN(3) {
		case 0:
			in = append(in, (rng.Float64()*2-1)*50)
		case 1:
			in = append(in, (rng.Float64()*2-1)*800)
		default:
			in = append(in, math.Ldexp(rng.Float64(), rng.IntN(80)-60)*float64(1-2*rng.IntN(2)))
		}
	}
	return in
}

func TestVectorMathGivesMathsBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	in := mathInputs(rng, 1<<20)
	for _, n := range []int{len(in), len(in) - 1, 7, 3} { // odd lengths take the scalar tail
		x := in[:n]
		got := make([]float64, n)
		tanhSlice(got, x)
		for i, v := range x {
			if want := math.Tanh(v); !sameFloat(got[i], want, 0) {
				t.Fatalf("tanh(%v) = %v, math.Tanh gives %v", v, got[i], want)
			}
		}
		expSlice(got, x)
		for i, v := range x {
			if want := exp(v); !sameFloat(got[i], want, 0) {
				t.Fatalf("exp(%v) = %v, want %v", v, got[i], want)
			}
		}
		logSlice(got, x)
		for i, v := range x {
			if want := math.Log(v); !sameFloat(got[i], want, 0) {
				t.Fatalf("log(%v) = %v, math.Log gives %v", v, got[i], want)
			}
		}
		pos := make([]float64, n)
		for i, v := range x {
			pos[i] = math.Abs(v)
		}
		logSlice(got, pos)
		for i, v := range pos {
			if want := math.Log(v); !sameFloat(got[i], want, 0) {
				t.Fatalf("log(%v) = %v, math.Log gives %v", v, got[i], want)
			}
		}
	}
	var tp *Tape
	s := tp.Sigmoid(Vector(in))
	for i, v := range in {
		if want := 1 / (1 + exp(-v)); !sameFloat(s.data[i], want, 0) {
			t.Fatalf("sigmoid(%v) = %v, want %v", v, s.data[i], want)
		}
	}
}

func TestSummarizeMatchesValueByValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 7, 8, 9, 100, statsChunk - 1, statsChunk + 3, 3*statsChunk + 17, 200000} {
		for _, poison := range []string{"none", "nan", "inf", "all-nan", "zeros", "huge"} {
			v := make([]float64, n)
			for i := range v {
				v[i] = 3 + rng.NormFloat64()*1e-3
				if rng.IntN(5) == 0 {
					v[i] = 0
				}
			}
			switch poison {
			case "nan":
				for i := 0; i < n; i += 1 + rng.IntN(1000) {
					v[i] = math.NaN()
				}
			case "inf":
				for i := 0; i < n; i += 1 + rng.IntN(1000) {
					v[i] = math.Inf(1 - 2*rng.IntN(2))
				}
			case "all-nan":
				for i := range v {
					v[i] = math.NaN()
				}
			case "zeros":
				clear(v)
			case "huge":
				for i := 0; i < n; i += 1 + rng.IntN(100) {
					v[i] = 1e200
				}
			}
			got := summarize(v)
			want := referenceStats(v)
			if got.Count != want.Count || got.NaN != want.NaN || got.Inf != want.Inf || got.Zeros != want.Zeros ||
				!sameFloat(got.Min, want.Min, 0) || !sameFloat(got.Max, want.Max, 0) ||
				!near(got.Mean, want.Mean) || !near(got.Std, want.Std) || !near(got.Norm, want.Norm) {
				t.Fatalf("n=%d %s: got %+v\nwant %+v", n, poison, got, want)
			}
		}
	}
}

// referenceStats is the one-loop summary the fast one must agree with.
func referenceStats(v []float64) Stats {
	s := Stats{Count: len(v)}
	shift, _ := firstFinite(v)
	p := summarizeSlow(v, shift)
	s.NaN, s.Inf, s.Zeros = p.nan, p.inf, p.zeros
	if p.n == 0 {
		s.Min, s.Max, s.Mean, s.Std = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return s
	}
	mean := p.sum / float64(p.n)
	s.Mean = shift + mean
	s.Std = math.Sqrt(math.Max(p.sumSq/float64(p.n)-mean*mean, 0))
	s.Norm = math.Sqrt(p.sq)
	s.Min, s.Max = p.min, p.max
	return s
}

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return sameFloat(a, b, 0)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// The vector arithmetic must give the scalar loop's bits, for every length
// (the kernels take multiples of 16 and leave the rest to Go) and with
// NaN, ±Inf, ±0 and values that underflow or overflow.
func TestVectorArithmeticGivesScalarBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1e-310, 1e308, -1e308}
	value := func() float64 {
		if rng.IntN(8) == 0 {
			return special[rng.IntN(len(special))]
		}
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(10)-5))
	}
	var tp *Tape
	ops := map[binaryOp]func(*Tape, *Array, *Array) *Array{
		opAdd: (*Tape).Add, opSub: (*Tape).Sub, opMul: (*Tape).Mul, opDiv: (*Tape).Div, opPow: (*Tape).Pow,
		opMaximum: (*Tape).Maximum, opGreater: (*Tape).Greater,
	}
	for _, n := range []int{1, 15, 16, 17, 33, 100, 1000} {
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = value(), value()
		}
		s := value()
		for op, f := range ops {
			check := func(what string, got *Array, want func(i int) float64) {
				t.Helper()
				for i, v := range got.data {
					if w := want(i); !sameFloat(v, w, 0) {
						t.Fatalf("%s %s n=%d: element %d = %v, scalar %v", binaryNames[op], what, n, i, v, w)
					}
				}
			}
			check("vector·vector", f(tp, Vector(x), Vector(y)), func(i int) float64 { return apply(op, x[i], y[i]) })
			check("vector·scalar", f(tp, Vector(x), Scalar(s)), func(i int) float64 { return apply(op, x[i], s) })
			check("scalar·vector", f(tp, Scalar(s), Vector(y)), func(i int) float64 { return apply(op, s, y[i]) })
			check("vector**2", f(tp, Vector(x), Scalar(2)), func(i int) float64 { return apply(op, x[i], 2) })
			for _, z := range []float64{0, math.Copysign(0, -1), math.NaN()} { // ReLU's maximum(Z, 0) and Z > 0
				check("vector·zero", f(tp, Vector(x), Scalar(z)), func(i int) float64 { return apply(op, x[i], z) })
			}
			if op == opDiv { // by a power of two, as dW1/m with m = 64: a multiplication, same bits
				for _, z := range []float64{64, 128, -8, 0.25, 0x1p-1000, 0x1p1000, 0x1p1022, 0x1p1023, 0x1p-1022, 0x1p-1074} {
					check("vector/power of two", f(tp, Vector(x), Scalar(z)), func(i int) float64 { return x[i] / z })
				}
			}
			// Rows of a matrix against a row vector, as Z1 = X·W1 + b1.
			m := Matrix(3, n, append(append(append([]float64(nil), x...), y...), x...))
			check("matrix·row", f(tp, m, Vector(y)), func(i int) float64 { return apply(op, m.data[i], y[i%n]) })
		}
	}
}

// Sums over axis 0 add the rows in order, as NumPy does, with or without
// the vector kernel.
func TestColumnSumsAddRowsInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var tp *Tape
	for _, c := range []int{1, 10, 31, 32, 36, 60, 61, 100} {
		r := 1 + rng.IntN(300)
		m := make([]float64, r*c)
		for i := range m {
			m[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(30)-15))
		}
		m[0] = math.Copysign(0, -1)
		got := tp.Sum(Matrix(r, c, m), 0, false).data
		for j := 0; j < c; j++ {
			var want float64
			for i := 0; i < r; i++ {
				want += m[i*c+j]
			}
			if !sameFloat(got[j], want, 0) {
				t.Fatalf("%d×%d: column %d sums to %v, in order %v", r, c, j, got[j], want)
			}
		}
	}
}

// Argmax and max along rows take four rows at a time without branches;
// they must agree with the plain loop on ties, ±0 and NaN.
func TestRowArgmaxMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var tp *Tape
	for _, c := range []int{1, 2, 10, 17} {
		r := 4*25 + 3
		m := make([]float64, r*c)
		for i := range m {
			switch rng.IntN(12) {
			case 0:
				m[i] = math.NaN()
			case 1:
				m[i] = math.Copysign(0, -1)
			case 2:
				m[i] = 0
			default:
				m[i] = float64(rng.IntN(5)) // many ties
			}
		}
		a := Matrix(r, c, m)
		am, mx := tp.Argmax(a, 1, false).data, tp.Max(a, 1, false).data
		for i := 0; i < r; i++ {
			row := m[i*c : i*c+c]
			j := argmax(row, 1)
			if am[i] != float64(j) || !sameFloat(mx[i], row[j], 0) {
				t.Fatalf("c=%d row %d %v: argmax %v max %v, the loop says %d and %v", c, i, row, am[i], mx[i], j, row[j])
			}
		}
	}
}

// Statistics computed while an operation writes its result must be the
// bits summarize gives afterwards.
func TestStatisticsWhileWritingMatchAfterwards(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{2 * statsChunk, 5*statsChunk + 123, 100003} {
		for _, lead := range []string{"finite", "nan"} {
			x := make([]float64, n)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			if lead == "nan" { // no finite value in the first piece
				for i := 0; i < statsChunk+5; i++ {
					x[i] = math.NaN()
				}
			}
			tp := &Tape{}
			r := Matrix(n/7, 7, x[:n/7*7])
			b := Vector(x[:7])
			results := []*Array{tp.Tanh(r), tp.Add(r, b), tp.Mul(r, r), tp.Sub(Scalar(1), r), tp.Pow(r, Scalar(2))}
			for i, res := range results {
				if got, want := tp.Events[i].Stats, summarize(res.data); !sameStats(got, want) {
					t.Fatalf("n=%d %s, %s: statistics %+v, afterwards %+v", n, lead, tp.Events[i].Op, got, want)
				}
			}
		}
	}
}

func sameStats(a, b Stats) bool {
	return a.Count == b.Count && a.NaN == b.NaN && a.Inf == b.Inf && a.Zeros == b.Zeros &&
		sameFloat(a.Mean, b.Mean, 0) && sameFloat(a.Std, b.Std, 0) && sameFloat(a.Min, b.Min, 0) &&
		sameFloat(a.Max, b.Max, 0) && sameFloat(a.Norm, b.Norm, 0)
}

// TestLogOfSubnormals compares Log of subnormal values with NumPy 1.24's
// np.log (math.Log on amd64 gives −709.09 for all of them): a softmax
// output that underflows to a subnormal must cost the loss what it costs
// in NumPy (log-zero's lesson, testdata/lessons/replay.json).
func TestLogOfSubnormals(t *testing.T) {
	cases := []struct{ x, numpy float64 }{
		{5e-324, -744.4400719213812},
		{1e-320, -736.8272408909738},
		{2.5e-310, -712.88508809628},
		{0x1p-1023, -709.0895657128241},
		{2.2250738585072014e-308, -708.3964185322641}, // the least normal
	}
	in := make([]float64, 0, 4*len(cases))
	for k := 0; k < 4; k++ { // long enough for the vector kernel
		for _, c := range cases {
			in = append(in, c.x)
		}
	}
	var tp *Tape
	got := tp.Log(Vector(in)).Data()
	for i, v := range got {
		c := cases[i%len(cases)]
		if math.Abs(v-c.numpy) > 1e-15*math.Abs(c.numpy) {
			t.Errorf("log(%v) = %.16g, NumPy %.16g", c.x, v, c.numpy)
		}
	}
}

// SubScaled and AddScaled must give the bits of Sub(a, Mul(s, b)) and
// Add(a, Mul(s, b)) — the product rounded before the sum — whatever the
// tape, and say rightly whether the result is finite: a sparse product
// with it then skips or keeps its check for NaN and ±Inf.
func TestScaledUpdateGivesTwoOperationsBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	for _, n := range []int{1, 15, 16, 33, 100, 40000} {
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()*1e-3
		}
		x[n/2] = 1 + 0x1p-52 // where a fused multiply-add would round otherwise
		y[n/2] = 0x1p-53 / 0.3
		for _, bad := range []float64{0, math.Inf(1), math.NaN()} {
			if bad != 0 {
				y[n-1] = bad
			}
			a, b, s := Vector(x), Vector(y), Scalar(0.3)
			for _, tp := range []*Tape{nil, {ValuesOnly: true}, {}} {
				for _, add := range []bool{false, true} {
					got, want := tp.SubScaled(a, s, b), tp.Sub(a, tp.Mul(s, b))
					if add {
						got, want = tp.AddScaled(a, s, b), tp.Add(a, tp.Mul(s, b))
					}
					for i, v := range got.data {
						if !sameFloat(v, want.data[i], 0) {
							t.Fatalf("n=%d add=%v tape=%v: element %d = %v, two operations give %v", n, add, tp, i, v, want.data[i])
						}
					}
					if got.knownFinite() && bad != 0 {
						t.Fatalf("n=%d add=%v: a result holding %v is called finite", n, add, bad)
					}
					if tp == nil && bad == 0 && !got.knownFinite() {
						t.Fatalf("n=%d add=%v: a finite result is not known finite", n, add)
					}
					if tp != nil && !tp.ValuesOnly && got.knownFinite() {
						t.Fatal("a traced update was called finite without a check")
					}
				}
			}
		}
	}
}

// MulGreater must give the bits of Mul(a, Greater(b, c)), a NaN, ±Inf or
// ±0 in a included, whatever the tape.
func TestMulGreaterGivesTwoOperationsBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 21))
	for _, n := range []int{1, 17, 513, 40000} {
		x, z := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], z[i] = rng.NormFloat64(), rng.NormFloat64()
			if i%7 == 0 {
				z[i] = 0
			}
		}
		x[n-1], x[n/2], x[n/3] = math.NaN(), math.Inf(-1), math.Copysign(0, -1)
		a, b, c := Vector(x), Vector(z), Scalar(0)
		for _, tp := range []*Tape{nil, {ValuesOnly: true}, {}} {
			got, want := tp.MulGreater(a, b, c), tp.Mul(a, tp.Greater(b, c))
			for i, v := range got.data {
				if !sameFloat(v, want.data[i], 0) || math.Signbit(v) != math.Signbit(want.data[i]) {
					t.Fatalf("n=%d tape=%v: element %d = %v, two operations give %v", n, tp, i, v, want.data[i])
				}
			}
		}
	}
}

// MulOneMinusSquare must give the bits of Mul(d, Sub(1, Pow(a, 2))), NaN,
// ±Inf and ±0 included, whatever the tape.
func TestMulOneMinusSquareGivesThreeOperationsBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(26, 27))
	for _, n := range []int{1, 17, 513, 40000} {
		x, a := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], a[i] = rng.NormFloat64(), math.Tanh(rng.NormFloat64()*3)
		}
		x[n-1], a[n/2], a[n/3], a[0] = math.NaN(), math.Inf(1), 1, math.Copysign(0, -1)
		d, v := Vector(x), Vector(a)
		for _, tp := range []*Tape{nil, {ValuesOnly: true}, {}} {
			got := tp.MulOneMinusSquare(d, v)
			want := tp.Mul(d, tp.Sub(Scalar(1), tp.Pow(v, Scalar(2))))
			for i, g := range got.data {
				if !sameFloat(g, want.data[i], 0) || math.Signbit(g) != math.Signbit(want.data[i]) {
					t.Fatalf("n=%d tape=%v: element %d = %v, three operations give %v", n, tp, i, g, want.data[i])
				}
			}
		}
	}
}

// With a tape, MulOneMinusSquare must record what the three operations
// record: the same events, names, shapes, labels, operands and
// statistics, for results small and large.
func TestMulOneMinusSquareRecordsThreeOperations(t *testing.T) {
	rng := rand.New(rand.NewPCG(28, 29))
	for _, n := range []int{100, 5*statsChunk + 17} {
		x, a := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], a[i] = rng.NormFloat64(), math.Tanh(rng.NormFloat64())
		}
		d := Matrix(1, n, x).Named("dZ2·W2ᵀ").WithLabels("samples", "hidden")
		v := Matrix(1, n, a).Named("A1").WithLabels("samples", "hidden")
		for _, noStats := range []bool{false, true} {
			got, want := &Tape{NoStats: noStats}, &Tape{NoStats: noStats}
			r := got.MulOneMinusSquare(d, v)
			w := want.Mul(d, want.Sub(Scalar(1).Named("1"), want.Pow(v, Scalar(2).Named("2"))))
			if r.name != w.name || len(got.Events) != len(want.Events) {
				t.Fatalf("n=%d: %q and %d events, three operations give %q and %d", n, r.name, len(got.Events), w.name, len(want.Events))
			}
			for i := range got.Events {
				g, e := got.Events[i], want.Events[i]
				g.Value, e.Value = nil, nil
				if !reflect.DeepEqual(g, e) {
					t.Fatalf("n=%d noStats=%v: event %d\n%+v\nthree operations record\n%+v", n, noStats, i, g, e)
				}
			}
		}
	}
}
