package render

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/backstep/backstep/lessons"
	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/net/foreign"
	"github.com/backstep/backstep/net/record"
	"github.com/backstep/backstep/tracer"
)

// ScriptRun is what `backstep run` found in a learner's script.
type ScriptRun struct {
	Rec      *record.Recording
	Analysis *record.Analysis
	Check    *lessons.ScriptCheck
	Program  *net.Program
	Audit    []record.Finding
	// Drifts are the step's shape drifts by backstep's parameter names.
	Drifts   map[string]net.ShapeDrift
	BugTitle func(id string) string
}

// Fault is one line to fix.
type Fault struct {
	Line int
	What string // the bug's id, or what kind of fault
	Name string // the learner's name of the tensor, said when no line wrote it
}

// Faults lists what is wrong: check's faulty tensors, gradients that fail
// the numerical check, parameters whose shape drifted, the audit's
// findings, a NaN or an Inf, and an error that stopped the iteration.
func (s *ScriptRun) Faults() []Fault {
	var out []Fault
	if c := s.Check; c != nil {
		for _, v := range c.Lines {
			what := v.Finding.Bug
			if what == "" {
				what = v.Learner + " " + string(v.Finding.Verdict)
			}
			out = append(out, Fault{Line: lineOf(v.Line), What: what, Name: v.Learner})
		}
		if c.Report != nil && len(c.Lines) == 0 && !c.Report.OK() {
			out = append(out, Fault{What: "gradients fail the numerical check"})
		}
	}
	for _, d := range s.Analysis.Drifts {
		out = append(out, Fault{Line: d.Line.Stmt.Line, What: "shape drift of " + d.Name})
	}
	for _, f := range s.Audit {
		what := f.Bug
		if what == "" {
			what = "metric"
		}
		out = append(out, Fault{Line: f.Line, What: what})
	}
	if nf := s.Analysis.NonFinite; nf != nil {
		what := "NaN/Inf"
		if nf.Name == "" && nf.FP != "" {
			what = nf.FP
		}
		if rawPixels(s) {
			what += ", no-normalize"
		}
		out = append(out, Fault{Line: nf.Line, What: what})
	}
	if ex := s.Rec.Exception; ex != nil && ex.Type != "KeyboardInterrupt" {
		out = append(out, Fault{Line: ex.Line, What: ex.Type})
	}
	return out
}

func lineOf(l *record.Line) int {
	if l == nil {
		return 0
	}
	return l.Stmt.Line
}

// ScriptReport draws a script run around the step trace.
type ScriptReport struct {
	W     io.Writer
	Pal   Palette
	Trace *Trace
}

func (r *ScriptReport) printf(format string, args ...any) { fmt.Fprintf(r.W, format, args...) }

// field writes "label    text", the text wrapped under itself to width
// columns.
func field(b *strings.Builder, width int, label, text string) {
	for i, l := range Wrap(text, width-9) {
		if i == 0 {
			fmt.Fprintf(b, "%-9s%s\n", label, l)
		} else {
			fmt.Fprintf(b, "%9s%s\n", "", l)
		}
	}
}

// HeaderText says what ran and how backstep reads it: the interpreter,
// the data it served, how the iteration was found, the network, the roles
// of the learner's names and what each axis means.
func (r *ScriptReport) HeaderText(s *ScriptRun) string {
	rec := s.Rec
	var b strings.Builder
	w := r.Trace.width()
	how := "sys.settrace"
	if rec.Tracer == "monitoring" {
		how = "sys.monitoring"
	}
	field(&b, w, "script", fmt.Sprintf("%s: Python %s (%s), NumPy %s, traced with %s", filepath.Base(rec.Script),
		rec.Python, rec.Executable, rec.NumPy, how))
	for _, n := range rec.Notices {
		field(&b, w, "note", n)
	}
	field(&b, w, "ran", iterationText(rec))
	if c := s.Check; c != nil && c.Dump != nil {
		d := c.Dump
		desc := d.Config.Describe()
		if d.ActAssumed && d.Config.Layers() > 1 {
			desc = strings.Replace(desc, " "+d.Config.ActsText(), " (hidden activation not shown)", 1)
		}
		field(&b, w, "network", fmt.Sprintf("%s, %s layout, %d samples (%s)", desc,
			d.Config.Layout, d.Samples, strings.Join(d.AllNotes(), "; ")))
	} else if c != nil && c.Err != nil {
		field(&b, w, "network", "check cannot read this step: "+CheckErrorText(c.Err))
	}
	if len(s.Analysis.Withheld) > 0 {
		field(&b, w, "withheld", withheldText(s.Analysis.Withheld))
	}
	field(&b, w, "roles", rolesText(s.Analysis))
	if ax := axesText(s); ax != "" {
		field(&b, w, "axes", ax)
	}
	where := "are the lines of " + filepath.Base(rec.Script)
	if rec.Notebook {
		where = "count the lines of the notebook's code cells joined in order (the findings give cell and line)"
	}
	field(&b, w, "numbers", where+"; ✗ marks a line check found wrong on your own inputs, with the known bug it matches")
	return strings.TrimRight(b.String(), "\n")
}

