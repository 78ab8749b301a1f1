package tracer

import (
	"math"
)

// AllAxes is the axis argument that reduces over every axis, NumPy's
// axis=None.
const AllAxes = math.MinInt

type reduceOp int

const (
	opSum reduceOp = iota
	opMean
	opMax
	opArgmax
)

var reduceNames = [...]string{"sum", "mean", "max", "argmax"}

// Sum adds along axis (or AllAxes), as np.sum(a, axis=axis, keepdims=keepdims).
func (t *Tape) Sum(a *Array, axis int, keepdims bool) *Array {
	return t.reduce(opSum, a, axis, keepdims)
}

// Mean averages along axis (or AllAxes), as np.mean.
func (t *Tape) Mean(a *Array, axis int, keepdims bool) *Array {
	return t.reduce(opMean, a, axis, keepdims)
}

// Max takes the largest value along axis (or AllAxes); NaN propagates, as
// in np.max.
func (t *Tape) Max(a *Array, axis int, keepdims bool) *Array {
	return t.reduce(opMax, a, axis, keepdims)
}

// Argmax returns the index of the first largest value along axis (or over
// the flattened array for AllAxes). As in NumPy, the first NaN counts as the
// largest, so an all-NaN row gives 0.
func (t *Tape) Argmax(a *Array, axis int, keepdims bool) *Array {
	return t.reduce(opArgmax, a, axis, keepdims)
}

