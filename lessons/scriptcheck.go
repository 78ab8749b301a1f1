package lessons

import (
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
	switch {
	case err1 == nil && (err2 != nil || len(byNames.Given) >= len(byRoles.Given)):
		c.Dump = byNames
	case err2 == nil:
		c.Dump, c.File = byRoles, placed
	default:
		c.Err = err1
		return c
	}
	c.Map = c.Dump.Keys
	return c
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
	c.place()
}

// CheckGradients adds the numerical gradient check to the report.
func (c *ScriptCheck) CheckGradients() {
	if c.Report == nil || c.GradientsChecked {
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
