package render

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// Trace columns: the operation (number and name), what it did to the axes
// (the rest of the width), and the statistics of its result.
const (
	opCol    = 15
	statsCol = 27
)

// Trace draws the statements and operations of a training step, for the
// printed trace and for the debugger.
type Trace struct {
	W   io.Writer
	Pal Palette
	// BugTitle gives a catalog bug's one-line title ("" if unknown).
	BugTitle func(id string) string
	// Width is the number of columns every line fits in (0: DefaultWidth).
	// The debugger changes it between commands when its window is resized.
	Width int
}

// width is the number of columns the trace fits in.
func (t *Trace) width() int {
	if t.Width <= 0 {
		return DefaultWidth
	}
	return t.Width
}

// descCol is the width of the middle column: what happened to the axes.
func (t *Trace) descCol() int { return t.width() - opCol - 2 - statsCol }

func (t *Trace) printf(format string, args ...any) { fmt.Fprintf(t.W, format, args...) }

// Columns writes the heading of the operation rows.
func (t *Trace) Columns() {
	t.printf("%s\n", t.Pal.Dim(pad("  # op", opCol)+pad("operands → what happened to the axes", t.descCol()+2)+"values"))
}

// Phase writes a rule naming a phase of the step.
func (t *Trace) Phase(name string) {
	head := "── " + name + " "
	t.printf("\n%s\n", t.Pal.Bold(head+strings.Repeat("─", t.width()-DisplayWidth(head))))
}

// StatementNumber is how statement i is numbered: its position in the
// step, or its line in a learner's script.
func StatementNumber(i int, s net.Statement) int {
	if s.Line > 0 {
		return s.Line
	}
	return i + 1
}

// StatementRef names statement i in a sentence: "statement 9", or "line 39"
// in a learner's script.
func StatementRef(i int, s net.Statement) string {
	if s.Line > 0 {
		return fmt.Sprintf("line %d", s.Line)
	}
	return fmt.Sprintf("statement %d", i+1)
}

// StatementHead writes a statement's number (its line, in a learner's
// script), formula, bug marker and NumPy line.
func (t *Trace) StatementHead(i int, s net.Statement) {
	number := fmt.Sprintf("%2d  ", StatementNumber(i, s)) // a script's line may take three digits or more
	lines := Wrap(s.Formula, t.width()-len(number))
	for k := range lines {
		if k == 0 {
			lines[k] = number + lines[k]
		} else {
			lines[k] = strings.Repeat(" ", len(number)) + lines[k]
		}
	}
	if s.Bug != "" {
		mark := "✗ " + s.Bug
		last := lines[len(lines)-1]
		if gap := t.width() - DisplayWidth(last) - DisplayWidth(mark); gap >= 2 {
			lines[len(lines)-1] = t.Pal.Bold(last) + strings.Repeat(" ", gap) + t.Pal.Bad(mark)
		} else {
			lines[len(lines)-1] = t.Pal.Bold(last)
			lines = append(lines, strings.Repeat(" ", t.width()-DisplayWidth(mark))+t.Pal.Bad(mark))
		}
		for k := 0; k < len(lines)-1; k++ {
			if !strings.Contains(lines[k], "✗") {
				lines[k] = t.Pal.Bold(lines[k])
			}
		}
	} else {
		for k := range lines {
			lines[k] = t.Pal.Bold(lines[k])
		}
	}
	for _, l := range lines {
		t.printf("%s\n", l)
	}
	if s.NumPy == "" {
		return
	}
	for _, l := range Wrap("np: "+s.NumPy, t.width()-4) {
		t.printf("    %s\n", t.Pal.Dim(l))
	}
}

// Statement writes a whole executed statement: head, every operation,
// and what the step found out about it.
func (t *Trace) Statement(rec *net.StepRecord) {
	t.StatementHead(rec.Index, rec.Statement)
	for k := range rec.Events {
		t.Op(rec, k)
	}
	t.StatementTail(rec)
}

