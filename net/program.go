package net

import (
	"fmt"

	"github.com/backstep/backstep/tracer"
)

// Phase groups statements the way a reader thinks of a training step.
type Phase string

// The phases of one training iteration, in order.
const (
	Forward  Phase = "forward"
	Loss     Phase = "loss"
	Backward Phase = "backward"
	Update   Phase = "update"
	Metric   Phase = "metric"
)

// Vars binds names to arrays: the data (X, Y), the parameters (W1, b1, ...)
// and every value a statement has computed so far.
type Vars map[string]*tracer.Array

// Get returns the named array. A statement asks only for names listed in its
// Inputs, so a missing one is a programming error.
func (v Vars) Get(name string) *tracer.Array {
	a, ok := v[name]
	if !ok {
		panic(fmt.Sprintf("net: variable %s is not bound", name))
	}
	return a
}

// Statement is one line of a training step: it assigns Name from Inputs.
type Statement struct {
	Name    string   // the variable it assigns, e.g. "dW2"; updates assign the parameter
	Phase   Phase    //
	Formula string   // in mathematical notation: "dW2 = (1/m) · A1ᵀ · dZ2"
	NumPy   string   // the same line as a learner writes it in NumPy
	Inputs  []string // the variables it reads
	// Eval computes the value with traced operations.
	Eval func(tp *tracer.Tape, v Vars) *tracer.Array
	// Bug names the catalog bug that patched this statement, "" if none.
	Bug string
	// Line is the statement's line in a learner's script (backstep run),
	// 0 for backstep's own statements.
	Line int
	// Notes are facts known about the statement before it runs (what a
	// recording or a check found); stepping shows them after its own.
	Notes []Note
}

// Program is one training iteration as an ordered list of statements.
type Program struct {
	Config     Config
	Statements []Statement
	// Labels tells what each axis of each input variable means, in this
	// layout: X is samples × features in Rows, features × samples in Cols.
	Labels map[string][]string
	// Shapes is each parameter's correct shape; a bug can make an update
	// change it (b1: 1 × 60 → 10000 × 60).
	Shapes map[string]tracer.Shape
	// Persistent names variables that live across iterations besides the
	// parameters, such as a metric counter a bug never resets.
	Persistent []string
}

// Index returns the position of the statement that assigns name, or -1.
// For a parameter it is the update.
func (p *Program) Index(name string) int {
	for i, s := range p.Statements {
		if s.Name == name {
			return i
		}
	}
	return -1
}

// Exec runs statement i on v, records its operations on tp (which may be
// nil) and binds the result under the statement's name. A shape mismatch
// inside the statement comes back as an error with NumPy's text.
func (p *Program) Exec(i int, tp *tracer.Tape, v Vars) error {
	s := p.Statements[i]
	tp.Begin(s.Name)
	var out *tracer.Array
	if err := tracer.Catch(func() { out = s.Eval(tp, v) }); err != nil {
		return &StatementError{Statement: s, Err: err}
	}
	v[s.Name] = out.Named(s.Name)
	return nil
}

// Run executes every statement in order, stopping at the first error.
func (p *Program) Run(tp *tracer.Tape, v Vars) error {
	for i := range p.Statements {
		if err := p.Exec(i, tp, v); err != nil {
			return err
		}
	}
	return nil
}

// Eval computes statement i on v without binding the result, so a value can
// be recomputed from given inputs beside the one already bound.
func (p *Program) Eval(i int, tp *tracer.Tape, v Vars) (*tracer.Array, error) {
	s := p.Statements[i]
	for _, in := range s.Inputs {
		if v[in] == nil {
			return nil, &StatementError{Statement: s, Err: fmt.Errorf("%s is not there to read", in)}
		}
	}
	tp.Begin(s.Name)
	var out *tracer.Array
	if err := tracer.Catch(func() { out = s.Eval(tp, v) }); err != nil {
		return nil, &StatementError{Statement: s, Err: err}
	}
	return out.Named(s.Name), nil
}

