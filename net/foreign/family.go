package foreign

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// matchTolerance is how close A must come to f(Z) for f to be read as the
// activation: far above float64 rounding, far below any other function.
// Dumps stored as float32 get 1e-4 (their values carry 7 digits).
func (r *reader) matchTolerance() float64 {
	for _, w := range r.f.Warnings {
		if strings.Contains(w, "float16") {
			return 1e-2
		}
		if strings.Contains(w, "float32") {
			return 1e-4
		}
	}
	return 1e-6
}

// readFamily reads the hidden activation, the output layer, the loss and
// the conventions of the gradients.
func (r *reader) readFamily() error {
	cfg := r.d.Config
	act, acts, note := r.hiddenActivation()
	cfg.Act, cfg.Acts = act, acts
	r.d.Notes = append(r.d.Notes, note)
	r.d.Config = cfg
	outputs := r.outputs()
	var readings []Reading
	for _, out := range outputs {
		for _, loss := range r.losses(out.act) {
			c := cfg
			c.Output, c.Loss = out.act, loss.kind
			if err := c.Validate(); err != nil {
				continue
			}
			rd := r.convention(c)
			rd.Notes = append([]string{out.note, loss.note(rd.Config)}, rd.Notes...)
			rd.Decided = rd.Decided && loss.sure && out.sure
			readings = append(readings, rd)
		}
	}
	if len(readings) == 0 {
		return fmt.Errorf("foreign: no output and loss fit these arrays (outputs tried: %s): give --output and --loss", outputNames(outputs))
	}
	// Readings the dump's own evidence decides come first, in their order.
	sort.SliceStable(readings, func(i, j int) bool { return readings[i].Decided && !readings[j].Decided })
	r.d.Readings = readings
	r.d.Config = readings[0].Config
	r.d.Inferred = readings[0].Notes
	return nil
}

func outputNames(outs []outputCandidate) string {
	var s []string
	for _, o := range outs {
		s = append(s, string(o.act))
	}
	return strings.Join(s, ", ")
}

// hiddenActivation matches each hidden layer's A against tanh, sigmoid and
// relu of its Z. Layers the dump has no Z and A for take the activation of
// the nearest layer that has them; --act sets every layer.
func (r *reader) hiddenActivation() (net.Activation, []net.Activation, string) {
	var tp *tracer.Tape
	L := r.d.Config.Layers()
	tol := r.matchTolerance()
	if r.o.Act != "" {
		return r.o.Act, nil, fmt.Sprintf("hidden activation %s from --act", r.o.Act)
	}
	if L == 1 {
		return net.Tanh, nil, "no hidden layer: a logistic or softmax regression"
	}
	found := make([]net.Activation, L) // found[l], l = 1 … L−1
	var evidence []string
	unmatched := 0
	prev := r.get("X") // layer l's input, when known
	for l := 1; l < L; l++ {
		z, a := r.get(fmt.Sprintf("Z%d", l)), r.get(fmt.Sprintf("A%d", l))
		computed := false
		if z == nil && a != nil && prev != nil {
			// No Z: the layer's product with its own input is Z.
			z, computed = r.preActivation(l, prev), true
		}
		if z == nil || a == nil || !z.Shape().Equal(a.Shape()) {
			prev = nil
			if a != nil {
				prev = a
			}
			continue
		}
		prev = a
		var matched []net.Activation
		for _, act := range []net.Activation{net.Tanh, net.Sigmoid, net.ReLU} {
			if matches(a, activation(tp, act, z), tol) {
				matched = append(matched, act)
			}
		}
		if len(matched) == 1 {
			found[l] = matched[0]
			if computed {
				evidence = append(evidence, fmt.Sprintf("A%d = %s(Z%d) with Z%d from %s, W%d, b%d", l, matched[0], l, l, prevName(l), l, l))
			} else {
				evidence = append(evidence, fmt.Sprintf("A%d = %s(Z%d)", l, matched[0], l))
			}
		} else {
			unmatched = l
		}
	}
	// Fill the layers without evidence from their neighbours.
	for pass := 0; pass < L; pass++ {
		for l := 1; l < L; l++ {
			if found[l] != "" {
				continue
			}
			if l > 1 && found[l-1] != "" {
				found[l] = found[l-1]
			} else if l+1 < L && found[l+1] != "" {
				found[l] = found[l+1]
			}
		}
	}
	if found[1] == "" {
		why := "the dump has no Z1 and A1 to tell"
		if unmatched > 0 {
			why = fmt.Sprintf("A%d matches none of tanh, sigmoid, relu of Z%d", unmatched, unmatched)
		}
		if unmatched > 0 {
			r.d.ActUnknown = true
			return net.Tanh, nil, fmt.Sprintf("hidden activation unknown: %s — A%d and the deltas through it are not checked (give --act if it is one of them)", why, unmatched)
		}
		r.d.ActAssumed = true
		return net.Tanh, nil, fmt.Sprintf("hidden activation tanh by default: %s (give --act)", why)
	}
	acts := found[1:]
	same := true
	for _, a := range acts {
		same = same && a == acts[0]
	}
	text := fmt.Sprintf("hidden activation %s: %s in the dump", acts[0], strings.Join(evidence, ", "))
	if !same {
		names := make([]string, len(acts))
		for i, a := range acts {
			names[i] = string(a)
		}
		return acts[0], acts, fmt.Sprintf("hidden activations %s: %s in the dump", strings.Join(names, ", "), strings.Join(evidence, ", "))
	}
	return acts[0], nil, text
}

