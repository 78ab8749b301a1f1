package render

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Curve is one line of a plot panel: a value per x = 1, 2, ...; NaN and
// ±Inf values leave a gap, and a point with gaps on both sides is drawn
// as a dot.
type Curve struct {
	Name   string
	Y      []float64
	Color  color.Color
	Dashed bool
	// Wide draws the line twice as wide, so that a curve drawn after it
	// on the same values leaves it showing as a border (the correct run
	// under a buggy one whose bug changes nothing it plots).
	Wide bool
	// Marks puts a dot on the line every few points, so that it shows
	// even where it runs along an axis or a grid line.
	Marks bool
}

// Panel is one plot of a figure.
type Panel struct {
	Title  string
	YLabel string
	XLabel string
	// YUnit follows a y value in a note: "%".
	YUnit string
	// Log draws the y axis on a log scale (values ≤ 0 leave gaps).
	Log bool
	// YMin and YMax fix the y range when YMax > YMin; the notes say where
	// a curve leaves it.
	YMin, YMax float64
	Curves     []Curve
	// Notes are sentences printed under the legend, beside the plot.
	Notes []string
}

// The plot colours: the buggy run red, the correct one blue, a third
// curve (a reported metric) orange.
var (
	BuggyColor    = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	CorrectColor  = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	ReportedColor = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
)

// PlotFormat checks that path ends in .png or .svg and returns which.
func PlotFormat(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png", ".svg":
		return ext[1:], nil
	default:
		return "", fmt.Errorf("--plot %s: the file must end in .png or .svg", path)
	}
}

// Figure geometry: each panel is 3.2 inches high; the plots take the
// left of a 9-inch width and the legends and notes a column on the right,
// outside the data.
const (
	figureWidth = 9 * vg.Inch
	panelHeight = 3.2 * vg.Inch
	sideWidth   = 2.4 * vg.Inch
)

// WritePlot draws the panels one above the other under a title and
// writes them to path as a PNG or an SVG (by its extension), each with
// its legend and notes in a column to its right.
func WritePlot(path, title string, panels []Panel) error {
	format, err := PlotFormat(path)
	if err != nil {
		return err
	}
	figs := make([]*panelFigure, len(panels))
	plots := make([][]*plot.Plot, len(panels))
	for i, pn := range panels {
		f, err := panelPlot(pn)
		if err != nil {
			return err
		}
		if i == 0 {
			f.plot.Title.Text = title + "\n" + pn.Title
		}
		figs[i], plots[i] = f, []*plot.Plot{f.plot}
	}
	w, h := figureWidth, vg.Length(len(panels))*panelHeight
	var canvas vg.CanvasWriterTo
	if format == "svg" {
		canvas = vgsvg.New(w, h)
	} else {
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110),
			vgimg.UseBackgroundColor(color.White))}
	}
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(6),
		PadLeft: vg.Points(6), PadRight: vg.Points(12), PadY: vg.Points(14)}
	canvases := plot.Align(plots, tiles, draw.Crop(dc, 0, -sideWidth, 0, 0))
	for i, f := range figs {
		f.plot.Draw(canvases[i][0])
		// The side column starts level with the top of the data area.
		data := f.plot.DataCanvas(canvases[i][0])
		side := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: dc.Max.X - sideWidth, Y: canvases[i][0].Min.Y},
			Max: vg.Point{X: dc.Max.X - vg.Points(6), Y: data.Max.Y}}}
		f.drawSide(side)
	}
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--plot: %v", err)
	}
	if _, err := canvas.WriteTo(file); err != nil {
		file.Close()
		return fmt.Errorf("--plot: writing %s: %v", path, err)
	}
	return file.Close()
}

// panelFigure is one panel ready to draw: the plot (axes, ticks, lines;
// its own legend empty) and what goes in the column beside it.
type panelFigure struct {
	plot   *plot.Plot
	legend plot.Legend
	names  []string // the legend's entries, in order
	notes  []string
}

