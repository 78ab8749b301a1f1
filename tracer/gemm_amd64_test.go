//go:build amd64 && !purego

package tracer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// The AVX-512 and AVX2 tiles of a dense product add in the same order, so
// they must give the same bits, on one core or on several.
func TestDenseTilesGiveSameBits(t *testing.T) {
	if !haveAVX2 {
		t.Skip("no AVX2")
	}
	tiles := []gemmKernel{pickDenseTile(false, true)}
	if haveAVX512 {
		tiles = append(tiles, pickDenseTile(true, true))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range [][3]int{{9, 600, 25}, {300, 513, 100}, {513, 40, 777}, {17, 3000, 5}} {
		m, k, n := sh[0], sh[1], sh[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				a, b := randomMatrix(rng, m, k, 0.1, ta), randomMatrix(rng, k, n, 0.1, tb)
				a.data[0] = math.Inf(1) // a non-finite value travels as in the triple loop
				want, scale := referenceProduct(a, b)
				var first []float64
				for _, tile := range tiles {
					for _, procs := range []int{1, 2} {
						name := fmt.Sprintf("%dx%dx%d/ta=%v/tb=%v/tile=%dx%d/procs=%d", m, k, n, ta, tb, tile.mr, tile.nr, procs)
						prev := runtime.GOMAXPROCS(procs)
						got := make([]float64, m*n)
						packedProduct(tile, got, a, b, m, k, n, epilogue{})
						runtime.GOMAXPROCS(prev)
						for i, v := range got {
							if !closeTo(v, want[i], scale[i]+1) {
								t.Fatalf("%s: element (%d,%d) = %v, triple loop gives %v", name, i/n, i%n, v, want[i])
							}
							if first != nil && math.Float64bits(v) != math.Float64bits(first[i]) && !(v != v && first[i] != first[i]) {
								t.Fatalf("%s: element (%d,%d) = %v, the first tile on one core gave %v", name, i/n, i%n, v, first[i])
							}
						}
						if first == nil {
							first = got
						}
					}
				}
			}
		}
	}
}

// The AVX-512 sparse kernels take wider chunks of a row than the AVX2
// ones, but split the same sums in two (those of rows of 28 columns or
// fewer), so a sparse product gives the same bits with either.
func TestSparseKernelsGiveSameBits(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512")
	}
	defer func(v bool) { haveAVX512 = v }(haveAVX512)
	rng := rand.New(rand.NewPCG(5, 6))
	var tp *Tape
	for i, n := range []int{3, 10, 28, 32, 60, 61, 84, 123, 512, 1021} {
		S := randomMatrix(rng, 300, 200, 0.8, false)
		if i%2 == 1 { // pixels: an index with codes
			for k, x := range S.data {
				S.data[k] = math.Round(math.Abs(x)*40) / 255
			}
		}
		S.MarkSparse()
		D := randomMatrix(rng, 200, n, 0, false)
		G := randomMatrix(rng, 300, n, 0, false)
		var got [2][]float64
		var gotT [2][]float64
		for i, wide := range []bool{false, true} {
			haveAVX512 = wide
			got[i] = tp.Dot(S, D).Data()        // rows of S
			gotT[i] = tp.Dot(tp.T(S), G).Data() // columns of S
		}
		for i := range got[0] {
			if math.Float64bits(got[0][i]) != math.Float64bits(got[1][i]) {
				t.Fatalf("n=%d: S·D element %d: AVX2 %v, AVX-512 %v", n, i, got[0][i], got[1][i])
			}
		}
		for i := range gotT[0] {
			if math.Float64bits(gotT[0][i]) != math.Float64bits(gotT[1][i]) {
				t.Fatalf("n=%d: Sᵀ·G element %d: AVX2 %v, AVX-512 %v", n, i, gotT[0][i], gotT[1][i])
			}
		}
	}
}

