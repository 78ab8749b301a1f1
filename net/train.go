package net

import (
	"fmt"
	"math"
	"time"

	"github.com/backstep/backstep/tracer"
)

// Epoch is what one epoch of training measured. For full-batch training the
// loss and accuracies are those of the forward pass that starts the epoch,
// before its update, as the question's code prints them; with mini-batches
// they are averaged over the epoch's batches, each before its own update.
type Epoch struct {
	Epoch    int     `json:"epoch"`
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"` // recomputed from the output: argmax over classes vs labels
	// Reported is what the program's own accuracy statement said; it
	// differs from Accuracy only when the metric code is buggy.
	Reported float64 `json:"reported_accuracy"`
}

// TrainResult is a finished (or stopped) training run.
type TrainResult struct {
	Epochs          []Epoch
	Params          Vars          // the parameters after the last update
	Elapsed         time.Duration // training only, data loading excluded
	SecondsPerEpoch float64
}

// Final returns the last epoch's figures.
func (r *TrainResult) Final() Epoch {
	if len(r.Epochs) == 0 {
		return Epoch{}
	}
	return r.Epochs[len(r.Epochs)-1]
}

// TrainOptions tunes a training run.
type TrainOptions struct {
	// OnEpoch, if set, is called after every epoch (for progress display).
	OnEpoch func(e Epoch)
	// BeforeEpoch, if set, sees the parameters an epoch starts from (for
	// measuring held-out accuracy at the same point as the training
	// figures). It must not modify them, and may keep them until the end
	// of the epoch's first step.
	BeforeEpoch func(epoch int, params Vars)
	// AfterStep, if set, sees every variable of each iteration once it has
	// run (Z1, A1, dW1, the updated parameters, ...), for detectors. It
	// must not modify them, and may keep only the parameters and the
	// persistent state: the storage of the others is reused once the next
	// step starts (Clone what must live longer).
	AfterStep func(epoch, batch int, v Vars)
	// Tape, if set, records the operations of every step (slow; for tests
	// of tracing overhead and for debugging).
	Tape *tracer.Tape
}

// Train runs p for p.Config.Epochs epochs over data, starting from params
// (which it does not modify), and returns the per-epoch figures and the
// final parameters. Mini-batches (Config.Batch > 0) are taken in the data's
// order. A statement that fails (a shape error a bug causes) stops training
// with an error naming the epoch and the statement.
func Train(p *Program, params Vars, data *Dataset, opts TrainOptions) (*TrainResult, error) {
	cfg := p.Config
	n := data.Len()
	batch := cfg.Batch
	if batch == 0 || batch > n {
		batch = n
	}
	cur := Vars{}
	for k, a := range params {
		cur[k] = a
	}
	// Slice the batches and their one-hot labels once: every epoch reuses them.
	type part struct{ x, y *tracer.Array }
	var parts []part
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		d := data.Slice(lo, hi)
		parts = append(parts, part{d.Images.MarkSparse(), d.OneHot()}) // index the pixels, mostly zeros, once
	}
	res := &TrainResult{}
	persistent := Vars{} // state a buggy metric carries across epochs
	// Storage reuse. A statement's intermediate results (X·W1 before the
	// bias is added, A1**2, …) are dead once it has run, and a step's
	// values once the next step has started, except what that step starts
	// from (the new parameters, the persistent state, the data). Handing
	// their storage back to the tracer saves zeroing fresh memory for
	// every result, a third of an epoch's time, and holds the memory to
	// the data plus one step's values, as NumPy's reference counts do.
	// The hooks may keep the parameters and persistent values they see
	// (the lessons do, to compare steps), so with hooks the inputs of the
	// previous step are kept one step longer; a caller's own tape keeps
	// its step's intermediates for the caller to read.
	hooks := opts.AfterStep != nil || opts.BeforeEpoch != nil
	tp := opts.Tape
	if tp == nil {
		// Values only: it lists what a step computed (intermediates too)
		// so that their storage can be reused.
		tp = &tracer.Tape{ValuesOnly: true}
	}
	var dead [][]string
	if !hooks && opts.Tape == nil {
		dead = p.deadAfter()
	}
	var spent, given []*tracer.Array
	// All a step hands back waits for the next step, however large (the
	// step's own values are the bound); the usual bound returns after.
	defer tracer.Reserve(math.MaxInt / 4)()
	start := time.Now()
	for ep := 1; ep <= cfg.Epochs; ep++ {
		var e Epoch
		e.Epoch = ep
		if opts.BeforeEpoch != nil {
			opts.BeforeEpoch(ep, cur)
		}
		for bi, pt := range parts {
			v := p.Bind(pt.x, pt.y, cur)
			for k, a := range persistent {
				v[k] = a
			}
			tp.Reset()
			keep := valuesOf(v, params)
			if hooks {
				keep = append(keep, given...)
			}
			tracer.Recycle(append(spent, given...), keep)
			given = valuesOf(v)
			if err := p.runStep(tp, v, keep, opts.Tape == nil, dead); err != nil {
				return res, fmt.Errorf("net: epoch %d, batch %d: %w", ep, bi+1, err)
			}
			if opts.AfterStep != nil {
				opts.AfterStep(ep, bi+1, v)
			}
			w := float64(pt.x.Shape()[0]) / float64(n)
			e.Loss += w * v["loss"].Item()
			e.Accuracy += w * p.TrueAccuracy(v)
			e.Reported += w * v["acc"].Item()
			for _, name := range ParamNames(cfg.Layers()) {
				cur[name] = v[name]
			}
			for _, name := range p.Persistent {
				persistent[name] = v[name]
			}
			// With reuse the intermediates went back already (listing them
			// again could hand back storage given since to another loop).
			spent = spent[:0]
			if opts.Tape != nil {
				// In the order they were computed: the storage handed back
				// last is handed out first, and the step's last results
				// are the likeliest to be in the cache still.
				for _, e := range tp.Events {
					spent = append(spent, e.Value)
				}
			}
			spent = append(spent, valuesOf(v)...)
		}
		res.Epochs = append(res.Epochs, e)
		if opts.OnEpoch != nil {
			opts.OnEpoch(e)
		}
	}
	res.Elapsed = time.Since(start)
	res.SecondsPerEpoch = res.Elapsed.Seconds() / float64(cfg.Epochs)
	res.Params = cur
	return res, nil
}

