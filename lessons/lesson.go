package lessons

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/backstep/backstep/net"
)

// Lesson is a bug's story and how to replay it beside the correct network.
type Lesson struct {
	Bug *Bug
	// Mechanism says in two or three sentences why the bug does what it does.
	Mechanism string
	// Catch says how to catch it with backstep: which command, what to
	// look for.
	Catch string
	// Lines gives the buggy and the fixed lines for bugs that are not
	// only a statement patch (data, configuration, initial weights); nil
	// takes them from the patched statements of the program in the
	// replay's layout (StatementLines). init is the file the weights come
	// from (--init), nil when they are drawn.
	Lines func(cfg net.Config, init *net.NumPyFile) []LinePair
	// Fix, if set, is applied to the correct run's program: the reference
	// step is not always the fixed line (log-zero's fix guards the log).
	Fix func(p *net.Program)
	// Scenarios are the settings replayed, in order. Where the bug does not
	// hurt in the default setting, one scenario shows that and another the
	// setting where it does.
	Scenarios []Scenario
	// Claim is the point the replay makes, in words.
	Claim string
	// Conclude reads the replay's runs, says in computed sentences what
	// they show, and whether the claim held in this run.
	Conclude func(r *Result) (shown bool, lines []string)
}

// LinePair is a buggy line and its fix, in the layout's NumPy notation.
type LinePair struct {
	Buggy string `json:"buggy"`
	Fixed string `json:"fixed"`
}

// Scenario is one setting a lesson replays.
type Scenario struct {
	Name string // a few words: "default settings", "raw pixels, relu"
	Note string // why this setting, one line
	// With lists catalog bugs that are part of the setting, applied to the
	// buggy and the correct run alike (raw pixels for naive-tanh).
	With []string
	// Setting changes the configuration of both runs.
	Setting func(cfg *net.Config)
	// BatchFraction, if set, trains in mini-batches of this share of the
	// training images (rounded up), so the last batch is smaller.
	BatchFraction float64
	Epochs        int
	N             int // training images
	Heldout       int // images held out for testing (0: none)
	// GradCheck asks for a gradient check of both runs.
	GradCheck bool
	// Parts asks for a run of each of the bug's parts alone, for
	// PartEpochs epochs (0: as many as the scenario).
	Parts      bool
	PartEpochs int
	// Main marks the scenario the chart and the top of the JSON show (the
	// first one if none is marked).
	Main bool
}

// ScenarioResult is a scenario's runs.
type ScenarioResult struct {
	Scenario Scenario
	Buggy    *Run
	Correct  *Run
	// Parts holds a run per part of a composite bug (seed-original).
	Parts []*Run
}

// Result is a finished replay.
type Result struct {
	Lesson    *Lesson
	Lines     []LinePair
	Scenarios []ScenarioResult
	// Shown says whether this run showed the lesson's claim; Conclusion
	// says what it showed, in computed sentences.
	Shown      bool
	Conclusion []string
	Seconds    float64
}

// Main returns the scenario the chart shows.
func (r *Result) Main() *ScenarioResult {
	for i := range r.Scenarios {
		if r.Scenarios[i].Scenario.Main {
			return &r.Scenarios[i]
		}
	}
	return &r.Scenarios[0]
}

// Options tune a replay. The zero value replays each scenario as the
// lesson defines it, on the embedded MNIST images.
type Options struct {
	Epochs  int        // 0: each scenario's own
	N       int        // training images; 0: each scenario's own
	Heldout int        // held-out images; 0: each scenario's own, -1: none
	Layout  net.Layout // "": rows
	Seed    *uint64    // nil: the default seed
	// Init, if set, holds the weights W1, b1, … both runs start from (a
	// learner's own dump); it also sets the layer sizes.
	Init *net.NumPyFile
	Data *net.Dataset
	// Cache shares identical runs between replays (run --all).
	Cache    *Cache
	Progress Progress
}

var lessons = map[string]*Lesson{}

func teach(l *Lesson) {
	if _, ok := catalog[l.Bug.ID]; !ok {
		panic("lessons: lesson for unregistered bug " + l.Bug.ID)
	}
	lessons[l.Bug.ID] = l
}

// LessonFor returns the lesson of the bug with the given id.
func LessonFor(id string) (*Lesson, error) {
	if l, ok := lessons[id]; ok {
		return l, nil
	}
	if _, err := Lookup(id); err != nil {
		return nil, fmt.Errorf("lessons: no lesson %q", id)
	}
	return nil, fmt.Errorf("lessons: bug %q has no lesson: try it with --bug %s in step or gradcheck", id, id)
}

// All returns every lesson, the question's own code first, then in the
// catalog's order.
func All() []*Lesson {
	var out []*Lesson
	for _, id := range Order() {
		out = append(out, lessons[id])
	}
	return out
}

