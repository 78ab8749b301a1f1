package net

import (
	"fmt"
	"math"
	"strings"

	"github.com/backstep/backstep/tracer"
)

// This file puts the shape algebra of a statement into words: what each
// axis of each operand means, which axis a product or a reduction runs
// over, what broadcasting repeated, and whether the values came out the
// way the statement intends. The trace prints the short forms (OpText),
// the debugger's explain command the long ones (Explain).

// AxesText writes a shape with the meaning of each axis: "10000 samples ×
// 60 hidden", "1 × 10 classes", "10000 samples", "scalar". An axis without
// a label is just its size.
func AxesText(shape tracer.Shape, labels []string) string {
	if len(shape) == 0 {
		return "scalar"
	}
	parts := make([]string, len(shape))
	for i, n := range shape {
		parts[i] = fmt.Sprint(n)
		if i < len(labels) && labels[i] != "" && n != 1 {
			parts[i] += " " + labels[i]
		}
	}
	return strings.Join(parts, " × ")
}

// axisName says what an axis of an operand holds: "samples (axis 0)", or
// "axis 0" when its meaning is unknown.
func axisName(labels []string, axis int) string {
	if axis < len(labels) && labels[axis] != "" {
		return fmt.Sprintf("%s (axis %d)", labels[axis], axis)
	}
	return fmt.Sprintf("axis %d", axis)
}

func label(labels []string, axis int) string {
	if axis >= 0 && axis < len(labels) {
		return labels[axis]
	}
	return ""
}

// perEntry says what one entry of a reduction's result stands for: "one
// value per class", "one value per sample".
func perEntry(shape tracer.Shape, labels []string) string {
	for i, n := range shape {
		if n != 1 && label(labels, i) != "" {
			return "one value per " + Singular(labels[i])
		}
	}
	return ""
}

// Singular turns an axis label into the name of one entry: samples →
// sample, classes → class, hidden → hidden unit, features → feature.
func Singular(l string) string {
	switch {
	case strings.HasPrefix(l, "hidden"):
		return l + " unit"
	case strings.HasSuffix(l, "sses"):
		return strings.TrimSuffix(l, "es")
	case strings.HasSuffix(l, "s"):
		return strings.TrimSuffix(l, "s")
	}
	return l
}

// OpText is the short description of one operation for a trace row.
type OpText struct {
	// Operands names the operands with their shapes and axis meanings.
	Operands string
	// Effect says what the operation did to the axes and the result's
	// shape: "sums over features (784) → 10000 samples × 60 hidden".
	Effect string
	// Warn, when set, is a suspicious use of the axes: a product whose
	// shared axes mean different things, a broadcast that stretched both
	// operands.
	Warn string
}

// OperandRef is how a trace names operand j of operation k: the variable
// or constant, or "#n" for the result of an earlier operation n (1-based)
// whose expression would be too long to repeat.
func (r *StepRecord) OperandRef(k, j int) string {
	name := r.Events[k].Inputs[j].Name
	if p := r.Producer(k, j); p >= 0 && len([]rune(name)) > 28 {
		return fmt.Sprintf("#%d", p+1)
	}
	return name
}

// operandText writes operand j of operation k with its shape: "X (10000
// samples × 784 features)", or "m = 10000" for a scalar.
func (r *StepRecord) operandText(k, j int) string {
	in := r.Events[k].Inputs[j]
	ref := r.OperandRef(k, j)
	if len(in.Shape) == 0 {
		if a := r.Operand(k, j); a != nil {
			v := scalarText(a.Item())
			if v == ref {
				return v
			}
			return fmt.Sprintf("%s (%s)", paren(ref), v)
		}
		return ref + " (scalar)"
	}
	return fmt.Sprintf("%s (%s)", paren(ref), AxesText(in.Shape, in.Labels))
}

// paren wraps an expression with an operator at its top level in
// parentheses, so "1 − A1**2" reads as one operand; "sum(E, axis=1)" and
// "X·W1" stay as they are.
func paren(s string) string {
	depth := 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ' ':
			if depth == 0 && i > 0 {
				return "(" + s + ")"
			}
		}
	}
	return s
}

// scalarText writes a scalar as a reader expects: 10000, 0.3, 2.303.
func scalarText(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.4g", v)
}

