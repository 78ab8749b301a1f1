package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Main runs backstep with the process's arguments and streams and returns
// the exit code.
func Main() int {
	return Run(System(), os.Args[1:], os.Getenv("NO_COLOR") != "")
}

// Run executes one command line against the given streams.
func Run(io *IOStreams, args []string, noColorEnv bool) int {
	root := NewCmdRoot(io, noColorEnv)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		var ee *exitError
		if !errors.As(err, &ee) || ee.err != nil {
			fmt.Fprintln(io.ErrOut, "backstep: "+oneLine(err.Error()))
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

// NewCmdRoot builds the whole command tree.
func NewCmdRoot(io *IOStreams, noColorEnv bool) *cobra.Command {
	var colorMode string
	root := &cobra.Command{
		Use:   "backstep",
		Short: "A step-through debugger for neural-network backpropagation",
		Long: `backstep replays a hand-written training step (forward pass, loss, backward pass,
update) on a reference network and the MNIST images, showing every tensor's shape,
what each axis means, which axis each reduction runs over and what broadcasting did.`,
		Example: `  backstep train                        # the question's 784-60-10 network, 100 epochs
  backstep step                         # step through one iteration (a debugger on a terminal)
  backstep step --bug bias-axis --interactive off
  backstep gradcheck --bug wrong-m      # analytic against numerical gradients
  backstep lesson list                  # the known bugs; lesson run ID replays one
  backstep check --snippet              # dump your own NumPy step, then: backstep check step.npz`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return io.decideColor(colorMode, noColorEnv)
		},
	}
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetIn(io.In)
	root.PersistentFlags().StringVar(&colorMode, "color", "auto", "colour output: auto, always or never (auto honours NO_COLOR)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usagef("%v (see %s --help)", err, cmd.CommandPath())
	})
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(NewCmdTrain(io, nil))
	root.AddCommand(NewCmdCheck(io, nil))
	root.AddCommand(NewCmdStep(io, nil))
	root.AddCommand(NewCmdGradcheck(io, nil))
	root.AddCommand(NewCmdLesson(io, nil))
	root.AddCommand(NewCmdRun(io, nil))
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
