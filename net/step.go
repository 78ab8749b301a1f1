package net

import (
	"fmt"
	"math"
	"strconv"

	"github.com/backstep/backstep/tracer"
)

// Stepper executes one training iteration statement by statement, the way
// a debugger steps through a program, and keeps everything a learner may
// ask about afterwards: each statement's operations with shapes, axis
// meanings and statistics, the values it read, and — when the program was
// patched by a bug — how each value differs from the correct program's.
//
// For a patched program the Stepper runs a shadow copy of the correct
// program in lockstep, from the same data and starting parameters, so it
// can say both what is wrong with a patched line (the correct statement on
// the same inputs) and what the bug has done to every later value (the
// same statement in the correct run).
type Stepper struct {
	Program *Program
	// Correct is the unpatched program for the same configuration, nil
	// when Program is not patched.
	Correct *Program
	// Vars holds the data, the parameters and every value computed so far.
	Vars Vars
	// Records lists the executed statements in order.
	Records []*StepRecord

	shadow Vars // the correct run's values, nil when not patched
	err    error
	// firstNonFinite locates the first operation of the iteration that
	// produced a NaN or an Inf: record and event index, or -1.
	firstRec, firstOp int
	// noise names the values that are rounding noise (see Noise);
	// stats caches the statistics of variables read by later statements.
	noise map[string]bool
	stats map[*tracer.Array]tracer.Stats
	// updated holds the parameters an update of this iteration changed, as
	// they were before it: a learner's statement after an update (W2 -= ...
	// before the delta that needs W2) is compared with the correct
	// statement on the parameters of the iteration, not the updated ones.
	updated Vars
}

// StepRecord is one executed statement.
type StepRecord struct {
	// Index is the statement's position in the program.
	Index     int
	Statement Statement
	// Events are the statement's operations, in order.
	Events []tracer.Event
	// Inputs are the values the statement read, as they were before it
	// ran (an update rebinds its parameter).
	Inputs Vars
	// Value is the result bound under Statement.Name; nil if Err is set.
	Value *tracer.Array
	// Err is the shape error that stopped the statement (NumPy's text).
	Err error
	// Line, for a statement a bug patched, compares it with the correct
	// statement evaluated on the same inputs.
	Line *Divergence
	// Run compares the value with the same statement in the correct run,
	// when the program is patched and the two differ.
	Run *Divergence
	// Drift is set when an update changed a parameter's shape.
	Drift *ShapeDrift
	// NonFinite is the index in Events of the first operation that turned
	// finite operands into NaN or Inf, or -1.
	NonFinite int
	// Noise marks the operations whose result is rounding noise: what is
	// left of a sum that cancels exactly in exact arithmetic (a result at
	// most NoiseRatio of its operands' magnitude), or noise scaled or
	// combined with zeros. Its digits depend on the order of additions.
	Noise []bool
	// Notes are facts computed from the values that say whether the
	// statement did what it is meant to (softmax rows sum to 1, the loss
	// at initialisation is near ln 10, a gradient has its parameter's
	// shape, ...).
	Notes []Note

	samples int // the batch size, for notes
	// trueAccuracy is the accuracy recomputed from the output, for the
	// metric's note (NaN when the output is not there).
	trueAccuracy float64
	program      *Program
}

// Note is one computed fact about a statement. Warn marks a fact that
// points at a bug; Fault one that is a fault found on the line (check's
// verdict on a learner's line), with Mark its few words for a one-line
// listing ("delta1 wrong").
type Note struct {
	Warn  bool
	Fault bool
	Mark  string
	Text  string
}

// NewStepper prepares one iteration of p on the batch x, y (in rows
// layout, as Program.Bind takes them) from the given parameters, which it
// does not modify. Nothing is executed yet.
func NewStepper(p *Program, x, y *tracer.Array, params Vars) *Stepper {
	s := &Stepper{Program: p, Vars: p.Bind(x, y, params), firstRec: -1, firstOp: -1,
		noise: map[string]bool{}, stats: map[*tracer.Array]tracer.Stats{}}
	if p.Patched() {
		s.Correct = Build(p.Config)
		s.shadow = s.Correct.Bind(x, y, params)
	}
	return s
}

// Pos is the index of the next statement to execute.
func (s *Stepper) Pos() int { return len(s.Records) }

// Finished reports whether the iteration has run to its end or stopped
// at a statement that failed.
func (s *Stepper) Finished() bool { return s.err != nil || len(s.Records) == len(s.Program.Statements) }

// Err is the error of the statement that stopped the iteration, or nil.
func (s *Stepper) Err() error { return s.err }

// FirstNonFinite returns the record and the operation (index into its
// Events) that first produced a NaN or an Inf, or nil and -1.
func (s *Stepper) FirstNonFinite() (*StepRecord, int) {
	if s.firstRec < 0 {
		return nil, -1
	}
	return s.Records[s.firstRec], s.firstOp
}

