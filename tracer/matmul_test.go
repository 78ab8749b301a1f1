package tracer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// referenceProduct is the textbook triple loop over the logical values,
// adding in index order. scale[i] is the sum of the terms' magnitudes, the
// size of the rounding error another order of additions may make.
func referenceProduct(a, b *Array) (out, scale []float64) {
	ar, ac, bc := a.shape[0], a.shape[1], b.shape[1]
	av, bv := a.Data(), b.Data()
	out, scale = make([]float64, ar*bc), make([]float64, ar*bc)
	for i := 0; i < ar; i++ {
		for j := 0; j < bc; j++ {
			var s, m float64
			for p := 0; p < ac; p++ {
				t := av[i*ac+p] * bv[p*bc+j]
				s += t
				m += math.Abs(t)
			}
			out[i*bc+j], scale[i*bc+j] = s, m
		}
	}
	return out, scale
}

// randomMatrix returns an r×c matrix with the given share of zeros,
// stored transposed when trans (so the logical shape is still r×c).
func randomMatrix(rng *rand.Rand, r, c int, zeros float64, trans bool) *Array {
	sr, sc := r, c
	if trans {
		sr, sc = c, r
	}
	v := make([]float64, sr*sc)
	for i := range v {
		if rng.Float64() >= zeros {
			v[i] = rng.NormFloat64()
		}
	}
	m := Matrix(sr, sc, v)
	if trans {
		var tp *Tape
		return tp.T(m)
	}
	return m
}

// closeTo compares with a tolerance scaled by the size of the terms, since
// the kernels add in another order than the triple loop.
func closeTo(got, want, scale float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= 1e-12*scale
}

func TestDotKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	shapes := [][3]int{
		{1, 1, 1}, {3, 5, 2}, {7, 1, 9}, {40, 33, 17}, {64, 64, 64}, {61, 300, 10},
		{300, 61, 10}, {10, 60, 1000}, {1000, 10, 60}, {60, 1000, 10}, {130, 257, 61},
		{5, 700, 123}, {513, 70, 4}, {1100, 40, 60}, {60, 1100, 40}, {2, 3000, 3},
		{128, 784, 60}, {300, 900, 130}, // large enough for both cores
	}
	for _, sh := range shapes {
		ar, ac, bc := sh[0], sh[1], sh[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, mark := range []string{"none", "a", "b"} {
					name := fmt.Sprintf("%dx%dx%d/ta=%v/tb=%v/sparse=%s", ar, ac, bc, ta, tb, mark)
					t.Run(name, func(t *testing.T) {
						var tp *Tape
						a := randomMatrix(rng, ar, ac, 0.8, ta)
						b := randomMatrix(rng, ac, bc, 0.3, tb)
						switch mark {
						case "a":
							a, b = randomMatrix(rng, ar, ac, 0.8, false), randomMatrix(rng, ac, bc, 0.1, tb)
							if ta {
								a = tp.T(randomMatrix(rng, ac, ar, 0.8, false).MarkSparse())
							} else {
								a.MarkSparse()
							}
							if a.sparseIndex() == nil && ar*ac >= 100 {
								t.Fatal("a was not indexed")
							}
						case "b":
							a, b = randomMatrix(rng, ar, ac, 0.1, ta), randomMatrix(rng, ac, bc, 0.8, false)
							if tb {
								b = tp.T(randomMatrix(rng, bc, ac, 0.8, false).MarkSparse())
							} else {
								b.MarkSparse()
							}
						}
						got := tp.Dot(a, b)
						want, scale := referenceProduct(a, b)
						for i, v := range got.Data() {
							if !closeTo(v, want[i], scale[i]+1) {
								t.Fatalf("element (%d,%d) = %v, triple loop gives %v", i/bc, i%bc, v, want[i])
							}
						}
					})
				}
			}
		}
	}
}