// preActivation is Z_l = A_{l−1}·W_l + b_l (or W_l·A_{l−1} + b_l) from the
// dump's weights and the given layer input, nil when it cannot be
// computed.
func (r *reader) preActivation(l int, prev *tracer.Array) *tracer.Array {
	p := net.Build(r.d.Config)
	i := p.Index(fmt.Sprintf("Z%d", l))
	if i < 0 {
		return nil
	}
	env := net.Vars{prevName(l): prev}
	for _, n := range []string{fmt.Sprintf("W%d", l), fmt.Sprintf("b%d", l)} {
		if a := r.get(n); a != nil {
			env[n] = a
		}
	}
	z, err := p.Eval(i, nil, env)
	if err != nil {
		return nil
	}
	return z
}

func prevName(l int) string {
	if l == 1 {
		return "X"
	}
	return fmt.Sprintf("A%d", l-1)
}

// activation applies a hidden activation as the reference step does.
func activation(tp *tracer.Tape, act net.Activation, z *tracer.Array) *tracer.Array {
	switch act {
	case net.Sigmoid:
		return tp.Sigmoid(z)
	case net.ReLU:
		return tp.Maximum(z, tracer.Scalar(0))
	case net.Tanh:
		return tp.Tanh(z)
	}
	return z
}

// matches reports whether got equals want to a relative tolerance.
func matches(got, want *tracer.Array, tol float64) bool {
	if !got.Shape().Equal(want.Shape()) {
		return false
	}
	rel := tracer.Relate(got, want)
	return rel.Kind == tracer.Same || rel.Kind != tracer.NonFinite && rel.Kind != tracer.ShapeDiff && rel.RelError <= tol
}

// outputCandidate is an output activation the arrays allow.
type outputCandidate struct {
	act  net.Activation
	note string
	sure bool
}