// infix is how a binary operation is written between its operands.
var infix = map[string]string{"add": "+", "subtract": "−", "multiply": "*", "divide": "/", "power": "**",
	"equal": "==", "greater": ">", "maximum": "max", "dot": "·"}

// OpText describes operation k of the statement.
func (r *StepRecord) OpText(k int) OpText {
	e := r.Events[k]
	result := AxesText(e.Shape, e.Labels)
	var t OpText
	switch {
	case e.Op == "shape":
		in, ax := e.Inputs[0], shapeAxis(e)
		t.Operands = r.operandText(k, 0)
		t.Effect = fmt.Sprintf("size of %s → %s", axisName(in.Labels, ax), valueText(e.Value))
	case e.Op == "transpose":
		t.Operands = r.operandText(k, 0)
		t.Effect = "axes swapped (a view) → " + result
	case e.Op == "dot" && len(e.Inputs) == 2 && len(e.Inputs[0].Shape) > 0 && len(e.Inputs[1].Shape) > 0:
		a, b := e.Inputs[0], e.Inputs[1]
		t.Operands = r.operandText(k, 0) + " · " + r.operandText(k, 1)
		la, lb := label(a.Labels, len(a.Shape)-1), label(b.Labels, 0)
		inner := a.Shape[len(a.Shape)-1]
		what := la
		if what == "" {
			what = lb
		}
		if what == "" {
			what = "the shared axis"
		}
		t.Effect = fmt.Sprintf("sums over %s (%d) → %s", what, inner, result)
		if la != "" && lb != "" && la != lb {
			t.Warn = fmt.Sprintf("the summed axes mean different things: %s of %s against %s of %s",
				la, r.OperandRef(k, 0), lb, r.OperandRef(k, 1))
		}
	case e.Reduction:
		t.Operands = r.operandText(k, 0)
		t.Effect = reductionText(e) + " → " + result
		if pe := perEntry(e.Shape, e.Labels); pe != "" {
			switch {
			case e.Op == "argmax":
				pe = strings.Replace(pe, "value", "index", 1)
			case r.isGradient():
				pe = strings.Replace(pe, "value", "gradient", 1)
			}
			t.Effect += ": " + pe
		}
	case len(e.Inputs) == 2:
		t.Operands = r.operandText(k, 0) + " " + infix[e.Op] + " " + r.operandText(k, 1)
		if e.Op == "dot" {
			t.Operands = r.operandText(k, 0) + " · " + r.operandText(k, 1)
		}
		t.Effect, t.Warn = r.broadcastText(k)
	default:
		t.Operands = r.operandText(k, 0)
		t.Effect = fmt.Sprintf("%s of each element → %s", e.Op, result)
	}
	return t
}

// isGradient reports whether the statement computes a parameter's
// gradient (dW2, db1, ...).
func (r *StepRecord) isGradient() bool {
	if r.program == nil || r.Statement.Phase != Backward || !strings.HasPrefix(r.Statement.Name, "d") {
		return false
	}
	_, ok := r.program.Shapes[strings.TrimPrefix(r.Statement.Name, "d")]
	return ok
}

// reductionText: "sum over samples (axis 0), keepdims" or "sum over all
// 100000 elements".
func reductionText(e tracer.Event) string {
	if e.Axis == nil {
		return fmt.Sprintf("%s over all %d elements", e.Op, e.Inputs[0].Shape.Size())
	}
	in := e.Inputs[0]
	s := fmt.Sprintf("%s over %s", e.Op, axisName(in.Labels, *e.Axis))
	if e.Keepdims {
		s += ", keepdims"
	}
	return s
}

