package cli

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/lessons"
	"github.com/backstep/backstep/net"
	"github.com/spf13/cobra"
)

// LessonRunOptions are the parsed flags of `backstep lesson run`.
type LessonRunOptions struct {
	IO      *IOStreams
	IDs     []string
	All     bool
	Epochs  int
	N       int
	Heldout int
	Layout  string
	Seed    uint64
	SeedSet bool
	Data    string
	Plot    string
	Init    string
	JSON    bool
}

func newCmdLessonRun(io *IOStreams, runF func(*LessonRunOptions) error) *cobra.Command {
	opts := &LessonRunOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "run ID | --all",
		Short: "Replay a bug beside the correct network: where learning breaks",
		Long: `Train the buggy and the correct network from the same initial weights on the same
images, side by side: loss, training accuracy, accuracy on held-out images the runs never
trained on (and the accuracy the buggy code reports, when the metric is the bug), a chart of
both, and the findings of backstep's detectors for the buggy run. Each lesson picks the
fewest epochs that show its point; --epochs overrides them.

An epoch's loss, cross-entropy and training accuracies are those of the forward pass that
starts it, before its update; in a scenario with mini-batches, the mean over the epoch's
batches, weighted by their sizes, each before its own update. The held-out accuracy is that
of the weights the epoch starts from.

With --init both runs start from the file's weights; a lesson whose bug is in the initial
weights applies it to them (big-init multiplies W1, W2, … by 100, zero-init sets them to
zeros), and a lesson that needs other layer sizes than the file's refuses it.

Exit 0 when the replays ran — a buggy run that stops at the error NumPy would raise
(no-transpose's shape error, bias-axis on mini-batches) is the lesson's point, shown in its
report; 1 when the correct run's step fails; 2 on bad input or output that cannot be
written.`,
		Example: `  backstep lesson run sign-flip
  backstep lesson run bias-axis --layout cols
  backstep lesson run wrong-m --epochs 60 --plot wrong-m.svg
  backstep lesson run --all --json > lessons.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = args
			opts.SeedSet = cmd.Flags().Changed("seed")
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return lessonRun(opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.All, "all", false, "run every lesson, then print a summary table")
	f.IntVar(&opts.Epochs, "epochs", 0, "epochs for every run (0: each lesson's own)")
	f.IntVar(&opts.N, "n", 0, "training images (0: each lesson's own, 8000 for most)")
	f.IntVar(&opts.Heldout, "heldout", 0, "held-out images after the training ones (0: each lesson's own, -1: none)")
	f.StringVar(&opts.Layout, "layout", "rows", "rows (samples × features) or cols (features × samples)")
	f.Uint64Var(&opts.Seed, "seed", net.DefaultConfig().Seed, "random seed for the initial weights")
	f.StringVar(&opts.Data, "data", "", "folder with an IDX image/label pair; default: the embedded MNIST test set")
	f.StringVar(&opts.Plot, "plot", "", "also draw both runs' curves to FILE.png or FILE.svg")
	f.StringVar(&opts.Init, "init", "", "start both runs from the weights W1, b1, … in a .npz dump")
	f.BoolVar(&opts.JSON, "json", false, "write the replay as JSON: lesson, buggy, correct, findings, ...")
	return cmd
}

func (o *LessonRunOptions) validate() error {
	switch {
	case o.All && len(o.IDs) > 0:
		return usagef("give a lesson id or --all, not both")
	case !o.All && len(o.IDs) != 1:
		return usagef("lesson run needs one lesson id, or --all (see backstep lesson list)")
	case o.Epochs < 0:
		return usagef("--epochs must be 0 (each lesson's own) or more, got %d", o.Epochs)
	case o.N < 0:
		return usagef("--n must be 0 (each lesson's own) or more, got %d", o.N)
	case o.Heldout < -1:
		return usagef("--heldout must be -1 (none), 0 (each lesson's own) or a number of images, got %d", o.Heldout)
	case o.All && o.Plot != "":
		return usagef("--plot draws one lesson: run it with a lesson id")
	}
	if _, err := parseLayout(o.Layout); err != nil {
		return err
	}
	if o.Plot != "" {
		if _, err := render.PlotFormat(o.Plot); err != nil {
			return usagef("%v", err)
		}
		// Before the replay, which takes a while, not after it.
		if err := checkOutputPath("--plot", o.Plot); err != nil {
			return err
		}
	}
	for _, id := range o.IDs {
		if _, err := lookupLesson(id); err != nil {
			return err
		}
	}
	return nil
}

func lessonRun(opts *LessonRunOptions) error {
	io := opts.IO
	var list []*lessons.Lesson
	if opts.All {
		list = lessons.All()
	} else {
		l, _ := lessons.LessonFor(opts.IDs[0])
		list = []*lessons.Lesson{l}
	}
	ro := lessons.Options{Epochs: opts.Epochs, N: opts.N, Heldout: opts.Heldout, Layout: net.Layout(opts.Layout),
		Cache: &lessons.Cache{}}
	cfg := net.DefaultConfig()
	if opts.Init != "" {
		file, sized, _, err := readInit(opts.Init, cfg)
		if err != nil {
			return err
		}
		ro.Init, cfg = file, sized
	}
	// Decode only the images the lessons use; refuse what cannot fit first.
	images := 0
	for _, l := range list {
		images = max(images, l.Images(ro))
	}
	lower := "fewer images (--n, --heldout)"
	if opts.Init != "" {
		lower += ", or weights with fewer hidden units in " + opts.Init
	}
	if err := checkFootprint(cfg, images, 0, 2, lower); err != nil {
		return err
	}
	data, err := loadImages(opts.Data, images, "", cfg)
	if err != nil {
		return err
	}
	if opts.N > data.Available {
		return tooFewImages("--n", opts.N, data)
	}
	ro.Data = data
	if opts.SeedSet {
		ro.Seed = &opts.Seed
	}
	pal := render.Palette{Enabled: io.Color}
	start := time.Now()
	var results []*lessons.Result
	var docs []lessonJSON
	var skipped []skippedJSON
	for _, l := range list {
		// A lesson whose network has other layer sizes than --init's file
		// cannot start from it: one lesson asked for is an error, --all
		// replays the others and says which it left out.
		if err := l.CheckInit(ro); err != nil {
			if !opts.All {
				return usagef("%s", strings.TrimPrefix(err.Error(), "lessons: "))
			}
			skipped = append(skipped, skippedJSON{Lesson: l.Bug.ID, Reason: strings.TrimPrefix(err.Error(), "lessons: ")})
			continue
		}
		bar := newLessonProgress(io, l, ro)
		ro.Progress = bar.update
		res, err := lessons.Replay(l, ro)
		bar.done()
		if err != nil {
			return inputError("", err)
		}
		results = append(results, res)
		if opts.JSON {
			docs = append(docs, resultJSON(res))
			continue
		}
		if len(results) > 1 {
			fmt.Fprintln(io.Out, "\n"+strings.Repeat("━", io.width())+"\n")
		}
		if err := writeResult(io, pal, res, ro); err != nil {
			return err
		}
	}
	if opts.Plot != "" {
		if err := plotResult(opts.Plot, results[0]); err != nil {
			return usagef("--plot %s: %v", opts.Plot, unwrapPathErr(err))
		}
		if !opts.JSON {
			fmt.Fprintf(io.Out, "\nplot written to %s\n", opts.Plot)
		}
	}
	elapsed := time.Since(start).Seconds()
	switch {
	case opts.JSON && !opts.All:
		err = render.JSON(io.Out, docs[0])
	case opts.JSON:
		err = render.JSON(io.Out, allJSON{Lessons: docs, Summary: summaryJSON(results), Skipped: skipped, Seconds: elapsed})
	case opts.All:
		fmt.Fprintln(io.Out, "\n"+strings.Repeat("━", io.width())+"\n")
		err = writeSummary(io, pal, results, elapsed)
		if err == nil {
			for _, s := range skipped {
				writeWrapped(io, "skipped ", nil, s.Reason)
			}
		}
	}
	if err != nil {
		return err
	}
	return failedStep(results)
}

// failedStep is exit 1 when a correct run stopped because a statement of
// its step failed: that is never a lesson's point. A buggy run that stops
// at NumPy's error is (no-transpose), and its report says so.
func failedStep(results []*lessons.Result) error {
	for _, res := range results {
		for _, sc := range res.Scenarios {
			if r := sc.Correct; r != nil && r.Failure != nil {
				f := r.Failure
				return stepFailed("%s: the correct run's step fails at %s in epoch %d: %v", res.Lesson.Bug.ID, f.Statement, f.Epoch, f.Err)
			}
		}
	}
	return nil
}

// lessonProgress draws one bar for a lesson's runs, which train
// concurrently.
type lessonProgress struct {
	mu    sync.Mutex
	bar   *render.Progress
	done_ map[string]int
	total int
}

func newLessonProgress(io *IOStreams, l *lessons.Lesson, ro lessons.Options) *lessonProgress {
	total := 0
	for _, s := range l.Scenarios {
		epochs := l.ScenarioConfig(s, ro).Epochs
		total += 2 * epochs
		if s.Parts {
			if s.PartEpochs > 0 && ro.Epochs == 0 {
				epochs = s.PartEpochs
			}
			total += len(l.Bug.Parts) * epochs
		}
	}
	return &lessonProgress{bar: &render.Progress{W: io.ErrOut, Enabled: io.ErrTTY, Label: l.Bug.ID, Total: total, Columns: io.width()},
		done_: map[string]int{}, total: total}
}

func (p *lessonProgress) update(run string, epoch, epochs int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done_[run]++
	n := 0
	for _, k := range p.done_ {
		n += k
	}
	p.bar.Update(min(n, p.total), run)
}

func (p *lessonProgress) done() { p.bar.Done() }

// writeResult prints one replay: the story, each scenario's table, the
// main scenario's chart, the findings and the conclusion.
func writeResult(io *IOStreams, pal render.Palette, res *lessons.Result, ro lessons.Options) error {
	l := res.Lesson
	main := res.Main()
	writeStory(io, pal, l, res.Lines, main.Buggy.Config.Layout)
	for i := range res.Scenarios {
		s := &res.Scenarios[i]
		sc := s.Scenario
		c := s.Correct
		fmt.Fprintln(io.Out)
		head := fmt.Sprintf("%s — %s, %d epochs, %s, weights %s", sc.Name, networkText(c.Config), c.Config.Epochs,
			imagesText(c.Train, c.Heldout), c.Start)
		if len(sc.With) > 0 {
			head += ", both with " + strings.Join(sc.With, ", ")
		}
		if d := configDiff(s.Buggy, c); d != "" {
			head += "; " + d
		}
		if c.Config.Batch > 0 && c.Config.Batch < c.Train {
			head += "; each epoch's loss and training accuracy are means over its batches, each before its update"
		}
		writeWrapped(io, "", pal.Bold, head)
		if sc.Note != "" {
			writeWrapped(io, "  ", pal.Dim, sc.Note)
		}
		if err := scenarioTable(io, s); err != nil {
			return err
		}
		if s == main {
			if err := accuracyChart(io, pal, s); err != nil {
				return err
			}
		}
		writeFindings(io, pal, s.Buggy)
	}
	fmt.Fprintln(io.Out)
	if res.Shown {
		writeWrapped(io, pal.Good("shown")+"  ", nil, l.Claim)
	} else {
		writeWrapped(io, pal.Warn("not shown in this run")+"  ", nil, l.Claim)
	}
	for _, line := range res.Conclusion {
		writeWrapped(io, "  • ", nil, line)
	}
	return nil
}

// scenarioEpochs picks the table's rows: every epoch of a short run,
// otherwise about twenty, plus the epochs where a finding starts and the
// buggy run's best one.
func scenarioEpochs(s *lessons.ScenarioResult) []int {
	n := len(s.Correct.Epochs)
	keep := map[int]bool{}
	for _, i := range shownEpochs(n) {
		keep[i] = true
	}
	for _, f := range s.Buggy.Findings {
		if f.Epoch >= 1 && f.Epoch <= n {
			keep[f.Epoch-1] = true
		}
	}
	// and the buggy run's best epoch, which a bug may pass through early
	best := -1
	for i, e := range s.Buggy.Epochs {
		if best < 0 || e.Accuracy > s.Buggy.Epochs[best].Accuracy {
			best = i
		}
	}
	if best >= 0 && best < n {
		keep[best] = true
	}
	var idx []int
	for i := range keep {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	return idx
}

func metricBug(r *lessons.Run) bool {
	for _, e := range r.Epochs {
		if math.Abs(e.Reported-e.Accuracy) > 1e-12 {
			return true
		}
	}
	return false
}

// lossText prints a loss at fixed precision, or compactly when large.
func lossText(v float64) string {
	if math.Abs(v) >= 1000 {
		return render.Sci(v)
	}
	return render.Float(v, 4)
}

func scenarioTable(io *IOStreams, s *lessons.ScenarioResult) error {
	b, c := s.Buggy, s.Correct
	reported := metricBug(b)
	held := c.Heldout > 0
	headers := []string{"epoch", "buggy loss", "train"}
	if held {
		headers = append(headers, "held-out")
	}
	if reported {
		headers = append(headers, "reported")
	}
	headers = append(headers, "correct loss", "train")
	if held {
		headers = append(headers, "held-out")
	}
	var rows [][]string
	for _, i := range scenarioEpochs(s) {
		row := []string{fmt.Sprint(i + 1)}
		if i < len(b.Epochs) {
			e := b.Epochs[i]
			row = append(row, lossText(e.Loss), render.Percent(e.Accuracy))
			if held {
				h := render.Percent(e.Heldout)
				if math.IsNaN(e.Heldout) && b.HeldoutErr != nil {
					h = "fails"
				}
				row = append(row, h)
			}
			if reported {
				row = append(row, render.Percent(e.Reported))
			}
		} else {
			cells := 2
			if held {
				cells++
			}
			if reported {
				cells++
			}
			row = append(row, "stopped")
			for k := 1; k < cells; k++ {
				row = append(row, "")
			}
		}
		e := c.Epochs[i]
		row = append(row, lossText(e.Loss), render.Percent(e.Accuracy))
		if held {
			row = append(row, render.Percent(e.Heldout))
		}
		rows = append(rows, row)
	}
	if len(c.Epochs) == 0 {
		fmt.Fprintln(io.Out, "  (the correct run stopped too: "+fmt.Sprint(c.Err)+")")
		return nil
	}
	right := make([]int, len(headers))
	for i := range right {
		right[i] = i
	}
	return render.Table(io.Out, io.width(), headers, rows, right...)
}

func accuracyChart(io *IOStreams, pal render.Palette, s *lessons.ScenarioResult) error {
	series := func(r *lessons.Run, f func(lessons.Epoch) float64) []float64 {
		y := make([]float64, len(r.Epochs))
		for i, e := range r.Epochs {
			y[i] = f(e)
		}
		return y
	}
	acc := func(e lessons.Epoch) float64 { return e.Accuracy }
	if len(s.Buggy.Epochs) == 0 && len(s.Correct.Epochs) == 0 {
		return nil
	}
	// The plot's columns: the axis labels take 7, the x labels' line 14.
	ch := render.Chart{Height: 10, Width: min(72, io.width()-14), YMin: 0, YMax: 1, XName: "epoch",
		YLabel: func(v float64) string { return fmt.Sprintf("%.0f %%", 100*v) },
		Series: []render.Series{
			{Name: "correct (training accuracy)", Y: series(s.Correct, acc), Glyph: 'o',
				Paint: func(p render.Palette, g string) string { return p.Good(g) }},
			{Name: "buggy", Y: series(s.Buggy, acc), Glyph: 'x',
				Paint: func(p render.Palette, g string) string { return p.Bad(g) }},
		}}
	if metricBug(s.Buggy) {
		rep := series(s.Buggy, func(e lessons.Epoch) float64 { return e.Reported })
		ch.Series = append(ch.Series, render.Series{Name: "buggy, reported", Y: rep, Glyph: '+',
			Paint: func(p render.Palette, g string) string { return p.Warn(g) }})
	}
	fmt.Fprintln(io.Out)
	return ch.Render(io.Out, pal)
}

func writeFindings(io *IOStreams, pal render.Palette, r *lessons.Run) {
	fmt.Fprintln(io.Out)
	if len(r.Findings) == 0 {
		fmt.Fprintln(io.Out, "findings (buggy run): none")
		return
	}
	fmt.Fprintln(io.Out, "findings (buggy run):")
	for _, f := range r.Findings {
		writeWrapped(io, "  "+pal.Warn(fmt.Sprintf("%-20s", f.ID))+" ", nil, f.Message)
	}
}

// writeSummary ends `lesson run --all` with a table: one row a lesson.
func writeSummary(io *IOStreams, pal render.Palette, results []*lessons.Result, seconds float64) error {
	headers := []string{"lesson", "epochs", "buggy", "correct", "shown", "findings (buggy run)"}
	var rows [][]string
	shown := 0
	for _, r := range results {
		m := r.Main()
		mark := "no"
		if r.Shown {
			mark = "yes"
			shown++
		}
		var ids []string
		for _, f := range m.Buggy.Findings {
			ids = append(ids, f.ID)
		}
		fs := strings.Join(ids, ", ")
		buggy := render.Percent(m.Buggy.Final().Accuracy)
		if len(m.Buggy.Epochs) == 0 {
			buggy = "stopped"
		}
		rows = append(rows, []string{r.Lesson.Bug.ID, fmt.Sprint(len(m.Correct.Epochs)), buggy,
			render.Percent(m.Correct.Final().Accuracy), mark, fs})
	}
	writeWrapped(io, pal.Bold("summary")+" ", nil, "(the main scenario of each lesson; accuracy on the training images at the last epoch)")
	if err := render.Table(io.Out, io.width(), headers, rows, 1, 2, 3); err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "%d of %d lessons showed their claim; %.1f s in all\n", shown, len(results), seconds)
	return nil
}

func plotResult(path string, res *lessons.Result) error {
	s := res.Main()
	get := func(r *lessons.Run, f func(lessons.Epoch) float64) []float64 {
		y := make([]float64, len(r.Epochs))
		for i, e := range r.Epochs {
			y[i] = f(e)
		}
		return y
	}
	acc := func(e lessons.Epoch) float64 { return 100 * e.Accuracy }
	held := func(e lessons.Epoch) float64 { return 100 * e.Heldout }
	loss := func(e lessons.Epoch) float64 { return e.Loss }
	// The correct curves are drawn wide and first: where a bug leaves a
	// curve unchanged (a metric bug leaves training alone), the buggy
	// line runs inside the correct one and both show.
	accPanel := render.Panel{Title: "accuracy", YLabel: "accuracy (%)", XLabel: "epoch", YUnit: "%", YMin: 0, YMax: 100,
		Curves: []render.Curve{
			{Name: "correct, training", Y: get(s.Correct, acc), Color: render.CorrectColor, Wide: true},
			{Name: "buggy, training", Y: get(s.Buggy, acc), Color: render.BuggyColor},
		}}
	if s.Correct.Heldout > 0 {
		accPanel.Curves = append(accPanel.Curves,
			render.Curve{Name: "correct, held-out" + heldoutNote(s.Correct), Y: get(s.Correct, held), Color: render.CorrectColor, Dashed: true, Wide: true},
			render.Curve{Name: "buggy, held-out" + heldoutNote(s.Buggy), Y: get(s.Buggy, held), Color: render.BuggyColor, Dashed: true})
		for _, r := range []*lessons.Run{s.Correct, s.Buggy} {
			if f, ok := r.Finding("heldout-error"); ok {
				accPanel.Notes = append(accPanel.Notes, runName(r, s)+": "+f.Message)
			}
		}
	}
	if metricBug(s.Buggy) {
		// Dotted along, so that a reported accuracy of 0 shows on the axis.
		accPanel.Curves = append(accPanel.Curves, render.Curve{Name: "buggy, reported by its code",
			Y: get(s.Buggy, func(e lessons.Epoch) float64 { return 100 * e.Reported }), Color: render.ReportedColor, Marks: true})
	}
	lossPanel := render.Panel{Title: "loss (as each program computes it)", YLabel: "loss", XLabel: "epoch", Log: true,
		Curves: []render.Curve{
			{Name: "correct" + nonFiniteNote(s.Correct), Y: get(s.Correct, loss), Color: render.CorrectColor, Wide: true},
			{Name: "buggy" + nonFiniteNote(s.Buggy), Y: get(s.Buggy, loss), Color: render.BuggyColor},
		}}
	title := fmt.Sprintf("backstep lesson %s — %s (%s)", res.Lesson.Bug.ID, s.Scenario.Name, networkText(s.Correct.Config))
	return render.WritePlot(path, title, []render.Panel{accPanel, lossPanel})
}

// heldoutNote says from which epoch a run's held-out images could not be
// evaluated, which leaves its held-out curve short (one dot when it fails
// from epoch 2).
func heldoutNote(r *lessons.Run) string {
	if f, ok := r.Finding("heldout-error"); ok {
		return fmt.Sprintf(" (fails from epoch %d)", f.Epoch)
	}
	return ""
}

// runName is "buggy" or "correct".
func runName(r *lessons.Run, s *lessons.ScenarioResult) string {
	if r == s.Buggy {
		return "buggy"
	}
	return "correct"
}

// nonFiniteNote says from which epoch a run's loss is NaN or Inf, which a
// plot leaves out.
func nonFiniteNote(r *lessons.Run) string {
	for _, e := range r.Epochs {
		if math.IsNaN(e.Loss) || math.IsInf(e.Loss, 0) {
			return fmt.Sprintf(" (%s from epoch %d)", render.Float(e.Loss, 0), e.Epoch)
		}
	}
	return ""
}

// configDiff names the settings a bug changed (lr, initial weights).
func configDiff(buggy, correct *lessons.Run) string {
	var d []string
	if buggy.Config.LR != correct.Config.LR {
		d = append(d, fmt.Sprintf("the buggy run has lr %g", buggy.Config.LR))
	}
	if buggy.Start != correct.Start && buggy.Start != "" {
		d = append(d, "the buggy run's weights: "+buggy.Start)
	}
	return strings.Join(d, "; ")
}
