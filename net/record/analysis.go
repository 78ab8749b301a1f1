package record

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// Line is one statement of the learner's first iteration (or a statement
// before it whose value the iteration reads), with the values it read and
// wrote and, when backstep could replay it, its operations.
type Line struct {
	Stmt *Statement
	Exec Execution
	// Setup marks a statement that ran before the iteration.
	Setup bool
	// Targets are the names it assigned; Values their recorded values
	// (nil where the value was not captured: not an array of rank ≤ 2).
	Targets []string
	Values  []*tracer.Array
	// Inputs are the values of the names it reads, before it ran.
	Inputs map[string]*tracer.Array
	// Events are its operations as backstep replayed them.
	Events []tracer.Event
	// Replayed says the replay gave the recorded value; ReplayErr says why
	// not.
	Replayed  bool
	ReplayErr string
	// result is the replay's value (labels included).
	result *tracer.Array
	// For a line that unpacks what one of the script's functions returns
	// (Z1, A1, Z2, A2 = forward(X, ...)): where each step of the function
	// ends among Events, and which target each returned local becomes.
	steps []stepMark
	local map[string]string
}

// TargetOf is the target operation k of the line's replay computes: the
// line's first target, or, on a line that unpacks several values a
// function of the script returns, the target the function's step returns
// ("" for a step it does not return).
func (l *Line) TargetOf(k int) string {
	if len(l.Targets) < 2 || len(l.steps) == 0 {
		return l.Target()
	}
	for _, st := range l.steps {
		if k < st.End {
			return l.local[st.Name]
		}
	}
	return ""
}

// Assigns reports whether the line assigns name.
func (l *Line) Assigns(name string) bool { return name != "" && contains(l.Targets, name) }

// Target is the first name the line assigns.
func (l *Line) Target() string {
	if len(l.Targets) == 0 {
		return ""
	}
	return l.Targets[0]
}

// Value is the recorded value of the first target.
func (l *Line) Value() *tracer.Array {
	if len(l.Values) == 0 {
		return nil
	}
	return l.Values[0]
}

// Reads reports whether the line reads name.
func (l *Line) Reads(name string) bool { return contains(l.Stmt.Reads, name) }

// Analysis is the learner's iteration read back from a recording.
type Analysis struct {
	Rec *Recording
	// Lines are the setup statements the iteration reads from, then the
	// iteration's own, in the order they ran.
	Lines []*Line
	// Pre holds the values the iteration started from, by learner name;
	// Post those the iteration changed, as they were at its end (the
	// parameters after their update).
	Pre, Post map[string]*tracer.Array
	// Roles maps learner names to backstep's (W1, dZ2, m, ...).
	Roles map[string]string
	// Updates pairs each updated parameter with its gradient (learner
	// names), in the order the updates ran.
	Updates [][2]string
	// Drifts are parameters whose shape an update changed.
	Drifts []Drift
	// NonFinite is the first NaN or Inf the run produced, nil if none.
	NonFinite *NonFinite
	// Scope is the scope of the iteration's statements.
	Scope int
	// Accuracy is the learner's name of the accuracy the script reports
	// ("" if none was found).
	Accuracy string
	// Derived holds values the iteration made by indexing, by how the
	// script writes them (x[i], the sample of a one-sample step).
	Derived map[string]*tracer.Array
	// InnerLine is the line whose value check reads for a name when that
	// is not the last line before the update that wrote it: the line that
	// computes a layer's Z (scores = hidden.dot(W2) + b2, before scores -=
	// scores.max(...)), or the line a Z without a name of its own comes
	// from (hidden = np.maximum(0, X.dot(W1) + b1): Derived holds it as
	// "(X · W1 + b1)").
	InnerLine map[string]*Line
	// Alias maps a name the iteration binds to another's value to that
	// name (W1 → params['W1'] for W1 = params['W1']).
	Alias map[string]string
	// Withheld lists the names Dump does not give check, with why: values
	// that are not the ones the step read.
	Withheld map[string]string
}

// Drift is a parameter whose shape an update changed.
type Drift struct {
	Line          *Line
	Name          string // the learner's
	Before, After tracer.Shape
	Iteration     int
}