// Accuracy returns the share of the batch whose largest output is the
// labelled class, recomputed from the output, and what the program's own
// accuracy statement reported (NaN if it has not run). ok is false
// before the output exists.
func (s *Stepper) Accuracy() (recomputed, reported float64, ok bool) {
	recomputed = trueAccuracy(s.Program, s.Vars)
	reported = math.NaN()
	if a, found := s.Vars["acc"]; found && a.Size() == 1 {
		reported = a.Item()
	}
	return recomputed, reported, !math.IsNaN(recomputed)
}

// Drifts lists the parameters whose shape an update changed so far.
func (s *Stepper) Drifts() []ShapeDrift {
	var out []ShapeDrift
	for _, r := range s.Records {
		if r.Drift != nil {
			out = append(out, *r.Drift)
		}
	}
	return out
}

// Run executes the remaining statements and returns the error of one that
// failed, if any.
func (s *Stepper) Run() error {
	for s.Next() != nil {
	}
	return s.err
}

// Next executes the next statement and returns its record, or nil when
// the iteration is finished. A statement that fails with a shape error
// still returns its record (with Err set and the operations that ran); the
// iteration stops there.
func (s *Stepper) Next() *StepRecord {
	if s.Finished() {
		return nil
	}
	rec := s.execute(s.Vars, false)
	s.Records = append(s.Records, rec)
	if rec.Err != nil {
		s.err = rec.Err
	}
	if rec.NonFinite >= 0 && s.firstRec < 0 {
		s.firstRec, s.firstOp = rec.Index, rec.NonFinite
	}
	if rec.Err == nil {
		s.compareRun(rec)
	}
	return rec
}

// Preview evaluates the next statement on the current values without
// binding its result or moving on, so a debugger can explain a line
// before it runs. It returns nil when the iteration is finished. The
// comparison with the correct run is left out (the shadow run does not
// move either).
func (s *Stepper) Preview() *StepRecord {
	if s.Finished() {
		return nil
	}
	scratch := make(Vars, len(s.Vars))
	for k, a := range s.Vars {
		scratch[k] = a
	}
	return s.execute(scratch, true)
}

// execute runs the next statement on v (binding its result there) and
// records everything but the comparison with the correct run. A preview
// leaves the stepper's own state alone.
func (s *Stepper) execute(v Vars, preview bool) *StepRecord {
	p := s.Program
	i := len(s.Records)
	st := p.Statements[i]
	rec := &StepRecord{Index: i, Statement: st, Inputs: Vars{}, NonFinite: -1, program: p,
		samples: sampleCount(p, v), trueAccuracy: math.NaN()}
	for _, name := range st.Inputs {
		if a, ok := v[name]; ok {
			rec.Inputs[name] = a
		}
	}
	before := make(Vars, len(v))
	for k, a := range v {
		before[k] = a
	}
	tp := &tracer.Tape{}
	err := p.Exec(i, tp, v)
	rec.Events = tp.Events
	if err != nil {
		rec.Err = err
	} else {
		rec.Value = v[st.Name]
	}
	rec.NonFinite = rec.firstNonFinite()
	s.markNoise(rec, !preview)
	if err == nil {
		if s.Correct != nil && st.Bug != "" {
			for k, a := range s.updated {
				before[k] = a
			}
			if d, ok := CompareStatement(s.Correct, st.Name, before, rec.Value); ok {
				d.Axes = axisChange(rec.Events, d.wantEvents)
				rec.Line = &d
			}
		}
		if st.Phase == Update {
			if d, ok := p.DriftOf(st.Name, rec.Inputs[st.Name], rec.Value); ok {
				rec.Drift = &d
			}
			if old, ok := rec.Inputs[st.Name]; ok && !preview {
				if s.updated == nil {
					s.updated = Vars{}
				}
				if _, seen := s.updated[st.Name]; !seen {
					s.updated[st.Name] = old
				}
			}
		}
	}
	if st.Name == "acc" && err == nil {
		rec.trueAccuracy = trueAccuracy(p, v)
	}
	rec.Notes = append(rec.notes(), st.Notes...)
	return rec
}

// trueAccuracy recomputes the accuracy from the output and the labels
// bound in v, or NaN when they are not there or do not fit.
func trueAccuracy(p *Program, v Vars) float64 {
	a, ok1 := v[fmt.Sprintf("A%d", p.Config.Layers())]
	y, ok2 := v["Y"]
	if !ok1 || !ok2 || !a.Shape().Equal(y.Shape()) {
		return math.NaN()
	}
	return p.TrueAccuracy(v)
}

// compareRun advances the shadow run of the correct program by the same
// statement and relates the two values.
func (s *Stepper) compareRun(rec *StepRecord) {
	if s.Correct == nil || s.shadow == nil {
		return
	}
	st := rec.Statement
	if rec.Index >= len(s.Correct.Statements) || s.Correct.Statements[rec.Index].Name != st.Name {
		s.shadow = nil // the programs no longer line up: stop comparing runs
		return
	}
	if err := s.Correct.Exec(rec.Index, nil, s.shadow); err != nil {
		s.shadow = nil
		return
	}
	d := Relate(s.Program.Config, st.Name, rec.Value, s.shadow[st.Name], rec.samples)
	if d.Relation.Kind != tracer.Same {
		rec.Run = &d
	}
}

