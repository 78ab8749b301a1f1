package net

import (
	"fmt"
	"math"
	"strings"

	"github.com/backstep/backstep/tracer"
)

// Divergence says how a value a patched program computed differs from the
// value the correct program gives: either the correct statement evaluated
// on the same inputs (what is wrong with this line) or the same statement
// in a correct run from the same start (what the bug did by the time it got
// here).
type Divergence struct {
	Name     string          // the variable, e.g. "dW2"
	Relation tracer.Relation // how got relates to want
	// Ratio names the scale factor as a ratio of the network's sizes when
	// it is one, e.g. "10000/784 (samples/features)"; "" otherwise.
	Ratio string
	Got   *tracer.Array // the value computed
	Want  *tracer.Array // the correct value
	// Correct is the correct statement (set for a line compared on the
	// same inputs, zero for a comparison with the correct run).
	Correct Statement
	// Axes says which reduction or count ran over another axis than in
	// the correct statement: "sum over classes (axis 1) instead of samples
	// (axis 0)"; "" when the axes agree or for a run comparison.
	Axes string

	wantEvents []tracer.Event
}

// String says the relation in a few words, with the ratio when known:
// "scaled by 12.76 = 10000/784 (samples/features)".
func (d Divergence) String() string {
	s := d.Relation.String()
	if d.Ratio != "" {
		s += " = " + d.Ratio
	}
	if d.Got != nil && d.Want != nil && d.Got.Rank() == 0 && d.Want.Rank() == 0 {
		// Any two numbers are "scaled" versions of each other: say both.
		s = fmt.Sprintf("%s instead of %s", scalarText(d.Got.Item()), scalarText(d.Want.Item()))
		if d.Ratio != "" {
			s += fmt.Sprintf(" (× %.4g = %s)", d.Relation.Alpha, d.Ratio)
		}
	}
	if d.Axes != "" {
		s = d.Axes + "; " + s
	}
	return s
}

// CompareStatement evaluates the statement of correct that assigns name on
// v — the values the patched program had when it reached that line — and
// relates got to it. ok is false when correct has no such statement or
// needs a value that is not bound. v is not modified.
func CompareStatement(correct *Program, name string, v Vars, got *tracer.Array) (d Divergence, ok bool) {
	i := correct.Index(name)
	if i < 0 {
		return d, false
	}
	s := correct.Statements[i]
	for _, in := range s.Inputs {
		if _, bound := v[in]; !bound {
			return d, false
		}
	}
	tp := &tracer.Tape{NoStats: true}
	want, err := correct.Eval(i, tp, v)
	if err != nil {
		// The correct line cannot fail on shapes the patched program
		// produced only if those shapes drifted; say nothing then.
		return d, false
	}
	d = Relate(correct.Config, name, got, want, sampleCount(correct, v))
	d.Correct = s
	d.wantEvents = tp.Events
	return d, true
}

// axisChange pairs the reductions and shape reads of a patched statement
// with the correct statement's, in order, and says where they ran over
// another axis.
func axisChange(got, want []tracer.Event) string {
	pick := func(evs []tracer.Event) []tracer.Event {
		var out []tracer.Event
		for _, e := range evs {
			if e.Axis != nil || e.Reduction {
				out = append(out, e)
			}
		}
		return out
	}
	g, w := pick(got), pick(want)
	used := make([]bool, len(w))
	var parts []string
	for _, ge := range g {
		// Pair with the first unused reduction of the same kind, so a
		// softmax written without its max still pairs sum with sum.
		j := -1
		for k, we := range w {
			if !used[k] && we.Op == ge.Op {
				j = k
				break
			}
		}
		if j < 0 {
			continue
		}
		used[j] = true
		ga, wa := axisOf(ge), axisOf(w[j])
		if ga == wa {
			continue
		}
		verb := ge.Op + " over"
		if ge.Op == "shape" {
			verb = "counts"
		}
		parts = append(parts, fmt.Sprintf("%s %s instead of %s", verb, axisWords(ge, ga), axisWords(w[j], wa)))
	}
	return strings.Join(parts, "; ")
}

