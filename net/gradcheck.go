package net

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/backstep/backstep/tracer"
)

// StatementCheck is the verdict on one statement of a training step.
//
// A backward statement's output (dZ2, dW2, db2, …) is compared with finite
// differences of the reference loss (Gradient holds the comparison); a
// forward statement's output (m, Z1, …, loss) with the reference forward
// pass's value. A wrong statement is then compared with the reference
// statement evaluated on its own inputs, to tell a bug of its own from an
// inherited one.
type StatementCheck struct {
	Statement Statement
	// Gradient is the numerical check of a gradient; nil for other values.
	Gradient *tracer.TensorCheck
	// Right says whether the output is what it should be.
	Right bool
	// Relation and Description say how a wrong output differs, the latter
	// in the network's terms: "scaled by 0.02041 = 16/784
	// (samples/features)", "shape (16,1) instead of (1,10): sum over
	// classes (axis 1) instead of samples (axis 0)".
	Relation    tracer.Relation
	Description string
	// WrongInputs lists the inputs of a wrong statement that are wrong
	// themselves.
	WrongInputs []string
	// OwnError is set for a wrong statement with wrong inputs that also
	// computes something else than the reference statement does from the
	// same inputs: it has a bug of its own besides the one it inherits.
	// Description then says how it differs from the reference statement.
	OwnError bool
}

// Fault reports whether the statement is a line to fix: its output is
// wrong while its inputs are right, or it differs from the reference
// statement applied to its own inputs. Every fault is found this way, even
// when several statements are wrong at once.
func (c StatementCheck) Fault() bool { return !c.Right && (len(c.WrongInputs) == 0 || c.OwnError) }

// StepCheck is a training step checked statement by statement.
type StepCheck struct {
	Config  Config
	Samples int
	Options tracer.GradCheckOptions
	// Statements are the forward, loss and backward statements in program
	// order: forward first, then the backward pass from the output layer
	// down, so the first fault is the first wrong line in backward order
	// once the forward pass is right.
	Statements []StatementCheck
	// Loss is the reference loss at the checked parameters.
	Loss float64
}

// Gradients returns the checks of the gradient tensors, in backward order.
func (c *StepCheck) Gradients() []StatementCheck {
	var out []StatementCheck
	for _, s := range c.Statements {
		if s.Gradient != nil {
			out = append(out, s)
		}
	}
	return out
}

// Faults returns the statements whose output is wrong while their inputs
// are right, in order.
func (c *StepCheck) Faults() []StatementCheck {
	var out []StatementCheck
	for _, s := range c.Statements {
		if s.Fault() {
			out = append(out, s)
		}
	}
	return out
}

// OK reports whether every statement is right.
func (c *StepCheck) OK() bool {
	for _, s := range c.Statements {
		if !s.Right {
			return false
		}
	}
	return true
}

// GradCheck runs the forward pass, the loss and the backward pass of p on
// the batch x, y (rows layout: samples × features and samples × classes,
// as Bind takes them) from params, and checks every gradient it computes
// against finite differences of the reference loss — the loss the
// gradients are for — and every forward value against the reference
// forward pass. See CheckValues.
//
// A statement that fails on its shapes stops the step; its error (a
// *StatementError with NumPy's text) is returned.
func GradCheck(p *Program, x, y *tracer.Array, params Vars, opts tracer.GradCheckOptions) (*StepCheck, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("net: %s", strings.TrimPrefix(err.Error(), "tracer: "))
	}
	v := p.Bind(x, y, params)
	for i, s := range p.Statements {
		if s.Phase == Update || s.Phase == Metric {
			continue // updates would overwrite the parameters the gradients are for
		}
		if err := p.Exec(i, nil, v); err != nil {
			return nil, err
		}
	}
	return CheckValues(p, v, opts)
}