// StatementError is a statement that failed, with NumPy's message.
type StatementError struct {
	Statement Statement
	Err       error
}

func (e *StatementError) Error() string {
	return fmt.Sprintf("%s: %v", e.Statement.NumPy, e.Err)
}

func (e *StatementError) Unwrap() error { return e.Err }

// Bind returns the variables a step starts from: the batch X and Y (in
// rows layout, samples × features and samples × classes; Bind transposes
// them for Cols) and the parameters. Axis labels are attached.
func (p *Program) Bind(x, y *tracer.Array, params Vars) Vars {
	v := Vars{}
	var tp *tracer.Tape
	if p.Config.Layout == Cols {
		x = tp.T(x)
		y = tp.T(y).Clone() // A2 − Y reads it elementwise every step: copy once
	}
	v["X"] = x.Named("X").WithLabels(p.Labels["X"]...)
	v["Y"] = y.Named("Y").WithLabels(p.Labels["Y"]...)
	for name, a := range params {
		v[name] = p.labelled(name, a)
	}
	return v
}

// Params returns the parameters W1, b1, ... WL, bL bound in v, in order.
func (p *Program) Params(v Vars) []*tracer.Array {
	var out []*tracer.Array
	for _, n := range ParamNames(p.Config.Layers()) {
		out = append(out, v[n])
	}
	return out
}

// ParamNames lists W1, b1, ..., WL, bL.
func ParamNames(layers int) []string {
	var names []string
	for l := 1; l <= layers; l++ {
		names = append(names, fmt.Sprintf("W%d", l), fmt.Sprintf("b%d", l))
	}
	return names
}

// labelled attaches the parameter's axis labels when its shape is the one
// the network expects (a drifted shape keeps whatever labels it has).
func (p *Program) labelled(name string, a *tracer.Array) *tracer.Array {
	if want, ok := p.Shapes[name]; ok && a.Shape().Equal(want) {
		return a.Named(name).WithLabels(p.Labels[name]...)
	}
	return a.Named(name)
}

// Replace swaps in s for the statement that assigns s.Name, marking it as
// patched by bug. It panics if no statement assigns that name: a patch
// names statements of the program it was written for.
func (p *Program) Replace(bug string, s Statement) {
	i := p.Index(s.Name)
	if i < 0 {
		panic(fmt.Sprintf("net: no statement assigns %s", s.Name))
	}
	s.Bug = bug
	p.Statements[i] = s
}

// Statement returns the statement that assigns name; ok is false if none.
func (p *Program) Statement(name string) (s Statement, ok bool) {
	if i := p.Index(name); i >= 0 {
		return p.Statements[i], true
	}
	return Statement{}, false
}

// Patched reports whether any statement was replaced by a bug.
func (p *Program) Patched() bool {
	for _, s := range p.Statements {
		if s.Bug != "" {
			return true
		}
	}
	return false
}

// RunThrough executes statements in order up to and including the one that
// assigns name (for example "loss" for a forward pass and its loss).
func (p *Program) RunThrough(name string, tp *tracer.Tape, v Vars) error {
	last := p.Index(name)
	if last < 0 {
		panic(fmt.Sprintf("net: no statement assigns %s", name))
	}
	for i := 0; i <= last; i++ {
		if err := p.Exec(i, tp, v); err != nil {
			return err
		}
	}
	return nil
}

// Label returns a under name, with the axis labels the program gives it
// where its shape is the expected one (data, statement outputs and
// parameters; a drifted shape keeps whatever labels it has).
func (p *Program) Label(name string, a *tracer.Array) *tracer.Array {
	if _, param := p.Shapes[name]; !param {
		if labels := p.Labels[name]; len(labels) == a.Rank() {
			return a.Named(name).WithLabels(labels...)
		}
		return a.Named(name)
	}
	return p.labelled(name, a)
}
