package lessons

import (
	"testing"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/net/foreign"
	"github.com/backstep/backstep/tracer"
)

// stepDump runs one step of cfg with the given catalog bugs on the first
// n embedded MNIST images and returns what `check --snippet` would dump:
// X, Y, the parameters before the update, every forward and backward value
// and the loss.
func stepDump(tb testing.TB, cfg net.Config, bugs []string, n int) *net.NumPyFile {
	return dumpStep(tb, cfg, bugs, n, false)
}

// dumpStep writes one step of cfg with the bugs on the first n images as
// a learner's script would: the parameters before the update, every value
// the step computed and, if next, the parameters after the update as
// W1_next, b1_next, ….
func dumpStep(tb testing.TB, cfg net.Config, bugs []string, n int, next bool) *net.NumPyFile {
	tb.Helper()
	d := data(tb).Slice(0, n) // the images are read once for every test
	p, err := Program(cfg, bugs)
	if err != nil {
		tb.Fatal(err)
	}
	params := net.Init(p.Config)
	v := p.Bind(d.Images, d.OneHot(), params)
	f := &net.NumPyFile{Path: "step.npz", Arrays: map[string]*tracer.Array{}, Integer: map[string]bool{}}
	for k, a := range params {
		f.Arrays[k] = a.Clone()
	}
	for i, s := range p.Statements {
		if s.Phase == net.Update || s.Phase == net.Metric {
			continue
		}
		if err := p.Exec(i, nil, v); err != nil {
			tb.Fatal(err)
		}
	}
	for k, a := range v {
		if _, param := f.Arrays[k]; !param && k != "m" {
			f.Arrays[k] = a
		}
	}
	if next {
		for i, s := range p.Statements {
			if s.Phase == net.Update {
				if err := p.Exec(i, nil, v); err != nil {
					tb.Fatal(err)
				}
				f.Arrays[s.Name+"_next"] = v[s.Name]
			}
		}
	}
	return f
}

func benchCheck(b *testing.B, f *net.NumPyFile, wantFirst string) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d, err := foreign.Interpret(f, foreign.Options{})
		if err != nil {
			b.Fatal(err)
		}
		rep := CheckDump(d, CheckOptions{})
		if rep.First != wantFirst {
			b.Fatalf("first faulty %q, want %q", rep.First, wantFirst)
		}
	}
}

// BenchmarkCheckQuestion10k is `backstep check` on the dump the snippet
// writes for the question's network: 784-60-10 tanh on all 10,000 images,
// with its softmax over the samples, m = 784 and the bias sums over the
// units (issue 10's target: ≤ 2 s).
func BenchmarkCheckQuestion10k(b *testing.B) {
	cfg := net.DefaultConfig()
	f := stepDump(b, cfg, []string{"softmax-axis", "wrong-m", "bias-axis"}, 10000)
	b.ResetTimer()
	benchCheck(b, f, "A2")
}

// BenchmarkCheckSumLoss512 is field case 14 at its full size: 784-512-512-10
// relu on a batch of 128 with the loss summed over the batch (target ≤ 5 s).
func BenchmarkCheckSumLoss512(b *testing.B) {
	cfg := net.DefaultConfig()
	cfg.Hidden, cfg.Act, cfg.InitScale = []int{512, 512}, net.ReLU, 0.1
	f := stepDump(b, cfg, []string{"sum-loss"}, 128)
	b.ResetTimer()
	benchCheck(b, f, "loss")
}