// Order lists the lessons' ids: seed-original, then the bugs it is made
// of, then the rest alphabetically, then the bugs found in learners' own
// code (stories_field.go) in the order they were taught.
func Order() []string {
	first := append([]string{"seed-original"}, catalog["seed-original"].Parts...)
	seen := map[string]bool{}
	for _, id := range fieldLessons {
		seen[id] = true
	}
	var ids []string
	for _, id := range first {
		if _, ok := lessons[id]; ok && !seen[id] {
			ids, seen[id] = append(ids, id), true
		}
	}
	var rest []string
	for id := range lessons {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	return append(append(ids, rest...), fieldLessons...)
}

// ScenarioConfig returns the configuration of a scenario's correct run
// under opts: the default network, the scenario's and the bug's settings.
func (l *Lesson) ScenarioConfig(s Scenario, opts Options) net.Config {
	cfg := net.DefaultConfig()
	if opts.Layout != "" {
		cfg.Layout = opts.Layout
	}
	if opts.Seed != nil {
		cfg.Seed = *opts.Seed
	}
	if s.Setting != nil {
		s.Setting(&cfg)
	}
	if l.Bug.Setting != nil {
		l.Bug.Setting(&cfg)
	}
	if opts.Init != nil {
		if sized, _, err := net.ParamsFromNumPy(opts.Init, cfg); err == nil {
			cfg.Hidden, cfg.Classes = sized.Hidden, sized.Classes
		}
	}
	cfg.Epochs = s.Epochs
	if opts.Epochs > 0 {
		cfg.Epochs = opts.Epochs
	}
	return cfg
}

// CheckInit says why the lesson cannot start from opts.Init's weights, or
// returns nil when it can (or no file is given). A lesson whose setting
// fixes the layer sizes (no-transpose-square needs W2 square: as many
// hidden units as classes) cannot take a file of other sizes; its bug
// would be another bug there, or none.
func (l *Lesson) CheckInit(opts Options) error {
	if opts.Init == nil {
		return nil
	}
	plain := opts
	plain.Init = nil
	def := sizesText(net.DefaultConfig())
	for _, s := range l.Scenarios {
		want := l.ScenarioConfig(s, plain)
		got, _, err := net.ParamsFromNumPy(opts.Init, want)
		if err != nil {
			return fmt.Errorf("lessons: --init: %s", strings.TrimPrefix(err.Error(), "net: "))
		}
		fixed := sizesText(want) != def
		if (fixed && sizesText(got) != sizesText(want)) || (l.Bug.Requires != nil && !l.Bug.Requires(got)) {
			return fmt.Errorf("lessons: %s (%s) replays a %s network, but %s holds a %s one: run it without --init, or with the weights of a %s network",
				l.Bug.ID, l.Bug.Title, sizesText(want), opts.Init.Path, sizesText(got), sizesText(want))
		}
	}
	return nil
}

// sizesText writes the layer sizes as 784-60-10.
func sizesText(cfg net.Config) string {
	var parts []string
	for _, n := range cfg.Sizes() {
		parts = append(parts, fmt.Sprint(n))
	}
	return strings.Join(parts, "-")
}

// LinesFor returns the buggy and fixed lines in cfg's layout, for runs
// that start from init's weights (nil: drawn ones). They are all the
// lines in which the buggy run's code differs from the correct run's.
func (l *Lesson) LinesFor(cfg net.Config, init *net.NumPyFile) []LinePair {
	if l.Lines != nil {
		return l.Lines(cfg, init)
	}
	return l.StatementLines(cfg)
}

// StatementLines returns the statements the bug patches, each beside the
// correct run's statement of the same name ("(remove this line)" for a
// statement the bug adds).
func (l *Lesson) StatementLines(cfg net.Config) []LinePair {
	return statementLines(l.Bug.ID, l.Fix, cfg)
}

func statementLines(bugID string, fix func(*net.Program), cfg net.Config) []LinePair {
	buggy, err := Program(cfg, []string{bugID})
	if err != nil {
		return nil
	}
	cfg = buggy.Config
	fixed := net.Build(cfg)
	if fix != nil {
		fix(fixed)
	}
	var out []LinePair
	for _, s := range buggy.Statements {
		if s.Bug == "" {
			continue
		}
		line := "(remove this line)"
		if f, ok := fixed.Statement(s.Name); ok {
			line = f.NumPy
		}
		out = append(out, LinePair{Buggy: s.NumPy, Fixed: line})
	}
	return out
}

// sizes returns the training and held-out counts of a scenario under opts.
func sizes(s Scenario, opts Options, available int) (n, held int, err error) {
	n, held = s.N, s.Heldout
	if opts.N > 0 {
		n = opts.N
	}
	switch {
	case opts.Heldout > 0:
		held = opts.Heldout
	case opts.Heldout < 0:
		held = 0
	}
	if n > available {
		return 0, 0, fmt.Errorf("lessons: %d training images asked for, but only %d are available", n, available)
	}
	held = min(held, available-n)
	return n, held, nil
}

// specs says how to train a scenario's runs: the buggy one, the correct
// one, then each part of a composite bug alone.
func (l *Lesson) specs(s Scenario, opts Options, data *net.Dataset) ([]runSpec, error) {
	cfg := l.ScenarioConfig(s, opts)
	n, held, err := sizes(s, opts, data.Len())
	if err != nil {
		return nil, err
	}
	if s.BatchFraction > 0 {
		cfg.Batch = int(math.Ceil(s.BatchFraction * float64(n)))
	}
	base := runSpec{cfg: cfg, with: s.With, base: data, n: n, held: held, epochs: cfg.Epochs, gradChk: s.GradCheck, start: opts.Init}
	buggy, correct := base, base
	buggy.name, buggy.bugs = "buggy", []string{l.Bug.ID}
	correct.name, correct.fix = "correct", l.Fix
	specs := []runSpec{buggy, correct}
	if s.Parts {
		for _, part := range l.Bug.Parts {
			ps := base
			ps.name, ps.bugs = part, []string{part}
			if s.PartEpochs > 0 && opts.Epochs == 0 {
				ps.epochs = s.PartEpochs
			}
			specs = append(specs, ps)
		}
	}
	return specs, nil
}

// Images is the most images (training and held-out) any scenario of the
// lesson uses under opts, so that a caller decodes no more than that.
func (l *Lesson) Images(opts Options) int {
	most := 0
	for _, s := range l.Scenarios {
		n, held, _ := sizes(s, opts, math.MaxInt)
		most = max(most, n+held)
	}
	return most
}

// Replay runs every scenario of the lesson: the buggy and the correct
// network from the same initial weights and data, side by side (the two
// train concurrently), then the detectors and the lesson's conclusion.
func Replay(l *Lesson, opts Options) (*Result, error) {
	start := time.Now()
	if err := l.CheckInit(opts); err != nil {
		return nil, err
	}
	data := opts.Data
	if data == nil {
		var err error
		if data, err = net.LoadMNIST(); err != nil {
			return nil, err
		}
	}
	cache := opts.Cache
	if cache == nil {
		cache = &Cache{}
	}
	res := &Result{Lesson: l, Lines: l.LinesFor(l.ScenarioConfig(l.Scenarios[0], opts), opts.Init)}
	for _, s := range l.Scenarios {
		specs, err := l.specs(s, opts, data)
		if err != nil {
			return nil, err
		}
		runs := runAll(specs, cache, opts.Progress)
		sr := ScenarioResult{Scenario: s, Buggy: runs[0], Correct: runs[1], Parts: runs[2:]}
		res.Scenarios = append(res.Scenarios, sr)
	}
	if l.Conclude != nil {
		res.Shown, res.Conclusion = l.Conclude(res)
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// runAll trains the runs two at a time (this machine's cores), taking
// finished ones from the cache, runs the detectors on each and, where
// asked, a gradient check (which a cached run may not have had yet).
func runAll(specs []runSpec, cache *Cache, progress Progress) []*Run {
	runs := make([]*Run, len(specs))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			e := cache.entry(s.key())
			e.once.Do(func() { e.run = trainRun(s, progress) })
			if s.gradChk {
				e.gradOnce.Do(func() {
					e.run.GradCheck = checkRun(s, e.run)
					e.run.Findings = nil
				})
			}
			e.detectOnce.Do(func() { e.run.Findings = Detect(e.run) })
			runs[i] = e.run
		}()
	}
	wg.Wait()
	return runs
}

// Helpers for the conclusions.

// firstEpoch returns the first epoch (1-based) whose figures satisfy ok,
// or 0.
func firstEpoch(r *Run, ok func(e Epoch, o Observation) bool) int {
	for i, e := range r.Epochs {
		if ok(e, r.Observations[i]) {
			return i + 1
		}
	}
	return 0
}

// peak returns the best training accuracy and its epoch.
func peak(r *Run) (float64, int) {
	best, at := math.Inf(-1), 0
	for i, e := range r.Epochs {
		if e.Accuracy > best {
			best, at = e.Accuracy, i+1
		}
	}
	return best, at
}

// epochAt returns epoch k (1-based) of r, clamped to the run.
func epochAt(r *Run, k int) Epoch {
	if len(r.Epochs) == 0 {
		return r.Final()
	}
	return r.Epochs[max(0, min(k, len(r.Epochs))-1)]
}

func has(r *Run, id string) bool {
	_, ok := r.Finding(id)
	return ok
}

// finalShape returns the shape of a parameter after training.
func finalShape(r *Run, name string) string {
	if a, ok := r.Params[name]; ok {
		return a.Shape().String()
	}
	return "?"
}