func axisOf(e tracer.Event) int {
	if e.Axis == nil {
		return -1
	}
	return *e.Axis
}

func axisWords(e tracer.Event, axis int) string {
	if axis < 0 {
		return "every axis"
	}
	return axisName(e.Inputs[0].Labels, axis)
}

// Relate wraps tracer.Relate and names a scale factor that is a ratio of
// the network's sizes (samples is the batch's sample count, 0 if unknown).
func Relate(cfg Config, name string, got, want *tracer.Array, samples int) Divergence {
	r := tracer.Relate(got, want)
	d := Divergence{Name: name, Relation: r, Got: got, Want: want}
	if r.Kind == tracer.Scaled {
		d.Ratio = sizeRatio(cfg, samples, r.Alpha)
	}
	return d
}

// sampleCount reads the batch size from X in v, or 0.
func sampleCount(p *Program, v Vars) int {
	x, ok := v["X"]
	if !ok || x.Rank() != 2 {
		return 0
	}
	return x.Shape()[p.sampleAxis()]
}

// sizeRatio finds sizes a and b of the network with a/b = alpha, so a
// factor of 12.755… reads as 10000/784 (samples/features): the mark of a
// count taken along the wrong axis.
func sizeRatio(cfg Config, samples int, alpha float64) string {
	type size struct {
		n    int
		what string
	}
	if samples > 1 {
		switch m := float64(samples); {
		case math.Abs(alpha-m) <= 1e-6*m:
			return fmt.Sprintf("m (%d samples)", samples)
		case math.Abs(alpha*m-1) <= 1e-6:
			return fmt.Sprintf("1/m (%d samples)", samples)
		}
	}
	var sizes []size
	if samples > 0 {
		sizes = append(sizes, size{samples, SamplesAxis})
	}
	sizes = append(sizes, size{cfg.Inputs, FeaturesAxis})
	for i, h := range cfg.Hidden {
		what := "hidden"
		if len(cfg.Hidden) > 1 {
			what = fmt.Sprintf("hidden%d", i+1)
		}
		sizes = append(sizes, size{h, what})
	}
	sizes = append(sizes, size{cfg.Classes, cfg.OutputAxis()})
	for _, a := range sizes {
		for _, b := range sizes {
			if a.n == b.n || a.n == 1 || b.n == 1 {
				continue // a ratio to a single output unit says nothing
			}
			r := float64(a.n) / float64(b.n)
			if math.Abs(alpha-r) <= 1e-6*r {
				return fmt.Sprintf("%d/%d (%s/%s)", a.n, b.n, a.what, b.what)
			}
		}
	}
	return ""
}

// ShapeDrift is a parameter whose shape an update changed: the mark of a
// gradient reduced over the wrong axis and silently broadcast back
// (b1: 1 × 60 → 10000 × 60).
type ShapeDrift struct {
	Name          string
	Before, After tracer.Shape
	// Want is the shape the network expects for the parameter.
	Want tracer.Shape
	// BeforeLabels and AfterLabels say what each axis means, as far as the
	// tape knows.
	BeforeLabels, AfterLabels []string
}

// String writes the drift with the axes' meanings: "b1: 1 × 60 hidden →
// 10000 samples × 60 hidden".
func (d ShapeDrift) String() string {
	return fmt.Sprintf("%s: %s → %s", d.Name, AxesText(d.Before, d.BeforeLabels), AxesText(d.After, d.AfterLabels))
}

// DriftOf reports whether the update of parameter name turned before into
// an array of another shape.
func (p *Program) DriftOf(name string, before, after *tracer.Array) (ShapeDrift, bool) {
	if before == nil || after == nil || before.Shape().Equal(after.Shape()) {
		return ShapeDrift{}, false
	}
	return ShapeDrift{Name: name, Before: before.Shape(), After: after.Shape(), Want: p.Shapes[name],
		BeforeLabels: before.Labels(), AfterLabels: after.Labels()}, true
}