// broadcastText says what broadcasting did in an elementwise operation k.
func (r *StepRecord) broadcastText(k int) (effect, warn string) {
	e := r.Events[k]
	result := AxesText(e.Shape, e.Labels)
	var stretched []string
	var both int
	for j, in := range e.Inputs {
		if len(in.Broadcast) == 0 || len(in.Shape) == 0 {
			continue // scalars apply to every element; nothing to say
		}
		both++
		var along []string
		for _, ax := range in.Broadcast {
			l := label(e.Labels, ax)
			if l == "" {
				l = fmt.Sprintf("axis %d", ax)
			}
			along = append(along, l)
		}
		stretched = append(stretched, fmt.Sprintf("%s repeated along %s", r.OperandRef(k, j), strings.Join(along, " and ")))
	}
	scalar := len(e.Inputs[0].Shape) == 0 || len(e.Inputs[1].Shape) == 0
	switch {
	case len(stretched) == 0 && scalar && len(e.Shape) > 0:
		effect = "the scalar applies to every element → " + result
	case len(stretched) == 0:
		effect = "element by element → " + result
	default:
		effect = strings.Join(stretched, ", ") + " → " + result
	}
	if both == 2 {
		warn = fmt.Sprintf("both operands were stretched: %v and %v make %v; one of them was probably reduced over the wrong axis",
			e.Inputs[0].Shape, e.Inputs[1].Shape, e.Shape)
	}
	return effect, warn
}

// valueText writes a scalar's value, or the shape of a larger array.
func valueText(a *tracer.Array) string {
	if a == nil {
		return "?"
	}
	if a.Size() == 1 && a.Rank() == 0 {
		return scalarText(a.Item())
	}
	return AxesText(a.Shape(), a.Labels())
}

// Explain puts the statement's shape algebra into plain sentences, one
// paragraph per operation, followed by the computed notes and, for a
// patched statement, what the correct line gives.
func (r *StepRecord) Explain() []string {
	var out []string
	s := r.Statement
	if s.Line > 0 { // a line of the learner's script
		out = append(out, fmt.Sprintf("line %d: %s", s.Line, s.Formula))
	} else {
		out = append(out, fmt.Sprintf("statement %d: %s (NumPy: %s)", r.Index+1, s.Formula, s.NumPy))
	}
	for k := range r.Events {
		if txt := r.explainOp(k); txt != "" {
			out = append(out, txt)
		}
	}
	if r.Err != nil {
		out = append(out, fmt.Sprintf("It fails here with NumPy's error: %v.", r.ErrorText()))
	}
	for _, n := range r.Notes {
		out = append(out, r.capital(n.Text))
	}
	if r.Line != nil {
		out = append(out, r.lineText())
	}
	return out
}

