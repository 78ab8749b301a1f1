package cli

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/lessons"
	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/net/foreign"
	"github.com/backstep/backstep/tracer"
	"github.com/spf13/cobra"
)

// CheckOptions are the parsed flags of `backstep check`.
type CheckOptions struct {
	IO      *IOStreams
	File    string
	Layout  string
	Act     string
	Output  string
	Loss    string
	Mode    string
	Map     []string
	JSON    bool
	Snippet bool
}

// NewCmdCheck builds `backstep check`.
func NewCmdCheck(io *IOStreams, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "check FILE.npz",
		Short: "Check your own NumPy gradient code from a .npz dump of one step",
		Long: `Check one training step of your own NumPy code. Dump its arrays with np.savez (run
backstep check --snippet for the lines to paste). backstep works out the network they
describe — names, layout, activations, output layer and loss, where the 1/m sits, the
sign of the gradients — and says so in the header. Then it recomputes every tensor from
your own inputs to its statement, finds each faulty statement even when several are
wrong, names the known bug that reproduces it, checks every gradient against centred
differences of the loss your convention differentiates, and, given the parameters after
the update (W1_next, …), checks the update too.

Names: X, Y (one-hot, class numbers, 0/1 or real targets), W1, b1, … WL, bL (before the
update), any of Z1, A1, …, dZ2, dW2, db2, …, loss, and W1_next, b1_next, …; learners'
names (w1, W_1, theta1, grad_w1, delta2, d_hidden, W1_new, …) are read too, and --map
sets any of them. Outputs: softmax + cross-entropy, sigmoid + binary cross-entropy,
sigmoid/tanh/linear + squared error. Exit 0 when everything that ran is right, 1 when
faults are found, 2 when the file cannot be used.`,
		Example: `  backstep check --snippet               # the lines to add to your script
  backstep check step.npz
  backstep check step.npz --layout cols --act relu
  backstep check step.npz --output sigmoid --loss squared-error
  backstep check step.npz --map dW1=grad_w1 --map db1=grad_b1
  backstep check step.npz --mode full     # every element in the numerical check
  backstep check step.npz --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.Snippet {
				if len(args) > 0 {
					return usagef("--snippet takes no file")
				}
				return nil
			}
			if len(args) != 1 {
				return usagef("give one .npz file to check (or --snippet for how to write one)")
			}
			opts.File = args[0]
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return checkRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Layout, "layout", "auto", "auto, rows (samples × features) or cols")
	f.StringVar(&opts.Act, "act", "auto", "hidden activation: auto, tanh, sigmoid or relu")
	f.StringVar(&opts.Output, "output", "auto", "output layer: auto, softmax, sigmoid, tanh or linear")
	f.StringVar(&opts.Loss, "loss", "auto", "auto, cross-entropy, binary-cross-entropy, squared-error")
	f.StringVar(&opts.Mode, "mode", "auto", "numerical check: auto, full or sparse (sampled)")
	f.StringArrayVar(&opts.Map, "map", nil, "read key THEIRS as OURS, e.g. dW1=grad_w1 (repeatable)")
	f.BoolVar(&opts.JSON, "json", false, "write the findings as JSON")
	f.BoolVar(&opts.Snippet, "snippet", false, "print the Python lines that write a dump")
	return cmd
}

// lossNames reads --loss, with the short names learners use.
var lossNames = map[string]net.LossKind{
	"cross-entropy": net.CrossEntropy, "ce": net.CrossEntropy, "categorical-cross-entropy": net.CrossEntropy,
	"binary-cross-entropy": net.BinaryCrossEntropy, "bce": net.BinaryCrossEntropy,
	"squared-error": net.SquaredError, "mse": net.SquaredError, "sse": net.SquaredError,
}

func (o *CheckOptions) dumpOptions() (foreign.Options, error) {
	var d foreign.Options
	switch o.Layout {
	case "auto", "":
	case "rows", "cols":
		d.Layout = net.Layout(o.Layout)
	default:
		return d, usagef("--layout %q: use auto, rows or cols", o.Layout)
	}
	switch o.Act {
	case "auto", "":
	case "tanh", "sigmoid", "relu":
		d.Act = net.Activation(o.Act)
	default:
		return d, usagef("--act %q: use auto, tanh, sigmoid or relu", o.Act)
	}
	switch o.Output {
	case "auto", "":
	case "softmax", "sigmoid", "tanh", "linear":
		d.Output = net.Activation(o.Output)
	default:
		return d, usagef("--output %q: use auto, softmax, sigmoid, tanh or linear", o.Output)
	}
	if o.Loss != "auto" && o.Loss != "" {
		l, ok := lossNames[o.Loss]
		if !ok {
			return d, usagef("--loss %q: use auto, cross-entropy, binary-cross-entropy or squared-error", o.Loss)
		}
		d.Loss = l
	}
	switch o.Mode {
	case "auto", "", "full", "sparse":
	default:
		return d, usagef("--mode %q: use auto, full or sparse", o.Mode)
	}
	m, err := parseMap(o.Map)
	d.Map = m
	return d, err
}

// parseMap reads the --map flags of check and run: OURS=THEIRS, backstep's
// name for the learner's key or variable.
func parseMap(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, m := range flags {
		ours, theirs, ok := strings.Cut(m, "=")
		if !ok || ours == "" || theirs == "" {
			return out, usagef("--map %q: write OURS=THEIRS, e.g. --map dW1=grad_w1", m)
		}
		out[ours] = theirs
	}
	return out, nil
}

func checkRun(opts *CheckOptions) error {
	io := opts.IO
	if opts.Snippet {
		layout := net.Rows
		if opts.Layout == "cols" {
			layout = net.Cols
		}
		_, err := fmt.Fprint(io.Out, snippet(layout))
		return err
	}
	dopts, err := opts.dumpOptions()
	if err != nil {
		return err
	}
	file, err := net.ReadNumPy(opts.File)
	if err != nil {
		return usagef("%s", strings.TrimPrefix(err.Error(), "net: "))
	}
	dump, err := foreign.Interpret(file, dopts)
	if err != nil {
		return usagef("%s: %s", opts.File, strings.TrimPrefix(err.Error(), "foreign: "))
	}
	co := lessons.CheckOptions{Tol: tracer.SameTolerance}
	for _, w := range file.Warnings {
		switch {
		case strings.Contains(w, "float16"):
			co.Tol = max(co.Tol, 1e-2)
		case strings.Contains(w, "float32"):
			co.Tol = max(co.Tol, 1e-4)
		}
	}
	switch opts.Mode {
	case "full":
		co.Mode = tracer.FullCheck
	case "sparse":
		co.Mode = tracer.SparseCheck
	}
	// The bar shows only when the check has already taken a second.
	bar := &render.Progress{W: io.ErrOut, Enabled: io.ErrTTY, Label: "numerical check", Columns: io.width()}
	start := time.Now()
	co.Progress = func(done, total int) {
		if time.Since(start) > time.Second {
			bar.Total = total
			bar.Update(done, "tensors")
		}
	}
	rep := lessons.CheckDump(dump, co)
	bar.Done()
	if rep.Recomputed == 0 && len(dump.Next) == 0 {
		return usagef("%s holds X, Y and the parameters but no value of the step (Z1, A1, …, loss, dW1, db1, …): nothing to check — dump them too (backstep check --snippet)", opts.File)
	}
	if opts.JSON {
		if err := render.JSON(io.Out, checkJSONOf(opts.File, file, rep)); err != nil {
			return err
		}
	} else {
		printCheck(io, opts.File, file, rep)
	}
	if !rep.OK() {
		return faultsFound
	}
	return nil
}

type checkJSON struct {
	File        string             `json:"file"`
	OK          bool               `json:"ok"`
	Layout      string             `json:"layout"`
	Act         string             `json:"act"`
	Output      string             `json:"output"`
	Loss        string             `json:"loss"`
	Normaliser  string             `json:"normaliser"`
	Negated     bool               `json:"negated"`
	Targets     string             `json:"targets"`
	Sizes       []int              `json:"sizes"`
	Samples     int                `json:"samples"`
	Names       map[string]string  `json:"names"`
	Unused      []string           `json:"unused_keys"`
	Notes       []string           `json:"notes"`
	Warnings    []string           `json:"warnings"`
	Checks      checksJSON         `json:"checks"`
	FirstFaulty *string            `json:"first_faulty"`
	BlownUp     string             `json:"blown_up,omitempty"`
	Bugs        []string           `json:"bugs"`
	Findings    []checkFindingJSON `json:"findings"`
	// GradientError says why the numerical check could not run.
	GradientError string `json:"gradient_check_error,omitempty"`
}

// checksJSON says which checks ran, why not, and how many elements.
type checksJSON struct {
	Recompute struct {
		Ran      bool `json:"ran"`
		Tensors  int  `json:"tensors"`
		Elements int  `json:"elements"`
	} `json:"recompute"`
	Numerical struct {
		Ran      bool   `json:"ran"`
		Why      string `json:"why,omitempty"`
		Mode     string `json:"mode,omitempty"`
		Tensors  int    `json:"tensors"`
		Elements int    `json:"elements"`
		Of       int    `json:"of"`
	} `json:"numerical"`
	Update struct {
		Ran        bool `json:"ran"`
		Parameters int  `json:"parameters"`
	} `json:"update"`
}

type checkFindingJSON struct {
	Tensor      string        `json:"tensor"`
	Statement   string        `json:"statement"`
	Present     bool          `json:"present"`
	Shape       []int         `json:"shape"`
	Expected    []int         `json:"expected_shape"`
	Verdict     string        `json:"verdict"`
	Relation    string        `json:"relation,omitempty"`
	Alpha       render.Number `json:"alpha,omitempty"`
	RelError    render.Number `json:"rel_error"`
	Description string        `json:"description,omitempty"`
	Parts       string        `json:"parts,omitempty"`
	Cause       string        `json:"cause,omitempty"`
	// DumpMoment: the cause is when the arrays were dumped, not the line.
	DumpMoment bool     `json:"dump_moment,omitempty"`
	Bug        string   `json:"bug,omitempty"`
	With       []string `json:"with,omitempty"`
	Lesson     string   `json:"lesson,omitempty"`
	Error      string   `json:"error,omitempty"`
	// Numerical is the gradient against centred differences of the loss.
	Numerical *numericalJSON `json:"numerical,omitempty"`
}

type numericalJSON struct {
	Verdict     string        `json:"verdict"`
	MaxRelError render.Number `json:"max_rel_error"`
	Checked     int           `json:"checked"`
	// NormRelError is set when a float32 dump's gradient was graded on the
	// whole tensor (single elements beyond its precision).
	NormRelError *render.Number `json:"norm_rel_error,omitempty"`
}

func intsOf(s tracer.Shape) []int {
	if s == nil {
		return nil
	}
	return append([]int{}, s...)
}

func checkJSONOf(path string, file *net.NumPyFile, rep *lessons.DumpReport) checkJSON {
	d := rep.Dump
	cfg := d.Config
	j := checkJSON{File: path, OK: rep.OK(), Layout: string(cfg.Layout), Act: string(cfg.Act),
		Output: string(cfg.OutputAct()), Loss: string(cfg.LossKind()), Normaliser: string(cfg.Normalised()),
		Negated: cfg.Negated, Targets: d.Targets, Names: d.Keys, Unused: d.Unused,
		Sizes: cfg.Sizes(), Samples: d.Samples, Notes: d.AllNotes(), Bugs: rep.Bugs}
	j.Warnings = append(append([]string{}, file.Warnings...), rep.Warnings...)
	if j.Unused == nil {
		j.Unused = []string{}
	}
	if j.Bugs == nil {
		j.Bugs = []string{}
	}
	j.Checks.Recompute.Ran = true
	j.Checks.Recompute.Tensors, j.Checks.Recompute.Elements = rep.Recomputed, rep.RecomputedElements
	n := rep.Numerical
	j.Checks.Numerical.Ran, j.Checks.Numerical.Why, j.Checks.Numerical.Mode = n.Ran, n.Why, string(n.Mode)
	j.Checks.Numerical.Tensors, j.Checks.Numerical.Elements, j.Checks.Numerical.Of = n.Tensors, n.Elements, n.Total
	j.Checks.Update.Ran = len(d.Next) > 0
	j.Checks.Update.Parameters = len(d.Next)
	if !n.Ran {
		j.GradientError = n.Why
	}
	if rep.First != "" {
		first := rep.First
		j.FirstFaulty = &first
	}
	j.BlownUp = rep.BlownUp
	for _, f := range rep.Findings {
		fj := checkFindingJSON{Tensor: f.Tensor, Statement: f.Statement.NumPy, Present: f.Present,
			Shape: intsOf(f.Shape), Expected: intsOf(f.Expected), Verdict: string(f.Verdict),
			Description: f.Description, Parts: f.Parts, Cause: f.Cause, DumpMoment: f.DumpMoment, Bug: f.Bug, With: f.With}
		if f.Present && f.Verdict != net.Failed && f.Verdict != net.NotChecked && f.Relation.Kind != "" {
			fj.Relation = string(f.Relation.Kind)
			fj.Alpha = render.Number(f.Relation.Alpha)
			fj.RelError = render.Number(f.Relation.RelError)
		}
		if f.Bug != "" {
			fj.Lesson = "backstep lesson show " + f.Bug
		}
		if f.Err != nil {
			fj.Error = f.Err.Error()
		}
		if g := f.Gradient; g != nil {
			fj.Numerical = &numericalJSON{Verdict: string(g.Verdict), MaxRelError: render.Number(g.MaxRelError), Checked: g.Checked}
			if f.GradientByNorm {
				n := render.Number(g.NormRelError)
				fj.Numerical.NormRelError = &n
			}
		}
		j.Findings = append(j.Findings, fj)
	}
	return j
}

func printCheck(io *IOStreams, path string, file *net.NumPyFile, rep *lessons.DumpReport) {
	pal := render.Palette{Enabled: io.Color}
	d := rep.Dump
	cfg := d.Config
	desc := cfg.Describe()
	if d.ActUnknown {
		desc = strings.Replace(desc, " "+cfg.ActsText(), " (unknown activation)", 1)
	}
	render.Paragraph(io.Out, io.width(), "dump     ", 9, fmt.Sprintf("%s: %d samples, %s, %s layout", path, d.Samples, desc, cfg.Layout), nil)
	for _, n := range d.AllNotes() {
		render.Paragraph(io.Out, io.width(), "         ", 11, n, nil)
	}
	for _, w := range append(dedupe(file.Warnings), rep.Warnings...) {
		render.Paragraph(io.Out, io.width(), pal.Warn("warning")+"  ", 11, w, nil)
	}
	for _, r := range rep.Readings {
		render.Paragraph(io.Out, io.width(), "         ", 11, "("+r+")", nil)
	}
	var rows [][]string
	for _, f := range rep.Findings {
		if !f.Present {
			continue
		}
		verdict := string(f.Verdict)
		switch f.Verdict {
		case net.Correct:
			verdict = pal.Good(verdict)
		case net.Wrong, net.Failed:
			verdict = pal.Bad(verdict)
		}
		shape := f.Shape.String()
		if f.Expected != nil && !f.Shape.Equal(f.Expected) {
			shape += " ≠ " + f.Expected.String()
		}
		bug := f.Bug
		if bug == "" && f.Faulty() {
			bug = "none in the catalog"
		}
		numeric := ""
		if g := f.Gradient; g != nil {
			numeric = string(g.Verdict)
			switch {
			case f.GradientByNorm:
				numeric += " " + render.Sci(g.NormRelError) + " ‖‖"
			case g.Verdict != tracer.WrongShape:
				numeric += " " + render.Sci(g.MaxRelError)
			}
			if g.Verdict.Passed() {
				numeric = pal.Good(numeric)
			} else {
				numeric = pal.Bad(numeric)
			}
		}
		name := f.Tensor
		if f.Statement.Phase == net.Update {
			name += " update"
		}
		rows = append(rows, []string{name, shape, verdict, numeric, bug})
	}
	fmt.Fprintln(io.Out)
	_ = render.Table(io.Out, io.width(), []string{"tensor", "shape", "on your inputs", "vs numerical", "bug"}, rows)
	printChecksRan(io, rep)
	absent := absentNames(rep)
	if len(absent) > 0 {
		render.Paragraph(io.Out, io.width(), "", 4, "not in the dump (computed by backstep from your inputs): "+strings.Join(absent, ", "), nil)
	}
	if len(d.Copies) > 0 {
		render.Paragraph(io.Out, io.width(), "copies   ", 9, strings.Join(d.Copies, ", ")+": read once", nil)
	}
	if len(d.Suggest) > 0 {
		var maps []string
		for _, key := range d.Unused {
			if ours, ok := d.Suggest[key]; ok {
				maps = append(maps, fmt.Sprintf("--map %s=%s", ours, foreign.SafeKey(key)))
			}
		}
		render.Paragraph(io.Out, io.width(), pal.Warn("unused")+"   ", 9, fmt.Sprintf("nothing read %s; by their shapes they could be the gradients this dump lacks: %s", safeKeys(d.Unused), strings.Join(maps, " ")), nil)
	} else if len(d.Unused) > 0 {
		render.Paragraph(io.Out, io.width(), pal.Warn("unused")+"   ", 9, fmt.Sprintf("nothing read %s: to use a key, --map OURS=KEY (e.g. --map dW1=%s)", safeKeys(d.Unused), foreign.SafeKey(d.Unused[0])), nil)
	}
	if rep.OK() {
		what := "every tensor is what its statement gives on your inputs"
		var skipped []string
		for _, f := range rep.Findings {
			if f.Present && f.Verdict == net.NotChecked {
				skipped = append(skipped, f.Tensor)
			}
		}
		if len(skipped) > 0 {
			what = fmt.Sprintf("every tensor checked is what its statement gives on your inputs (not checked: %s)", strings.Join(skipped, ", "))
		}
		switch {
		case rep.Numerical.Ran && rep.Numerical.Tensors > 0:
			what += ", and every gradient matches centred differences of the loss"
		case rep.Numerical.Ran:
			what += "; the dump holds no gradient under a name backstep reads (dZ, dW, db: see unused, --map), so none was compared with the loss itself"
		default:
			what += "; the numerical check did not run (above), so no gradient was compared with the loss itself"
		}
		fmt.Fprintln(io.Out)
		render.Paragraph(io.Out, io.width(), pal.Good("ok:")+" ", 4, what, nil)
		return
	}
	if rep.BlownUp != "" && rep.First == "" {
		fmt.Fprintln(io.Out)
		render.Paragraph(io.Out, io.width(), pal.Bad("fault:")+" ", 4, rep.BlownUp, nil)
		return
	}
	if rep.First == "" {
		fmt.Fprintln(io.Out)
		render.Paragraph(io.Out, io.width(), pal.Bad("fault:")+" ", 4, "every statement gives what it should on your inputs, yet a gradient differs from the numerical one: the dump's tensors do not come from one consistent step", nil)
		return
	}
	fmt.Fprintf(io.Out, "\n%s first faulty statement: %s\n", pal.Bad("fault:"), rep.First)
	var inherit []string
	for _, f := range rep.Findings {
		if f.Verdict == net.Correct && f.Gradient != nil && !f.Gradient.Verdict.Passed() {
			inherit = append(inherit, f.Tensor)
		}
	}
	if len(inherit) > 0 {
		render.Paragraph(io.Out, io.width(), "", 4, strings.Join(inherit, ", ")+": right on your inputs, wrong against the numerical gradient: they inherit a fault from a statement before them", nil)
	}
	for _, f := range rep.Findings {
		if !f.Faulty() {
			continue
		}
		fmt.Fprintln(io.Out)
		render.Paragraph(io.Out, io.width(), pal.Bold(f.Tensor)+strings.Repeat(" ", max(2, 6-len(f.Tensor))), 4, f.Description, nil)
		if f.Parts != "" {
			render.Paragraph(io.Out, io.width(), "    ", 4, f.Parts, nil)
		}
		if f.Cause != "" && !strings.Contains(f.Description, f.Cause) {
			render.Paragraph(io.Out, io.width(), "    why: ", 9, f.Cause, nil)
		}
		render.Paragraph(io.Out, io.width(), "    right: ", 11, lessons.RightLine(d, f.Statement), nil)
		switch {
		case f.Bug != "" && len(f.With) > 0:
			render.Paragraph(io.Out, io.width(), "    ", 4, fmt.Sprintf("yours is reproduced by the bug %s (together with %s): backstep lesson show %s", pal.Bad(f.Bug), strings.Join(f.With, ", "), f.Bug), nil)
		case f.Bug != "":
			render.Paragraph(io.Out, io.width(), "    ", 4, fmt.Sprintf("the bug %s: backstep lesson show %s", pal.Bad(f.Bug), f.Bug), nil)
		case f.DumpMoment:
			render.Paragraph(io.Out, io.width(), "    ", 4, "your line may well be right: the arrays were dumped at different moments", nil)
		default:
			render.Paragraph(io.Out, io.width(), "    ", 4, "no bug in backstep's catalog reproduces it: compare your line with the right one", nil)
		}
	}
}

// printChecksRan says which checks ran and how much they compared.
func printChecksRan(io *IOStreams, rep *lessons.DumpReport) {
	pal := render.Palette{Enabled: io.Color}
	line := func(head, text string) { render.Paragraph(io.Out, io.width(), head, 9, text, nil) }
	line("checks   ", fmt.Sprintf("recomputed %d tensors (%d values) from your own inputs", rep.Recomputed, rep.RecomputedElements))
	if rep.L2 != 0 {
		line("         ", fmt.Sprintf("every dW adds %.4g·W: L2 regularisation, so the weights' gradients are judged against the regularised loss", rep.L2))
	}
	n := rep.Numerical
	switch {
	case !n.Ran:
		line("         "+pal.Warn("note:")+" ", "the numerical gradient check did not run: "+n.Why)
	case n.Elements < n.Total:
		line("         ", fmt.Sprintf("numerical check of %d gradients: %d sampled elements of %d (--mode full for all)", n.Tensors, n.Elements, n.Total))
	default:
		if n.Tensors == 0 {
			line("         ", "numerical check: no gradient in the dump to compare")
		} else {
			line("         ", fmt.Sprintf("numerical check of %d gradients: all %d elements", n.Tensors, n.Elements))
		}
	}
	if len(n.ByNorm) > 0 {
		line("         ", fmt.Sprintf("‖‖ %s: graded on the whole tensor, ‖a − n‖ / (‖a‖ + ‖n‖), as single elements are beyond the dump's precision (1 − A² of a saturated unit rounds to 0)", strings.Join(n.ByNorm, ", ")))
	}
	if len(rep.Dump.Next) > 0 {
		checked, why := 0, ""
		for _, f := range rep.Findings {
			switch {
			case f.Statement.Phase != net.Update:
			case f.Verdict == net.NotChecked && f.Err != nil:
				why = f.Err.Error()
			default:
				checked++
			}
		}
		if checked > 0 {
			line("         ", fmt.Sprintf("update checked for %d parameters (lr %.4g)", checked, rep.Dump.Config.LR))
		}
		if why != "" {
			line("         ", pal.Warn("note:")+" "+why)
		}
	}
}

// safeKeys lists keys as they can be shown.
func safeKeys(keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = foreign.SafeKey(k)
	}
	return strings.Join(out, ", ")
}

// dedupe keeps the first of repeated lines.
func dedupe(lines []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

func absentNames(rep *lessons.DumpReport) []string {
	var names []string
	for _, f := range rep.Findings {
		if !f.Present && f.Tensor != "m" {
			names = append(names, f.Tensor)
		}
	}
	sort.Strings(names)
	return names
}

// snippet is the Python to paste into a learner's script: the step's
// arrays after the backward pass, and the parameters once updated.
func snippet(layout net.Layout) string {
	shapes := "X is (samples, features), W1 is (features, hidden), b1 is (1, hidden)"
	if layout == net.Cols {
		shapes = "X is (features, samples), W1 is (hidden, features), b1 is (hidden, 1)"
	}
	return `# backstep: two pastes, in the first iteration. Layout ` + string(layout) + `:
# ` + shapes + `.
# Name the arrays as below (your own names such as w1, grad_w1, delta2 are read
# too), add W3, b3, Z3, ... for deeper networks and leave out what you do not
# have. Y may be one-hot, class numbers, 0/1 or real-valued targets.
import numpy as np

# 1. After the backward pass, BEFORE the update (copies, as -= works in place):
step = {k: np.copy(v) for k, v in dict(
    X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2,
    Z1=Z1, A1=A1, Z2=Z2, A2=A2, loss=loss,
    dZ2=dZ2, dW2=dW2, db2=db2, dZ1=dZ1, dW1=dW1, db1=db1).items()}

# ... your update runs here (W1 -= lr * dW1, ...) ...

# 2. Right after the update: the parameters as they are now, to check it too.
np.savez("step.npz", W1_next=W1, b1_next=b1, W2_next=W2, b2_next=b2, **step)
raise SystemExit("backstep: wrote step.npz; now run  backstep check step.npz")
`
}