// Op writes operation k of an executed statement: one row of two or more
// lines.
func (t *Trace) Op(rec *net.StepRecord, k int) {
	e := rec.Events[k]
	txt := rec.OpText(k)
	desc := append(Wrap(txt.Operands, t.descCol()), Wrap(txt.Effect, t.descCol())...)
	warn := Wrap(txt.Warn, t.descCol()-2)
	stats := statsLines(e)
	if k < len(rec.Noise) && rec.Noise[k] {
		// Rounding noise: its digits change with the order of additions.
		stats = []string{"≈0 (rounding noise)"}
	}
	// Huge values ("min -1.73e+308 max 1.38e+306") take two lines, a name
	// and its value kept together.
	var fitted []string
	for _, s := range stats {
		w := strings.Fields(s)
		var pairs []string
		for i := 0; i < len(w); i += 2 {
			pairs = append(pairs, strings.Join(w[i:min(i+2, len(w))], " "))
		}
		fitted = append(fitted, Pack(pairs, statsCol)...)
	}
	stats = fitted
	n := max(len(desc)+len(warn), len(stats))
	for i := 0; i < n; i++ {
		left := ""
		if i == 0 {
			left = fmt.Sprintf("  %2d %s", k+1, e.Op)
		}
		var mid string
		switch {
		case i < len(desc):
			mid = desc[i]
		case i-len(desc) < len(warn):
			mid = "  " + warn[i-len(desc)]
			if i == len(desc) {
				mid = "⚠ " + warn[0]
			}
		}
		var right string
		if i < len(stats) {
			right = stats[i]
		}
		line := pad(left, opCol)
		gap := strings.Repeat(" ", max(t.descCol()+2-DisplayWidth(mid), 0))
		if i >= len(desc) && i-len(desc) < len(warn) {
			line += t.Pal.Warn(mid) + gap
		} else {
			line += mid + gap
		}
		switch {
		case right == "":
		case strings.HasPrefix(right, "NaN ") && !e.Stats.Finite():
			right = t.Pal.Bad(right)
		default:
			right = t.Pal.Dim(right)
		}
		if right == "" {
			line = strings.TrimRight(line, " ")
		}
		t.printf("%s\n", line+right)
	}
	if k == rec.NonFinite {
		t.nonFinite(rec, k)
	}
}

// nonFinite flags the operation that turned finite values into NaN or
// Inf, with the statistics of what it read.
func (t *Trace) nonFinite(rec *net.StepRecord, k int) {
	e := rec.Events[k]
	var parts []string
	if e.Stats.NaN > 0 {
		parts = append(parts, fmt.Sprintf("%d NaN", e.Stats.NaN))
	}
	if e.Stats.Inf > 0 {
		parts = append(parts, fmt.Sprintf("%d Inf", e.Stats.Inf))
	}
	msg := fmt.Sprintf("✗ %s made %s of %d values from finite operands", e.Op, strings.Join(parts, " and "), e.Stats.Count)
	for _, l := range Wrap(msg, t.width()-opCol) {
		t.printf("%s%s\n", strings.Repeat(" ", opCol), t.Pal.Bad(l))
	}
	for j := range e.Inputs {
		a := rec.Operand(k, j)
		if a == nil {
			continue
		}
		s := tracer.Summarize(a)
		line := fmt.Sprintf("%s: min %s max %s mean %s, %d zeros of %d", rec.OperandRef(k, j), Num(s.Min), Num(s.Max), Num(s.Mean), s.Zeros, s.Count)
		if e.Op == "exp" {
			line += fmt.Sprintf(" (exp overflows above %.2f)", 709.78)
		}
		for _, l := range Wrap(line, t.width()-opCol-2) {
			t.printf("%s%s\n", strings.Repeat(" ", opCol+2), t.Pal.Warn(l))
		}
	}
}

// StatementTail writes what stepping found out about a statement: its
// error, how a patched line differs from the correct one, how the value
// differs from the correct run's, a parameter's shape drift, and notes.
func (t *Trace) StatementTail(rec *net.StepRecord) {
	ind := "    "
	if rec.Err != nil {
		for i, l := range Wrap("✗ NumPy would stop here: "+rec.ErrorText(), t.width()-len(ind)-2) {
			if i > 0 {
				l = "  " + l
			}
			t.printf("%s%s\n", ind, t.Pal.Bad(l))
		}
	}
	if d := rec.Line; d != nil {
		title := rec.Statement.Bug
		if t.BugTitle != nil {
			if s := t.BugTitle(rec.Statement.Bug); s != "" {
				title += ": " + s
			}
		}
		t.bullet(ind, "✗", title, t.Pal.Bad)
		if d.Axes != "" {
			t.bullet(ind+"  ", "axis:   ", d.Axes, t.Pal.Bad)
		}
		t.bullet(ind+"  ", "correct:", d.Correct.NumPy+"  → "+valueOrShape(d.Want), t.Pal.Good)
		here := valueOrShape(rec.Value) + " — " + d.Relation.String() + ratio(d)
		if rec.Value != nil && rec.Value.Rank() == 0 {
			here = d.String()
			if d.Axes != "" {
				here = strings.TrimPrefix(here, d.Axes+"; ")
			}
		}
		t.bullet(ind+"  ", "here:   ", here, t.Pal.Bad)
	}
	if d := rec.Run; d != nil && rec.Drift == nil && (rec.Line == nil || d.Relation.Kind != rec.Line.Relation.Kind || d.Ratio != rec.Line.Ratio) {
		t.bullet(ind, "≠", "correct run: "+d.String(), t.Pal.Warn)
	}
	for _, n := range rec.Notes {
		switch {
		case n.Fault:
			t.bullet(ind, "✗", n.Text, t.Pal.Bad)
		case n.Warn:
			t.bullet(ind, "⚠", n.Text, t.Pal.Warn)
		default:
			t.bullet(ind, "•", n.Text, t.Pal.Dim)
		}
	}
}

