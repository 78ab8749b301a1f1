package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
)

// The widths output is laid out for. A terminal narrower than MinWidth
// still gets MinWidth (80 columns, the default of most terminals); a wider
// one gets its own width up to DefaultWidth, the width of output that does
// not go to a terminal (a pipe, a file, the README's pastes).
const (
	MinWidth     = 80
	DefaultWidth = 100
)

// FitWidth is the width output takes in a terminal of cols columns (0 or
// less: unknown, taken as MinWidth): cols clamped to MinWidth…DefaultWidth.
func FitWidth(cols int) int {
	return min(max(cols, MinWidth), DefaultWidth)
}

// cond measures display widths without guessing the locale: ×, ·, ᵀ and
// the box characters count as one column, as on a western terminal.
var cond = &runewidth.Condition{EastAsianWidth: false}

// DisplayWidth is the number of terminal columns s takes (no escape
// sequences).
func DisplayWidth(s string) int { return cond.StringWidth(s) }

// VisibleWidth is the number of terminal columns s takes once its colour
// escape sequences are left out.
func VisibleWidth(s string) int { return DisplayWidth(StripANSI(s)) }

// Widest is the visible width of the longest line of text.
func Widest(text string) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		n = max(n, VisibleWidth(l))
	}
	return n
}

// StripANSI drops colour escape sequences (ESC [ … m).
func StripANSI(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '\x1b':
			in = true
		case in && r == 'm':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pad fills s with spaces to width columns.
func pad(s string, width int) string {
	if w := DisplayWidth(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}

// Wrap breaks text into lines of at most width columns between words; a
// word longer than width is cut. Colour escape sequences take no room.
// It is backstep's one word wrapper: every paragraph of every command
// goes through it. A percent sign stays with its number ("10.00 %").
func Wrap(text string, width int) []string {
	var words []string
	for _, w := range strings.Fields(text) {
		if n := len(words); n > 0 && strings.HasPrefix(StripANSI(w), "%") {
			words[n-1] += " " + w
			continue
		}
		words = append(words, w)
	}
	return Pack(words, width)
}

// Pack fills lines of at most width columns with items, one space between
// two on a line: Wrap's words, or phrases that must not break inside
// (an axis list's "b1 1 × 60 hidden,"). An item longer than width is cut.
func Pack(items []string, width int) []string {
	width = max(width, 1)
	var pieces []string
	for _, w := range items {
		for VisibleWidth(w) > width {
			cut := cond.Truncate(w, width, "")
			pieces = append(pieces, cut)
			w = w[len(cut):]
		}
		pieces = append(pieces, w)
	}
	return fill(pieces, func(line string) bool { return VisibleWidth(line) <= width })
}

// fill puts items on lines in order, one space between two on a line, a
// line taking the next item while fits(line) still holds; an item too
// long for any line stands on a line of its own. Pack measures lines in
// terminal columns, a plot's notes in points.
func fill(items []string, fits func(line string) bool) []string {
	var lines []string
	line := ""
	for _, w := range items {
		switch {
		case w == "":
		case line == "":
			line = w
		case fits(line + " " + w):
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// Paragraph writes head followed by text wrapped between words to width
// columns; continuation lines start at column indent (head's visible width
// when indent is negative). head may be coloured; paint, if set, colours
// each line of text.
func Paragraph(w io.Writer, width int, head string, indent int, text string, paint func(string) string) {
	hw := VisibleWidth(head)
	if indent < 0 {
		indent = hw
	}
	first := Wrap(text, max(width-max(hw, indent), 20))
	if len(first) == 0 {
		fmt.Fprintln(w, strings.TrimRight(head, " "))
		return
	}
	if paint == nil {
		paint = func(s string) string { return s }
	}
	fmt.Fprintln(w, head+paint(first[0]))
	for _, l := range Wrap(strings.Join(first[1:], " "), max(width-indent, 20)) {
		fmt.Fprintln(w, strings.Repeat(" ", indent)+paint(l))
	}
}