// CheckErrorText is check's complaint about a script's step in run's
// terms: the arrays are the step's variables, and --map names one of them
// (as check's --map names a key of a dump).
func CheckErrorText(err error) string {
	msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "net: "), "foreign: ")
	msg = strings.ReplaceAll(msg, "=KEY", "=VARIABLE")
	msg = strings.ReplaceAll(msg, "the file has", "the step has")
	if !strings.Contains(msg, "--map") {
		msg += " (backstep run --map OURS=VARIABLE names a variable of the script, e.g. --map Y=labels)"
	}
	return msg
}

func iterationText(rec *record.Recording) string {
	it := rec.Iterations
	if it.FirstUpdate == nil {
		return "no parameter update ran (no float array was changed in place, W -= step, or rebound, W = W - step, " +
			"by a step of its shape): the whole script is read as one step, and check is not given values the script " +
			"changed after reading them"
	}
	u := rec.Statement(*it.FirstUpdate)
	s := fmt.Sprintf("iteration 1 traced (counted by the first update, %s: %s", rec.LineOf(u.Line), strings.TrimSpace(u.Src))
	if it.Loop != nil {
		s += fmt.Sprintf(", in the loop at %s", rec.LineOf(rec.Loops[*it.Loop].Line))
	}
	s += ")"
	if it.Traced > 1 {
		s = fmt.Sprintf("iterations 1–%d traced", it.Traced) + strings.TrimPrefix(s, "iteration 1 traced")
	}
	switch {
	case rec.Exception != nil:
		ex := rec.Exception
		return s + fmt.Sprintf("; it stopped with %s at %s: %s", ex.Type, rec.LineOf(ex.Line), ex.Message)
	case it.StoppedAfter != nil && *it.StoppedAfter > it.Traced:
		s += fmt.Sprintf("; stopped after iteration %d (the metric lines were watched one more)", *it.StoppedAfter)
	case it.StoppedAfter != nil:
		s += fmt.Sprintf("; stopped after iteration %d", *it.StoppedAfter)
	case it.Continued:
		s += fmt.Sprintf("; then ran on to its end untraced (%d iterations)", it.Reached)
	default:
		s += "; the script ended by itself"
	}
	return s
}

// withheldText says which values check was not given, and why, grouped by
// reason: "W1, W2: changed in place after …".
func withheldText(w map[string]string) string {
	by := map[string][]string{}
	for name, why := range w {
		by[why] = append(by[why], name)
	}
	var parts []string
	for why, names := range by {
		sort.Strings(names)
		parts = append(parts, strings.Join(names, ", ")+": "+why)
	}
	sort.Strings(parts)
	return "not given to check: " + strings.Join(parts, "; ")
}

func rolesText(a *record.Analysis) string {
	var same, renamed []string
	for learner, role := range a.Roles {
		if learner == role {
			same = append(same, role)
		} else {
			renamed = append(renamed, learner+" → "+role)
		}
	}
	sort.Strings(same)
	sort.Strings(renamed)
	switch {
	case len(a.Roles) == 0:
		return "none found: no layer of the form Z = W·X + b (check needs X, Y, W1, b1, …)"
	case len(renamed) == 0:
		return "your names are backstep's: " + strings.Join(same, ", ")
	}
	s := strings.Join(renamed, ", ")
	if len(same) > 0 {
		s += "; the same: " + strings.Join(same, ", ")
	}
	return s
}

func axesText(s *ScriptRun) string {
	c := s.Check
	if c == nil || c.Dump == nil {
		return ""
	}
	names := append([]string{"X", "Y"}, net.ParamNames(c.Dump.Config.Layers())...)
	var parts []string
	for _, n := range names {
		if a, ok := c.Dump.Vars[n]; ok {
			label := n
			if l := s.Analysis.LearnerOf(n); l != "" && l != n {
				label = l
			}
			parts = append(parts, label+" "+net.AxesText(a.Shape(), a.Labels()))
		}
	}
	return strings.Join(parts, ", ")
}

