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
// ±Inf values leave a gap.
type Curve struct {
	Name   string
	Y      []float64
	Color  color.Color
	Dashed bool
}

// Panel is one plot of a figure.
type Panel struct {
	Title  string
	YLabel string
	XLabel string
	// Log draws the y axis on a log scale (values ≤ 0 leave gaps).
	Log bool
	// YMin and YMax fix the y range when YMax > YMin.
	YMin, YMax float64
	Curves     []Curve
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

// WritePlot draws the panels one above the other under a title and
// writes them to path as a PNG or an SVG (by its extension), 8 × 3.2
// inches a panel.
func WritePlot(path, title string, panels []Panel) error {
	format, err := PlotFormat(path)
	if err != nil {
		return err
	}
	plots := make([][]*plot.Plot, len(panels))
	for i, pn := range panels {
		p, err := panelPlot(pn)
		if err != nil {
			return err
		}
		if i == 0 {
			p.Title.Text = title + "\n" + pn.Title
		}
		plots[i] = []*plot.Plot{p}
	}
	w, h := 8*vg.Inch, vg.Length(len(panels))*3.2*vg.Inch
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
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--plot: %v", err)
	}
	if _, err := canvas.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("--plot: writing %s: %v", path, err)
	}
	return f.Close()
}

func panelPlot(pn Panel) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = pn.Title
	p.X.Label.Text = pn.XLabel
	p.Y.Label.Text = pn.YLabel
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(plotter.NewGrid())
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.ThumbnailWidth = vg.Points(24)
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
		p.Y.Tick.Marker = logTicks{}
	}
	n := 0
	for _, c := range pn.Curves {
		n = max(n, len(c.Y))
		first := true
		for _, seg := range segments(c.Y, pn.Log) {
			line, err := plotter.NewLine(seg)
			if err != nil {
				return nil, fmt.Errorf("--plot: %v", err)
			}
			line.Color = c.Color
			line.Width = vg.Points(2)
			if c.Dashed {
				line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
			}
			p.Add(line)
			if len(seg) == 1 {
				pts, _ := plotter.NewScatter(seg)
				pts.Color = c.Color
				pts.Shape = draw.CircleGlyph{}
				p.Add(pts)
			}
			if first {
				p.Legend.Add(c.Name, line)
				first = false
			}
		}
	}
	p.X.Min, p.X.Max = 1, math.Max(2, float64(n))
	// Headroom above the curves for the legend.
	switch {
	case pn.YMax > pn.YMin:
		p.Y.Min, p.Y.Max = pn.YMin, pn.YMax+(pn.YMax-pn.YMin)/3
		p.Y.Tick.Marker = boundedTicks{max: pn.YMax, Ticker: plot.DefaultTicks{}}
	case pn.Log:
		span := hi / lo
		p.Y.Min, p.Y.Max = lo/math.Pow(span, 0.05), hi*math.Pow(span, 0.4)
		p.Y.Tick.Marker = boundedTicks{max: hi * math.Pow(span, 0.05), Ticker: logTicks{}}
	case hi >= lo:
		pad := math.Max(hi-lo, 0.1*math.Abs(hi))
		p.Y.Min, p.Y.Max = lo-0.05*pad, hi+0.5*pad
		p.Y.Tick.Marker = boundedTicks{max: hi + 0.05*pad, Ticker: plot.DefaultTicks{}}
	}
	return p, nil
}

// boundedTicks drops the ticks above max, so the legend's headroom has
// no labels.
type boundedTicks struct {
	max float64
	plot.Ticker
}

func (b boundedTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range b.Ticker.Ticks(min, max) {
		if t.Value <= b.max {
			out = append(out, t)
		}
	}
	return out
}

// logTicks labels 1, 2 and 5 times each power of ten.
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
