package lessons

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/net/foreign"
	"github.com/backstep/backstep/net/record"
	"github.com/backstep/backstep/tracer"
)

// ScriptCheck is check's verdict on a recorded iteration of a learner's
// script, placed at the script's lines.
type ScriptCheck struct {
	Analysis *record.Analysis
	// File is the iteration as check reads a dump (the learner's names),
	// Map the roles given to check (backstep's name → the learner's).
	File *net.NumPyFile
	Map  map[string]string
	Dump *foreign.Dump
	// Err says why check could not read the iteration (nil if it could).
	Err error
	// Report is check's report: the recomputation first, the numerical
	// gradient check added by CheckGradients.
	Report *DumpReport
	// Lines are the faulty tensors at the lines that assigned them.
	Lines []LineVerdict
	// Tolerance is the relative error under which values agree (looser
	// for float32 arrays).
	Tolerance float64
	// GradientsChecked says CheckGradients has run.
	GradientsChecked bool
	// opts are the options check read the step with.
	opts foreign.Options
	// actOpen says the step shows no hidden Z and A and another hidden
	// activation would make right a tensor the fitted one calls wrong.
	actOpen bool
}

// LineVerdict is one faulty tensor at the learner's line that assigned it.
type LineVerdict struct {
	Line    *record.Line // nil when no line of the iteration assigned it
	Tensor  string       // backstep's name (dW2)
	Learner string       // the learner's name (dw2)
	Finding TensorFinding
	// Right is backstep's correct line in the learner's names.
	Right string
}

// CheckScript reads the recorded iteration as a dump and recomputes every
// tensor from the learner's own inputs, naming the catalog bug of each
// faulty one, as check does — without the numerical gradient check, which
// CheckGradients adds (on 10,000 samples it takes seconds, so a caller can
// show the step first).
func CheckScript(a *record.Analysis) *ScriptCheck {
	c := ReadScript(a, nil)
	c.Recompute()
	return c
}

// ReadScript reads the recorded iteration as check reads a dump (the
// network, its layout and sizes), without checking anything yet. The
// learner's variables are read by check's own inference (names, then
// values); the roles the script's structure gives (what each update
// subtracts, what the output error subtracts) are the other reading, kept
// when they place more of the step. given maps backstep's names to the
// learner's (run --map Y=labels) and overrides both readings.
func ReadScript(a *record.Analysis, given map[string]string) *ScriptCheck {
	c := &ScriptCheck{Analysis: a}
	var roles map[string]string
	c.File, roles = a.Dump()
	for ours, theirs := range given {
		for role, learner := range roles {
			if learner == theirs || role == ours {
				delete(roles, role)
			}
		}
		roles[ours] = theirs
	}
	byNames, err1 := foreign.Interpret(c.File, foreign.Options{Map: given})
	// The structure's reading gives check the arrays it placed, by role
	// (other names could read as the same role and clash with them).
	placed := &net.NumPyFile{Path: c.File.Path, Arrays: map[string]*tracer.Array{}, Integer: map[string]bool{},
		Warnings: c.File.Warnings}
	for _, key := range roles {
		if v, ok := c.File.Arrays[key]; ok {
			placed.Arrays[key], placed.Integer[key] = v, c.File.Integer[key]
		}
	}
	byRoles, err2 := foreign.Interpret(placed, foreign.Options{Map: roles})
	// Both: the roles the structure gives and, for the arrays it leaves
	// open, check's own reading (a cache tuple's elements read as Z1, A1 by
	// their values beside the gradients an update named), kept only when
	// it places more than either reading alone.
	byBoth, err3 := foreign.Interpret(c.File, foreign.Options{Map: roles})
	switch {
	case err3 == nil && (err1 != nil || len(byBoth.Given) > len(byNames.Given)) &&
		(err2 != nil || len(byBoth.Given) > len(byRoles.Given)):
		c.Dump, c.opts = byBoth, foreign.Options{Map: roles}
	case err1 == nil && (err2 != nil || len(byNames.Given) >= len(byRoles.Given)):
		c.Dump, c.opts = byNames, foreign.Options{Map: given}
	case err2 == nil:
		c.Dump, c.File, c.opts = byRoles, placed, foreign.Options{Map: roles}
	default:
		c.Err = err1
		return c
	}
	c.Map = c.Dump.Keys
	if c.Dump.ActAssumed && c.Dump.Config.Layers() > 1 {
		setActNote(c.Dump, "hidden activation not shown: the step has no Z1 and A1 — check fits tanh, sigmoid and "+
			"relu to its tensors and judges none that one of them makes right")
	}
	return c
}