// Findings writes what the run found, at the learner's lines: check's
// verdicts (with the numerical gradient check), shape drift, the first
// NaN/Inf, the metric audit and the lines to fix.
func (r *ScriptReport) Findings(s *ScriptRun) {
	t := r.Trace
	rec := s.Rec
	c := s.Check
	t.Phase("check: each tensor recomputed from your own inputs")
	switch {
	case c == nil || c.Err != nil:
		msg := "check could not read the step"
		if c != nil && c.Err != nil {
			msg += ": " + CheckErrorText(c.Err)
		}
		t.bullet("", "⚠", msg, r.Pal.Warn)
	case len(c.Lines) == 0 && c.Report != nil && c.Report.Unjudged() > 0:
		t.bullet("", "✓", "every tensor check could judge is what backstep's statement gives on your own inputs", r.Pal.Good)
	case len(c.Lines) == 0:
		t.bullet("", "✓", "every tensor is what backstep's statement gives on your own inputs", r.Pal.Good)
	default:
		for _, v := range c.Lines {
			f := v.Finding
			src := v.Learner
			if v.Line != nil {
				src = rec.LineOf(v.Line.Stmt.Line) + "  " + oneLine(v.Line.Stmt.Src)
			}
			r.printf("%s\n", r.Pal.Bold(src))
			head := v.Learner + " " + string(f.Verdict)
			if f.Bug != "" {
				head = f.Bug
				if s.BugTitle != nil {
					if title := s.BugTitle(f.Bug); title != "" {
						head += " — " + title
					}
				}
				if len(f.With) > 0 {
					head += " (with " + strings.Join(f.With, ", ") + ")"
				}
			} else {
				head += " — no bug in the catalog reproduces it"
			}
			t.bullet("    ", "✗", head+": "+f.Description, r.Pal.Bad)
			t.bullet("      ", "right:", v.Right, r.Pal.Good)
		}
	}
	if c != nil && c.Report != nil {
		for _, w := range c.Report.Warnings {
			t.bullet("", "⚠", w, r.Pal.Warn)
		}
		r.gradients(c)
	}
	t.Phase("shape drift")
	switch {
	case len(s.Analysis.Drifts) > 0:
	case rec.Iterations.FirstUpdate == nil:
		t.bullet("", "⚠", "no parameter update ran, so no update could change a parameter's shape", r.Pal.Warn)
	default:
		t.bullet("", "✓", "every update kept its parameter's shape", r.Pal.Good)
	}
	for _, d := range s.Analysis.Drifts {
		r.printf("%s\n", r.Pal.Bold(rec.LineOf(d.Line.Stmt.Line)+"  "+oneLine(d.Line.Stmt.Src)))
		change := d.Before.String() + " → " + d.After.String()
		if sd, ok := s.Drifts[s.Analysis.Key(d.Name)]; ok && d.Iteration == 1 {
			change = net.AxesText(sd.Before, sd.BeforeLabels) + " → " + net.AxesText(sd.After, sd.AfterLabels)
		}
		if d.Iteration > 1 {
			change += fmt.Sprintf(" in iteration %d", d.Iteration)
		}
		t.bullet("    ", "⚠", fmt.Sprintf("%s: %s: the update broadcast the parameter to its gradient's shape, silently, and it keeps the new shape in every later iteration",
			d.Name, change), r.Pal.Warn)
	}
	t.Phase("NaN and Inf")
	r.nonFinite(s)
	t.Phase("metric audit")
	if len(s.Audit) == 0 {
		t.bullet("", "✓", auditNone(rec), r.Pal.Good)
	}
	for _, f := range s.Audit {
		r.printf("%s\n", r.Pal.Bold(rec.LineOf(f.Line)+"  "+oneLine(f.Src)))
		head := "⚠"
		text := f.Text
		if f.Bug != "" {
			head = "✗"
			title := f.Bug
			if s.BugTitle != nil {
				if tt := s.BugTitle(f.Bug); tt != "" {
					title += " — " + tt
				}
			}
			text = title + ": " + text
		}
		t.bullet("    ", head, text, r.Pal.Bad)
		if f.Right != "" {
			t.bullet("      ", "right:", f.Right, r.Pal.Good)
		}
	}
	t.Phase("summary")
	faults := s.Faults()
	if len(faults) == 0 {
		if c != nil && c.Err != nil {
			t.bullet("", "⚠", "nothing wrong found in the shapes and metrics, but check could not read the step, so its gradients are not called right", r.Pal.Warn)
			return
		}
		t.bullet("", "✓", "nothing wrong found in the traced iteration", r.Pal.Good)
		return
	}
	var parts []string
	for _, f := range faults {
		switch {
		case f.Line > 0 && rec.Notebook:
			parts = append(parts, fmt.Sprintf("%s (%s)", rec.LineOf(f.Line), f.What))
		case f.Line > 0:
			parts = append(parts, fmt.Sprintf("%d (%s)", f.Line, f.What))
		case f.Name != "" && !strings.HasPrefix(f.What, f.Name+" "):
			parts = append(parts, fmt.Sprintf("%s (%s)", f.Name, f.What))
		default:
			parts = append(parts, f.What)
		}
	}
	where := "line "
	if rec.Notebook || faults[0].Line <= 0 {
		where = ""
	}
	t.bullet("", "✗", fmt.Sprintf("%d %s: %s%s", len(faults), plural(len(faults), "fault", "faults"), where, strings.Join(parts, ", ")), r.Pal.Bad)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func auditNone(rec *record.Recording) string {
	for _, s := range rec.Statements {
		if s.Metric {
			return "the metric lines count over every sample and are reset where they should be"
		}
	}
	return "no metric line (an accuracy or a counter) ran in the iteration"
}

func oneLine(src string) string { return strings.Join(strings.Fields(src), " ") }

// gradients writes the numerical gradient check of the parameters.
func (r *ScriptReport) gradients(c *lessons.ScriptCheck) {
	rep := c.Report
	if !c.GradientsChecked {
		return
	}
	if !rep.Numerical.Ran {
		r.Trace.bullet("", "⚠", "the numerical gradient check could not run: "+rep.Numerical.Why, r.Pal.Warn)
		return
	}
	var parts []string
	failed := false
	for _, f := range rep.Findings {
		g := f.Gradient
		if g == nil {
			continue
		}
		name := f.Tensor
		if l, ok := c.Map[f.Tensor]; ok {
			name = l
		}
		p := name + " " + string(g.Verdict)
		if g.Verdict != tracer.WrongShape {
			p += " " + Sci(g.MaxRelError)
		}
		if !g.Verdict.Passed() {
			failed = true
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return
	}
	text := fmt.Sprintf("numerical gradients (centred differences of the %s at your parameters): %s",
		foreign.LossWords(c.Dump.Config), strings.Join(parts, ", "))
	if failed {
		r.Trace.bullet("", "✗", text, r.Pal.Bad)
	} else {
		r.Trace.bullet("", "✓", text, r.Pal.Good)
	}
}

// nonFinite writes where the first NaN or Inf came from.
func (r *ScriptReport) nonFinite(s *ScriptRun) {
	nf := s.Analysis.NonFinite
	t := r.Trace
	rec := s.Rec
	if nf == nil {
		what := "none in the traced iterations, and NumPy reported no floating-point error"
		if rec.Iterations.Continued {
			what = fmt.Sprintf("none in the traced iterations, and NumPy reported no floating-point error in the %d iterations that ran", rec.Iterations.Reached)
		}
		t.bullet("", "✓", what, r.Pal.Good)
		return
	}
	r.printf("%s\n", r.Pal.Bold(rec.LineOf(nf.Line)+"  "+oneLine(nf.Src)))
	var parts []string
	if nf.Name != "" {
		parts = append(parts, fmt.Sprintf("%s holds %d NaN and %d Inf in iteration %d", nf.Name, nf.NaN, nf.Inf, nf.Iteration))
	}
	if nf.FP != "" {
		parts = append(parts, fmt.Sprintf("NumPy reported %s here first (iteration %d)", nf.FP, nf.Iteration))
	}
	if nf.Inputs != "" {
		read := "it read " + nf.Inputs
		if strings.Contains(nf.Src, "exp") {
			read += fmt.Sprintf(" (exp overflows above %.2f)", 709.78)
		}
		parts = append(parts, read)
	}
	if !nf.Traced {
		parts = append(parts, "that iteration ran untraced, so only NumPy's report is known: run with --iterations to trace it")
	}
	if rawPixels(s) {
		parts = append(parts, "the inputs are raw 0–255 pixels (no-normalize): divide X by 255")
	}
	t.bullet("    ", "✗", strings.Join(parts, "; "), r.Pal.Bad)
}

// rawPixels reports whether check found the inputs to be raw pixels.
func rawPixels(s *ScriptRun) bool {
	c := s.Check
	if c == nil || c.Report == nil {
		return false
	}
	for _, b := range c.Report.Bugs {
		if b == "no-normalize" {
			return true
		}
	}
	return false
}
