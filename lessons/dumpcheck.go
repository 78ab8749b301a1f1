package lessons

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/net/foreign"
	"github.com/backstep/backstep/tracer"
)

// ReproduceTolerance is how close a catalog patch must come to the user's
// tensor to name the bug: rounding differences only (issue 6: ≤ 1e-9).
const ReproduceTolerance = 1e-9

// TensorFinding is the check of one statement's output in a user's dump.
type TensorFinding struct {
	Tensor    string
	Statement net.Statement // backstep's correct statement
	Present   bool
	Shape     tracer.Shape // the user's (nil if absent)
	Expected  tracer.Shape // the statement's result on the user's inputs
	Verdict   net.Verdict
	Relation  tracer.Relation
	// Description says how the user's value differs, in the network's
	// terms (which axis, which constant).
	Description string
	// Parts says which units, samples or rows are wrong when only some
	// are: "units 3–5 wrong (rel. error 0.13), units 0–2, 6 right".
	Parts string
	// Cause says why the value is what it is, when backstep can tell more
	// than how it differs: "your W1, b1 look updated by lr ≈ 0.3 along dW1".
	Cause string
	// DumpMoment says the cause is when the dump was taken (after the
	// update, or after the network blew up), not the line: the line may
	// well be right.
	DumpMoment bool
	// Bug is the catalog bug that reproduces the user's tensor from the
	// user's own inputs (or whose fingerprint it carries), "" if none;
	// With lists bugs found earlier that had to be applied too.
	Bug  string
	With []string
	Err  error
	// Gradient is the independent numerical check of a gradient the dump
	// holds (dZl, dWl, dbl) against centred differences of the loss the
	// dump's convention differentiates, at the dump's own X, Y and
	// parameters; nil for other tensors or when the check could not run.
	Gradient *tracer.TensorCheck
	// GradientByNorm is set when Gradient was graded on the whole tensor
	// (NumericalCheck.ByNorm), so its NormRelError is the one to show.
	GradientByNorm bool
}

// Unjudged counts the tensors the step holds that check did not judge.
func (r *DumpReport) Unjudged() int {
	n := 0
	for _, f := range r.Findings {
		if f.Present && f.Verdict == net.NotChecked {
			n++
		}
	}
	return n
}

// Faulty reports whether the finding is a line to fix.
func (f TensorFinding) Faulty() bool {
	return f.Verdict == net.Wrong || f.Verdict == net.Failed && f.Present
}

// NumericalCheck says whether the numerical gradient check ran, why not,
// and how much it compared.
type NumericalCheck struct {
	Ran      bool
	Why      string // why it did not run
	Mode     tracer.CheckMode
	Tensors  int
	Elements int // elements compared
	Total    int // elements the checked tensors hold
	// ByNorm lists the gradients of a float32 or float16 dump graded on
	// the whole tensor, ‖a − n‖ / (‖a‖ + ‖n‖), as the recomputation grades
	// every tensor, because single elements were beyond the dump's
	// precision: 1 − A² of a saturated tanh unit rounds to 0 in float32.
	ByNorm []string
}

// DumpReport is the whole check of a dump.
type DumpReport struct {
	Dump     *foreign.Dump
	Findings []TensorFinding // in execution order, updates last
	// First is the first faulty statement in execution order ("" if none).
	First string
	// Bugs lists the named bugs in the order they were found.
	Bugs []string
	// Recomputed counts the tensors (and their elements) compared with
	// their statement on the user's inputs.
	Recomputed, RecomputedElements int
	Numerical                      NumericalCheck
	// Warnings are findings about the data or the dump that are not
	// faults of the step: raw pixels, a dump of a network that blew up.
	Warnings []string
	// Readings says which other readings of the dump were tried and why
	// they lost.
	Readings []string
	// L2 is the λ of the L2 regularisation every dW carries (0 if none).
	L2 float64
	// BlownUp says which parameter already holds NaN or Inf: the step
	// cannot be right, whatever its statements do.
	BlownUp string

	all       net.Vars // every value of the step, for CheckGradients
	gradients bool     // CheckGradients has run
}

// OK reports whether every given tensor is right on its own inputs and
// against the numerical gradients (where that check ran).
func (r *DumpReport) OK() bool {
	if r.First != "" || r.BlownUp != "" {
		return false
	}
	for _, f := range r.Findings {
		if f.Faulty() || f.Gradient != nil && !f.Gradient.Verdict.Passed() {
			return false
		}
	}
	return true
}

