package record

import (
	"fmt"
	"math"
	"strings"

	"github.com/backstep/backstep/tracer"
)

// Finding is one fault the metric audit found on the learner's lines.
type Finding struct {
	// Bug is the catalog bug it is ("accuracy-loop", "counter-not-reset")
	// or "" when the catalog has none for it.
	Bug   string
	Line  int    // the line to change
	Src   string // what is written there
	Right string // what to write instead ("" when it is not one line)
	Text  string // what is wrong, with the numbers of this run
	// Also lists other lines involved (a counter's increment).
	Also []int
}

// Audit checks how the script measures its accuracy: a loop over
// range(K), K the number of classes, that indexes samples; a counter never
// reset between epochs; an accuracy above 1 or computed over fewer than
// the N samples. samples and classes are the step's sizes (0 if unknown);
// labels gives an array's axis meanings by learner name.
func (a *Analysis) Audit(samples, classes int, labels func(name string) []string) []Finding {
	r := a.Rec
	var out []Finding
	iterLoop := -1
	if r.Iterations.Loop != nil {
		iterLoop = *r.Iterations.Loop
	}
	inside := func(loop *int) bool {
		for l := loop; l != nil; l = r.Loops[*l].Parent {
			if *l == iterLoop {
				return true
			}
		}
		return false
	}
	short := 0 // the samples a counting loop covers, when fewer than N
	for _, lp := range r.Loops {
		if lp.RangeStop == "" || lp.ID == iterLoop || iterLoop >= 0 && !inside(lp.Parent) {
			continue
		}
		k, ok := lp.RangeValues["1"]
		if !ok {
			for _, v := range lp.RangeValues {
				k, ok = v, true
			}
		}
		if !ok || classes == 0 || k != classes || k == samples {
			continue
		}
		for _, ix := range lp.Indexes {
			l := labels(ix.Array)
			if ix.Axis >= len(l) || l[ix.Axis] != "samples" {
				continue
			}
			short = k
			right := strings.Replace(r.Statement(lp.Stmt).Src, lp.RangeStop, sampleCount(lp.RangeStop, labels), 1)
			if right == r.Statement(lp.Stmt).Src {
				right = ""
			}
			out = append(out, Finding{Bug: "accuracy-loop", Line: lp.Line, Src: r.Statement(lp.Stmt).Src, Right: right,
				Text: fmt.Sprintf("the loop runs over range(%s) = %d, the number of classes, but %s (line %d) takes "+
					"axis %d of %s, which holds the %d samples: only the first %d samples are scored",
					lp.RangeStop, k, ix.Src, ix.Line, ix.Axis, ix.Array, samples, k)})
			break
		}
	}
	// Counters: name += ... in a loop nested in an outer one (a counting
	// loop in the epoch loop, batches in epochs), set to a number only
	// outside the outer loop. A running count over the iterations of a
	// single pass (one sample at a time) is not one.
	for _, s := range r.Statements {
		if s.Kind != "augassign" || s.Op != "Add" || len(s.Targets) != 1 || strings.ContainsAny(s.Targets[0], ".[") ||
			iterLoop < 0 || s.Loop == nil || !inside(s.Loop) {
			continue
		}
		outer := *s.Loop
		for r.Loops[outer].Parent != nil {
			outer = *r.Loops[outer].Parent
		}
		if outer == *s.Loop {
			continue
		}
		within := func(loop *int) bool {
			for l := loop; l != nil; l = r.Loops[*l].Parent {
				if *l == outer {
					return true
				}
			}
			return false
		}
		name := s.Targets[0]
		var inits []*Statement
		reset := false
		for i := range r.Statements {
			t := &r.Statements[i]
			if t.Init == nil || len(t.Targets) != 1 || t.Targets[0] != name || t.Scope != s.Scope {
				continue
			}
			if within(t.Loop) {
				reset = true
			} else {
				inits = append(inits, t)
			}
		}
		if reset || len(inits) == 0 || !a.isMetric(name) {
			continue
		}
		init := inits[len(inits)-1]
		evidence := a.counterEvidence(s, name)
		loop := r.Loops[outer]
		out = append(out, Finding{Bug: "counter-not-reset", Line: init.Line, Src: init.Src, Also: []int{s.Line},
			Right: fmt.Sprintf("move %s into the loop at line %d, before the counting", strings.TrimSpace(init.Src), loop.Line),
			Text: fmt.Sprintf("%s is set to %s once, before the training loop at line %d, and %s (line %d) adds to it in "+
				"every iteration: it is never reset, so the count of earlier epochs is carried into each accuracy%s",
				name, num(*init.Init), loop.Line, strings.TrimSpace(s.Src), s.Line, evidence)})
	}
	// Accuracies: above 1, or over fewer samples than the batch holds.
	for _, s := range r.Statements {
		if !s.Metric || s.Kind != "assign" || len(s.Targets) != 1 || !strings.Contains(strings.ToLower(s.Targets[0]), "acc") {
			continue
		}
		top, at := math.Inf(-1), 0
		for _, m := range r.Metrics {
			if m.Stmt == s.ID && float64(m.Value) > top {
				top, at = float64(m.Value), m.Iteration
			}
		}
		if top > 1 {
			out = append(out, Finding{Line: s.Line, Src: s.Src,
				Text: fmt.Sprintf("%s reached %s in iteration %d: an accuracy is a fraction of the samples and cannot pass 1",
					s.Targets[0], num(top), at)})
		}
		if short > 0 && samples > 0 {
			out = append(out, Finding{Line: s.Line, Src: s.Src,
				Text: fmt.Sprintf("%s is computed from a count over at most %d of the %d samples per epoch (the loop "+
					"above scores %d), divided by all of them", s.Targets[0], short, samples, short)})
		}
	}
	return out
}

// isMetric reports whether a name is counted toward a metric: a metric
// line reads it or it is one.
func (a *Analysis) isMetric(name string) bool {
	for _, s := range a.Rec.Statements {
		if s.Metric && (contains(s.Reads, name) || contains(s.Targets, name)) {
			return true
		}
	}
	return false
}

// counterEvidence gives the counter's values over the recorded iterations.
func (a *Analysis) counterEvidence(s Statement, name string) string {
	var parts []string
	last := map[int]float64{}
	for _, m := range a.Rec.Metrics {
		st := a.Rec.Statement(m.Stmt)
		if contains(st.Targets, name) {
			last[m.Iteration] = float64(m.Value)
		}
	}
	if len(last) < 2 {
		return ""
	}
	for it := 1; it <= len(last)+1; it++ {
		if v, ok := last[it]; ok {
			parts = append(parts, fmt.Sprintf("%s after iteration %d", num(v), it))
		}
	}
	return fmt.Sprintf(" (here %s: %s)", name, strings.Join(parts, ", "))
}

// sampleCount rewrites a count of the classes into one of the samples:
// Y.shape[1] → Y.shape[0] when Y's axis 0 holds the samples.
func sampleCount(stop string, labels func(string) []string) string {
	arr, rest, ok := strings.Cut(stop, ".shape[")
	if !ok {
		return stop
	}
	for k, l := range labels(arr) {
		if l == "samples" && rest != fmt.Sprintf("%d]", k) {
			return fmt.Sprintf("%s.shape[%d]", arr, k)
		}
	}
	return stop
}

func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.4g", v)
}

// Labels returns the axis meanings of a learner's array as the step
// labels it, nil if unknown.
func Labels(v map[string]*tracer.Array, name string) []string {
	if a, ok := v[name]; ok {
		return a.Labels()
	}
	return nil
}