// CheckValues checks the values a training step computed, bound in v (X,
// Y and the parameters, plus any of m, Z1, A1, …, dZ2, dW2, db2, …), as
// p's statements name them. The numerical truth is the reference network
// for p.Config — Build(p.Config) — at v's X, Y and parameters: so a bug
// that changes the loss and its gradients alike (m = 784 divides both) is
// still found. Values v lacks are skipped.
//
// Gradients are compared element by element as opts says (see
// tracer.CheckTensor): dWl and dbl with the mean loss's gradient, dZl with
// the summed loss's (m times the mean's), the convention of the reference
// program, where dZL = AL − Y and the 1/m comes in dWl and dbl.
func CheckValues(p *Program, v Vars, opts tracer.GradCheckOptions) (*StepCheck, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("net: %s", strings.TrimPrefix(err.Error(), "tracer: "))
	}
	opts = opts.WithDefaults()
	cfg := p.Config
	ref := Build(cfg)
	e, err := newDiffEngine(ref, v)
	if err != nil {
		return nil, err
	}
	c := &StepCheck{Config: cfg, Samples: e.m, Options: opts, Loss: e.loss}
	byName := map[string]int{}
	total, done := 0, 0
	for _, s := range p.Statements {
		if _, ok := v[s.Name]; ok && s.Phase != Update && s.Phase != Metric {
			total++
		}
	}
	for _, s := range p.Statements {
		if s.Phase == Update || s.Phase == Metric {
			continue
		}
		got, ok := v[s.Name]
		if !ok {
			continue
		}
		if opts.Progress != nil {
			opts.Progress(done, total)
			done++
		}
		sc := StatementCheck{Statement: s, Right: true}
		if probe, shape, ok := e.probeFor(s.Name, cfg.Layout, opts.Eps); ok {
			tc := tracer.CheckTensor(s.Name, shape, got, probe, opts)
			sc.Gradient = &tc
			sc.Right = tc.Verdict.Passed()
			sc.Relation = tc.Relation
			if !sc.Right {
				sc.Description = describeWrong(p, ref, s.Name, v, tc.Relation, e.m)
			}
		} else if want, ok := e.reference[s.Name]; ok {
			rel := tracer.Relate(got, want)
			sc.Relation = rel
			sc.Right = rel.Kind == tracer.Same
			if !sc.Right {
				sc.Description = describeWrong(p, ref, s.Name, v, rel, e.m)
			}
		}
		if !sc.Right {
			for _, in := range s.Inputs {
				if k, ok := byName[in]; ok && !c.Statements[k].Right {
					sc.WrongInputs = append(sc.WrongInputs, in)
				}
			}
		}
		if len(sc.WrongInputs) > 0 {
			if d, ok := CompareStatement(ref, s.Name, v, got); ok && d.Relation.Kind != tracer.Same {
				sc.OwnError = true
				sc.Description = describeWrong(p, ref, s.Name, v, d.Relation, e.m)
			}
		}
		byName[s.Name] = len(c.Statements)
		c.Statements = append(c.Statements, sc)
	}
	return c, nil
}

// probeFor returns the finite-difference probe for a gradient named dWl,
// dbl or dZl, and the shape the gradient must have in this layout.
func (e *diffEngine) probeFor(name string, layout Layout, h float64) (tracer.Probe, tracer.Shape, bool) {
	if len(name) < 3 || name[0] != 'd' {
		return nil, nil, false
	}
	l, err := strconv.Atoi(name[2:])
	if err != nil || l < 1 || l > e.L {
		return nil, nil, false
	}
	cols := layout == Cols
	in, out := e.sizes[l-1], e.sizes[l]
	pr := &netProbe{e: e, l: l, cols: cols, h: h}
	bias := e.biases[l-1]
	var shape tracer.Shape
	switch name[1] {
	case 'W':
		pr.kind = weightProbe
		shape = tracer.Shape{in, out}
		if cols {
			shape = tracer.Shape{out, in}
		}
	case 'b':
		pr.kind = biasProbe
		switch {
		case bias == NoBias:
			return nil, nil, false
		case bias == BiasVector:
			shape = tracer.Shape{out}
		case cols:
			shape = tracer.Shape{out, 1}
		default:
			shape = tracer.Shape{1, out}
		}
	case 'Z':
		pr.kind = preProbe
		shape = tracer.Shape{e.m, out}
		if cols {
			shape = tracer.Shape{out, e.m}
		}
	default:
		return nil, nil, false
	}
	return pr, shape, true
}

