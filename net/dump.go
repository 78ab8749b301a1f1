package net

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/backstep/backstep/tracer"
)

// Dump is a user's training step read from a NumPy file and understood:
// the network it describes and their arrays under backstep's names.
type Dump struct {
	Config  Config
	Samples int
	// Vars holds the user's arrays (Y one-hot in the dump's layout), with
	// axis labels where the shape is the expected one.
	Vars Vars
	// Given lists the statement outputs the dump holds (Z1, A1, dW2, ...).
	Given map[string]bool
	// Notes say how the dump was read: which layout and activation, and
	// why, and what was converted.
	Notes []string
}

// DumpOptions settle what the dump cannot tell by itself.
type DumpOptions struct {
	Layout Layout            // "" to detect from how W1 meets X
	Act    Activation        // "" to detect from A1 against Z1 (default tanh)
	Map    map[string]string // backstep's name → the dump's key, e.g. dW1 → grad_w1
}

// Interpret works out the network a dump describes.
func Interpret(f *NumPyFile, o DumpOptions) (*Dump, error) {
	arrays := map[string]*tracer.Array{}
	integer := map[string]bool{}
	mapped := map[string]bool{}
	for ours, theirs := range o.Map {
		a, ok := f.Arrays[theirs]
		if !ok {
			return nil, fmt.Errorf("net: --map %s=%s: the file has no array %s (it has %s)", ours, theirs, theirs, strings.Join(f.Keys(), ", "))
		}
		arrays[ours] = a.Named(ours)
		integer[ours] = f.Integer[theirs]
		mapped[theirs] = true
	}
	for k, a := range f.Arrays {
		if _, taken := arrays[k]; !taken && !mapped[k] {
			arrays[k] = a
			integer[k] = f.Integer[k]
		}
	}
	for _, need := range []string{"X", "Y", "W1", "b1"} {
		if arrays[need] == nil {
			return nil, fmt.Errorf("net: the dump has no %s: it needs X, Y, W1, b1, … WL, bL (it has %s; rename keys with --map, see backstep check --snippet)", need, strings.Join(f.Keys(), ", "))
		}
	}
	L := 1
	for arrays[fmt.Sprintf("W%d", L+1)] != nil {
		L++
	}
	for l := 1; l <= L; l++ {
		for _, n := range []string{fmt.Sprintf("W%d", l), fmt.Sprintf("b%d", l)} {
			if arrays[n] == nil {
				return nil, fmt.Errorf("net: the dump has W%d but no %s", L, n)
			}
			if arrays[n].Rank() != 2 && !(n[0] == 'b' && arrays[n].Rank() == 1) {
				return nil, fmt.Errorf("net: %s has shape %v: weights must be matrices", n, arrays[n].Shape())
			}
		}
	}
	X, W1 := arrays["X"], arrays["W1"]
	if X.Rank() != 2 {
		return nil, fmt.Errorf("net: X has shape %v: it must be a matrix of samples and features", X.Shape())
	}
	d := &Dump{Given: map[string]bool{}}
	layout, err := detectLayout(X.Shape(), W1.Shape(), o.Layout)
	if err != nil {
		return nil, err
	}
	d.Notes = append(d.Notes, layoutNote(layout, X.Shape(), W1.Shape(), o.Layout != ""))
	rows := layout == Rows
	dimIn, dimOut := 0, 1 // axes of a weight matrix: rows layout is in × out
	if !rows {
		dimIn, dimOut = 1, 0
	}
	sampleAxis := 0
	if !rows {
		sampleAxis = 1
	}
	cfg := DefaultConfig()
	cfg.Layout = layout
	cfg.Inputs = W1.Shape()[dimIn]
	cfg.Hidden = nil
	d.Samples = X.Shape()[sampleAxis]
	for l := 1; l <= L; l++ {
		W := arrays[fmt.Sprintf("W%d", l)]
		if l > 1 {
			prev := arrays[fmt.Sprintf("W%d", l-1)]
			if W.Shape()[dimIn] != prev.Shape()[dimOut] {
				return nil, fmt.Errorf("net: W%d %v does not follow W%d %v: layer %d has %d units", l, W.Shape(), l-1, prev.Shape(), l-1, prev.Shape()[dimOut])
			}
		}
		if l < L {
			cfg.Hidden = append(cfg.Hidden, W.Shape()[dimOut])
		} else {
			cfg.Classes = W.Shape()[dimOut]
		}
	}
	if len(cfg.Hidden) == 0 {
		return nil, fmt.Errorf("net: the dump has only W1: backstep checks networks with at least one hidden layer (W1, W2, …)")
	}
	sizes := cfg.Sizes()
	for l := 1; l <= L; l++ {
		b := arrays[fmt.Sprintf("b%d", l)]
		z := tracer.Shape{d.Samples, sizes[l]}
		if !rows {
			z = tracer.Shape{sizes[l], d.Samples}
		}
		if !broadcastsTo(b.Shape(), z) {
			want := tracer.Shape{1, sizes[l]}
			if !rows {
				want = tracer.Shape{sizes[l], 1}
			}
			return nil, fmt.Errorf("net: b%d has shape %v, which fits no layer: layer %d has %d units, so b%d should be %v", l, b.Shape(), l, sizes[l], l, want)
		}
	}
	y, note, err := labelsOf(arrays["Y"], integer["Y"], d.Samples, cfg.Classes, rows)
	if err != nil {
		return nil, err
	}
	if note != "" {
		d.Notes = append(d.Notes, note)
	}
	arrays["Y"] = y
	act, note := detectActivation(arrays, o.Act, L)
	cfg.Act = act
	d.Notes = append(d.Notes, note)
	cfg.Epochs = 1
	d.Config = cfg
	full := Build(cfg)
	d.Vars = Vars{}
	for k, a := range arrays {
		d.Vars[k] = full.labelledVar(k, a)
	}
	for _, s := range full.Statements {
		if s.Phase == Update || s.Phase == Metric {
			continue
		}
		if arrays[s.Name] != nil {
			d.Given[s.Name] = true
		}
	}
	return d, nil
}

