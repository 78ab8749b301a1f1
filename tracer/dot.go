package tracer

// Dot is np.dot(a, b) for ranks 0 to 2: a matrix product for two matrices,
// an inner product for two vectors, a matrix-vector product when one is a
// vector, and a plain product when either is a scalar. Mismatched inner
// sizes fail with NumPy's "shapes ... not aligned" text.
func (t *Tape) Dot(a, b *Array) *Array {
	out := t.product(a, b, epilogue{})
	if out != nil {
		t.record("dot", out, nil, false, false, false, a, b)
		return out
	}
	out = t.Mul(a, b) // NumPy: dot with a 0-d operand is multiply
	if t != nil {
		t.Events[len(t.Events)-1].Op = "dot"
	}
	out.name = a.name + "·" + b.name
	return out
}

// DotDiv returns np.dot(a, b) / s for a single value s: the gradient
// dW1 = X1ᵀ·dZ1 / m. It records what NumPy runs, the product and then
// the division, and gives their bits; when nothing looks at the product
// (a nil tape, or one with ValuesOnly) it divides each part of the
// product as soon as that part is done, while it is in the cache,
// instead of writing the product and then a second array.
func (t *Tape) DotDiv(a, b, s *Array) *Array {
	if t != nil && !t.ValuesOnly || len(s.shape) != 0 || len(a.shape) != 2 || len(b.shape) != 2 {
		return t.Div(t.Dot(a, b), s)
	}
	out := t.product(a, b, divideBy(s.data[0]))
	out.name = out.name + binaryInfix[opDiv] + s.name
	t.record(binaryNames[opDiv], out, nil, false, false, true, a, b)
	return out
}

// DotAdd returns np.dot(a, b) + c for matrices a and b and a bias c that
// NumPy stretches along the rows, one value per column ((n,) or (1,n): Z1
// = X·W1 + b1), or along the columns, one value per row ((m,1): Z1 =
// W1·X + b1 in the features × samples layout). It records the product
// and the addition and gives their bits; when nothing looks at the
// product (a nil tape, or one with ValuesOnly) it adds the bias to each
// part of the product as soon as that part is done, instead of writing
// the product and then a second array.
func (t *Tape) DotAdd(a, b, c *Array) *Array {
	if (t == nil || t.ValuesOnly) && len(a.shape) == 2 && len(b.shape) == 2 && !c.trans {
		m, n := a.shape[0], b.shape[1]
		var ep epilogue
		switch {
		case c.shape.Equal(Shape{n}) || c.shape.Equal(Shape{1, n}):
			ep.row = c.data
		case c.shape.Equal(Shape{m, 1}):
			ep.col = c.data
		}
		if ep.row != nil || ep.col != nil {
			out := t.product(a, b, ep)
			product := &Array{shape: out.shape, labels: out.labels}
			out.labels = broadcastLabels(out.shape, product, c)
			out.name = out.name + binaryInfix[opAdd] + c.name
			t.record(binaryNames[opAdd], out, nil, false, false, true, a, c)
			return out
		}
	}
	return t.Add(t.Dot(a, b), c)
}

// DotMulOneMinusSquare returns np.dot(a, b) * (1 - d**2) for a product
// of d's shape: the gradient through tanh, dZ1 = (dZ2·W2ᵀ) ∘ (1 − A1²),
// as MulOneMinusSquare(Dot(a, b), d) records and computes it. When
// nothing looks at the product (a nil tape, or one with ValuesOnly) it
// takes each part of the product through the gradient as soon as that
// part is done, so that the product is never stored on its own: an array
// as large as A1 less at the peak of a step.
func (t *Tape) DotMulOneMinusSquare(a, b, d *Array) *Array {
	if (t == nil || t.ValuesOnly) && len(a.shape) == 2 && len(b.shape) == 2 && !d.trans &&
		d.shape.Equal(Shape{a.shape[0], b.shape[1]}) {
		out := t.product(a, b, epilogue{tanh: d.data})
		product := &Array{shape: out.shape, labels: out.labels}
		one, two := Scalar(1).Named("1"), Scalar(2).Named("2")
		out.labels = broadcastLabels(out.shape, product, d)
		out.name = out.name + binaryInfix[opMul] + one.name + binaryInfix[opSub] + d.name + binaryInfix[opPow] + two.name
		t.record(binaryNames[opMul], out, nil, false, false, true, a, d)
		return out
	}
	return t.MulOneMinusSquare(t.Dot(a, b), d)
}

