package net

import (
	"fmt"
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
	// figures). It must not modify them.
	BeforeEpoch func(epoch int, params Vars)
	// AfterStep, if set, sees every variable of each iteration once it has
	// run (Z1, A1, dW1, the updated parameters, ...), for detectors. It
	// must not modify them.
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
	// Once a step is over and the tape, its last reader, is reset, the
	// values the step computed and the parameters it started from are dead,
	// except those the next step starts from (the new parameters, the
	// persistent state, the data). Handing their storage back to the tracer
	// saves zeroing fresh memory for every result, a third of an epoch's
	// time, and keeps the heap from growing. An AfterStep hook may keep any
	// value, so with one nothing is recycled; a BeforeEpoch hook may keep
	// the parameters it is shown, so with one they are not.
	recycle := opts.AfterStep == nil
	recycleInputs := recycle && opts.BeforeEpoch == nil
	var spent, given []*tracer.Array
	tp := opts.Tape
	if tp == nil && recycle {
		// Shapes only, no statistics: it lists the values a step computed
		// (intermediates too) so that their storage can be reused.
		tp = &tracer.Tape{NoStats: true}
	}
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
			if recycle {
				keep := valuesOf(v, params)
				if !recycleInputs {
					keep = append(keep, given...)
				}
				tracer.Recycle(append(spent, given...), keep)
				given = valuesOf(v)
			}
			if err := p.Run(tp, v); err != nil {
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
			if recycle {
				spent = valuesOf(v)
				for _, e := range tp.Events {
					spent = append(spent, e.Value)
				}
			}
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
// own metric statement says.
func (p *Program) TrueAccuracy(v Vars) float64 {
	var tp *tracer.Tape
	A := v.Get(fmt.Sprintf("A%d", p.Config.Layers()))
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