// runStep executes every statement in order, stopping at the first error.
// With reuse, the storage of each statement's intermediate results goes
// back to the tracer as soon as the statement is done, and so do the
// variables dead[i] names once statement i has run (they leave v), except
// storage shared with a bound variable or with an array of keep.
func (p *Program) runStep(tp *tracer.Tape, v Vars, keep []*tracer.Array, reuse bool, dead [][]string) error {
	var tmp, bound []*tracer.Array
	for i := range p.Statements {
		mark := len(tp.Events)
		if err := p.Exec(i, tp, v); err != nil {
			return err
		}
		if !reuse {
			continue
		}
		tmp = tmp[:0]
		for _, e := range tp.Events[mark:] {
			if tracer.Reusable(e.Value) {
				tmp = append(tmp, e.Value)
			}
		}
		if i < len(dead) {
			for _, name := range dead[i] {
				if a, ok := v[name]; ok {
					tmp = append(tmp, a)
					delete(v, name)
				}
			}
		}
		if len(tmp) == 0 {
			continue
		}
		bound = append(bound[:0], keep...)
		for _, a := range v {
			bound = append(bound, a)
		}
		tracer.Recycle(tmp, bound)
	}
	return nil
}

// deadAfter lists, for each statement, the variables no later statement
// reads (by their Inputs) and nothing after the step needs: values the
// step computed on its way, such as Z1 once A1 = tanh(Z1) has run, not the
// parameters, the persistent state, the data, the loss, the metric or the
// output (the recomputed accuracy reads it).
func (p *Program) deadAfter() [][]string {
	L := p.Config.Layers()
	needed := map[string]bool{"X": true, "Y": true, "loss": true, "acc": true, fmt.Sprintf("A%d", L): true}
	for _, n := range ParamNames(L) {
		needed[n] = true
	}
	for _, n := range p.Persistent {
		needed[n] = true
	}
	computed := map[string]bool{}
	last := map[string]int{}
	for i, s := range p.Statements {
		for _, in := range s.Inputs {
			last[in] = i
		}
		computed[s.Name] = true
	}
	dead := make([][]string, len(p.Statements))
	for name, i := range last {
		if computed[name] && !needed[name] {
			dead[i] = append(dead[i], name)
		}
	}
	return dead
}

// valuesOf lists the arrays bound in the given variable sets.
func valuesOf(sets ...Vars) []*tracer.Array {
	var out []*tracer.Array
	for _, v := range sets {
		for _, a := range v {
			out = append(out, a)
		}
	}
	return out
}

// TrueAccuracy recomputes the share of samples whose largest output is the
// labelled class, from the output and Y bound in v, whatever the program's
// own metric statement says. For one sigmoid unit (or multi-label sigmoid
// outputs, as Program.accuracy scores them) it is the share of outputs on
// the labelled side of 0.5: the argmax over a single unit is always 0.
func (p *Program) TrueAccuracy(v Vars) float64 {
	var tp *tracer.Tape
	A := v.Get(fmt.Sprintf("A%d", p.Config.Layers()))
	if p.Config.scoresByThreshold() {
		pred, want := A.Data(), v.Get("Y").Data()
		if len(pred) != len(want) || len(pred) == 0 {
			return 0
		}
		hit := 0
		for i := range pred {
			if (pred[i] > 0.5) == (want[i] > 0.5) {
				hit++
			}
		}
		return float64(hit) / float64(len(pred))
	}
	ax := p.unitAxis()
	pa, wa := tp.Argmax(A, ax, false), tp.Argmax(v.Get("Y"), ax, false)
	defer tracer.Recycle([]*tracer.Array{pa, wa}, nil) // temporaries: reuse their storage
	pred, want := pa.Data(), wa.Data()
	if len(pred) != len(want) {
		return 0
	}
	hit := 0
	for i := range pred {
		if pred[i] == want[i] {
			hit++
		}
	}
	return float64(hit) / float64(len(pred))
}
