package cli

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
)

// Main runs backstep with the process's arguments and streams and returns
// the exit code.
func Main() int {
	return Run(System(), os.Args[1:], os.Getenv("NO_COLOR") != "")
}

// Run executes one command line against the given streams.
// Output that cannot be written (a full disk, >/dev/full) ends the run
// with one line on stderr and exit 2, in every mode.
func Run(io *IOStreams, args []string, noColorEnv bool) int {
	out := &stickyWriter{w: io.Out}
	streams := *io
	streams.Out = out
	root := NewCmdRoot(&streams, noColorEnv)
	root.SetArgs(args)
	err := root.Execute()
	if out.err != nil {
		err = writeFailure(out.err)
	}
	if err != nil {
		var ee *exitError
		if !errors.As(err, &ee) || ee.err != nil {
			fmt.Fprintln(io.ErrOut, "backstep: "+oneLine(userText(err)))
		}
	}
	return exitCode(err)
}

// oneLine keeps an error to one line, as the CLI promises.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// strconvDetail is what pflag's messages repeat from strconv: the parser,
// the value (already quoted before it) and the reason.
var strconvDetail = regexp.MustCompile(`strconv\.Parse(\w+): parsing "(?:[^"\\]|\\.)*": (invalid syntax|value out of range)`)

// flagErrorText says in words what was wrong with a flag's value:
// "not a whole number" instead of strconv's "strconv.ParseInt: parsing
// "abc": invalid syntax".
func flagErrorText(err error) string {
	return strconvDetail.ReplaceAllStringFunc(err.Error(), func(m string) string {
		sub := strconvDetail.FindStringSubmatch(m)
		if sub[2] == "value out of range" {
			return "out of range"
		}
		switch sub[1] {
		case "Float":
			return "not a number"
		case "Uint":
			return "not a whole number ≥ 0"
		case "Int":
			return "not a whole number"
		case "Bool":
			return "not true or false"
		}
		return "not a valid value"
	})
}

// NewCmdRoot builds the whole command tree.
func NewCmdRoot(io *IOStreams, noColorEnv bool) *cobra.Command {
	var colorMode string
	var width int
	root := &cobra.Command{
		Use:   "backstep",
		Short: "A step-through debugger for neural-network backpropagation",
		Long: `backstep replays a hand-written training step (forward pass, loss, backward pass,
update) on a reference network and the MNIST images, showing every tensor's shape,
what each axis means, which axis each reduction runs over and what broadcasting did.

It grew from a learner's question: a NumPy 784-60-10 network on MNIST that reported
1–2 % accuracy, with five bugs at once. "The question" in backstep's help and output is
that network and its code (rows layout: samples × features, Z1 = X·W1 + b1); "the
answer" is the fix that worked, everything transposed to the cols layout (features ×
samples, Z1 = W1·X + b1).`,
		Example: `  backstep train                    # the question's network, 100 epochs
  backstep step                     # step through one iteration (a debugger)
  backstep step --bug bias-axis --interactive off
  backstep gradcheck --bug wrong-m  # analytic against numerical gradients
  backstep lesson list              # the known bugs; lesson run ID replays one
  backstep check --snippet          # how to dump your own NumPy step
  backstep check step.npz           # then check it
  backstep help terms               # the marks ✗ ≠ ⚠ •, verdicts and words`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := io.decideWidth(width); err != nil {
				return err
			}
			return io.decideColor(colorMode, noColorEnv)
		},
	}
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetIn(io.In)
	root.SetVersionTemplate("backstep {{.Version}}\n")
	root.PersistentFlags().StringVar(&colorMode, "color", "auto", "colour output: auto, always or never (auto honours NO_COLOR)")
	root.PersistentFlags().IntVar(&width, "width", 0, "columns the output fits in (default: the terminal's, 80 to 100; 100 when not a terminal)")
	setHelpWidth(root, io, &width)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usagef("%s (see %s --help)", flagErrorText(err), cmd.CommandPath())
	})
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetHelpCommand(newCmdHelp())
	root.AddCommand(NewCmdTrain(io, nil))
	root.AddCommand(NewCmdCheck(io, nil))
	root.AddCommand(NewCmdStep(io, nil))
	root.AddCommand(NewCmdGradcheck(io, nil))
	root.AddCommand(NewCmdLesson(io, nil))
	root.AddCommand(NewCmdRun(io, nil))
	root.AddCommand(newCmdTerms())
	// Cobra reports an unknown command as a plain error: mark it as usage.
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("unknown command %q: run backstep --help for the list", args[0])
		}
		return nil
	}
	root.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
	return root
}

// newCmdHelp replaces cobra's help command, which shows the general help
// and exits 0 for a topic it does not know.
func newCmdHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return usagef("no help for %q: run backstep --help for the commands", strings.Join(args, " "))
			}
			return cmd.Help()
		},
	}
}
