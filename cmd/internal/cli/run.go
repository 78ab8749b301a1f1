package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/cmd/internal/repl"
	"github.com/backstep/backstep/lessons"
	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/net/record"
	"github.com/backstep/backstep/tracer"
	"github.com/spf13/cobra"
)

// RunOptions are the parsed flags of `backstep run`.
type RunOptions struct {
	IO         *IOStreams
	Script     string
	Args       []string
	Python     string
	Iterations int
	Continue   bool
	Data       string
	// Map gives backstep's name for a variable of the script (OURS=THEIRS),
	// where the run cannot tell: --map Y=labels.
	Map  []string
	JSON bool
	// Interactive is auto (the debugger when stdin and stdout are
	// terminals), on or off (the printed trace).
	Interactive string

	// record runs the script (record.Run; tests give a recorded run).
	record func(record.Options) (*record.Recording, error)
}

// NewCmdRun builds `backstep run`. runF replaces the work in tests.
func NewCmdRun(io *IOStreams, runF func(*RunOptions) error) *cobra.Command {
	opts := &RunOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "run SCRIPT.py|NOTEBOOK.ipynb [ARGS…]",
		Short: "Run your NumPy script unmodified; step through its first iteration",
		Long: `Run your own NumPy training script (or a notebook's code cells) under your Python, with a
recorder backstep embeds, and step through its first training iteration on your own lines:
each array's shape and what its axes mean (samples, features, hidden, classes), each
reduction's axis, each broadcast, parameters whose shape an update changes, the first NaN or
Inf, check's verdicts at your line numbers with the known bug named, and an audit of how the
accuracy is computed. The script is not modified and nothing is written beside it; it is
stopped after the traced iterations (counted by its first parameter update).

Your variables are read by their roles in the step (what each update changes, what the
products multiply) and by their names; --map OURS=VARIABLE says what the run cannot tell
(--map Y=labels, --map dW1="grads['W1']").

It needs Python 3.8+ with NumPy: --python PATH, else $BACKSTEP_PYTHON, else python3, else
python. When the script loads MNIST through TensorFlow/Keras and they are not installed,
backstep serves mnist.load_data() and to_categorical itself and says so. Exit 0 when nothing
is wrong, 1 when faults are found, 2 when the script or the Python cannot be used.`,
		Example: `  backstep run train.py                      # the debugger on a terminal
  backstep run train.py --interactive off    # the printed trace
  backstep run --python /usr/bin/python3 train.py --epochs 5
  backstep run notebook.ipynb --json > run.json
  backstep run train.py --continue           # let it train on, watching for NaN`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("give the script to run: backstep run SCRIPT.py [ARGS…]")
			}
			opts.Script, opts.Args = args[0], args[1:]
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runRun(opts)
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false) // flags after the script are the script's
	f.StringVar(&opts.Python, "python", "", "the Python to run the script with (default $BACKSTEP_PYTHON, python3, python)")
	f.IntVar(&opts.Iterations, "iterations", 1, "how many training iterations to trace")
	f.BoolVar(&opts.Continue, "continue", false, "let the script run on after them, untraced but watching for NaN/Inf and its metrics")
	f.StringVar(&opts.Data, "data", "", "a folder of IDX files to serve as MNIST (default: the embedded 10,000 test images)")
	f.StringArrayVar(&opts.Map, "map", nil, "read your variable THEIRS as backstep's OURS, e.g. Y=labels or dW1=grads['W1'] (repeatable)")
	f.BoolVar(&opts.JSON, "json", false, "write the iteration, the findings and the check as JSON")
	f.StringVar(&opts.Interactive, "interactive", "auto", "auto, on (the debugger) or off (a printed trace)")
	return cmd
}

func (o *RunOptions) interactive() (bool, error) {
	return chooseInteractive(o.Interactive, o.JSON, o.IO, "run")
}

