package lessons

import (
	"fmt"
	"math"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/net/foreign"
	"github.com/backstep/backstep/tracer"
)

// overflowExp is the largest x with a finite exp(x) in float64 (ln of the
// largest double, 1.797e308).
const overflowExp = 709.78

// rawPixelMax is the largest value of an 8-bit pixel: inputs that are whole
// numbers up to it, and above 1, are raw pixels (bugs-and-diagnosis #12).
const rawPixelMax = 255

// explainForward says why a forward value the dump's own parameters do
// not reproduce is what it is: parameters that already hold NaN (the
// network blew up before this step), or parameters dumped after the
// update.
func (r *DumpReport) explainForward(all net.Vars) {
	d := r.Dump
	if bad := nonFiniteParams(d); bad != "" && !strings.HasPrefix(bad, "X") {
		r.BlownUp = bad + ": the network blew up before this step — dump an earlier iteration"
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		if !f.Faulty() || !strings.HasPrefix(f.Tensor, "Z") {
			continue
		}
		l := layerOf(f.Tensor)
		W := fmt.Sprintf("W%d", l)
		if st := tracer.Summarize(d.Vars[W]); st.NaN+st.Inf > 0 {
			f.Cause = fmt.Sprintf("%s already holds %s: the network blew up before this step — dump an earlier iteration", W, nonFiniteWords(st))
			f.DumpMoment = true
			continue
		}
		if lr, ok := updatedBy(d.Program(), all, l, d.Vars[f.Tensor]); ok {
			params := W
			if d.Config.Bias(l) != net.NoBias {
				params += fmt.Sprintf(", b%d", l)
			}
			f.Cause = fmt.Sprintf("your %s do not reproduce your %s; they look updated by lr ≈ %.3g along d%s — dump before the update", params, f.Tensor, lr, W)
			f.DumpMoment = true
		}
	}
}

// beforeUpdate recovers the parameters before the update from a dump
// taken after an in-place one (W -= lr·dW without copies): when every
// layer's dumped Z fits W + lr·dW, b + lr·db with one lr and the dump has
// no parameters after the update, W_before = W + lr·dW exactly (the
// update moved W by the learner's own dW, right or wrong). It returns the
// dump with those parameters and the note that says so; every statement
// but the Z the dump's parameters do not give, and every gradient, is
// then judged on the weights the step ran with.
func beforeUpdate(d *foreign.Dump, all net.Vars) (*foreign.Dump, string, bool) {
	if len(d.Next) > 0 {
		return nil, "", false
	}
	p := d.Program()
	L := d.Config.Layers()
	lr, fitted := 0.0, []string{}
	for l := 1; l <= L; l++ {
		Z := fmt.Sprintf("Z%d", l)
		if !d.Given[Z] {
			continue
		}
		a, ok := updatedBy(p, all, l, d.Vars[Z])
		if !ok || (lr != 0 && math.Abs(a-lr) > 1e-6*lr) {
			return nil, "", false
		}
		lr = a
		fitted = append(fitted, Z)
	}
	if lr == 0 {
		return nil, "", false
	}
	var tp *tracer.Tape
	c := *d
	c.Vars = net.Vars{}
	for k, v := range d.Vars {
		c.Vars[k] = v
	}
	var params []string
	for _, name := range d.Config.ParamNames() {
		now, g := d.Vars[name], all["d"+name]
		if now == nil {
			continue
		}
		if g == nil || !g.Shape().Equal(now.Shape()) {
			return nil, "", false
		}
		c.Vars[name] = p.Label(name, tp.Add(now, tp.Mul(tracer.Scalar(lr), g)))
		params = append(params, name)
	}
	note := fmt.Sprintf("your %s are the parameters after the update: %s fit W + lr·dW with lr ≈ %.3g, so every other tensor is checked with those, the weights before it — dump before the update (np.copy)",
		strings.Join(params, ", "), strings.Join(fitted, ", "), lr)
	return &c, note, true
}