// setActNote replaces the dump's note on the hidden activation.
func setActNote(d *foreign.Dump, note string) {
	for k, n := range d.Notes {
		if strings.HasPrefix(n, "hidden activation ") {
			d.Notes[k] = note
		}
	}
}

// Recompute recomputes every tensor from the learner's own inputs and
// names the catalog bug of each faulty one.
func (c *ScriptCheck) Recompute() {
	if c.Err != nil || c.Report != nil {
		return
	}
	c.Tolerance = tracer.SameTolerance
	for _, w := range c.File.Warnings {
		switch {
		case strings.Contains(w, "float16"):
			c.Tolerance = max(c.Tolerance, 1e-2)
		case strings.Contains(w, "float32"):
			c.Tolerance = max(c.Tolerance, 1e-4)
		}
	}
	c.Report = RecomputeDump(c.Dump, CheckOptions{Tol: c.Tolerance})
	c.Dump = c.Report.Dump
	if c.Dump.ActAssumed && c.Dump.Config.Layers() > 1 {
		c.fitActivation()
	}
	c.place()
}

// fitActivation reads the hidden activation from the step's tensors when
// the step shows no hidden layer's Z and A (its forward is in a module
// backstep does not trace, say): check recomputes the step under tanh,
// sigmoid and relu and keeps the one under which the fewest tensors are
// wrong. A tensor it calls wrong that another of them makes right is not
// judged — what it should be depends on the activation the step does not
// show — and then neither is any gradient numerically (the loss depends
// on it too).
func (c *ScriptCheck) fitActivation() {
	type reading struct {
		act   net.Activation
		rep   *DumpReport
		wrong int
	}
	var all []reading
	for _, act := range []net.Activation{net.Tanh, net.Sigmoid, net.ReLU} {
		o := c.opts
		o.Act = act
		d, err := foreign.Interpret(c.File, o)
		if err != nil {
			continue
		}
		rd := reading{act: act, rep: RecomputeDump(d, CheckOptions{Tol: c.Tolerance})}
		for _, f := range rd.rep.Findings {
			if f.Faulty() {
				rd.wrong++
			}
		}
		all = append(all, rd)
	}
	if len(all) == 0 {
		return
	}
	best := all[0]
	for _, rd := range all[1:] {
		if rd.wrong < best.wrong {
			best = rd
		}
	}
	var tally []string
	for _, rd := range all {
		tally = append(tally, fmt.Sprintf("%s %d", rd.act, rd.wrong))
	}
	// The fit is trusted when what it calls wrong is off by a simple
	// relation (a factor m, a transpose) or a known bug, not unrelated.
	trusted := true
	for _, f := range best.rep.Findings {
		if f.Faulty() && f.Bug == "" && f.Relation.Kind == tracer.Unrelated {
			trusted = false
		}
	}
	d := best.rep.Dump
	setActNote(d, fmt.Sprintf("hidden activation %s: the step has no Z1 and A1 to show it, and its tensors fit %s "+
		"best (wrong under each: %s)", best.act, best.act, strings.Join(tally, ", ")))
	for k := range best.rep.Findings {
		f := &best.rep.Findings[k]
		if !f.Faulty() {
			continue
		}
		why := ""
		same := true
		for _, rd := range all {
			g := rd.rep.finding(f.Tensor)
			if g != nil && g.Verdict == net.Correct {
				why = fmt.Sprintf("right if the hidden activation is %s, which the step does not show (it has no Z1 and A1)", rd.act)
				break
			}
			same = same && g != nil && g.Verdict == f.Verdict && g.Relation.Kind == f.Relation.Kind &&
				g.Relation.RelError == f.Relation.RelError
		}
		if why == "" && !same && !trusted {
			// It depends on the activation, and the best of those backstep
			// knows leaves tensors with no simple relation to the right
			// ones: one it does not know (a leaky ReLU) may make it right.
			why = "it depends on the hidden activation, which the step does not show (it has no Z1 and A1), and " +
				"none of tanh, sigmoid, relu fits the step: with another one it may be right"
		}
		if why != "" {
			*f = TensorFinding{Tensor: f.Tensor, Statement: f.Statement, Present: f.Present, Shape: f.Shape,
				Expected: f.Expected, Verdict: net.NotChecked, Err: errors.New(why)}
			c.actOpen = true
			name := f.Tensor
			if l, ok := best.rep.Dump.Keys[f.Tensor]; ok {
				name = l
			}
			best.rep.Warnings = append(best.rep.Warnings, name+" is not judged: "+why)
		}
	}
	best.rep.rebuildBugs()
	c.Report, c.Dump = best.rep, d
}