// labelledVar attaches axis labels to data and parameters whose shape is
// the expected one.
func (p *Program) labelledVar(name string, a *tracer.Array) *tracer.Array {
	if _, param := p.Shapes[name]; !param {
		if labels := p.Labels[name]; len(labels) == a.Rank() {
			return a.Named(name).WithLabels(labels...)
		}
		return a.Named(name)
	}
	return p.labelled(name, a)
}

func broadcastsTo(b, z tracer.Shape) bool {
	if len(b) > len(z) {
		return false
	}
	off := len(z) - len(b)
	for i, s := range b {
		if s != 1 && s != z[off+i] {
			return false
		}
	}
	return true
}

func detectLayout(x, w1 tracer.Shape, want Layout) (Layout, error) {
	rows := x[1] == w1[0] // X·W1
	cols := w1[1] == x[0] // W1·X
	switch {
	case want == Rows && !rows:
		return "", fmt.Errorf("net: --layout rows needs X.shape[1] == W1.shape[0] (X·W1), but X is %v and W1 is %v", x, w1)
	case want == Cols && !cols:
		return "", fmt.Errorf("net: --layout cols needs W1.shape[1] == X.shape[0] (W1·X), but X is %v and W1 is %v", x, w1)
	case want != "":
		return want, nil
	case rows && cols:
		return "", fmt.Errorf("net: the layout is ambiguous: X %v and W1 %v fit both X·W1 (rows) and W1·X (cols); give --layout rows or --layout cols", x, w1)
	case rows:
		return Rows, nil
	case cols:
		return Cols, nil
	}
	return "", fmt.Errorf("net: W1 %v fits X %v in neither layout: rows needs X.shape[1] == W1.shape[0], cols needs W1.shape[1] == X.shape[0]", w1, x)
}

