package tracer

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
)

// Gradient checking compares the gradient a piece of code claims with
// centred finite differences of the loss, element by element, and grades
// every tensor in the bands CS231n gives
// (cs231n.github.io/neural-networks-3/#gradcheck): a relative error of at
// most 1e-7 is correct, 1e-5 fine, 1e-3 suspicious (acceptable only where
// the loss has a kink), anything above wrong.
//
// The checking itself (modes, sampling, grading, the worst elements, how a
// wrong gradient relates to the right one) lives in CheckTensor, which gets
// its finite differences from a Probe. GradCheck is the probe for any loss
// written as a Go function; package net has a faster one for its network.

// Bands of the relative error |a − n| / max(|a| + |n|, 1e-12), from CS231n.
const (
	CorrectBand    = 1e-7
	FineBand       = 1e-5
	SuspiciousBand = 1e-3
)

// relErrorFloor keeps the relative error of two zeros at 0.
const relErrorFloor = 1e-12

// DefaultEps is the step h of the centred differences: PyTorch's
// gradcheck default. In float64 its rounding error, about 1e-16·|loss|/h,
// stays near 1e-10.
const DefaultEps = 1e-6

// DefaultK is how many elements per tensor a sparse check samples and how
// many of the worst a report keeps.
const DefaultK = 5

// Verdict grades a gradient.
type Verdict string

// The verdicts, from best to worst.
const (
	Correct    Verdict = "correct"    // relative error ≤ 1e-7
	Fine       Verdict = "fine"       // ≤ 1e-5
	Suspicious Verdict = "suspicious" // ≤ 1e-3: only a kink excuses it
	Wrong      Verdict = "wrong"      // above 1e-3, or not a number
	WrongShape Verdict = "shape"      // the gradient's shape is not the parameter's
)

// Grade returns the band of a relative error (NaN is wrong).
func Grade(relError float64) Verdict {
	switch {
	case relError <= CorrectBand:
		return Correct
	case relError <= FineBand:
		return Fine
	case relError <= SuspiciousBand:
		return Suspicious
	}
	return Wrong
}

// Passed reports whether the verdict lets the gradient through: correct,
// fine or suspicious. A suspicious tensor passes with a warning, as in
// CS231n's bands; wrong values and wrong shapes fail.
func (v Verdict) Passed() bool { return v == Correct || v == Fine || v == Suspicious }

// RelError is |a − n| / max(|a| + |n|, 1e-12); +Inf when either is NaN.
func RelError(a, n float64) float64 {
	d := math.Abs(a - n)
	if math.IsNaN(d) {
		return math.Inf(1)
	}
	if math.IsInf(a, 0) || math.IsInf(n, 0) {
		if a == n {
			return 0
		}
		return math.Inf(1)
	}
	return d / math.Max(math.Abs(a)+math.Abs(n), relErrorFloor)
}

// CheckMode says how many elements a check compares.
type CheckMode string

// The check modes.
const (
	// FullCheck compares every element.
	FullCheck CheckMode = "full"
	// SparseCheck compares K random elements per tensor (seeded).
	SparseCheck CheckMode = "sparse"
	// FastCheck compares one directional derivative per tensor, along a
	// random unit direction u, with the analytic gradient projected on u
	// (PyTorch's fast_mode), and checks every element of the tensors where
	// the two disagree, to say where.
	FastCheck CheckMode = "fast"
)

// GradCheckOptions tune a check. The zero value is a full check with
// DefaultEps and DefaultK.
type GradCheckOptions struct {
	Mode CheckMode
	Eps  float64 // step h of the centred differences (default DefaultEps)
	// K is how many random elements a sparse check compares per tensor,
	// and how many of the worst elements every report keeps.
	K    int
	Seed uint64 // for the sparse samples and the fast directions
	// Progress, if set, is told after each tensor how many of total are
	// done, for a progress bar on long checks.
	Progress func(done, total int)
}