// CheckGradients adds the numerical gradient check to the report.
func (c *ScriptCheck) CheckGradients() {
	if c.Report == nil || c.GradientsChecked {
		return
	}
	if c.actOpen {
		c.Report.Numerical.Why = "the hidden activation is not known (the step has no Z1 and A1), so backstep cannot compute the loss"
		c.GradientsChecked = true
		return
	}
	c.Report.CheckGradients(CheckOptions{Tol: c.Tolerance})
	c.GradientsChecked = true
}

// place puts each faulty tensor at the line that assigned it.
func (c *ScriptCheck) place() {
	c.Lines = nil
	a := c.Analysis
	learnerOf := map[string]string{}
	for ours, theirs := range c.Map {
		learnerOf[ours] = theirs
	}
	for _, f := range c.Report.Findings {
		if !f.Faulty() {
			continue
		}
		learner := f.Tensor
		if l, ok := learnerOf[f.Tensor]; ok {
			learner = l
		}
		if f.Statement.Phase == net.Update && drifted(a, learner) {
			continue // the shape drift, which the run reports at the same line
		}
		line := a.Writer(learner)
		if f.Statement.Phase == net.Update {
			// check's verdict on the parameter after its update: the update's line
			if u := a.UpdateLine(learner); u != nil {
				line = u
			}
		}
		c.Lines = append(c.Lines, LineVerdict{Line: line, Tensor: f.Tensor, Learner: learner,
			Finding: f, Right: c.InLearnerNames(f.Statement.NumPy)})
	}
	sort.SliceStable(c.Lines, func(i, j int) bool { return lineNo(c.Lines[i].Line) < lineNo(c.Lines[j].Line) })
}

// drifted reports whether the recorder saw a parameter change shape at its
// update.
func drifted(a *record.Analysis, learner string) bool {
	for _, d := range a.Drifts {
		if d.Name == learner || a.Alias[learner] == d.Name {
			return true
		}
	}
	return false
}

func lineNo(l *record.Line) int {
	if l == nil {
		return 1 << 30
	}
	return l.Stmt.Line
}

var identifier = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// InLearnerNames rewrites one of backstep's lines with the learner's
// variable names (dW2 → dw2).
func (c *ScriptCheck) InLearnerNames(line string) string {
	return identifier.ReplaceAllStringFunc(line, func(w string) string {
		if l, ok := c.Map[w]; ok {
			return l
		}
		return w
	})
}

// Marks are the check's verdicts for the step viewer: the bug on each
// faulty line, and a note where no catalog bug reproduces it.
func (c *ScriptCheck) Marks() record.Marks {
	m := record.Marks{Bug: map[*record.Line]string{}, Notes: map[*record.Line][]net.Note{}}
	if c == nil {
		return m
	}
	for _, v := range c.Lines {
		if v.Line == nil {
			continue
		}
		f := v.Finding
		if f.Bug != "" {
			// The step shows the bug and the correct line beside it.
			m.Bug[v.Line] = f.Bug
			continue
		}
		text := fmt.Sprintf("check: %s is %s on your own inputs: %s; no bug in the catalog reproduces it; right: %s",
			v.Learner, f.Verdict, f.Description, v.Right)
		m.Notes[v.Line] = append(m.Notes[v.Line], net.Note{Warn: true, Fault: true, Mark: v.Learner + " " + string(f.Verdict), Text: text})
	}
	return m
}
