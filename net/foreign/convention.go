package foreign

import (
	"fmt"
	"math"
	"sort"

	"github.com/backstep/backstep/net"
)

// Where the constants of a learner's gradients sit. Relative to the
// gradient of the summed loss Σ ℓ, their dZ_L carries a constant c
// (1, 1/m in CS231n's placement, 2 for squared error without the ½, −1
// when negated) and their dW and db a constant k (1/m in Andrew Ng's
// placement, 1 otherwise). The loss they differentiate is c·k·m·(1/m)·Σℓ.
// convention measures c from dZ_L and k from each dW and db on the dump's
// own inputs, and keeps the k most tensors agree on: the tensors that
// disagree are the faults the checker reports.

// niceFactors are the constants learners put in front of a gradient,
// besides 1/m: 1, 2 (squared error without the ½), ½, and the 1/K of a mean
// over K output units.
func (r *reader) niceFactors() []float64 {
	k := float64(r.d.Config.Classes)
	f := []float64{1, 2, 0.5}
	if k > 1 {
		f = append(f, 1/k, 2/k)
	}
	return f
}

// nice reports whether |x| is one of the nice factors, with or without a
// 1/m.
func (r *reader) nice(x float64) bool {
	_, _, ok := r.split(x)
	return ok
}

// split reads x as ±f or ±f/m for a nice factor f; perM says which.
func (r *reader) split(x float64) (f float64, perM, ok bool) {
	m := float64(r.d.Samples)
	ax := math.Abs(x)
	// The plainer reading first, each factor without and with 1/m: when
	// m equals the number of outputs, 1/m is read as 1/m, not 1/K.
	for _, f := range r.niceFactors() {
		if close(ax, f) {
			return f, false, true
		}
		if m > 1 && close(ax*m, f) {
			return f, true, true
		}
	}
	return 0, false, false
}

func close(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Abs(b) }

// convention reads where the dump's gradients keep their constants, for
// the output and loss in c, and returns the configuration with the notes
// that say so.
func (r *reader) convention(c net.Config) Reading {
	L := c.Layers()
	m := float64(r.d.Samples)
	rd := Reading{Config: c}
	dZL := fmt.Sprintf("dZ%d", L)
	// c: the constant of dZ_L.
	var delta float64
	deltaKnown, guessedSign := false, false
	if a, ok := r.ratio(c, dZL); ok {
		if _, _, nice := r.split(a); nice {
			delta, deltaKnown = a, true
		}
	}
	// k: the constant of each dW and db, from the dZ it reads. Where that
	// dZ is the dump's own (or sent back from it), the ratio to the
	// statement with 1/m is k·m; where no dZ at or above the layer is
	// given, it also carries backstep's c = 1: it is c·k·m.
	var rooted, unrooted []float64
	for l := 1; l <= L; l++ {
		own := false
		for j := l; j <= L; j++ {
			own = own || r.get(fmt.Sprintf("dZ%d", j)) != nil
		}
		for _, g := range []string{fmt.Sprintf("dW%d", l), fmt.Sprintf("db%d", l)} {
			if r.get(g) == nil {
				continue
			}
			a, ok := r.ratio(c, g)
			if !ok {
				continue
			}
			// Only the constants learners use count as a convention; any
			// other ratio is a fault the checker reports (m = 784 features).
			if k := a / m; r.nice(k) {
				if own {
					rooted = append(rooted, k)
				} else {
					unrooted = append(unrooted, k)
				}
			}
		}
	}
	k, kKnown := r.vote(rooted, delta, deltaKnown)
	switch {
	case !kKnown && !deltaKnown && len(unrooted) > 0:
		// Only whole-chain ratios: the loss's constant, placed in dW/db.
		if t, ok := r.vote(unrooted, 0, false); ok {
			if f, perM, nice := r.split(t); nice {
				delta, deltaKnown = math.Copysign(f, t), true
				k, kKnown = 1, true
				if perM {
					k = 1 / m
				}
			}
		}
	case !kKnown && deltaKnown && len(unrooted) > 0:
		if t, ok := r.vote(unrooted, 0, false); ok {
			k, kKnown = t/delta, true
		}
	}
	rd.Decided = deltaKnown || kKnown
	switch {
	case !deltaKnown && !kKnown:
		rd.Notes = append(rd.Notes, "normaliser: 1/m in dW and db assumed (the dump has no gradients that tell)")
		rd.Config.Norm = net.InGradients
		return rd
	case !deltaKnown:
		// dZ_L is wrong or absent: the checker says which. Its constant
		// is then the one the dump's loss value and its gradients' k
		// leave (the loss is c·k·m times the statement's mean), and its
		// sign the side dZ_L points to against the right delta.
		delta = 1
		if a, ok := r.ratio(c, "loss"); ok && a > 0 {
			if d := a / (k * m); r.nice(d) {
				delta = d
			}
		}
		// The update is plain code and dZ_L is the broken statement: a
		// dump with the parameters after the update says the sign (an
		// update that subtracts its gradients takes them as the
		// gradient, whatever a wrong dZ_L points to).
		switch s := r.updateSign(c); {
		case s > 0:
			delta = -delta
		case s == 0 && r.cosine(c, dZL) < -0.5:
			delta = -delta
			guessedSign = true
		}
	}
	if !kKnown {
		k = 1 / m
		if _, perM, _ := r.split(delta); perM {
			k = 1
		}
	}
	f, deltaPerM, _ := r.split(delta)
	g, kPerM, _ := r.split(k) // dW's constant besides its 1/m: 1/K for np.mean over all outputs
	kPerM = kPerM && m > 1
	if g != 1 && g != 0 {
		rd.Config.GradFactor = g
	}
	switch {
	case kPerM:
		rd.Config.Norm = net.InGradients // with a 1/m in dZ_L too, that is the fault the checker reports
	case deltaPerM:
		rd.Config.Norm = net.InDelta
	default:
		rd.Config.Norm = net.NoNormaliser
	}
	if m == 1 {
		rd.Config.Norm = net.InGradients // one sample: 1/m is 1 wherever it sits
	}
	rd.Config.Factor = f
	rd.Config.Negated = delta < 0
	rd.Notes = append(rd.Notes, r.conventionNotes(rd.Config)...)
	if guessedSign {
		rd.Notes = append(rd.Notes, fmt.Sprintf("  (the sign is read from %s's direction, and %s does not fit the loss; the dump has no parameters after the update to confirm it)", dZL, dZL))
	}
	return rd
}