// Faults returns the faulty findings in order.
func (r *DumpReport) Faults() []TensorFinding {
	var out []TensorFinding
	for _, f := range r.Findings {
		if f.Faulty() {
			out = append(out, f)
		}
	}
	return out
}

// CheckOptions tune CheckDump.
type CheckOptions struct {
	// Tol is the relative error under which a value counts as right
	// (looser for float32 dumps); 0 means tracer.SameTolerance.
	Tol float64
	// Mode is the numerical check's: "" picks full on small dumps and
	// sparse above FullCheckBudget.
	Mode tracer.CheckMode
	// K is how many elements per tensor a sparse check compares (0:
	// SparseK).
	K int
	// Progress, if set, hears how far the numerical check has come.
	Progress func(done, total int)
}

// The numerical check's size: a full check compares every element while
// the work (elements × the samples each one sums over × the units it
// reaches) stays under FullCheckBudget; above it, SparseK random elements
// per tensor are compared — as gradcheck's sparse mode and PyTorch's
// fast_mode do for large tensors.
const (
	FullCheckBudget = 2e8
	SparseK         = 48
)

// CheckDump recomputes every tensor of the dump from the user's own inputs
// to its statement, and for each faulty one tries the catalog's patches on
// the same inputs to name the bug. Where the dump allows several readings
// (sigmoid outputs whose dZ_L fits no loss), each is tried and the one
// that explains the dump best is kept.
func CheckDump(d *foreign.Dump, o CheckOptions) *DumpReport {
	rep := RecomputeDump(d, o)
	rep.CheckGradients(o)
	return rep
}

// RecomputeDump is CheckDump without the numerical gradient check, which
// CheckGradients adds: a caller can show these verdicts first (on 10,000
// samples the numerical check takes a while).
func RecomputeDump(d *foreign.Dump, o CheckOptions) *DumpReport {
	if o.Tol == 0 {
		o.Tol = tracer.SameTolerance
	}
	if len(d.Readings) < 2 || d.Readings[0].Decided {
		return checkReading(d, o)
	}
	var best *DumpReport
	var rejected []string
	for _, rd := range d.Readings {
		rep, _ := recomputeReading(d.WithReading(rd), o)
		if best == nil || rep.score() < best.score() {
			if best != nil {
				rejected = append(rejected, rejectedWords(best))
			}
			best = rep
		} else {
			rejected = append(rejected, rejectedWords(rep))
		}
	}
	rep := checkReading(best.Dump, o)
	rep.Readings = rejected
	return rep
}

// score ranks readings: fewer faults first, then fewer faults no catalog
// bug explains.
func (r *DumpReport) score() int {
	s := 0
	for _, f := range r.Faults() {
		s += 2
		if f.Bug == "" {
			s++
		}
	}
	return s
}

func rejectedWords(r *DumpReport) string {
	var names []string
	for _, f := range r.Faults() {
		names = append(names, f.Tensor)
	}
	return fmt.Sprintf("read as %s, %s would be wrong", foreign.LossWords(r.Dump.Config), strings.Join(names, ", "))
}

// recomputeReading is the recomputation and bug naming of one reading,
// without the numerical check.
func recomputeReading(d *foreign.Dump, o CheckOptions) (*DumpReport, net.Vars) {
	p := d.Program()
	rep := &DumpReport{Dump: d}
	named := map[string]bool{}
	results, all := p.RecomputeAll(d.Vars, o.Tol)
	for _, r := range results {
		f := TensorFinding{Tensor: r.Statement.Name, Statement: r.Statement, Present: r.Given,
			Verdict: r.Verdict, Relation: r.Relation, Err: r.Err}
		if r.Given {
			f.Shape = d.Vars[r.Statement.Name].Shape()
			rep.Recomputed++
			rep.RecomputedElements += d.Vars[r.Statement.Name].Size()
		}
		if r.Expected != nil {
			f.Expected = r.Expected.Shape()
		}
		if r.Note != "" {
			rep.Warnings = append(rep.Warnings, r.Note)
		}
		if f.Faulty() {
			if rep.First == "" {
				rep.First = f.Tensor
			}
			f.Description = describe(d, r)
			f.Bug, f.With = nameBug(d, all, f.Tensor, rep.Bugs)
			if f.Bug == "" {
				f.Bug = fingerprint(d, all, r)
			}
			f.Parts = parts(d, r)
			if f.Bug != "" && !named[f.Bug] {
				named[f.Bug] = true
				rep.Bugs = append(rep.Bugs, f.Bug)
			}
		}
		rep.Findings = append(rep.Findings, f)
	}
	rep.ownCount(p, all, o.Tol)
	rep.reluAtZero(p, all, o.Tol)
	rep.unknownActivation()
	rep.regularised(p, all)
	return rep, all
}

