package lessons

import (
	"fmt"
	"math"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// SaturationZ is the |z| from which a tanh or sigmoid unit counts as
// saturated: its derivative is below 2e-4 (tanh) or 7e-3 (sigmoid).
// DeepDiagnosis (ICSE'22, callbacks.py) uses |z| ≥ 5.
const SaturationZ = 5

// Observation is what one executed training step shows: measured from the
// step's variables (and the parameters it started from), so the same
// measurements serve a replay, where every step is observed, and a check
// of one dumped step.
type Observation struct {
	Samples int
	Classes int
	// Loss is what the program's own loss statement computed.
	Loss float64
	// CrossEntropy is the network's loss recomputed from the output and
	// the labels by its definition, averaged over the samples: for the
	// reference softmax the cross-entropy −log(output of the true class)
	// (+Inf when a true class got exactly 0); for other outputs the loss
	// LossName names (½ Σ_k (a_k − y_k)² for squared error), times the
	// convention's constant (Config.DeltaFactor).
	CrossEntropy float64
	// Accuracy is recomputed (argmax over the classes against the labels);
	// Reported is the program's own accuracy statement.
	Accuracy float64
	Reported float64
	// Predicted is the share of samples predicted as each class; Labelled
	// the share labelled as each.
	Predicted []float64
	Labelled  []float64
	// RowSumError is the mean over samples of |Σ_k output_k − 1|: 0 for a
	// softmax over the classes; NaN for outputs that need not sum to 1.
	RowSumError float64
	// NaNSamples counts samples whose output holds a NaN.
	NaNSamples int
	// Per hidden layer (index 0 is layer 1):
	Saturation     []float64 // share of |Z| ≥ 5 (tanh and sigmoid; NaN for relu)
	Inactive       []float64 // share of relu outputs that are 0 (NaN otherwise)
	DeadUnits      []int     // relu units that are 0 for every sample
	IdenticalUnits []bool    // every unit's activation equals the first unit's
	MaxAbsZ        []float64 // largest |Z| (NaN if Z holds one)
	// Per layer (index 0 is layer 1):
	GradNorm    []float64 // ‖dWl‖
	UpdateRatio []float64 // ‖Wl after − Wl before‖ / ‖Wl before‖ (NaN without "before")
	// WeightUpdate is the same ratio over all weight matrices together.
	WeightUpdate float64
	// Drift lists the parameters whose shape is no longer the network's.
	Drift []ShapeChange
	// NonFinite is the first statement, in program order, whose value holds
	// a NaN or an Inf ("" if none).
	NonFinite string
}

// ShapeChange is a parameter whose shape an update changed.
type ShapeChange struct {
	Param string       `json:"param"`
	Want  tracer.Shape `json:"want"`
	Got   tracer.Shape `json:"got"`
}

func (c ShapeChange) String() string { return fmt.Sprintf("%s %v → %v", c.Param, c.Want, c.Got) }

// Observe measures one executed step of p. v holds the step's variables
// after it ran; before holds the parameters it started from (may be nil).
// scanNonFinite asks for the first non-finite statement, which reads every
// value and can be skipped once it has been found.
func Observe(p *net.Program, before, v net.Vars, scanNonFinite bool) Observation {
	cfg := p.Config
	L := cfg.Layers()
	sa := sampleAxis(p)
	o := Observation{Classes: cfg.Classes, Loss: math.NaN(), Reported: math.NaN(), Accuracy: math.NaN(),
		CrossEntropy: math.NaN(), RowSumError: math.NaN()}
	if a, ok := v["loss"]; ok && a.Size() == 1 {
		o.Loss = a.Item()
	}
	if a, ok := v["acc"]; ok && a.Size() == 1 {
		o.Reported = a.Item()
	}
	y := v["Y"]
	if y != nil {
		o.Samples = y.Shape()[sa]
	}
	if out, ok := v[fmt.Sprintf("A%d", L)]; ok && y != nil && out.Shape().Equal(y.Shape()) {
		o.outputFigures(out, labelsOf(y, sa), sa, cfg)
	}
	for l := 1; l < L; l++ {
		o.hiddenFigures(cfg.Act, v[fmt.Sprintf("Z%d", l)], v[fmt.Sprintf("A%d", l)], sa)
	}
	var moved, size float64
	for l := 1; l <= L; l++ {
		W := fmt.Sprintf("W%d", l)
		o.GradNorm = append(o.GradNorm, norm(v[fmt.Sprintf("dW%d", l)]))
		ratio := math.NaN()
		if b, a := before[W], v[W]; b != nil && a != nil && b.Shape().Equal(a.Shape()) {
			d, n := distance(a, b), norm(b)
			ratio = d / n
			moved += d * d
			size += n * n
		} else {
			moved = math.NaN()
		}
		o.UpdateRatio = append(o.UpdateRatio, ratio)
	}
	o.WeightUpdate = math.Sqrt(moved) / math.Sqrt(size)
	for _, name := range net.ParamNames(L) {
		if a, ok := v[name]; ok {
			if want := p.Shapes[name]; !a.Shape().Equal(want) {
				o.Drift = append(o.Drift, ShapeChange{Param: name, Want: want, Got: a.Shape()})
			}
		}
	}
	if scanNonFinite && o.suspect() {
		for _, s := range p.Statements {
			if a, ok := v[s.Name]; ok && !finite(a) {
				o.NonFinite = s.Name
				break
			}
		}
	}
	return o
}

// suspect reports whether the figures already measured show a NaN or an
// Inf somewhere (a non-finite value reaches the loss, the output, a
// pre-activation or a gradient), so that the step is worth scanning
// statement by statement.
func (o *Observation) suspect() bool {
	if !isFinite(o.Loss) || o.NaNSamples > 0 || !isFinite(o.WeightUpdate) {
		return true
	}
	for _, x := range append(append([]float64(nil), o.GradNorm...), o.MaxAbsZ...) {
		if !isFinite(x) {
			return true
		}
	}
	return false
}

// labelsOf returns each sample's class from one-hot labels.
func labelsOf(y *tracer.Array, sampleAxis int) []int {
	var tp *tracer.Tape
	idx := tp.Argmax(y, 1-sampleAxis, false).Data()
	out := make([]int, len(idx))
	for i, x := range idx {
		out[i] = int(x)
	}
	return out
}

// outputFigures measures the output layer: accuracy, the loss recomputed
// by its definition, the predicted classes and, for a softmax, how far
// rows are from summing to 1.
func (o *Observation) outputFigures(out *tracer.Array, labels []int, sampleAxis int, cfg net.Config) {
	data := out.Data()
	sh := out.Shape()
	n, k := sh[sampleAxis], sh[1-sampleAxis]
	// element (sample i, class j)
	at := func(i, j int) float64 { return data[i*k+j] }
	if sampleAxis == 1 {
		at = func(i, j int) float64 { return data[j*n+i] }
	}
	lossOf := sampleLoss(cfg)
	o.Predicted = make([]float64, k)
	o.Labelled = make([]float64, k)
	hits, loss, rowErr := 0, 0.0, 0.0
	row := make([]float64, k)
	for i := 0; i < n; i++ {
		best, sum, nan := 0, 0.0, false
		for j := 0; j < k; j++ {
			x := at(i, j)
			row[j] = x
			sum += x
			switch {
			case math.IsNaN(x):
				if !nan {
					best = j // np.argmax: the first NaN wins
				}
				nan = true
			case !nan && x > at(i, best):
				best = j
			}
		}
		if nan {
			o.NaNSamples++
		}
		o.Predicted[best]++
		o.Labelled[labels[i]]++
		if best == labels[i] {
			hits++
		}
		loss += lossOf(row, labels[i])
		rowErr += math.Abs(sum - 1)
	}
	for j := range o.Predicted {
		o.Predicted[j] /= float64(n)
		o.Labelled[j] /= float64(n)
	}
	o.Accuracy = float64(hits) / float64(n)
	o.CrossEntropy = math.Abs(cfg.DeltaFactor()) * loss / float64(n)
	o.RowSumError = math.NaN()
	if cfg.OutputAct() == net.Softmax {
		o.RowSumError = rowErr / float64(n)
	}
}

// sampleLoss returns one sample's loss from its outputs and its class, for
// one-hot targets: −log a_y (cross-entropy), ½ Σ_k (a_k − y_k)² (squared
// error) or −Σ_k [y_k log a_k + (1 − y_k) log(1 − a_k)] (binary
// cross-entropy).
func sampleLoss(cfg net.Config) func(a []float64, class int) float64 {
	switch cfg.LossKind() {
	case net.SquaredError:
		return func(a []float64, class int) float64 {
			s := 0.0
			for j, x := range a {
				d := x
				if j == class {
					d = x - 1
				}
				s += d * d
			}
			return s / 2
		}
	case net.BinaryCrossEntropy:
		return func(a []float64, class int) float64 {
			s := 0.0
			for j, x := range a {
				if j == class {
					s -= math.Log(x)
				} else {
					s -= math.Log(1 - x)
				}
			}
			return s
		}
	}
	return func(a []float64, class int) float64 { return -math.Log(a[class]) }
}

// LossName names the loss a network of cfg minimises, as the field writes
// it: "cross-entropy", "squared error", "binary cross-entropy".
func LossName(cfg net.Config) string {
	switch cfg.LossKind() {
	case net.SquaredError:
		return "squared error"
	case net.BinaryCrossEntropy:
		return "binary cross-entropy"
	}
	return "cross-entropy"
}

// chanceLoss is the loss per sample, for one-hot targets over k classes,
// of outputs that all sit where they are at z = 0, as small random
// weights and zero biases leave them: the loss a network should start
// from. For softmax + cross-entropy it is ln k (Karpathy, "A Recipe for
// Training Neural Networks": verify the loss at init); the same reasoning
// gives k/8 for sigmoid outputs (σ(0) = 0.5) with squared error, ½ for
// tanh or linear outputs (0), and k·ln 2 for sigmoid units with binary
// cross-entropy. The text says where the figure comes from.
func chanceLoss(cfg net.Config, k int) (float64, string) {
	f := math.Abs(cfg.DeltaFactor())
	scaled := func(x float64, text string) (float64, string) {
		if f != 1 {
			return f * x, fmt.Sprintf("%g × %s", f, text)
		}
		return x, text
	}
	K := float64(k)
	switch {
	case cfg.LossKind() == net.SquaredError && cfg.OutputAct() == net.Sigmoid:
		return scaled(K/8, fmt.Sprintf("%d/8 = %s, every output at σ(0) = 0.5", k, num(K/8)))
	case cfg.LossKind() == net.SquaredError:
		return scaled(0.5, "0.5, every output at 0")
	case cfg.LossKind() == net.BinaryCrossEntropy:
		return scaled(K*math.Ln2, fmt.Sprintf("%d ln 2 = %s, every output at σ(0) = 0.5", k, num(K*math.Ln2)))
	}
	return scaled(math.Log(K), fmt.Sprintf("ln %d = %s", k, num(math.Log(K))))
}

// epochOutputs adds up the output figures of an epoch's steps so that with
// mini-batches an epoch's recomputed loss, accuracy and predicted classes
// cover all its images, as net.Train's loss and accuracy do, rather than
// the last batch alone: each batch's figure, measured before its own
// update, weighted by its share of the epoch's n images (net.Train's sum,
// term for term).
type epochOutputs struct {
	n                   int // the epoch's images
	steps, samples, nan int
	loss, accuracy      float64
	predicted, labelled []float64
}

func (e *epochOutputs) add(o Observation) {
	e.steps++
	w := float64(o.Samples) / float64(e.n)
	e.samples += o.Samples
	e.nan += o.NaNSamples
	e.loss += w * o.CrossEntropy
	e.accuracy += w * o.Accuracy
	if e.predicted == nil {
		e.predicted, e.labelled = make([]float64, len(o.Predicted)), make([]float64, len(o.Labelled))
	}
	for j := range o.Predicted {
		if j < len(e.predicted) && j < len(o.Labelled) {
			e.predicted[j] += w * o.Predicted[j]
			e.labelled[j] += w * o.Labelled[j]
		}
	}
}

// of returns last, the epoch's last step, with the epoch's output
// figures. One step is returned as it is.
func (e *epochOutputs) of(last Observation) Observation {
	if e.steps <= 1 || e.samples == 0 {
		return last
	}
	last.Samples, last.NaNSamples = e.samples, e.nan
	last.CrossEntropy, last.Accuracy = e.loss, e.accuracy
	last.Predicted = append([]float64(nil), e.predicted...)
	last.Labelled = append([]float64(nil), e.labelled...)
	return last
}

// hiddenFigures measures one hidden layer from its pre-activation Z and
// activation A.
func (o *Observation) hiddenFigures(act net.Activation, z, a *tracer.Array, sampleAxis int) {
	sat, inactive, maxZ := math.NaN(), math.NaN(), math.NaN()
	dead, identical := 0, false
	if z != nil {
		zs := z.Data()
		maxZ = 0
		count := 0
		for _, x := range zs {
			ax := math.Abs(x)
			if ax >= SaturationZ {
				count++
			}
			if ax > maxZ || math.IsNaN(ax) {
				maxZ = ax
			}
		}
		if act != net.ReLU {
			sat = float64(count) / float64(len(zs))
		}
	}
	if a != nil && a.Rank() == 2 {
		sh := a.Shape()
		n, units := sh[sampleAxis], sh[1-sampleAxis]
		data := a.Data()
		at := func(i, j int) float64 { return data[i*units+j] }
		if sampleAxis == 1 {
			at = func(i, j int) float64 { return data[j*n+i] }
		}
		identical = units > 1
		for i := 0; i < n && identical; i++ {
			first := at(i, 0)
			for j := 1; j < units; j++ {
				if at(i, j) != first {
					identical = false
					break
				}
			}
		}
		if act == net.ReLU {
			zeros := 0
			for j := 0; j < units; j++ {
				alive := false
				for i := 0; i < n; i++ {
					if at(i, j) > 0 {
						alive = true
					} else {
						zeros++
					}
				}
				if !alive {
					dead++
				}
			}
			inactive = float64(zeros) / float64(n*units)
		}
	}
	o.Saturation = append(o.Saturation, sat)
	o.Inactive = append(o.Inactive, inactive)
	o.DeadUnits = append(o.DeadUnits, dead)
	o.IdenticalUnits = append(o.IdenticalUnits, identical)
	o.MaxAbsZ = append(o.MaxAbsZ, maxZ)
}

// TopClass returns the most predicted class and its share of the samples.
func (o *Observation) TopClass() (class int, share float64) {
	for j, s := range o.Predicted {
		if s > share {
			class, share = j, s
		}
	}
	return class, share
}

func norm(a *tracer.Array) float64 {
	if a == nil {
		return math.NaN()
	}
	s := 0.0
	for _, x := range a.Data() {
		s += x * x
	}
	return math.Sqrt(s)
}

func distance(a, b *tracer.Array) float64 {
	x, y := a.Data(), b.Data()
	s := 0.0
	for i := range x {
		d := x[i] - y[i]
		s += d * d
	}
	return math.Sqrt(s)
}

func finite(a *tracer.Array) bool {
	for _, x := range a.Data() {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