// capital starts a sentence with a capital letter, unless it starts with
// a variable's name (m, db2, loss), which keeps its spelling.
func (r *StepRecord) capital(s string) string {
	word, _, _ := strings.Cut(s, " ")
	for _, c := range word {
		if c < 'a' || c > 'z' {
			return s
		}
	}
	if word == "" || r.program != nil && r.program.Index(word) >= 0 {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ErrorText is NumPy's message for the statement's error, without the
// statement in front ("" when it ran).
func (r *StepRecord) ErrorText() string {
	if r.Err == nil {
		return ""
	}
	if se, ok := r.Err.(*StatementError); ok {
		return se.Err.Error()
	}
	return r.Err.Error()
}

// shapeAxis is the axis a shape read (X.shape[k]) looked at.
func shapeAxis(e tracer.Event) int {
	if e.Axis != nil {
		return *e.Axis
	}
	return 0
}

// lineText says how the patched line differs from the correct one.
func (r *StepRecord) lineText() string {
	d := r.Line
	how := "was patched by"
	if r.Statement.Line > 0 {
		how = "matches" // check matched the learner's line to the bug
	}
	return fmt.Sprintf("This line %s the bug %s. The correct line, %s, gives %s; this one gives %s: %s.",
		how, r.Statement.Bug, d.Correct.NumPy, valueText(d.Want), valueText(r.Value), d)
}

func (r *StepRecord) explainOp(k int) string {
	e := r.Events[k]
	switch {
	case e.Op == "shape":
		in, ax := e.Inputs[0], shapeAxis(e)
		l := label(in.Labels, ax)
		if l == "" {
			return fmt.Sprintf("%s.shape[%d] reads the size of axis %d of %s: %s.", in.Name, ax, ax, in.Name, valueText(e.Value))
		}
		return fmt.Sprintf("%s is %s, so %s.shape[%d] is the number of %s: %s.",
			in.Name, AxesText(in.Shape, in.Labels), in.Name, ax, l, valueText(e.Value))
	case e.Op == "transpose":
		return r.explainTranspose(k)
	case e.Op == "dot" && len(e.Inputs[0].Shape) == 2 && len(e.Inputs[1].Shape) == 2:
		a, b := e.Inputs[0], e.Inputs[1]
		ra, rb := r.OperandRef(k, 0), r.OperandRef(k, 1)
		la, lb := label(a.Labels, 1), label(b.Labels, 0)
		s := fmt.Sprintf("%s · %s: a matrix product pairs the last axis of %s (%s) with the first axis of %s (%s), "+
			"multiplies and sums along it. ", ra, rb, ra, AxesText(a.Shape, a.Labels), rb, AxesText(b.Shape, b.Labels))
		switch {
		case la != "" && la == lb:
			s += fmt.Sprintf("Both are %s (%d), so every %s contributes to every entry of the result. ",
				la, a.Shape[1], Singular(la))
		case la != "" && lb != "":
			s += fmt.Sprintf("Their sizes agree (%d), so NumPy does not complain, but they mean different things: %s against %s. "+
				"The result mixes them up. ", a.Shape[1], la, lb)
		}
		s += fmt.Sprintf("What is left is the outer axes: %s.", AxesText(e.Shape, e.Labels))
		return s
	case e.Reduction:
		in := e.Inputs[0]
		ref := r.OperandRef(k, 0)
		if e.Axis == nil {
			return fmt.Sprintf("%s over every element of %s (%s) gives one number.", e.Op, ref, AxesText(in.Shape, in.Labels))
		}
		ax := *e.Axis
		l := label(in.Labels, ax)
		what := fmt.Sprintf("has %d entries", in.Shape[ax])
		if l != "" {
			what = "holds the " + l
		}
		s := fmt.Sprintf("%s(%s, axis=%d): axis %d of %s (%s) %s, so the %s runs over the %d %s",
			e.Op, ref, ax, ax, ref, AxesText(in.Shape, in.Labels), what, e.Op, in.Shape[ax], orAxis(l))
		if pe := perEntry(e.Shape, e.Labels); pe != "" {
			if r.isGradient() {
				pe = strings.Replace(pe, "value", "gradient", 1)
			}
			s += " and leaves " + pe
		}
		s += ": " + AxesText(e.Shape, e.Labels) + "."
		if e.Keepdims {
			s += " keepdims keeps the collapsed axis with size 1, so the result still lines up with the array it came from when the two meet again."
		}
		return s
	case len(e.Inputs) == 2:
		return r.explainBroadcast(k)
	}
	in := e.Inputs[0]
	return fmt.Sprintf("%s applies to each element of %s on its own; the shape stays %s.",
		e.Op, r.OperandRef(k, 0), AxesText(in.Shape, in.Labels))
}

func orAxis(l string) string {
	if l == "" {
		return "entries along it"
	}
	return l
}

// explainTranspose says why the transpose is there: which axis it brings
// next to which axis of the product that reads it.
func (r *StepRecord) explainTranspose(k int) string {
	e := r.Events[k]
	in := e.Inputs[0]
	s := fmt.Sprintf("%s turns %s (%s) into %s: the same values with the axes swapped.",
		e.Result, in.Name, AxesText(in.Shape, in.Labels), AxesText(e.Shape, e.Labels))
	for m := k + 1; m < len(r.Events); m++ {
		d := r.Events[m]
		if d.Op != "dot" || len(d.Inputs) != 2 || len(d.Inputs[0].Shape) != 2 || len(d.Inputs[1].Shape) != 2 {
			continue
		}
		switch e.Result {
		case d.Inputs[0].Name:
			if l := label(e.Labels, 1); l != "" {
				s += fmt.Sprintf(" It is needed so that %s's %s come last and meet %s's first axis (%s) in the product, which then sums over %s.",
					in.Name, l, d.Inputs[1].Name, label(d.Inputs[1].Labels, 0), l)
			}
			return s
		case d.Inputs[1].Name:
			if l := label(e.Labels, 0); l != "" {
				s += fmt.Sprintf(" It is needed so that %s's %s come first and meet %s's last axis (%s) in the product, which then sums over %s.",
					in.Name, l, d.Inputs[0].Name, label(d.Inputs[0].Labels, 1), l)
			}
			return s
		}
	}
	return s
}

func (r *StepRecord) explainBroadcast(k int) string {
	e := r.Events[k]
	a, b := e.Inputs[0], e.Inputs[1]
	ra, rb := r.OperandRef(k, 0), r.OperandRef(k, 1)
	op := infix[e.Op]
	head := fmt.Sprintf("%s %s %s", ra, op, rb)
	if e.Op == "dot" {
		head = fmt.Sprintf("%s · %s", ra, rb)
	}
	switch {
	case len(a.Broadcast) == 0 && len(b.Broadcast) == 0:
		return fmt.Sprintf("%s: both are %s, so they combine element by element.", head, AxesText(e.Shape, e.Labels))
	case len(a.Shape) == 0 || len(b.Shape) == 0:
		sc, other, j := ra, rb, 0
		if len(b.Shape) == 0 {
			sc, other, j = rb, ra, 1
		}
		val := ""
		if v := r.Operand(k, j); v != nil && scalarText(v.Item()) != sc {
			val = fmt.Sprintf(" (%s)", scalarText(v.Item()))
		}
		return fmt.Sprintf("%s: %s is a single number%s, applied to every element of %s; the shape stays %s.",
			head, sc, val, other, AxesText(e.Shape, e.Labels))
	}
	var parts []string
	for j, in := range e.Inputs {
		if len(in.Broadcast) == 0 {
			continue
		}
		var along []string
		times := 1
		for _, ax := range in.Broadcast {
			l := label(e.Labels, ax)
			if l == "" {
				l = fmt.Sprintf("axis %d", ax)
			}
			along = append(along, l)
			times *= e.Shape[ax]
		}
		parts = append(parts, fmt.Sprintf("%s is %s, so NumPy repeats it along %s (%d times)",
			r.OperandRef(k, j), AxesText(in.Shape, in.Labels), strings.Join(along, " and "), times))
	}
	s := fmt.Sprintf("%s: %s; the result is %s.", head, strings.Join(parts, "; "), AxesText(e.Shape, e.Labels))
	if len(parts) == 2 {
		s += " Neither operand had the result's shape: both were stretched, like an outer product. NumPy allows it, " +
			"but in a training step it almost always means one of them was reduced over the wrong axis."
	} else if r.biasOverSamples(a) || r.biasOverSamples(b) {
		s += " Every sample gets the same bias: that is what broadcasting is for here."
	}
	return s
}

// biasOverSamples reports whether the operand is a bias of the network
// repeated along the samples axis and nothing else.
func (r *StepRecord) biasOverSamples(in tracer.Operand) bool {
	if r.program == nil || !strings.HasPrefix(in.Name, "b") || len(in.Broadcast) != 1 {
		return false
	}
	if _, ok := r.program.Shapes[in.Name]; !ok {
		return false
	}
	return in.Broadcast[0] == r.program.sampleAxis()
}

// notes computes the facts that say whether the statement did what it is
// meant to.
func (r *StepRecord) notes() []Note {
	if r.Err != nil && r.program != nil {
		// Say what the operands' axes mean: NumPy's message has only sizes.
		var parts []string
		for _, name := range r.Statement.Inputs {
			if a, ok := r.Inputs[name]; ok && a.Rank() > 0 {
				parts = append(parts, fmt.Sprintf("%s is %s", name, AxesText(a.Shape(), a.Labels())))
			}
		}
		if len(parts) == 0 {
			return nil
		}
		return []Note{{Warn: true, Text: "the line read " + strings.Join(parts, ", ") + "."}}
	}
	if r.Value == nil || r.program == nil {
		return nil
	}
	p := r.program
	s := r.Statement
	L := p.Config.Layers()
	var out []Note
	add := func(warn bool, format string, args ...any) {
		out = append(out, Note{Warn: warn, Text: fmt.Sprintf(format, args...)})
	}
	switch {
	case s.Name == "m":
		out = append(out, r.countNote()...)
	case s.Name == fmt.Sprintf("A%d", L) && s.Phase == Forward && r.program.Config.OutputAct() == Softmax:
		out = append(out, r.softmaxNotes()...)
	case s.Name == "loss":
		out = append(out, r.lossNotes()...)
	case s.Phase == Forward && strings.HasPrefix(s.Name, "Z") && s.Name != fmt.Sprintf("Z%d", L) &&
		(p.Config.Act == Tanh || p.Config.Act == Sigmoid):
		// DeepDiagnosis (ICSE'22) calls a layer saturated when more than
		// half its pre-activations have |z| ≥ 5.
		n, sat := 0, 0
		for _, z := range r.Value.Data() {
			n++
			if math.Abs(z) >= 5 {
				sat++
			}
		}
		if n > 0 && 2*sat > n {
			add(true, "%.0f %% of %s have |z| ≥ 5: %s is saturated there and passes almost no gradient back.",
				100*float64(sat)/float64(n), s.Name, p.Config.Act)
		}
	case s.Phase == Backward && strings.HasPrefix(s.Name, "d"):
		param := strings.TrimPrefix(s.Name, "d")
		want, ok := p.Shapes[param]
		if !ok {
			break
		}
		got := r.Value.Shape()
		if got.Equal(want) {
			add(false, "%s has the shape of %s (%s), as a gradient must.",
				s.Name, param, AxesText(want, p.Labels[param]))
		} else {
			add(true, "%s is %s, but %s is %s: a gradient must have its parameter's shape, or the update broadcasts.",
				s.Name, AxesText(got, r.Value.Labels()), param, AxesText(want, p.Labels[param]))
		}
		if n, ok := r.cancelledSum(); ok {
			out = append(out, n)
		}
	case s.Phase == Update && r.Drift != nil:
		add(true, "%s: the update changed the parameter's shape, and it keeps the new one in every later iteration.", r.Drift)
	case s.Name == "acc" && r.Value.Size() == 1:
		reported := r.Value.Item()
		if math.IsNaN(r.trueAccuracy) || math.Abs(r.trueAccuracy-reported) < 1e-12 {
			add(false, "accuracy %.2f %% on this batch, before the update.", 100*reported)
		} else {
			add(true, "the program reports an accuracy of %.2f %%, but %.2f %% of the samples have their largest output "+
				"at the labelled class (argmax over the classes).", 100*reported, 100*r.trueAccuracy)
		}
	}
	return out
}

// cancelledSum notices a sum over the classes that came out as rounding
// noise: with softmax and cross-entropy every row of A − Y sums to 0, so
// a bias gradient summed over the classes is 0 however wrong the network.
func (r *StepRecord) cancelledSum() (Note, bool) {
	for k, e := range r.Events {
		if e.Op != "sum" || e.Axis == nil || label(e.Inputs[0].Labels, *e.Axis) != ClassesAxis {
			continue
		}
		in := r.Operand(k, 0)
		if in == nil {
			continue
		}
		st := tracer.Summarize(in)
		big := math.Max(math.Abs(st.Min), math.Abs(st.Max))
		small := math.Max(math.Abs(e.Stats.Min), math.Abs(e.Stats.Max))
		if big > 0 && small <= 1e-12*big*float64(in.Shape()[*e.Axis]) {
			return Note{Warn: true, Text: fmt.Sprintf("every entry of the sum is 0 up to rounding: each %s's row of %s sums "+
				"to 0 over the classes with softmax and cross-entropy, so this gradient is 0 whatever the weights.",
				Singular(label(e.Inputs[0].Labels, 1-*e.Axis)), e.Inputs[0].Name)}, true
		}
	}
	return Note{}, false
}

// countNote says what m counted.
func (r *StepRecord) countNote() []Note {
	if len(r.Events) == 0 || r.Events[0].Op != "shape" || r.Events[0].Axis == nil {
		return nil
	}
	e := r.Events[0]
	l := label(e.Inputs[0].Labels, *e.Axis)
	m := r.Value.Item()
	if l == SamplesAxis || l == "" {
		return []Note{{Text: fmt.Sprintf("m = %g counts the %s: every (1/m) below is an average over the batch.", m, orAxis(l))}}
	}
	text := fmt.Sprintf("m = %g counts %s, not the %d samples", m, l, r.samples)
	// Every (1/m) is samples/m times the right average.
	factor, how := float64(r.samples)/m, "too large"
	if factor < 1 {
		factor, how = 1/factor, "too small"
	}
	if ratio := sizeRatio(r.program.Config, r.samples, factor); ratio != "" {
		text += fmt.Sprintf(": every (1/m) below is %s by %s", how, ratio)
	}
	return []Note{{Warn: true, Text: text + "."}}
}

// softmaxNotes checks which axis of the output sums to 1.
func (r *StepRecord) softmaxNotes() []Note {
	a := r.Value
	if a.Rank() != 2 {
		return nil
	}
	unit := r.program.unitAxis()
	sample := 1 - unit
	unitSums := axisSums(a, unit)         // one per sample
	sampleSums := axisSums(a, sample)     // one per class
	words := [2]string{"columns", "rows"} // summing over axis 1 gives one number per row
	perSample, perClass := words[unit], words[sample]
	if maxDev(unitSums) <= 1e-9 {
		return []Note{{Text: fmt.Sprintf("each sample's probabilities add up to 1: the %s of %s (one per sample) sum to 1 over the classes.",
			perSample, r.Statement.Name)}}
	}
	if maxDev(sampleSums) <= 1e-9 {
		return []Note{{Warn: true, Text: fmt.Sprintf("the %s of %s (one per class) sum to 1 over the %d samples, not its %s: "+
			"a sample's probabilities add up to %.4g on average instead of 1. The softmax normalised over the samples axis.",
			perClass, r.Statement.Name, len(unitSums), perSample, mean(unitSums))}}
	}
	return []Note{{Warn: true, Text: fmt.Sprintf("neither the rows nor the columns of %s sum to 1 (a sample's probabilities add up to %.4g on average).",
		r.Statement.Name, mean(unitSums))}}
}

// lossNotes compares the loss with the values a fresh network gives:
// ln K for a uniform guess over K classes (CS231n, "look for correct loss
// at chance performance"), ln N when the softmax spreads over N samples.
func (r *StepRecord) lossNotes() []Note {
	loss := r.Value.Item()
	k := r.program.Config.Classes
	lnK := math.Log(float64(k))
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		text := fmt.Sprintf("the loss is %v: it read values that were already NaN or Inf (see the first NaN/Inf above).", loss)
		if k := r.NonFinite; k >= 0 {
			e := r.Events[k]
			text = fmt.Sprintf("the loss is %v: operation %d (%s) turned finite values into %d NaN and %d Inf.",
				loss, k+1, e.Op, e.Stats.NaN, e.Stats.Inf)
			if a := r.Operand(k, 0); e.Op == "log" && a != nil {
				if z := tracer.Summarize(a).Zeros; z > 0 {
					text += fmt.Sprintf(" %s holds %d exact zeros, and log 0 = −Inf; then 0 · −Inf = NaN.", r.OperandRef(k, 0), z)
				}
			}
		}
		return []Note{{Warn: true, Text: text}}
	}
	near := func(x, y float64) bool { return math.Abs(x-y) <= 0.05*y }
	switch {
	case near(loss, lnK):
		return []Note{{Text: fmt.Sprintf("loss %.4f ≈ ln %d = %.4f, the loss of a uniform guess over the %d classes: "+
			"what a network with small random weights should give.", loss, k, lnK, k)}}
	case r.samples > 1 && near(loss, math.Log(float64(r.samples))):
		lnN := math.Log(float64(r.samples))
		return []Note{{Warn: true, Text: fmt.Sprintf("loss %.4f ≈ ln %d = %.4f, not ln %d = %.4f: the probabilities are spread "+
			"over the %d samples instead of the %d classes.", loss, r.samples, lnN, k, lnK, r.samples, k)}}
	}
	return []Note{{Text: fmt.Sprintf("loss %.4f; a uniform guess over the %d classes would give ln %d = %.4f.", loss, k, k, lnK)}}
}

func axisSums(a *tracer.Array, axis int) []float64 {
	var tp *tracer.Tape
	return tp.Sum(a, axis, false).Data()
}

func maxDev(v []float64) float64 {
	d := 0.0
	for _, x := range v {
		if dx := math.Abs(x - 1); dx > d || math.IsNaN(dx) {
			d = dx
		}
	}
	return d
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
