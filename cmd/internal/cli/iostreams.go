package cli

import (
	"io"
	"os"

	"github.com/backstep/backstep/cmd/internal/render"
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
	// Width is the number of columns every line of output fits in, decided
	// once from --width, or the terminal's width when OutTTY, or 100.
	Width int
	// TerminalWidth reads the output terminal's width in columns (0 when
	// it cannot); the debugger calls it again after a resize. Tests fake it.
	TerminalWidth func() int
	// widthForced is set when --width chose Width.
	widthForced bool
}

// System returns the process's own streams.
func System() *IOStreams {
	isTTY := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY: isTTY(os.Stdin), OutTTY: isTTY(os.Stdout), ErrTTY: isTTY(os.Stderr),
		TerminalWidth: func() int {
			w, _, err := term.GetSize(int(os.Stdout.Fd()))
			if err != nil {
				return 0
			}
			return w
		}}
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

// maxForcedWidth is the widest --width accepted: beyond it a line is
// harder to read than to scroll.
const maxForcedWidth = 250

// decideWidth applies --width (0: not given): forced, or the terminal's
// width fitted to 80–100 columns (render.FitWidth), or 100 when output is
// not a terminal.
func (s *IOStreams) decideWidth(forced int) error {
	switch {
	case forced != 0:
		if forced < render.MinWidth || forced > maxForcedWidth {
			return usagef("--width must be %d to %d columns, got %d", render.MinWidth, maxForcedWidth, forced)
		}
		s.Width, s.widthForced = forced, true
	case s.OutTTY:
		s.Width = render.FitWidth(s.terminalWidth())
	default:
		s.Width = render.DefaultWidth
	}
	return nil
}

func (s *IOStreams) terminalWidth() int {
	if s.TerminalWidth == nil {
		return 0
	}
	return s.TerminalWidth()
}

// width is Width, or 100 when no command decided it (tests that build
// an IOStreams and call a command's run function directly).
func (s *IOStreams) width() int {
	if s.Width <= 0 {
		return render.DefaultWidth
	}
	return s.Width
}

// liveWidth is what the debugger calls before each command: the window's
// width as it is now, unless --width fixed it or output is not a terminal.
func (s *IOStreams) liveWidth() func() int {
	if s.widthForced || !s.OutTTY {
		return nil
	}
	return func() int { return render.FitWidth(s.terminalWidth()) }
}
