// Package render draws backstep's terminal output: tables (tablewriter),
// colour (fatih/color), numbers at fixed precision, progress bars and
// charts, and JSON with non-finite numbers written as strings.
//
// Every renderer takes an explicit colour switch instead of reading
// color.NoColor, so output is deterministic and golden files are stable.
//
// Every renderer also takes the width its lines must fit (80 to 100
// columns on a terminal, 100 off one; the CLI decides it once). Text wraps
// between words through one wrapper (Wrap, Pack, Paragraph in text.go);
// tables are narrowed by tablewriter itself (Table).
package render