func layoutNote(l Layout, x, w1 tracer.Shape, given bool) string {
	how := "from --layout"
	if !given {
		if l == Rows {
			how = fmt.Sprintf("X %v · W1 %v fits", x, w1)
		} else {
			how = fmt.Sprintf("W1 %v · X %v fits", w1, x)
		}
	}
	if l == Rows {
		return "layout rows (samples × features): " + how
	}
	return "layout cols (features × samples): " + how
}

// labelsOf returns Y one-hot in the layout: integer labels of shape (N,),
// (N,1) or (1,N) are expanded; one-hot Y must already be samples × classes
// (rows) or classes × samples (cols).
func labelsOf(y *tracer.Array, integer bool, n, classes int, rows bool) (*tracer.Array, string, error) {
	s := y.Shape()
	want := tracer.Shape{n, classes}
	if !rows {
		want = tracer.Shape{classes, n}
	}
	if s.Equal(want) {
		return y, "", nil
	}
	if y.Size() == n && (y.Rank() == 1 || s[0] == 1 || s[1] == 1) {
		labels := make([]int, n)
		for i, v := range y.Data() {
			if v != math.Trunc(v) || v < 0 || int(v) >= classes {
				return nil, "", fmt.Errorf("net: Y has shape %v: as labels its values must be whole numbers 0..%d, found %v", s, classes-1, v)
			}
			labels[i] = int(v)
		}
		oh := tracer.OneHot(labels, classes)
		if !rows {
			var tp *tracer.Tape
			oh = tp.T(oh).Clone()
		}
		kind := "integer"
		if !integer {
			kind = "whole-number"
		}
		return oh, fmt.Sprintf("Y holds %d %s labels: turned into one-hot %v", n, kind, oh.Shape()), nil
	}
	return nil, "", fmt.Errorf("net: Y has shape %v: expected one-hot %v or %d integer labels", s, want, n)
}

// detectActivation matches the dumped A against the candidates applied to
// the dumped Z of the same hidden layer.
func detectActivation(arrays map[string]*tracer.Array, given Activation, L int) (Activation, string) {
	var tp *tracer.Tape
	for l := 1; l < L; l++ {
		z, a := arrays[fmt.Sprintf("Z%d", l)], arrays[fmt.Sprintf("A%d", l)]
		if z == nil || a == nil || !z.Shape().Equal(a.Shape()) {
			continue
		}
		var matched []string
		for _, act := range []Activation{Tanh, Sigmoid, ReLU} {
			r := tracer.Relate(a, activate(tp, act, z))
			if r.Kind == tracer.Same || (r.Kind == tracer.Scaled || r.Kind == tracer.Unrelated) && r.RelError < 1e-6 {
				matched = append(matched, string(act))
			}
		}
		sort.Strings(matched)
		switch {
		case len(matched) == 1 && given != "" && Activation(matched[0]) != given:
			return given, fmt.Sprintf("activation %s from --act (but A%d = %s(Z%d) in the dump)", given, l, matched[0], l)
		case len(matched) == 1:
			return Activation(matched[0]), fmt.Sprintf("activation %s: A%d = %s(Z%d) in the dump", matched[0], l, matched[0], l)
		case given != "":
			return given, fmt.Sprintf("activation %s from --act", given)
		default:
			return Tanh, fmt.Sprintf("activation tanh by default: A%d matches none of tanh, sigmoid, relu of Z%d (give --act)", l, l)
		}
	}
	if given != "" {
		return given, fmt.Sprintf("activation %s from --act", given)
	}
	return Tanh, "activation tanh by default (the dump has no Z1 and A1 to tell; give --act)"
}

// Program returns the correct training step for the dump. Where the dump
// keeps a bias as a vector (b1 of shape (H,), which NumPy broadcasts along
// the samples in the rows layout), its gradient is reduced without
// keepdims, so it has the bias's shape too.
func (d *Dump) Program() *Program {
	p := Build(d.Config)
	for l := 1; l <= d.Config.Layers(); l++ {
		if b := d.Vars[fmt.Sprintf("b%d", l)]; b != nil && b.Rank() == 1 {
			s := p.BiasGrad(l, p.sampleAxis(), false)
			p.Statements[p.Index(s.Name)] = s
		}
	}
	return p
}
