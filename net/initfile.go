package net

import (
	"fmt"

	"github.com/backstep/backstep/tracer"
)

// ParamsFromNumPy takes the starting weights W1, b1, … WL, bL from a dump,
// so a learner replays their own run exactly. The dump may be in either
// layout: the weights are transposed into cfg.Layout when it differs. The
// dump decides the hidden sizes, which the returned configuration says;
// the number of inputs and of classes are the images' (cfg.Inputs and
// cfg.Classes) and the dump must fit them. Every layer must have a unit,
// every bias one value per unit, and every value must be finite: the
// errors name the array and the shape to give instead.
func ParamsFromNumPy(f *NumPyFile, cfg Config) (Config, Vars, error) {
	W1 := f.Arrays["W1"]
	if W1 == nil || W1.Rank() != 2 {
		return cfg, nil, fmt.Errorf("net: %s has no matrix W1: starting weights are W1, b1, … WL, bL, as np.savez(path, W1=W1, b1=b1, W2=W2, b2=b2) writes them", f.Path)
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
		return cfg, nil, fmt.Errorf("net: %s: W1 has shape %s, which does not take the images' %d pixels in either layout: give W1 of shape (%d, hidden) (rows) or (hidden, %d) (cols)",
			f.Path, W1.Shape(), cfg.Inputs, cfg.Inputs, cfg.Inputs)
	}
	in, out := 0, 1
	if !dumpRows {
		in, out = 1, 0
	}
	// wantW writes the shape W_l must have in the dump's layout.
	wantW := func(from string) string {
		if dumpRows {
			return fmt.Sprintf("(%s, units)", from)
		}
		return fmt.Sprintf("(units, %s)", from)
	}
	var tp *tracer.Tape
	var sizes []int
	params := Vars{}
	prev := cfg.Inputs
	for l := 1; ; l++ {
		wName, bName := fmt.Sprintf("W%d", l), fmt.Sprintf("b%d", l)
		W, b := f.Arrays[wName], f.Arrays[bName]
		if W == nil {
			break
		}
		if W.Rank() != 2 || W.Shape()[in] != prev {
			return cfg, nil, fmt.Errorf("net: %s: %s has shape %s, which does not follow the %d units before it: give %s of shape %s",
				f.Path, wName, W.Shape(), prev, wName, wantW(fmt.Sprint(prev)))
		}
		units := W.Shape()[out]
		if units == 0 {
			return cfg, nil, fmt.Errorf("net: %s: %s has shape %s: layer %d has no units; give every layer at least one, e.g. %s of shape %s",
				f.Path, wName, W.Shape(), l, wName, wantW(fmt.Sprint(prev)))
		}
		if b == nil || b.Size() != units {
			got := "is missing"
			if b != nil {
				got = fmt.Sprintf("has shape %s", b.Shape())
			}
			return cfg, nil, fmt.Errorf("net: %s: %s %s, but %s %s has %d units: give %s of shape (1,%d) or (%d,), one value per unit",
				f.Path, bName, got, wName, W.Shape(), units, bName, units, units)
		}
		for _, a := range []*tracer.Array{W, b} {
			if st := tracer.Summarize(a); !st.Finite() {
				name := wName
				if a == b {
					name = bName
				}
				return cfg, nil, fmt.Errorf("net: %s: %s holds %d NaN or infinite values: training cannot start from them; dump the weights of an iteration before they turned NaN",
					f.Path, name, st.NaN+st.Inf)
			}
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
		params[wName] = W
		params[bName] = tracer.New(bs, append([]float64(nil), b.Data()...))
		sizes = append(sizes, units)
		prev = units
	}
	L := len(sizes)
	switch {
	case L < 2:
		return cfg, nil, fmt.Errorf("net: %s has only W1 and b1: the network needs a hidden layer; give W1, b1, W2, b2 (784 → hidden → %d classes)", f.Path, cfg.Classes)
	case sizes[L-1] != cfg.Classes:
		return cfg, nil, fmt.Errorf("net: %s: the last layer W%d has %d output unit%s, but the images have %d classes (labels 0 to %d): give weights whose last layer has %d units, one per class",
			f.Path, L, sizes[L-1], plural(sizes[L-1]), cfg.Classes, cfg.Classes-1, cfg.Classes)
	}
	cfg.Hidden = sizes[:L-1]
	p := Build(cfg)
	for k, a := range params {
		params[k] = p.labelled(k, a)
	}
	return cfg, params, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
