package render

import (
	"bytes"
	"strings"
	"testing"
)

func TestFitWidth(t *testing.T) {
	for cols, want := range map[int]int{0: 80, 60: 80, 80: 80, 91: 91, 100: 100, 240: 100} {
		if got := FitWidth(cols); got != want {
			t.Errorf("FitWidth(%d) = %d, want %d", cols, got, want)
		}
	}
}

func TestWrapKeepsPercentAndIgnoresColour(t *testing.T) {
	got := Wrap("fell below 10.00 % at epoch 2", 14)
	if strings.Join(got, "|") != "fell below|10.00 % at|epoch 2" {
		t.Errorf("Wrap = %q", got)
	}
	red := "\x1b[31mwrong\x1b[0m"
	if got := Wrap("a "+red+" b", 9); len(got) != 1 {
		t.Errorf("escape sequences take room: %q", got)
	}
}

func TestParagraph(t *testing.T) {
	var b bytes.Buffer
	Paragraph(&b, 30, "warning  ", -1, "X, Y, W1, b1 are float32, upcast to float64: it carries about 7 digits", nil)
	want := "warning  X, Y, W1, b1 are\n" +
		"         float32, upcast to\n" +
		"         float64: it carries\n" +
		"         about 7 digits\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestTableFits: a table that fits is drawn whole; a wider one is
// narrowed by tablewriter's wrapping until it fits, losing no word.
func TestTableFits(t *testing.T) {
	headers := []string{"epoch", "buggy loss", "train", "held-out", "reported", "correct loss", "train", "held-out"}
	rows := [][]string{{"1", "117.4851", "10.03 %", "9.95 %", "0.00 %", "2.3031", "6.22 %", "6.15 %"},
		{"25", "71.6349", "11.31 %", "11.50 %", "0.12 %", "1.4763", "62.90 %", "68.20 %"}}
	draw := func(width int) string {
		var b bytes.Buffer
		if err := Table(&b, width, headers, rows, 0, 1, 2, 3, 4, 5, 6, 7); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	whole := draw(100)
	if !strings.Contains(whole, "│ epoch │ buggy loss │") || strings.Count(whole, "\n") != 6 {
		t.Errorf("a table that fits 100 columns is not drawn whole:\n%s", whole)
	}
	narrow := draw(80)
	for _, l := range strings.Split(narrow, "\n") {
		if w := DisplayWidth(l); w > 80 {
			t.Errorf("line of %d columns at 80:\n%s", w, narrow)
		}
	}
	for _, cell := range append(append([]string{}, rows[1]...), "buggy", "correct", "held-out") {
		if !strings.Contains(narrow, cell) {
			t.Errorf("the narrowed table lost %q:\n%s", cell, narrow)
		}
	}
}