// Validate reports an option that cannot work.
func (o GradCheckOptions) Validate() error {
	switch o.Mode {
	case "", FullCheck, SparseCheck, FastCheck:
	default:
		return fmt.Errorf("tracer: unknown check mode %q: use full, sparse or fast", o.Mode)
	}
	if math.IsNaN(o.Eps) || math.IsInf(o.Eps, 0) || o.Eps < 0 || o.Eps >= 1 {
		return fmt.Errorf("tracer: the finite-difference step must be a small positive number such as 1e-6, got %v", o.Eps)
	}
	if o.K < 0 {
		return fmt.Errorf("tracer: K must be at least 1, got %d", o.K)
	}
	return nil
}

// WithDefaults fills in the zero fields.
func (o GradCheckOptions) WithDefaults() GradCheckOptions {
	if o.Mode == "" {
		o.Mode = FullCheck
	}
	if o.Eps == 0 {
		o.Eps = DefaultEps
	}
	if o.K == 0 {
		o.K = DefaultK
	}
	return o
}

// Difference is a finite difference of the loss along one element or one
// direction, as a Probe measures it.
type Difference struct {
	// Numeric is the centred difference (f(x+h) − f(x−h)) / 2h.
	Numeric float64
	// Noise bounds the rounding error of Numeric: a disagreement smaller
	// than it says nothing about the gradient.
	Noise float64
	// Plus and Minus are the one-sided differences (f(x+h) − f(x)) / h and
	// (f(x) − f(x−h)) / h, NaN when the probe does not have them.
	Plus, Minus float64
	// Kink is what the probe knows about kinks between x − h and x + h.
	Kink KinkKnowledge
}

// KinkKnowledge says whether a finite difference crossed a kink of the
// loss (a point where it is not differentiable, such as relu at 0).
type KinkKnowledge int

const (
	// KinkUnknown leaves the judgement to the one-sided differences: the
	// analytic value matches one of them while they disagree.
	KinkUnknown KinkKnowledge = iota
	// NoKink: the probe knows the step crossed no kink.
	NoKink
	// CrossedKink: the probe knows the step crossed one.
	CrossedKink
)

// Probe measures finite differences of one loss with respect to one
// tensor. Indices are row-major over the tensor's logical shape.
type Probe interface {
	Element(i int) Difference
	// Direction measures the derivative along u (unit norm, one entry per
	// element).
	Direction(u []float64) Difference
}

// ElementCheck is one element compared.
type ElementCheck struct {
	Index    []int // row and column of a matrix, position in a vector, none for a scalar
	Analytic float64
	Numeric  float64
	RelError float64
	// Kink marks a disagreement that a kink of the loss explains: the
	// difference straddles a point where the loss is not differentiable.
	// Such an element is not graded.
	Kink bool
	// BelowNoise marks a disagreement smaller than the rounding noise of
	// the difference; such an element is not graded either.
	BelowNoise bool
}

// Projection is a fast check's comparison: the analytic gradient projected
// on a random unit direction against the directional derivative.
type Projection struct {
	Analytic, Numeric, RelError, Noise float64
}

// TensorCheck is the verdict on one tensor's gradient.
type TensorCheck struct {
	Name string
	// Shape is the shape the gradient must have (its parameter's);
	// GradShape the one it has.
	Shape, GradShape Shape
	Mode             CheckMode
	// FellBack is set when a fast check's projection disagreed and every
	// element was then compared.
	FellBack bool
	Size     int // elements in the tensor
	Checked  int // elements compared one by one
	// MaxRelError is the largest elementwise relative error over the graded
	// elements (a fast check that passed gives its projection's);
	// NormRelError is ‖a − n‖ / (‖a‖ + ‖n‖) over the compared elements.
	// Both are NaN when the shapes differ.
	MaxRelError, NormRelError float64
	Verdict                   Verdict
	// Failed counts the graded elements that are wrong; Kinks and
	// BelowNoise count those not graded (see ElementCheck).
	Failed, Kinks, BelowNoise int
	// Worst holds up to K elements, largest relative error first (graded
	// ones before the others).
	Worst []ElementCheck
	// Relation says how the claimed gradient differs from the numerical
	// one; set when the verdict is not correct or fine.
	Relation   Relation
	Projection *Projection // fast checks only
}