// bullet writes a marker and wrapped text, the text painted by paint.
func (t *Trace) bullet(indent, mark, text string, paint func(string) string) {
	lead := indent + mark + " "
	for i, l := range Wrap(text, t.width()-DisplayWidth(lead)) {
		if i == 0 {
			t.printf("%s%s\n", indent+paint(mark)+" ", paint(l))
		} else {
			t.printf("%s%s\n", strings.Repeat(" ", DisplayWidth(lead)), paint(l))
		}
	}
}

func ratio(d *net.Divergence) string {
	if d.Ratio == "" {
		return ""
	}
	return " = " + d.Ratio
}

// valueOrShape writes a scalar's value or an array's shape with meanings.
func valueOrShape(a *tracer.Array) string {
	if a == nil {
		return "?"
	}
	if a.Rank() == 0 {
		return Num(a.Item())
	}
	return net.AxesText(a.Shape(), a.Labels())
}

// statsLines summarises a result in the trace's values column: the value
// of a scalar, or mean/std and min/max, and the NaN/Inf counts if any.
func statsLines(e tracer.Event) []string {
	s := e.Stats
	if len(e.Shape) == 0 && e.Value != nil {
		return []string{"= " + Num(e.Value.Item())}
	}
	mean := Num(s.Mean)
	// A mean ten orders of magnitude below the values is a sum that
	// cancels (the rows of A − Y add up to 0): its digits are rounding
	// noise that changes with the order of the additions.
	if math.Abs(s.Mean) <= 1e-10*math.Max(math.Abs(s.Min), math.Abs(s.Max)) {
		mean = "≈0"
	}
	lines := []string{
		fmt.Sprintf("mean %s std %s", mean, Num(s.Std)),
		fmt.Sprintf("min %s max %s", Num(s.Min), Num(s.Max)),
	}
	if !s.Finite() {
		lines = append(lines, fmt.Sprintf("NaN %d Inf %d of %d", s.NaN, s.Inf, s.Count))
	}
	return lines
}

// StatsBlock writes every statistic of a value, for the debugger's stats
// command.
func StatsBlock(w io.Writer, name string, a *tracer.Array) {
	s := tracer.Summarize(a)
	fmt.Fprintf(w, "%s: %s\n", name, net.AxesText(a.Shape(), a.Labels()))
	rows := [][2]string{
		{"count", fmt.Sprint(s.Count)}, {"mean", Num(s.Mean)}, {"std", Num(s.Std)},
		{"min", Num(s.Min)}, {"max", Num(s.Max)}, {"l2 norm", Num(s.Norm)},
		{"zeros", fmt.Sprint(s.Zeros)}, {"NaN", fmt.Sprint(s.NaN)}, {"Inf", fmt.Sprint(s.Inf)},
	}
	for _, r := range rows {
		fmt.Fprintf(w, "  %-8s %s\n", r[0], r[1])
	}
}

// Listing writes the whole step as a program: phases, numbered
// statements, "=>" at the next statement (next, from 0), "●" at the
// statements whose indices breaks holds, executed statements dimmed and
// patched ones marked.
func (t *Trace) Listing(p *net.Program, next int, breaks map[int]bool) {
	t.ListingRange(p, next, breaks, 0, len(p.Statements))
}

