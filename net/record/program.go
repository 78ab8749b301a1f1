package record

import (
	"fmt"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// Marks are what is known about a line before stepping shows it: the
// catalog bug check named for its value, and notes (check's verdict, the
// recorder's findings).
type Marks struct {
	Bug   map[*Line]string
	Notes map[*Line][]net.Note
}

// Program turns the learner's iteration into a program backstep can step
// through: one statement per line, named by its role where it has one
// (so that the step's notes and the comparison with the correct line
// apply), with the script's line number and source as its formula. Each
// statement replays the learner's line with the tracer from the current
// values, or, where it cannot, shows the recorded value; either way the
// value bound is the one NumPy computed. cfg is the network check read
// from the iteration, nil when it could not: then no axis is named from a
// role.
func (a *Analysis) Program(cfg *net.Config, marks Marks) *net.Program {
	p := &net.Program{Config: net.DefaultConfig(), Labels: map[string][]string{}, Shapes: map[string]tracer.Shape{}}
	if cfg != nil {
		correct := net.Build(*cfg)
		p.Config, p.Labels, p.Shapes = *cfg, correct.Labels, correct.Shapes
	}
	phase := net.Phase("setup")
	used := map[string]bool{}
	inIteration := map[string]bool{}
	for _, ln := range a.Lines {
		if !ln.Setup {
			inIteration[a.Key(ln.Target())] = true
		}
	}
	for _, ln := range a.Lines {
		if ln.Value() == nil && ln.Exec.Error == nil {
			continue
		}
		key := a.Key(ln.Target())
		if ln.Setup && inIteration[key] {
			// The iteration assigns it again (an update): the setup line is
			// told apart by its line, so that each has a name of its own.
			key = fmt.Sprintf("%s@%d", key, ln.Stmt.Line)
		} else if used[key] && !ln.Setup && ln.Stmt.Update == nil {
			// A name assigned twice in one iteration keeps one statement
			// per assignment; the later ones are told apart by their line.
			key = fmt.Sprintf("%s@%d", key, ln.Stmt.Line)
		}
		used[key] = true
		phase = a.phaseOf(ln, phase)
		s := net.Statement{Name: key, Phase: phase, Formula: oneLineSrc(ln.Stmt.Src), Line: ln.Stmt.Line,
			Bug: marks.Bug[ln], Notes: marks.Notes[ln]}
		for _, n := range ln.Stmt.Reads {
			if ln.Stmt.Update != nil && ln.Exec.Count > 1 && contains(ln.Targets, n) {
				// An update in a loop over the layers (layer.W -= …) keeps
				// its last run's value: the parameter it read first is
				// another layer's, not the one it wrote.
				continue
			}
			if _, ok := ln.Inputs[n]; ok {
				s.Inputs = append(s.Inputs, a.Key(n))
			}
		}
		if !ln.Replayed && ln.ReplayErr != "" && ln.ReplayErr != "nothing to replay" {
			s.Notes = append([]net.Note{{Text: a.recordedText(p, ln)}}, s.Notes...)
		}
		s.Eval = a.evalLine(ln, p)
		p.Statements = append(p.Statements, s)
	}
	return p
}

func oneLineSrc(src string) string {
	return strings.Join(strings.Fields(src), " ")
}

// Key is the name a learner's variable is bound under in the program: its
// role when it has one, otherwise its own name (or its own name with a
// prime when that is another variable's role).
func (a *Analysis) Key(name string) string {
	if r, ok := a.Roles[name]; ok {
		return r
	}
	if name == a.Accuracy && name != "" {
		return "acc" // the step's notes compare it with the true accuracy
	}
	if a.LearnerOf(name) != "" || name == "acc" {
		return name + "′"
	}
	return name
}

// phaseOf groups a line as backstep's own steps are grouped.
func (a *Analysis) phaseOf(ln *Line, prev net.Phase) net.Phase {
	if ln.Setup {
		return "setup"
	}
	if ln.Stmt.Update != nil {
		return net.Update
	}
	if ln.Stmt.Metric {
		return net.Metric
	}
	role := a.Roles[ln.Target()]
	switch {
	case role == "loss":
		return net.Loss
	case strings.HasPrefix(role, "d"):
		return net.Backward
	case strings.HasPrefix(role, "Z") || strings.HasPrefix(role, "A") || role == "m":
		return net.Forward
	case prev == "setup":
		return net.Forward
	case prev == net.Loss:
		return net.Backward
	}
	return prev
}

// Vars are the values the iteration starts from, bound under their keys
// (and under the learner's names too, so that both can be printed), with
// the axis labels of their roles.
func (a *Analysis) Vars(p *net.Program) net.Vars {
	v := net.Vars{}
	for name, arr := range a.Pre {
		key := a.Key(name)
		arr = labelled(p, key, arr)
		v[key] = arr.Named(name)
		if key != name {
			v[name] = arr.Named(name)
		}
	}
	return v
}

// labelled attaches the role's axis labels when the shape fits them.
func labelled(p *net.Program, key string, a *tracer.Array) *tracer.Array {
	labels, ok := p.Labels[key]
	if !ok || len(labels) != a.Rank() {
		return a
	}
	if want, ok := p.Shapes[key]; ok && !want.Equal(a.Shape()) {
		return a
	}
	return a.WithLabels(labels...)
}

// evalLine is a statement's Eval: the replay on the current values, and
// the recorded value bound (also under the other targets' keys).
func (a *Analysis) evalLine(ln *Line, p *net.Program) func(*tracer.Tape, net.Vars) *tracer.Array {
	return func(tp *tracer.Tape, v net.Vars) *tracer.Array {
		var replayed []*tracer.Array
		if ln.Replayed {
			env := func(name string) (*tracer.Array, bool) {
				if x, ok := v[name]; ok {
					return x, true
				}
				if x, ok := v[a.Key(name)]; ok {
					return x.Named(name), true
				}
				return nil, false
			}
			out, err := Replay(tp, replayExpr(ln), env, a.Rec.Functions)
			switch x := out.(type) {
			case *tracer.Array:
				replayed = []*tracer.Array{x}
			case tuple:
				for _, y := range x {
					if arr, ok := y.(*tracer.Array); ok {
						replayed = append(replayed, arr)
					}
				}
			}
			if se, ok := err.(*tracer.ShapeError); ok {
				panic(se)
			}
		}
		if e := ln.Exec.Error; e != nil {
			// The script stopped here: NumPy's own message, as recorded.
			panic(&tracer.ShapeError{Op: e.Type, Msg: e.Type + ": " + e.Message})
		}
		var first *tracer.Array
		for k, t := range ln.Targets {
			val := ln.Values[k]
			if val == nil {
				continue
			}
			key := a.Key(t)
			if k < len(replayed) && replayed[k].Shape().Equal(val.Shape()) {
				val = val.WithLabels(replayed[k].Labels()...)
			}
			val = labelled(p, key, val)
			if k == 0 {
				first = val
			} else {
				v[key] = val.Named(t)
			}
			if key != t {
				v[t] = val.Named(t)
			}
		}
		return first
	}
}

func replayExpr(ln *Line) *Expr {
	s := ln.Stmt
	if s.Kind == "augassign" {
		return &Expr{K: "binop", Op: s.Op, L: &Expr{K: "name", ID: s.Targets[0]}, R: s.Value}
	}
	return s.Value
}

// LabelsOf says what each axis of a learner's array means at the end of
// the iteration, as the program labels it (nil if unknown).
func (a *Analysis) LabelsOf(p *net.Program, name string) []string {
	var v *tracer.Array
	for _, ln := range a.Lines {
		for k, t := range ln.Targets {
			if t == name && ln.Values[k] != nil {
				v = ln.Values[k]
			}
		}
	}
	if v == nil {
		v = a.Pre[name]
	}
	if v == nil {
		return nil
	}
	return labelled(p, a.Key(name), v).Labels()
}

// recordedText describes a line backstep shows from the record only: what
// each target became, and why its operations are not shown.
func (a *Analysis) recordedText(p *net.Program, ln *Line) string {
	var parts []string
	for k, t := range ln.Targets {
		v := ln.Values[k]
		if v == nil {
			continue
		}
		part := t + " = " + valueText(labelled(p, a.Key(t), v))
		if k < len(ln.Exec.Writes) {
			w := ln.Exec.Writes[k]
			if w.DType != "" && v.Rank() > 0 {
				part += " (" + w.DType
				if w.Mean != nil {
					part += fmt.Sprintf(", mean %.4g std %.4g min %.4g max %.4g", w.Mean.Float(), w.Std.Float(), w.Min.Float(), w.Max.Float())
				}
				part += ")"
			}
		}
		parts = append(parts, part)
	}
	why := ln.ReplayErr
	if strings.HasPrefix(why, "cannot replay ") {
		why = "backstep does not replay " + strings.TrimPrefix(why, "cannot replay ") + ", so its operations are not shown"
	}
	return "recorded: " + strings.Join(parts, "; ") + "; " + why + "."
}

func valueText(v *tracer.Array) string {
	if v.Rank() == 0 {
		return fmt.Sprintf("%.6g", v.Item())
	}
	return net.AxesText(v.Shape(), v.Labels())
}