// normAxis turns a possibly negative axis into 0..rank-1, or returns
// NumPy's AxisError text.
func normAxis(axis, rank int) (int, *ShapeError) {
	if axis < -rank || axis >= rank {
		return 0, shapeErrorf("axis", "axis %d is out of bounds for array of dimension %d", axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

func (t *Tape) reduce(op reduceOp, a *Array, axis int, keepdims bool) *Array {
	ca := a.contiguous()
	defer releaseCopy(ca, a)
	a = ca
	rank := len(a.shape)
	var axisOut *int
	if axis != AllAxes {
		ax, err := normAxis(axis, rank)
		if err != nil {
			err.Op = reduceNames[op]
			panic(err)
		}
		axis = ax
		axisOut = &ax
	}
	if len(a.data) == 0 && (op == opMax || op == opArgmax) {
		panic(shapeErrorf(reduceNames[op], "zero-size array to reduction operation %s which has no identity", reduceNames[op]))
	}
	name := reduceNames[op] + "(" + a.name
	if axis != AllAxes {
		name += ", axis=" + itoa(axis)
	}
	if keepdims {
		name += ", keepdims"
	}
	name += ")"

	var out *Array
	switch {
	case axis == AllAxes || rank == 1:
		var v float64
		switch op {
		case opSum:
			v = pairwiseSumParallel(a.data)
		case opMean:
			v = pairwiseSumParallel(a.data) / float64(len(a.data))
		case opMax:
			v = a.data[argmax(a.data, 1)]
		case opArgmax:
			v = float64(argmax(a.data, 1))
		}
		shape := Shape{}
		if keepdims {
			shape = make(Shape, rank)
			for i := range shape {
				shape[i] = 1
			}
		}
		out = &Array{shape: shape, data: []float64{v}}
	case axis == 1:
		r, c := a.shape[0], a.shape[1]
		out = newResult(Shape{r}, [2]string{a.labels[0]})
		o := out.data
		parallelRange(r, max(parallelMin/max(c, 1), 1), func(lo, hi int) {
			i := lo
			if op == opMax || op == opArgmax {
				var at [4]int
				for ; i+4 <= hi; i += 4 {
					argmax4(a.data[i*c:(i+4)*c], c, &at)
					for k, j := range at {
						if op == opMax {
							o[i+k] = a.data[(i+k)*c+j]
						} else {
							o[i+k] = float64(j)
						}
					}
				}
			}
			for ; i < hi; i++ {
				row := a.data[i*c : i*c+c]
				switch op {
				case opSum:
					o[i] = pairwiseSum(row)
				case opMean:
					o[i] = pairwiseSum(row) / float64(c)
				case opMax:
					o[i] = row[argmax(row, 1)]
				case opArgmax:
					o[i] = float64(argmax(row, 1))
				}
			}
		})
		if keepdims {
			out.shape = Shape{r, 1}
		}
	default: // axis 0 of a matrix: NumPy adds the rows in order.
		r, c := a.shape[0], a.shape[1]
		out = newResult(Shape{c}, [2]string{a.labels[1]})
		o := out.data
		// Each goroutine takes a range of columns (wide rows only: two
		// goroutines reading halves of narrow rows get in each other's
		// way) and adds the rows in order, so every sum is NumPy's.
		parallelRange(c, max(parallelMin/max(r, 1), 512), func(lo, hi int) {
			switch op {
			case opSum, opMean:
				if lo > 0 || hi < c || !columnSums(o, a.data, r, c) {
					clear(o[lo:hi])
					for i := 0; i < r; i++ {
						row := a.data[i*c+lo : i*c+hi]
						for j, v := range row {
							o[lo+j] += v
						}
					}
				}
				if op == opMean {
					for j := lo; j < hi; j++ {
						o[j] /= float64(r)
					}
				}
			default:
				for j := lo; j < hi; j++ {
					k := argmax(a.data[j:], c)
					if op == opMax {
						o[j] = a.data[j+k*c]
					} else {
						o[j] = float64(k)
					}
				}
			}
		})
		if keepdims {
			out.shape = Shape{1, c}
			out.labels = [2]string{"", a.labels[1]}
		}
	}
	out.name = name
	t.record(reduceNames[op], out, axisOut, keepdims, true, false, a)
	return out
}

// argmax returns the position of the first largest of v[0], v[stride], ...
// with NaN counted as largest. The sequence must not be empty.
func argmax(v []float64, stride int) int {
	best, bi := v[0], 0
	if best != best {
		return 0
	}
	for i, k := stride, 1; i < len(v); i, k = i+stride, k+1 {
		x := v[i]
		if x != x {
			return k
		}
		if x > best {
			best, bi = x, k
		}
	}
	return bi
}

// argmax4 sets at[k] to argmax(v[k*c : (k+1)*c], 1) for four rows of c
// values. It follows the four rows together without a branch on the data:
// which value of a softmax row is largest is a coin toss for a branch
// predictor, and the mispredictions cost more than the comparisons.
func argmax4(v []float64, c int, at *[4]int) {
	r0, r1, r2, r3 := v[0:c], v[c:2*c], v[2*c:3*c], v[3*c:4*c]
	m0, m1, m2, m3 := r0[0], r1[0], r2[0], r3[0]
	var i0, i1, i2, i3 int
	nan := m0 != m0 || m1 != m1 || m2 != m2 || m3 != m3
	for j := 1; j < c; j++ {
		x0, x1, x2, x3 := r0[j], r1[j], r2[j], r3[j]
		// mask is all ones where the value is a new largest.
		g0, g1, g2, g3 := -b2u(x0 > m0), -b2u(x1 > m1), -b2u(x2 > m2), -b2u(x3 > m3)
		m0 = pick(m0, x0, g0)
		m1 = pick(m1, x1, g1)
		m2 = pick(m2, x2, g2)
		m3 = pick(m3, x3, g3)
		i0 ^= (i0 ^ j) & int(g0)
		i1 ^= (i1 ^ j) & int(g1)
		i2 ^= (i2 ^ j) & int(g2)
		i3 ^= (i3 ^ j) & int(g3)
		nan = nan || x0 != x0 || x1 != x1 || x2 != x2 || x3 != x3
	}
	*at = [4]int{i0, i1, i2, i3}
	if nan { // NaN counts as largest: the plain loop knows
		for k := range at {
			at[k] = argmax(v[k*c:(k+1)*c], 1)
		}
	}
}

// pick returns x where mask is all ones, else m, bit for bit.
func pick(m, x float64, mask uint64) float64 {
	b := math.Float64bits(m)
	return math.Float64frombits(b ^ (b^math.Float64bits(x))&mask)
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// pairwiseSum adds v the way NumPy does for a contiguous run (its
// pairwise_sum in loops_utils.h): in order below 8 values, eight running
// totals up to 128, and halving above. Matching the order makes our sums
// equal NumPy's to the last bit.
func pairwiseSum(v []float64) float64 {
	n := len(v)
	switch {
	case n < 8:
		var s float64
		for _, x := range v {
			s += x
		}
		return s
	case n <= 128:
		var r [8]float64
		copy(r[:], v[:8])
		i := 8
		for ; i < n-(n%8); i += 8 {
			r[0] += v[i]
			r[1] += v[i+1]
			r[2] += v[i+2]
			r[3] += v[i+3]
			r[4] += v[i+4]
			r[5] += v[i+5]
			r[6] += v[i+6]
			r[7] += v[i+7]
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += v[i]
		}
		return s
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(v[:n2]) + pairwiseSum(v[n2:])
	}
}

// pairwiseSumParallel is pairwiseSum with the two halves of a long run
// added on separate goroutines: the same additions in the same order.
func pairwiseSumParallel(v []float64) float64 {
	n := len(v)
	if n < 2*parallelMin || workers() < 2 {
		return pairwiseSum(v)
	}
	n2 := n / 2
	n2 -= n2 % 8
	var left float64
	done := make(chan struct{})
	go func() {
		left = pairwiseSumParallel(v[:n2])
		close(done)
	}()
	right := pairwiseSumParallel(v[n2:])
	<-done
	return left + right
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
