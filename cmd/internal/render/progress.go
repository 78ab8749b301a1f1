package render

import (
	"fmt"
	"io"
	"strings"
)

// Progress draws a one-line bar on a terminal's error stream, redrawn in
// place. When Enabled is false (not a terminal) it draws nothing.
type Progress struct {
	W       io.Writer
	Enabled bool
	Label   string
	Total   int
	// Columns is the terminal's width (0: DefaultWidth): the bar's line
	// is cut to fit, since a line that wraps cannot be redrawn in place.
	Columns int
	width   int
}

// Update redraws the bar at done of Total, followed by a short note.
func (p *Progress) Update(done int, note string) {
	if !p.Enabled || p.Total <= 0 {
		return
	}
	const bar = 24
	fill := bar * done / p.Total
	line := fmt.Sprintf("%s %s%s %d/%d %s", p.Label, strings.Repeat("█", fill), strings.Repeat("░", bar-fill), done, p.Total, note)
	cols := p.Columns
	if cols <= 0 {
		cols = DefaultWidth
	}
	line = "\r" + cond.Truncate(line, cols-1, "…")
	if n := len([]rune(line)); n < p.width {
		line += strings.Repeat(" ", p.width-n)
	} else {
		p.width = n
	}
	fmt.Fprint(p.W, line)
}

// Done erases the bar.
func (p *Progress) Done() {
	if !p.Enabled || p.width == 0 {
		return
	}
	fmt.Fprint(p.W, "\r"+strings.Repeat(" ", p.width)+"\r")
	p.width = 0
}
