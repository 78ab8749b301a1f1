package tracer

// Reshape returns a's values in row-major order under a new shape, as
// NumPy's a.reshape(shape) (b[:, None] is b.reshape(n, 1); a.ravel() is
// a.reshape(a.size)). One size may be −1, meaning whatever the others leave.
// A size that does not fit panics with NumPy's text ("cannot reshape array
// of size 6 into shape (4,)").
func (t *Tape) Reshape(a *Array, shape ...int) *Array {
	want := append(Shape(nil), shape...)
	free, known := -1, 1
	for i, s := range want {
		if s == -1 && free < 0 {
			free = i
			continue
		}
		known *= s
	}
	if free >= 0 && known > 0 && a.Size()%known == 0 {
		want[free] = a.Size() / known
	}
	if len(want) > 2 || want.Size() != a.Size() {
		panic(shapeErrorf("reshape", "cannot reshape array of size %d into shape %v", a.Size(), Shape(shape)))
	}
	out := withoutAux(*a)
	out.shape = want
	out.data = a.Data()
	out.trans = false
	out.pooled = a.trans // a transposed view's Data is a fresh copy; otherwise the storage is a's
	out.labels = [2]string{}
	if len(want) == len(a.shape) && want.Equal(a.shape) {
		out.labels = a.labels
	}
	// A vector turned into a column or a row keeps its label on the axis
	// that holds its values.
	if len(a.shape) == 1 && len(want) == 2 {
		if want[0] == a.shape[0] {
			out.labels[0] = a.labels[0]
		} else {
			out.labels[1] = a.labels[0]
		}
	}
	out.name = a.name
	if t != nil {
		t.recordView("reshape", &out, a)
	}
	return &out
}
