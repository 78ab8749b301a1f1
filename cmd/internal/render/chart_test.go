package render

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/backstep/backstep/cmd/internal/golden"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// chartGolden compares got with testdata/golden/name.golden.
func chartGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Compare(t, filepath.Join("..", "..", "..", "testdata", "golden", name+".golden"), got)
}

func testChart() Chart {
	up := []float64{0.06, 0.26, 0.39, 0.46, 0.50, 0.52, 0.54, 0.55, 0.56, 0.57}
	down := []float64{0.06, 0.014, 0.009, 0.012, 0.015, math.NaN(), math.NaN()} // stopped after epoch 5
	return Chart{Height: 8, Width: 40, YMin: 0, YMax: 1, XName: "epoch",
		YLabel: func(v float64) string { return fmt.Sprintf("%.0f %%", 100*v) },
		Series: []Series{
			{Name: "correct", Y: up, Glyph: 'o', Paint: func(p Palette, g string) string { return p.Good(g) }},
			{Name: "buggy", Y: down, Glyph: 'x', Paint: func(p Palette, g string) string { return p.Bad(g) }},
		}}
}

func TestChartGolden(t *testing.T) {
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := testChart().Render(&b, Palette{Enabled: color}); err != nil {
			t.Fatal(err)
		}
		name := "chart"
		out := b.String()
		if color {
			name = "chart_color"
			out = strings.ReplaceAll(out, "\x1b", `\x1b`) // readable escapes
		} else if strings.Contains(out, "\x1b") {
			t.Fatal("colour escapes with colour off")
		}
		for _, line := range strings.Split(b.String(), "\n") {
			if !color && len([]rune(line)) > 100 {
				t.Errorf("line of %d columns", len([]rune(line)))
			}
		}
		chartGolden(t, name, out)
	}
}

func TestChartEdgeCases(t *testing.T) {
	var b bytes.Buffer
	if err := (Chart{YMin: 0, YMax: 1}).Render(&b, Palette{}); err != nil || b.Len() != 0 {
		t.Fatalf("an empty chart wrote %q, %v", b.String(), err)
	}
	one := Chart{YMin: 0, YMax: 1, Series: []Series{{Name: "one", Y: []float64{0.5}, Glyph: '*'}}}
	if err := one.Render(&b, Palette{}); err != nil || !strings.Contains(b.String(), "*") {
		t.Fatalf("a one-epoch chart: %q, %v", b.String(), err)
	}
}

func TestWritePlot(t *testing.T) {
	dir := t.TempDir()
	panels := []Panel{
		{Title: "accuracy", YLabel: "%", YMin: 0, YMax: 100, Curves: []Curve{
			{Name: "correct", Y: []float64{6, 26, 39}, Color: CorrectColor},
			{Name: "buggy", Y: []float64{6, 1, math.NaN()}, Color: BuggyColor, Dashed: true}}},
		{Title: "loss", Log: true, Curves: []Curve{
			{Name: "correct", Y: []float64{2.3, 2.2, 2.1}, Color: CorrectColor},
			{Name: "buggy", Y: []float64{2.3, math.Inf(1), math.NaN()}, Color: BuggyColor}}},
	}
	for _, name := range []string{"p.png", "p.svg"} {
		path := filepath.Join(dir, name)
		if err := WritePlot(path, "test", panels); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".png") && !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s is not a PNG", name)
		}
		if strings.HasSuffix(name, ".svg") && !bytes.Contains(b, []byte("<svg")) {
			t.Errorf("%s is not an SVG", name)
		}
	}
	if err := WritePlot(filepath.Join(dir, "p.jpg"), "test", panels); err == nil {
		t.Error("a .jpg path was accepted")
	}
}

// labels are the labelled ticks a ticker puts on [min, max].
func labels(tk plot.Ticker, min, max float64) []string {
	var out []string
	for _, t := range tk.Ticks(min, max) {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

// TestRoundTicks: axes are labelled at multiples of 1, 2 or 5 times a
// power of ten (never 4/16/28 or 2/8/14), at most six labels.
func TestRoundTicks(t *testing.T) {
	cases := []struct {
		min, max float64
		integer  bool
		want     string
	}{
		{1, 10, true, "2 4 6 8 10"},
		{1, 15, true, "5 10 15"},
		{1, 30, true, "5 10 15 20 25 30"},
		{1, 100, true, "20 40 60 80 100"},
		{1, 2, true, "1 2"},
		{1, 4, true, "1 2 3 4"},
		{0, 100, false, "0 20 40 60 80 100"},
		{2.2254, 2.3076, false, "2.24 2.26 2.28 2.30"},
		{-0.5, 0.5, false, "-0.4 -0.2 0.0 0.2 0.4"},
	}
	for _, c := range cases {
		if got := strings.Join(labels(roundTicks{integer: c.integer}, c.min, c.max), " "); got != c.want {
			t.Errorf("ticks over [%v, %v]: %s, want %s", c.min, c.max, got, c.want)
		}
	}
	// Every epoch count and a spread of ranges: evenly spaced labels, a
	// step of 1, 2 or 5 times a power of ten, 2 to 6 of them.
	check := func(min, max float64, integer bool) {
		var vals []float64
		for _, l := range labels(roundTicks{integer: integer}, min, max) {
			v, _ := strconv.ParseFloat(l, 64)
			vals = append(vals, v)
		}
		if len(vals) < 2 || len(vals) > maxTicks {
			t.Errorf("[%v, %v]: %d labels %v", min, max, len(vals), vals)
			return
		}
		step := vals[1] - vals[0]
		m := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9))
		if !(math.Abs(m-1) < 1e-6 || math.Abs(m-2) < 1e-6 || math.Abs(m-5) < 1e-6) {
			t.Errorf("[%v, %v]: step %v is not 1, 2 or 5 times a power of ten: %v", min, max, step, vals)
		}
		for i, v := range vals {
			if math.Abs(v-vals[0]-float64(i)*step) > 1e-6*step || math.Abs(v/step-math.Round(v/step)) > 1e-6 {
				t.Errorf("[%v, %v]: labels not multiples of %v: %v", min, max, step, vals)
				break
			}
		}
	}
	for n := 2; n <= 300; n++ {
		check(1, float64(n), true)
	}
	for _, r := range [][2]float64{{0, 1}, {0.013, 0.87}, {2.21, 2.31}, {-3, 7}, {100, 1300}, {0.0011, 0.0019}} {
		check(r[0], r[1], false)
	}
}

