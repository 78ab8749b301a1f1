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
						packedProduct(tile, got, a, b, m, k, n)
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
