package tracer

import (
	"fmt"
	"math"
)

// RelationKind classifies how a computed array differs from the value it
// should have had.
type RelationKind string

// The relations Relate recognises, from most to least specific.
const (
	Same       RelationKind = "same"       // equal to rounding (relative error ≤ SameTolerance)
	ShapeDiff  RelationKind = "shape"      // different shapes, and not a transpose
	Transposed RelationKind = "transposed" // got = wantᵀ
	NonFinite  RelationKind = "nonfinite"  // NaN or Inf where the right value is finite
	Negated    RelationKind = "negated"    // got = −want
	Scaled     RelationKind = "scaled"     // got = α · want for a constant α
	Unrelated  RelationKind = "unrelated"  // no simple relation
)

// SameTolerance is the relative error under which two arrays count as the
// same value computed in a different order.
const SameTolerance = 1e-9

// scaleFitTolerance bounds the residual ‖got − α·want‖ / ‖got‖ for a fit
// to count as "scaled by α": far above rounding, far below any real bug.
const scaleFitTolerance = 1e-6

// Relation says how got relates to want.
type Relation struct {
	Kind RelationKind `json:"kind"`
	// Alpha is the constant for Scaled and Negated (−1).
	Alpha float64 `json:"alpha,omitempty"`
	// RelError is ‖got − want‖ / (‖got‖ + ‖want‖) when shapes agree.
	RelError float64 `json:"rel_error"`
	// BadCount counts NaN/Inf elements for NonFinite.
	BadCount int `json:"bad_count,omitempty"`
	// Got and Want are the two shapes.
	Got, Want Shape `json:"-"`
}

// String describes the relation in a few words.
func (r Relation) String() string {
	switch r.Kind {
	case Same:
		return "same values"
	case ShapeDiff:
		return fmt.Sprintf("shape %v instead of %v", r.Got, r.Want)
	case Transposed:
		if r.Got.Equal(r.Want) { // square: the shapes cannot tell
			return fmt.Sprintf("transposed: the %v matrix holds the right value's transpose (square, so its shape cannot show it)", r.Got)
		}
		return fmt.Sprintf("transposed: %v instead of %v", r.Got, r.Want)
	case NonFinite:
		return fmt.Sprintf("NaN/Inf in %d of %d elements", r.BadCount, r.Got.Size())
	case Negated:
		return "sign flipped (× −1)"
	case Scaled:
		return fmt.Sprintf("scaled by %.4g", r.Alpha)
	default:
		return fmt.Sprintf("no simple relation (relative error %.2g)", r.RelError)
	}
}

// Relate compares got with want, the value it should have had.
func Relate(got, want *Array) Relation {
	r := Relation{Got: got.Shape(), Want: want.Shape()}
	if !got.shape.Equal(want.shape) {
		var tp *Tape
		if got.Rank() == 2 && want.Rank() == 2 && got.shape[0] == want.shape[1] && got.shape[1] == want.shape[0] {
			if relError(tp.T(got).Data(), want.Data()) <= SameTolerance {
				r.Kind = Transposed
				return r
			}
		}
		r.Kind = ShapeDiff
		return r
	}
	g, w := got.Data(), want.Data()
	for i := range g {
		if !isFinite(g[i]) && isFinite(w[i]) {
			r.BadCount++
		}
	}
	if r.BadCount > 0 {
		r.Kind = NonFinite
		r.RelError = math.Inf(1)
		return r
	}
	r.RelError = relError(g, w)
	if r.RelError <= SameTolerance {
		r.Kind = Same
		return r
	}
	if alpha, ok := fitScale(g, w); ok {
		r.Alpha = alpha
		r.Kind = Scaled
		if math.Abs(alpha+1) < scaleFitTolerance {
			r.Kind, r.Alpha = Negated, -1
		}
		return r
	}
	if got.Rank() == 2 && got.shape[0] == got.shape[1] {
		var tp *Tape
		if relError(tp.T(got).Data(), w) <= SameTolerance {
			r.Kind = Transposed
			return r
		}
	}
	r.Kind = Unrelated
	return r
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// relError is ‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are zero.
func relError(a, b []float64) float64 {
	var d, na, nb float64
	for i := range a {
		d += (a[i] - b[i]) * (a[i] - b[i])
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	if na == 0 && nb == 0 {
		return 0
	}
	return math.Sqrt(d) / (math.Sqrt(na) + math.Sqrt(nb))
}

// fitScale finds the least-squares α in got ≈ α·want and reports whether
// the fit is tight.
func fitScale(got, want []float64) (float64, bool) {
	var gw, ww, gg float64
	for i := range got {
		gw += got[i] * want[i]
		ww += want[i] * want[i]
		gg += got[i] * got[i]
	}
	if ww == 0 || gg == 0 {
		return 0, false
	}
	alpha := gw / ww
	var res float64
	for i := range got {
		d := got[i] - alpha*want[i]
		res += d * d
	}
	return alpha, math.Sqrt(res/gg) <= scaleFitTolerance
}