// NonFinite locates the first NaN or Inf.
type NonFinite struct {
	Line      int    // the script's line
	Src       string // the statement
	Name      string // the value that holds it ("" for a NumPy error)
	NaN, Inf  int
	Iteration int
	// FP is NumPy's floating-point error there (overflow, invalid, divide),
	// "" if none was reported.
	FP string
	// Traced says the iteration was traced (its values were read);
	// otherwise NumPy's error is all that is known.
	Traced bool
	// Inputs says what the statement read in that iteration: "Z1 min -812
	// max 790" (traced iterations only).
	Inputs string
}

// Analyze reads the first iteration from a recording: which statements
// ran, what they read and wrote, and what backstep can replay of them.
func Analyze(r *Recording) *Analysis {
	a := &Analysis{Rec: r, Pre: map[string]*tracer.Array{}, Post: map[string]*tracer.Array{}, Derived: map[string]*tracer.Array{},
		InnerLine: map[string]*Line{}, Withheld: map[string]string{}}
	for k, v := range r.Arrays {
		if name, ok := strings.CutPrefix(k, "pre:"); ok {
			a.Pre[name] = v.Named(name)
		}
		if name, ok := strings.CutPrefix(k, "post:"); ok {
			a.Post[name] = v.Named(name)
		}
	}
	// The variables of a loop over the parameters (the p and g of for p, g
	// in zip((W1, b1, W2, b2), grads)) are each parameter in turn, not
	// arrays of the step: what they held when the iteration began, or
	// after their last pass, is read as nothing.
	for name := range paramLoopVars(r) {
		delete(a.Pre, name)
		delete(a.Post, name)
	}
	// The step is the body the first update is in: the loop's body. When
	// the update is in a function the loop calls (a class's step method),
	// the step is every line the iteration ran, in whichever function.
	a.Scope = 0
	everyScope := false
	if fu := r.Iterations.FirstUpdate; fu != nil {
		a.Scope = r.Statements[*fu].Scope
		if lp := r.Iterations.Loop; lp != nil && r.Statements[r.Loops[*lp].Stmt].Scope != a.Scope {
			everyScope = true
		}
	}
	var iter []*Line
	written := map[string]bool{}
	for _, e := range r.Executed(1) {
		s := r.Statement(e.Stmt)
		if !everyScope && s.Scope != a.Scope || !assigns(s) {
			continue
		}
		ln := a.line(s, e, false)
		iter = append(iter, ln)
		for _, t := range ln.Targets {
			written[t] = true
		}
	}
	if n := len(iter); !everyScope {
		iter = a.withCalledLines(iter)
		everyScope = len(iter) > n
	}
	if everyScope {
		// A function's lines before the line that called it.
		sort.SliceStable(iter, func(i, j int) bool { return iter[i].Exec.Fin < iter[j].Exec.Fin })
	}
	// The setup: the last statement before the iteration that wrote each
	// name the iteration reads before writing it.
	reads := map[string]bool{}
	for _, ln := range iter {
		for _, n := range ln.Stmt.Reads {
			reads[n] = true
		}
	}
	var setup []*Line
	picked := map[int]bool{}
	before := r.Executed(0)
	for i := len(before) - 1; i >= 0; i-- {
		e := before[i]
		s := r.Statement(e.Stmt)
		if !assigns(s) || picked[s.ID] {
			continue
		}
		for _, t := range s.Targets {
			if reads[t] && a.Pre[t] != nil {
				setup = append(setup, a.line(s, e, true))
				picked[s.ID] = true
				for _, t2 := range s.Targets {
					delete(reads, t2)
				}
				break
			}
		}
	}
	// In the order they ran; statements that share a line, in the line's order.
	sort.SliceStable(setup, func(i, j int) bool {
		if setup[i].Exec.Seq != setup[j].Exec.Seq {
			return setup[i].Exec.Seq < setup[j].Exec.Seq
		}
		return setup[i].Stmt.ID < setup[j].Stmt.ID
	})
	a.Lines = append(setup, iter...)
	a.replay()
	seen := map[string]bool{}
	for _, u := range r.Updates {
		if u.Iteration == 1 && !seen[u.Param] {
			seen[u.Param] = true
			grad := u.Grad
			if grad == "" {
				grad = a.inlineStep(u.Stmt)
			}
			a.Updates = append(a.Updates, [2]string{u.Param, grad})
		}
	}
	a.findAliases()
	a.Roles = a.findRoles()
	for _, ln := range iter {
		t := ln.Target()
		if ln.Stmt.Metric && ln.Stmt.Kind == "assign" && len(ln.Targets) == 1 && strings.Contains(strings.ToLower(t), "acc") &&
			ln.Value() != nil && ln.Value().Rank() == 0 && a.Roles[t] == "" {
			a.Accuracy = t
			break
		}
	}
	a.findDrift()
	a.findNonFinite()
	return a
}

