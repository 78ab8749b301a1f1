package render

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// Range is a half-open slice lo:hi of one axis, already clipped to it.
type Range struct{ Lo, Hi int }

// ParseRange reads a NumPy-style slice of an axis of length n: "3", "0:3",
// ":5", "-2:", ":" (negative indices count from the end, bounds clip as in
// Python). A single index selects one entry.
func ParseRange(s string, n int) (Range, error) {
	bad := fmt.Errorf("%q is not a range: write 0:3, :5, -2:, : or a single index such as 7", s)
	idx := func(t string, def int) (int, error) {
		if t == "" {
			return def, nil
		}
		v, err := strconv.Atoi(t)
		if err != nil {
			return 0, bad
		}
		if v < 0 {
			v += n
		}
		return min(max(v, 0), n), nil
	}
	lo, hi, colon := strings.Cut(s, ":")
	if !colon {
		v, err := strconv.Atoi(s)
		if err != nil {
			return Range{}, bad
		}
		if v < -n || v >= n {
			return Range{}, fmt.Errorf("index %d is out of bounds for an axis of size %d", v, n)
		}
		if v < 0 {
			v += n
		}
		return Range{v, v + 1}, nil
	}
	if strings.Contains(hi, ":") {
		return Range{}, fmt.Errorf("%q: steps are not supported; write lo:hi", s)
	}
	l, err := idx(lo, 0)
	if err != nil {
		return Range{}, err
	}
	h, err := idx(hi, n)
	if err != nil {
		return Range{}, err
	}
	if h < l {
		h = l
	}
	return Range{l, h}, nil
}

// summarizeEdge is how many leading and trailing entries a long axis
// shows, as NumPy's summarised printing does.
const summarizeEdge = 3

// PrintArray writes a value the way NumPy prints one, limited to ranges
// (one per axis, may be fewer) and to lineWidth columns: in an array of
// more than 1000 elements an axis without a range shows its first and
// last three entries around "…", and a range of more than 40 rows its
// first and last 20.
func PrintArray(w io.Writer, name string, a *tracer.Array, ranges []Range, lineWidth int) {
	shape := a.Shape()
	if a.Rank() == 0 {
		fmt.Fprintf(w, "%s = %s\n", name, fullFloat(a.Item()))
		return
	}
	// Work on a rank-2 view: a vector is one row.
	rows, cols := 1, shape[0]
	if a.Rank() == 2 {
		rows, cols = shape[0], shape[1]
	}
	rr, cr := Range{0, rows}, Range{0, cols}
	sliced := len(ranges) > 0
	if a.Rank() == 2 {
		if len(ranges) > 0 {
			rr = ranges[0]
		}
		if len(ranges) > 1 {
			cr = ranges[1]
		}
	} else if len(ranges) > 0 {
		cr = ranges[0]
	}
	at := func(i, j int) float64 {
		if a.Rank() == 1 {
			return a.At(j)
		}
		return a.At(i, j)
	}
	// NumPy prints arrays of up to 1000 elements whole (its threshold)
	// and summarises larger ones to three entries at each end of an axis.
	big := (rr.Hi-rr.Lo)*(cr.Hi-cr.Lo) > 1000
	rowIdx := pick(rr, big && a.Rank() == 2 && len(ranges) < 1, 40)
	colIdx := pick(cr, big && (a.Rank() == 2 && len(ranges) < 2 || a.Rank() == 1 && len(ranges) == 0), 0)
	var vals []float64
	for _, i := range rowIdx {
		for _, j := range colIdx {
			if i >= 0 && j >= 0 {
				vals = append(vals, at(i, j))
			}
		}
	}
	format := numberFormat(vals)
	width := 0
	for _, v := range vals {
		width = max(width, len(format(v)))
	}
	// Fit the columns into lineWidth: two brackets, a space between.
	fit := max((lineWidth-4)/(width+1), 2)
	if len(colIdx) > fit {
		half := (fit - 1) / 2
		var keep []int
		keep = append(keep, colIdx[:half]...)
		keep = append(keep, -1)
		keep = append(keep, colIdx[len(colIdx)-half:]...)
		colIdx = dedupeGap(keep)
	}
	head := fmt.Sprintf("%s %s", name, net.AxesText(shape, a.Labels()))
	if sliced {
		var sl []string
		if a.Rank() == 2 {
			sl = append(sl, fmt.Sprintf("%d:%d", rr.Lo, rr.Hi), fmt.Sprintf("%d:%d", cr.Lo, cr.Hi))
		} else {
			sl = append(sl, fmt.Sprintf("%d:%d", cr.Lo, cr.Hi))
		}
		head = fmt.Sprintf("%s[%s] of %s", name, strings.Join(sl, ", "), net.AxesText(shape, a.Labels()))
	}
	fmt.Fprintln(w, head)
	if len(rowIdx) == 0 || len(colIdx) == 0 {
		fmt.Fprintln(w, "[] (empty selection)")
		return
	}
	open, close := "[", "]"
	if a.Rank() == 2 {
		open, close = "[[", "]]"
	}
	for n, i := range rowIdx {
		if i < 0 {
			fmt.Fprintln(w, " …")
			continue
		}
		var b strings.Builder
		if n == 0 {
			b.WriteString(open)
		} else {
			b.WriteString(" [")
		}
		for m, j := range colIdx {
			if m > 0 {
				b.WriteByte(' ')
			}
			if j < 0 {
				b.WriteString(strings.Repeat(" ", width-1) + "…")
				continue
			}
			fmt.Fprintf(&b, "%*s", width, format(at(i, j)))
		}
		if n == len(rowIdx)-1 {
			b.WriteString(close)
		} else {
			b.WriteString("]")
		}
		fmt.Fprintln(w, b.String())
	}
}