// ListingRange is Listing of statements from to to-1 (indices from 0),
// each phase's name before its first line shown.
func (t *Trace) ListingRange(p *net.Program, next int, breaks map[int]bool, from, to int) {
	phase := net.Phase("")
	for i, s := range p.Statements[:to] {
		if i < from {
			continue
		}
		if s.Phase != phase {
			phase = s.Phase
			t.printf("   %s\n", t.Pal.Dim(string(phase)))
		}
		mark := "  "
		if i == next {
			mark = "=>"
		}
		bp := " "
		if breaks[i] {
			bp = "●"
		}
		// A formula too long for the line wraps under itself, the bug
		// marker staying at the end of its first line.
		room := t.width() - 5
		if s.Bug != "" {
			room -= 2 + DisplayWidth("✗ "+s.Bug)
		}
		paint := func(s string) string { return s }
		switch {
		case i == next:
			paint = t.Pal.Accent
		case i < next:
			paint = t.Pal.Dim
		}
		// A script's line number may take three digits or more.
		number := fmt.Sprintf("%2d  ", StatementNumber(i, s))
		for k, l := range Wrap(s.Formula, room-len(number)) {
			if k > 0 {
				t.printf("     %s%s\n", strings.Repeat(" ", len(number)), paint(l))
				continue
			}
			body := number + l
			line := t.Pal.Accent(mark) + " " + t.Pal.Bad(bp) + " " + paint(body)
			if s.Bug != "" {
				line += strings.Repeat(" ", room-DisplayWidth(body)+2) + t.Pal.Bad("✗ "+s.Bug)
			}
			t.printf("%s\n", line)
		}
	}
	if next >= len(p.Statements) && to == len(p.Statements) {
		t.printf("=> %s\n", t.Pal.Accent("(end of the iteration)"))
	}
}

// Summary writes what the iteration came to: loss, accuracy, the
// parameters' shapes, and for a buggy step every line that differs and
// every parameter whose shape drifted.
func (t *Trace) Summary(st *net.Stepper) {
	t.Phase("summary")
	p := st.Program
	if st.Err() != nil {
		rec := st.Records[len(st.Records)-1]
		t.bullet("", "✗", fmt.Sprintf("the iteration stopped at %s (%s): %s", StatementRef(rec.Index, rec.Statement), rec.Statement.Name, rec.ErrorText()), t.Pal.Bad)
	}
	if loss, ok := st.Vars["loss"]; ok && loss.Size() == 1 {
		line := "loss " + Float(loss.Item(), 4)
		if acc, reported, ok := st.Accuracy(); ok {
			line += fmt.Sprintf(", accuracy %s (this batch, before the update)", Percent(acc))
			if !math.IsNaN(reported) && math.Abs(reported-acc) > 1e-12 {
				line += fmt.Sprintf("; the program reports %s", Percent(reported))
			}
		}
		for _, l := range Wrap(line, t.width()) {
			t.printf("%s\n", l)
		}
	}
	var params []string
	for _, name := range net.ParamNames(p.Config.Layers()) {
		if a, ok := st.Vars[name]; ok {
			params = append(params, fmt.Sprintf("%s %s", name, a.Shape()))
		}
	}
	t.bullet("", "parameters", strings.Join(params, ", "), func(s string) string { return s })
	if rec, k := st.FirstNonFinite(); rec != nil {
		e := rec.Events[k]
		t.bullet("", "✗", fmt.Sprintf("first NaN/Inf: %s (%s), operation %d (%s of %s)", StatementRef(rec.Index, rec.Statement),
			rec.Statement.Name, k+1, e.Op, inputNames(rec, k)), t.Pal.Bad)
	} else if st.Err() != nil {
		t.printf("%s\n", t.Pal.Good("no NaN or Inf before it stopped"))
	} else if st.Finished() {
		t.printf("%s\n", t.Pal.Good("no NaN or Inf anywhere in the iteration"))
	}
	if !p.Patched() {
		return
	}
	for _, rec := range st.Records {
		switch {
		case rec.Line != nil:
			how := "patched by"
			if rec.Statement.Line > 0 {
				how = "matches" // a learner's line that check matched to the bug
			}
			t.bullet("", "✗", fmt.Sprintf("%-5s %s %s: %s", rec.Statement.Name, how, rec.Statement.Bug, rec.Line), t.Pal.Bad)
		case rec.Run != nil && rec.Drift == nil:
			t.bullet("", "≠", fmt.Sprintf("%-5s differs from the correct run: %s", rec.Statement.Name, rec.Run), t.Pal.Warn)
		}
		if rec.Drift != nil {
			t.bullet("", "⚠", "shape drift "+rec.Drift.String(), t.Pal.Warn)
		}
	}
}

func inputNames(rec *net.StepRecord, k int) string {
	var names []string
	for j := range rec.Events[k].Inputs {
		names = append(names, rec.OperandRef(k, j))
	}
	return strings.Join(names, ", ")
}

// Num writes a value with 4 significant digits for a trace: whole
// numbers plainly (10000, not 1e+04), modest ones in fixed point, tiny or
// huge ones in scientific notation.
func Num(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return Float(v, 0)
	case v == 0:
		return "0"
	case v == math.Trunc(v) && a < 1e7:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 1e-3 && a < 1e5:
		dec := max(0, 3-int(math.Floor(math.Log10(a))))
		s := strconv.FormatFloat(v, 'f', dec, 64)
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return s
	}
	return strconv.FormatFloat(v, 'e', 2, 64)
}
