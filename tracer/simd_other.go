//go:build !amd64 || purego

package tracer

import "math"

// Without the amd64 kernels, products run the portable loops of matmul.go
// (dense ones through gonum's BLAS).
const (
	haveAVX2   = false
	haveAVX512 = false
)

// denseTile: no register kernels, products go through gonum.
var denseTile = gemmKernel{}

func (g gemmKernel) run(kc int, a *float64, arow, astep int, b, c *float64, ldc, add int) {
	panic("tracer: no product kernel on this architecture")
}

func accumulateSparseRows(dst []float64, ldo, w int, ptr []int, idx []int32, val values, d []float64, ldd int, add bool) {
	accumulateSparseRowsGo(dst, ldo, w, ptr, idx, val, d, ldd, add)
}

func statsLanes(v []float64, shift float64, acc *[6][4]float64) {
	panic("tracer: no statistics kernel on this architecture")
}

const haveStats2 = false

func statsLanes2(v, u []float64, shift float64, acc, acc2 *[6][4]float64) {
	panic("tracer: no statistics kernel on this architecture")
}

func tanhSlice(o, x []float64) {
	x = x[:len(o)]
	for i, v := range x {
		o[i] = math.Tanh(v)
	}
}

func expSlice(o, x []float64) {
	x = x[:len(o)]
	for i, v := range x {
		o[i] = exp(v)
	}
}

func logSlice(o, x []float64) {
	x = x[:len(o)]
	for i, v := range x {
		o[i] = math.Log(v)
	}
}

func arithVV(op binaryOp, o, x, y []float64) int                   { return 0 }
func arithVS(op binaryOp, o, x []float64, y float64) int           { return 0 }
func arithSV(op binaryOp, o []float64, x float64, y []float64) int { return 0 }

func finitePrefix(v []float64) (int, bool) { return 0, true }

func scaledPrefix(o, x, y []float64, s float64, add bool) (int, bool) { return 0, true }

func columnSums(o, data []float64, r, c int) bool { return false }
