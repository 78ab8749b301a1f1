package foreign

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// learnerStep runs one correct step of cfg on random data and returns
// every array under backstep's names.
func learnerStep(t *testing.T, cfg net.Config, n int) net.Vars {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 9))
	x := make([]float64, n*cfg.Inputs)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(cfg.Classes)
	}
	p := net.Build(cfg)
	params := net.Init(cfg)
	for _, name := range cfg.ParamNames() {
		if name[0] == 'b' {
			for i := range params[name].Data() {
				params[name].Data()[i] = rng.NormFloat64() * 0.3
			}
		}
	}
	v := p.Bind(tracer.Matrix(n, cfg.Inputs, x), tracer.OneHot(labels, cfg.Classes), params)
	for i, s := range p.Statements {
		if s.Phase == net.Update || s.Phase == net.Metric {
			continue
		}
		if err := p.Exec(i, nil, v); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

// TestInterpretByValues: arrays named h1…h4 and d_h2 (as field case 11's
// code names them) are read by what they hold: h2 = W1·x + b1 is Z1, its
// gradient d_h2 is dZ1, and h1 = W1·x, which is no role, is left unused.
func TestInterpretByValues(t *testing.T) {
	cfg := net.Config{Inputs: 5, Hidden: []int{6}, Classes: 3, Act: net.ReLU, Layout: net.Cols, LR: 0.1, Epochs: 1, InitScale: 0.5, Seed: 3}
	v := learnerStep(t, cfg, 8)
	var tp *tracer.Tape
	f := &net.NumPyFile{Path: "h.npz", Integer: map[string]bool{}, Arrays: map[string]*tracer.Array{
		"x": v["X"], "y": v["Y"], "W1": v["W1"], "b1": v["b1"], "W2": v["W2"], "b2": v["b2"],
		"h1": tp.Dot(v["W1"], v["X"]), "h2": v["Z1"], "h3": v["A1"], "h4": v["Z2"], "out": v["A2"],
		"d_h2": v["dZ1"], "d_h4": v["dZ2"], "d_W1": v["dW1"], "d_W2": v["dW2"],
	}}
	d, err := Interpret(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"X": "x", "Y": "y", "Z1": "h2", "A1": "h3", "Z2": "h4", "A2": "out", "dZ1": "d_h2", "dZ2": "d_h4", "dW1": "d_W1"}
	for ours, theirs := range want {
		if d.Keys[ours] != theirs {
			t.Errorf("%s read from %q, want %q (keys %v)", ours, d.Keys[ours], theirs, d.Keys)
		}
	}
	if strings.Join(d.Unused, ",") != "h1" {
		t.Errorf("unused %v, want [h1]", d.Unused)
	}
	if d.Config.OutputAct() != net.Softmax || d.Config.Layout != net.Cols || d.Config.Act != net.ReLU {
		t.Errorf("read as %s output, %s layout, %s: want softmax, cols, relu", d.Config.OutputAct(), d.Config.Layout, d.Config.Act)
	}
}

// TestInterpretRefusesWithAFix: what cannot be read is refused with the
// way to fix it.
func TestInterpretRefusesWithAFix(t *testing.T) {
	cfg := net.Config{Inputs: 5, Hidden: []int{6}, Classes: 3, Act: net.Tanh, Layout: net.Rows, LR: 0.1, Epochs: 1, InitScale: 0.5, Seed: 3}
	v := learnerStep(t, cfg, 8)
	var tp *tracer.Tape
	cases := []struct {
		name   string
		arrays map[string]*tracer.Array
		want   string
	}{
		{"no X", map[string]*tracer.Array{"Y": v["Y"], "W1": v["W1"], "W2": v["W2"]}, "--map X=KEY"},
		{"PyTorch weights", map[string]*tracer.Array{"X": v["X"], "Y": v["Y"], "W1": tp.T(v["W1"]).Clone(), "W2": tp.T(v["W2"]).Clone()}, "dump W1.T"},
		{"Y transposed", map[string]*tracer.Array{"X": v["X"], "Y": tp.T(v["Y"]).Clone(), "W1": v["W1"], "W2": v["W2"]}, "transpose it"},
		{"db without b", map[string]*tracer.Array{"X": v["X"], "Y": v["Y"], "W1": v["W1"], "W2": v["W2"], "db1": v["db1"]}, "add b1"},
		{"labels out of range", map[string]*tracer.Array{"X": v["X"], "Y": tracer.Vector([]float64{0, 1, 2, 3, 0, 1, 2, 1e19}), "W1": v["W1"], "W2": v["W2"]}, "whole numbers 0..2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Interpret(&net.NumPyFile{Arrays: c.arrays, Integer: map[string]bool{}}, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "foreign: ") {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}
