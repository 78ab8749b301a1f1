package render

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backstep/backstep/cmd/internal/golden"
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