// regularised recognises L2 regularisation: every dW that is wrong differs
// from the right one by the same λ·W (the gradient of (λ/2)·Σ‖W‖²), and a
// wrong loss by (λ/2)·Σ‖W‖². Those are right for the regularised loss; the
// numerical check then compares dW − λ·W with the unregularised loss.
func (r *DumpReport) regularised(p *net.Program, all net.Vars) {
	d := r.Dump
	var tp *tracer.Tape
	lambda := 0.0
	var hits []int
	for k, f := range r.Findings {
		if !strings.HasPrefix(f.Tensor, "dW") {
			continue
		}
		if !f.Faulty() {
			if f.Present {
				return // a right dW beside regularised ones: not one convention
			}
			continue
		}
		W, user := d.Vars["W"+f.Tensor[2:]], d.Vars[f.Tensor]
		want, err := p.Eval(p.Index(f.Tensor), nil, all)
		if err != nil || W == nil || !user.Shape().Equal(W.Shape()) || !want.Shape().Equal(W.Shape()) {
			return
		}
		rel := tracer.Relate(tp.Sub(user, want), W)
		l := rel.Alpha
		if rel.Kind == tracer.Same {
			l = 1
		}
		if rel.Kind != tracer.Same && rel.Kind != tracer.Scaled || l <= 0 || lambda != 0 && !nearly(l, lambda) {
			return
		}
		lambda = l
		hits = append(hits, k)
	}
	if len(hits) == 0 {
		return
	}
	r.L2 = lambda
	for _, k := range hits {
		f := &r.Findings[k]
		*f = TensorFinding{Tensor: f.Tensor, Statement: f.Statement, Present: true, Shape: f.Shape, Expected: f.Expected,
			Verdict: net.Correct, Cause: fmt.Sprintf("it adds %.4g·W%s: L2 regularisation, right for a loss with (%.4g/2)·Σ‖W‖²", lambda, f.Tensor[2:], lambda)}
	}
	if f := r.finding("loss"); f != nil && f.Faulty() {
		penalty := 0.0
		for l := 1; l <= d.Config.Layers(); l++ {
			for _, w := range d.Vars[fmt.Sprintf("W%d", l)].Data() {
				penalty += w * w
			}
		}
		if want, err := p.Eval(p.Index("loss"), nil, all); err == nil && nearly(d.Vars["loss"].Item()-want.Item(), lambda/2*penalty) {
			*f = TensorFinding{Tensor: f.Tensor, Statement: f.Statement, Present: true, Shape: f.Shape, Expected: f.Expected,
				Verdict: net.Correct, Cause: fmt.Sprintf("it adds the L2 penalty (%.4g/2)·Σ‖W‖²", lambda)}
		}
	}
	r.rebuildBugs()
}

// unknownActivation sets aside what an activation backstep does not know
// decides: each hidden A and each hidden delta (it multiplies by f′).
func (r *DumpReport) unknownActivation() {
	d := r.Dump
	if !d.ActUnknown {
		return
	}
	L := d.Config.Layers()
	for k := range r.Findings {
		f := &r.Findings[k]
		l := layerOf(f.Tensor)
		if l == 0 || l >= L || !(strings.HasPrefix(f.Tensor, "A") || strings.HasPrefix(f.Tensor, "dZ")) {
			continue
		}
		*f = TensorFinding{Tensor: f.Tensor, Statement: f.Statement, Present: f.Present, Shape: f.Shape,
			Expected: f.Expected, Verdict: net.NotChecked,
			Err: fmt.Errorf("the hidden activation is none of tanh, sigmoid, relu: %s applies it or its derivative", f.Tensor)}
	}
	r.rebuildBugs()
}

