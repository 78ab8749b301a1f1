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
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				return render.JSON(io.Out, lessonListJSONOf(lessons.All()))
			}
			pal := render.Palette{Enabled: io.Color}
			idWidth := 22 // the column of the titles and symptoms: the longest id and two spaces
			for _, l := range lessons.All() {
				idWidth = max(idWidth, len(l.Bug.ID)+2)
			}
			for _, l := range lessons.All() {
				b := l.Bug
				render.Paragraph(io.Out, io.width(), pal.Bold(b.ID)+strings.Repeat(" ", idWidth-len(b.ID)), idWidth, b.Title, nil)
				render.Paragraph(io.Out, io.width(), strings.Repeat(" ", idWidth), idWidth, b.Symptom, pal.Dim)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write the list as JSON: lessons, each with id, title, symptom and claim")
	return cmd
}

// lessonListJSON is `lesson list --json`.
type lessonListJSON struct {
	Lessons []lessonEntryJSON `json:"lessons"`
}

type lessonEntryJSON struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Symptom string `json:"symptom"`
	Claim   string `json:"claim"`
}

func lessonListJSONOf(all []*lessons.Lesson) lessonListJSON {
	out := lessonListJSON{Lessons: []lessonEntryJSON{}}
	for _, l := range all {
		out.Lessons = append(out.Lessons, lessonEntryJSON{ID: l.Bug.ID, Title: l.Bug.Title, Symptom: l.Bug.Symptom, Claim: l.Claim})
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

// networkText describes a configuration in a few words: the sizes, the
// hidden activation, the output and loss and where the 1/m sits when they
// are not the reference's, the layout, the learning rate and the batch.
func networkText(cfg net.Config) string {
	s := cfg.Describe()
	switch cfg.Normalised() {
	case net.InDelta:
		s += fmt.Sprintf(", 1/m in dZ%d", cfg.Layers())
	case net.NoNormaliser:
		s += ", no 1/m"
	}
	s += fmt.Sprintf(", %s, lr %g", cfg.Layout, cfg.LR)
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
