package cli

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the streams a command reads and writes, and what is known
// about them. Tests build one over buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InTTY, OutTTY and ErrTTY say whether each stream is a terminal.
	InTTY, OutTTY, ErrTTY bool
	// Color is decided once from --color, NO_COLOR and OutTTY.
	Color bool
}

// System returns the process's own streams.
func System() *IOStreams {
	isTTY := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY: isTTY(os.Stdin), OutTTY: isTTY(os.Stdout), ErrTTY: isTTY(os.Stderr)}
}

// decideColor applies --color: "always", "never", or "auto" (colour when
// stdout is a terminal and NO_COLOR is unset, per no-color.org).
func (s *IOStreams) decideColor(mode string, noColorEnv bool) error {
	switch mode {
	case "always":
		s.Color = true
	case "never":
		s.Color = false
	case "auto", "":
		s.Color = s.OutTTY && !noColorEnv
	default:
		return usagef("--color must be auto, always or never, got %q", mode)
	}
	return nil
}
