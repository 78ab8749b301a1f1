package tracer

import (
	"strconv"
	"strings"
)

// Shape is the size of each axis: empty for a scalar (rank 0), one entry for
// a vector, two for a matrix.
type Shape []int

// String writes the shape as NumPy does in its error messages:
// "(10000,784)", "(10000,)", "()".
func (s Shape) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(s) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// Size is the number of elements.
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Equal reports whether both shapes have the same rank and sizes.
func (s Shape) Equal(t Shape) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

// broadcastShapes returns the shape NumPy gives to an elementwise operation
// on operands of shapes a and b: align the shapes on the right, and on each
// axis the sizes must be equal or one of them 1 (which is stretched).
func broadcastShapes(a, b Shape) (Shape, bool) {
	n := max(len(a), len(b))
	out := make(Shape, n)
	for i := 1; i <= n; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		switch {
		case da == db:
			out[n-i] = da
		case da == 1:
			out[n-i] = db
		case db == 1:
			out[n-i] = da
		default:
			return nil, false
		}
	}
	return out, true
}

// broadcastAxes lists the axes of the result shape out along which an
// operand of shape s was repeated: the axes it lacks and the axes where it
// has size 1 and the result does not.
func broadcastAxes(s, out Shape) []int {
	var axes []int
	off := len(out) - len(s)
	for i := range out {
		if i < off {
			if out[i] != 1 {
				axes = append(axes, i)
			}
			continue
		}
		if s[i-off] == 1 && out[i] != 1 {
			axes = append(axes, i)
		}
	}
	return axes
}