// updatedBy fits Z_user = Z(W + lr·dW, b + lr·db): the dump's W and b are
// the updated ones, Z came from those before. It returns lr when the fit
// is tight.
func updatedBy(p *net.Program, all net.Vars, l int, z *tracer.Array) (float64, bool) {
	W, b, Z := fmt.Sprintf("W%d", l), fmt.Sprintf("b%d", l), fmt.Sprintf("Z%d", l)
	dW, db := all["d"+W], all["d"+b]
	i := p.Index(Z)
	if dW == nil || i < 0 || !dW.Shape().Equal(all[W].Shape()) {
		return 0, false
	}
	now, err := p.Eval(i, nil, all)
	if err != nil || !now.Shape().Equal(z.Shape()) {
		return 0, false
	}
	env := net.Vars{}
	for k, v := range all {
		env[k] = v
	}
	env[W] = dW
	if _, ok := env[b]; ok {
		if db == nil || !db.Shape().Equal(all[b].Shape()) {
			return 0, false
		}
		env[b] = db
	}
	dir, err := p.Eval(i, nil, env) // A·dW + db: Z's change per unit of lr
	if err != nil {
		return 0, false
	}
	res, dv, zn := z.Data(), dir.Data(), now.Data()
	var rd, dd, rr float64
	for k := range res {
		e := res[k] - zn[k]
		rd += e * dv[k]
		dd += dv[k] * dv[k]
		rr += e * e
	}
	if dd == 0 || rr == 0 {
		return 0, false
	}
	lr := rd / dd
	var left float64
	for k := range res {
		e := res[k] - zn[k] - lr*dv[k]
		left += e * e
	}
	return lr, math.Sqrt(left/rr) < 1e-6 && lr > 0
}

// checkUpdates judges the parameters after the update, when the dump has
// them: the learning rate each one moved by, its sign, a parameter that
// did not move or grew a new shape.
func (r *DumpReport) checkUpdates(all net.Vars) {
	d := r.Dump
	if len(d.Next) == 0 {
		return
	}
	p := d.Program()
	type moved struct {
		name string
		lr   float64
	}
	var lrs []moved
	for _, name := range d.Config.ParamNames() {
		next := d.Next[name]
		before, grad := d.Vars[name], all["d"+name]
		if next == nil || before == nil {
			continue
		}
		s, _ := p.Statement(name)
		f := TensorFinding{Tensor: name, Statement: s, Present: true, Shape: next.Shape(), Expected: before.Shape(), Verdict: net.Correct}
		switch {
		case grad == nil:
			f.Verdict, f.Err = net.NotChecked, fmt.Errorf("d%s is not in the dump and could not be computed", name)
		case !next.Shape().Equal(before.Shape()):
			f.Verdict = net.Wrong
			f.Description = fmt.Sprintf("%s grows from %v to %v at its update: d%s has shape %v", name, before.Shape(), next.Shape(), name, grad.Shape())
			f.Relation = tracer.Relation{Kind: tracer.ShapeDiff, Got: next.Shape(), Want: before.Shape()}
		default:
			var tp *tracer.Tape
			delta := tp.Sub(next, before)
			st := tracer.Summarize(delta)
			gs := tracer.Summarize(grad)
			if st.Zeros == st.Count && gs.Zeros < gs.Count {
				f.Verdict = net.Wrong
				f.Description = fmt.Sprintf("%s does not move although d%s is not zero: the update's result goes elsewhere (d%s = %s - lr * d%s assigns it to d%s)", name, name, name, name, name, name)
				break
			}
			if !grad.Shape().Equal(delta.Shape()) {
				f.Verdict, f.Err = net.NotChecked, fmt.Errorf("d%s %v does not have %s's shape %v", name, grad.Shape(), name, before.Shape())
				break
			}
			rel := tracer.Relate(delta, grad)
			switch rel.Kind {
			case tracer.Scaled, tracer.Negated:
				lrs = append(lrs, moved{name, -rel.Alpha})
			case tracer.Same:
				lrs = append(lrs, moved{name, -1})
			default:
				// Momentum and Adam move a weight along more than this
				// step's gradient: not plain gradient descent, so not a
				// verdict either way.
				f.Verdict = net.NotChecked
				f.Relation = rel
				f.Err = fmt.Errorf("%s_next − %s is no multiple of d%s (relative error %.2g): not plain gradient descent (momentum, Adam?) — or an update along another gradient or from another weight; the update is not checked", name, name, name, rel.RelError)
			}
		}
		r.Findings = append(r.Findings, f)
	}
	if len(lrs) == 0 {
		r.noteFirst()
		return
	}
	// The learning rate most parameters moved by.
	count := map[int]int{}
	for i, a := range lrs {
		for j, b := range lrs {
			if nearly(a.lr, b.lr) {
				count[i]++
				_ = j
			}
		}
	}
	best := 0
	for i := range lrs {
		if count[i] > count[best] {
			best = i
		}
	}
	lr := lrs[best].lr
	d.Config.LR = math.Abs(lr)
	ascent := lr < 0 != d.Config.Negated
	for _, mv := range lrs {
		f := r.finding(mv.name)
		if f == nil {
			continue
		}
		if !nearly(mv.lr, lr) && (mv.lr < 0) == (lr < 0) {
			f.Cause = fmt.Sprintf("%s moves with a learning rate of its own, %.4g, where the others use %.4g", mv.name, math.Abs(mv.lr), math.Abs(lr))
		} else if !nearly(mv.lr, lr) {
			f.Verdict = net.Wrong
			f.Description = fmt.Sprintf("%s moves against the others: lr %.4g where they use %.4g — one of the updates has the wrong sign", mv.name, mv.lr, lr)
		}
	}
	if ascent {
		L := d.Config.Layers()
		dZ := fmt.Sprintf("dZ%d", L)
		if d.Config.Negated {
			if f := r.finding(dZ); f != nil {
				f.Verdict = net.Wrong
				f.Description = fmt.Sprintf("%s = Y − A%d is the negative gradient, and your update subtracts it (W − lr·dW): gradient ascent", dZ, L)
				f.Bug = "sign-flip"
				r.addBug("sign-flip")
			}
		} else {
			for _, mv := range lrs {
				if f := r.finding(mv.name); f != nil {
					f.Verdict = net.Wrong
					f.Description = fmt.Sprintf("%s = %s + lr·d%s adds the gradient: gradient ascent", mv.name, mv.name, mv.name)
					f.Bug = "sign-flip"
				}
			}
			r.addBug("sign-flip")
		}
	}
	r.noteFirst()
}