// cosine is the cosine of the angle between the dump's tensor name and
// the value its statement gives (1/m in dW and db, no factor) on the
// dump's own inputs; 0 when either cannot be had or is zero.
func (r *reader) cosine(c net.Config, name string) float64 {
	c.Norm, c.Factor, c.Negated = net.InGradients, 0, false
	p := net.Build(c)
	env := r.env(p)
	i := p.Index(name)
	user := r.arrays[name]
	if i < 0 || user == nil {
		return 0
	}
	want, err := p.Eval(i, nil, env)
	if err != nil || !want.Shape().Equal(user.Shape()) {
		return 0
	}
	var dot, nu, nw float64
	for j, u := range user.Data() {
		w := want.Data()[j]
		dot += u * w
		nu += u * u
		nw += w * w
	}
	if nu == 0 || nw == 0 || math.IsNaN(dot) {
		return 0
	}
	return dot / math.Sqrt(nu*nw)
}

// updateSign is +1 when the dump's parameters after the update moved
// along their gradients (W_next = W + lr·dW: the gradients are negated),
// −1 when against them (W − lr·dW), 0 when the dump has no update or its
// parameters disagree.
func (r *reader) updateSign(c net.Config) int {
	up, down := 0, 0
	for _, name := range c.ParamNames() {
		before, next, grad := r.get(name), r.get(name+"_next"), r.get("d"+name)
		if before == nil || next == nil || grad == nil || len(before.Data()) != len(next.Data()) || len(grad.Data()) != len(next.Data()) {
			continue
		}
		var dot float64
		for j, g := range grad.Data() {
			dot += (next.Data()[j] - before.Data()[j]) * g
		}
		switch {
		case dot > 0:
			up++
		case dot < 0:
			down++
		}
	}
	switch {
	case up > 0 && down == 0:
		return 1
	case down > 0 && up == 0:
		return -1
	}
	return 0
}

// vote returns the constant most gradients agree on among k and 1/m·k
// readings; ties go to the placement that leaves exactly one 1/m with
// dZ_L's constant delta.
func (r *reader) vote(values []float64, delta float64, deltaKnown bool) (float64, bool) {
	m := float64(r.d.Samples)
	count := map[float64]int{}
	var keys []float64
	for _, v := range values {
		matched := false
		for _, k := range keys {
			if close(v, k) {
				count[k]++
				matched = true
				break
			}
		}
		if !matched {
			keys = append(keys, v)
			count[v] = 1
		}
	}
	if len(keys) == 0 {
		return 0, false
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if count[keys[i]] != count[keys[j]] {
			return count[keys[i]] > count[keys[j]]
		}
		// Prefer 1/m when dZ_L has none, 1 when it has one.
		_, perM, _ := r.split(delta)
		pi, pj := close(keys[i]*m, 1), close(keys[j]*m, 1)
		if deltaKnown && perM {
			return !pi && pj
		}
		return pi && !pj
	})
	return keys[0], true
}

// conventionNotes say where the 1/m sits, the factor and the sign.
func (r *reader) conventionNotes(c net.Config) []string {
	L := c.Layers()
	var notes []string
	switch {
	case r.d.Samples == 1:
		notes = append(notes, "normaliser: one sample, so 1/m = 1 wherever it sits")
	case c.Normalised() == net.InGradients:
		notes = append(notes, fmt.Sprintf("normaliser: 1/m in dW and db (m = %d samples)", r.d.Samples))
	case c.Normalised() == net.InDelta:
		notes = append(notes, fmt.Sprintf("normaliser: 1/m in dZ%d (CS231n's placement; m = %d samples), dW and db are plain sums", L, r.d.Samples))
	default:
		notes = append(notes, fmt.Sprintf("normaliser: none — the gradients of the loss summed over the %d samples (%d× the mean's)", r.d.Samples, r.d.Samples))
	}
	if f := c.Factor; f != 0 && f != 1 {
		notes = append(notes, fmt.Sprintf("dZ%d carries a factor %s", L, factorWords(f)))
	}
	if g := c.GradScale(); g != 1 {
		notes = append(notes, fmt.Sprintf("dW and db carry a factor %s", factorWords(g)))
	}
	if c.Negated {
		notes = append(notes, fmt.Sprintf("your gradients are the negative gradient (dZ%d = Y − A%d): right if your update adds them (W += lr·dW)", L, L))
	}
	return notes
}

// factorWords explains a constant: "2 (squared error without the ½)".
func factorWords(f float64) string {
	switch {
	case f == 2:
		return "2 (squared error written without the ½)"
	case f == 0.5:
		return "½"
	case isWholeInverse(f):
		return fmt.Sprintf("1/%g (a mean over the output units)", 1/f)
	case isWholeInverse(f / 2):
		return fmt.Sprintf("2/%g (a mean over the output units, without the ½)", 2/f)
	}
	return fmt.Sprintf("%g", f)
}

func isWholeInverse(f float64) bool {
	inv := 1 / f
	return inv > 1 && inv == math.Trunc(inv)
}
