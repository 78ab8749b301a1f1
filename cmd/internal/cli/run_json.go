package cli

import (
	"github.com/backstep/backstep/cmd/internal/render"
)

// scriptJSON is the schema of `backstep run --json`: what ran, the step over
// the learner's lines (statements with their source_line, and events as
// in step --json), check's report, and every finding at its line.
type scriptJSON struct {
	Script     string        `json:"script"`
	Python     string        `json:"python"`
	Executable string        `json:"executable"`
	NumPy      string        `json:"numpy"`
	Tracer     string        `json:"tracer"`
	Notices    []string      `json:"notices"`
	Iterations iterationJSON `json:"iterations"`
	// Roles maps the learner's names to backstep's.
	Roles      map[string]string `json:"roles"`
	Statements []statementJSON   `json:"statements"`
	Events     []eventJSON       `json:"events"`
	// Check is check's report on the iteration (as backstep check --json),
	// nil when check could not read it (CheckError says why).
	Check      *checkJSON     `json:"check"`
	CheckError string         `json:"check_error,omitempty"`
	Findings   []findingJSON  `json:"findings"`
	OK         bool           `json:"ok"`
	Exception  *exceptionJSON `json:"exception"`
}

type iterationJSON struct {
	Traced           int       `json:"traced"`
	StoppedAfter     *int      `json:"stopped_after"`
	FirstUpdateLine  int       `json:"first_update_line,omitempty"`
	LoopLine         int       `json:"loop_line,omitempty"`
	TracedSeconds    []float64 `json:"traced_seconds"`
	UntracedSeconds  []float64 `json:"untraced_seconds"`
	CaptureSeconds   float64   `json:"capture_seconds"`
	FirstScreenAfter float64   `json:"first_screen_after_seconds"`
}

// findingJSON is one fault at the learner's line: kind is check,
// shape-drift, nan, metric or exception.
type findingJSON struct {
	Line        int    `json:"line"`
	Source      string `json:"source"`
	Kind        string `json:"kind"`
	Name        string `json:"name,omitempty"`
	Bug         string `json:"bug,omitempty"`
	Description string `json:"description"`
	Right       string `json:"right,omitempty"`
}

type exceptionJSON struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Line    int    `json:"line"`
}

func scriptJSONOf(s *scriptRun) scriptJSON {
	rec, a := s.rec, s.analysis
	out := scriptJSON{Script: rec.Script, Python: rec.Python, Executable: rec.Executable, NumPy: rec.NumPy, Tracer: rec.Tracer,
		Notices: append([]string{}, rec.Notices...), Roles: a.Roles, Findings: []findingJSON{}}
	it := rec.Iterations
	out.Iterations = iterationJSON{Traced: it.Traced, StoppedAfter: it.StoppedAfter, TracedSeconds: []float64{}, UntracedSeconds: []float64{}}
	if it.FirstUpdate != nil {
		out.Iterations.FirstUpdateLine = rec.Statement(*it.FirstUpdate).Line
	}
	if it.Loop != nil {
		out.Iterations.LoopLine = rec.Loops[*it.Loop].Line
	}
	for _, t := range it.Times {
		if t.Mode == "traced" {
			out.Iterations.TracedSeconds = append(out.Iterations.TracedSeconds, t.Seconds)
		} else {
			out.Iterations.UntracedSeconds = append(out.Iterations.UntracedSeconds, t.Seconds)
		}
	}
	if rec.CaptureSeconds != nil {
		out.Iterations.CaptureSeconds = *rec.CaptureSeconds
	}
	st := s.stepper()
	st.Run()
	out.Statements, out.Events, _ = recordsJSON(st)
	out.Iterations.FirstScreenAfter = s.screenAfter.Seconds()
	c := s.check
	if c.Err != nil {
		out.CheckError = c.Err.Error()
	} else if c.Report != nil {
		j := checkJSONOf(rec.Script, c.File, c.Report)
		out.Check = &j
	}
	for _, v := range c.Lines {
		f := findingJSON{Kind: "check", Name: v.Learner, Bug: v.Finding.Bug, Description: v.Finding.Description, Right: v.Right}
		if v.Line != nil {
			f.Line, f.Source = v.Line.Stmt.Line, v.Line.Stmt.Src
		}
		out.Findings = append(out.Findings, f)
	}
	for _, d := range a.Drifts {
		out.Findings = append(out.Findings, findingJSON{Kind: "shape-drift", Line: d.Line.Stmt.Line, Source: d.Line.Stmt.Src,
			Name: d.Name, Description: d.Name + ": " + d.Before.String() + " → " + d.After.String()})
	}
	if nf := a.NonFinite; nf != nil {
		out.Findings = append(out.Findings, findingJSON{Kind: "nan", Line: nf.Line, Source: nf.Src, Name: nf.Name,
			Description: nonFiniteText(nf.NaN, nf.Inf, nf.FP)})
	}
	for _, f := range s.audit {
		out.Findings = append(out.Findings, findingJSON{Kind: "metric", Line: f.Line, Source: f.Src, Bug: f.Bug,
			Description: f.Text, Right: f.Right})
	}
	if ex := rec.Exception; ex != nil {
		out.Exception = &exceptionJSON{Type: ex.Type, Message: ex.Message, Line: ex.Line}
	}
	out.OK = len(s.report().Faults()) == 0
	return out
}

func nonFiniteText(nan, inf int, fp string) string {
	s := render.Float(float64(nan), 0) + " NaN, " + render.Float(float64(inf), 0) + " Inf"
	if fp != "" {
		s += "; NumPy reported " + fp
	}
	return s
}
