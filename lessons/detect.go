package lessons

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// Finding is one symptom a detector saw in a run.
type Finding struct {
	ID      string `json:"id"`
	Epoch   int    `json:"epoch,omitempty"` // where it was first seen (0: not tied to one)
	Message string `json:"message"`
}

// Detector thresholds. Where a published tool has one, it is used and
// cited; the others are ours, with the reason next to them.
const (
	// LossAtInitTolerance: the loss at init should be ln K (Karpathy, "A
	// Recipe for Training Neural Networks"; CS231n neural-networks-3:
	// 2.302 for 10 classes). Small random weights give nearly uniform
	// outputs, within 0.01 of ln K here; we flag a gap over 10 % of ln K.
	LossAtInitTolerance = 0.10
	// BelowChanceFactor: accuracy under half of chance (1/K) is not "not
	// learning" but learning the opposite: a network that learns nothing
	// stays near 1/K, one that climbs the loss (sign-flip) falls far below.
	BelowChanceFactor = 0.5
	// CollapseShare: one class taking 90 % of the predictions is the
	// one-bar histogram of a NaN → argmax 0 or a wrong-axis softmax; no
	// MNIST class holds more than 11.35 % of the test labels.
	CollapseShare = 0.9
	// SaturationShare: more than 50 % of pre-activations with |z| ≥ 5
	// (DeepDiagnosis, ICSE'22).
	SaturationShare = 0.5
	// DeadShare: at least 70 % of relu outputs at 0 (DeepDiagnosis's dead
	// node rule; AutoTrainer's dying-ReLU γ is also 0.7).
	DeadShare = 0.7
	// AutoTrainer (ICSE'21, utils/monitor.py): vanishing when
	// ‖∇W_first‖/‖∇W_last‖ < 1e-3 and ‖∇W_first‖ < 1e-4; exploding when
	// the ratio exceeds 70. Checks start after 30 % of the epochs.
	VanishingRatio = 1e-3
	VanishingNorm  = 1e-4
	ExplodingRatio = 70
	JudgmentPoint  = 0.3
	// LargeLoss: AutoTrainer treats a loss of 1e3 or more as broken.
	LargeLoss = 1e3
	// RowSumTolerance: a softmax row must sum to 1; AutoTrainer flags a row
	// whose Σ|output| exceeds ω₂ + 0.1 = 1.1.
	RowSumTolerance = 0.1
	// UpdateRatio bounds: lr·‖ΔW‖/‖W‖ outside [1e-5, 1e-1] points at the
	// learning rate (DeepDiagnosis; CS231n suggests about 1e-3).
	UpdateRatioLow  = 1e-5
	UpdateRatioHigh = 1e-1
	// SlowGain: AutoTrainer's slow convergence, the largest one-epoch
	// accuracy gain under δ = 0.01.
	SlowGain = 0.01
	// MetricTolerance: a reported accuracy more than half a percentage
	// point from the recomputed one is not rounding.
	MetricTolerance = 0.005
	// ExpOverflow: exp(x) is +Inf in float64 above this.
	ExpOverflow = 709.78
)

// Detect runs every detector over a finished run and returns what they
// found, in a fixed order.
func Detect(r *Run) []Finding {
	var fs []Finding
	add := func(f *Finding) {
		if f != nil {
			fs = append(fs, *f)
		}
	}
	add(detectShapeError(r))
	add(detectLossAtInit(r))
	add(detectOutputSums(r))
	add(detectLossMismatch(r))
	add(detectBelowChance(r))
	add(detectCollapse(r))
	add(detectSaturation(r))
	add(detectDeadUnits(r))
	add(detectIdenticalUnits(r))
	add(detectGradientFlow(r, true))
	add(detectGradientFlow(r, false))
	add(detectNaN(r))
	add(detectShapeDrift(r))
	add(detectHeldoutError(r))
	add(detectMetricMismatch(r))
	add(detectLossRising(r))
	add(detectSlowConvergence(r))
	add(detectUpdateRatio(r))
	add(detectGradientCheck(r))
	return fs
}