// pick lists the indices of r to print, with -1 for an elided middle when
// summarise is set and r is long; limit caps an explicit range (0: none).
func pick(r Range, summarise bool, limit int) []int {
	n := r.Hi - r.Lo
	var out []int
	if summarise && n > 2*summarizeEdge+1 {
		for i := r.Lo; i < r.Lo+summarizeEdge; i++ {
			out = append(out, i)
		}
		out = append(out, -1)
		for i := r.Hi - summarizeEdge; i < r.Hi; i++ {
			out = append(out, i)
		}
		return out
	}
	if limit > 0 && n > limit {
		for i := r.Lo; i < r.Lo+limit/2; i++ {
			out = append(out, i)
		}
		out = append(out, -1)
		for i := r.Hi - limit/2; i < r.Hi; i++ {
			out = append(out, i)
		}
		return out
	}
	for i := r.Lo; i < r.Hi; i++ {
		out = append(out, i)
	}
	return out
}

func dedupeGap(idx []int) []int {
	var out []int
	for i, v := range idx {
		if v < 0 && i > 0 && idx[i-1] < 0 {
			continue
		}
		out = append(out, v)
	}
	return out
}

// numberFormat picks one format for a block of numbers, as NumPy does:
// fixed point when the values are of one modest scale, else scientific.
func numberFormat(vals []float64) func(float64) string {
	maxAbs, minAbs := 0.0, math.Inf(1)
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		maxAbs = max(maxAbs, math.Abs(v))
		if v != 0 {
			minAbs = min(minAbs, math.Abs(v))
		}
	}
	// NumPy's rule (arrayprint.FloatingFormat): scientific when a value
	// reaches 1e8, one is below 1e-4, or they span more than 1e3.
	sci := maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs/minAbs > 1e3
	// Fixed point keeps 4 significant digits of the smallest value (at
	// least 4 decimals, at most NumPy's 8).
	dec := 4
	if !math.IsInf(minAbs, 1) {
		dec = min(max(4, 3-int(math.Floor(math.Log10(minAbs)))), 8)
	}
	return func(v float64) string {
		switch {
		case math.IsNaN(v):
			return "nan"
		case math.IsInf(v, 1):
			return "inf"
		case math.IsInf(v, -1):
			return "-inf"
		case sci:
			return fmt.Sprintf("%.3e", v)
		}
		return fmt.Sprintf("%.*f", dec, v)
	}
}

// fullFloat writes a scalar with enough digits to tell values apart.
func fullFloat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Float(v, 0)
	}
	return strconv.FormatFloat(v, 'g', 10, 64)
}

// ImageRow picks the entries of a that form one image of px pixels: row
// idx when a's rows have px entries, column idx when its columns do. what
// says which (e.g. "row 3 of 10000 samples").
func ImageRow(a *tracer.Array, idx, px int) (row []float64, what string, err error) {
	shape := a.Shape()
	labels := a.Labels()
	if a.Rank() == 1 {
		if shape[0] != px {
			return nil, "", fmt.Errorf("has %d entries, not %d", shape[0], px)
		}
		return append([]float64(nil), a.Data()...), "the whole vector", nil
	}
	if a.Rank() != 2 {
		return nil, "", fmt.Errorf("is a scalar, not an image")
	}
	pickAxis := -1
	switch {
	case shape[1] == px:
		pickAxis = 0
	case shape[0] == px:
		pickAxis = 1
	default:
		return nil, "", fmt.Errorf("is %v: neither axis has %d entries", shape, px)
	}
	n := shape[pickAxis]
	if idx < -n || idx >= n {
		return nil, "", fmt.Errorf("index %d is out of range: axis %d has %d entries", idx, pickAxis, n)
	}
	if idx < 0 {
		idx += n
	}
	row = make([]float64, px)
	for k := range row {
		if pickAxis == 0 {
			row[k] = a.At(idx, k)
		} else {
			row[k] = a.At(k, idx)
		}
	}
	kind := "row"
	if pickAxis == 1 {
		kind = "column"
	}
	what = fmt.Sprintf("%s %d", kind, idx)
	if l := labels[pickAxis]; l != "" {
		what += fmt.Sprintf(" (%s %d)", net.Singular(l), idx)
	}
	return row, what, nil
}

// imageRamp runs from the smallest value to the largest.
const imageRamp = " .:-=+*#%@"

// Image draws h×w values as characters, two per pixel so the picture
// keeps its proportions, scaled from the smallest value to the largest.
func Image(w io.Writer, title string, px []float64, h, wd int) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range px {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	fmt.Fprintln(w, title)
	border := "+" + strings.Repeat("-", 2*wd) + "+"
	fmt.Fprintln(w, border)
	for r := 0; r < h; r++ {
		var b strings.Builder
		b.WriteByte('|')
		for c := 0; c < wd; c++ {
			v := px[r*wd+c]
			ch := byte('?')
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				k := 0
				if hi > lo {
					k = int((v - lo) / (hi - lo) * float64(len(imageRamp)-1))
				}
				ch = imageRamp[k]
			}
			b.WriteByte(ch)
			b.WriteByte(ch)
		}
		b.WriteByte('|')
		fmt.Fprintln(w, b.String())
	}
	fmt.Fprintln(w, border)
	fmt.Fprintf(w, "' ' = %s (smallest) … '@' = %s (largest); '?' = NaN/Inf\n", Num(lo), Num(hi))
}