// outputs lists the output activations the dump allows, the likeliest
// first: from --output, from A_L against Z_L, from A_L's values alone, or
// from Y when the dump has neither.
func (r *reader) outputs() []outputCandidate {
	cfg := r.d.Config
	L := cfg.Layers()
	A, Z := fmt.Sprintf("A%d", L), fmt.Sprintf("Z%d", L)
	a, z := r.get(A), r.get(Z)
	if r.o.Output != "" {
		return []outputCandidate{{r.o.Output, fmt.Sprintf("output %s from --output", r.o.Output), true}}
	}
	var tp *tracer.Tape
	tol := r.matchTolerance()
	classAxis, sampleAxis := 1, 0
	if cfg.Layout == net.Cols {
		classAxis, sampleAxis = 0, 1
	}
	softmax := func(axis int) *tracer.Array {
		e := tp.Exp(tp.Sub(z, tp.Max(z, axis, true)))
		return tp.Div(e, tp.Sum(e, axis, true))
	}
	if a != nil && z != nil && a.Shape().Equal(z.Shape()) {
		if cfg.Classes > 1 && matches(a, softmax(classAxis), tol) {
			return []outputCandidate{{net.Softmax, fmt.Sprintf("output softmax: %s = softmax(%s) over the classes", A, Z), true}}
		}
		for _, f := range []net.Activation{net.Sigmoid, net.Tanh, net.Linear} {
			if matches(a, activation(tp, f, z), tol) {
				return []outputCandidate{{f, fmt.Sprintf("output %s: %s = %s", f, A, outputFormula(f, Z)), true}}
			}
		}
		if cfg.Classes > 1 && r.d.Samples > 1 && matches(a, softmax(sampleAxis), tol) {
			return []outputCandidate{{net.Softmax, fmt.Sprintf("output softmax: %s is a softmax of %s, over the samples (axis %d)", A, Z, sampleAxis), true}}
		}
	}
	if a != nil {
		if cfg.Classes > 1 && sumsToOne(a, classAxis) {
			return []outputCandidate{{net.Softmax, fmt.Sprintf("output softmax: %s sums to 1 over the classes", A), true}}
		}
		if cfg.Classes > 1 && r.d.Samples > 1 && sumsToOne(a, sampleAxis) {
			return []outputCandidate{{net.Softmax, fmt.Sprintf("output softmax: %s sums to 1 over the samples (axis %d), a softmax over the wrong axis", A, sampleAxis), true}}
		}
	}
	// No A_L to tell: the output whose loss's delta the dump's dZ_L is.
	if a == nil && z != nil && r.get(fmt.Sprintf("dZ%d", L)) != nil {
		type pair struct {
			out  net.Activation
			loss net.LossKind
		}
		for _, c := range []pair{{net.Linear, net.SquaredError}, {net.Softmax, net.CrossEntropy},
			{net.Sigmoid, net.BinaryCrossEntropy}, {net.Sigmoid, net.SquaredError}, {net.Tanh, net.SquaredError}} {
			cc := cfg
			cc.Output, cc.Loss = c.out, c.loss
			if cc.Validate() == nil && r.deltaFits(cc) {
				return []outputCandidate{{c.out, fmt.Sprintf("output %s: the dump has %s but no %s, and dZ%d fits %s's delta", c.out, Z, A, L, c.out), true}}
			}
		}
	}
	// Neither tells: go by the targets.
	why := fmt.Sprintf("no %s and %s to tell", A, Z)
	if a == nil && z != nil {
		why = fmt.Sprintf("the dump has %s but no %s", Z, A)
	}
	if a != nil {
		why = fmt.Sprintf("%s matches no output of %s", A, Z)
		if z == nil {
			why = fmt.Sprintf("the dump has %s but no %s", A, Z)
		}
	}
	assumed := func(act net.Activation, because string) outputCandidate {
		return outputCandidate{act, fmt.Sprintf("output %s assumed from Y (%s; %s): give --output if not", act, because, why), false}
	}
	st := tracer.Summarize(r.get("Y"))
	switch r.d.Targets {
	case "one-hot", "class numbers":
		if cfg.Classes > 1 {
			return []outputCandidate{assumed(net.Softmax, r.d.Targets), assumed(net.Sigmoid, r.d.Targets)}
		}
	case "binary 0/1 targets", "multi-label 0/1 targets":
		return []outputCandidate{assumed(net.Sigmoid, r.d.Targets)}
	}
	if st.Min >= -1 && st.Max <= 1 {
		return []outputCandidate{assumed(net.Linear, "real-valued targets"), assumed(net.Tanh, "real-valued targets in [−1, 1]")}
	}
	return []outputCandidate{assumed(net.Linear, "real-valued targets")}
}

