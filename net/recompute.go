package net

import (
	"fmt"
	"math"

	"github.com/backstep/backstep/tracer"
)

// Verdict of a recomputed tensor.
type Verdict string

// The verdicts Recompute gives.
const (
	Correct    Verdict = "correct"     // equal to the statement applied to its own inputs
	Wrong      Verdict = "wrong"       // differs from it
	Failed     Verdict = "failed"      // the statement itself fails on these inputs
	NotChecked Verdict = "not checked" // an input it needs is missing or failed
	Absent     Verdict = "absent"      // not given, so computed by backstep
)

// Recomputed is one statement's output checked against the statement
// applied to the given inputs.
type Recomputed struct {
	Index     int // position of the statement in the program
	Statement Statement
	Given     bool
	Verdict   Verdict
	// Relation of the given value to the recomputed one (Given only).
	Relation tracer.Relation
	// Expected is what the statement gives on these inputs (nil if it failed).
	Expected *tracer.Array
	Err      error // why it failed or was not checked
	// Note says how a given value that is right differs from the plain
	// statement's: a loss of clipped outputs (np.clip(A2, 1e-7, 1 - 1e-7)).
	Note string
}

// Recompute runs the forward pass, the loss and the backward pass of p in
// order. Where given holds a statement's output, it is compared with the
// statement applied to the inputs that statement reads — the given ones
// when the dump holds them — and the given value is kept for what comes
// after, so each faulty statement is found on its own even when several
// are wrong. Where given lacks an output, backstep's value is used.
// tol is the relative error under which two values count as the same.
func (p *Program) Recompute(given Vars, tol float64) []Recomputed {
	out, _ := p.recompute(given, tol)
	return out
}

// RecomputeAll is Recompute that also returns every value of the step: the
// given ones, and backstep's for those not given.
func (p *Program) RecomputeAll(given Vars, tol float64) ([]Recomputed, Vars) {
	return p.recompute(given, tol)
}

func (p *Program) recompute(given Vars, tol float64) ([]Recomputed, Vars) {
	env := Vars{}
	for k, a := range given {
		env[k] = a
	}
	broken := map[string]error{}
	var out []Recomputed
	for i, s := range p.Statements {
		if s.Phase == Update || s.Phase == Metric {
			continue
		}
		r := Recomputed{Index: i, Statement: s}
		_, r.Given = given[s.Name]
		var missing error
		for _, in := range s.Inputs {
			if err, ok := broken[in]; ok {
				missing = err
			}
		}
		if missing != nil {
			r.Verdict, r.Err = NotChecked, missing
			if !r.Given {
				broken[s.Name] = missing
			}
			out = append(out, r)
			continue
		}
		v, err := p.Eval(i, nil, env)
		switch {
		case err != nil:
			r.Verdict, r.Err = Failed, err
			if !r.Given {
				broken[s.Name] = err
			}
		case r.Given:
			r.Expected = v
			r.Relation = tracer.Relate(given[s.Name], v)
			r.Verdict = Wrong
			if agrees(r.Relation, given[s.Name], v, statementTol(s, tol), inputScale(s, env)) {
				r.Verdict = Correct
			} else if s.Phase == Loss {
				if eps, ok := p.clippedLoss(i, env, given[s.Name], tol); ok {
					A := p.layer(p.Config.Layers()).A
					r.Verdict = Correct
					r.Note = fmt.Sprintf("the loss is of %s clipped to [%g, 1 − %g] before the log, as np.clip(%s, %g, 1 - %g) does (Keras's epsilon is 1e-7): right as written, though its saturated samples no longer match the gradients", A, eps, eps, A, eps, eps)
				}
			}
		default:
			r.Expected = v
			r.Verdict = Absent
			env[s.Name] = v
		}
		out = append(out, r)
	}
	for k, a := range given {
		env[k] = a
	}
	return out, env
}

// Agrees reports whether got is what statement s computed (want) on the
// inputs in env, to the relative tolerance tol — or, where the true value
// cancels to almost nothing, within rounding of the inputs' size (see
// agrees).
func Agrees(s Statement, env Vars, got, want *tracer.Array, tol float64) bool {
	return agrees(tracer.Relate(got, want), got, want, statementTol(s, tol), inputScale(s, env))
}

