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
// command is declared: help and the README's reference come from it.
type command struct {
	aliases []string // the name first, then its short forms
	group   string
	args    string // how its arguments are written, e.g. "[N]"
	help    string // one line
	// names is set when the arguments start with a statement or
	// variable name (for tab completion).
	names bool
	fn    func(d *Debugger, args []string) error
}

// groups orders the help.
var groups = []string{"running", "breakpoints", "looking", "session"}

var commands []command

func init() {
	commands = []command{
		{aliases: []string{"next", "n"}, group: "running", args: "[N]",
			help: "run the next statement (or N of them) and show every operation in it", fn: (*Debugger).cmdNext},
		{aliases: []string{"step", "s"}, group: "running",
			help: "run the next operation inside the current statement", fn: (*Debugger).cmdStep},
		{aliases: []string{"continue", "c"}, group: "running",
			help: "run to the next breakpoint or the end of the iteration (Ctrl-C stops it)", fn: (*Debugger).cmdContinue},
		{aliases: []string{"restart", "r"}, group: "running",
			help: "start the iteration again from the first statement (breakpoints stay)", fn: (*Debugger).cmdRestart},
		{aliases: []string{"break", "b"}, group: "breakpoints", args: "STATEMENT|nan|shape-change", names: true,
			help: "stop before a statement, at the first NaN/Inf, or where a shape goes wrong; no argument lists them",
			fn:   (*Debugger).cmdBreak},
		{aliases: []string{"clear"}, group: "breakpoints", args: "[STATEMENT|nan|shape-change]", names: true,
			help: "remove one breakpoint, or all of them", fn: (*Debugger).cmdClear},
		{aliases: []string{"list", "l"}, group: "looking",
			help: "show the whole step as a program, with => at the next statement", fn: (*Debugger).cmdList},
		{aliases: []string{"print", "p"}, group: "looking", args: "NAME [ROWS [COLS]]", names: true,
			help: "print a value; ranges slice it as NumPy does: p W1 0:3 0:5", fn: (*Debugger).cmdPrint},
		{aliases: []string{"shape"}, group: "looking", args: "NAME", names: true,
			help: "a value's shape and what each axis means", fn: (*Debugger).cmdShape},
		{aliases: []string{"stats"}, group: "looking", args: "NAME", names: true,
			help: "a value's count, mean, std, min, max, L2 norm, zeros, NaN and Inf", fn: (*Debugger).cmdStats},
		{aliases: []string{"explain", "e"}, group: "looking", args: "[STATEMENT]", names: true,
			help: "the shape algebra of the statement at => (or of one already run) in plain words", fn: (*Debugger).cmdExplain},
		{aliases: []string{"image"}, group: "looking", args: "NAME ROW", names: true,
			help: "draw a 784-long row or column (an image, a unit's weights) as a 28 × 28 picture", fn: (*Debugger).cmdImage},
		{aliases: []string{"vars"}, group: "looking",
			help: "every value computed so far, with its shape", fn: (*Debugger).cmdVars},
		{aliases: []string{"help", "h"}, group: "session", args: "[COMMAND]",
			help: "list the commands, or explain one", fn: (*Debugger).cmdHelp},
		{aliases: []string{"quit", "q", "exit"}, group: "session",
			help: "leave the debugger (Ctrl-D too)", fn: (*Debugger).cmdQuit},
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
	c, ok := lookup(args[0])
	if !ok {
		return fmt.Errorf("no command %q; help lists them", args[0])
	}
	d.say(fmt.Sprintf("%s — %s", c.usage(), c.help))
	if len(c.aliases) > 1 {
		fmt.Fprintf(d.out, "short: %s\n", strings.Join(c.aliases[1:], ", "))
	}
	return nil
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
		d.line(d.pal.Accent("=>")+fmt.Sprintf(" in %d  ", r.Index+1), fmt.Sprintf("%s, after operation %d of %d", r.Statement.Formula, d.shown, len(r.Events)))
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
	d.line(d.pal.Accent("=>")+fmt.Sprintf(" %2d  ", i+1), line)
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
	line := fmt.Sprintf("   %2d  %-5s %s", rec.Index+1, rec.Statement.Name, shape)
	type mark struct {
		text  string
		paint func(string) string
	}
	var marks []mark
	if rec.Statement.Bug != "" {
		marks = append(marks, mark{"✗ " + rec.Statement.Bug, d.pal.Bad})
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
			if n.Warn {
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
	for i, b := range d.breaks {
		if b == s.Name {
			fmt.Fprintf(d.out, "%s\n", d.pal.Bad(fmt.Sprintf("● breakpoint %d: before statement %d, %s", i+1, d.st.Pos()+1, s.Name)))
			return true
		}
	}
	return false
}

// breakAfter stops at a NaN/Inf or a shape change in the statement just
// run, showing it; quiet says nothing was printed of it yet.
func (d *Debugger) breakAfter(rec *net.StepRecord, quiet bool) bool {
	if rec == nil {
		return false
	}
	if k := rec.NonFinite; k >= 0 && d.hasBreak("nan") {
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
		fmt.Fprintln(d.out, d.pal.Bad(fmt.Sprintf("● breakpoint nan: operation %d of statement %d (%s) made the first NaN/Inf",
			k+1, rec.Index+1, rec.Statement.Name)))
		return true
	}
	if why := shapeChange(rec); why != "" && d.hasBreak("shape-change") {
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

func (d *Debugger) hasBreak(name string) bool {
	for _, b := range d.breaks {
		if b == name {
			return true
		}
	}
	return false
}

// breakTarget checks a breakpoint argument.
func (d *Debugger) breakTarget(arg string) (string, error) {
	switch arg {
	case "nan", "shape-change":
		return arg, nil
	}
	if d.st.Program.Index(arg) >= 0 {
		return arg, nil
	}
	return "", fmt.Errorf("no statement %q: give a statement's name (list shows them), nan or shape-change", arg)
}

func (d *Debugger) cmdBreak(args []string) error {
	if len(args) == 0 {
		if len(d.breaks) == 0 {
			fmt.Fprintln(d.out, "no breakpoints: break STATEMENT, break nan or break shape-change sets one")
			return nil
		}
		for i, b := range d.breaks {
			fmt.Fprintf(d.out, "%d  %s\n", i+1, breakText(d.st.Program, b))
		}
		return nil
	}
	if len(args) > 1 {
		return errors.New("takes one statement name, nan or shape-change: b db1")
	}
	b, err := d.breakTarget(args[0])
	if err != nil {
		return err
	}
	if d.hasBreak(b) {
		fmt.Fprintf(d.out, "breakpoint already set: %s\n", breakText(d.st.Program, b))
		return nil
	}
	d.breaks = append(d.breaks, b)
	fmt.Fprintf(d.out, "breakpoint %d: %s\n", len(d.breaks), breakText(d.st.Program, b))
	return nil
}

func breakText(p *net.Program, b string) string {
	switch b {
	case "nan":
		return "at the first operation that makes a NaN or an Inf"
	case "shape-change":
		return "where a shape differs from the correct line's, or an update reshapes a parameter"
	}
	i := p.Index(b)
	return fmt.Sprintf("before statement %d, %s", i+1, p.Statements[i].Formula)
}

func (d *Debugger) cmdClear(args []string) error {
	if len(args) == 0 {
		fmt.Fprintf(d.out, "cleared %d breakpoint(s)\n", len(d.breaks))
		d.breaks = nil
		return nil
	}
	if len(args) > 1 {
		return errors.New("takes one breakpoint, or none to clear all")
	}
	for i, b := range d.breaks {
		if b == args[0] || strconv.Itoa(i+1) == args[0] {
			d.breaks = append(d.breaks[:i], d.breaks[i+1:]...)
			fmt.Fprintf(d.out, "cleared the breakpoint %s\n", breakText(d.st.Program, b))
			return nil
		}
	}
	return fmt.Errorf("no breakpoint %q; break with no argument lists them", args[0])
}

func (d *Debugger) cmdList(args []string) error {
	if len(args) > 0 {
		return errNoArgs
	}
	breaks := map[string]bool{}
	for _, b := range d.breaks {
		breaks[b] = true
	}
	d.t.Listing(d.st.Program, d.nextIndex(), breaks)
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

// value finds a named value for print, shape, stats and image.
func (d *Debugger) value(name string) (*tracer.Array, error) {
	if a, ok := d.st.Lookup(name); ok {
		return a, nil
	}
	if i := d.st.Program.Index(name); i >= 0 {
		return nil, fmt.Errorf("%s is computed by statement %d and has not run yet (n runs the next statement)", name, i+1)
	}
	return nil, fmt.Errorf("no value %q: vars lists the values computed so far", name)
}

func (d *Debugger) cmdPrint(args []string) error {
	if len(args) == 0 || len(args) > 3 {
		return errors.New("takes a name and up to two ranges: p W1, p W1 0:3 0:5, p A2 -2:")
	}
	a, err := d.value(args[0])
	if err != nil {
		return err
	}
	if len(args)-1 > a.Rank() {
		return fmt.Errorf("%s has %d axes (%v); give at most %d ranges", args[0], a.Rank(), a.Shape(), a.Rank())
	}
	var ranges []render.Range
	for i, s := range args[1:] {
		r, err := render.ParseRange(s, a.Shape()[i])
		if err != nil {
			return err
		}
		ranges = append(ranges, r)
	}
	render.PrintArray(d.out, args[0], a, ranges, d.width())
	return nil
}

func (d *Debugger) oneName(args []string, what string) (string, *tracer.Array, error) {
	if len(args) != 1 {
		return "", nil, fmt.Errorf("takes one name: %s W1", what)
	}
	a, err := d.value(args[0])
	return args[0], a, err
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
		return errors.New("takes at most a statement name: e, e dW1")
	}
	var rec *net.StepRecord
	preview := false
	switch {
	case len(args) == 1:
		for _, r := range d.st.Records {
			if r.Statement.Name == args[0] {
				rec = r
			}
		}
		i := d.st.Program.Index(args[0])
		switch {
		case rec != nil:
		case i < 0:
			return fmt.Errorf("no statement %q: list shows them", args[0])
		case i == d.st.Pos():
			rec, preview = d.st.Preview(), true
		default:
			return fmt.Errorf("statement %s has not run yet: run up to it (n, or b %s and c) to explain it", args[0], args[0])
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
		d.say(para)
	}
	return nil
}

func (d *Debugger) cmdImage(args []string) error {
	if len(args) != 2 {
		return errors.New("takes a name and an index: image X 0 (sample 0), image W1 5 (hidden unit 5's weights)")
	}
	a, err := d.value(args[0])
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
		return fmt.Errorf("%s %v", args[0], err)
	}
	title := fmt.Sprintf("%s, %s", args[0], what)
	if args[0] == "X" {
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