// paramLoopVars are the variables of the loops that run over the
// parameters: a loop around an update whose parameter the recorder named
// otherwise (W1, params[0], params['W1']) than the update writes it (p,
// params[i], params[k]), not the training loop.
func paramLoopVars(r *Recording) map[string]bool {
	vars := map[string]bool{}
	for _, u := range r.Updates {
		s := r.Statement(u.Stmt)
		if s.Update == nil || s.Loop == nil || u.Param == s.Update.Param ||
			r.Iterations.Loop != nil && *s.Loop == *r.Iterations.Loop {
			continue
		}
		lp := r.Loops[*s.Loop]
		if !slices.ContainsFunc(lp.Targets, func(t string) bool { return contains(s.Reads, t) }) {
			continue
		}
		for _, t := range lp.Targets {
			vars[t] = true
		}
	}
	return vars
}

// withCalledLines adds to the step's lines those of the script's functions
// that a line of the step called and backstep could not replay inline: a
// forward that returns (A2, cache), a backward that unpacks the cache. Its
// Z1 and A1 are then the step's, not hidden behind the call. Only the
// lines the call ran directly are added (a helper they call in turn, such
// as relu(Z), comes in only when its own call cannot be replayed either),
// so the learner's line is still replayed where it can be.
func (a *Analysis) withCalledLines(iter []*Line) []*Line {
	executed := a.Rec.Executed(1)
	have := map[int]bool{}
	for _, ln := range iter {
		have[ln.Stmt.ID] = true
	}
	for round := 0; round < 8; round++ {
		// Replay what is there on a scratch analysis, to see which calls
		// backstep cannot follow.
		probe := &Analysis{Rec: a.Rec, Pre: a.Pre, Derived: map[string]*tracer.Array{}}
		for _, ln := range iter {
			probe.Lines = append(probe.Lines, probe.line(ln.Stmt, ln.Exec, false))
		}
		sort.SliceStable(probe.Lines, func(i, j int) bool { return probe.Lines[i].Exec.Fin < probe.Lines[j].Exec.Fin })
		probe.replay()
		added := false
		for _, ln := range probe.Lines {
			if ln.Replayed {
				continue
			}
			for _, e := range calledDirectly(executed, ln.Exec) {
				s := a.Rec.Statement(e.Stmt)
				if have[s.ID] || !assigns(s) {
					continue
				}
				have[s.ID] = true
				iter = append(iter, a.line(s, e, false))
				added = true
			}
		}
		if !added {
			break
		}
	}
	return iter
}

// calledDirectly are the executions that ran within call's (the lines of
// the functions it called), leaving out those that ran within one of them.
func calledDirectly(executed []Execution, call Execution) []Execution {
	within := func(x, y Execution) bool { return x.Seq > y.Seq && x.Fin <= y.Fin }
	var in []Execution
	for _, e := range executed {
		if within(e, call) {
			in = append(in, e)
		}
	}
	var out []Execution
	for _, e := range in {
		nested := false
		for _, o := range in {
			if within(e, o) {
				nested = true
				break
			}
		}
		if !nested {
			out = append(out, e)
		}
	}
	return out
}

// inlineStep is the step of an update that computes it inline (syn1 +=
// l1.T.dot(l2_delta)), kept in Derived under its operation's text: the
// gradient (or its negative) the update takes. "" when the update's line
// was not replayed.
func (a *Analysis) inlineStep(stmt int) string {
	ln := a.lineOf(stmt)
	if ln == nil || !ln.Replayed || len(ln.Events) < 2 {
		return ""
	}
	last := ln.Events[len(ln.Events)-1]
	if (last.Op != "add" && last.Op != "subtract") || len(last.Inputs) != 2 {
		return ""
	}
	step := last.Inputs[1].Name
	for k := len(ln.Events) - 2; k >= 0; k-- {
		if e := ln.Events[k]; e.Result == step && e.Value != nil {
			name := "(" + step + ")"
			a.Derived[name] = e.Value.Named(name)
			a.InnerLine[name] = ln
			return name
		}
	}
	return ""
}

