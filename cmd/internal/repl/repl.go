package repl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/net"
	"github.com/chzyer/readline"
)

// Prompt is what the debugger prints before reading a command.
const Prompt = "(backstep) "

// Config is what a debugging session needs.
type Config struct {
	In  io.Reader
	Out io.Writer
	// Terminal selects line editing, history and completion (readline)
	// and catches Ctrl-C; otherwise commands are read line by line from
	// In and echoed after the prompt.
	Terminal bool
	Trace    *render.Trace
	// Header describes the network and data, printed once at the start.
	Header  string
	Stepper *net.Stepper
	// Restart makes a fresh stepper for the same iteration.
	Restart func() *net.Stepper
	// ImageHeight and ImageWidth are the size of one input image (28 × 28).
	ImageHeight, ImageWidth int
	// Interrupts, if set, delivers the interrupts that stop a continue.
	// When nil, a terminal session catches SIGINT itself.
	Interrupts <-chan os.Signal
}

// lineReader reads one command line. It returns io.EOF at the end of the
// input (Ctrl-D) and errInterrupt for Ctrl-C at the prompt.
type lineReader interface {
	ReadLine() (string, error)
	Close() error
}

var errInterrupt = errors.New("interrupt")

// Debugger is one session.
type Debugger struct {
	cfg   Config
	out   io.Writer
	t     *render.Trace
	pal   render.Palette
	st    *net.Stepper
	shown int // operations of the last record shown so far
	// breaks holds the breakpoints in the order they were set.
	breaks []string
	last   string // the last command line, repeated by an empty one
	quit   bool
	intr   <-chan os.Signal
}

// Run starts the debugger: it prints the header, executes and shows the
// first statement, then reads commands until quit or the end of input.
func Run(cfg Config) error {
	d := newDebugger(cfg)
	var r lineReader
	if cfg.Terminal {
		rl, err := readline.NewEx(&readline.Config{
			Prompt:          d.pal.Accent("(backstep)") + " ",
			Stdin:           readCloser(cfg.In),
			Stdout:          cfg.Out,
			InterruptPrompt: "^C",
			EOFPrompt:       "quit",
			AutoComplete:    d.completer(),
		})
		if err != nil {
			return fmt.Errorf("repl: cannot use the terminal: %v", err)
		}
		r = termReader{rl}
		if cfg.Interrupts == nil {
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, os.Interrupt)
			defer signal.Stop(ch)
			d.intr = ch
		}
	} else {
		r = &scriptReader{sc: bufio.NewScanner(cfg.In), out: cfg.Out}
	}
	defer r.Close()
	d.start()
	for !d.quit {
		// A Ctrl-C that arrived while a command ran (outside continue)
		// has done its job: it must not stop the next continue.
		d.drainInterrupts()
		line, err := r.ReadLine()
		switch {
		case errors.Is(err, errInterrupt):
			fmt.Fprintln(d.out, "(Ctrl-C stops a continue; type quit or press Ctrl-D to leave)")
			continue
		case err == io.EOF:
			return nil
		case err != nil:
			return fmt.Errorf("repl: reading a command: %v", err)
		}
		d.Exec(line)
	}
	return nil
}

func newDebugger(cfg Config) *Debugger {
	d := &Debugger{cfg: cfg, out: cfg.Out, t: cfg.Trace, st: cfg.Stepper, intr: cfg.Interrupts}
	if d.t == nil {
		d.t = &render.Trace{W: cfg.Out}
	}
	d.pal = d.t.Pal
	if d.cfg.ImageHeight == 0 {
		d.cfg.ImageHeight, d.cfg.ImageWidth = 28, 28
	}
	return d
}

// start prints the header and shows the first statement, executed.
func (d *Debugger) start() {
	if d.cfg.Header != "" {
		fmt.Fprintln(d.out, d.cfg.Header)
	}
	p := d.st.Program
	fmt.Fprintf(d.out, "one training iteration: %d statements. Type help for the commands; n runs the next\n"+
		"statement, s the next operation inside it, c runs to a breakpoint or the end.\n", len(p.Statements))
	d.nextStatements(1)
}

// Exec runs one command line. An empty line repeats the last command.
func (d *Debugger) Exec(line string) {
	line = strings.TrimSpace(line)
	if line == "" {
		line = d.last
		if line == "" {
			return
		}
	}
	d.last = line
	fields := strings.Fields(line)
	cmd, ok := lookup(fields[0])
	if !ok {
		fmt.Fprintf(d.out, "unknown command %q: type help for the list\n", fields[0])
		return
	}
	if err := cmd.fn(d, fields[1:]); err != nil {
		for i, l := range render.Wrap(fmt.Sprintf("%s: %v", cmd.aliases[0], err), render.Width-2) {
			if i > 0 {
				l = "  " + l
			}
			fmt.Fprintln(d.out, l)
		}
	}
}

func (d *Debugger) drainInterrupts() {
	if d.intr == nil {
		return
	}
	for {
		select {
		case <-d.intr:
		default:
			return
		}
	}
}

// interrupted reports whether Ctrl-C was pressed since the last check.
func (d *Debugger) interrupted() bool {
	if d.intr == nil {
		return false
	}
	select {
	case <-d.intr:
		return true
	default:
		return false
	}
}

// scriptReader reads commands from any reader and echoes them after the
// prompt, so the output reads like a session.
type scriptReader struct {
	sc  *bufio.Scanner
	out io.Writer
}

func (s *scriptReader) ReadLine() (string, error) {
	fmt.Fprint(s.out, Prompt)
	if !s.sc.Scan() {
		fmt.Fprintln(s.out)
		if err := s.sc.Err(); err != nil {
			return "", err
		}
		return "", io.EOF
	}
	line := s.sc.Text()
	fmt.Fprintln(s.out, line)
	return line, nil
}

func (s *scriptReader) Close() error { return nil }

type termReader struct{ rl *readline.Instance }

func (t termReader) ReadLine() (string, error) {
	line, err := t.rl.Readline()
	if errors.Is(err, readline.ErrInterrupt) {
		return "", errInterrupt
	}
	return line, err
}

func (t termReader) Close() error { return t.rl.Close() }

func readCloser(r io.Reader) io.ReadCloser {
	if rc, ok := r.(io.ReadCloser); ok {
		return rc
	}
	return io.NopCloser(r)
}

// completer offers the command names, then statement and variable names.
func (d *Debugger) completer() readline.AutoCompleter {
	names := func(string) []string {
		var out []string
		seen := map[string]bool{}
		for _, s := range d.st.Program.Statements {
			if !seen[s.Name] {
				seen[s.Name] = true
				out = append(out, s.Name)
			}
		}
		for n := range d.st.Vars {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
		return out
	}
	var items []readline.PrefixCompleterInterface
	for _, c := range commands {
		for _, a := range c.aliases {
			if c.names {
				items = append(items, readline.PcItem(a, readline.PcItemDynamic(names)))
			} else {
				items = append(items, readline.PcItem(a))
			}
		}
	}
	return readline.NewPrefixCompleter(items...)
}
