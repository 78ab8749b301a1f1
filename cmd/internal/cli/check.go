package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/lessons"
	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
	"github.com/spf13/cobra"
)

// CheckOptions are the parsed flags of `backstep check`.
type CheckOptions struct {
	IO      *IOStreams
	File    string
	Layout  string
	Act     string
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
backstep check --snippet for the lines to paste), then backstep recomputes every tensor from
your own inputs to its statement, finds each faulty statement even when several are wrong,
and names the known bug that reproduces it.

Keys follow the usual notation: X, Y (one-hot or integer labels), W1, b1, … WL, bL (before
the update), and any of Z1, A1, …, dZ2, dW2, db2, …, dW1, db1. Exit 0 when everything is
right, 1 when faults are found, 2 when the file cannot be used.`,
		Example: `  backstep check --snippet               # the lines to add to your script
  backstep check step.npz
  backstep check step.npz --layout cols --act relu
  backstep check step.npz --map dW1=grad_w1 --map db1=grad_b1
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
	f.StringVar(&opts.Act, "act", "auto", "auto (A1 against Z1), tanh, sigmoid or relu")
	f.StringArrayVar(&opts.Map, "map", nil, "rename a key: OURS=THEIRS, e.g. dW1=grad_w1 (repeatable)")
	f.BoolVar(&opts.JSON, "json", false, "write the findings as JSON")
	f.BoolVar(&opts.Snippet, "snippet", false, "print the Python lines that write a dump")
	return cmd
}

func (o *CheckOptions) dumpOptions() (net.DumpOptions, error) {
	var d net.DumpOptions
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
	d.Map = map[string]string{}
	for _, m := range o.Map {
		ours, theirs, ok := strings.Cut(m, "=")
		if !ok || ours == "" || theirs == "" {
			return d, usagef("--map %q: write OURS=THEIRS, e.g. --map dW1=grad_w1", m)
		}
		d.Map[ours] = theirs
	}
	return d, nil
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
	dump, err := net.Interpret(file, dopts)
	if err != nil {
		return usagef("%s: %s", opts.File, strings.TrimPrefix(err.Error(), "net: "))
	}
	tol := tracer.SameTolerance
	for _, w := range file.Warnings {
		switch {
		case strings.Contains(w, "float16"):
			tol = max(tol, 1e-2)
		case strings.Contains(w, "float32"):
			tol = max(tol, 1e-4)
		}
	}
	rep := lessons.CheckDump(dump, tol)
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
	Sizes       []int              `json:"sizes"`
	Samples     int                `json:"samples"`
	Notes       []string           `json:"notes"`
	Warnings    []string           `json:"warnings"`
	FirstFaulty *string            `json:"first_faulty"`
	Bugs        []string           `json:"bugs"`
	Findings    []checkFindingJSON `json:"findings"`
	// GradientError says why the numerical check could not run.
	GradientError string `json:"gradient_check_error,omitempty"`
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
	Bug         string        `json:"bug,omitempty"`
	With        []string      `json:"with,omitempty"`
	Lesson      string        `json:"lesson,omitempty"`
	Error       string        `json:"error,omitempty"`
	// Numerical is the gradient against centred differences of the loss.
	Numerical *numericalJSON `json:"numerical,omitempty"`
}

type numericalJSON struct {
	Verdict     string        `json:"verdict"`
	MaxRelError render.Number `json:"max_rel_error"`
}

func intsOf(s tracer.Shape) []int {
	if s == nil {
		return nil
	}
	return append([]int{}, s...)
}

func checkJSONOf(path string, file *net.NumPyFile, rep *lessons.DumpReport) checkJSON {
	d := rep.Dump
	j := checkJSON{File: path, OK: rep.OK(), Layout: string(d.Config.Layout), Act: string(d.Config.Act),
		Sizes: d.Config.Sizes(), Samples: d.Samples, Notes: d.Notes, Warnings: file.Warnings, Bugs: rep.Bugs}
	if j.Warnings == nil {
		j.Warnings = []string{}
	}
	if j.Bugs == nil {
		j.Bugs = []string{}
	}
	j.GradientError = rep.GradientError
	if rep.First != "" {
		first := rep.First
		j.FirstFaulty = &first
	}
	for _, f := range rep.Findings {
		fj := checkFindingJSON{Tensor: f.Tensor, Statement: f.Statement.NumPy, Present: f.Present,
			Shape: intsOf(f.Shape), Expected: intsOf(f.Expected), Verdict: string(f.Verdict),
			Description: f.Description, Bug: f.Bug, With: f.With}
		if f.Present && f.Verdict != net.Failed && f.Verdict != net.NotChecked {
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
			fj.Numerical = &numericalJSON{Verdict: string(g.Verdict), MaxRelError: render.Number(g.MaxRelError)}
		}
		j.Findings = append(j.Findings, fj)
	}
	return j
}