// findAliases notes the names the iteration binds to another's value
// (W1, b1 = params['W1'], params['b1']): an alias of an updated parameter
// is read as that parameter.
func (a *Analysis) findAliases() {
	a.Alias = map[string]string{}
	for _, ln := range a.Lines {
		if ln.Setup || ln.Stmt.Value == nil || ln.Stmt.Kind != "assign" {
			continue
		}
		values := []*Expr{ln.Stmt.Value}
		if ln.Stmt.Value.K == "tuple" {
			values = ln.Stmt.Value.E
		}
		if len(values) != len(ln.Targets) {
			continue
		}
		for k, v := range values {
			if v != nil && (v.K == "name" || v.ID != "") && v.ID != ln.Targets[k] {
				a.Alias[ln.Targets[k]] = v.ID
			}
		}
	}
	params := map[string]string{}
	for _, u := range a.Updates {
		params[u[0]] = u[1]
	}
	// A name bound to the parameters' container (p = self.params) reads
	// them by its own subscripts: p['W1'] is self.params['W1'].
	for _, alias := range sortedKeys(a.Alias) {
		for _, u := range slices.Clone(a.Updates) {
			rest, ok := strings.CutPrefix(u[0], a.Alias[alias]+"[")
			if _, own := a.Alias[alias+"["+rest]; ok && !own {
				a.Alias[alias+"["+rest] = u[0]
			}
		}
	}
	for alias, of := range a.Alias {
		if g, ok := params[of]; ok {
			if _, own := params[alias]; !own {
				a.Updates = append(a.Updates, [2]string{alias, g})
			}
		}
	}
}

// assigns reports whether a statement assigns values backstep can show.
func assigns(s *Statement) bool {
	switch s.Kind {
	case "assign", "augassign", "annassign", "call":
		return len(s.Targets) > 0
	}
	return false
}

func (a *Analysis) line(s *Statement, e Execution, setup bool) *Line {
	ln := &Line{Stmt: s, Exec: e, Setup: setup, Targets: s.Targets, Inputs: map[string]*tracer.Array{}}
	for k, t := range s.Targets {
		var v *tracer.Array
		if setup {
			v = a.Pre[t]
		} else if c, ok := a.Rec.Arrays[captureKey(s.ID, k)]; ok {
			v = c.Named(t)
		}
		ln.Values = append(ln.Values, v)
	}
	return ln
}

// replay evaluates every line with the tracer from the values its inputs
// had, and keeps its operations where the replay gives what the script
// computed.
func (a *Analysis) replay() {
	env := map[string]*tracer.Array{}
	for k, v := range a.Pre {
		env[k] = v
	}
	lookup := func(name string) (*tracer.Array, bool) {
		v, ok := env[name]
		return v, ok
	}
	for _, ln := range a.Lines {
		for _, n := range ln.Stmt.Reads {
			if v, ok := env[n]; ok {
				ln.Inputs[n] = v
			}
		}
		a.replayLine(ln, lookup)
		for k, t := range ln.Targets {
			if v := ln.Values[k]; v != nil {
				env[t] = v
			}
		}
	}
}

// ReplayTolerance is how close the replay must come to the recorded value
// to stand for it: float64 rounding of a different order of additions,
// or float32 inputs (about 7 significant digits).
const ReplayTolerance = 1e-5

