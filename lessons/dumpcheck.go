package lessons

import (
	"fmt"
	"math"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// ReproduceTolerance is how close a catalog patch must come to the user's
// tensor to name the bug: rounding differences only (issue 6: ≤ 1e-9).
const ReproduceTolerance = 1e-9

// TensorFinding is the check of one statement's output in a user's dump.
type TensorFinding struct {
	Tensor    string
	Statement net.Statement // backstep's correct statement
	Present   bool
	Shape     tracer.Shape // the user's (nil if absent)
	Expected  tracer.Shape // the statement's result on the user's inputs
	Verdict   net.Verdict
	Relation  tracer.Relation
	// Description says how the user's value differs, in the network's
	// terms (which axis, which constant).
	Description string
	// Bug is the catalog bug whose patch reproduces the user's tensor
	// from the user's own inputs, "" if none does; With lists bugs found
	// earlier that had to be applied too.
	Bug  string
	With []string
	Err  error
	// Gradient is the independent numerical check of a gradient the dump
	// holds (dZl, dWl, dbl) against centred differences of the mean
	// cross-entropy at the dump's own X, Y and parameters; nil for other
	// tensors or when the check could not run.
	Gradient *tracer.TensorCheck
}

// DumpReport is the whole check of a dump.
type DumpReport struct {
	Dump     *net.Dump
	Findings []TensorFinding // in execution order
	// First is the first faulty statement in execution order ("" if none).
	First string
	// Bugs lists the named bugs in the order they were found.
	Bugs []string
	// GradientError says why the numerical check could not run ("" if it
	// ran).
	GradientError string
}

// OK reports whether every given tensor is right, on its own inputs and
// against the numerical gradients.
func (r *DumpReport) OK() bool {
	if r.First != "" {
		return false
	}
	for _, f := range r.Findings {
		if f.Gradient != nil && !f.Gradient.Verdict.Passed() {
			return false
		}
	}
	return true
}

// CheckDump recomputes every tensor of the dump from the user's own inputs
// to its statement, and for each faulty one tries the catalog's patches on
// the same inputs to name the bug. tol is the relative error under which a
// value counts as right (looser for float32 dumps).
func CheckDump(d *net.Dump, tol float64) *DumpReport {
	p := d.Program()
	rep := &DumpReport{Dump: d}
	named := map[string]bool{}
	results, all := p.RecomputeAll(d.Vars, tol)
	for _, r := range results {
		f := TensorFinding{Tensor: r.Statement.Name, Statement: r.Statement, Present: r.Given,
			Verdict: r.Verdict, Relation: r.Relation, Err: r.Err}
		if r.Given {
			f.Shape = d.Vars[r.Statement.Name].Shape()
		}
		if r.Expected != nil {
			f.Expected = r.Expected.Shape()
		}
		if r.Verdict == net.Wrong || (r.Verdict == net.Failed && r.Given) {
			if rep.First == "" {
				rep.First = f.Tensor
			}
			f.Description = describe(d, r)
			f.Bug, f.With = nameBug(d, f.Tensor, rep.Bugs)
			if f.Bug != "" && !named[f.Bug] {
				named[f.Bug] = true
				rep.Bugs = append(rep.Bugs, f.Bug)
			}
		}
		rep.Findings = append(rep.Findings, f)
	}
	rep.checkGradients(p, all, tol)
	return rep
}

// checkGradients compares every gradient the dump holds with finite
// differences of the loss at the dump's parameters — independently of the
// recomputation, so a wrong result is caught even when the tensors that
// lead to it were not dumped. Dumps in float32 only get a verdict when the
// disagreement is far beyond their precision.
func (r *DumpReport) checkGradients(p *net.Program, all net.Vars, tol float64) {
	sc, err := net.CheckValues(p, all, tracer.GradCheckOptions{Mode: tracer.FullCheck})
	if err != nil {
		r.GradientError = oneLine(err)
		return
	}
	for _, s := range sc.Gradients() {
		for i := range r.Findings {
			if r.Findings[i].Tensor == s.Statement.Name && r.Findings[i].Present {
				g := *s.Gradient
				if tol > tracer.SameTolerance && g.Verdict != tracer.WrongShape && g.MaxRelError <= 1e3*tol {
					g.Verdict = tracer.Fine // the dump's own precision, not a bug
				}
				r.Findings[i].Gradient = &g
			}
		}
	}
}

// patchedProgram builds the correct step for cfg with only the statement
// patches of the given bugs: configuration, data and initialisation
// changes say nothing about how a dumped tensor was computed.
func patchedProgram(d *net.Dump, ids []string) (p *net.Program, ok bool) {
	defer func() {
		if recover() != nil {
			p, ok = nil, false // the patch does not fit this network
		}
	}()
	p = d.Program()
	for _, id := range ids {
		b, err := Lookup(id)
		if err != nil || b.Patch == nil || !b.Names(d.Config) {
			return nil, false
		}
		b.Patch(p)
	}
	return p, p.Patched()
}

// reproduces reports whether the program, run on the user's inputs, gives
// the user's value of tensor.
func reproduces(p *net.Program, d *net.Dump, tensor string) bool {
	for _, r := range p.Recompute(d.Vars, ReproduceTolerance) {
		if r.Statement.Name == tensor {
			return r.Verdict == net.Correct
		}
	}
	return false
}

// nameBug finds the catalog bug that reproduces the user's tensor: alone
// first, then together with the bugs already found for earlier statements
// (in the question's code, db2 is both summed over the wrong axis and
// divided by the wrong m). The set is pruned to the bugs that are needed;
// the one reported is the one that patches this statement, the others
// come back in with.
func nameBug(d *net.Dump, tensor string, found []string) (string, []string) {
	for _, id := range IDs() {
		if p, ok := patchedProgram(d, []string{id}); ok && reproduces(p, d, tensor) {
			return id, nil
		}
	}
	if len(found) == 0 {
		return "", nil
	}
	var set []string
	for _, id := range append([]string{""}, IDs()...) {
		if contains(found, id) {
			continue
		}
		ids := append([]string(nil), found...)
		if id != "" {
			ids = append(ids, id)
		}
		if p, ok := patchedProgram(d, ids); ok && reproduces(p, d, tensor) {
			set = ids
			break
		}
	}
	if set == nil {
		return "", nil
	}
	for i := 0; i < len(set); {
		rest := append(append([]string(nil), set[:i]...), set[i+1:]...)
		if p, ok := patchedProgram(d, rest); ok && reproduces(p, d, tensor) {
			set = rest
			continue
		}
		i++
	}
	name := set[len(set)-1]
	for _, id := range set {
		if p, ok := patchedProgram(d, []string{id}); ok {
			if s, _ := p.Statement(tensor); s.Bug == id {
				name = id
			}
		}
	}
	var with []string
	for _, id := range set {
		if id != name {
			with = append(with, id)
		}
	}
	return name, with
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// describe says how the user's value differs from the statement's result
// on their inputs, in the network's terms, in the words step and gradcheck
// use (net.Relate names a scale that is a ratio of the network's sizes).
func describe(d *net.Dump, r net.Recomputed) string {
	rel := r.Relation
	if r.Verdict == net.Failed {
		return "the statement fails on these inputs: " + oneLine(r.Err)
	}
	switch rel.Kind {
	case tracer.Scaled, tracer.Negated, tracer.Transposed, tracer.NonFinite:
		return net.Relate(d.Config, r.Statement.Name, d.Vars[r.Statement.Name], r.Expected, d.Samples).String()
	case tracer.ShapeDiff:
		return shapeStory(d, r)
	}
	if story := softmaxStory(d, r); story != "" {
		return story
	}
	return fmt.Sprintf("no simple relation to the right value (relative error %.2g)", rel.RelError)
}

// shapeStory explains a shape difference of a reduction: which axis the
// user's value was reduced over and which it should have been.
func shapeStory(d *net.Dump, r net.Recomputed) string {
	got, want := r.Relation.Got, r.Relation.Want
	s := fmt.Sprintf("shape %v instead of %v", got, want)
	if len(got) != 2 || len(want) != 2 {
		return s
	}
	var src *tracer.Array
	if len(r.Statement.Inputs) > 0 {
		src = d.Vars[r.Statement.Inputs[0]]
	}
	axisName := func(k int) string {
		if src != nil && src.Rank() == 2 {
			if l := src.Labels()[k]; l != "" {
				return fmt.Sprintf("%s (axis %d)", l, k)
			}
		}
		return fmt.Sprintf("axis %d", k)
	}
	reduced := func(sh tracer.Shape) int {
		switch {
		case sh[0] == 1 && sh[1] != 1:
			return 0
		case sh[1] == 1 && sh[0] != 1:
			return 1
		}
		return -1
	}
	g, w := reduced(got), reduced(want)
	if g >= 0 && w >= 0 && g != w {
		s += fmt.Sprintf(": sum over %s instead of %s", axisName(g), axisName(w))
	}
	return s
}

func oneLine(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// softmaxStory recognises an output normalised over the wrong axis: its
// sums over the sample axis are 1 where those over the class axis should be.
func softmaxStory(d *net.Dump, r net.Recomputed) string {
	if r.Statement.Name != fmt.Sprintf("A%d", d.Config.Layers()) {
		return ""
	}
	var tp *tracer.Tape
	a := d.Vars[r.Statement.Name]
	classAxis, sampleAxis := 1, 0
	if d.Config.Layout == net.Cols {
		classAxis, sampleAxis = 0, 1
	}
	sumsToOne := func(axis int) bool {
		for _, v := range tp.Sum(a, axis, false).Data() {
			if math.Abs(v-1) > 1e-6 {
				return false
			}
		}
		return true
	}
	if sumsToOne(sampleAxis) && !sumsToOne(classAxis) {
		return fmt.Sprintf("normalised over samples (axis %d), not classes (axis %d): sums to 1 per class, not per sample", sampleAxis, classAxis)
	}
	return ""
}