// NoiseRatio is how small a sum or difference must be against its
// operands to count as rounding noise: float64 keeps about 16 digits, so
// a result 10 orders of magnitude below what was added is cancellation.
const NoiseRatio = 1e-10

// markNoise fills rec.Noise and, when commit is set, records whether the
// statement's value is noise for the statements that read it.
func (s *Stepper) markNoise(rec *StepRecord, commit bool) {
	rec.Noise = make([]bool, len(rec.Events))
	for k, e := range rec.Events {
		if e.Value == nil || !e.Stats.Finite() || maxAbs(e.Stats) == 0 {
			continue
		}
		var opMax float64
		noisy, quietRest := false, true // quietRest: every other operand is noise or 0
		for j, in := range e.Inputs {
			isNoise := false
			if p := rec.Producer(k, j); p >= 0 {
				isNoise = rec.Noise[p]
			} else if _, ok := rec.Inputs[in.Name]; ok {
				isNoise = s.noise[in.Name]
			}
			a := rec.Operand(k, j)
			if isNoise {
				noisy = true
				continue
			}
			if a == nil {
				quietRest = false
				continue
			}
			m := maxAbs(s.statsOf(a))
			opMax = max(opMax, m)
			if m != 0 {
				quietRest = false
			}
		}
		scales := e.Op == "multiply" || e.Op == "divide" || e.Op == "negative" || e.Op == "transpose"
		cancels := e.Op == "add" || e.Op == "subtract" || e.Op == "sum" || e.Op == "mean"
		switch {
		case noisy && (quietRest || scales):
			rec.Noise[k] = true
		case !noisy && cancels && maxAbs(e.Stats) <= NoiseRatio*opMax:
			rec.Noise[k] = true
		}
	}
	if !commit {
		return
	}
	name := rec.Statement.Name
	if n := len(rec.Events); rec.Err == nil && n > 0 && rec.Noise[n-1] {
		s.noise[name] = true
	} else {
		delete(s.noise, name)
	}
}

// statsOf summarises a value once per array.
func (s *Stepper) statsOf(a *tracer.Array) tracer.Stats {
	if st, ok := s.stats[a]; ok {
		return st
	}
	st := tracer.Summarize(a)
	s.stats[a] = st
	return st
}

func maxAbs(st tracer.Stats) float64 {
	if st.Count == 0 || math.IsNaN(st.Min) {
		return 0
	}
	return math.Max(math.Abs(st.Min), math.Abs(st.Max))
}

// Lookup returns a value by name: a bound variable, or else the result of
// an operation recorded so far (such as E inside the softmax), the latest
// first.
func (s *Stepper) Lookup(name string) (*tracer.Array, bool) {
	if a, ok := s.Vars[name]; ok {
		return a, true
	}
	for i := len(s.Records) - 1; i >= 0; i-- {
		evs := s.Records[i].Events
		for k := len(evs) - 1; k >= 0; k-- {
			if evs[k].Result == name {
				return evs[k].Value, true
			}
		}
	}
	return nil, false
}

// Operand returns the value of operand j of operation k, as the operation
// read it: the result of an earlier operation in the statement, a value
// the statement read, or a constant (lr, 1, 2, ...). nil if unknown.
func (r *StepRecord) Operand(k, j int) *tracer.Array {
	name := r.Events[k].Inputs[j].Name
	for i := k - 1; i >= 0; i-- {
		if r.Events[i].Result == name {
			return r.Events[i].Value
		}
	}
	if a, ok := r.Inputs[name]; ok {
		return a
	}
	if name == "lr" && r.program != nil {
		return tracer.Scalar(r.program.Config.LR)
	}
	if v, err := strconv.ParseFloat(name, 64); err == nil {
		return tracer.Scalar(v)
	}
	return nil
}

// Producer returns the index of the earlier operation of the statement
// whose result operand j of operation k is, or -1 for a variable or a
// constant.
func (r *StepRecord) Producer(k, j int) int {
	name := r.Events[k].Inputs[j].Name
	if _, ok := r.Inputs[name]; ok {
		return -1
	}
	for i := k - 1; i >= 0; i-- {
		if r.Events[i].Result == name {
			return i
		}
	}
	return -1
}

// firstNonFinite finds the first operation whose result holds a NaN or an
// Inf although its operands did not.
func (r *StepRecord) firstNonFinite() int {
	for k, e := range r.Events {
		if e.Stats.Finite() {
			continue
		}
		clean := true
		for j := range e.Inputs {
			if a := r.Operand(k, j); a != nil && !tracer.Summarize(a).Finite() {
				clean = false
				break
			}
		}
		if clean {
			return k
		}
	}
	return -1
}