func outputFormula(f net.Activation, z string) string {
	switch f {
	case net.Sigmoid:
		return "σ(" + z + ")"
	case net.Tanh:
		return "tanh(" + z + ")"
	}
	return z + " (linear)"
}

// sumsToOne reports whether every slice along axis sums to 1.
func sumsToOne(a *tracer.Array, axis int) bool {
	var tp *tracer.Tape
	if a.Rank() != 2 {
		return false
	}
	for _, v := range tp.Sum(a, axis, false).Data() {
		if math.Abs(v-1) > 1e-6 {
			return false
		}
	}
	return true
}

// lossCandidate is a loss the output allows.
type lossCandidate struct {
	kind net.LossKind
	why  string
	sure bool
}

func (l lossCandidate) note(cfg net.Config) string {
	return fmt.Sprintf("loss %s: %s", LossWords(cfg), l.why)
}

// LossWords names the loss with its reduction: "binary cross-entropy
// (mean)", "squared error (½, sum)".
func LossWords(cfg net.Config) string {
	red := "mean over the samples"
	if cfg.Normalised() == net.NoNormaliser {
		red = "summed over the samples"
	}
	// The loss's constant besides 1/m: 2 drops the ½ of squared error,
	// 1/K averages over the K outputs too (np.mean over every element).
	k := math.Abs(cfg.DeltaFactor()) * cfg.GradScale()
	units := float64(cfg.Classes)
	if units > 1 && (close(k*units, 1) || close(k*units, 2)) {
		red += fmt.Sprintf(" and the %d outputs", cfg.Classes)
		k *= units
	}
	switch cfg.LossKind() {
	case net.BinaryCrossEntropy:
		return "binary cross-entropy (" + red + constantWords(k) + ")"
	case net.SquaredError:
		switch {
		case k == 1:
			return "squared error (with ½, " + red + ")"
		case close(k, 2):
			return "squared error (without ½, " + red + ")"
		}
		return fmt.Sprintf("squared error (with ½ × %g, %s)", k, red)
	}
	return "cross-entropy (" + red + constantWords(k) + ")"
}

// losses lists the losses the output allows, the likeliest first. For
// sigmoid outputs the dump's dZ_L decides: A − Y is binary cross-entropy,
// (A − Y)·A·(1 − A) squared error; its loss value decides too.
func (r *reader) losses(out net.Activation) []lossCandidate {
	if r.o.Loss != "" {
		return []lossCandidate{{r.o.Loss, "from --loss", true}}
	}
	switch out {
	case net.Softmax:
		return []lossCandidate{{net.CrossEntropy, "the softmax's loss", true}}
	case net.Tanh, net.Linear:
		return []lossCandidate{{net.SquaredError, fmt.Sprintf("a %s output's loss", out), true}}
	}
	L := r.d.Config.Layers()
	dZ := fmt.Sprintf("dZ%d", L)
	// The loss the dump holds says which it is, whatever dZ_L says: a
	// dZ_L that fits the other loss is then the fault.
	var lossFits []net.LossKind
	for _, kind := range []net.LossKind{net.BinaryCrossEntropy, net.SquaredError} {
		c := r.d.Config
		c.Output, c.Loss = out, kind
		if a, ok := r.ratio(c, "loss"); ok && r.nice(a) {
			lossFits = append(lossFits, kind)
		}
	}
	if len(lossFits) == 1 {
		other := net.SquaredError
		if lossFits[0] == net.SquaredError {
			other = net.BinaryCrossEntropy
		}
		return []lossCandidate{
			{lossFits[0], "the dump's loss value is this loss (up to its constant)", true},
			{other, "the dump's loss value is not this loss", false},
		}
	}
	var fits []net.LossKind
	for _, kind := range []net.LossKind{net.BinaryCrossEntropy, net.SquaredError} {
		c := r.d.Config
		c.Output, c.Loss = out, kind
		if r.deltaFits(c) {
			fits = append(fits, kind)
		}
	}
	if len(fits) == 1 {
		other := net.SquaredError
		if fits[0] == net.SquaredError {
			other = net.BinaryCrossEntropy
		}
		return []lossCandidate{
			{fits[0], fmt.Sprintf("%s fits it (up to its constant)", dZ), true},
			{other, fmt.Sprintf("%s does not fit it", dZ), false},
		}
	}
	why := fmt.Sprintf("the dump has no %s to tell; give --loss if not", dZ)
	if r.get(dZ) != nil {
		why = fmt.Sprintf("%s fits neither binary cross-entropy nor squared error; give --loss if not", dZ)
	}
	bce := lossCandidate{net.BinaryCrossEntropy, "assumed: " + why, false}
	se := lossCandidate{net.SquaredError, "assumed: " + why, false}
	if r.d.Targets == "one-hot" || r.d.Targets == "real-valued targets" {
		return []lossCandidate{se, bce}
	}
	return []lossCandidate{bce, se}
}

