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
	a = a.contiguous()
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
			v = pairwiseSum(a.data)
		case opMean:
			v = pairwiseSum(a.data) / float64(len(a.data))
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
		o := make([]float64, r)
		for i := 0; i < r; i++ {
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
		out = &Array{shape: Shape{r}, data: o, labels: [2]string{a.labels[0]}}
		if keepdims {
			out.shape = Shape{r, 1}
		}
	default: // axis 0 of a matrix: NumPy adds the rows in order.
		r, c := a.shape[0], a.shape[1]
		o := make([]float64, c)
		switch op {
		case opSum, opMean:
			for i := 0; i < r; i++ {
				row := a.data[i*c : i*c+c]
				for j, v := range row {
					o[j] += v
				}
			}
			if op == opMean {
				for j := range o {
					o[j] /= float64(r)
				}
			}
		default:
			for j := 0; j < c; j++ {
				k := argmax(a.data[j:], c)
				if op == opMax {
					o[j] = a.data[j+k*c]
				} else {
					o[j] = float64(k)
				}
			}
		}
		out = &Array{shape: Shape{c}, data: o, labels: [2]string{a.labels[1]}}
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

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