// reluAtZero clears a hidden delta of a ReLU layer that differs from the
// right one only where Z is exactly 0: the derivative at the kink may be
// taken as 1 (Z >= 0) as well as 0 (Z > 0) — both are subgradients.
func (r *DumpReport) reluAtZero(p *net.Program, all net.Vars, tol float64) {
	for k := range r.Findings {
		f := &r.Findings[k]
		l := layerOf(f.Tensor)
		if !f.Faulty() || !strings.HasPrefix(f.Tensor, "dZ") || l >= r.Dump.Config.Layers() || r.Dump.Config.ActOf(l) != net.ReLU {
			continue
		}
		_, back := backText(p, l)
		Z := fmt.Sprintf("Z%d", l)
		s := net.Statement{Name: f.Tensor, Inputs: []string{fmt.Sprintf("dZ%d", l+1), fmt.Sprintf("W%d", l+1), Z},
			Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
				z, zero := v.Get(Z), tracer.Scalar(0)
				return tp.Mul(back(tp, v), tp.Add(tp.Greater(z, zero), tp.Equal(z, zero)))
			}}
		q := &net.Program{Config: p.Config, Statements: []net.Statement{s}}
		if want, err := q.Eval(0, nil, all); err == nil && net.Agrees(s, all, r.Dump.Vars[f.Tensor], want, tol) {
			*f = TensorFinding{Tensor: f.Tensor, Statement: f.Statement, Present: f.Present, Shape: f.Shape,
				Expected: f.Expected, Verdict: net.Correct,
				Cause: fmt.Sprintf("it takes the ReLU's derivative at Z%d = 0 as 1 (Z%d >= 0): at the kink either is right", l, l)}
		}
	}
	r.rebuildBugs()
}

// ownCount clears a statement that reads m, is wrong with the dump's own
// m, and right with the true sample count, when that m is itself wrong: the
// learner's line takes its own mean (np.mean) and does not read their m.
func (r *DumpReport) ownCount(p *net.Program, all net.Vars, tol float64) {
	fm := r.finding("m")
	if fm == nil || !fm.Faulty() {
		return
	}
	i := p.Index("m")
	right, err := p.Eval(i, nil, all)
	if err != nil {
		return
	}
	env := net.Vars{}
	for k, v := range all {
		env[k] = v
	}
	env["m"] = right
	for k := range r.Findings {
		f := &r.Findings[k]
		if f.Tensor == "m" || !f.Faulty() || !slices.Contains(f.Statement.Inputs, "m") {
			continue
		}
		j := p.Index(f.Tensor)
		if want, err := p.Eval(j, nil, env); err == nil && net.Agrees(f.Statement, env, r.Dump.Vars[f.Tensor], want, tol) {
			*f = TensorFinding{Tensor: f.Tensor, Statement: f.Statement, Present: f.Present, Shape: f.Shape,
				Expected: f.Expected, Verdict: net.Correct,
				Cause: "it counts its own samples (it does not read your m), so your m does not touch it"}
		}
	}
	r.rebuildBugs()
}

// rebuildBugs lists the bugs of the faulty findings again, in order, after
// findings were cleared.
func (r *DumpReport) rebuildBugs() {
	r.Bugs = nil
	for _, f := range r.Findings {
		if f.Faulty() && f.Bug != "" {
			r.addBug(f.Bug)
		}
	}
	r.noteFirst()
}

// checkReading checks one reading of the dump, all but the numerical
// gradient check.
func checkReading(d *foreign.Dump, o CheckOptions) *DumpReport {
	rep, all := recomputeReading(d, o)
	if before, note, ok := beforeUpdate(d, all); ok {
		// The dumped Z do not follow from the dumped W, b (the fault
		// the dump shows, with its cause); everything else is judged on
		// the weights the step ran with.
		rep.explainForward(all)
		after := rep
		rep, all = recomputeReading(before, o)
		for _, f := range after.Findings {
			if g := rep.finding(f.Tensor); g != nil && f.Faulty() && strings.HasPrefix(f.Tensor, "Z") {
				*g = f
				rep.addBug(f.Bug)
			}
		}
		rep.Warnings = append(rep.Warnings, note)
		rep.noteFirst()
	}
	rep.explainForward(all)
	rep.checkUpdates(all)
	rep.checkData(all)
	rep.all = all
	return rep
}

// CheckGradients adds the numerical gradient check to a report from
// RecomputeDump (once; CheckDump has run it already).
func (r *DumpReport) CheckGradients(o CheckOptions) {
	if r.gradients || r.all == nil {
		return
	}
	if o.Tol == 0 {
		o.Tol = tracer.SameTolerance
	}
	r.gradients = true
	r.checkGradients(r.all, o)
}

// finding returns the finding for a tensor, or nil.
func (r *DumpReport) finding(name string) *TensorFinding {
	for i := range r.Findings {
		if r.Findings[i].Tensor == name {
			return &r.Findings[i]
		}
	}
	return nil
}