// The AVX2 and AVX-512 update kernels round as the scalar loop does.
func TestScaledKernelsGiveSameBits(t *testing.T) {
	if !haveAVX2 {
		t.Skip("no AVX2")
	}
	orig := haveAVX512
	defer func() { haveAVX512 = orig }()
	rng := rand.New(rand.NewPCG(16, 17))
	x, y := make([]float64, 1000), make([]float64, 1000)
	for i := range x {
		x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	y[500] = math.Inf(-1)
	for _, wide := range []bool{false, true} {
		haveAVX512 = wide && orig
		for _, add := range []bool{false, true} {
			o := make([]float64, len(x))
			finite := scaledSlice(o, x, y, 0.01, add)
			if finite {
				t.Fatalf("wide=%v add=%v: -Inf in the result not seen", wide, add)
			}
			for i := range o {
				p := float64(0.01 * y[i])
				want := x[i] - p
				if add {
					want = x[i] + p
				}
				if !sameFloat(o[i], want, 0) {
					t.Fatalf("wide=%v add=%v: element %d = %v, scalar %v", wide, add, i, o[i], want)
				}
			}
		}
	}
}

// statsBlockZ and statsBlock2 must give each piece the AVX2 kernel's
// bits, minimum and maximum among ±0 included.
func TestStatsPairGivesSingleBits(t *testing.T) {
	if !haveStats2 {
		t.Skip("no AVX-512")
	}
	orig := haveAVX512
	defer func() { haveAVX512 = orig }()
	rng := rand.New(rand.NewPCG(18, 19))
	for _, n := range []int{8, 64, 1000, statsChunk} {
		v, u := make([]float64, n), make([]float64, n)
		for i := range v {
			v[i], u[i] = rng.NormFloat64()*1e3, rng.NormFloat64()*1e-3
			switch rng.IntN(5) {
			case 0:
				v[i] = math.Copysign(0, float64(rng.IntN(2)*2-1))
			case 1:
				u[i] = math.Copysign(0, float64(rng.IntN(2)*2-1))
			}
		}
		if n == 1000 {
			u[7] = math.NaN()
		}
		if n == 64 { // the minimum is a zero, +0 or −0 by the order of the comparisons
			for i := range v {
				v[i], u[i] = math.Abs(v[i]), math.Abs(u[i])
				if i%2 == 0 {
					v[i] = math.Copysign(0, float64(rng.IntN(2)*2-1))
				}
				if i%3 == 0 {
					u[i] = math.Copysign(0, float64(rng.IntN(2)*2-1))
				}
			}
			// In lane 0, −0 then +0 last: the minimum is +0 in the
			// order statsBlock compares them, −0 in the other.
			for i := range v {
				v[i] = 1 + float64(i)
			}
			v[56], v[60] = math.Copysign(0, -1), 0
		}
		for _, shift := range []float64{0, 0.3, v[0]} {
			haveAVX512 = false
			wp, wq := summarizePart(v, shift), summarizePart(u, shift)
			haveAVX512 = true
			p, q := summarizePair(v, u, shift)
			if !samePart(p, wp) || !samePart(q, wq) {
				t.Fatalf("n=%d shift=%v: pair %+v %+v, AVX2 one by one %+v %+v", n, shift, p, q, wp, wq)
			}
			if p, q := summarizePart(v, shift), summarizePart(u, shift); !samePart(p, wp) || !samePart(q, wq) {
				t.Fatalf("n=%d shift=%v: AVX-512 %+v %+v, AVX2 %+v %+v", n, shift, p, q, wp, wq)
			}
		}
	}
}

// samePart compares two summaries bit for bit.
func samePart(a, b statsPart) bool {
	bits := math.Float64bits
	return a.n == b.n && a.nan == b.nan && a.inf == b.inf && a.zeros == b.zeros &&
		bits(a.sum) == bits(b.sum) && bits(a.sumSq) == bits(b.sumSq) && bits(a.sq) == bits(b.sq) &&
		bits(a.min) == bits(b.min) && bits(a.max) == bits(b.max)
}
