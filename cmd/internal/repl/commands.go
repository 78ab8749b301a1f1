package repl

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// command is one debugger command. The table below is the only place a
// command is declared: help, help COMMAND and the README's reference come
// from it.
type command struct {
	aliases []string // the name first, then its short forms
	group   string
	args    string // how its arguments are written, e.g. "[N]"
	help    string // one line
	// more is what help COMMAND adds to the line: how the command behaves.
	more string
	// examples are forms of the command, each with what it does.
	examples []example
	// names is set when the arguments start with a statement or
	// variable name (for tab completion).
	names bool
	fn    func(d *Debugger, args []string) error
}

// example is one way to type a command and what it does.
type example struct{ form, does string }

// groups orders the help.
var groups = []string{"running", "breakpoints", "looking", "session"}

// statementArg is how the help says a statement is named.
const statementArg = "A statement is named by its number in list (the number after \"before statement\") or by the " +
	"name it assigns: 9 and db2 are the same statement; an update is named by its parameter (W1)."

var commands []command

func init() {
	commands = []command{
		{aliases: []string{"next", "n"}, group: "running", args: "[N]",
			help: "run the next statement (or N of them) and show every operation in it",
			more: "Each operation shows its operands' shapes and what each axis means, the axis it reduces over, " +
				"what was broadcast, and its values' mean, std, min and max. A breakpoint stops it early.",
			examples: []example{{"n", "run one statement"}, {"n 3", "run three statements"}},
			fn:       (*Debugger).cmdNext},
		{aliases: []string{"step", "s"}, group: "running",
			help: "run the next operation inside the current statement",
			more: "Where n runs a whole line such as the softmax, s shows its operations one at a time " +
				"(max, subtract, exp, sum, divide); the marker says how many of them ran.",
			examples: []example{{"s", "run one operation"}},
			fn:       (*Debugger).cmdStep},
		{aliases: []string{"continue", "c"}, group: "running",
			help: "run to the next breakpoint or the end of the iteration (Ctrl-C stops it)",
			more: "Statements it runs through print one line each: number, name, shape, and marks " +
				"(✗ a patched line or a NaN/Inf, ≠ a value other than the correct run's, ⚠ a shape or a note worth a look; " +
				"n on that statement, or e, says why).",
			examples: []example{{"c", "run on"}},
			fn:       (*Debugger).cmdContinue},
		{aliases: []string{"restart", "r"}, group: "running",
			help:     "start the iteration again from the first statement (breakpoints stay)",
			more:     "The weights are those the session started with: an update already run is undone.",
			examples: []example{{"r", "start over"}},
			fn:       (*Debugger).cmdRestart},
		{aliases: []string{"break", "b"}, group: "breakpoints", args: "STATEMENT|nan|shape-change", names: true,
			help: "stop before a statement, at the first NaN/Inf, or where a shape goes wrong; no argument lists them",
			more: statementArg + " nan stops at the operation that makes the first NaN or Inf; shape-change stops " +
				"after a statement whose shape differs from the correct line's, or an update that reshapes a parameter.",
			examples: []example{{"b 9", "stop before statement 9"}, {"b dW1", "stop before the statement that computes dW1"},
				{"b nan", "stop at the first NaN or Inf"}, {"b shape-change", "stop where a shape goes wrong"}, {"b", "list the breakpoints"}},
			fn: (*Debugger).cmdBreak},
		{aliases: []string{"delete", "d"}, group: "breakpoints", args: "[BREAKPOINT]", names: true,
			help: "remove the breakpoint on a statement (or nan, shape-change); no argument removes them all",
			more: "A BREAKPOINT is a statement, nan or shape-change, as break sets them. " + statementArg +
				" (Before clear came to empty the screen, clear STATEMENT removed a breakpoint; it still does.)",
			examples: []example{{"delete 9", "remove the breakpoint before statement 9"}, {"delete nan", "stop no more at a NaN"},
				{"delete", "remove every breakpoint"}},
			fn: (*Debugger).cmdDelete},
		{aliases: []string{"list", "l"}, group: "looking", args: "[STATEMENT]", names: true,
			help:     "show the whole step as a program, with => at the next statement; or the lines around one",
			more:     "● marks a breakpoint, ✗ a line a bug patched; lines already run are dimmed. " + statementArg,
			examples: []example{{"l", "the whole iteration"}, {"list 5", "statements 2 to 8"}, {"list dW1", "the lines around dW1"}},
			fn:       (*Debugger).cmdList},
		{aliases: []string{"print", "p"}, group: "looking", args: "EXPR", names: true,
			help: "print a value, sliced and transposed as in NumPy: p W1[0:3, 0:5], p W2.T, p lr",
			more: "Indexing follows NumPy: an integer picks one entry and drops its axis, a slice lo:hi:step keeps it, " +
				"negative numbers count from the end, .T reverses the axes, .shape gives the shape. The older form with " +
				"ranges after spaces (p W1 0:3 0:5) still works. As NumPy's print does, an array of up to 1000 elements " +
				"prints whole and a bigger one shows 3 entries at each end of every axis (np.set_printoptions threshold " +
				"and edgeitems); long rows continue on the next line. A number prints what that statement computed.",
			examples: []example{{"p W1[0:3, 0:5]", "three rows, five columns of W1"}, {"p W1[:, 0]", "the first column, as a vector"},
				{"p X[::20, 0]", "the first feature of every 20th sample"}, {"p W2.T", "W2 transposed"},
				{"p A2.shape", "A2's shape"}, {"p lr", "the learning rate"}, {"p m", "the number of samples"},
				{"p 9", "what statement 9 computed (db2)"}},
			fn: (*Debugger).cmdPrint},
		{aliases: []string{"shape"}, group: "looking", args: "NAME", names: true,
			help: "a value's shape and what each axis means",
			more: "For a parameter, it says whether the shape is the one the network expects: a bug can make an " +
				"update reshape it. A number names the value that statement computed.",
			examples: []example{{"shape b1", "b1's shape and axes"}, {"shape 12", "the shape of what statement 12 computed"}},
			fn:       (*Debugger).cmdShape},
		{aliases: []string{"stats"}, group: "looking", args: "NAME", names: true,
			help:     "a value's count, mean, std, min, max, L2 norm, zeros, NaN and Inf",
			more:     "A number names the value that statement computed.",
			examples: []example{{"stats A1", "A1's statistics"}, {"stats 3", "the statistics of what statement 3 computed"}},
			fn:       (*Debugger).cmdStats},
		{aliases: []string{"explain", "e"}, group: "looking", args: "[STATEMENT]", names: true,
			help: "the shape algebra of the statement at => (or of one already run) in plain words",
			more: "It says which axis each operand's shape has, what a product sums over, what a broadcast repeats, " +
				"and for a patched line how the correct line differs. A statement not run yet is evaluated on the " +
				"current values without moving on. " + statementArg,
			examples: []example{{"e", "the statement at =>"}, {"e 9", "statement 9"}, {"e dW1", "the statement that computes dW1"}},
			fn:       (*Debugger).cmdExplain},
		{aliases: []string{"image"}, group: "looking", args: "NAME INDEX", names: true,
			help: "draw a 784-long row or column (an image, a unit's weights) as a 28 × 28 picture",
			more: "It takes whichever axis of the value has 784 entries: a sample of X, or the weights one hidden " +
				"unit gives the pixels.",
			examples: []example{{"image X 0", "the first sample"}, {"image W1 3", "hidden unit 3's weights"}},
			fn:       (*Debugger).cmdImage},
		{aliases: []string{"vars"}, group: "looking",
			help:     "every value computed so far, with its shape",
			examples: []example{{"vars", "list them"}},
			fn:       (*Debugger).cmdVars},
		{aliases: []string{"clear"}, group: "session",
			help: "empty the screen (breakpoints go with delete)",
			more: "With an argument, clear removes a breakpoint as delete does, and says so: that was its " +
				"meaning before.",
			examples: []example{{"clear", "empty the screen"}},
			fn:       (*Debugger).cmdClear},
		{aliases: []string{"help", "h"}, group: "session", args: "[COMMAND|terms]",
			help: "list the commands, explain one with its forms and examples, or (terms) the marks and words",
			more: "help terms is the key to the marks ✗ ≠ ⚠ • ●, the verdicts and words such as the rows and cols " +
				"layouts, as backstep help terms prints it.",
			examples: []example{{"help", "the list"}, {"help print", "all about print"}, {"help terms", "the marks and words"}},
			fn:       (*Debugger).cmdHelp},
		{aliases: []string{"quit", "q", "exit"}, group: "session",
			help:     "leave the debugger (Ctrl-D too)",
			examples: []example{{"q", "leave"}},
			fn:       (*Debugger).cmdQuit},
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		for _, a := range c.aliases {
			if a == name {
				return c, true
			}
		}
	}
	return command{}, false
}