// product computes np.dot(a, b), divided by sc's value if any, for ranks
// 1 and 2; nil when either is a scalar.
func (t *Tape) product(a, b *Array, sc epilogue) *Array {
	name := a.name + "·" + b.name
	if len(a.shape) == 0 || len(b.shape) == 0 {
		return nil
	}
	// Treat vectors as a row (left) or a column (right), as NumPy does,
	// and drop that axis from the result.
	ar, ac := 1, a.shape[0]
	if len(a.shape) == 2 {
		ar, ac = a.shape[0], a.shape[1]
	}
	br, bc := b.shape[0], 1
	if len(b.shape) == 2 {
		bc = b.shape[1]
	}
	if ac != br {
		adim := len(a.shape) - 1
		panic(shapeErrorf("dot", "shapes %v and %v not aligned: %d (dim %d) != %d (dim 0)", a.shape, b.shape, ac, adim, br))
	}
	out := &Array{name: name, data: alloc(ar * bc), pooled: true}
	switch {
	case len(a.shape) == 2 && len(b.shape) == 2:
		out.shape = Shape{ar, bc}
		out.labels = [2]string{a.labels[0], b.labels[1]}
	case len(a.shape) == 2:
		out.shape = Shape{ar}
		out.labels = [2]string{a.labels[0]}
	case len(b.shape) == 2:
		out.shape = Shape{bc}
		out.labels = [2]string{b.labels[1]}
	default:
		out.shape = Shape{}
	}
	gemm(out.data, a, b, ar, ac, bc, sc)
	return out
}

// T returns the transpose of a as a view (a vector or scalar is returned
// unchanged, as with NumPy's .T).
func (t *Tape) T(a *Array) *Array {
	out := *a
	out.name = a.name + "ᵀ"
	if len(a.shape) == 2 {
		out.shape = Shape{a.shape[1], a.shape[0]}
		out.labels = [2]string{a.labels[1], a.labels[0]}
		out.trans = !a.trans
	}
	if t != nil {
		// The values are the same set as a's, so are the statistics.
		t.recordView("transpose", &out, a)
	}
	return &out
}

// recordView records an operation whose result shares a's values.
func (t *Tape) recordView(op string, out, a *Array) {
	if t.ValuesOnly {
		t.Events = append(t.Events, Event{Statement: t.statement, Op: op, Value: out})
		return
	}
	e := Event{
		Statement: t.statement,
		Op:        op,
		Result:    out.name,
		Shape:     append(Shape(nil), out.shape...),
		Labels:    out.Labels(),
		Inputs:    []Operand{operand(a, nil)},
		Value:     out,
	}
	if !t.NoStats {
		e.Stats = viewStats(a)
	}
	t.Events = append(t.Events, e)
}

// Dim returns a.shape[axis] as a scalar, recorded as a "shape" operation so
// a trace shows where a count such as m came from.
func (t *Tape) Dim(a *Array, axis int) *Array {
	ax, err := normAxis(axis, len(a.shape))
	if err != nil {
		err.Op = "shape"
		err.Msg = "tuple index out of range"
		panic(err)
	}
	out := Scalar(float64(a.shape[ax]))
	out.name = a.name + ".shape[" + itoa(axis) + "]"
	if t != nil && t.ValuesOnly {
		t.Events = append(t.Events, Event{Statement: t.statement, Op: "shape", Value: out})
	} else if t != nil {
		ax := ax
		e := Event{Statement: t.statement, Op: "shape", Result: out.name, Shape: Shape{},
			Inputs: []Operand{operand(a, nil)}, Axis: &ax, Value: out}
		if !t.NoStats {
			e.Stats = summarize(out.data)
		}
		t.Events = append(t.Events, e)
	}
	return out
}

// OneHot returns the len(labels)×classes matrix with a 1 in each row at the
// label's column, as np.eye(classes)[labels]. A label outside 0..classes-1
// fails with NumPy's index error text.
func OneHot(labels []int, classes int) *Array {
	out := Zeros(len(labels), classes)
	for i, l := range labels {
		if l < 0 || l >= classes {
			panic(shapeErrorf("onehot", "index %d is out of bounds for axis 0 with size %d", l, classes))
		}
		out.data[i*classes+l] = 1
	}
	return out
}