// clipEpsilons are the bounds learners clip outputs to before the log:
// Keras's 1e-7, scikit-learn's 1e-15, and the round powers between.
var clipEpsilons = []float64{1e-7, 1e-15, 1e-12, 1e-10, 1e-8, 1e-6, 1e-5}

// clippedLoss reports whether got is loss statement i evaluated on the
// output A_L clipped to [eps, 1 − eps] for one of clipEpsilons: a guard
// against log(0) that, unlike log(A + eps), moves the loss by much where
// outputs saturate on the wrong side.
func (p *Program) clippedLoss(i int, env Vars, got *tracer.Array, tol float64) (float64, bool) {
	A := p.layer(p.Config.Layers()).A
	a := env[A]
	if a == nil {
		return 0, false
	}
	for _, eps := range clipEpsilons {
		c := a.Clone()
		d := c.Data()
		for j, x := range d {
			d[j] = math.Min(math.Max(x, eps), 1-eps)
		}
		e := Vars{}
		for k, v := range env {
			e[k] = v
		}
		e[A] = c
		v, err := p.Eval(i, nil, e)
		if err == nil && agrees(tracer.Relate(got, v), got, v, statementTol(p.Statements[i], tol), 0) {
			return eps, true
		}
	}
	return 0, false
}

// LossTolerance is the relative error under which a given loss counts as
// the loss statement's. Learners keep the log away from 0 with
// np.log(p + eps) (eps from 1e-15 to 1e-7), which moves a mean
// cross-entropy by about eps·mean(1/p): 1e-9 of it for eps = 1e-9, a few
// 1e-7 for eps = 1e-7 (a 5-class guess, p ≈ 0.2). A wrong loss moves it
// by a factor (m, the classes, ½) or flips its sign, far above this.
// np.clip(p, eps, 1 - eps) moves it by far more where outputs saturate;
// clippedLoss recognises it.
const LossTolerance = 1e-5

// statementTol is the tolerance for statement s: tol, or LossTolerance for
// the loss when that is looser.
func statementTol(s Statement, tol float64) float64 {
	if s.Phase == Loss {
		return math.Max(tol, LossTolerance)
	}
	return tol
}

// agrees decides whether a given value equals the recomputed one: the same
// up to the relative tolerance, or — where the true value cancels to almost
// nothing, as a bias gradient of softmax + cross-entropy summed over the
// classes does — apart by no more than rounding of the inputs' size.
func agrees(r tracer.Relation, got, want *tracer.Array, tol, scale float64) bool {
	switch r.Kind {
	case tracer.Same:
		return true
	case tracer.ShapeDiff, tracer.NonFinite, tracer.Transposed:
		return false
	}
	if math.IsNaN(r.RelError) {
		return sameNonFinite(got, want, tol)
	}
	if r.RelError <= tol {
		return true
	}
	var d float64
	g, w := got.Data(), want.Data()
	for i := range g {
		d = math.Max(d, math.Abs(g[i]-w[i]))
	}
	return d <= 1e-12*scale
}

// inputScale is the largest magnitude among a statement's inputs.
func inputScale(s Statement, env Vars) float64 {
	var m float64
	for _, in := range s.Inputs {
		if a, ok := env[in]; ok {
			st := tracer.Summarize(a)
			m = math.Max(m, math.Max(math.Abs(st.Min), math.Abs(st.Max)))
		}
	}
	return m
}

// sameNonFinite reports whether got and want hold NaN and ±Inf at the same
// places and agree to tol elsewhere: a statement that turns its inputs'
// NaN into NaN computes what it should.
func sameNonFinite(got, want *tracer.Array, tol float64) bool {
	g, w := got.Data(), want.Data()
	var d, ng, nw float64
	for i := range g {
		gf, wf := !math.IsNaN(g[i]) && !math.IsInf(g[i], 0), !math.IsNaN(w[i]) && !math.IsInf(w[i], 0)
		switch {
		case gf != wf:
			return false
		case !gf:
			if math.IsNaN(g[i]) != math.IsNaN(w[i]) || math.IsInf(g[i], 1) != math.IsInf(w[i], 1) {
				return false
			}
		default:
			d += (g[i] - w[i]) * (g[i] - w[i])
			ng += g[i] * g[i]
			nw += w[i] * w[i]
		}
	}
	return ng+nw == 0 || math.Sqrt(d) <= tol*(math.Sqrt(ng)+math.Sqrt(nw))
}
