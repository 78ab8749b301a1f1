package net

import (
	"sync"
	"testing"
)

// The default run (784-60-10 tanh, full batch on the 10,000 embedded
// images, lr 0.3, 100 epochs) is what several tests assert things about:
// that it learns (TestDefaultRunBothLayouts) and that the engine computes
// it as plain dense algebra does (TestDenseEquivalence). It is trained
// once per layout and shared; tests only read it.
var defaultRun struct {
	once   sync.Once
	data   *Dataset
	init   map[Layout]Vars
	result map[Layout]*TrainResult
	err    error
}

// defaultRuns returns the embedded images, each layout's starting
// weights and its trained default run.
func defaultRuns(t *testing.T) (*Dataset, map[Layout]Vars, map[Layout]*TrainResult) {
	t.Helper()
	d := &defaultRun
	d.once.Do(func() {
		d.data, d.err = LoadMNIST()
		if d.err != nil {
			return
		}
		d.init, d.result = map[Layout]Vars{}, map[Layout]*TrainResult{}
		for _, layout := range []Layout{Rows, Cols} {
			cfg := DefaultConfig()
			cfg.Layout = layout
			d.init[layout] = Init(cfg)
			if d.result[layout], d.err = Train(Build(cfg), d.init[layout], d.data, TrainOptions{}); d.err != nil {
				return
			}
		}
	})
	if d.err != nil {
		t.Fatal(d.err)
	}
	return d.data, d.init, d.result
}