func runRun(opts *RunOptions) error {
	interactive, err := opts.interactive()
	if err != nil {
		return err
	}
	if opts.Iterations < 1 {
		return usagef("--iterations %d: trace at least 1 iteration", opts.Iterations)
	}
	given, err := parseMap(opts.Map)
	if err != nil {
		return err
	}
	io := opts.IO
	scriptOut := io.Out
	if opts.JSON {
		scriptOut = io.ErrOut // the script's prints must not break the JSON
	}
	recordRun := record.Run
	if opts.record != nil {
		recordRun = opts.record
	}
	// Ctrl-C while the script runs stops the script, not backstep: what
	// was recorded until then is still shown. A SIGTERM stops both, once
	// the script has ended and its temporary folder is removed.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	rec, err := recordRun(record.Options{Script: opts.Script, Args: opts.Args, Python: opts.Python,
		Iterations: opts.Iterations, Continue: opts.Continue, DataDir: opts.Data,
		Stdin: io.In, Stdout: scriptOut, Stderr: io.ErrOut, Width: io.width(), Signals: signals})
	signal.Stop(signals)
	if err != nil {
		var env *record.EnvironmentError
		if errors.As(err, &env) {
			return usagef("%s", strings.TrimPrefix(env.Msg, "record: "))
		}
		return usagef("%s", strings.TrimPrefix(err.Error(), "record: "))
	}
	ended := time.Now()
	if err := unusable(rec, opts.Python); err != nil {
		return err
	}
	s := newScriptRun(rec, given)
	s.firstScreen = func() { s.screenAfter = time.Since(stoppedAt(rec, ended)) }
	if opts.JSON {
		s.firstScreen() // when the printed header would be written
		s.checkAll()
		s.check.CheckGradients()
		return finish(s, render.JSON(io.Out, scriptJSONOf(s)))
	}
	pal := render.Palette{Enabled: io.Color}
	sr := &render.ScriptReport{W: io.Out, Pal: pal, Trace: &render.Trace{W: io.Out, Pal: pal, BugTitle: bugTitle, Width: io.width()}}
	// The header is the first screen: the check's recomputation (seconds on
	// 10,000 samples) runs after it, and the numerical gradient check while
	// the step is shown.
	fmt.Fprintln(io.Out, sr.HeaderText(s.report()))
	s.firstScreen()
	s.checkAll()
	gradients := make(chan struct{})
	go func() {
		s.check.CheckGradients()
		close(gradients)
	}()
	if interactive {
		err := repl.Run(repl.Config{In: io.In, Out: io.Out, Terminal: io.InTTY && io.OutTTY,
			Trace: sr.Trace, Stepper: s.stepper(), Restart: s.stepper, Width: io.liveWidth()})
		if err != nil {
			return err
		}
	} else {
		printTrace(sr.Trace, s.stepper())
	}
	select {
	case <-gradients:
	default:
		if io.OutTTY {
			fmt.Fprintln(io.ErrOut, "(waiting for the numerical gradient check…)")
		}
		<-gradients
	}
	sr.Findings(s.report())
	return finish(s, nil)
}

// finish turns what the run found into the exit code: 1 for faults, 2
// when check could not read the step (nothing can be called right then).
func finish(s *scriptRun, err error) error {
	if err != nil {
		return err
	}
	if len(s.report().Faults()) > 0 {
		return faultsFound
	}
	if c := s.check; c.Err != nil {
		return usagef("check could not read the step, so it is not called right: %s", render.CheckErrorText(c.Err))
	}
	return nil
}

// stoppedAt is when the recorder stopped the script (the end of the
// traced iterations), or when the script ended.
func stoppedAt(rec *record.Recording, ended time.Time) time.Time {
	if rec.StoppedAt != nil {
		sec := *rec.StoppedAt
		return time.Unix(int64(sec), int64((sec-float64(int64(sec)))*1e9))
	}
	return ended
}

