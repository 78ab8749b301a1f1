package lessons

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// Epoch is one epoch of a replayed run. Loss, cross-entropy and the
// training accuracies are those of the forward pass that starts the
// epoch, before its update; with mini-batches, the mean over the epoch's
// batches weighted by their sizes, each before its own update, as
// `backstep train` reports them. The held-out accuracy is that of the
// weights the epoch starts from.
type Epoch struct {
	Epoch int
	// Loss is the program's own loss statement: what the learner's code
	// prints. CrossEntropy is the loss recomputed from the output and the
	// labels by its definition (Observation.CrossEntropy), averaged over
	// the epoch's batches as Loss is.
	Loss         float64
	CrossEntropy float64
	// Accuracy is recomputed on the training images; Reported is the
	// program's own accuracy statement; Heldout is the accuracy on images
	// the run never trained on (NaN when there are none or the program
	// cannot evaluate them).
	Accuracy float64
	Reported float64
	Heldout  float64
}

// NonFiniteOp is where a run's first NaN or Inf appeared: the statement,
// the operation inside it and that operation's inputs.
type NonFiniteOp struct {
	Epoch, Batch int
	Statement    string
	NumPy        string // the statement's line
	Op           string
	Inputs       []OperandStats
	Result       tracer.Stats
}

// Run is one of the two networks a replay trains.
type Run struct {
	Name   string   // "buggy" or "correct"
	Bugs   []string // the bugs injected (none for the correct run)
	Config net.Config
	// Program is the training step the run executed.
	Program *net.Program
	// Start says what the initial weights were: "randn × 0.01, seed 1",
	// or the file they came from and what a bug did to them; InitFile is
	// that file ("" when the weights were drawn).
	Start    string
	InitFile string
	Data     string // where the images came from
	Train    int    // training images
	Heldout  int    // held-out images (0: none)
	Epochs   []Epoch
	// Observations holds what each epoch's last step showed, with the
	// output figures (the recomputed loss, the accuracy, the predicted
	// classes) of all the epoch's batches; FirstStep what the first step
	// showed, before any update.
	Observations []Observation
	FirstStep    Observation
	// StartParams holds the parameters the run started from.
	StartParams net.Vars
	// Err is the error that stopped training early, if any; Failure says
	// where, when a statement failed.
	Err     error
	Failure *Failure
	// Params are the parameters after the last update.
	Params net.Vars
	// HeldoutErr is why the held-out images could not be evaluated.
	HeldoutErr error
	// NonFinite locates the first NaN or Inf, nil if none appeared.
	NonFinite *NonFiniteOp
	// GradCheck is the gradient check of the run's step on a few training
	// images at the initial and the final weights (nil unless the lesson
	// asks for one).
	GradCheck *GradientCheck
	Findings  []Finding
	Seconds   float64
}

// Final returns the last epoch (zero if training stopped at once).
func (r *Run) Final() Epoch {
	if len(r.Epochs) == 0 {
		return Epoch{Loss: math.NaN(), CrossEntropy: math.NaN(), Accuracy: math.NaN(),
			Reported: math.NaN(), Heldout: math.NaN()}
	}
	return r.Epochs[len(r.Epochs)-1]
}

// Finding returns the run's finding with the given detector id.
func (r *Run) Finding(id string) (Finding, bool) {
	for _, f := range r.Findings {
		if f.ID == id {
			return f, true
		}
	}
	return Finding{}, false
}

// Failure is the statement that stopped a run, with the shapes and axis
// meanings of what it read.
type Failure struct {
	Epoch, Batch int
	Statement    string
	NumPy        string
	Err          error // NumPy's message
	Inputs       []Operand
}

// Operand is a variable a statement read.
type Operand struct {
	Name   string
	Shape  tracer.Shape
	Labels []string
}

// runSpec says how to train one network of a replay.
type runSpec struct {
	name    string
	cfg     net.Config // before the bugs
	bugs    []string   // injected: patches, configuration and data
	with    []string   // part of the setting: applied the same way, but not "the bug"
	fix     func(p *net.Program)
	base    *net.Dataset // before any data bug
	n, held int
	epochs  int
	gradChk bool
	// start, if set, holds the weights both runs start from (--init);
	// otherwise they come from net.Init.
	start *net.NumPyFile
}

// initial returns the weights a run of cfg starts from and what they
// are: the file's (--init) or drawn, with the run's bugs in the initial
// weights applied to either.
func (s runSpec) initial(cfg net.Config) (net.Vars, string, error) {
	var params net.Vars
	file := ""
	if s.start != nil {
		var err error
		if _, params, err = net.ParamsFromNumPy(s.start, cfg); err != nil {
			return nil, "", err
		}
		file = s.start.Path
	}
	return Start(cfg, s.ids(), params, file)
}

