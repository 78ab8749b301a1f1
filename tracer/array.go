package tracer

import "fmt"

// Array is a float64 array of rank 0, 1 or 2, stored row-major and
// contiguous. It may carry a name (how a trace refers to it) and a label per
// axis (what the axis means: "samples", "features", ...).
//
// A transposed matrix is a view: T swaps the shape and labels and sets a
// flag, and only the matrix product reads the flag directly (it hands it to
// BLAS); every other operation copies the view into row-major order first.
type Array struct {
	name   string
	shape  Shape
	labels [2]string
	data   []float64
	trans  bool // data holds the row-major transpose of the logical array
	// aux is shared by every view of the same values: the index MarkSparse
	// builds and cached statistics. A copy with other values drops it.
	aux *arrayAux
	// pooled says the tracer allocated data and may reuse it once the
	// array is handed to Recycle.
	pooled bool
}

// New returns an array of the given shape over data, which it keeps (no
// copy). It panics if len(data) does not match the shape or the rank is
// above 2: that is a programming error.
func New(shape Shape, data []float64) *Array {
	if len(shape) > 2 {
		panic(fmt.Sprintf("tracer: rank %d arrays are not supported (at most 2)", len(shape)))
	}
	if shape.Size() != len(data) {
		panic(fmt.Sprintf("tracer: %d values for shape %v", len(data), shape))
	}
	return &Array{shape: append(Shape(nil), shape...), data: data}
}

// Zeros returns an array of zeros with the given sizes (none for a scalar).
func Zeros(sizes ...int) *Array {
	s := Shape(sizes)
	return New(s, make([]float64, s.Size()))
}

// Scalar returns a rank-0 array holding v.
func Scalar(v float64) *Array { return New(Shape{}, []float64{v}) }

// Matrix returns an r×c array over data (kept, not copied).
func Matrix(r, c int, data []float64) *Array { return New(Shape{r, c}, data) }

// Vector returns a rank-1 array over data (kept, not copied).
func Vector(data []float64) *Array { return New(Shape{len(data)}, data) }

// Shape returns the array's shape. The caller must not modify it.
func (a *Array) Shape() Shape { return a.shape }

// Rank is the number of axes (0, 1 or 2).
func (a *Array) Rank() int { return len(a.shape) }

// Size is the number of elements.
func (a *Array) Size() int { return len(a.data) }

// Name is how traces refer to the array ("" when unnamed).
func (a *Array) Name() string { return a.name }

// Labels returns what each axis means, "" where unknown.
func (a *Array) Labels() []string { return append([]string(nil), a.labels[:len(a.shape)]...) }

// Named returns a view of a under another name, sharing its values.
func (a *Array) Named(name string) *Array {
	b := *a
	b.name = name
	return &b
}

// WithLabels returns a view of a whose axes mean the given things, sharing
// its values. Give one label per axis.
func (a *Array) WithLabels(labels ...string) *Array {
	if len(labels) != len(a.shape) {
		panic(fmt.Sprintf("tracer: %d labels for an array of rank %d", len(labels), len(a.shape)))
	}
	b := *a
	b.labels = [2]string{}
	copy(b.labels[:], labels)
	return &b
}

// Data returns the values in row-major order. For a transposed view it
// returns a fresh copy; otherwise the array's own storage, which the caller
// must not modify while the array is in use.
func (a *Array) Data() []float64 {
	if a.trans {
		return a.contiguous().data
	}
	return a.data
}

// At returns the element at the given indices (none for a scalar, one for a
// vector, row and column for a matrix).
func (a *Array) At(idx ...int) float64 {
	if len(idx) != len(a.shape) {
		panic(fmt.Sprintf("tracer: %d indices for an array of rank %d", len(idx), len(a.shape)))
	}
	switch len(idx) {
	case 0:
		return a.data[0]
	case 1:
		return a.data[idx[0]]
	}
	r, c := idx[0], idx[1]
	if r < 0 || r >= a.shape[0] || c < 0 || c >= a.shape[1] {
		panic(fmt.Sprintf("tracer: index (%d,%d) out of range for shape %v", r, c, a.shape))
	}
	if a.trans {
		return a.data[c*a.shape[0]+r]
	}
	return a.data[r*a.shape[1]+c]
}

// Item returns the value of an array with exactly one element.
func (a *Array) Item() float64 {
	if len(a.data) != 1 {
		panic(fmt.Sprintf("tracer: Item of an array of shape %v", a.shape))
	}
	return a.data[0]
}

// Clone returns a deep copy in row-major order.
func (a *Array) Clone() *Array {
	b := withoutAux(*a)
	b.shape = append(Shape(nil), a.shape...)
	if a.trans {
		b.data = a.contiguous().data
	} else {
		b.data = alloc(len(a.data))
		copy(b.data, a.data)
	}
	b.trans = false
	b.pooled = true
	return &b
}

// Transposed reports whether the array is a transposed view.
func (a *Array) Transposed() bool { return a.trans }

// contiguous returns a itself, or a row-major copy when a is a transposed
// view.
func (a *Array) contiguous() *Array {
	if !a.trans {
		return a
	}
	r, c := a.shape[0], a.shape[1]
	out := alloc(len(a.data))
	transposeInto(out, a.data, c, r)
	b := withoutAux(*a)
	b.data = out
	b.trans = false
	b.pooled = true
	return &b
}

// transposeInto writes the transpose of the r×c row-major matrix src into
// dst (c×r), in cache-sized blocks.
func transposeInto(dst, src []float64, r, c int) {
	const blk = 32
	for i0 := 0; i0 < r; i0 += blk {
		i1 := min(i0+blk, r)
		for j0 := 0; j0 < c; j0 += blk {
			j1 := min(j0+blk, c)
			for i := i0; i < i1; i++ {
				row := src[i*c : i*c+c]
				for j := j0; j < j1; j++ {
					dst[j*r+i] = row[j]
				}
			}
		}
	}
}
