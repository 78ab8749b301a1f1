package render

import "github.com/fatih/color"

// Palette colours text when enabled and returns it unchanged otherwise.
type Palette struct{ Enabled bool }

func (p Palette) paint(s string, attrs ...color.Attribute) string {
	if !p.Enabled {
		return s
	}
	c := color.New(attrs...)
	c.EnableColor()
	return c.Sprint(s)
}

// Good is for passing verdicts and healthy values.
func (p Palette) Good(s string) string { return p.paint(s, color.FgGreen) }

// Warn is for suspicious values.
func (p Palette) Warn(s string) string { return p.paint(s, color.FgYellow) }

// Bad is for wrong values, errors and bug markers.
func (p Palette) Bad(s string) string { return p.paint(s, color.FgRed, color.Bold) }

// Dim is for secondary detail.
func (p Palette) Dim(s string) string { return p.paint(s, color.Faint) }

// Bold is for names and headings.
func (p Palette) Bold(s string) string { return p.paint(s, color.Bold) }

// Accent is for the current line and prompts.
func (p Palette) Accent(s string) string { return p.paint(s, color.FgCyan) }
