// Package render draws backstep's terminal output: tables (tablewriter),
// colour (fatih/color), numbers at fixed precision, progress bars and
// charts, and JSON with non-finite numbers written as strings.
//
// Every renderer takes an explicit colour switch instead of reading
// color.NoColor, so output is deterministic and golden files are stable.
// Output is meant to fit a 100-column terminal.
package render