// ids lists the bugs a run applies: the setting's, then the injected.
func (s runSpec) ids() []string {
	return append(append([]string(nil), s.with...), s.bugs...)
}

func (s runSpec) key() string {
	fix := ""
	if s.fix != nil {
		fix = fmt.Sprintf("%p", s.fix)
	}
	return fmt.Sprintf("%s|%v|%v|%v|%s|%s|%d|%d|%d", s.name, s.cfg, s.bugs, s.with, fix, s.base.Source,
		s.n, s.held, s.epochs)
}

// Cache keeps finished runs so that replays which share a correct run (the
// default network, say) train it once. The zero value is ready; it is safe
// for concurrent use.
type Cache struct {
	mu   sync.Mutex
	runs map[string]*cacheEntry
}

type cacheEntry struct {
	once, gradOnce, detectOnce sync.Once
	run                        *Run
}

func (c *Cache) entry(key string) *cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs == nil {
		c.runs = map[string]*cacheEntry{}
	}
	e, ok := c.runs[key]
	if !ok {
		e = &cacheEntry{}
		c.runs[key] = e
	}
	return e
}

// Progress is told how far each run has got.
type Progress func(run string, epoch, epochs int)

// trainRun trains the network spec describes and observes every step.
func trainRun(spec runSpec, progress Progress) *Run {
	ids := spec.ids()
	r := &Run{Name: spec.name, Bugs: spec.bugs}
	p, err := Program(spec.cfg, ids)
	if err != nil {
		r.Err = err
		return r
	}
	if spec.fix != nil {
		spec.fix(p)
	}
	cfg := p.Config
	cfg.Epochs = spec.epochs
	p.Config = cfg
	r.Config, r.Program = cfg, p
	data, err := Dataset(spec.base.Slice(0, spec.n+spec.held), ids)
	if err != nil {
		r.Err = err
		return r
	}
	train := data.Slice(0, spec.n)
	r.Data, r.Train = data.Source, spec.n
	var held *net.Dataset
	var heldY *tracer.Array
	if spec.held > 0 {
		held = data.Slice(spec.n, spec.n+spec.held)
		held.Images.MarkSparse() // evaluated every epoch: index the pixels once
		heldY = held.OneHot()
		r.Heldout = spec.held
	}
	init, what, err := spec.initial(cfg)
	if err != nil {
		r.Err = err
		return r
	}
	r.Start = what
	r.StartParams = init
	if spec.start != nil {
		r.InitFile = spec.start.Path
	}
	start := time.Now()

	// State carried between the hooks: the parameters and counters each
	// step starts from, for update ratios and for locating a NaN.
	var before, persistent net.Vars
	heldAcc := math.NaN()
	found := false
	var obs Observation
	var epochObs []Observation
	// The epoch's output figures (cross-entropy, accuracy, predicted
	// classes): like net.Train's loss and accuracies, the mean over its
	// batches weighted by their sizes, each before its own update.
	var outputs epochOutputs
	epochNow, batchNow := 0, 0
	opts := net.TrainOptions{
		BeforeEpoch: func(epoch int, params net.Vars) {
			epochNow, batchNow = epoch, 0
			outputs = epochOutputs{n: spec.n}
			before = copyVars(params)
			heldAcc = math.NaN()
			if held != nil && r.HeldoutErr == nil {
				heldAcc, r.HeldoutErr = evaluate(p, held, heldY, params)
			}
		},
		AfterStep: func(epoch, batch int, v net.Vars) {
			batchNow = batch
			obs = Observe(p, before, v, !found)
			if epoch == 1 && batch == 1 {
				r.FirstStep = obs
			}
			outputs.add(obs)
			if obs.NonFinite != "" && !found {
				found = true
				r.NonFinite = locateNonFinite(p, before, persistent, v, epoch, batch)
			}
			before = net.Vars{}
			for _, name := range net.ParamNames(cfg.Layers()) {
				before[name] = v[name]
			}
			persistent = net.Vars{}
			for _, name := range p.Persistent {
				persistent[name] = v[name]
			}
		},
		OnEpoch: func(e net.Epoch) {
			o := outputs.of(obs)
			r.Epochs = append(r.Epochs, Epoch{Epoch: e.Epoch, Loss: e.Loss, Accuracy: e.Accuracy,
				Reported: e.Reported, CrossEntropy: o.CrossEntropy, Heldout: heldAcc})
			epochObs = append(epochObs, o)
			if progress != nil {
				progress(spec.name, e.Epoch, spec.epochs)
			}
		},
	}
	_, err = net.Train(p, init, train, opts)
	r.Seconds = time.Since(start).Seconds()
	r.Observations = epochObs
	if len(r.Epochs) > 0 {
		r.Params = before
	}
	if err != nil {
		r.Err = err
		var se *net.StatementError
		if errors.As(err, &se) {
			r.Failure = failure(p, train, before, persistent, epochNow, batchNow+1, se)
		}
	}
	return r
}