// unusable says when a run tells nothing about the step: the script could
// not start (a missing module, a syntax error) or stopped before its first
// iteration.
func unusable(rec *record.Recording, python string) error {
	ex := rec.Exception
	if ex == nil || len(rec.Executed(1)) > 0 && ex.Type != "ModuleNotFoundError" && ex.Type != "ImportError" && ex.Module == "" {
		return nil
	}
	where := ""
	if ex.Line > 0 {
		where = " (" + rec.LineOf(ex.Line) + ")"
	}
	switch {
	case ex.ServedOnly:
		what := ex.What
		if what == "" {
			what = ex.Module
		}
		return usagef("the script uses %s%s, and %s is not installed for %s (Python %s): backstep serves only mnist.load_data() and to_categorical in its place; install it for that Python, or run with --python PATH (or BACKSTEP_PYTHON) pointing at one that has it",
			what, where, strings.SplitN(ex.Module, ".", 2)[0], rec.Executable, rec.Python)
	case ex.Type == "ModuleNotFoundError" || ex.Type == "ImportError" || ex.Module != "":
		mod := ex.Module
		if mod == "" {
			mod = ex.Message
		}
		return usagef("the script needs %s%s, which %s (Python %s) does not have: install it for that Python, or run with --python PATH (or BACKSTEP_PYTHON) pointing at one that has it",
			mod, where, rec.Executable, rec.Python)
	case ex.Type == "SyntaxError" || ex.Type == "IndentationError" || ex.Type == "TabError":
		return usagef("%s does not parse%s: %s: %s", rec.Script, where, ex.Type, ex.Message)
	case ex.Type == "NotebookError":
		return usagef("%s is not a notebook backstep can read (%s): give a .ipynb file saved by Jupyter", rec.Script, ex.Message)
	case ex.Type == "ReadError":
		return usagef("cannot read %s: %s", rec.Script, ex.Message)
	}
	return usagef("the script stopped before its first training iteration%s: %s: %s", where, ex.Type, ex.Message)
}

// scriptRun is one recorded run, read back and checked.
type scriptRun struct {
	rec      *record.Recording
	analysis *record.Analysis
	check    *lessons.ScriptCheck
	program  *net.Program
	audit    []record.Finding
	// drifts are the step's shape drifts by parameter (backstep's names),
	// with what each axis means.
	drifts map[string]net.ShapeDrift
	// screenAfter is how long after the script stopped the first screen
	// was written.
	screenAfter time.Duration
	firstScreen func()
}

// newScriptRun reads the recording back: the iteration's lines and how
// check reads them (the network, with the names --map gives), without
// checking yet.
func newScriptRun(rec *record.Recording, given map[string]string) *scriptRun {
	s := &scriptRun{rec: rec, analysis: record.Analyze(rec)}
	s.check = lessons.ReadScript(s.analysis, given)
	return s
}

// checkAll recomputes the step from the learner's inputs (check), builds
// the program the step viewer runs and audits the metric.
func (s *scriptRun) checkAll() {
	s.check.Recompute()
	var cfg *net.Config
	if s.check.Dump != nil {
		cfg = &s.check.Dump.Config
	}
	s.program = s.analysis.Program(cfg, s.check.Marks())
	samples, classes := 0, 0
	if d := s.check.Dump; d != nil {
		samples, classes = d.Samples, d.Config.Classes
	}
	s.audit = s.analysis.Audit(samples, classes, func(name string) []string {
		return s.analysis.LabelsOf(s.program, name)
	})
	st := s.stepper()
	st.Run()
	s.drifts = map[string]net.ShapeDrift{}
	for _, d := range st.Drifts() {
		s.drifts[d.Name] = d
	}
}

// stepper starts the learner's iteration over: the debugger's restart
// calls it again.
func (s *scriptRun) stepper() *net.Stepper {
	var x, y *tracer.Array
	params := net.Vars{}
	if d := s.check.Dump; d != nil {
		x, y = d.Vars["X"], d.Vars["Y"]
		if d.Config.Layout == net.Cols {
			var tp *tracer.Tape
			x, y = tp.T(x), tp.T(y)
		}
		for _, n := range net.ParamNames(d.Config.Layers()) {
			if v, ok := d.Vars[n]; ok {
				params[n] = v
			}
		}
	} else {
		// check could not read the step: nothing to compare with.
		x, y = tracer.Scalar(0), tracer.Scalar(0)
	}
	st := net.NewStepper(s.program, x, y, params)
	st.Vars = s.analysis.Vars(s.program)
	return st
}

// report gathers what the renderers show.
func (s *scriptRun) report() *render.ScriptRun {
	return &render.ScriptRun{Rec: s.rec, Analysis: s.analysis, Check: s.check, Program: s.program, Audit: s.audit,
		Drifts: s.drifts, BugTitle: bugTitle}
}