// A sparse product must not lose NumPy's NaN from 0 · Inf.
func TestSparseDotNonFinite(t *testing.T) {
	var tp *Tape
	for _, bad := range []float64{math.Inf(1), math.NaN()} {
		x := Matrix(3, 4, []float64{0, 1, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0}).MarkSparse()
		w := Matrix(4, 2, []float64{1, 2, bad, 3, 4, 5, 6, 7})
		got := tp.Dot(x, w).Data()
		want, _ := referenceProduct(x, w)
		for i := range want {
			if !closeTo(got[i], want[i], 10) {
				t.Fatalf("with %v: element %d = %v, want %v", bad, i, got[i], want[i])
			}
		}
		wt := tp.T(Matrix(3, 2, []float64{1, bad, 2, 3, 4, 5}))
		got = tp.Dot(wt, x).Data()
		want, _ = referenceProduct(wt, x)
		for i := range want {
			if !closeTo(got[i], want[i], 10) {
				t.Fatalf("with %v on the left: element %d = %v, want %v", bad, i, got[i], want[i])
			}
		}
	}
}

func TestMarkSparseSkipsDenseArrays(t *testing.T) {
	a := Matrix(2, 2, []float64{1, 2, 3, 0}).MarkSparse()
	if a.sparseIndex() != nil {
		t.Fatal("a 25 %-zero matrix was indexed")
	}
	b := Matrix(2, 3, []float64{0, 0, 3, 0, 0, 0}).MarkSparse()
	var tp *Tape
	if tp.T(b.Named("B")).sparseIndex() == nil {
		t.Fatal("a view made after marking lost the index")
	}
	if b.Clone().sparseIndex() != nil {
		t.Fatal("a clone kept the index")
	}
}

// allFinite decides whether a sparse product may skip zeros; one NaN or
// Inf anywhere, in the vector kernel's part or the rest, must be seen.
func TestAllFiniteFindsEveryBadValue(t *testing.T) {
	for _, n := range []int{1, 15, 16, 17, 100, 4099} {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i%7) - 3
		}
		if !allFinite(v) {
			t.Fatalf("n=%d: finite values called not finite", n)
		}
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			for _, at := range []int{0, n / 2, n - 1} {
				w := append([]float64(nil), v...)
				w[at] = bad
				if allFinite(w) {
					t.Fatalf("n=%d: %v at %d not seen", n, bad, at)
				}
			}
		}
	}
}

// An index of a matrix with at most 256 distinct nonzero values, such as
// MNIST's pixels, stores one-byte codes; products through it must give
// the bits of the same index storing the values themselves.
func TestCodedSparseIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	var tp *Tape
	for _, n := range []int{7, 28, 60, 61, 300} {
		px := Zeros(300, 200)
		for i := range px.data {
			if rng.Float64() < 0.2 {
				px.data[i] = float64(1+rng.IntN(255)) / 255
			}
		}
		px.MarkSparse()
		s := px.sparseIndex()
		if s == nil || s.codes == nil {
			t.Fatal("pixels were not indexed with codes")
		}
		D, G := randomMatrix(rng, 200, n, 0, false), randomMatrix(rng, 300, n, 0, false)
		coded := [][]float64{tp.Dot(px, D).Data(), tp.Dot(tp.T(px), G).Data()}
		plain := px.Clone()
		plain.aux = &arrayAux{sparse: s.decoded()}
		plain.aux.sparseOnce.Do(func() {})
		for k, got := range [][]float64{tp.Dot(plain, D).Data(), tp.Dot(tp.T(plain), G).Data()} {
			for i, v := range got {
				if math.Float64bits(v) != math.Float64bits(coded[k][i]) {
					t.Fatalf("n=%d, product %d, element %d: %v with values, %v with codes", n, k, i, v, coded[k][i])
				}
			}
		}
		want, scale := referenceProduct(px, D)
		for i, v := range coded[0] {
			if !closeTo(v, want[i], scale[i]+1) {
				t.Fatalf("n=%d: element %d = %v, triple loop gives %v", n, i, v, want[i])
			}
		}
	}
	// 257 distinct values: no codes.
	v := Zeros(40, 40)
	for i := 0; i < 257; i++ {
		v.data[i*6] = float64(i + 1)
	}
	if s := v.MarkSparse().sparseIndex(); s == nil || s.codes != nil {
		t.Fatal("257 distinct values were not indexed, or coded")
	}
}