// GradReport is the result of a gradient check.
type GradReport struct {
	Options GradCheckOptions
	Tensors []TensorCheck
	// Evaluations counts the loss evaluations GradCheck made.
	Evaluations int
}

// OK reports whether every tensor passed.
func (r *GradReport) OK() bool {
	for _, t := range r.Tensors {
		if !t.Verdict.Passed() {
			return false
		}
	}
	return true
}

// Failed lists the tensors that did not pass, in order.
func (r *GradReport) Failed() []string {
	var out []string
	for _, t := range r.Tensors {
		if !t.Verdict.Passed() {
			out = append(out, t.Name)
		}
	}
	return out
}

// Tensor returns the check of the named tensor.
func (r *GradReport) Tensor(name string) (*TensorCheck, bool) {
	for i := range r.Tensors {
		if r.Tensors[i].Name == name {
			return &r.Tensors[i], true
		}
	}
	return nil, false
}

// CheckTensor compares analytic, the gradient some code claims for a
// tensor of the given shape, with the finite differences probe measures.
// A shape mismatch is reported first, as such (and, when the sizes agree,
// compared with every element to see whether it is a transpose). opts must
// be valid; zero fields take their defaults.
func CheckTensor(name string, shape Shape, analytic *Array, probe Probe, opts GradCheckOptions) TensorCheck {
	opts = opts.WithDefaults()
	tc := TensorCheck{Name: name, Shape: shape, GradShape: analytic.Shape(), Mode: opts.Mode, Size: shape.Size()}
	if !analytic.Shape().Equal(shape) {
		tc.Verdict = WrongShape
		tc.MaxRelError, tc.NormRelError = math.NaN(), math.NaN()
		if analytic.Size() == shape.Size() && shape.Size() > 0 {
			num := make([]float64, shape.Size())
			for i := range num {
				num[i] = probe.Element(i).Numeric
			}
			tc.Relation = Relate(analytic, New(shape, num))
		} else {
			tc.Relation = Relation{Kind: ShapeDiff, Got: analytic.Shape(), Want: shape}
		}
		return tc
	}
	a := analytic.Data()
	n := len(a)
	if n == 0 {
		tc.Verdict = Correct
		return tc
	}
	rng := rand.New(rand.NewPCG(opts.Seed, nameSeed(name)))
	var idx []int
	switch opts.Mode {
	case FastCheck:
		u := randomUnit(rng, n)
		d := probe.Direction(u)
		var p float64
		for i := range a {
			p += a[i] * u[i]
		}
		pr := &Projection{Analytic: p, Numeric: d.Numeric, RelError: RelError(p, d.Numeric), Noise: d.Noise}
		tc.Projection = pr
		v := Grade(pr.RelError)
		if v == Correct || v == Fine || math.Abs(p-d.Numeric) <= d.Noise {
			if v != Correct && v != Fine {
				v = Fine // the disagreement is within the difference's rounding noise
			}
			tc.MaxRelError, tc.NormRelError = pr.RelError, pr.RelError
			tc.Verdict = v
			return tc
		}
		tc.FellBack = true
	case SparseCheck:
		if opts.K < n {
			idx = rng.Perm(n)[:opts.K]
			sort.Ints(idx)
		}
	}
	if idx == nil {
		idx = make([]int, n)
		for i := range idx {
			idx[i] = i
		}
	}
	all := len(idx) == n
	elems := make([]ElementCheck, len(idx))
	got, want := make([]float64, len(idx)), make([]float64, len(idx))
	var d2, a2, n2 float64
	for k, i := range idx {
		d := probe.Element(i)
		e := ElementCheck{Index: unravel(i, shape), Analytic: a[i], Numeric: d.Numeric}
		e.RelError = RelError(a[i], d.Numeric)
		if Grade(e.RelError) != Correct && Grade(e.RelError) != Fine {
			switch {
			case math.Abs(a[i]-d.Numeric) <= d.Noise:
				e.BelowNoise = true
			case kinkExplains(a[i], d):
				e.Kink = true
			}
		}
		elems[k] = e
		got[k], want[k] = a[i], d.Numeric
		if e.Kink {
			want[k] = a[i] // a kink's difference says nothing about the fit
			tc.Kinks++
			continue
		}
		if e.BelowNoise {
			tc.BelowNoise++
		} else {
			if e.RelError > tc.MaxRelError || math.IsNaN(e.RelError) {
				tc.MaxRelError = e.RelError
			}
			if Grade(e.RelError) == Wrong {
				tc.Failed++
			}
		}
		dd := a[i] - d.Numeric
		d2 += dd * dd
		a2 += a[i] * a[i]
		n2 += d.Numeric * d.Numeric
	}
	tc.Checked = len(idx)
	tc.NormRelError = 0
	if a2+n2 > 0 {
		tc.NormRelError = math.Sqrt(d2) / (math.Sqrt(a2) + math.Sqrt(n2))
	}
	if math.IsNaN(tc.NormRelError) {
		tc.NormRelError = math.Inf(1)
	}
	tc.Verdict = Grade(tc.MaxRelError)
	if tc.Verdict != Correct && tc.Verdict != Fine {
		if all {
			tc.Relation = Relate(analytic, New(shape, want))
		} else {
			tc.Relation = Relate(Vector(got), Vector(want))
		}
	}
	tc.Worst = worst(elems, opts.K)
	return tc
}