func pct(x float64) string {
	if math.IsNaN(x) {
		return "NaN"
	}
	return fmt.Sprintf("%.2f %%", 100*x)
}

func num(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Inf"
	case math.IsInf(x, -1):
		return "-Inf"
	case x != 0 && (math.Abs(x) >= 1e4 || math.Abs(x) < 1e-3):
		return fmt.Sprintf("%.2e", x)
	}
	return fmt.Sprintf("%.4g", x)
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// judged returns the epochs (0-based) a trend detector looks at: those
// after AutoTrainer's judgment point, at least the last one.
func judged(n int) []int {
	var idx []int
	for i := int(JudgmentPoint * float64(n)); i < n; i++ {
		idx = append(idx, i)
	}
	return idx
}

func detectShapeError(r *Run) *Finding {
	var se *net.StatementError
	if r.Err == nil || !errors.As(r.Err, &se) {
		return nil
	}
	epoch := len(r.Epochs) + 1
	return &Finding{ID: "shape-error", Epoch: epoch, Message: fmt.Sprintf("training stopped in epoch %d: %s fails: %v",
		epoch, se.Statement.NumPy, se.Err)}
}

func detectLossAtInit(r *Run) *Finding {
	if len(r.Observations) == 0 {
		return nil
	}
	o := r.FirstStep
	if o.Samples == 0 {
		o = r.Observations[0]
	}
	ce := o.CrossEntropy
	want, wantText := chanceLoss(r.Config, o.Classes)
	if !isFinite(ce) || math.Abs(ce-want) <= LossAtInitTolerance*want {
		return nil
	}
	lnN := math.Log(float64(o.Samples))
	msg := fmt.Sprintf("%s at init %s, expected %s", LossName(r.Config), num(ce), wantText)
	switch {
	case r.Config.OutputAct() == net.Softmax && math.Abs(ce-lnN) <= LossAtInitTolerance*lnN && o.RowSumError > RowSumTolerance:
		msg += fmt.Sprintf("; it is ≈ ln %d = %s, the number of samples: the softmax normalises over the samples, so each output is about 1/%d",
			o.Samples, num(lnN), o.Samples)
	case ce > want:
		msg += "; far above: the first outputs are confident and wrong"
		switch {
		case len(o.Saturation) > 0 && isFinite(o.Saturation[0]):
			msg += fmt.Sprintf(" (%s of Z1 has |z| ≥ %d, max |Z1| %s): weights or inputs too large",
				pct(o.Saturation[0]), SaturationZ, num(o.MaxAbsZ[0]))
		case len(o.MaxAbsZ) > 0:
			msg += fmt.Sprintf(" (max |Z1| %s): weights or inputs too large", num(o.MaxAbsZ[0]))
		}
	default:
		msg += "; below it: the network starts out knowing the answers, which random weights cannot"
	}
	return &Finding{ID: "loss-at-init", Epoch: 1, Message: msg}
}

func detectOutputSums(r *Run) *Finding {
	for i, o := range r.Observations {
		if o.RowSumError > RowSumTolerance {
			return &Finding{ID: "output-sums", Epoch: i + 1, Message: fmt.Sprintf(
				"each sample's outputs should sum to 1 over the %d classes; they are off by %s on average (AutoTrainer's bound: 0.1)",
				o.Classes, num(o.RowSumError))}
		}
	}
	return nil
}