// drawSide draws the legend at the top of c and the notes under it,
// wrapped to c's width.
func (f *panelFigure) drawSide(c draw.Canvas) {
	f.legend.Draw(c)
	sty := f.legend.TextStyle
	lineH := sty.Rectangle("Xg").Max.Y * 1.15
	y := c.Max.Y - f.legend.Rectangle(c).Size().Y - 1.5*lineH
	fits := func(line string) bool { return sty.Rectangle(line).Max.X <= c.Max.X-c.Min.X }
	for _, note := range f.notes {
		for _, line := range fill(strings.Fields(note), fits) {
			c.FillText(sty, vg.Point{X: c.Min.X, Y: y}, line)
			y -= lineH
		}
		y -= lineH / 2
	}
}

// lineWidth is a curve's width; a Wide one is drawn under the others.
const lineWidth = 2

func panelPlot(pn Panel) (*panelFigure, error) {
	p := plot.New()
	f := &panelFigure{plot: p, legend: plot.NewLegend()}
	p.Title.Text = pn.Title
	p.X.Label.Text = pn.XLabel
	p.Y.Label.Text = pn.YLabel
	p.Add(plotter.NewGrid())
	f.legend.Top, f.legend.Left = true, true
	f.legend.TextStyle.Font.Size = vg.Points(10)
	f.legend.ThumbnailWidth = vg.Points(24)
	f.legend.Padding = vg.Points(3)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range pn.Curves {
		for _, v := range c.Y {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && (!pn.Log || v > 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	// A log scale only helps when the values span more than a factor 10.
	if pn.Log && !(hi > 10*lo) {
		pn.Log = false
	}
	if pn.Log {
		p.Y.Label.Text += " (log scale)"
		p.Y.Scale = plot.LogScale{}
	}
	n := 0
	for _, c := range pn.Curves {
		n = max(n, len(c.Y))
	}
	for _, c := range pn.Curves {
		var thumbs []plot.Thumbnailer
		width := vg.Points(lineWidth)
		if c.Wide {
			width *= 2
		}
		for _, seg := range segments(c.Y, pn.Log) {
			line, err := plotter.NewLine(seg)
			if err != nil {
				return nil, fmt.Errorf("--plot: %v", err)
			}
			line.Color = c.Color
			line.Width = width
			if c.Dashed {
				line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
			}
			p.Add(line)
			if thumbs == nil {
				thumbs = append(thumbs, line)
			}
			var dots plotter.XYs
			switch {
			case len(seg) == 1:
				dots = seg
			case c.Marks:
				every := max(1, (n+19)/20) // about 20 dots across the plot
				for _, pt := range seg {
					if int(pt.X-1)%every == 0 {
						dots = append(dots, pt)
					}
				}
			}
			if len(dots) > 0 {
				pts, err := plotter.NewScatter(dots)
				if err != nil {
					return nil, fmt.Errorf("--plot: %v", err)
				}
				pts.Color = c.Color
				pts.Shape = draw.CircleGlyph{}
				pts.Radius = vg.Points(3)
				p.Add(pts)
				if c.Marks && len(thumbs) == 1 {
					thumbs = append(thumbs, pts)
				}
			}
		}
		if thumbs != nil {
			f.legend.Add(c.Name, thumbs...)
			f.names = append(f.names, c.Name)
		}
	}
	f.notes = append(f.notes, pn.Notes...)
	f.notes = append(f.notes, coinciding(pn.Curves)...)
	p.X.Min, p.X.Max = 1, math.Max(2, float64(n))
	p.X.Tick.Marker = roundTicks{integer: true}
	switch {
	case pn.YMax > pn.YMin:
		p.Y.Min, p.Y.Max = pn.YMin, pn.YMax
		p.Y.Tick.Marker = roundTicks{}
		f.notes = append(f.notes, offScale(pn)...)
	case pn.Log:
		span := hi / lo
		p.Y.Min, p.Y.Max = lo/math.Pow(span, 0.05), hi*math.Pow(span, 0.05)
		p.Y.Tick.Marker = logTicks{}
	case hi >= lo:
		pad := 0.05 * math.Max(hi-lo, 0.1*math.Abs(hi))
		if pad == 0 {
			pad = 0.5
		}
		p.Y.Min, p.Y.Max = lo-pad, hi+pad
		p.Y.Tick.Marker = roundTicks{}
	}
	return f, nil
}

// coinciding says which curves have the same values as one drawn before
// them, so a reader knows why one line hides inside another.
func coinciding(curves []Curve) []string {
	var notes []string
	for j, b := range curves {
		for _, a := range curves[:j] {
			if a.Dashed == b.Dashed && sameValues(a.Y, b.Y) {
				notes = append(notes, fmt.Sprintf("%s: the same values as %s, drawn inside it", b.Name, a.Name))
				break
			}
		}
	}
	return notes
}

// sameValues reports whether two curves agree everywhere to 1e-9
// relative, gaps included.
func sameValues(a, b []float64) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if math.IsNaN(x) != math.IsNaN(y) || !math.IsNaN(x) && math.Abs(x-y) > 1e-9*math.Max(1, math.Abs(x)) {
			return false
		}
	}
	return true
}

// offScale says where a curve leaves a fixed y range: a reported
// accuracy that passes 100 %, say.
func offScale(pn Panel) []string {
	var notes []string
	for _, c := range pn.Curves {
		first, worst, at := 0, 0.0, 0
		for i, v := range c.Y {
			if !(v > pn.YMax || v < pn.YMin) {
				continue
			}
			if first == 0 {
				first = i + 1
			}
			if d := math.Max(v-pn.YMax, pn.YMin-v); d > worst || math.IsInf(v, 0) {
				worst, at = d, i
			}
		}
		if first == 0 {
			continue
		}
		side, bound := "above", pn.YMax
		if c.Y[at] < pn.YMin {
			side, bound = "below", pn.YMin
		}
		notes = append(notes, fmt.Sprintf("%s: %s %s%s from epoch %d (%s%s at epoch %d), off the scale",
			c.Name, side, Num(bound), unitSpace(pn.YUnit), first, Num(c.Y[at]), unitSpace(pn.YUnit), at+1))
	}
	return notes
}

func unitSpace(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}

// roundTicks labels multiples of a step of 1, 2 or 5 times a power of
// ten, at most maxTicks of them, with unlabelled minor ticks between
// (the steps of R's pretty and of most plotting libraries). integer keeps
// every tick on a whole number, for epochs.
type roundTicks struct{ integer bool }

// maxTicks is the most labels an axis gets.
const maxTicks = 6

func (r roundTicks) Ticks(min, max float64) []plot.Tick {
	step, mant := roundStep(min, max, maxTicks, r.integer)
	var out []plot.Tick
	decimals := 0
	if step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	// Minor ticks split a step of 1 or 5 into fifths, of 2 into halves.
	minor := step / 5
	if mant == 2 {
		minor = step / 2
	}
	if r.integer && minor != math.Trunc(minor) {
		minor = 0
	}
	for k := math.Ceil(min/step - 1e-9); k*step <= max+1e-9*step; k++ {
		v := k*step + 0 // + 0 turns -0 into 0
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	if minor > 0 {
		for k := math.Ceil(min/minor - 1e-9); k*minor <= max+1e-9*minor; k++ {
			if v := k * minor; math.Abs(v/step-math.Round(v/step)) > 1e-9 {
				out = append(out, plot.Tick{Value: v})
			}
		}
	}
	return out
}

// roundStep is the smallest step of 1, 2 or 5 times a power of ten that
// puts at most most multiples in [min, max] (at least 1 when integer),
// and its mantissa.
func roundStep(min, max float64, most int, integer bool) (step, mant float64) {
	span := math.Max(max-min, 1e-12)
	for e := math.Floor(math.Log10(span/float64(most))) - 1; ; e++ {
		for _, m := range []float64{1, 2, 5} {
			step = m * math.Pow(10, e)
			if integer && step < 1 {
				continue
			}
			if math.Floor(max/step+1e-9)-math.Ceil(min/step-1e-9)+1 <= float64(most) {
				return step, m
			}
		}
	}
}

// logTicks labels 1, 2 and 5 times each power of ten, or only the powers
// when that would be more than maxTicks labels (then 2 and 5 are minor).
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= min && v <= max {
				out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
			}
		}
	}
	if len(out) > maxTicks {
		for i, t := range out {
			if m := t.Value / math.Pow(10, math.Floor(math.Log10(t.Value)+1e-9)); math.Abs(m-1) > 1e-9 {
				out[i].Label = ""
			}
		}
	}
	return out
}

// segments splits a curve at its gaps into drawable runs of points.
func segments(y []float64, log bool) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) || (log && v <= 0) {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: float64(i + 1), Y: v})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
