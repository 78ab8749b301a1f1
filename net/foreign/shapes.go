package foreign

import (
	"fmt"
	"math"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// readShapes settles the depth, the layout and the sizes, reads one sample
// given as 1-D vectors as a batch of one, finds a bias folded into W1 and
// reads each layer's bias form.
func (r *reader) readShapes() error {
	X, W1 := r.get("X"), r.get("W1")
	if X == nil {
		return fmt.Errorf("foreign: no array reads as the inputs X (the file has %s): name it X, or pass --map X=KEY", keyList(r.f))
	}
	if W1 == nil {
		return fmt.Errorf("foreign: no array reads as the first layer's weights W1 (the file has %s): name them W1, W2, …, or pass --map W1=KEY", keyList(r.f))
	}
	if r.get("Y") == nil {
		return fmt.Errorf("foreign: no array reads as the targets Y (the file has %s): name them Y, or pass --map Y=KEY", keyList(r.f))
	}
	L := 1
	for r.get(fmt.Sprintf("W%d", L+1)) != nil {
		L++
	}
	// One output unit kept as vectors: w (H,), z (N,), b a number.
	WL := r.get(fmt.Sprintf("W%d", L))
	vectorOut := WL.Rank() == 1 && WL.Size() > 0 && (L > 1 || X.Rank() == 2)
	for l := 1; l <= L; l++ {
		W := r.get(fmt.Sprintf("W%d", l))
		if W.Rank() != 2 && !(l == L && vectorOut) {
			return fmt.Errorf("foreign: W%d has shape %v: weights must be matrices (inputs × units or units × inputs)", l, W.Shape())
		}
		if W.Size() == 0 {
			return fmt.Errorf("foreign: W%d has shape %v, with no weights: every layer needs at least one unit and one input", l, W.Shape())
		}
	}
	if X.Rank() == 0 || X.Rank() > 2 {
		return fmt.Errorf("foreign: X has shape %v: it must hold samples × features (or one sample as a vector)", X.Shape())
	}
	if X.Size() == 0 {
		return fmt.Errorf("foreign: X has shape %v and holds no samples or no features: dump a batch of at least one sample", X.Shape())
	}
	if X.Rank() == 1 {
		if vectorOut {
			return fmt.Errorf("foreign: X is one sample and W%d %v one output unit, both as vectors: reshape one of them, e.g. X.reshape(1, -1)", L, WL.Shape())
		}
		if err := r.readOneSample(); err != nil {
			return err
		}
	}
	if vectorOut {
		if err := r.readVectorOutput(L); err != nil {
			return err
		}
	}
	layout, err := r.detectLayout()
	if err != nil {
		return err
	}
	rows := layout == net.Rows
	in, out := 0, 1 // a weight matrix's input and unit axes
	if !rows {
		in, out = 1, 0
	}
	cfg := net.Config{Layout: layout, LR: 0.1, Epochs: 1, Act: net.Tanh}
	X = r.get("X")
	sampleAxis := 0
	if !rows {
		sampleAxis = 1
	}
	r.d.Samples = X.Shape()[sampleAxis]
	if r.d.Samples == 0 {
		return fmt.Errorf("foreign: X has shape %v: it holds no samples", X.Shape())
	}
	cfg.Inputs = r.get("W1").Shape()[in]
	for l := 1; l <= L; l++ {
		W := r.get(fmt.Sprintf("W%d", l))
		if l > 1 {
			prev := r.get(fmt.Sprintf("W%d", l-1))
			if W.Shape()[in] == prev.Shape()[out]+1 {
				return fmt.Errorf("foreign: W%d %v takes one input more than layer %d's %d units: a bias folded into W%d (ones added to A%d)? backstep reads a folded bias in the first layer only — dump W%d's bias row as b%d and the rest as W%d", l, W.Shape(), l-1, prev.Shape()[out], l, l-1, l, l, l)
			}
			if W.Shape()[in] != prev.Shape()[out] {
				return fmt.Errorf("foreign: W%d %v does not follow W%d %v: layer %d has %d units (%s layout)", l, W.Shape(), l-1, prev.Shape(), l-1, prev.Shape()[out], layout)
			}
		}
		if l < L {
			cfg.Hidden = append(cfg.Hidden, W.Shape()[out])
		} else {
			cfg.Classes = W.Shape()[out]
		}
	}
	sizes := cfg.Sizes()
	if err := r.sameBatch(sizes, sampleAxis); err != nil {
		return err
	}
	for l := 1; l <= L; l++ {
		form, err := r.biasForm(l, sizes[l], rows)
		if err != nil {
			return err
		}
		cfg.Biases = append(cfg.Biases, form)
	}
	r.d.Config = cfg
	return nil
}

// sameBatch refuses a step whose per-sample tensors (Z1, A1, …, dZ1, …:
// samples × units in the rows layout, units × samples in the cols one) all
// hold another number of samples than X: a mini-batch step dumped beside
// the whole training set (or the reverse), which no statement can relate.
// sizes are the layer sizes, inputs first.
func (r *reader) sameBatch(sizes []int, sampleAxis int) error {
	var names []string
	batch := 0
	for l := 1; l < len(sizes); l++ {
		for _, name := range []string{"Z%d", "A%d", "dZ%d"} {
			name = fmt.Sprintf(name, l)
			t := r.get(name)
			if t == nil || t.Rank() != 2 || t.Shape()[1-sampleAxis] != sizes[l] {
				continue
			}
			n := t.Shape()[sampleAxis]
			if n == r.d.Samples || batch != 0 && n != batch {
				return nil // some tensor is X's batch, or they disagree among themselves
			}
			batch = n
			names = append(names, name)
		}
	}
	if len(names) < 2 {
		return nil
	}
	if len(names) > 3 {
		names = append(names[:3], "…")
	}
	held := fmt.Sprintf("X holds %d samples but %s hold %d", r.d.Samples, strings.Join(names, ", "), batch)
	if batch < r.d.Samples {
		return fmt.Errorf("foreign: %s: the step ran on a batch of %d — dump that batch (X_batch, Y_batch) as X and Y", held, batch)
	}
	return fmt.Errorf("foreign: %s: the step ran on other samples than X's — dump the X and Y it ran on", held)
}

func keyList(f *net.NumPyFile) string {
	keys := f.Keys()
	if len(keys) > 12 {
		return fmt.Sprintf("%d keys: %v, …", len(keys), keys[:12])
	}
	return fmt.Sprint(keys)
}

// readVectorOutput reads one output unit kept as vectors (w of shape (H,),
// z = A·w of shape (N,), a bias that is one number) as a layer of one
// unit: in the rows layout w becomes (H,1) and z (N,1); in the cols layout
// (w @ A, A of H × N) w becomes (1,H) and z (1,N).
func (r *reader) readVectorOutput(L int) error {
	var tp *tracer.Tape
	W := fmt.Sprintf("W%d", L)
	w := r.get(W)
	h := w.Size()
	in := r.get("X")
	if L > 1 {
		prev := r.get(fmt.Sprintf("W%d", L-1))
		x, p := in.Shape(), prev.Shape()
		switch {
		case x[1] == p[0] && p[1] == h: // rows: X·W1 … · w
			in = nil
		case p[1] == x[0] && p[0] == h: // cols: W1·X … w·A
		default:
			return fmt.Errorf("foreign: W%d %v is one output unit as a vector, but W%d %v gives it no layer of %d units", L, w.Shape(), L-1, p, h)
		}
	} else if in.Shape()[1] == h {
		in = nil
	} else if in.Shape()[0] != h {
		return fmt.Errorf("foreign: W1 %v is one output unit as a vector, but X %v has no axis of %d features", w.Shape(), in.Shape(), h)
	}
	rows := in == nil
	column := func(a *tracer.Array) *tracer.Array {
		if rows {
			return tp.Reshape(a, a.Size(), 1)
		}
		return tp.Reshape(a, 1, a.Size())
	}
	for _, name := range []string{W, "d" + W, W + "_next"} {
		if a := r.get(name); a != nil && a.Rank() == 1 && a.Size() == h {
			r.d.Raw[name] = a.Shape()
			r.arrays[name] = column(a).Named(name)
		}
	}
	n := r.get("X").Shape()[0]
	if !rows {
		n = r.get("X").Shape()[1]
	}
	for _, name := range []string{fmt.Sprintf("Z%d", L), fmt.Sprintf("A%d", L), fmt.Sprintf("dZ%d", L)} {
		if a := r.get(name); a != nil && a.Rank() == 1 && a.Size() == n {
			r.d.Raw[name] = a.Shape()
			if rows {
				r.arrays[name] = tp.Reshape(a, n, 1).Named(name)
			} else {
				r.arrays[name] = tp.Reshape(a, 1, n).Named(name)
			}
		}
	}
	for _, name := range []string{fmt.Sprintf("b%d", L), fmt.Sprintf("db%d", L), fmt.Sprintf("b%d_next", L)} {
		if a := r.get(name); a != nil && a.Size() == 1 && a.Rank() == 0 {
			r.d.Raw[name] = a.Shape()
			r.arrays[name] = tp.Reshape(a, 1).Named(name)
		}
	}
	r.note("one output unit as vectors: W%d %v read as a layer of one unit", L, w.Shape())
	return nil
}

// readOneSample turns a dump of one sample as 1-D vectors (x of shape
// (784,), z1 of (128,)) into a batch of one: columns in the cols layout
// (W1 @ x, W1 of units × inputs), rows in the rows layout (x @ W1).
func (r *reader) readOneSample() error {
	X, W1 := r.get("X"), r.get("W1")
	n := X.Size()
	var cols bool
	switch {
	case r.o.Layout == net.Cols || r.o.Layout == "" && W1.Shape()[1] == n && W1.Shape()[0] != n:
		cols = true
	case r.o.Layout == net.Rows || r.o.Layout == "" && W1.Shape()[0] == n && W1.Shape()[1] != n:
		cols = false
	case W1.Shape()[1] == n+1 && r.o.Layout != net.Rows:
		cols = true // a folded bias: readShapes finds it
	case W1.Shape()[0] == n+1:
		cols = false
	case W1.Shape()[0] == n:
		// Square: Z1 says which product the code took.
		var tp *tracer.Tape
		z1, b1 := r.get("Z1"), r.get("b1")
		if z1 != nil && z1.Size() == n && (b1 == nil || b1.Size() == n) {
			z := tp.Reshape(z1, n)
			colsZ, rowsZ := tp.Dot(W1, tp.Reshape(X, n)), tp.Dot(tp.Reshape(X, n), W1)
			if b1 != nil {
				colsZ, rowsZ = tp.Add(colsZ, tp.Reshape(b1, n)), tp.Add(rowsZ, tp.Reshape(b1, n))
			}
			c, rw := matches(z, colsZ, r.matchTolerance()), matches(z, rowsZ, r.matchTolerance())
			if c != rw {
				cols = c
				break
			}
		}
		return fmt.Errorf("foreign: X is one sample of %d values and W1 %v is square: give --layout cols (W1 @ x) or --layout rows (x @ W1)", n, W1.Shape())
	default:
		return fmt.Errorf("foreign: X is one sample of %d values, but W1 %v takes %d or %d inputs: X should be (samples, %d) or one sample of %d values", n, W1.Shape(), W1.Shape()[0], W1.Shape()[1], W1.Shape()[0], W1.Shape()[1])
	}
	var tp *tracer.Tape
	for name, a := range r.arrays {
		role, _ := parseName(name)
		if name == "loss" || a.Rank() != 1 || role.Kind == "b" || role.Kind == "db" {
			continue // biases stay vectors: their form is read per layer
		}
		if name == "Y" && a.Size() == 1 {
			continue // one class number
		}
		r.d.Raw[name] = a.Shape()
		if cols {
			r.arrays[name] = tp.Reshape(a, a.Size(), 1).Named(name)
		} else {
			r.arrays[name] = tp.Reshape(a, 1, a.Size()).Named(name)
		}
	}
	if y := r.get("Y"); y != nil && y.Size() == 1 && y.Rank() <= 1 {
		r.arrays["Y"] = tp.Reshape(y, 1, 1).Named("Y")
		r.d.Raw["Y"] = y.Shape()
	}
	r.d.OneSample = true
	how := "columns (W1 @ x)"
	if !cols {
		how = "rows (x @ W1)"
	}
	r.d.Notes = append(r.d.Notes, fmt.Sprintf("one sample as 1-D vectors: read as a batch of one, the vectors as %s", how))
	return nil
}

// detectLayout reads the layout from how W1 meets X, or from --layout;
// it also finds a bias folded into W1.
func (r *reader) detectLayout() (net.Layout, error) {
	X, W1 := r.get("X"), r.get("W1")
	x, w := X.Shape(), W1.Shape()
	rowsFit := x[1] == w[0]
	colsFit := w[1] == x[0]
	// A folded bias: W1 one input larger than X has features, and W2
	// taking W1's units in that reading.
	W2 := r.get("W2")
	foldRows := x[1]+1 == w[0] && r.get("b1") == nil && W2 != nil && W2.Shape()[0] == w[1]
	foldCols := w[1] == x[0]+1 && r.get("b1") == nil && W2 != nil && W2.Shape()[1] == w[0]
	want := r.o.Layout
	switch {
	case want == net.Rows && !rowsFit && foldRows, want == "" && !rowsFit && !colsFit && foldRows && !foldCols:
		return net.Rows, r.fold(net.Rows)
	case want == net.Cols && !colsFit && foldCols, want == "" && !rowsFit && !colsFit && foldCols && !foldRows:
		return net.Cols, r.fold(net.Cols)
	case want == net.Rows && !rowsFit:
		return "", fmt.Errorf("foreign: --layout rows needs X.shape[1] == W1.shape[0] (X·W1), but X is %v and W1 is %v", x, w)
	case want == net.Cols && !colsFit:
		return "", fmt.Errorf("foreign: --layout cols needs W1.shape[1] == X.shape[0] (W1·X), but X is %v and W1 is %v", x, w)
	case want != "":
		r.noteLayout(want, true)
		r.findOnes(want)
		return want, nil
	case rowsFit && colsFit:
		if l, ok := r.layoutFromZ1(); ok {
			r.noteLayout(l, false)
			r.findOnes(l)
			return l, nil
		}
		return "", fmt.Errorf("foreign: the layout is ambiguous: X %v and W1 %v fit both X·W1 (rows) and W1·X (cols); give --layout rows or --layout cols", x, w)
	case rowsFit:
		r.noteLayout(net.Rows, false)
		r.findOnes(net.Rows)
		return net.Rows, nil
	case colsFit:
		r.noteLayout(net.Cols, false)
		r.findOnes(net.Cols)
		return net.Cols, nil
	case x[1] == w[1] && x[1] != w[0]:
		return "", fmt.Errorf("foreign: W1 %v meets X %v as X·W1ᵀ (weights stored as units × inputs, as PyTorch does): backstep reads X·W1 with W1 as inputs × units — dump W1.T (and the other W's and dW's transposed), or X.T for the cols layout", w, x)
	}
	return "", fmt.Errorf("foreign: W1 %v fits X %v in neither layout: rows needs X.shape[1] == W1.shape[0] (X·W1), cols needs W1.shape[1] == X.shape[0] (W1·X)", w, x)
}

// layoutFromZ1 settles a square case from Z1's shape or values.
func (r *reader) layoutFromZ1() (net.Layout, bool) {
	z1, X, W1 := r.get("Z1"), r.get("X"), r.get("W1")
	if z1 == nil || z1.Rank() != 2 {
		return "", false
	}
	var tp *tracer.Tape
	var rowsOK, colsOK bool
	_ = tracer.Catch(func() { rowsOK = closeUpToBias(z1, tp.Dot(X, W1)) })
	_ = tracer.Catch(func() { colsOK = closeUpToBias(z1, tp.Dot(W1, X)) })
	switch {
	case rowsOK && !colsOK:
		return net.Rows, true
	case colsOK && !rowsOK:
		return net.Cols, true
	}
	return "", false
}

// closeUpToBias reports whether z − xw is the same along one axis (a
// bias), to a relative 1e-6.
func closeUpToBias(z, xw *tracer.Array) bool {
	if !z.Shape().Equal(xw.Shape()) {
		return false
	}
	r, c := z.Shape()[0], z.Shape()[1]
	zd, xd := z.Data(), xw.Data()
	scale := 1e-300
	for _, v := range zd {
		scale = math.Max(scale, math.Abs(v))
	}
	rowsConst, colsConst := true, true
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d := zd[i*c+j] - xd[i*c+j]
			if math.Abs(d-(zd[j]-xd[j])) > 1e-6*scale {
				rowsConst = false // differs down a column: not a (1,c) bias
			}
			if math.Abs(d-(zd[i*c]-xd[i*c])) > 1e-6*scale {
				colsConst = false
			}
		}
	}
	return rowsConst || colsConst
}