func (a *Analysis) replayLine(ln *Line, env func(string) (*tracer.Array, bool)) {
	s := ln.Stmt
	if s.Value == nil || len(ln.Targets) == 0 {
		ln.ReplayErr = "nothing to replay"
		return
	}
	if ln.Exec.Error != nil {
		// It raised: replay what can be, the error comes from the record.
		tp := &tracer.Tape{}
		if out, err := Replay(tp, replayExpr(ln), env, a.Rec.Functions); err == nil && out != nil {
			ln.Events, ln.Replayed = tp.Events, true
			return
		}
		ln.ReplayErr = "it raised " + ln.Exec.Error.Type
		return
	}
	if ln.Exec.Count > 1 {
		ln.ReplayErr = fmt.Sprintf("it ran %d times in the iteration; the values are those of its last run", ln.Exec.Count)
		return
	}
	tp := &tracer.Tape{}
	tp.Begin(ln.Target())
	value := s.Value
	if s.Kind == "augassign" {
		value = &Expr{K: "binop", Op: s.Op, L: &Expr{K: "name", ID: s.Targets[0]}, R: s.Value}
		if strings.ContainsAny(s.Targets[0], ".[") {
			ln.ReplayErr = "cannot replay an element or attribute update"
			return
		}
	}
	derived := map[string]*tracer.Array{}
	var steps []stepMark
	out, err := replay(tp, value, env, a.Rec.Functions, derived, &steps)
	if err != nil {
		ln.ReplayErr = err.Error()
		return
	}
	if len(ln.Targets) > 1 && len(steps) > 0 {
		ln.steps, ln.local = steps, map[string]string{}
		if fn, ok := a.Rec.Functions[steps[0].Func]; ok && fn.Ret != nil && fn.Ret.K == "tuple" {
			for i, e := range fn.Ret.E {
				if e != nil && e.K == "name" && i < len(ln.Targets) {
					ln.local[e.ID] = ln.Targets[i]
				}
			}
		}
	}
	for k, v := range derived {
		if _, ok := a.Derived[k]; !ok {
			a.Derived[k] = v
		}
	}
	var results []*tracer.Array
	switch v := out.(type) {
	case *tracer.Array:
		results = []*tracer.Array{v}
	case tuple:
		for _, x := range v {
			if arr, ok := x.(*tracer.Array); ok {
				results = append(results, arr)
			}
		}
	}
	if len(results) != len(ln.Targets) {
		ln.ReplayErr = "cannot replay an unpacking"
		return
	}
	for k, res := range results {
		rec := ln.Values[k]
		if rec == nil {
			ln.ReplayErr = "its value was not captured"
			return
		}
		if !agree(res, rec) {
			ln.ReplayErr = fmt.Sprintf("backstep's replay differs from what NumPy computed (%s)", tracer.Relate(rec, res))
			return
		}
		if res.Shape().Equal(rec.Shape()) {
			ln.Values[k] = rec.WithLabels(res.Labels()...)
		}
	}
	ln.result = results[0]
	ln.Events = tp.Events
	ln.Replayed = true
}

// agree reports whether the replay gives the recorded value.
func agree(replayed, recorded *tracer.Array) bool {
	if !replayed.Shape().Equal(recorded.Shape()) {
		return false
	}
	r := tracer.Relate(recorded, replayed)
	switch r.Kind {
	case tracer.Same:
		return true
	case tracer.NonFinite:
		return sameNonFinite(replayed, recorded)
	}
	if r.RelError <= ReplayTolerance {
		return true
	}
	// Differences far below the values' size: a cancellation's rounding.
	st := tracer.Summarize(recorded)
	scale := math.Max(math.Abs(st.Min), math.Abs(st.Max))
	g, w := recorded.Data(), replayed.Data()
	var d float64
	for i := range g {
		d = math.Max(d, math.Abs(g[i]-w[i]))
	}
	return d <= 1e-9*math.Max(scale, 1)
}

func sameNonFinite(a, b *tracer.Array) bool {
	x, y := a.Data(), b.Data()
	for i := range x {
		if math.IsNaN(x[i]) != math.IsNaN(y[i]) || math.IsInf(x[i], 0) != math.IsInf(y[i], 0) {
			return false
		}
	}
	return true
}

// findDrift notes every update whose parameter changed shape, the first
// time it did in the traced iterations.
func (a *Analysis) findDrift() {
	drifted := map[string]bool{}
	for _, u := range a.Rec.Updates {
		before, after := tracer.Shape(u.Before), tracer.Shape(u.After)
		if before.Equal(after) || drifted[u.Param] {
			continue
		}
		ln := a.lineOf(u.Stmt)
		if ln == nil {
			continue
		}
		drifted[u.Param] = true
		a.Drifts = append(a.Drifts, Drift{Line: ln, Name: u.Param, Before: before, After: after, Iteration: u.Iteration})
	}
}

// UpdateLine is the line of the iteration that updates a parameter (the
// learner's name) or, when none does, the line that computes its update
// into another name (db1 = b1 - lr * db1); nil if there is neither.
func (a *Analysis) UpdateLine(name string) *Line {
	for _, u := range a.Rec.Updates {
		if u.Iteration == 1 && (u.Param == name || a.Alias[name] == u.Param) {
			if ln := a.lineOf(u.Stmt); ln != nil {
				return ln
			}
		}
	}
	grad := ""
	for _, p := range a.Updates {
		if p[0] == name {
			grad = p[1]
		}
	}
	if r := a.Roles[name]; grad == "" && r != "" {
		grad = a.LearnerOf("d" + r)
	}
	for _, ln := range a.Lines {
		v := ln.Stmt.Value
		if !ln.Setup && grad != "" && ln.Reads(name) && ln.Reads(grad) && v != nil && v.K == "binop" && (v.Op == "Sub" || v.Op == "Add") {
			return ln
		}
	}
	return nil
}

