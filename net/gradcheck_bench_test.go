package net

import (
	"testing"

	"github.com/backstep/backstep/tracer"
)

// BenchmarkGradCheckFull is `backstep gradcheck --mode full` on the default
// 784-60-10 tanh network and the first 16 MNIST test images: every one of
// the 47,710 parameters and 1,120 intermediate values compared with its
// centred difference, plus the forward and backward pass and the forward
// values, as one call of GradCheck. It reports s/check, the figure
// testdata/peers/gradcheck_speed.py sets beside torch.autograd.gradcheck
// on the same function (testdata/peers/torch_gradcheck.py).
func BenchmarkGradCheckFull(b *testing.B) {
	d, err := LoadMNIST()
	if err != nil {
		b.Fatal(err)
	}
	batch := d.Slice(0, 16)
	x, y := batch.Images, batch.OneHot()
	cfg := DefaultConfig()
	p, params := Build(cfg), Init(cfg)
	for b.Loop() {
		c, err := GradCheck(p, x, y, params, tracer.GradCheckOptions{Mode: tracer.FullCheck})
		if err != nil || !c.OK() {
			b.Fatalf("the reference step failed its check: %v", err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/check")
}