// kinkExplains reports whether a disagreement comes from a kink: when the
// probe knows, it says; otherwise the analytic value must match one of the
// one-sided differences at least ten times better than the centred one,
// and those two must disagree beyond the fine band. On a smooth loss both
// one-sided differences are within O(h) of the centred one, so a wrong
// value never matches one of them much better than the other. (Caffe issue #1334: the analytic
// gradient at a kink is one of the one-sided derivatives.)
func kinkExplains(a float64, d Difference) bool {
	switch d.Kink {
	case CrossedKink:
		return true
	case NoKink:
		return false
	}
	if math.IsNaN(d.Plus) || math.IsNaN(d.Minus) {
		return false
	}
	rel := RelError(a, d.Numeric)
	side := math.Min(RelError(a, d.Plus), RelError(a, d.Minus))
	return side*10 < rel && RelError(d.Plus, d.Minus) > FineBand
}

// worst returns up to k elements, graded ones by decreasing relative error
// first, then the excused ones.
func worst(elems []ElementCheck, k int) []ElementCheck {
	order := make([]int, len(elems))
	for i := range order {
		order[i] = i
	}
	excused := func(e ElementCheck) bool { return e.Kink || e.BelowNoise }
	sort.SliceStable(order, func(x, y int) bool {
		ex, ey := elems[order[x]], elems[order[y]]
		if excused(ex) != excused(ey) {
			return !excused(ex)
		}
		rx, ry := ex.RelError, ey.RelError
		if math.IsNaN(rx) {
			rx = math.Inf(1)
		}
		if math.IsNaN(ry) {
			ry = math.Inf(1)
		}
		return rx > ry
	})
	if len(order) > k {
		order = order[:k]
	}
	out := make([]ElementCheck, len(order))
	for i, j := range order {
		out[i] = elems[j]
	}
	return out
}

// unravel turns a row-major position into indices.
func unravel(i int, shape Shape) []int {
	switch len(shape) {
	case 0:
		return []int{}
	case 1:
		return []int{i}
	}
	return []int{i / shape[1], i % shape[1]}
}

// randomUnit returns a random direction of unit length in n dimensions.
func randomUnit(rng *rand.Rand, n int) []float64 {
	u := make([]float64, n)
	for {
		var s float64
		for i := range u {
			u[i] = rng.NormFloat64()
			s += u[i] * u[i]
		}
		if s > 0 {
			s = math.Sqrt(s)
			for i := range u {
				u[i] /= s
			}
			return u
		}
	}
}

// nameSeed gives each tensor its own random stream, so a tensor's samples
// do not depend on which tensors are checked before it.
func nameSeed(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}