// noteFirst sets First to the first faulty finding in order.
func (r *DumpReport) noteFirst() {
	r.First = ""
	for _, f := range r.Findings {
		if f.Faulty() {
			r.First = f.Tensor
			return
		}
	}
}

// checkData looks at the inputs and the loss: raw pixels or inputs far
// outside [−1, 1], a summed loss, and the first NaN or Inf of the step
// traced to the operation and the value that produced it.
func (r *DumpReport) checkData(all net.Vars) {
	d := r.Dump
	x := tracer.Summarize(d.Vars["X"])
	raw := false
	if x.Max > 1 && x.Max <= rawPixelMax && wholeNumbers(d.Vars["X"]) {
		raw = true
		r.Warnings = append(r.Warnings, fmt.Sprintf("X's values are whole numbers up to %g: raw 0–255 pixels? divide by 255 (no-normalize: backstep lesson show no-normalize)", x.Max))
		r.addBug("no-normalize")
	} else if big := math.Max(math.Abs(x.Min), math.Abs(x.Max)); big > 10 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("X reaches %.4g, far outside [−1, 1]: scale or standardise the inputs (no-normalize)", big))
	}
	// A cross-entropy is a mean in every course's formula (CS231n, Ng); a
	// summed one makes every gradient m× the mean's, which a learning rate
	// chosen for the mean cannot absorb. The sum of squared errors is the
	// textbook SSE: summed squared error is a convention, not a bug.
	crossEntropy := d.Config.LossKind() != net.SquaredError
	if f := r.finding("loss"); f != nil && f.Present && f.Verdict == net.Correct && d.Config.Normalised() == net.NoNormaliser && d.Samples > 1 && crossEntropy {
		f.Verdict = net.Wrong
		f.Description = fmt.Sprintf("the loss is summed over the %d samples: every gradient is %d× the mean's — divide by m", d.Samples, d.Samples)
		mean := d.Config
		mean.Norm = net.InGradients
		f.Statement, _ = net.Build(mean).Statement("loss")
		f.Bug = "sum-loss"
		r.addBug("sum-loss")
	} else if f != nil && f.Bug == "sum-loss" {
		f.Description = fmt.Sprintf("the loss is summed over the %d samples while your gradients are the mean's — divide by m", d.Samples)
	}
	r.traceNonFinite(all, raw)
	r.noteFirst()
}