func (r *reader) noteLayout(l net.Layout, given bool) {
	X, W1 := r.get("X"), r.get("W1")
	how := "from --layout"
	if !given {
		if l == net.Rows {
			how = fmt.Sprintf("X %v · W1 %v fits", X.Shape(), W1.Shape())
		} else {
			how = fmt.Sprintf("W1 %v · X %v fits", W1.Shape(), X.Shape())
		}
	}
	if l == net.Rows {
		r.d.Notes = append(r.d.Notes, "layout rows (samples × features): "+how)
	} else {
		r.d.Notes = append(r.d.Notes, "layout cols (features × samples): "+how)
	}
}

// fold reads W1 with one more input than X has features as a bias folded
// into W1: X is given its column of ones (row, in cols), before or after
// the features as Z1 shows, and layer 1 has no separate bias.
func (r *reader) fold(l net.Layout) error {
	X, W1 := r.get("X"), r.get("W1")
	first := onesAdded(X, l, true)
	last := onesAdded(X, l, false)
	at, where := 0, "first"
	if z1 := r.get("Z1"); z1 != nil {
		var tp *tracer.Tape
		matches := func(x *tracer.Array) bool {
			ok := false
			_ = tracer.Catch(func() {
				var z *tracer.Array
				if l == net.Rows {
					z = tp.Dot(x, W1)
				} else {
					z = tp.Dot(W1, x)
				}
				rel := tracer.Relate(z1, z)
				ok = rel.Kind == tracer.Same || rel.RelError < 1e-6
			})
			return ok
		}
		if !matches(first) && matches(last) {
			at, where = X.Shape()[1-sampleAxisOf(l)], "last"
		}
	}
	aug := first
	if where == "last" {
		aug = last
	}
	r.arrays["X"] = aug.Named("X")
	r.d.Folded, r.d.FoldedAt = true, at
	what := "column"
	if l == net.Cols {
		what = "row"
	}
	r.noteLayout(l, r.o.Layout != "")
	r.d.Notes = append(r.d.Notes, fmt.Sprintf("bias folded into W1: W1 %v takes one input more than X's %d features, so backstep adds X's %s of ones (%s, as Z1 %s) and reads W1's %s %d as b1",
		W1.Shape(), X.Shape()[1-sampleAxisOf(l)], what, where, z1Evidence(r.get("Z1") != nil), map[bool]string{true: "column", false: "row"}[l == net.Cols], at))
	return nil
}