// decoded returns a copy of s storing values instead of codes.
func (s *sparseIndex) decoded() *sparseIndex {
	d := *s
	d.codes = nil
	d.tiles = append([]indexTile(nil), s.tiles...)
	dec := func(v values) values {
		out := values{val: make([]float64, len(v.code))}
		for i := range v.code {
			out.val[i] = v.at(i)
		}
		return out
	}
	for i := range d.tiles {
		tile := &d.tiles[i]
		tile.values = dec(tile.values)
		tile.blocks = append([]indexBlock(nil), tile.blocks...)
		for j := range tile.blocks {
			tile.blocks[j].values = dec(tile.blocks[j].values)
		}
	}
	return &d
}

// A dense operand wider than one chunk is stored chunk by chunk; each
// chunk must hold its columns, zero-padded, from either storage order.
func TestDenseOperandChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	for _, c := range []int{3, 60, 61, 121, 130} {
		for _, trans := range []bool{false, true} {
			m := randomMatrix(rng, 70, c, 0, trans)
			o, ok := operandRows(m.data, trans, 70, c, true, false)
			if !ok {
				t.Fatal("finite values called not finite")
			}
			for k := 0; k < o.cols.count; k++ {
				c0, _ := o.cols.bounds(k)
				d, w, ld := o.chunk(k)
				for i := 0; i < 70; i++ {
					for j := 0; j < w; j++ {
						want := 0.0
						if c0+j < c {
							want = m.At(i, c0+j)
						}
						if got := d[i*ld+j]; got != want {
							t.Fatalf("c=%d trans=%v: (%d,%d) = %v, want %v", c, trans, i, c0+j, got, want)
						}
					}
				}
			}
		}
	}
}

// productOperands returns the operands of an ar×ac by ac×bc product that
// takes the path mark names: "none" dense (a with no zeros), "a" or "b"
// marked sparse, "aT" or "bT" a sparse-marked transposed view.
func productOperands(rng *rand.Rand, mark string, ar, ac, bc int) (a, b *Array) {
	var tp *Tape
	a, b = randomMatrix(rng, ar, ac, 0.3, mark == "none"), randomMatrix(rng, ac, bc, 0.3, false)
	switch mark {
	case "a":
		a = randomMatrix(rng, ar, ac, 0.8, false).MarkSparse()
	case "aT":
		a = tp.T(randomMatrix(rng, ac, ar, 0.8, false).MarkSparse())
	case "b":
		b = randomMatrix(rng, ac, bc, 0.8, false).MarkSparse()
	case "bT":
		b = tp.T(randomMatrix(rng, bc, ac, 0.8, false).MarkSparse())
	}
	return a, b
}

// DotDiv divides each part of a product as it is done; it must give the
// bits of Div(Dot(a, b), s) on every path a product takes (triple loop,
// packed, block by block, sparse by rows or columns, transposed output),
// with or without a tape.
func TestDotDivGivesTwoOperationsBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 23))
	shapes := [][3]int{{3, 5, 2}, {40, 33, 17}, {300, 61, 10}, {60, 1000, 10}, {130, 257, 61}, {128, 784, 60}, {9, 600, 25}}
	for _, sh := range shapes {
		ar, ac, bc := sh[0], sh[1], sh[2]
		for _, mark := range []string{"none", "a", "aT", "b", "bT"} {
			var tp *Tape
			a, b := productOperands(rng, mark, ar, ac, bc)
			for _, s := range []float64{64, 10000} {
				want := tp.Div(tp.Dot(a, b), Scalar(s))
				for _, tape := range []*Tape{nil, {ValuesOnly: true}, {}} {
					got := tape.DotDiv(a, b, Scalar(s))
					for i, v := range got.data {
						if !sameFloat(v, want.data[i], 0) {
							t.Fatalf("%dx%dx%d sparse=%s /%v tape=%v: element %d = %v, Div(Dot) gives %v", ar, ac, bc, mark, s, tape, i, v, want.data[i])
						}
					}
				}
			}
		}
	}
}

