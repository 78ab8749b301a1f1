// Package cli is backstep's command tree (cobra). Each command follows one
// pattern: NewCmdX(io, runF) parses flags into an XOptions struct and xRun
// does the work by calling the library packages (lessons, net, tracer),
// writing only to the streams in IOStreams, at the width IOStreams.Width
// (--width, the terminal's, or 100). Errors a user causes become one
// line on stderr and exit code 2; a check that finds faults exits 1.
package cli
