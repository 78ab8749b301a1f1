package render

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Series is one curve of a chart: a value per x = 1, 2, ... (NaN where
// there is none, such as after training stopped).
type Series struct {
	Name  string
	Y     []float64
	Glyph rune
	// Paint colours the glyph when colour is on (nil: plain).
	Paint func(Palette, string) string
}

// Chart draws curves over epochs as text: a fixed y range, a y axis with
// three labels, an x axis with the first, middle and last x, and a legend.
type Chart struct {
	Series     []Series
	Height     int // plot rows (default 10)
	Width      int // plot columns (default 60)
	YMin, YMax float64
	YLabel     func(float64) string // axis labels (default %.2g)
	XName      string               // "epoch"
}

// Render writes the chart. Each column of the plot is a point x on the
// curves (interpolated between whole epochs when the plot is wider than
// the run), so a 3-epoch run and a 100-epoch one both fill the width.
// Where two curves fall on the same cell, the later series wins.
func (c Chart) Render(w io.Writer, pal Palette) error {
	h, wd := c.Height, c.Width
	if h <= 1 {
		h = 10
	}
	if wd <= 1 {
		wd = 60
	}
	n := 0
	for _, s := range c.Series {
		n = max(n, len(s.Y))
	}
	if n == 0 || !(c.YMax > c.YMin) {
		return nil
	}
	label := c.YLabel
	if label == nil {
		label = func(v float64) string { return fmt.Sprintf("%.2g", v) }
	}
	grid := make([][]string, h)
	for r := range grid {
		grid[r] = make([]string, wd)
		for k := range grid[r] {
			grid[r][k] = " "
		}
	}
	for _, s := range c.Series {
		g := string(s.Glyph)
		if s.Paint != nil {
			g = s.Paint(pal, g)
		}
		for col := 0; col < wd; col++ {
			y := sample(s.Y, col, wd, n)
			if math.IsNaN(y) {
				continue
			}
			f := (math.Max(c.YMin, math.Min(c.YMax, y)) - c.YMin) / (c.YMax - c.YMin)
			row := h - 1 - int(math.Round(f*float64(h-1)))
			grid[row][col] = g
		}
	}
	top, mid, bottom := label(c.YMax), label((c.YMin+c.YMax)/2), label(c.YMin)
	lw := max(len([]rune(top)), len([]rune(mid)), len([]rune(bottom)))
	pad := func(s string) string { return strings.Repeat(" ", lw-len([]rune(s))) + s }
	midRow := h - 1 - int(math.Round(0.5*float64(h-1))) // where a point at the middle value is drawn
	var b strings.Builder
	for r := 0; r < h; r++ {
		l := strings.Repeat(" ", lw)
		switch r {
		case 0:
			l = pad(top)
		case midRow:
			l = pad(mid)
		case h - 1:
			l = pad(bottom)
		}
		fmt.Fprintf(&b, "%s ┤%s\n", l, strings.TrimRight(strings.Join(grid[r], ""), " "))
	}
	fmt.Fprintf(&b, "%s └%s\n", strings.Repeat(" ", lw), strings.Repeat("─", wd))
	// x labels: first, middle and last epoch under their columns.
	xs := []rune(strings.Repeat(" ", wd+2))
	put := func(col int, text string) {
		start := min(max(col, 0), wd+2-len(text))
		copy(xs[start:], []rune(text))
	}
	put(1, "1")
	if n > 2 {
		m := (n + 1) / 2
		put(1+int(math.Round(float64(m-1)/float64(n-1)*float64(wd-1)))-len(fmt.Sprint(m))/2, fmt.Sprint(m))
	}
	if n > 1 {
		put(wd+1-len(fmt.Sprint(n)), fmt.Sprint(n))
	}
	fmt.Fprintf(&b, "%s %s %s\n", strings.Repeat(" ", lw), strings.TrimRight(string(xs), " "), c.XName)
	var legend []string
	for _, s := range c.Series {
		g := string(s.Glyph)
		if s.Paint != nil {
			g = s.Paint(pal, g)
		}
		legend = append(legend, g+" "+s.Name)
	}
	fmt.Fprintf(&b, "%s  %s\n", strings.Repeat(" ", lw), strings.Join(legend, "   "))
	_, err := io.WriteString(w, b.String())
	return err
}

// sample returns the series' value at plot column col of wd, where the
// columns span x = 1..n, interpolating between whole x.
func sample(y []float64, col, wd, n int) float64 {
	if n == 1 {
		if len(y) == 0 {
			return math.NaN()
		}
		return y[0]
	}
	x := float64(col) / float64(wd-1) * float64(n-1) // 0-based
	i := int(math.Floor(x))
	if i >= len(y) {
		return math.NaN()
	}
	if i+1 >= len(y) || x == float64(i) {
		if x > float64(i) && i+1 >= len(y) && i+1 < n {
			return math.NaN() // the curve ended at i
		}
		return y[i]
	}
	f := x - float64(i)
	a, b := y[i], y[i+1]
	switch {
	case math.IsNaN(a) && math.IsNaN(b):
		return math.NaN()
	case math.IsNaN(b):
		if f < 0.5 {
			return a
		}
		return math.NaN()
	case math.IsNaN(a):
		if f >= 0.5 {
			return b
		}
		return math.NaN()
	}
	return a + f*(b-a)
}