// addBug records a bug name the first time it is found.
func (r *DumpReport) addBug(id string) {
	if id == "" || contains(r.Bugs, id) {
		return
	}
	r.Bugs = append(r.Bugs, id)
}

// checkGradients compares every gradient the dump holds with finite
// differences of the loss the dump's convention differentiates, at the
// dump's parameters — independently of the recomputation, so a wrong
// result is caught even when the tensors that lead to it were not dumped.
// Dumps in float32 only get a verdict when the disagreement is far beyond
// their precision.
func (r *DumpReport) checkGradients(all net.Vars, o CheckOptions) {
	d := r.Dump
	mode := o.Mode
	if mode == "" {
		mode = tracer.FullCheck
		if checkWork(d) > FullCheckBudget {
			mode = tracer.SparseCheck
		}
	}
	k := o.K
	if k == 0 {
		k = SparseK
	}
	opts := tracer.GradCheckOptions{Mode: mode, K: k, Seed: 1, Progress: o.Progress}
	r.Numerical.Mode = mode
	if d.ActUnknown {
		r.Numerical.Why = "the hidden activation is none of tanh, sigmoid, relu, so backstep cannot compute the loss (give --act if it is one of them)"
		return
	}
	if bad := nonFiniteParams(d); bad != "" {
		r.Numerical.Why = bad + ": gradients can only be checked where the loss is finite"
		return
	}
	if r.L2 != 0 {
		// Compare dW − λ·W with the loss backstep differentiates.
		var tp *tracer.Tape
		plain := net.Vars{}
		for k, v := range all {
			plain[k] = v
		}
		for l := 1; l <= d.Config.Layers(); l++ {
			dW, W := fmt.Sprintf("dW%d", l), d.Vars[fmt.Sprintf("W%d", l)]
			if g := all[dW]; g != nil && W != nil && g.Shape().Equal(W.Shape()) {
				plain[dW] = tp.Sub(g, tp.Mul(tracer.Scalar(r.L2), W))
			}
		}
		all = plain
	}
	sc, err := net.CheckValues(d.Program(), all, opts)
	if err != nil {
		r.Numerical.Why = strings.TrimPrefix(oneLine(err), "net: ")
		return
	}
	r.Numerical.Ran = true
	tol := o.Tol
	for _, s := range sc.Gradients() {
		f := r.finding(s.Statement.Name)
		if f == nil || !f.Present {
			continue
		}
		g := *s.Gradient
		if tol > tracer.SameTolerance && g.Verdict != tracer.WrongShape {
			// The dump's own precision, not a bug: every element within
			// 1e3 × tol, or the whole tensor within tol when single
			// elements carry the rounding of a difference such as
			// 1 − A² near 0 (a wrong unit or scale is far beyond it).
			switch {
			case g.MaxRelError <= 1e3*tol:
				g.Verdict = tracer.Fine
			case g.NormRelError <= tol:
				g.Verdict = tracer.Fine
				f.GradientByNorm = true
				r.Numerical.ByNorm = append(r.Numerical.ByNorm, f.Tensor)
			}
		}
		f.Gradient = &g
		r.Numerical.Tensors++
		r.Numerical.Elements += max(g.Checked, 0)
		r.Numerical.Total += g.Size
		if g.Verdict == tracer.WrongShape {
			r.Numerical.Elements += 0
		}
	}
}

// checkWork estimates the numerical check's cost: for every gradient
// element, the samples it sums over times the units a change reaches.
func checkWork(d *foreign.Dump) float64 {
	sizes := d.Config.Sizes()
	m := float64(d.Samples)
	var reach float64 // units a change in layer l reaches, summed downstream
	work := 0.0
	for l := len(sizes) - 1; l >= 1; l-- {
		reach += float64(sizes[l])
		if l+1 < len(sizes) {
			reach += float64(sizes[l] * sizes[l+1])
		}
		weights := float64(sizes[l-1] * sizes[l])
		work += (weights + float64(sizes[l])) * m * reach // dW and db
		work += m * float64(sizes[l]) * reach             // dZ
	}
	return work
}

// nonFiniteParams names the first parameter holding NaN or Inf.
func nonFiniteParams(d *foreign.Dump) string {
	for _, name := range append([]string{"X"}, d.Config.ParamNames()...) {
		a := d.Vars[name]
		if a == nil {
			continue
		}
		st := tracer.Summarize(a)
		if st.NaN > 0 || st.Inf > 0 {
			return fmt.Sprintf("%s already holds %s", name, nonFiniteWords(st))
		}
	}
	return ""
}