func z1Evidence(given bool) string {
	if given {
		return "shows"
	}
	return "cannot show: no Z1 in the dump"
}

func sampleAxisOf(l net.Layout) int {
	if l == net.Cols {
		return 1
	}
	return 0
}

// onesAdded returns X with a column (rows layout) or row (cols) of ones
// before or after its features.
func onesAdded(X *tracer.Array, l net.Layout, first bool) *tracer.Array {
	r, c := X.Shape()[0], X.Shape()[1]
	src := X.Data()
	if l == net.Rows {
		out := make([]float64, 0, r*(c+1))
		for i := 0; i < r; i++ {
			if first {
				out = append(out, 1)
			}
			out = append(out, src[i*c:i*c+c]...)
			if !first {
				out = append(out, 1)
			}
		}
		return tracer.Matrix(r, c+1, out)
	}
	out := make([]float64, 0, (r+1)*c)
	ones := make([]float64, c)
	for j := range ones {
		ones[j] = 1
	}
	if first {
		out = append(out, ones...)
	}
	out = append(out, src...)
	if !first {
		out = append(out, ones...)
	}
	return tracer.Matrix(r+1, c, out)
}

// findOnes notes a column (rows layout) or row (cols) of X that is all
// ones when there is no b1: a bias folded into W1 that the dump's X
// already carries.
func (r *reader) findOnes(l net.Layout) {
	X := r.get("X")
	if r.get("b1") != nil || X.Shape()[sampleAxisOf(l)] < 2 {
		return
	}
	n, d := X.Shape()[0], X.Shape()[1]
	data := X.Data()
	features := d
	if l == net.Cols {
		features = n
	}
	for f := 0; f < features; f++ {
		all := true
		for s := 0; s < X.Shape()[sampleAxisOf(l)] && all; s++ {
			at := s*d + f // rows: sample s, feature f
			if l == net.Cols {
				at = f*d + s
			}
			all = data[at] == 1
		}
		if all {
			what := "column"
			if l == net.Cols {
				what = "row"
			}
			r.d.Folded, r.d.FoldedAt = true, f
			wWhat := "row" // W1 is inputs × units in rows layout
			if l == net.Cols {
				wWhat = "column"
			}
			r.d.Notes = append(r.d.Notes, fmt.Sprintf("bias folded into W1: X's %s %d is all ones, so W1's %s %d acts as b1", what, f, wWhat, f))
			return
		}
	}
}