func detectLossMismatch(r *Run) *Finding {
	for i, e := range r.Epochs {
		l, ce := e.Loss, e.CrossEntropy
		switch {
		case !isFinite(l) && isFinite(ce):
			return &Finding{ID: "loss-mismatch", Epoch: i + 1, Message: fmt.Sprintf(
				"epoch %d: the program's loss is %s while the %s recomputed from the outputs is %s: "+
					"a 0 · log(0) term for a class whose output is exactly 0", i+1, num(l), LossName(r.Config), num(ce))}
		case isFinite(l) && isFinite(ce) && ce > 0 && math.Abs(l/ce-1) > 0.01:
			ratio := l / ce
			msg := fmt.Sprintf("the program's loss %s is %s × the mean %s %s", num(l), num(ratio), LossName(r.Config), num(ce))
			n, d := float64(r.Train), float64(r.Config.Inputs)
			if r.Train > 0 && math.Abs(ratio-n/d) <= 0.01*n/d {
				msg += fmt.Sprintf(" = %d samples / %d features: it is divided by m = %d, the features", r.Train, r.Config.Inputs, r.Config.Inputs)
			}
			return &Finding{ID: "loss-mismatch", Epoch: i + 1, Message: msg}
		}
	}
	return nil
}

func detectBelowChance(r *Run) *Finding {
	K := float64(r.Config.Classes)
	best := -1
	for i := 1; i < len(r.Epochs); i++ {
		a := r.Epochs[i].Accuracy
		if a < BelowChanceFactor/K && (best < 0 || a < r.Epochs[best].Accuracy) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	first := 0
	for i := 1; i < len(r.Epochs); i++ {
		if r.Epochs[i].Accuracy < BelowChanceFactor/K {
			first = i
			break
		}
	}
	return &Finding{ID: "below-chance", Epoch: first + 1, Message: fmt.Sprintf(
		"training accuracy fell below half of chance (1/%d = %s) at epoch %d, down to %s at epoch %d: the network learns the opposite of the labels",
		r.Config.Classes, pct(1/K), first+1, pct(r.Epochs[best].Accuracy), best+1)}
}

// detectCollapse reports a collapse that lasts to the end of the run
// (early epochs can pass through one on the way to learning).
func detectCollapse(r *Run) *Finding {
	n := len(r.Observations)
	if n == 0 {
		return nil
	}
	last := r.Observations[n-1]
	c, share := last.TopClass()
	if share < CollapseShare {
		return nil
	}
	from := n
	for from > 1 {
		pc, ps := r.Observations[from-2].TopClass()
		if ps < CollapseShare || pc != c {
			break
		}
		from--
	}
	msg := fmt.Sprintf("from epoch %d to the end, at least %s of the predictions are class %d (%s at the end)",
		from, pct(CollapseShare), c, pct(share))
	if last.NaNSamples > 0 {
		msg += fmt.Sprintf("; %d samples have NaN outputs, and np.argmax of a NaN row is 0", last.NaNSamples)
	}
	return &Finding{ID: "one-class-collapse", Epoch: from, Message: msg}
}

func detectSaturation(r *Run) *Finding {
	if r.Config.Act == net.ReLU {
		return nil
	}
	for i, o := range r.Observations {
		for l, s := range o.Saturation {
			if s > SaturationShare {
				peak := s
				for _, later := range r.Observations[i:] {
					if l < len(later.Saturation) && later.Saturation[l] > peak {
						peak = later.Saturation[l]
					}
				}
				return &Finding{ID: "saturation", Epoch: i + 1, Message: fmt.Sprintf(
					"epoch %d: %s of Z%d has |z| ≥ %d (DeepDiagnosis flags > 50 %%; up to %s later), where %s′ < %s: little gradient gets through",
					i+1, pct(s), l+1, SaturationZ, pct(peak), r.Config.Act, derivAt5(r.Config.Act))}
			}
		}
	}
	return nil
}

func derivAt5(act net.Activation) string {
	if act == net.Sigmoid {
		return "7e-3"
	}
	return "2e-4"
}

func detectDeadUnits(r *Run) *Finding {
	if r.Config.Act != net.ReLU {
		return nil
	}
	for i, o := range r.Observations {
		for l, s := range o.Inactive {
			if s >= DeadShare {
				return &Finding{ID: "dead-units", Epoch: i + 1, Message: fmt.Sprintf(
					"epoch %d: %s of layer %d's relu outputs are 0 (DeepDiagnosis: ≥ 70 %%), and %d of its %d units are 0 for every sample",
					i+1, pct(s), l+1, o.DeadUnits[l], r.Config.Hidden[l])}
			}
		}
	}
	return nil
}

func detectIdenticalUnits(r *Run) *Finding {
	if len(r.Observations) == 0 {
		return nil
	}
	for l := range r.Observations[0].IdenticalUnits {
		all := true
		for _, o := range r.Observations {
			all = all && l < len(o.IdenticalUnits) && o.IdenticalUnits[l]
		}
		if all {
			return &Finding{ID: "identical-units", Epoch: 1, Message: fmt.Sprintf(
				"at every epoch, all %d units of hidden layer %d output the same value for each sample: they get identical gradients, so nothing can make them differ",
				r.Config.Hidden[l], l+1)}
		}
	}
	return nil
}

// detectGradientFlow applies AutoTrainer's vanishing (exploding false) or
// exploding rule to the first and last weight gradients.
func detectGradientFlow(r *Run, vanishing bool) *Finding {
	if vanishing {
		// All-zero gradients need no trend: they are stuck from the start.
		zero := len(r.Observations) > 0
		for _, o := range r.Observations {
			for _, g := range o.GradNorm {
				zero = zero && g == 0
			}
		}
		if zero {
			return &Finding{ID: "vanishing-gradients", Epoch: 1, Message: fmt.Sprintf(
				"every weight gradient is exactly 0 at every epoch (‖dW1‖ = … = ‖dW%d‖ = 0)", r.Config.Layers())}
		}
	}
	if !vanishing {
		// A gradient that is not a number needs no trend either.
		for i, o := range r.Observations {
			for _, g := range o.GradNorm {
				if !isFinite(g) {
					return &Finding{ID: "exploding-gradients", Epoch: i + 1, Message: fmt.Sprintf(
						"epoch %d: the weight gradients are not finite (‖dW1‖ = %s, ‖dW%d‖ = %s)",
						i+1, num(o.GradNorm[0]), len(o.GradNorm), num(o.GradNorm[len(o.GradNorm)-1]))}
				}
			}
		}
	}
	idx := judged(len(r.Observations))
	for _, i := range idx {
		o := r.Observations[i]
		if len(o.GradNorm) < 2 {
			return nil
		}
		first, last := o.GradNorm[0], o.GradNorm[len(o.GradNorm)-1]
		ratio := first / last
		switch {
		case vanishing && ratio < VanishingRatio && first < VanishingNorm:
			return &Finding{ID: "vanishing-gradients", Epoch: i + 1, Message: fmt.Sprintf(
				"epoch %d: ‖dW1‖ = %s is %s × ‖dW%d‖ (AutoTrainer: ratio < 1e-3 and ‖dW1‖ < 1e-4)",
				i+1, num(first), num(ratio), len(o.GradNorm))}
		case !vanishing && ratio > ExplodingRatio:
			return &Finding{ID: "exploding-gradients", Epoch: i + 1, Message: fmt.Sprintf(
				"epoch %d: ‖dW1‖ = %s is %s × ‖dW%d‖ (AutoTrainer: above 70)", i+1, num(first), num(ratio), len(o.GradNorm))}
		}
	}
	return nil
}

func detectNaN(r *Run) *Finding {
	nf := r.NonFinite
	if nf == nil {
		return nil
	}
	what := "NaN"
	if nf.Result.NaN == 0 {
		what = "Inf"
	}
	msg := fmt.Sprintf("first %s at epoch %d, in %s: %s gave %d NaN and %d Inf of %d values",
		what, nf.Epoch, nf.Statement, nf.Op, nf.Result.NaN, nf.Result.Inf, nf.Result.Count)
	if why := nonFiniteCause(nf); why != "" {
		msg += "; " + why
	}
	return &Finding{ID: "nan", Epoch: nf.Epoch, Message: msg}
}

// nonFiniteCause explains an operation's first non-finite result from its
// inputs' statistics.
func nonFiniteCause(nf *NonFiniteOp) string {
	in := nf.Inputs
	hasInf := func() string {
		for _, o := range in {
			if o.Stats.Inf > 0 {
				return o.Name
			}
		}
		return ""
	}
	switch nf.Op {
	case "exp":
		if len(in) == 1 && in[0].Stats.Max > ExpOverflow {
			return fmt.Sprintf("its input %s reaches %s, and exp overflows above %s", in[0].Name, num(in[0].Stats.Max), num(ExpOverflow))
		}
	case "log":
		if len(in) == 1 && (in[0].Stats.Zeros > 0 || in[0].Stats.Min <= 0) {
			return fmt.Sprintf("%d of its input %s are exactly 0, and log(0) = −Inf", in[0].Stats.Zeros, in[0].Name)
		}
	case "div":
		if n := hasInf(); n != "" {
			return fmt.Sprintf("%s holds Inf, and Inf / Inf = NaN", n)
		}
	case "mul":
		if n := hasInf(); n != "" {
			return fmt.Sprintf("%s holds ±Inf, and 0 · Inf = NaN", n)
		}
	case "sub", "add":
		if n := hasInf(); n != "" {
			return fmt.Sprintf("%s holds Inf, and Inf − Inf = NaN", n)
		}
	}
	return ""
}

func detectShapeDrift(r *Run) *Finding {
	for i, o := range r.Observations {
		if len(o.Drift) > 0 {
			var parts []string
			for _, c := range o.Drift {
				parts = append(parts, c.String())
			}
			return &Finding{ID: "shape-drift", Epoch: i + 1, Message: fmt.Sprintf(
				"after the update of epoch %d: %s, without any error", i+1, strings.Join(parts, ", "))}
		}
	}
	return nil
}

func detectHeldoutError(r *Run) *Finding {
	if r.HeldoutErr == nil {
		return nil
	}
	epoch := 1
	for i, e := range r.Epochs {
		epoch = i + 1
		if math.IsNaN(e.Heldout) {
			break
		}
	}
	msg := r.HeldoutErr.Error()
	var se *net.StatementError
	if errors.As(r.HeldoutErr, &se) {
		msg = fmt.Sprintf("%s fails: %v", se.Statement.NumPy, se.Err)
	}
	return &Finding{ID: "heldout-error", Epoch: epoch, Message: fmt.Sprintf(
		"predicting the %d held-out images fails from epoch %d: %s", r.Heldout, epoch, msg)}
}

func detectMetricMismatch(r *Run) *Finding {
	worst, at := 0.0, -1
	for i, e := range r.Epochs {
		if d := math.Abs(e.Reported - e.Accuracy); d > worst || math.IsNaN(d) {
			worst, at = d, i
			if math.IsNaN(d) {
				break
			}
		}
	}
	if at < 0 || worst <= MetricTolerance {
		return nil
	}
	first := at
	for i, e := range r.Epochs {
		if math.Abs(e.Reported-e.Accuracy) > MetricTolerance {
			first = i
			break
		}
	}
	e := r.Epochs[at]
	return &Finding{ID: "metric-mismatch", Epoch: first + 1, Message: fmt.Sprintf(
		"the program reports %s accuracy at epoch %d where its outputs classify %s of the images right",
		pct(e.Reported), at+1, pct(e.Accuracy))}
}

func detectLossRising(r *Run) *Finding {
	if len(r.Epochs) < 2 {
		return nil
	}
	loss := func(e Epoch) float64 {
		if isFinite(e.Loss) {
			return e.Loss
		}
		return e.CrossEntropy
	}
	first := loss(r.Epochs[0])
	peak, at := first, 0
	for i, e := range r.Epochs {
		if l := loss(e); l > peak {
			peak, at = l, i
		}
	}
	last := loss(r.Epochs[len(r.Epochs)-1])
	if !(last > 1.1*first) && !(peak >= LargeLoss) {
		return nil
	}
	msg := fmt.Sprintf("the loss rose from %s at epoch 1 to %s at epoch %d", num(first), num(peak), at+1)
	if peak >= LargeLoss {
		msg += " (AutoTrainer treats a loss ≥ 1e3 as broken)"
	}
	return &Finding{ID: "loss-rising", Epoch: at + 1, Message: msg}
}

func detectSlowConvergence(r *Run) *Finding {
	if len(r.Epochs) < 3 || r.Err != nil {
		return nil
	}
	gain := 0.0
	for i := 1; i < len(r.Epochs); i++ {
		gain = math.Max(gain, r.Epochs[i].Accuracy-r.Epochs[i-1].Accuracy)
	}
	first, last := r.Epochs[0].CrossEntropy, r.Final().CrossEntropy
	if gain >= SlowGain || !isFinite(first) || !isFinite(last) || first-last >= 0.01*first {
		return nil
	}
	return &Finding{ID: "slow-convergence", Message: fmt.Sprintf(
		"in %d epochs the accuracy never rose by 1 point in an epoch (best %s; AutoTrainer's δ = 0.01) and the %s fell only from %s to %s",
		len(r.Epochs), pct(gain), LossName(r.Config), num(first), num(last))}
}

func detectUpdateRatio(r *Run) *Finding {
	var vals []float64
	for _, i := range judged(len(r.Observations)) {
		if u := r.Observations[i].WeightUpdate; isFinite(u) {
			vals = append(vals, u)
		}
	}
	if len(vals) == 0 {
		return nil
	}
	sort.Float64s(vals)
	med := vals[len(vals)/2]
	switch {
	case med > UpdateRatioHigh:
		return &Finding{ID: "update-ratio", Message: fmt.Sprintf(
			"each update changes the weights by %s of their size (median over the later epochs; DeepDiagnosis: above 10 %% the learning rate is too high)",
			pct(med))}
	case med < UpdateRatioLow:
		return &Finding{ID: "update-ratio", Message: fmt.Sprintf(
			"each update changes the weights by only %s of their size (median over the later epochs; DeepDiagnosis: below 1e-5 the learning rate is too low, or no gradient gets through)",
			num(med))}
	}
	return nil
}

func detectGradientCheck(r *Run) *Finding {
	gc := r.GradCheck
	if gc == nil {
		return nil
	}
	if gc.Err != nil {
		return &Finding{ID: "gradient-check", Message: "the gradient check could not run: " + gc.Err.Error()}
	}
	var parts []string
	for _, t := range gc.Initial.Tensors {
		var f *tracer.TensorCheck
		if gc.Final != nil {
			f, _ = gc.Final.Tensor(t.Name)
		}
		if t.Verdict.Passed() && (f == nil || f.Verdict.Passed()) {
			continue
		}
		s := t.Name + " " + gradErr(t)
		if f != nil {
			s += " → " + gradErr(*f)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return nil
	}
	when := "at the initial weights"
	if gc.Final != nil {
		when = "at the initial → the final weights"
	}
	return &Finding{ID: "gradient-check", Message: fmt.Sprintf(
		"gradient check on %d images, largest relative error %s: %s (backstep fails anything above 1e-3, CS231n's bands)",
		gc.Samples, when, strings.Join(parts, ", "))}
}

// gradErr writes a tensor's check result in a few words.
func gradErr(t tracer.TensorCheck) string {
	if t.Verdict == tracer.WrongShape {
		return fmt.Sprintf("shape %v, not %v", t.GradShape, t.Shape)
	}
	return num(t.MaxRelError)
}
