package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/cmd/internal/repl"
	"github.com/backstep/backstep/lessons"
	"github.com/backstep/backstep/net"
	"github.com/spf13/cobra"
)

// StepOptions are the parsed flags of `backstep step`.
type StepOptions struct {
	IO  *IOStreams
	Net netFlags
	// Interactive is auto (the debugger when stdin and stdout are
	// terminals), on or off (the printed trace).
	Interactive string
	JSON        bool
}

// NewCmdStep builds `backstep step`. runF replaces the work in tests.
func NewCmdStep(io *IOStreams, runF func(*StepOptions) error) *cobra.Command {
	opts := &StepOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "step",
		Short: "Step through one training iteration in a debugger, or print it",
		Long: `Step through one training iteration of the reference network — forward pass, loss,
backward pass, update, accuracy — statement by statement and operation by operation. Every
operand is shown with its shape and what each axis means (samples, features, hidden, classes),
every reduction with the axis it collapses, every broadcast with what was repeated, and every
result with its statistics.

On a terminal it starts a debugger with a (backstep) prompt (type help there); otherwise, or
with --interactive off, it prints the whole trace. With --bug the patched statements are
marked and compared with the correct statement on the same inputs, later values with a
correct run from the same weights, and parameters whose shape changes are flagged.

Exit 0 when the iteration ran, 1 when a statement of it failed (a statement NumPy would
refuse, such as the shape error of --bug no-transpose), 2 on bad input or output that cannot
be written.`,
		Example: `  backstep step                               # the debugger on a terminal
  backstep step --interactive off             # the printed trace
  backstep step --bug bias-axis --interactive off
  backstep step --layout cols --bug wrong-m
  printf 'break db1\nc\nexplain\nq\n' | backstep step --interactive on
  backstep step --json > trace.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return stepRun(opts)
		},
	}
	opts.Net.register(cmd.Flags(), false, 10000)
	opts.Net.copies = func(bugs []string) int { return 1 + min(len(bugs), 1) }
	cmd.Flags().StringVar(&opts.Interactive, "interactive", "auto", "auto, on (the debugger) or off (a printed trace)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "write the whole trace as JSON: config, statements and events")
	return cmd
}

// interactive decides between the debugger and the printed trace.
func (o *StepOptions) interactive() (bool, error) {
	return chooseInteractive(o.Interactive, o.JSON, o.IO, "trace")
}

// chooseInteractive reads --interactive (auto, on, off) for a command
// whose --json writes the whole of what (its trace, its run): auto is the
// debugger when both ends are a terminal and --json is not given.
func chooseInteractive(mode string, json bool, io *IOStreams, what string) (bool, error) {
	switch mode {
	case "on":
		if json {
			return false, usagef("--json writes the whole %s; it cannot be combined with --interactive on", what)
		}
		return true, nil
	case "off":
		return false, nil
	case "auto", "":
		return !json && io.InTTY && io.OutTTY, nil
	}
	return false, usagef("--interactive must be auto, on or off, got %q", mode)
}

// bugTitle is the catalog's title of a bug, for markers.
func bugTitle(id string) string {
	if b, err := lessons.Lookup(id); err == nil {
		return b.Title
	}
	return ""
}

// stepper starts the iteration over on the first batch: the debugger's
// restart calls it again.
func (s *netSetup) stepper() *net.Stepper {
	batch := s.data
	if s.cfg.Batch > 0 && s.cfg.Batch < s.data.Len() {
		batch = s.data.Slice(0, s.cfg.Batch)
	}
	return net.NewStepper(s.program, batch.Images, batch.OneHot(), s.params)
}

func stepRun(opts *StepOptions) error {
	interactive, err := opts.interactive()
	if err != nil {
		return err
	}
	set, err := opts.Net.setup(nil)
	if err != nil {
		return err
	}
	cfg, data := set.cfg, set.data
	io := opts.IO
	st := set.stepper()
	if opts.JSON {
		st.Run()
		if err := render.JSON(io.Out, stepJSONOf(stepConfigOf(configOf(cfg, data, opts.Net.bugs, opts.Net.start, opts.Net.initFile != ""), true), st)); err != nil {
			return err
		}
		return stepFailure(st)
	}
	trace := &render.Trace{W: io.Out, Pal: render.Palette{Enabled: io.Color}, BugTitle: bugTitle, Width: io.width()}
	header := describe(cfg, data, opts.Net.bugs, opts.Net.start, io.width())
	if interactive {
		// The session's stepper is the last one restart made.
		restart := func() *net.Stepper { st = set.stepper(); return st }
		err := repl.Run(repl.Config{
			In: io.In, Out: io.Out, Terminal: io.InTTY && io.OutTTY,
			Trace: trace, Header: header, Stepper: st, Restart: restart,
			ImageHeight: data.Height, ImageWidth: data.Width, Width: io.liveWidth(),
		})
		if err != nil {
			return inputError("", err)
		}
		return stepFailure(st)
	}
	fmt.Fprintln(io.Out, header)
	fmt.Fprintln(io.Out, axesLine(set.program, st.Vars, io.width()))
	printTrace(trace, st)
	return stepFailure(st)
}

// stepFailure is exit 1 when a statement of the iteration failed (the
// trace shows where), as train, gradcheck and lesson run exit on a failing
// step.
func stepFailure(st *net.Stepper) error {
	var se *net.StatementError
	if errors.As(st.Err(), &se) {
		return stepFailed("the step fails at %s: %v", se.Statement.Name, se.Err)
	}
	if st.Err() != nil {
		return stepFailed("the step fails: %s", userText(st.Err()))
	}
	return nil
}

// axesLine says what each axis of the data and parameters means in this
// layout, once, above the trace.
func axesLine(p *net.Program, v net.Vars, width int) string {
	names := append([]string{"X", "Y"}, net.ParamNames(p.Config.Layers())...)
	var parts []string
	for _, n := range names {
		if a, ok := v[n]; ok {
			parts = append(parts, n+" "+net.AxesText(a.Shape(), a.Labels()))
		}
	}
	for i := range parts[:len(parts)-1] {
		parts[i] += ","
	}
	lines := render.Pack(parts, width-9)
	return "axes     " + strings.Join(lines, "\n         ")
}

// printTrace runs the iteration to its end, printing every statement.
func printTrace(t *render.Trace, st *net.Stepper) {
	t.Columns()
	phase := net.Phase("")
	for rec := st.Next(); rec != nil; rec = st.Next() {
		if rec.Statement.Phase != phase {
			phase = rec.Statement.Phase
			t.Phase(string(phase))
		}
		t.Statement(rec)
	}
	t.Summary(st)
}