// usage is how the command is typed: "next [N]".
func (c command) usage() string {
	if c.args == "" {
		return c.aliases[0]
	}
	return c.aliases[0] + " " + c.args
}

// Help writes the command list, grouped, as the help command shows it,
// width columns wide.
func Help(width int) string {
	var b strings.Builder
	for _, g := range groups {
		fmt.Fprintf(&b, "%s:\n", g)
		for _, c := range commands {
			if c.group != g {
				continue
			}
			names := c.usage()
			if len(c.aliases) > 1 {
				names += " (" + strings.Join(c.aliases[1:], ", ") + ")"
			}
			lines := render.Wrap(c.help, width-40)
			fmt.Fprintf(&b, "  %-36s  %s\n", names, lines[0])
			for _, l := range lines[1:] {
				fmt.Fprintf(&b, "  %-36s  %s\n", "", l)
			}
		}
	}
	for _, l := range render.Wrap("An empty line repeats the last command. help terms: the key to the marks ✗ ≠ ⚠ • ● and the words.", width) {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// Reference writes the command table as Markdown for the README.
func Reference() string {
	var b strings.Builder
	b.WriteString("| command | short | what it does |\n|---|---|---|\n")
	for _, g := range groups {
		for _, c := range commands {
			if c.group != g {
				continue
			}
			short := ""
			if len(c.aliases) > 1 {
				short = "`" + strings.Join(c.aliases[1:], "`, `") + "`"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", strings.ReplaceAll(c.usage(), "|", "\\|"), short, c.help)
		}
	}
	return b.String()
}

var errNoArgs = errors.New("takes no arguments")

func (d *Debugger) cmdHelp(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(d.out, Help(d.width()))
		return nil
	}
	if args[0] == "terms" {
		render.Terms(d.out, d.width())
		return nil
	}
	if len(args) > 1 {
		return errors.New("takes one command: help break")
	}
	c, ok := lookup(args[0])
	if !ok {
		return fmt.Errorf("no command %q; help lists them", args[0])
	}
	fmt.Fprint(d.out, c.fullHelp(d.width()))
	return nil
}

// fullHelp is what help COMMAND prints, width columns wide: how to type
// it, its short forms, what it does, and examples.
func (c command) fullHelp(width int) string {
	var b strings.Builder
	head := c.usage()
	if len(c.aliases) > 1 {
		head += "   (short: " + strings.Join(c.aliases[1:], ", ") + ")"
	}
	b.WriteString(head + "\n")
	text := c.help + "."
	if c.more != "" {
		text += " " + c.more
	}
	for _, l := range render.Wrap(text, width-2) {
		b.WriteString("  " + l + "\n")
	}
	if len(c.examples) > 0 {
		b.WriteString("examples:\n")
		col := 0
		for _, e := range c.examples {
			col = max(col, render.DisplayWidth(e.form))
		}
		for _, e := range c.examples {
			lines := render.Wrap(e.does, width-col-6)
			fmt.Fprintf(&b, "  %s%s    %s\n", e.form, strings.Repeat(" ", col-render.DisplayWidth(e.form)), lines[0])
			for _, l := range lines[1:] {
				fmt.Fprintf(&b, "  %s    %s\n", strings.Repeat(" ", col), l)
			}
		}
	}
	return b.String()
}

// say prints a message wrapped to the debugger's width, every line after
// the first indented; each line of text is a paragraph of its own.
func (d *Debugger) say(text string) {
	for k, para := range strings.Split(text, "\n") {
		for i, l := range render.Wrap(para, d.width()-2) {
			if i > 0 || k > 0 {
				l = "  " + l
			}
			fmt.Fprintln(d.out, l)
		}
	}
}

func (d *Debugger) cmdQuit(args []string) error {
	d.quit = true
	return nil
}

// partial returns the record whose operations are not all shown yet.
func (d *Debugger) partial() *net.StepRecord {
	if n := len(d.st.Records); n > 0 && d.shown < len(d.st.Records[n-1].Events) {
		return d.st.Records[n-1]
	}
	return nil
}

// current is the statement the user is looking at: the one being
// stepped, or else the last one run.
func (d *Debugger) current() *net.StepRecord {
	if n := len(d.st.Records); n > 0 {
		return d.st.Records[n-1]
	}
	return nil
}

// nextIndex is the statement the => marker points at.
func (d *Debugger) nextIndex() int {
	if r := d.partial(); r != nil {
		return r.Index
	}
	return d.st.Pos()
}

// showNext prints where the debugger stands: the next statement, or the
// end of the iteration.
func (d *Debugger) showNext() {
	p := d.st.Program
	if r := d.partial(); r != nil {
		d.line(d.pal.Accent("=>")+fmt.Sprintf(" in %d  ", render.StatementNumber(r.Index, r.Statement)),
			fmt.Sprintf("%s, after operation %d of %d", r.Statement.Formula, d.shown, len(r.Events)))
		return
	}
	if d.st.Finished() {
		d.t.Summary(d.st)
		fmt.Fprintln(d.out, "the iteration is over: restart runs it again, quit leaves")
		return
	}
	i := d.st.Pos()
	s := p.Statements[i]
	line := s.Formula
	if s.Bug != "" {
		line += "   " + d.pal.Bad("✗ "+s.Bug)
	}
	d.line(d.pal.Accent("=>")+fmt.Sprintf(" %2d  ", render.StatementNumber(i, s)), line)
}

// line writes head and text on one line when it fits the width, else text
// wrapped under itself.
func (d *Debugger) line(head, text string) {
	if render.VisibleWidth(head+text) <= d.width() {
		fmt.Fprintln(d.out, head+text)
		return
	}
	render.Paragraph(d.out, d.width(), head, -1, text, nil)
}

// finishPartial shows the rest of a statement being stepped.
func (d *Debugger) finishPartial() bool {
	r := d.partial()
	if r == nil {
		return false
	}
	for ; d.shown < len(r.Events); d.shown++ {
		d.t.Op(r, d.shown)
	}
	d.t.StatementTail(r)
	return true
}

// runOne executes the next statement and returns its record (nil at the
// end), marking all its operations shown.
func (d *Debugger) runOne() *net.StepRecord {
	rec := d.st.Next()
	if rec != nil {
		d.shown = len(rec.Events)
	}
	return rec
}

// phaseHead prints a phase rule when rec starts a new phase.
func (d *Debugger) phaseHead(rec *net.StepRecord) {
	if rec.Index == 0 || d.st.Program.Statements[rec.Index-1].Phase != rec.Statement.Phase {
		d.t.Phase(string(rec.Statement.Phase))
	}
}

func (d *Debugger) cmdNext(args []string) error {
	n := 1
	if len(args) > 1 {
		return errors.New("takes at most one number: n or n 3")
	}
	if len(args) == 1 {
		v, err := strconv.Atoi(args[0])
		if err != nil || v < 1 {
			return fmt.Errorf("%q is not a count of statements: use n or n 3", args[0])
		}
		n = v
	}
	d.nextStatements(n)
	return nil
}

// nextStatements runs n statements, stopping early at a breakpoint.
func (d *Debugger) nextStatements(n int) {
	if d.st.Finished() && d.partial() == nil {
		fmt.Fprintln(d.out, "the iteration is over: restart runs it again, quit leaves")
		return
	}
	for i := 0; i < n; i++ {
		if d.finishPartial() {
			continue
		}
		if d.st.Finished() {
			break
		}
		if i > 0 && d.breakBefore() {
			break
		}
		rec := d.runOne()
		d.phaseHead(rec)
		d.t.Statement(rec)
		if d.breakAfter(rec, false) {
			break
		}
	}
	d.showNext()
}

func (d *Debugger) cmdStep(args []string) error {
	if len(args) > 0 {
		return errors.New("takes no arguments: s runs one operation; n runs a whole statement")
	}
	r := d.partial()
	if r == nil {
		if d.st.Finished() {
			fmt.Fprintln(d.out, "the iteration is over: restart runs it again, quit leaves")
			return nil
		}
		r = d.st.Next()
		d.shown = 0
		d.phaseHead(r)
		d.t.StatementHead(r.Index, r.Statement)
	}
	if len(r.Events) > 0 {
		d.t.Op(r, d.shown)
		d.shown++
	}
	if d.shown >= len(r.Events) {
		d.t.StatementTail(r)
	}
	d.showNext()
	return nil
}

func (d *Debugger) cmdContinue(args []string) error {
	if len(args) > 0 {
		return errNoArgs
	}
	if d.st.Finished() && d.partial() == nil {
		fmt.Fprintln(d.out, "the iteration is over: restart runs it again, quit leaves")
		return nil
	}
	if r := d.partial(); r != nil {
		// Finish the statement being stepped quietly: its remaining
		// operations have run already.
		d.shown = len(r.Events)
	}
	first := true
	for !d.st.Finished() {
		if !first && d.breakBefore() {
			d.showNext()
			return nil
		}
		if d.interrupted() {
			fmt.Fprintln(d.out, d.pal.Warn("interrupted"))
			d.showNext()
			return nil
		}
		first = false
		rec := d.runOne()
		if d.breakAfter(rec, true) {
			d.showNext()
			return nil
		}
		d.passLine(rec)
		if rec.Err != nil {
			d.t.Statement(rec)
			break
		}
	}
	d.showNext()
	return nil
}

// passLine is the one line continue prints for a statement it runs
// through without stopping.
func (d *Debugger) passLine(rec *net.StepRecord) {
	shape := "—"
	if rec.Value != nil {
		shape = net.AxesText(rec.Value.Shape(), rec.Value.Labels())
		if rec.Value.Rank() == 0 {
			shape = "= " + render.Num(rec.Value.Item())
		}
	}
	line := fmt.Sprintf("   %2d  %-5s %s", render.StatementNumber(rec.Index, rec.Statement), rec.Statement.Name, shape)
	type mark struct {
		text  string
		paint func(string) string
	}
	var marks []mark
	if rec.Statement.Bug != "" {
		marks = append(marks, mark{"✗ " + rec.Statement.Bug, d.pal.Bad})
	}
	for _, n := range rec.Notes {
		if n.Fault {
			marks = append(marks, mark{"✗ " + n.Mark, d.pal.Bad})
		}
	}
	if rec.Run != nil && rec.Line == nil && rec.Drift == nil {
		marks = append(marks, mark{"≠ correct run: " + rec.Run.String(), d.pal.Warn})
	}
	if rec.Drift != nil {
		marks = append(marks, mark{"⚠ shape " + rec.Drift.String(), d.pal.Warn})
	}
	if rec.Value != nil {
		if s := tracer.Summarize(rec.Value); !s.Finite() {
			marks = append(marks, mark{fmt.Sprintf("✗ %d NaN, %d Inf", s.NaN, s.Inf), d.pal.Bad})
		}
	}
	if rec.Drift == nil {
		for _, n := range rec.Notes {
			if n.Warn && !n.Fault {
				marks = append(marks, mark{"⚠ " + n.Text, d.pal.Warn})
			}
		}
	}
	// Marks follow on the line while they fit, then on lines of their own.
	const indent = "             "
	out, width := line, render.DisplayWidth(line)
	for _, m := range marks {
		w := render.DisplayWidth(m.text)
		if width+2+w <= d.width() {
			out += "  " + m.paint(m.text)
			width += 2 + w
			continue
		}
		fmt.Fprintln(d.out, out)
		lines := render.Wrap(m.text, d.width()-len(indent))
		for _, l := range lines[:len(lines)-1] {
			fmt.Fprintln(d.out, indent+m.paint(l))
		}
		out = indent + m.paint(lines[len(lines)-1])
		width = len(indent) + render.DisplayWidth(lines[len(lines)-1])
	}
	fmt.Fprintln(d.out, out)
}

// breakBefore reports (and announces) a breakpoint on the statement about
// to run.
func (d *Debugger) breakBefore() bool {
	s := d.st.Program.Statements[d.st.Pos()]
	if d.hasBreak(breakpoint{at: d.st.Pos()}) {
		fmt.Fprintf(d.out, "%s\n", d.pal.Bad(fmt.Sprintf("● breakpoint: before %s, %s", render.StatementRef(d.st.Pos(), s), s.Name)))
		return true
	}
	return false
}

// breakAfter stops at a NaN/Inf or a shape change in the statement just
// run, showing it; quiet says nothing was printed of it yet.
func (d *Debugger) breakAfter(rec *net.StepRecord, quiet bool) bool {
	if rec == nil {
		return false
	}
	if k := rec.NonFinite; k >= 0 && d.hasBreak(breakNaN) {
		if quiet {
			d.phaseHead(rec)
			d.t.StatementHead(rec.Index, rec.Statement)
			for j := 0; j <= k; j++ {
				d.t.Op(rec, j)
			}
			d.shown = k + 1
			if d.shown == len(rec.Events) {
				d.t.StatementTail(rec)
			}
		}
		fmt.Fprintln(d.out, d.pal.Bad(fmt.Sprintf("● breakpoint nan: operation %d of %s (%s) made the first NaN/Inf",
			k+1, render.StatementRef(rec.Index, rec.Statement), rec.Statement.Name)))
		return true
	}
	if why := shapeChange(rec); why != "" && d.hasBreak(breakShape) {
		if quiet {
			d.phaseHead(rec)
			d.t.Statement(rec)
		}
		fmt.Fprintln(d.out, d.pal.Bad("● breakpoint shape-change: "+why))
		return true
	}
	return false
}

// shapeChange says why a statement counts as a shape change: it gave
// another shape than the correct line, or an update changed a parameter's
// shape.
func shapeChange(rec *net.StepRecord) string {
	if rec.Drift != nil {
		return rec.Drift.String()
	}
	if l := rec.Line; l != nil && (l.Relation.Kind == tracer.ShapeDiff || l.Relation.Kind == tracer.Transposed) {
		return fmt.Sprintf("%s is %v; the correct line gives %v", rec.Statement.Name, l.Relation.Got, l.Relation.Want)
	}
	return ""
}

// breakpoint is where the debugger stops: before the statement at index
// at, or at an event (nan, shape-change) when event is set. A statement is
// kept by its place, not its name, which a program may assign twice.
type breakpoint struct {
	event string
	at    int
}

var (
	breakNaN   = breakpoint{event: "nan"}
	breakShape = breakpoint{event: "shape-change"}
)

func (d *Debugger) hasBreak(b breakpoint) bool {
	for _, x := range d.breaks {
		if x == b {
			return true
		}
	}
	return false
}

// breakTarget reads a breakpoint argument: nan, shape-change, or a
// statement by number or name.
func (d *Debugger) breakTarget(arg string) (breakpoint, error) {
	switch arg {
	case breakNaN.event:
		return breakNaN, nil
	case breakShape.event:
		return breakShape, nil
	}
	i, err := d.statementIndex(arg)
	if err != nil {
		return breakpoint{}, fmt.Errorf("%v, nan or shape-change", err)
	}
	return breakpoint{at: i}, nil
}

// statementIndex reads a statement given by its number in list (from 1;
// in a learner's script, backstep run, its line number) or by the name it
// assigns (in a script, the name the line assigns).
func (d *Debugger) statementIndex(arg string) (int, error) {
	p := d.st.Program
	script := false
	for i, s := range p.Statements {
		if s.Line > 0 {
			script = true
			if strconv.Itoa(s.Line) == arg || strings.Fields(s.Formula)[0] == arg {
				return i, nil
			}
		}
	}
	if v, err := strconv.Atoi(arg); err == nil {
		if script {
			return -1, fmt.Errorf("no statement at line %d: give a line list shows, or the name a line assigns", v)
		}
		if v < 1 || v > len(p.Statements) {
			return -1, fmt.Errorf("no statement %d: they are numbered 1 to %d (list shows them)", v, len(p.Statements))
		}
		return v - 1, nil
	}
	if i := p.Index(arg); i >= 0 {
		return i, nil
	}
	return -1, fmt.Errorf("no statement %q: give a statement's number or name (list shows them)", arg)
}

func (d *Debugger) cmdBreak(args []string) error {
	if len(args) == 0 {
		if len(d.breaks) == 0 {
			fmt.Fprintln(d.out, "no breakpoints: break STATEMENT, break nan or break shape-change sets one")
			return nil
		}
		for _, b := range d.breaks {
			d.say("● " + breakText(d.st.Program, b))
		}
		return nil
	}
	if len(args) > 1 {
		return errors.New("takes one statement (number or name), nan or shape-change: b 9, b db2")
	}
	b, err := d.breakTarget(args[0])
	if err != nil {
		return err
	}
	if d.hasBreak(b) {
		d.say("breakpoint already set: " + breakText(d.st.Program, b))
		return nil
	}
	d.breaks = append(d.breaks, b)
	d.say("breakpoint set: " + breakText(d.st.Program, b))
	return nil
}

func breakText(p *net.Program, b breakpoint) string {
	switch b {
	case breakNaN:
		return "at the first operation that makes a NaN or an Inf"
	case breakShape:
		return "where a shape differs from the correct line's, or an update reshapes a parameter"
	}
	return fmt.Sprintf("before %s, %s", render.StatementRef(b.at, p.Statements[b.at]), p.Statements[b.at].Formula)
}

// clearScreen moves the cursor home and erases the terminal (ECMA-48
// CUP and ED 2), as the clear command of a shell does.
const clearScreen = "\x1b[H\x1b[2J"

func (d *Debugger) cmdClear(args []string) error {
	if len(args) > 0 {
		// The older meaning: clear removed breakpoints.
		d.say("(clear with an argument removes a breakpoint as delete does; clear alone empties the screen)")
		return d.cmdDelete(args)
	}
	if d.cfg.Terminal {
		fmt.Fprint(d.out, clearScreen)
		d.showNext()
		return nil
	}
	d.say("(clear empties the screen of a terminal; this session writes to a file or a pipe)")
	return nil
}

func (d *Debugger) cmdDelete(args []string) error {
	if len(args) == 0 {
		fmt.Fprintf(d.out, "deleted %d breakpoint(s)\n", len(d.breaks))
		d.breaks = nil
		return nil
	}
	if len(args) > 1 {
		return errors.New("takes one breakpoint (a statement's number or name, nan or shape-change), or none to delete all")
	}
	b, err := d.breakTarget(args[0])
	if err != nil {
		return err
	}
	for i := range d.breaks {
		if d.breaks[i] == b {
			d.breaks = append(d.breaks[:i], d.breaks[i+1:]...)
			d.say("deleted the breakpoint " + breakText(d.st.Program, b))
			return nil
		}
	}
	return fmt.Errorf("no breakpoint %s; break with no argument lists them", breakText(d.st.Program, b))
}

// listAround is how many statements list N shows on each side of N.
const listAround = 3

func (d *Debugger) cmdList(args []string) error {
	if len(args) > 1 {
		return errors.New("takes at most one statement: l, list 5, list dW1")
	}
	breaks := map[int]bool{}
	for _, b := range d.breaks {
		if b.event == "" {
			breaks[b.at] = true
		}
	}
	p := d.st.Program
	from, to := 0, len(p.Statements)
	if len(args) == 1 {
		i, err := d.statementIndex(args[0])
		if err != nil {
			return err
		}
		from, to = max(i-listAround, 0), min(i+listAround+1, len(p.Statements))
	}
	d.t.ListingRange(p, d.nextIndex(), breaks, from, to)
	return nil
}

func (d *Debugger) cmdRestart(args []string) error {
	if len(args) > 0 {
		return errNoArgs
	}
	if d.cfg.Restart == nil {
		return errors.New("this session cannot start over")
	}
	d.st = d.cfg.Restart()
	d.shown = 0
	fmt.Fprintln(d.out, "starting the iteration again from the same weights")
	d.nextStatements(1)
	return nil
}

// value finds a named value for print, shape, stats and image: a
// variable, an operation's result inside a statement, or the learning
// rate the updates read.
func (d *Debugger) value(name string) (*tracer.Array, error) {
	if a, ok := d.st.Lookup(name); ok {
		return a, nil
	}
	if name == "lr" {
		return tracer.Scalar(d.st.Program.Config.LR), nil
	}
	if i := d.st.Program.Index(name); i >= 0 {
		return nil, fmt.Errorf("%s is computed by %s and has not run yet (n runs the next statement)", name, render.StatementRef(i, d.st.Program.Statements[i]))
	}
	return nil, fmt.Errorf("no value %q: vars lists the values computed so far", name)
}

// statementValue turns a statement number into the name of the value
// the statement assigns, refusing one that has not run (an update's
// parameter exists before it runs, with the old value); a name is
// returned as it is.
func (d *Debugger) statementValue(arg string) (string, error) {
	if _, err := strconv.Atoi(arg); err != nil {
		return arg, nil
	}
	i, err := d.statementIndex(arg)
	if err != nil {
		return "", err
	}
	s := d.st.Program.Statements[i]
	if i >= d.st.Pos() || d.partial() != nil && d.partial().Index == i {
		return "", fmt.Errorf("%s (%s) has not run yet (n runs the next statement)", render.StatementRef(i, s), s.Formula)
	}
	return s.Name, nil
}

// oneName reads the one value shape and stats take: a name, or a
// statement's number for the value it computed.
func (d *Debugger) oneName(args []string, what string) (string, *tracer.Array, error) {
	if len(args) != 1 {
		return "", nil, fmt.Errorf("takes one name or statement number: %s W1, %s 9", what, what)
	}
	name, err := d.statementValue(args[0])
	if err != nil {
		return "", nil, err
	}
	a, err := d.value(name)
	return name, a, err
}

func (d *Debugger) cmdShape(args []string) error {
	name, a, err := d.oneName(args, "shape")
	if err != nil {
		return err
	}
	p := d.st.Program
	fmt.Fprintf(d.out, "%s: %v, %s\n", name, a.Shape(), net.AxesText(a.Shape(), a.Labels()))
	if want, ok := p.Shapes[name]; ok {
		if a.Shape().Equal(want) {
			fmt.Fprintf(d.out, "the shape the network expects for %s\n", name)
		} else {
			fmt.Fprintln(d.out, d.pal.Warn(fmt.Sprintf("the network expects %v (%s) for %s", want, net.AxesText(want, p.Labels[name]), name)))
		}
	}
	return nil
}

func (d *Debugger) cmdStats(args []string) error {
	name, a, err := d.oneName(args, "stats")
	if err != nil {
		return err
	}
	render.StatsBlock(d.out, name, a)
	return nil
}

func (d *Debugger) cmdExplain(args []string) error {
	if len(args) > 1 {
		return errors.New("takes at most one statement: e, e 11, e dW1")
	}
	var rec *net.StepRecord
	preview := false
	switch {
	case len(args) == 1:
		i, err := d.statementIndex(args[0])
		if err != nil {
			return err
		}
		for _, r := range d.st.Records {
			if r.Index == i {
				rec = r
			}
		}
		switch {
		case rec != nil:
		case i == d.st.Pos():
			rec, preview = d.st.Preview(), true
		default:
			s := d.st.Program.Statements[i]
			return fmt.Errorf("%s (%s) has not run yet: run up to it (n, or b %s and c) to explain it",
				render.StatementRef(i, s), s.Name, strings.TrimPrefix(strings.TrimPrefix(render.StatementRef(i, s), "line "), "statement "))
		}
	case d.partial() != nil:
		rec = d.partial()
	case !d.st.Finished():
		// The statement at the marker: evaluate it without moving on.
		rec, preview = d.st.Preview(), true
	default:
		rec = d.current()
	}
	if preview {
		fmt.Fprintln(d.out, d.pal.Dim("(not run yet: evaluated on the current values to explain it)"))
	}
	for _, para := range rec.Explain() {
		d.paragraph(para)
	}
	return nil
}

func (d *Debugger) cmdImage(args []string) error {
	if len(args) != 2 {
		return errors.New("takes a name and an index: image X 0 (sample 0), image W1 5 (hidden unit 5's weights)")
	}
	name, err := d.statementValue(args[0])
	if err != nil {
		return err
	}
	a, err := d.value(name)
	if err != nil {
		return err
	}
	idx, err := strconv.Atoi(args[1])
	if err != nil {
		return fmt.Errorf("%q is not an index", args[1])
	}
	px := d.cfg.ImageHeight * d.cfg.ImageWidth
	row, what, err := render.ImageRow(a, idx, px)
	if err != nil {
		return fmt.Errorf("%s %v", name, err)
	}
	title := fmt.Sprintf("%s, %s", name, what)
	if name == "X" {
		if lab := d.label(idx); lab >= 0 {
			title += fmt.Sprintf(", labelled %d", lab)
		}
	}
	render.Image(d.out, title, row, d.cfg.ImageHeight, d.cfg.ImageWidth)
	return nil
}

// label is sample i's class from Y, or -1.
func (d *Debugger) label(i int) int {
	y, ok := d.st.Vars["Y"]
	if !ok || y.Rank() != 2 {
		return -1
	}
	row, _, err := render.ImageRow(y, i, d.st.Program.Config.Classes)
	if err != nil {
		return -1
	}
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

func (d *Debugger) cmdVars(args []string) error {
	if len(args) > 0 {
		return errNoArgs
	}
	p := d.st.Program
	order := map[string]int{"X": -200, "Y": -199}
	for i, n := range net.ParamNames(p.Config.Layers()) {
		order[n] = -100 + i
	}
	for i, s := range p.Statements {
		if _, ok := order[s.Name]; !ok {
			order[s.Name] = i
		}
	}
	var names []string
	for n := range d.st.Vars {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, oj := order[names[i]], order[names[j]]
		if oi != oj {
			return oi < oj
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		a := d.st.Vars[n]
		desc := net.AxesText(a.Shape(), a.Labels())
		if a.Rank() == 0 {
			desc = "= " + render.Num(a.Item())
		}
		fmt.Fprintf(d.out, "  %-5s %-14v %s\n", n, a.Shape(), desc)
	}
	return nil
}
