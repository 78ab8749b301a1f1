package repl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"

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
	// Width, if set, is the window's width in columns as it is now: it is
	// read before every command, so the output of each fits the window
	// even after a resize (readline redraws its own line on SIGWINCH).
	// When nil, the Trace's width stays.
	Width func() int
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
	breaks []breakpoint
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
		in := &lineCap{r: readCloser(cfg.In)}
		rl, err := readline.NewEx(&readline.Config{
			Prompt:          d.pal.Accent("(backstep)") + " ",
			Stdin:           in,
			Stdout:          cfg.Out,
			InterruptPrompt: "^C",
			EOFPrompt:       "quit",
			AutoComplete:    d.completer(),
		})
		if err != nil {
			return fmt.Errorf("repl: cannot use the terminal (%v): run with --interactive off for the printed trace", err)
		}
		r = termReader{rl, in}
		if cfg.Interrupts == nil {
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, os.Interrupt)
			defer signal.Stop(ch)
			d.intr = ch
		}
	} else {
		r = &scriptReader{in: bufio.NewReader(cfg.In), out: cfg.Out}
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
		case errors.Is(err, errLongLine):
			fmt.Fprintf(d.out, "(a line longer than %d characters was ignored: commands are short; type help for them)\n", MaxLine)
			continue
		case err != nil:
			return fmt.Errorf("repl: reading a command (%v): the session ended", err)
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

// fitWindow lays the next output out for the window as it is now.
func (d *Debugger) fitWindow() {
	if d.cfg.Width != nil {
		d.t.Width = d.cfg.Width()
	}
}

// width is the number of columns the debugger's output fits in.
func (d *Debugger) width() int {
	if d.t.Width <= 0 {
		return render.DefaultWidth
	}
	return d.t.Width
}

// paragraph writes text wrapped between words to the debugger's width,
// every line flush left (say indents a message's later lines).
func (d *Debugger) paragraph(text string) {
	for _, l := range render.Wrap(text, d.width()) {
		fmt.Fprintln(d.out, l)
	}
}

// start prints the header and shows the first statement, executed.
func (d *Debugger) start() {
	d.fitWindow()
	if d.cfg.Header != "" {
		fmt.Fprintln(d.out, d.cfg.Header)
	}
	p := d.st.Program
	d.paragraph(fmt.Sprintf("one training iteration: %d statements. n runs the next statement, s the next operation "+
		"inside it, c runs to a breakpoint or the end; help lists the commands, help terms explains the marks ✗ ≠ ⚠ •.", len(p.Statements)))
	d.nextStatements(1)
}

// Exec runs one command line. An empty line repeats the last command.
func (d *Debugger) Exec(line string) {
	d.fitWindow()
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
		// A hint may follow the error on a line of its own.
		d.say(fmt.Sprintf("%s: %v", cmd.aliases[0], err))
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

// MaxLine is the longest command line the debugger reads, in bytes. A
// longer line (a stray paste) is ignored with a note, and the session goes
// on: no command needs more than a few dozen characters.
const MaxLine = 1024

// errLongLine is a line longer than MaxLine.
var errLongLine = errors.New("line too long")

// scriptReader reads commands from any reader and echoes them after the
// prompt, so the output reads like a session.
type scriptReader struct {
	in  *bufio.Reader
	out io.Writer
}

func (s *scriptReader) Close() error { return nil }

func (s *scriptReader) ReadLine() (string, error) {
	fmt.Fprint(s.out, Prompt)
	line, err := readCapped(s.in)
	switch {
	case errors.Is(err, errLongLine):
		fmt.Fprintf(s.out, "%s…\n", line)
		return "", err
	case err == io.EOF && line == "":
		fmt.Fprintln(s.out)
		return "", io.EOF
	case err != nil && err != io.EOF:
		fmt.Fprintln(s.out)
		return "", err
	}
	fmt.Fprintln(s.out, line)
	return line, nil
}

// readCapped reads one line of any length, keeping at most MaxLine bytes
// of it: what comes after is read and dropped, so a line of megabytes
// costs no memory. A longer line returns its first 40 bytes and
// errLongLine. A last line without a newline is returned with io.EOF.
func readCapped(r *bufio.Reader) (string, error) {
	var line []byte
	long := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !long {
			if len(line)+len(chunk) > MaxLine+1 { // +1: the newline
				long = true
				line = append(line, chunk[:min(len(chunk), 40)]...)
			} else {
				line = append(line, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		text := strings.TrimRight(string(line), "\r\n")
		switch {
		case long:
			return strings.TrimSpace(string([]rune(text)[:min(40, len([]rune(text)))])), errLongLine
		case err != nil && (err != io.EOF || text == ""):
			return text, err
		}
		return text, nil
	}
}

// termReader reads lines with readline: editing, history, completion.
type termReader struct {
	rl  *readline.Instance
	cap *lineCap
}

func (t termReader) ReadLine() (string, error) {
	line, err := t.rl.Readline()
	if errors.Is(err, readline.ErrInterrupt) {
		t.cap.reset()
		return "", errInterrupt
	}
	if err == nil && t.cap.cut() {
		return "", errLongLine
	}
	return line, err
}

func (t termReader) Close() error { return t.rl.Close() }

// lineCap passes the terminal's input to readline, dropping the bytes of
// a line past MaxLine before readline sees them. readline redraws the
// whole line for every character it receives, so a 30,000-character paste
// would write hundreds of megabytes to the terminal and blank it for
// minutes; capped, it costs a blink.
type lineCap struct {
	r io.ReadCloser

	mu      sync.Mutex
	n       int    // bytes of the current line passed on
	dropped bool   // the current line lost bytes
	ended   []bool // for each line ended by Enter and not yet read: did it lose bytes?
}

func (c *lineCap) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		if m := c.filter(p[:n]); m > 0 || err != nil {
			return m, err
		}
		// Everything read was dropped: read on rather than return 0 bytes,
		// which readers take for no progress.
	}
}

// filter drops the bytes past MaxLine in place and returns how many remain.
func (c *lineCap) filter(p []byte) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := p[:0]
	for _, b := range p {
		switch b {
		case '\r', '\n': // Enter ends the line
			c.ended = append(c.ended, c.dropped)
			c.n, c.dropped = 0, false
		case 3, 21: // Ctrl-C, Ctrl-U: the line is thrown away
			c.n, c.dropped = 0, false
		case 8, 127: // backspace
			c.n = max(0, c.n-1)
		default:
			if c.n >= MaxLine {
				c.dropped = true
				continue
			}
			c.n++
		}
		out = append(out, b)
	}
	return len(out)
}

func (c *lineCap) Close() error { return c.r.Close() }

// cut reports whether the line readline just returned lost bytes.
func (c *lineCap) cut() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ended) == 0 {
		return false
	}
	t := c.ended[0]
	c.ended = c.ended[1:]
	return t
}

// reset forgets the line Ctrl-C threw away.
func (c *lineCap) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.dropped = 0, false
}

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
