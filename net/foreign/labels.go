package foreign

import (
	"fmt"
	"math"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// readLabels reads Y as what it is — one-hot rows, class numbers, a 0/1
// column for one sigmoid unit, multi-label 0/1 targets or real-valued
// targets — and brings it to the output's shape (samples × units in rows,
// units × samples in cols). It says in a note what Y was taken as.
func (r *reader) readLabels() error {
	cfg := r.d.Config
	y := r.get("Y")
	n, k := r.d.Samples, cfg.Classes
	rows := cfg.Layout == net.Rows
	want := tracer.Shape{n, k}
	if !rows {
		want = tracer.Shape{k, n}
	}
	for _, v := range y.Data() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("foreign: Y holds %v: targets must be finite numbers", v)
		}
	}
	var tp *tracer.Tape
	s := y.Shape()
	switch {
	case s.Equal(want):
		r.d.Targets = targetKind(y, rows, k)
		r.note("Y: %s %v", r.d.Targets, s)
	case y.Size() == n && k > 1 && (y.Rank() == 1 || s[0] == 1 || s[1] == 1):
		labels := make([]int, n)
		for i, v := range y.Data() {
			if v != math.Trunc(v) || v < 0 || v >= float64(k) {
				return fmt.Errorf("foreign: Y has shape %v: as class numbers its values must be whole numbers 0..%d for the %d output units, found %v", s, k-1, k, v)
			}
			labels[i] = int(v)
		}
		oh := tracer.OneHot(labels, k)
		if !rows {
			oh = tp.T(oh).Clone()
		}
		r.arrays["Y"] = oh.Named("Y")
		r.d.Raw["Y"] = s
		r.d.Targets = "class numbers"
		r.note("Y: %d class numbers %v, turned into one-hot %v", n, s, oh.Shape())
	case y.Size() == n*k && k == 1 || y.Size() == n && k == 1:
		r.arrays["Y"] = tp.Reshape(y, want...).Named("Y")
		r.d.Raw["Y"] = s
		r.d.Targets = targetKind(r.arrays["Y"], rows, k)
		r.note("Y: %s %v, read as %v", r.d.Targets, s, want)
	case s.Equal(tracer.Shape{want[1], want[0]}):
		return fmt.Errorf("foreign: Y has shape %v but the %s layout needs %v: transpose it (Y.T)", s, cfg.Layout, want)
	default:
		return fmt.Errorf("foreign: Y has shape %v: expected %v (one-hot or targets for %d output units) or %d class numbers", s, want, k, n)
	}
	return nil
}

// targetKind says what targets of the output's shape are.
func targetKind(y *tracer.Array, rows bool, k int) string {
	binary := true
	for _, v := range y.Data() {
		if v != 0 && v != 1 {
			binary = false
			break
		}
	}
	switch {
	case !binary:
		return "real-valued targets"
	case k == 1:
		return "binary 0/1 targets"
	}
	var tp *tracer.Tape
	axis := 1
	if !rows {
		axis = 0
	}
	for _, s := range tp.Sum(y, axis, false).Data() {
		if s != 1 {
			return "multi-label 0/1 targets"
		}
	}
	return "one-hot"
}

func (r *reader) note(format string, args ...any) {
	r.d.Notes = append(r.d.Notes, fmt.Sprintf(format, args...))
}