func printCheck(io *IOStreams, path string, file *net.NumPyFile, rep *lessons.DumpReport) {
	pal := render.Palette{Enabled: io.Color}
	d := rep.Dump
	sizes := make([]string, 0, 4)
	for _, s := range d.Config.Sizes() {
		sizes = append(sizes, fmt.Sprint(s))
	}
	fmt.Fprintf(io.Out, "dump     %s: %d samples, %s %s, %s layout\n", path, d.Samples, strings.Join(sizes, "-"), d.Config.Act, d.Config.Layout)
	for _, n := range d.Notes {
		fmt.Fprintf(io.Out, "         %s\n", n)
	}
	for _, w := range file.Warnings {
		fmt.Fprintf(io.Out, "%s %s\n", pal.Warn("warning"), w)
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
		if bug == "" && (f.Verdict == net.Wrong || f.Verdict == net.Failed) {
			bug = "none in the catalog"
		}
		numeric := ""
		if g := f.Gradient; g != nil {
			numeric = string(g.Verdict)
			if g.Verdict != tracer.WrongShape {
				numeric += " " + render.Sci(g.MaxRelError)
			}
			if g.Verdict.Passed() {
				numeric = pal.Good(numeric)
			} else {
				numeric = pal.Bad(numeric)
			}
		}
		rows = append(rows, []string{f.Tensor, shape, verdict, numeric, bug})
	}
	fmt.Fprintln(io.Out)
	_ = render.Table(io.Out, []string{"tensor", "shape", "on your inputs", "vs numerical", "bug"}, rows)
	if rep.GradientError != "" {
		fmt.Fprintf(io.Out, "%s the numerical gradient check could not run: %s\n", pal.Warn("note:"), rep.GradientError)
	}
	absent := absentNames(rep)
	if len(absent) > 0 {
		fmt.Fprintf(io.Out, "not in the dump (computed by backstep from your inputs): %s\n", strings.Join(absent, ", "))
	}
	if rep.OK() {
		fmt.Fprintf(io.Out, "\n%s every tensor is what its statement gives on your inputs, and every gradient\n    matches centred differences of the loss\n", pal.Good("ok:"))
		return
	}
	if rep.First == "" {
		fmt.Fprintf(io.Out, "\n%s every statement gives what it should on your inputs, yet a gradient differs from\n    the numerical one: the dump's tensors do not come from one consistent step\n", pal.Bad("fault:"))
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
		fmt.Fprintf(io.Out, "%s: right on your inputs, wrong against the numerical gradient: they inherit\n    a fault from a statement before them\n", strings.Join(inherit, ", "))
	}
	for _, f := range rep.Findings {
		if f.Verdict != net.Wrong && !(f.Verdict == net.Failed && f.Present) {
			continue
		}
		fmt.Fprintf(io.Out, "\n%s  %s\n", pal.Bold(f.Tensor), f.Description)
		fmt.Fprintf(io.Out, "    right: %s\n", f.Statement.NumPy)
		switch {
		case f.Bug != "" && len(f.With) > 0:
			fmt.Fprintf(io.Out, "    yours is reproduced by the bug %s (together with %s): backstep lesson show %s\n", pal.Bad(f.Bug), strings.Join(f.With, ", "), f.Bug)
		case f.Bug != "":
			fmt.Fprintf(io.Out, "    yours is reproduced by the bug %s: backstep lesson show %s\n", pal.Bad(f.Bug), f.Bug)
		default:
			fmt.Fprintln(io.Out, "    no bug in backstep's catalog reproduces it: compare your line with the right one")
		}
	}
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

// snippet is the Python to paste after the backward pass, before the
// update, to write a dump of that step.
func snippet(layout net.Layout) string {
	shapes := "X is (samples, features), W1 is (features, hidden), b1 is (1, hidden)"
	if layout == net.Cols {
		shapes = "X is (features, samples), W1 is (hidden, features), b1 is (hidden, 1)"
	}
	return `# backstep: paste after the backward pass and BEFORE the update (W1 -= lr * dW1 …),
# on the first epoch, then run:  backstep check step.npz
# Layout ` + string(layout) + `: ` + shapes + `.
# Name the arrays as below; add W3, b3, Z3, … for deeper networks and leave out any
# intermediate you do not have. Y may be one-hot or integer labels.
import numpy as np
np.savez("step.npz", X=X, Y=Y,
         W1=W1, b1=b1, W2=W2, b2=b2,
         Z1=Z1, A1=A1, Z2=Z2, A2=A2,
         dZ2=dZ2, dW2=dW2, db2=db2, dZ1=dZ1, dW1=dW1, db1=db1)
raise SystemExit("backstep: wrote step.npz")
`
}