// DotAdd adds the bias to each part of a product as it is done; it must
// give the bits, name and labels of Add(Dot(a, b), c) for a bias along
// either axis, on every path a product takes, with or without a tape.
func TestDotAddGivesTwoOperationsBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(30, 31))
	shapes := [][3]int{{3, 5, 2}, {40, 33, 17}, {300, 61, 10}, {128, 784, 60}, {9, 600, 25}}
	for _, sh := range shapes {
		ar, ac, bc := sh[0], sh[1], sh[2]
		for _, mark := range []string{"none", "a", "aT", "b", "bT"} {
			var tp *Tape
			a, b := productOperands(rng, mark, ar, ac, bc)
			if mark == "none" {
				a = a.Named("X").WithLabels("samples", "features")
			}
			if mark != "b" && mark != "bT" {
				b = b.Named("W1").WithLabels("", "hidden")
			}
			biases := []*Array{
				randomMatrix(rng, 1, bc, 0, false).Named("b1").WithLabels("", "units"),
				Vector(randomMatrix(rng, 1, bc, 0, false).data).Named("b1"),
				randomMatrix(rng, ar, 1, 0, false).Named("b1").WithLabels("units", ""),
			}
			for k, c := range biases {
				want := tp.Add(tp.Dot(a, b), c)
				for _, tape := range []*Tape{nil, {ValuesOnly: true}, {}} {
					got := tape.DotAdd(a, b, c)
					if got.name != want.name || got.labels != want.labels || !got.shape.Equal(want.shape) {
						t.Fatalf("%dx%dx%d sparse=%s bias %d: %q %v %v, Add(Dot) gives %q %v %v", ar, ac, bc, mark, k,
							got.name, got.labels, got.shape, want.name, want.labels, want.shape)
					}
					for i, v := range got.data {
						if !sameFloat(v, want.data[i], 0) {
							t.Fatalf("%dx%dx%d sparse=%s bias %d tape=%v: element %d = %v, Add(Dot) gives %v", ar, ac, bc, mark, k, tape, i, v, want.data[i])
						}
					}
				}
			}
		}
	}
}

// DotMulOneMinusSquare takes each part of a product through tanh's
// gradient as it is done; it must give the bits and name of
// MulOneMinusSquare(Dot(a, b), d) on every path, with or without a tape.
func TestDotMulOneMinusSquareGivesTheOperationsBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(32, 33))
	shapes := [][3]int{{3, 5, 2}, {40, 33, 17}, {300, 61, 10}, {128, 784, 60}, {9, 600, 25}, {600, 10, 1024}}
	for _, sh := range shapes {
		ar, ac, bc := sh[0], sh[1], sh[2]
		for _, mark := range []string{"none", "a", "aT", "b", "bT"} {
			var tp *Tape
			a, b := productOperands(rng, mark, ar, ac, bc)
			d := randomMatrix(rng, ar, bc, 0, false).Named("A1")
			for i, x := range d.data {
				d.data[i] = math.Tanh(x)
			}
			want := tp.MulOneMinusSquare(tp.Dot(a, b), d)
			for _, tape := range []*Tape{nil, {ValuesOnly: true}, {}} {
				got := tape.DotMulOneMinusSquare(a, b, d)
				if got.name != want.name || got.labels != want.labels {
					t.Fatalf("%dx%dx%d sparse=%s: %q %v, the operations give %q %v", ar, ac, bc, mark, got.name, got.labels, want.name, want.labels)
				}
				for i, v := range got.data {
					if !sameFloat(v, want.data[i], 0) {
						t.Fatalf("%dx%dx%d sparse=%s tape=%v: element %d = %v, the operations give %v", ar, ac, bc, mark, tape, i, v, want.data[i])
					}
				}
			}
		}
	}
}