// lineOf is the line of the iteration for statement id, nil if none.
func (a *Analysis) lineOf(id int) *Line {
	for _, ln := range a.Lines {
		if ln.Stmt.ID == id {
			return ln
		}
	}
	return nil
}

// findNonFinite finds the first value that holds a NaN or an Inf, in the
// order the statements ran, and NumPy's first floating-point error.
func (a *Analysis) findNonFinite() {
	r := a.Rec
	execs := append([]Execution(nil), r.Executions...)
	sort.SliceStable(execs, func(i, j int) bool {
		if execs[i].Iteration != execs[j].Iteration {
			return execs[i].Iteration < execs[j].Iteration
		}
		return execs[i].Seq < execs[j].Seq
	})
	for _, e := range execs {
		for _, w := range e.Writes {
			if w.NaN > 0 || w.Inf > 0 {
				s := r.Statement(e.Stmt)
				a.NonFinite = &NonFinite{Line: s.Line, Src: s.Src, Name: w.Name, NaN: w.NaN, Inf: w.Inf,
					Iteration: e.Iteration, Traced: true, Inputs: a.readText(s, e)}
				if fp := r.FPError; fp != nil && fp.Iteration <= e.Iteration {
					a.NonFinite.FP = fp.Kind
					if fp.Line > 0 && fp.Line != s.Line {
						a.NonFinite.FP += fmt.Sprintf(" (at line %d)", fp.Line)
					}
				}
				return
			}
		}
	}
	if fp := r.FPError; fp != nil {
		nf := &NonFinite{Line: fp.Line, Iteration: fp.Iteration, FP: fp.Kind,
			Traced: fp.Mode == "traced" && fp.Iteration >= 1}
		if fp.Stmt != nil {
			st := r.Statement(*fp.Stmt)
			nf.Src = st.Src
			for _, e := range r.Executions {
				if nf.Traced && e.Stmt == st.ID && e.Iteration == fp.Iteration {
					nf.Inputs = a.readText(st, e) // what the overflowing line read
				}
			}
		}
		a.NonFinite = nf
	}
}