func wholeNumbers(a *tracer.Array) bool {
	for _, v := range a.Data() {
		if v != math.Trunc(v) {
			return false
		}
	}
	return true
}

// traceNonFinite finds the first statement of the step whose value holds a
// NaN or an Inf while its inputs do not, and the operation inside it that
// made the first one: exp of a value above 709.78, log of 0, 0/0.
func (r *DumpReport) traceNonFinite(all net.Vars, raw bool) {
	d := r.Dump
	p := d.Program()
	for i, s := range p.Statements {
		if s.Phase == net.Update || s.Phase == net.Metric {
			continue
		}
		v := all[s.Name]
		if v == nil || finite(v) {
			continue
		}
		clean := true
		for _, in := range s.Inputs {
			if a := all[in]; a != nil && !finite(a) {
				clean = false
			}
		}
		if !clean {
			return // inherited: the first one is reported
		}
		tp := &tracer.Tape{}
		_, _ = p.Eval(i, tp, all)
		cause := fmt.Sprintf("%s holds %s", s.Name, nonFiniteWords(tracer.Summarize(v)))
		if k := tp.FirstNonFinite(); k >= 0 {
			cause += ": " + opCause(tp.Events[k], all)
		} else if over := overflowingInput(s, all); over != "" {
			cause += ": " + over
		} else if d.Given[s.Name] {
			cause += ", though backstep's statement gives finite values on your inputs"
		}
		if raw {
			cause += " — the inputs are raw pixels (no-normalize)"
		}
		f := r.finding(s.Name)
		if f == nil {
			return
		}
		f.Cause = cause
		if raw && f.Bug == "" {
			f.Bug = "no-normalize"
		}
		if !f.Faulty() {
			f.Verdict = net.Wrong
			f.Description = "overflows: " + cause
		}
		return
	}
}

// overflowingInput finds an input of a statement that takes an exp whose
// values pass 709.78: the learner's exp overflowed where backstep's, which
// subtracts the max first, does not.
func overflowingInput(s net.Statement, all net.Vars) string {
	if !strings.Contains(s.NumPy, "exp") {
		return ""
	}
	for _, in := range s.Inputs {
		if a := all[in]; a != nil {
			if st := tracer.Summarize(a); st.Max > overflowExp {
				return fmt.Sprintf("exp of %s = %.4g > %g overflows to Inf, and Inf/Inf is NaN — subtract %s's max before exp",
					in, st.Max, overflowExp, in)
			}
		}
	}
	return ""
}

// opCause says which operand value made an operation non-finite.
func opCause(e tracer.Event, all net.Vars) string {
	in := ""
	if len(e.Inputs) > 0 {
		in = e.Inputs[0].Name
	}
	var st tracer.Stats
	if a := all[in]; a != nil {
		st = tracer.Summarize(a)
	}
	switch e.Op {
	case "exp":
		if st.Max > overflowExp {
			return fmt.Sprintf("exp of %s = %.4g > %g overflows to Inf", nameOr(in, "its input"), st.Max, overflowExp)
		}
		return fmt.Sprintf("exp of %s overflows: values above %g", nameOr(in, "its input"), overflowExp)
	case "log":
		return fmt.Sprintf("log of %s, which reaches 0 (log 0 = −Inf)", nameOr(in, "its input"))
	case "divide":
		return "a division of Inf by Inf or 0 by 0 gives NaN"
	}
	return fmt.Sprintf("%s gives NaN or Inf", e.Op)
}

func nameOr(name, alt string) string {
	if name == "" {
		return alt
	}
	return name
}