// biasForm reads layer l's bias: (1,n) in rows or (n,1) in cols, (n,),
// or none. A db of shape (n,) beside a b of (1,n) in rows is read as
// (1,n): NumPy's broadcasting keeps b − lr·db exact.
func (r *reader) biasForm(l, units int, rows bool) (net.BiasForm, error) {
	bName, dbName := fmt.Sprintf("b%d", l), fmt.Sprintf("db%d", l)
	b, db := r.get(bName), r.get(dbName)
	column := tracer.Shape{1, units}
	if !rows {
		column = tracer.Shape{units, 1}
	}
	switch {
	case b == nil && l == 1 && r.d.Folded:
		if db != nil {
			return "", fmt.Errorf("foreign: the bias is folded into W1, yet the dump has db1 %v: drop db1 (its gradient is part of dW1)", db.Shape())
		}
		return net.NoBias, nil
	case b == nil && db != nil:
		return "", fmt.Errorf("foreign: the dump has db%d but no b%d: add b%d (or --map b%d=KEY) so Z%d can be recomputed", l, l, l, l, l)
	case b == nil:
		r.d.Notes = append(r.d.Notes, fmt.Sprintf("no b%d: layer %d has no bias, so no db%d is checked", l, l, l))
		return net.NoBias, nil
	case b.Shape().Equal(column):
		// NumPy lines shapes up from the right: (1,n) − (n,) stays (1,n),
		// and so does (n,1) − (1,) for n = 1; (n,1) − (n,) would be (n,n).
		if db != nil && db.Rank() == 1 && db.Size() == units && (rows || units == 1) {
			var tp *tracer.Tape
			r.d.Raw[dbName] = db.Shape()
			r.arrays[dbName] = tp.Reshape(db, column...).Named(dbName)
			r.d.Notes = append(r.d.Notes, fmt.Sprintf("db%d %v beside b%d %v: b%d − lr·db%d stays %v, so db%d is read as %v", l, db.Shape(), l, column, l, l, column, l, column))
		}
		return net.BiasColumn, nil
	case b.Rank() == 1 && b.Size() == units:
		return net.BiasVector, nil
	}
	return "", fmt.Errorf("foreign: b%d has shape %v, which fits no layer: layer %d has %d units, so b%d should be %v or (%d,)", l, b.Shape(), l, units, l, column, units)
}