// readText summarises what a statement read in the iteration of e, from
// the values statements before it wrote then.
func (a *Analysis) readText(s *Statement, e Execution) string {
	last := map[string]Write{}
	for _, x := range a.Rec.Executed(e.Iteration) {
		if x.Seq >= e.Seq {
			break
		}
		for _, w := range x.Writes {
			last[w.Name] = w
		}
	}
	var parts []string
	for _, n := range s.Reads {
		w, ok := last[n]
		if !ok || w.Min == nil {
			continue
		}
		p := fmt.Sprintf("%s min %.4g max %.4g", n, w.Min.Float(), w.Max.Float())
		if w.NaN+w.Inf > 0 {
			p += fmt.Sprintf(" (%d NaN, %d Inf)", w.NaN, w.Inf)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// LearnerOf returns the learner's name for a backstep name ("" if none).
func (a *Analysis) LearnerOf(role string) string {
	for l, r := range a.Roles {
		if r == role {
			return l
		}
	}
	return ""
}

// Writer returns the line of the iteration that assigned a learner's name
// last before the first update (the value check reads), or the setup line.
func (a *Analysis) Writer(name string) *Line {
	if ln, ok := a.InnerLine[name]; ok {
		return ln
	}
	var found *Line
	for _, ln := range a.Lines {
		if ln.Stmt.Update != nil && !ln.Setup && found != nil {
			break
		}
		if contains(ln.Targets, name) && !(found != nil && passesOn(ln, found, name)) {
			found = ln
		}
	}
	if m := element.FindStringSubmatch(name); found == nil && m != nil {
		// An element of a list the iteration fills (dW[i] = ... in a loop
		// over the layers) or of a tuple a call returned (grads =
		// backward(...)): the last line that writes the list.
		for _, ln := range a.Lines {
			if ln.Stmt.Update != nil && !ln.Setup {
				break
			}
			if !ln.Setup && ln.Assigns(m[1]) {
				found = ln
			}
		}
	}
	return found
}

// passesOn reports whether call only hands on the value inner computed
// for name: inner is a line of the function call ran (dW1 = ... in
// backward), and call's dW1 (dW1, db1 = backward(...)) is that very value.
// The line that computed it is the one to show a verdict at.
func passesOn(call, inner *Line, name string) bool {
	if call.Replayed || !(inner.Exec.Seq > call.Exec.Seq && inner.Exec.Fin <= call.Exec.Fin) {
		return false
	}
	v, w := valueOf(call, name), valueOf(inner, name)
	if v == nil || w == nil || !v.Shape().Equal(w.Shape()) {
		return false
	}
	x, y := v.Data(), w.Data()
	for i := range x {
		if x[i] != y[i] && !(math.IsNaN(x[i]) && math.IsNaN(y[i])) {
			return false
		}
	}
	return true
}

// valueOf is the line's recorded value of its target name.
func valueOf(ln *Line, name string) *tracer.Array {
	for k, t := range ln.Targets {
		if t == name && k < len(ln.Values) {
			return ln.Values[k]
		}
	}
	return nil
}

// ValueOf returns what check reads for a learner's name: a parameter as
// it was before the update, anything else as the iteration last wrote it
// before the first update.
func (a *Analysis) ValueOf(name string) *tracer.Array {
	for _, u := range a.Updates {
		if u[0] == name && a.Pre[name] != nil {
			return a.Pre[name]
		}
	}
	if ln := a.Writer(name); ln != nil {
		for k, t := range ln.Targets {
			if t == name && ln.Values[k] != nil {
				return ln.Values[k]
			}
		}
	}
	if v, ok := a.Derived[name]; ok {
		return v
	}
	return a.Pre[name]
}

// Dump is the first iteration as check reads a NumPy dump: every array
// the iteration read or wrote before its first update, under the learner's
// names (self.W1, params['W1'] included); the parameters after the
// iteration as NAME_next; and the map from backstep's names to theirs that
// the structure of the iteration gives (Roles).
func (a *Analysis) Dump() (*net.NumPyFile, map[string]string) {
	f := &net.NumPyFile{Path: a.Rec.Script, Arrays: map[string]*tracer.Array{}, Integer: map[string]bool{}}
	m := map[string]string{}
	for _, learner := range a.dumpNames() {
		v := a.ValueOf(learner)
		if v == nil || v.Rank() > 2 {
			continue
		}
		switch {
		case a.unsettled(learner):
			a.Withheld[learner] = "written again after the step read it, or by a line that ran more than once (no update was found to cut the run into iterations)"
			continue
		case a.stale(learner):
			a.Withheld[learner] = "changed in place after the line that wrote it ran, so the value captured is not the one the step read"
			continue
		}
		if role, ok := a.Roles[learner]; ok {
			m[role] = learner
			v = a.asRow(role, v)
		}
		f.Arrays[learner] = v.Named(learner)
		key := a.keyOf(learner)
		f.Integer[learner] = a.Rec.Integer[key]
		if a.Rec.Float32[key] {
			f.Warnings = append(f.Warnings, fmt.Sprintf("%s is float32, upcast to float64: it carries about 7 significant digits, so it can agree with float64 values only to about 1e-6 relative", learner))
		}
	}
	for _, learner := range sortedKeys(a.Roles) {
		role := a.Roles[learner]
		next := a.Next(learner)
		if next == nil || !isParamRole(role) || f.Arrays[learner] == nil {
			continue
		}
		if st := tracer.Summarize(next); st.NaN+st.Inf > 0 {
			continue // a NaN gradient's update: the NaN is reported where it began
		}
		key := learner + "_next"
		if _, taken := f.Arrays[key]; taken {
			continue
		}
		f.Arrays[key] = a.asRow(role, next).Named(key)
		m[role+"_next"] = key
	}
	return f, m
}

// asRow reads the weights of one output unit written as a vector (y = w @
// h, a number) as the one-row matrix they are, and their gradient so; the
// numbers that unit computes (its Z, A, dZ and the target) as vectors of
// one unit, as they are for a sample given as 1-D vectors.
func (a *Analysis) asRow(role string, v *tracer.Array) *tracer.Array {
	layer := strings.TrimLeft(role, "dWZAb")
	if role == "Y" {
		layer = "last"
	}
	if layer == "" || v.Rank() > 1 {
		return v
	}
	w, z := a.rowUnit(layer)
	if w == nil || z == nil {
		return v
	}
	switch {
	case v.Rank() == 1 && (role == "W"+layer || role == "dW"+layer):
		return tracer.New(tracer.Shape{1, v.Size()}, v.Data())
	case v.Rank() == 0 && (role == "Y" || role == "Z"+layer || role == "A"+layer || role == "dZ"+layer):
		return tracer.New(tracer.Shape{1}, v.Data())
	}
	return v
}

// rowUnit is the weight vector and the number it makes of a layer with one
// unit written as w @ h (nil when the layer is not so written); layer
// "last" is the output layer.
func (a *Analysis) rowUnit(layer string) (w, z *tracer.Array) {
	if layer == "last" {
		for l := 1; a.LearnerOf(fmt.Sprintf("W%d", l)) != ""; l++ {
			layer = fmt.Sprint(l)
		}
	}
	w = a.ValueOf(a.LearnerOf("W" + layer))
	z = a.ValueOf(a.LearnerOf("Z" + layer))
	if w == nil || z == nil || w.Rank() != 1 || z.Rank() != 0 {
		return nil, nil
	}
	return w, z
}

// Next is a parameter as the first iteration left it (after its update),
// nil when the iteration did not run to its end.
func (a *Analysis) Next(name string) *tracer.Array {
	it := a.Rec.Iterations
	if it.FirstUpdate == nil || it.Reached < 1 && it.StoppedAfter == nil {
		return nil
	}
	if v, ok := a.Post[name]; ok {
		return v
	}
	if of, ok := a.Alias[name]; ok {
		name = of
	}
	if v, ok := a.Post[name]; ok {
		return v
	}
	return a.Pre[name] // the iteration did not change it
}

func isParamRole(role string) bool {
	return len(role) > 1 && (role[0] == 'W' || role[0] == 'b') && role[1] >= '1' && role[1] <= '9'
}

// dumpNames are the learner's names of the iteration: those with a role,
// the values it started from and those it wrote before its first update.
func (a *Analysis) dumpNames() []string {
	names := map[string]bool{}
	for n := range a.Roles {
		names[n] = true
	}
	for n := range a.Pre {
		names[n] = true
	}
	for _, ln := range a.Lines {
		if ln.Stmt.Update != nil && !ln.Setup {
			break
		}
		for _, t := range ln.Targets {
			names[t] = true
		}
	}
	return sortedKeys(names)
}

// unsettled reports whether check must not read a learner's value: when
// no update was found the whole run is one step, and a value that a line
// which ran more than once wrote, or that the script changed after the
// last line that read it (W1 -= ... after the forward pass), is not the
// one the rest of the step was computed from.
func (a *Analysis) unsettled(name string) bool {
	if a.Rec.Iterations.FirstUpdate != nil {
		return false
	}
	lastWrite, lastRead := -1, -1
	for _, e := range a.Rec.Executions {
		s := a.Rec.Statement(e.Stmt)
		writes := contains(s.Targets, name) || contains(s.Inplace, name)
		switch {
		case writes && e.Count > 1:
			return true
		case writes:
			lastWrite = max(lastWrite, e.Seq)
		case contains(s.Reads, name):
			lastRead = max(lastRead, e.Seq)
		}
	}
	return lastRead >= 0 && lastWrite > lastRead
}

// stale reports whether the captured value of a learner's name is no
// longer the one its line wrote: something changed the array in place
// later (np.subtract(W, step, out=W)) before the capture was written. The
// summary taken when the line ran says so.
func (a *Analysis) stale(name string) bool {
	ln := a.Writer(name)
	if ln == nil || ln.Setup || a.InnerLine[name] != nil && !ln.Assigns(name) {
		return false
	}
	for k, t := range ln.Targets {
		if t != name || k >= len(ln.Exec.Writes) || ln.Values[k] == nil || ln.Exec.Count > 1 {
			continue
		}
		w, v := ln.Exec.Writes[k], ln.Values[k]
		if w.Mean == nil || v.Size() == 0 {
			return false
		}
		st := tracer.Summarize(v)
		for _, pair := range [][2]float64{{st.Mean, w.Mean.Float()}, {st.Min, w.Min.Float()}, {st.Max, w.Max.Float()}} {
			if d := math.Abs(pair[0] - pair[1]); d > 1e-6*math.Max(1, math.Abs(pair[1])) {
				return true
			}
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// keyOf is the capture key of the value ValueOf returns.
func (a *Analysis) keyOf(name string) string {
	for _, u := range a.Updates {
		if u[0] == name {
			return "pre:" + name
		}
	}
	if ln := a.Writer(name); ln != nil && !ln.Setup {
		for k, t := range ln.Targets {
			if t == name {
				return captureKey(ln.Stmt.ID, k)
			}
		}
	}
	return "pre:" + name
}
