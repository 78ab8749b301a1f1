package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/spf13/cobra"
)

// setHelpWidth makes every command's help fit the output's width: the
// long description is rewrapped between words and pflag wraps the flags'
// descriptions. --help runs no pre-run hook, so the width is decided here
// too (a bad --width falls back to the default: help still shows).
func setHelpWidth(root *cobra.Command, io *IOStreams, width *int) {
	defaultHelp := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		if io.Width == 0 {
			if err := io.decideWidth(*width); err != nil {
				_ = io.decideWidth(0)
			}
		}
		w := io.width()
		if c.Name() == termsTopic {
			render.Terms(c.OutOrStdout(), w)
			return
		}
		long := c.Long
		if long != "" && c.Name() != "help" {
			long += "\n\n" + seeTerms
		}
		c.Long = wrapParagraphs(long, w)
		c.SetUsageTemplate(strings.ReplaceAll(c.UsageTemplate(), "FlagUsages |", fmt.Sprintf("FlagUsagesWrapped %d |", w)))
		defaultHelp(c, args)
	})
}

// wrapParagraphs rewraps each paragraph of text (blocks between blank
// lines) to width columns; a block with an indented line is left as it is.
func wrapParagraphs(text string, width int) string {
	blocks := strings.Split(text, "\n\n")
	for i, b := range blocks {
		if strings.Contains("\n"+b, "\n ") {
			continue
		}
		blocks[i] = strings.Join(render.Wrap(b, width), "\n")
	}
	return strings.Join(blocks, "\n\n")
}

// termsTopic is the help topic with the key to backstep's marks and words.
const termsTopic = "terms"

// seeTerms ends each command's help: where the marks are explained.
const seeTerms = "backstep help terms explains the marks ✗ ≠ ⚠ •, the verdicts, and words such as \"the question\" and the rows and cols layouts."

// newCmdTerms is a help topic, not a command: cobra lists it under
// "Additional help topics", and `backstep help terms` (or `backstep
// terms`) prints the key.
func newCmdTerms() *cobra.Command {
	return &cobra.Command{
		Use:   termsTopic,
		Short: "The key to the marks ✗ ≠ ⚠ •, verdicts and words",
	}
}

// version is the module version Go stamped into the binary (a tag, or a
// pseudo-version from the commit), or the commit a development build was
// made from, or "devel" when the build carries neither.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel (built without module information)"
	}
	v := info.Main.Version
	if v != "" && v != "(devel)" {
		return v + " (" + info.GoVersion + ")"
	}
	var rev string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel (" + info.GoVersion + ")"
	}
	v = "devel " + rev[:min(12, len(rev))]
	if modified {
		v += "+dirty"
	}
	return v + " (" + info.GoVersion + ")"
}
