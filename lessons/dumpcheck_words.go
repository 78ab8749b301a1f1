package lessons

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/net/foreign"
	"github.com/backstep/backstep/tracer"
)

// describe says how the user's value differs from the statement's result
// on their inputs, in the network's terms, in the words step and gradcheck
// use (net.Relate names a scale that is a ratio of the network's sizes).
func describe(d *foreign.Dump, r net.Recomputed) string {
	rel := r.Relation
	if r.Verdict == net.Failed {
		return "the statement fails on these inputs: " + oneLine(r.Err)
	}
	switch rel.Kind {
	case tracer.Scaled, tracer.Negated, tracer.Transposed, tracer.NonFinite:
		s := net.Relate(d.Config, r.Statement.Name, d.Vars[r.Statement.Name], r.Expected, d.Samples).String()
		if w := normaliserWords(d, r); w != "" {
			s += ": " + w
		}
		return s
	case tracer.ShapeDiff:
		return shapeStory(d, r)
	}
	if story := softmaxStory(d, r); story != "" {
		return story
	}
	return fmt.Sprintf("no simple relation to the right value (relative error %.2g)", rel.RelError)
}

// normaliserWords says, for a gradient off by exactly m or 1/m, where the
// 1/m went wrong against the step's own convention.
func normaliserWords(d *foreign.Dump, r net.Recomputed) string {
	m := float64(d.Samples)
	name := r.Statement.Name
	a := r.Relation.Alpha
	if r.Relation.Kind != tracer.Scaled || m < 2 || !isGradient(name) {
		return ""
	}
	l := layerOf(name)
	perM, timesM := nearly(a*m, 1), nearly(a, m)
	norm := d.Config.Normalised()
	switch {
	case perM && strings.HasPrefix(name, "dZ") && norm == net.InGradients:
		return fmt.Sprintf("%s is divided by m, and dW%d divides by m again — 1/m twice", name, l)
	case perM && strings.HasPrefix(name, "dZ") && norm == net.InDelta:
		return fmt.Sprintf("the 1/m is already in dZ%d; %s divides by m again — 1/m twice", d.Config.Layers(), name)
	case perM && strings.HasPrefix(name, "db"):
		return fmt.Sprintf("%s is a mean over the %d samples while dW%d is a sum: it is m times too small", name, d.Samples, l)
	case perM:
		return fmt.Sprintf("%s divides by m once more than the step's other gradients do", name)
	case timesM && norm != net.NoNormaliser:
		return fmt.Sprintf("%s is the summed loss's gradient while the others are the mean's — divide it by m", name)
	}
	return ""
}