// deltaFits reports whether the dump's dZ_L is the loss's output delta
// times one of the constants learners put there.
func (r *reader) deltaFits(c net.Config) bool {
	L := c.Layers()
	user := r.get(fmt.Sprintf("dZ%d", L))
	if user == nil {
		return false
	}
	alpha, ok := r.ratio(c, fmt.Sprintf("dZ%d", L))
	return ok && r.nice(alpha)
}

// ratio evaluates the statement that assigns name in the step Build
// writes for c (1/m in dW and db, no factor) on the dump's values, and
// returns α with the dump's value = α × the statement's, if there is one.
func (r *reader) ratio(c net.Config, name string) (float64, bool) {
	c.Norm, c.Factor, c.Negated = net.InGradients, 0, false
	p := net.Build(c)
	env := r.env(p)
	i := p.Index(name)
	if i < 0 || env[name] == nil {
		return 0, false
	}
	user := r.arrays[name]
	if user == nil {
		return 0, false
	}
	want, err := p.Eval(i, nil, env)
	if err != nil {
		return 0, false
	}
	rel := tracer.Relate(user, want)
	switch rel.Kind {
	case tracer.Same:
		return 1, true
	case tracer.Negated, tracer.Scaled:
		return rel.Alpha, true
	}
	if rel.Kind == tracer.Unrelated && rel.RelError <= r.matchTolerance() {
		return 1, true
	}
	return 0, false
}

// env binds the dump's arrays and computes, in the program's order, every
// value of the step it lacks, each from the dump's own values where it
// has them. Statements that fail leave their value unbound.
func (r *reader) env(p *net.Program) net.Vars {
	key := fmt.Sprintf("%v|%v|%v|%v|%v", p.Config.Output, p.Config.Loss, p.Config.Act, p.Config.Acts, p.Config.Biases)
	if v, ok := r.envs[key]; ok {
		return v
	}
	v := net.Vars{}
	for name, a := range r.arrays {
		v[name] = a
	}
	for i, s := range p.Statements {
		if s.Phase == net.Update || s.Phase == net.Metric {
			continue
		}
		if _, given := r.arrays[s.Name]; given {
			continue
		}
		ready := true
		for _, in := range s.Inputs {
			if v[in] == nil {
				ready = false
			}
		}
		if !ready {
			continue
		}
		if out, err := p.Eval(i, nil, v); err == nil {
			v[s.Name] = out
		}
	}
	if r.envs == nil {
		r.envs = map[string]net.Vars{}
	}
	r.envs[key] = v
	return v
}

// constantWords names a cross-entropy's constant other than 1.
func constantWords(k float64) string {
	if close(k, 1) {
		return ""
	}
	return fmt.Sprintf(", × %g", k)
}
