package net

import (
	"fmt"

	"github.com/backstep/backstep/tracer"
)

// ParamsFromNumPy takes the starting weights W1, b1, … WL, bL from a dump,
// so a learner replays their own run exactly. The dump may be in either
// layout: the weights are transposed into cfg.Layout when it differs. The
// dump decides the hidden sizes and the number of classes; the returned
// configuration says them.
func ParamsFromNumPy(f *NumPyFile, cfg Config) (Config, Vars, error) {
	W1 := f.Arrays["W1"]
	if W1 == nil || W1.Rank() != 2 {
		return cfg, nil, fmt.Errorf("net: %s has no matrix W1: --init needs W1, b1, … WL, bL", f.Path)
	}
	var dumpRows bool
	switch {
	case W1.Shape()[0] == cfg.Inputs && W1.Shape()[1] != cfg.Inputs:
		dumpRows = true
	case W1.Shape()[1] == cfg.Inputs && W1.Shape()[0] != cfg.Inputs:
		dumpRows = false
	case W1.Shape()[0] == cfg.Inputs:
		dumpRows = cfg.Layout == Rows // square: read it in the run's layout
	default:
		return cfg, nil, fmt.Errorf("net: %s: W1 has shape %v, which does not take %d inputs in either layout", f.Path, W1.Shape(), cfg.Inputs)
	}
	in, out := 0, 1
	if !dumpRows {
		in, out = 1, 0
	}
	var tp *tracer.Tape
	cfg.Hidden = nil
	params := Vars{}
	prev := cfg.Inputs
	for l := 1; ; l++ {
		W, b := f.Arrays[fmt.Sprintf("W%d", l)], f.Arrays[fmt.Sprintf("b%d", l)]
		if W == nil {
			if l == 1 {
				return cfg, nil, fmt.Errorf("net: %s has no W1", f.Path)
			}
			break
		}
		if W.Rank() != 2 || W.Shape()[in] != prev {
			return cfg, nil, fmt.Errorf("net: %s: W%d has shape %v, which does not follow a layer of %d units", f.Path, l, W.Shape(), prev)
		}
		units := W.Shape()[out]
		if b == nil || b.Size() != units {
			return cfg, nil, fmt.Errorf("net: %s: b%d must hold %d values for W%d %v", f.Path, l, units, l, W.Shape())
		}
		if dumpRows != (cfg.Layout == Rows) {
			W = tp.T(W).Clone()
		} else {
			W = W.Clone()
		}
		bs := tracer.Shape{1, units}
		if cfg.Layout == Cols {
			bs = tracer.Shape{units, 1}
		}
		params[fmt.Sprintf("W%d", l)] = W
		params[fmt.Sprintf("b%d", l)] = tracer.New(bs, append([]float64(nil), b.Data()...))
		cfg.Hidden = append(cfg.Hidden, units)
		prev = units
	}
	cfg.Classes = cfg.Hidden[len(cfg.Hidden)-1]
	cfg.Hidden = cfg.Hidden[:len(cfg.Hidden)-1]
	if len(cfg.Hidden) == 0 {
		return cfg, nil, fmt.Errorf("net: %s has only W1: the network needs at least one hidden layer", f.Path)
	}
	p := Build(cfg)
	for k, a := range params {
		params[k] = p.labelled(k, a)
	}
	return cfg, params, nil
}
