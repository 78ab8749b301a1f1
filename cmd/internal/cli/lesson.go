package cli

import (
	"fmt"
	"strings"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/lessons"
	"github.com/backstep/backstep/net"
	"github.com/spf13/cobra"
)

// NewCmdLesson builds `backstep lesson` and its subcommands. runF replaces
// the work of `lesson run` in tests.
func NewCmdLesson(io *IOStreams, runF func(*LessonRunOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lesson",
		Short: "Replay known backprop bugs beside the correct network",
		Long: `Each lesson injects one known bug (or, in seed-original, the five of the question's code) into the reference
network, trains it beside the correct network from the same initial weights and data, and
shows how and where it breaks learning: loss, training and held-out accuracy per epoch, a
chart, and what backstep's detectors find.`,
		Example: `  backstep lesson list
  backstep lesson show sign-flip
  backstep lesson run sign-flip --plot sign-flip.png
  backstep lesson run seed-original   # the question's code: reported vs true
  backstep lesson run --all           # every lesson, then a summary table`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newCmdLessonList(io), newCmdLessonShow(io), newCmdLessonRun(io, runF))
	return cmd
}

func newCmdLessonList(io *IOStreams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the lessons: id, title and what a learner sees",
		Long: `List the lessons: each one's id, title and what a learner sees. The catalog's other
bugs, which have no lesson but work as --bug NAME in train, step and gradcheck (and
are named by check), follow.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			lessonBugs, others := catalogBugs()
			if asJSON {
				return render.JSON(io.Out, lessonListJSON{Lessons: bugsJSON(lessonBugs), Others: bugsJSON(others)})
			}
			pal := render.Palette{Enabled: io.Color}
			// An id longer than the column has a line of its own.
			const idWidth = 22
			list := func(bugs []*lessons.Bug) {
				for _, b := range bugs {
					head := pal.Bold(b.ID) + strings.Repeat(" ", max(0, idWidth-len(b.ID)))
					if len(b.ID) >= idWidth-1 {
						fmt.Fprintln(io.Out, pal.Bold(b.ID))
						head = strings.Repeat(" ", idWidth)
					}
					render.Paragraph(io.Out, io.width(), head, idWidth, b.Title, nil)
					render.Paragraph(io.Out, io.width(), strings.Repeat(" ", idWidth), idWidth, b.Symptom, pal.Dim)
				}
			}
			list(lessonBugs)
			if len(others) > 0 {
				fmt.Fprintln(io.Out)
				writeWrapped(io, "", pal.Bold, "bugs without a lesson (--bug NAME in train, step and gradcheck; named by check):")
				list(others)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write the list as JSON: lessons and other_bugs, each with id, title, symptom")
	return cmd
}

// catalogBugs splits the catalog: the bugs with a lesson, in the lessons'
// order, and the others, alphabetically.
func catalogBugs() (withLesson, others []*lessons.Bug) {
	seen := map[string]bool{}
	for _, l := range lessons.All() {
		withLesson = append(withLesson, l.Bug)
		seen[l.Bug.ID] = true
	}
	for _, id := range lessons.IDs() {
		if b, err := lessons.Lookup(id); err == nil && !seen[id] {
			others = append(others, b)
		}
	}
	return withLesson, others
}

// lessonListJSON is `lesson list --json`.
type lessonListJSON struct {
	Lessons []bugJSON `json:"lessons"`
	Others  []bugJSON `json:"other_bugs"`
}

type bugJSON struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Symptom string `json:"symptom"`
}

func bugsJSON(bugs []*lessons.Bug) []bugJSON {
	out := []bugJSON{}
	for _, b := range bugs {
		out = append(out, bugJSON{ID: b.ID, Title: b.Title, Symptom: b.Symptom})
	}
	return out
}

func newCmdLessonShow(io *IOStreams) *cobra.Command {
	var layout string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Tell a lesson's story without running it",
		Args:  exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := lookupLesson(args[0])
			if err != nil {
				return err
			}
			lay, err := parseLayout(layout)
			if err != nil {
				return err
			}
			pal := render.Palette{Enabled: io.Color}
			opts := lessons.Options{Layout: lay}
			cfg := l.ScenarioConfig(l.Scenarios[0], opts)
			writeStory(io, pal, l, l.LinesFor(cfg, nil), cfg.Layout)
			fmt.Fprintln(io.Out)
			writeWrapped(io, pal.Bold("claim")+"  ", nil, l.Claim)
			fmt.Fprintf(io.Out, "%s\n", pal.Bold("replay"))
			for _, s := range l.Scenarios {
				c := l.ScenarioConfig(s, opts)
				writeWrapped(io, "  ", nil, fmt.Sprintf("%s: %s, %d epochs, %s", s.Name, networkText(c), c.Epochs, imagesText(s.N, s.Heldout)))
				if s.Note != "" {
					writeWrapped(io, "    ", pal.Dim, s.Note)
				}
			}
			fmt.Fprintf(io.Out, "\nrun it: backstep lesson run %s\n", l.Bug.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&layout, "layout", "rows", "write the lines in the rows or cols layout")
	return cmd
}

// writeStory prints the title, the buggy and fixed lines, the mechanism
// and how to catch the bug.
func writeStory(io *IOStreams, pal render.Palette, l *lessons.Lesson, lines []lessons.LinePair, layout net.Layout) {
	b := l.Bug
	fmt.Fprintf(io.Out, "%s — %s\n", pal.Bold(b.ID), b.Title)
	for _, lp := range lines {
		writeWrapped(io, "  buggy  ", pal.Bad, lp.Buggy)
		writeWrapped(io, "  fixed  ", pal.Good, lp.Fixed)
	}
	if len(lines) > 0 {
		fmt.Fprintf(io.Out, "  %s\n", pal.Dim(fmt.Sprintf("(%s layout)", layout)))
	}
	fmt.Fprintln(io.Out)
	writeWrapped(io, pal.Bold("why")+"    ", nil, l.Mechanism)
	writeWrapped(io, pal.Bold("catch")+"  ", nil, l.Catch)
}

// writeWrapped prints text after prefix wrapped to the output's width,
// continuation lines indented to prefix's width; paint, if set, colours
// each line of text.
func writeWrapped(io *IOStreams, prefix string, paint func(string) string, text string) {
	render.Paragraph(io.Out, io.width(), prefix, -1, text, paint)
}

func lookupLesson(id string) (*lessons.Lesson, error) {
	l, err := lessons.LessonFor(id)
	if err != nil {
		return nil, usagef("%s (see backstep lesson list)", strings.TrimPrefix(err.Error(), "lessons: "))
	}
	return l, nil
}

func parseLayout(s string) (net.Layout, error) {
	switch net.Layout(s) {
	case net.Rows, net.Cols:
		return net.Layout(s), nil
	}
	return "", usagef("--layout %q is not a layout: use rows (samples × features) or cols (features × samples)", s)
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

func exactlyOneID(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usagef("%s needs one lesson id (see backstep lesson list)", cmd.CommandPath())
	}
	return nil
}

// networkText describes a configuration in a few words.
func networkText(cfg net.Config) string {
	s := fmt.Sprintf("%s, %s, lr %g", cfg.Describe(), cfg.Layout, cfg.LR)
	if cfg.Batch > 0 {
		s += fmt.Sprintf(", batches of %d", cfg.Batch)
	}
	return s
}

func imagesText(n, held int) string {
	if held == 0 {
		return fmt.Sprintf("%d training images, none held out", n)
	}
	return fmt.Sprintf("%d training + %d held-out images", n, held)
}