type probeKind int

const (
	weightProbe probeKind = iota
	biasProbe
	preProbe
)

// netProbe is a tracer.Probe over one tensor of the network, in the
// program's layout, backed by the engine's rows orientation.
type netProbe struct {
	e    *diffEngine
	kind probeKind
	l    int
	cols bool
	h    float64
}

func (p *netProbe) Element(idx int) tracer.Difference {
	e := p.e
	in, out := e.sizes[p.l-1], e.sizes[p.l]
	switch p.kind {
	case weightProbe:
		i, j := idx/out, idx%out
		if p.cols {
			j, i = idx/in, idx%in
		}
		return e.weightDiff(p.l, i, j, p.h)
	case biasProbe:
		return e.biasDiff(p.l, idx, p.h)
	}
	s, j := idx/out, idx%out
	if p.cols {
		j, s = idx/e.m, idx%e.m
	}
	return e.preDiff(p.l, s, j, p.h)
}

func (p *netProbe) Direction(u []float64) tracer.Difference {
	e := p.e
	in, out := e.sizes[p.l-1], e.sizes[p.l]
	scale := e.gradScale
	switch p.kind {
	case weightProbe:
		U := u
		if p.cols {
			U = transposedRows(u, out, in)
		}
		dz := make([]float64, e.m*out)
		gemmRows(dz, e.a[p.l-1], U, e.m, in, out)
		return e.directionDiff(p.l, func(s int, row []float64) { copy(row, dz[s*out:s*out+out]) }, scale, p.h)
	case biasProbe:
		return e.directionDiff(p.l, func(s int, row []float64) { copy(row, u) }, scale, p.h)
	}
	U := u
	if p.cols {
		U = transposedRows(u, out, e.m)
	}
	return e.directionDiff(p.l, func(s int, row []float64) { copy(row, U[s*out:s*out+out]) }, e.deltaScale, p.h)
}

// transposedRows returns the c×r transpose of the r×c row-major matrix v.
func transposedRows(v []float64, r, c int) []float64 {
	out := make([]float64, len(v))
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out[j*r+i] = v[i*c+j]
		}
	}
	return out
}

// describeWrong says how the value of statement name differs from the
// right one (rel), in the network's terms, as a Divergence writes it: the
// scale as a ratio of the network's sizes, and which reduction or count ran
// over another axis than in the reference statement on the same inputs.
func describeWrong(p, ref *Program, name string, v Vars, rel tracer.Relation, samples int) string {
	d := Divergence{Name: name, Relation: rel, Axes: statementAxes(p, ref, name, v)}
	if rel.Kind == tracer.Scaled {
		d.Ratio = sizeRatio(p.Config, samples, rel.Alpha)
	}
	return d.String()
}

// statementAxes evaluates the statement that assigns name in p and in ref
// on the same inputs, recording both, and says where a reduction or a
// count ran over another axis.
func statementAxes(p, ref *Program, name string, v Vars) string {
	i, j := p.Index(name), ref.Index(name)
	if i < 0 || j < 0 {
		return ""
	}
	for _, s := range []Statement{p.Statements[i], ref.Statements[j]} {
		for _, in := range s.Inputs {
			if _, bound := v[in]; !bound {
				return "" // a value CheckValues was not given: nothing to compare
			}
		}
	}
	got, want := &tracer.Tape{NoStats: true}, &tracer.Tape{NoStats: true}
	if _, err := p.Eval(i, got, v); err != nil {
		return ""
	}
	if _, err := ref.Eval(j, want, v); err != nil {
		return ""
	}
	return axisChange(got.Events, want.Events)
}