// accuracyPanel is the accuracy panel of a metric bug: training the same
// in both runs, the reported accuracy 0 and then past 100 %, the buggy
// held-out evaluated once.
func accuracyPanel() Panel {
	train := []float64{7, 26, 40, 46, 50, 52, 54, 55, 56, 57}
	reported := []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	past := []float64{6, 32, 71, 117, 167, 219, 272, 326, 381, 437}
	nan := math.NaN()
	return Panel{Title: "accuracy", YLabel: "accuracy (%)", YUnit: "%", YMin: 0, YMax: 100, Curves: []Curve{
		{Name: "correct, training", Y: train, Color: CorrectColor, Wide: true},
		{Name: "buggy, training", Y: append([]float64(nil), train...), Color: BuggyColor},
		{Name: "buggy, held-out", Y: []float64{6, nan, nan, nan, nan, nan, nan, nan, nan, nan}, Color: BuggyColor, Dashed: true},
		{Name: "buggy, reported by its code", Y: reported, Color: ReportedColor, Marks: true},
		{Name: "buggy, counted on", Y: past, Color: ReportedColor},
	}, Notes: []string{"buggy: predicting the held-out images fails from epoch 2"}}
}

// TestPanelModel: the accuracy axis runs 0–100 % exactly, every curve is
// in the legend, a lone point is a dot, and the notes say which curve
// hides inside another and which leaves the axis.
func TestPanelModel(t *testing.T) {
	f, err := panelPlot(accuracyPanel())
	if err != nil {
		t.Fatal(err)
	}
	p := f.plot
	if p.Y.Min != 0 || p.Y.Max != 100 {
		t.Errorf("accuracy axis %v–%v, want 0–100", p.Y.Min, p.Y.Max)
	}
	if got := strings.Join(labels(p.Y.Tick.Marker, p.Y.Min, p.Y.Max), " "); got != "0 20 40 60 80 100" {
		t.Errorf("accuracy ticks %s", got)
	}
	if got := strings.Join(labels(p.X.Tick.Marker, p.X.Min, p.X.Max), " "); p.X.Min != 1 || p.X.Max != 10 || got != "2 4 6 8 10" {
		t.Errorf("epoch axis %v–%v ticks %s", p.X.Min, p.X.Max, got)
	}
	want := []string{"correct, training", "buggy, training", "buggy, held-out", "buggy, reported by its code", "buggy, counted on"}
	if strings.Join(f.names, "|") != strings.Join(want, "|") {
		t.Errorf("legend %q, want %q", f.names, want)
	}
	notes := strings.Join(f.notes, "\n")
	for _, w := range []string{
		"buggy: predicting the held-out images fails from epoch 2",
		"buggy, training: the same values as correct, training, drawn inside it",
		"buggy, counted on: above 100 % from epoch 4 (437 % at epoch 10), off the scale",
	} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
	if strings.Contains(notes, "reported by its code:") {
		t.Errorf("a curve at 0 is on the scale:\n%s", notes)
	}
}

// TestPlotShowsEverySeries draws the panel and looks at the pixels of
// the data area: the correct run shows around the identical buggy line,
// and the reported accuracy of 0 shows on the axis.
func TestPlotShowsEverySeries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.png")
	pn := accuracyPanel()
	pn.Curves = pn.Curves[:4] // no curve past 100 % in the same colour
	if err := WritePlot(path, "test", []Panel{pn}); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	img, err := png.Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	// The data area is left of the side column (110 dots an inch).
	b := img.Bounds()
	dataRight := b.Max.X - int(float64(sideWidth/vg.Inch)*110)
	count := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < dataRight; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			count[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}]++
		}
	}
	for _, c := range []struct {
		name string
		col  color.RGBA
	}{{"correct", CorrectColor}, {"buggy", BuggyColor}, {"reported", ReportedColor}} {
		if count[c.col] < 50 {
			t.Errorf("the %s curve has %d pixels of its colour in the data area: not visible", c.name, count[c.col])
		}
	}
}