// shapeStory explains a shape difference: a reduction over the wrong axis
// or none at all, a scalar where a matrix belongs, a bias gradient whose
// update would broadcast the bias to another shape.
func shapeStory(d *foreign.Dump, r net.Recomputed) string {
	got, want := r.Relation.Got, r.Relation.Want
	s := fmt.Sprintf("shape %v instead of %v", got, want)
	name := r.Statement.Name
	if len(got) == 0 && len(want) == 2 && strings.HasPrefix(name, "dW") {
		return s + ": a single number where a matrix belongs — np.dot of two 1-D vectors is their inner product; the outer product is np.outer"
	}
	if len(got) == 0 && len(want) >= 1 {
		return s + ": a single number — a sum over every axis; give np.sum the samples' axis (and keepdims=True for a column or row)"
	}
	if strings.HasPrefix(name, "db") {
		b := d.Vars["b"+name[2:]]
		if b != nil && !got.Equal(b.Shape()) {
			if sh, ok := broadcastShape(b.Shape(), got); ok && !sh.Equal(b.Shape()) {
				s += fmt.Sprintf(": the update b%s − lr·%s broadcasts b%s %v to %v", name[2:], name, name[2:], b.Shape(), sh)
			}
		}
	}
	if len(got) != 2 || len(want) < 1 {
		return s
	}
	if len(want) == 1 {
		want = tracer.Shape{want[0], 1}
		if d.Config.Layout == net.Rows {
			want = tracer.Shape{1, want[0]}
		}
	}
	var src *tracer.Array
	if len(r.Statement.Inputs) > 0 {
		src = d.Vars[r.Statement.Inputs[0]]
	}
	if src != nil && src.Shape().Equal(got) && strings.HasPrefix(name, "db") {
		return s + ": " + r.Statement.Inputs[0] + " itself, not summed over the samples"
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

// broadcastShape is NumPy's broadcast of two shapes, if they broadcast.
func broadcastShape(a, b tracer.Shape) (tracer.Shape, bool) {
	n := max(len(a), len(b))
	out := make(tracer.Shape, n)
	for i := 0; i < n; i++ {
		x, y := 1, 1
		if j := i - (n - len(a)); j >= 0 {
			x = a[j]
		}
		if j := i - (n - len(b)); j >= 0 {
			y = b[j]
		}
		switch {
		case x == y || y == 1:
			out[i] = x
		case x == 1:
			out[i] = y
		default:
			return nil, false
		}
	}
	return out, true
}

// softmaxStory recognises an output normalised over the wrong axis: its
// sums over the sample axis are 1 where those over the class axis should be.
func softmaxStory(d *foreign.Dump, r net.Recomputed) string {
	if r.Statement.Name != fmt.Sprintf("A%d", d.Config.Layers()) || d.Config.OutputAct() != net.Softmax {
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

// fingerprint names the bug a faulty tensor's relation to the right value
// points at when no catalog patch reproduces it exactly: a negated
// gradient among right ones is sign-flip; a gradient scaled by exactly 1/m
// where the convention already divides by m is double-normaliser; a bias
// gradient that is 1/m of the sum while the weights' gradients sum is
// bias-mean; a dZ that the updated weights reproduce is
// update-before-backprop.
func fingerprint(d *foreign.Dump, all net.Vars, r net.Recomputed) string {
	name := r.Statement.Name
	rel := r.Relation
	m := float64(d.Samples)
	switch {
	case strings.HasPrefix(name, "dW") && d.OneSample && d.Vars[name].Size() == 1 && r.Expected != nil && r.Expected.Size() > 1:
		// np.dot of two 1-D vectors, whichever pair the learner took.
		return "dot-not-outer"
	case rel.Kind == tracer.Negated && isGradient(name):
		return "sign-flip"
	case rel.Kind == tracer.Scaled && strings.HasPrefix(name, "dZ") && nearly(rel.Alpha*m, 1) && m > 1 &&
		(d.Config.Normalised() != net.NoNormaliser):
		return "double-normaliser"
	case rel.Kind == tracer.Scaled && strings.HasPrefix(name, "db") && nearly(rel.Alpha*m, 1) && m > 1 &&
		d.Config.Normalised() != net.InGradients:
		return "bias-mean"
	case name == "loss" && rel.Kind == tracer.Scaled && nearly(rel.Alpha, m) && m > 1:
		return "sum-loss"
	case strings.HasPrefix(name, "dZ") && updatedWeightReproduces(d, all, r):
		return "update-before-backprop"
	}
	return ""
}

// updatedWeightReproduces reports whether hidden delta dZl is the right
// statement evaluated with W(l+1) after its update (the dump's W_next).
func updatedWeightReproduces(d *foreign.Dump, all net.Vars, r net.Recomputed) bool {
	l := layerOf(r.Statement.Name)
	next := d.Next[fmt.Sprintf("W%d", l+1)]
	if next == nil || l >= d.Config.Layers() {
		return false
	}
	env := net.Vars{}
	for k, v := range all {
		env[k] = v
	}
	env[fmt.Sprintf("W%d", l+1)] = next
	p := d.Program()
	got, err := p.Eval(r.Index, nil, env)
	if err != nil {
		return false
	}
	return tracer.Relate(d.Vars[r.Statement.Name], got).Kind == tracer.Same
}

// parts looks below the tensor: when only some units (or samples) of a
// wrong value are wrong, it says which.
func parts(d *foreign.Dump, r net.Recomputed) string {
	if r.Verdict != net.Wrong || r.Relation.Kind != tracer.Unrelated || r.Expected == nil {
		return ""
	}
	got, want := d.Vars[r.Statement.Name], r.Expected
	if got.Rank() != 2 || !got.Shape().Equal(want.Shape()) {
		return ""
	}
	labels := want.Labels()
	for axis := 0; axis < 2; axis++ {
		n := got.Shape()[axis]
		if n < 2 {
			continue
		}
		rel := make([]float64, n)
		for i := 0; i < n; i++ {
			rel[i] = sliceError(got, want, axis, i)
		}
		var bad, good []int
		worst := 0.0
		for i, e := range rel {
			if e > 1e-6 {
				bad = append(bad, i)
				worst = math.Max(worst, e)
			} else {
				good = append(good, i)
			}
		}
		if len(bad) == 0 || len(good) == 0 {
			continue
		}
		what := "index"
		if axis < len(labels) && labels[axis] != "" {
			what = labels[axis]
			if what == "hidden" || strings.HasPrefix(what, "hidden") || what == net.ClassesAxis || what == net.OutputsAxis {
				what = "units"
			}
		} else if axis == 0 {
			what = "rows"
		} else {
			what = "columns"
		}
		return fmt.Sprintf("%s %s wrong (rel. error %.2g), %s right", what, ranges(bad), worst, ranges(good))
	}
	return ""
}

// sliceError is the relative error of slice i along axis (a row for axis
// 0, a column for axis 1).
func sliceError(got, want *tracer.Array, axis, i int) float64 {
	r, c := got.Shape()[0], got.Shape()[1]
	var d, g, w float64
	n := c
	if axis == 1 {
		n = r
	}
	for j := 0; j < n; j++ {
		var a, b float64
		if axis == 0 {
			a, b = got.At(i, j), want.At(i, j)
		} else {
			a, b = got.At(j, i), want.At(j, i)
		}
		d += (a - b) * (a - b)
		g += a * a
		w += b * b
	}
	if g == 0 && w == 0 {
		return 0
	}
	return math.Sqrt(d) / (math.Sqrt(g) + math.Sqrt(w))
}

// ranges writes sorted indices as "0–2, 6, 9–11".
func ranges(idx []int) string {
	sort.Ints(idx)
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d–%d", idx[i], idx[j]))
		} else {
			parts = append(parts, fmt.Sprint(idx[i]))
		}
		i = j + 1
	}
	if len(parts) > 6 {
		parts = append(parts[:6], "…")
	}
	return strings.Join(parts, ", ")
}

// RightLine is the right statement as the learner would write it in their
// dump's forms: for one sample given as 1-D vectors, a weight gradient is
// an outer product and m is 1.
func RightLine(d *foreign.Dump, s net.Statement) string {
	if !d.OneSample || !strings.HasPrefix(s.Name, "dW") {
		return s.NumPy
	}
	l := layerOf(s.Name)
	prev := fmt.Sprintf("A%d", l-1)
	if l == 1 {
		prev = "X"
	}
	if d.Config.Layout == net.Rows {
		return fmt.Sprintf("%s = np.outer(%s, dZ%d)", s.Name, prev, l)
	}
	return fmt.Sprintf("%s = np.outer(dZ%d, %s)", s.Name, l, prev)
}
