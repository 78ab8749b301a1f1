package net

import (
	"sync"
	"testing"

	"github.com/backstep/backstep/tracer"
)

// The epoch benchmarks train the default network (784-60-10 tanh, full
// batch of the 10,000 MNIST test images) for b.N epochs and report the
// epoch loop's own time as ms/epoch, the figure testdata/peers/numpy_train.py
// reports for NumPy. Compare them with testdata/peers/bench.sh.

var (
	benchDataOnce sync.Once
	benchData     *Dataset
	benchDataErr  error
)

func mnistForBench(b *testing.B) *Dataset {
	b.Helper()
	benchDataOnce.Do(func() { benchData, benchDataErr = LoadMNIST() })
	if benchDataErr != nil {
		b.Fatal(benchDataErr)
	}
	return benchData
}

func BenchmarkEpoch(b *testing.B) {
	for _, layout := range []Layout{Rows, Cols} {
		for _, tracing := range []bool{false, true} {
			name := string(layout) + "/tracing=off"
			if tracing {
				name = string(layout) + "/tracing=on"
			}
			b.Run(name, func(b *testing.B) {
				data := mnistForBench(b)
				cfg := DefaultConfig()
				cfg.Layout = layout
				cfg.Epochs = b.N
				p := Build(cfg)
				params := Init(cfg)
				var opts TrainOptions
				if tracing {
					opts.Tape = &tracer.Tape{} // every operation, with statistics
				}
				b.ReportAllocs()
				b.ResetTimer()
				res, err := Train(p, params, data, opts)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(res.SecondsPerEpoch*1e3, "ms/epoch")
				if tracing && len(opts.Tape.Events) == 0 {
					b.Fatal("tracing recorded no events")
				}
			})
		}
	}
}
