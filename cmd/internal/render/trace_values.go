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

// Grid is a value print shows: a rank-0, 1 or 2 array, or a selection
// of one (a slice, a transpose). At(i, j) is the element at row i, column
// j of the printed value; a vector's entries are row 0, a scalar is
// At(0, 0). Labels say what each axis of the printed value means.
type Grid struct {
	Shape  tracer.Shape
	Labels []string
	At     func(i, j int) float64
}

// GridOf is the whole of a.
func GridOf(a *tracer.Array) Grid {
	g := Grid{Shape: a.Shape(), Labels: a.Labels()}
	switch a.Rank() {
	case 0:
		g.At = func(int, int) float64 { return a.Item() }
	case 1:
		g.At = func(_, j int) float64 { return a.At(j) }
	default:
		g.At = func(i, j int) float64 { return a.At(i, j) }
	}
	return g
}

// Print options, NumPy's defaults (numpy.set_printoptions): an array of
// more than summarizeThreshold elements is summarised to summarizeEdge
// entries at each end of every axis longer than 2·summarizeEdge; smaller
// arrays print whole.
const (
	summarizeThreshold = 1000
	summarizeEdge      = 3
)

// PrintArray writes a value as NumPy's print does: a scalar as
// "title = value"; an array as the title line, then its rows in brackets,
// whole up to 1000 elements and summarised to three entries at each end of
// an axis above that. A row longer than lineWidth columns continues on
// the next line, indented past its brackets, as NumPy wraps at its line
// width; the title wraps between words.
func PrintArray(w io.Writer, title string, g Grid, lineWidth int) {
	if len(g.Shape) == 0 {
		fmt.Fprintf(w, "%s = %s\n", title, fullFloat(g.At(0, 0)))
		return
	}
	rows, cols := 1, g.Shape[0]
	if len(g.Shape) == 2 {
		rows, cols = g.Shape[0], g.Shape[1]
	}
	big := g.Shape.Size() > summarizeThreshold
	rowIdx, colIdx := pick(rows, big), pick(cols, big)
	for i, l := range Wrap(title, lineWidth-2) {
		if i > 0 {
			l = "  " + l
		}
		fmt.Fprintln(w, l)
	}
	if rows == 0 || cols == 0 {
		fmt.Fprintln(w, "[] (empty selection)")
		return
	}
	var vals []float64
	for _, i := range rowIdx {
		for _, j := range colIdx {
			if i >= 0 && j >= 0 {
				vals = append(vals, g.At(i, j))
			}
		}
	}
	format := numberFormat(vals)
	width := 0
	for _, v := range vals {
		width = max(width, len(format(v)))
	}
	depth := len(g.Shape) // brackets open before the first entry
	for n, i := range rowIdx {
		if i < 0 {
			fmt.Fprintln(w, " …")
			continue
		}
		lead := " ["
		if n == 0 {
			lead = strings.Repeat("[", depth)
		}
		tail := "]"
		if n == len(rowIdx)-1 {
			tail = strings.Repeat("]", depth)
		}
		entries := make([]string, len(colIdx))
		for m, j := range colIdx {
			if j < 0 {
				entries[m] = strings.Repeat(" ", width-1) + "…"
				continue
			}
			entries[m] = fmt.Sprintf("%*s", width, format(g.At(i, j)))
		}
		line, used := lead, depth
		for m, e := range entries {
			room := lineWidth
			if m == len(entries)-1 {
				room -= len(tail)
			}
			switch ew := DisplayWidth(e); {
			case m > 0 && used+1+ew > room:
				fmt.Fprintln(w, line)
				line, used = strings.Repeat(" ", depth)+e, depth+ew
			case m > 0:
				line, used = line+" "+e, used+1+ew
			default:
				line, used = line+e, used+ew
			}
		}
		fmt.Fprintln(w, line+tail)
	}
}

// pick lists the indices 0..n-1 to print, with -1 for an elided middle
// when summarise is set and the axis is longer than 2·summarizeEdge.
func pick(n int, summarise bool) []int {
	var out []int
	if summarise && n > 2*summarizeEdge {
		for i := 0; i < summarizeEdge; i++ {
			out = append(out, i)
		}
		out = append(out, -1)
		for i := n - summarizeEdge; i < n; i++ {
			out = append(out, i)
		}
		return out
	}
	for i := 0; i < n; i++ {
		out = append(out, i)
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