func nonFiniteWords(st tracer.Stats) string {
	switch {
	case st.NaN > 0 && st.Inf > 0:
		return fmt.Sprintf("NaN (%d) and Inf (%d)", st.NaN, st.Inf)
	case st.NaN > 0:
		return fmt.Sprintf("NaN (%d of %d values)", st.NaN, st.Count)
	}
	return fmt.Sprintf("Inf (%d of %d values)", st.Inf, st.Count)
}

// patchedProgram builds the correct step for the dump with only the
// statement patches of the given bugs: configuration, data and
// initialisation changes say nothing about how a dumped tensor was
// computed.
func patchedProgram(d *foreign.Dump, ids []string) (p *net.Program, ok bool) {
	defer func() {
		if recover() != nil {
			p, ok = nil, false // the patch does not fit this network
		}
	}()
	p = d.Program()
	for _, id := range ids {
		b, err := Lookup(id)
		if err != nil || b.Patch == nil || !b.Names(d.Config) {
			return nil, false
		}
		b.Patch(p)
	}
	return p, p.Patched()
}

// reproduces reports whether the patched program, run on the user's
// inputs, gives the user's value of tensor. all holds every value of the
// correct recomputation; only the patched statements and what they feed,
// where the dump does not give it, are evaluated again.
func reproduces(p *net.Program, d *foreign.Dump, all net.Vars, tensor string) bool {
	env := net.Vars{}
	for k, v := range all {
		env[k] = v
	}
	changed := map[string]bool{}
	for i, s := range p.Statements {
		if s.Phase == net.Update || s.Phase == net.Metric {
			continue
		}
		dirty := s.Bug != ""
		for _, in := range s.Inputs {
			dirty = dirty || changed[in]
		}
		if s.Name == tensor {
			if !dirty {
				return false // the patch does not touch this statement
			}
			var got *tracer.Array
			if err := tracer.Catch(func() {
				v, err := p.Eval(i, nil, env)
				if err == nil {
					got = v
				}
			}); err != nil || got == nil {
				return false
			}
			return net.Agrees(s, env, d.Vars[tensor], got, ReproduceTolerance)
		}
		if !dirty || d.Given[s.Name] {
			continue
		}
		v, err := p.Eval(i, nil, env)
		if err != nil {
			return false
		}
		env[s.Name] = v
		changed[s.Name] = true
	}
	return false
}

// nameBug finds the catalog bug that reproduces the user's tensor: alone
// first, then together with the bugs already found for earlier statements
// (in the question's code, db2 is both summed over the wrong axis and
// divided by the wrong m). The set is pruned to the bugs that are needed;
// the one reported is the one that patches this statement, the others
// come back in with.
func nameBug(d *foreign.Dump, all net.Vars, tensor string, found []string) (string, []string) {
	for _, id := range IDs() {
		if id == "sum-loss" && tensor != "loss" {
			continue // one gradient without its 1/m is not a summed loss
		}
		if p, ok := patchedProgram(d, []string{id}); ok && reproduces(p, d, all, tensor) {
			return id, nil
		}
	}
	if len(found) == 0 {
		return "", nil
	}
	var set []string
	for _, id := range append([]string{""}, IDs()...) {
		if contains(found, id) {
			continue
		}
		ids := append([]string(nil), found...)
		if id != "" {
			ids = append(ids, id)
		}
		if p, ok := patchedProgram(d, ids); ok && reproduces(p, d, all, tensor) {
			set = ids
			break
		}
	}
	if set == nil {
		return "", nil
	}
	for i := 0; i < len(set); {
		rest := append(append([]string(nil), set[:i]...), set[i+1:]...)
		if p, ok := patchedProgram(d, rest); ok && reproduces(p, d, all, tensor) {
			set = rest
			continue
		}
		i++
	}
	name := set[len(set)-1]
	for _, id := range set {
		if p, ok := patchedProgram(d, []string{id}); ok {
			if s, _ := p.Statement(tensor); s.Bug == id {
				name = id
			}
		}
	}
	var with []string
	for _, id := range set {
		if id != name {
			with = append(with, id)
		}
	}
	return name, with
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func oneLine(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// isGradient reports whether a statement assigns dZl, dWl or dbl.
func isGradient(name string) bool {
	return strings.HasPrefix(name, "dZ") || strings.HasPrefix(name, "dW") || strings.HasPrefix(name, "db")
}

func layerOf(name string) int {
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	n := 0
	fmt.Sscan(name[i:], &n)
	return n
}

func nearly(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Abs(b) }