// checkRun checks the gradients of a finished run's step at its initial
// and final weights.
func checkRun(spec runSpec, r *Run) *GradientCheck {
	if r.Program == nil {
		return nil
	}
	data, err := Dataset(spec.base.Slice(0, spec.n), spec.ids())
	if err != nil {
		return &GradientCheck{Err: err}
	}
	init, _, err := spec.initial(r.Config)
	if err != nil {
		return &GradientCheck{Err: err}
	}
	return checkGradients(r.Program, init, r.Params, data)
}

// failure re-runs the step that failed, up to the failing statement, to
// record the shapes and axis meanings of what that statement read.
func failure(p *net.Program, train *net.Dataset, params, persistent net.Vars, epoch, batch int, se *net.StatementError) *Failure {
	f := &Failure{Epoch: epoch, Batch: batch, Statement: se.Statement.Name, NumPy: se.Statement.NumPy, Err: se.Err}
	size := p.Config.Batch
	if size == 0 || size > train.Len() {
		size = train.Len()
	}
	lo := (batch - 1) * size
	if lo >= train.Len() {
		return f
	}
	d := train.Slice(lo, min(lo+size, train.Len()))
	v := p.Bind(d.Images, d.OneHot(), params)
	for k, a := range persistent {
		v[k] = a
	}
	for i, s := range p.Statements {
		if s.Name == se.Statement.Name && s.NumPy == se.Statement.NumPy {
			for _, in := range s.Inputs {
				if a, ok := v[in]; ok {
					f.Inputs = append(f.Inputs, Operand{Name: in, Shape: a.Shape(), Labels: a.Labels()})
				}
			}
			break
		}
		if p.Exec(i, nil, v) != nil {
			break
		}
	}
	return f
}

func copyVars(v net.Vars) net.Vars {
	out := make(net.Vars, len(v))
	for k, a := range v {
		out[k] = a
	}
	return out
}

// evaluate runs p's forward pass on images the run never trained on and
// returns the share classified right, or the statement error that stopped
// it (a bias that became one row per training image cannot be added to
// another number of images).
func evaluate(p *net.Program, held *net.Dataset, y *tracer.Array, params net.Vars) (float64, error) {
	v := p.Bind(held.Images, y, params)
	out := fmt.Sprintf("A%d", p.Config.Layers())
	if err := p.RunThrough(out, nil, v); err != nil {
		return math.NaN(), err
	}
	var o Observation
	a := v[out]
	if !a.Shape().Equal(v["Y"].Shape()) {
		return math.NaN(), fmt.Errorf("lessons: the output on the held-out images is %v, not %v", a.Shape(), v["Y"].Shape())
	}
	o.outputFigures(a, held.Labels, sampleAxis(p), p.Config)
	return o.Accuracy, nil
}

// locateNonFinite replays the step that first produced a NaN or an Inf
// with a tape, from the parameters it started from, and returns the first
// operation whose result was not finite.
func locateNonFinite(p *net.Program, before, persistent, after net.Vars, epoch, batch int) *NonFiniteOp {
	v := net.Vars{"X": after["X"], "Y": after["Y"]}
	for k, a := range before {
		v[k] = a
	}
	for k, a := range persistent {
		v[k] = a
	}
	bound := copyVars(v)
	tp := &tracer.Tape{}
	_ = p.Run(tp, v) // a statement error after the NaN does not matter here
	i := tp.FirstNonFinite()
	if i < 0 {
		return nil
	}
	e := tp.Events[i]
	nf := &NonFiniteOp{Epoch: epoch, Batch: batch, Statement: e.Statement, Op: e.Op, Result: e.Stats}
	if s, ok := p.Statement(e.Statement); ok {
		nf.NumPy = s.NumPy
	}
	for _, in := range e.Inputs {
		st, ok := inputStats(tp, i, in.Name, bound)
		if !ok {
			st, _ = inputStats(tp, i, in.Name, v)
		}
		nf.Inputs = append(nf.Inputs, OperandStats{Name: in.Name, Shape: in.Shape, Stats: st})
	}
	return nf
}

// OperandStats is one input of an operation with its values' statistics.
type OperandStats struct {
	Name  string
	Shape tracer.Shape
	Stats tracer.Stats
}

// inputStats returns the statistics of the named input of event i: the
// latest earlier event that produced it, or the bound variable.
func inputStats(tp *tracer.Tape, i int, name string, v net.Vars) (tracer.Stats, bool) {
	for j := i - 1; j >= 0; j-- {
		if tp.Events[j].Result == name {
			return tp.Events[j].Stats, true
		}
	}
	if a, ok := v[name]; ok {
		return tracer.Summarize(a), true
	}
	return tracer.Stats{}, false
}
