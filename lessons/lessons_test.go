package lessons

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

var (
	mnistOnce sync.Once
	mnist     *net.Dataset
	mnistErr  error
)

func data(tb testing.TB) *net.Dataset {
	tb.Helper()
	mnistOnce.Do(func() { mnist, mnistErr = net.LoadMNIST() })
	if mnistErr != nil {
		tb.Fatal(mnistErr)
	}
	return mnist
}

// replay runs a lesson on a short real run: opts shrink it where the
// claim does not depend on the size.
func replay(t *testing.T, id string, opts Options) *Result {
	t.Helper()
	l, err := LessonFor(id)
	if err != nil {
		t.Fatal(err)
	}
	opts.Data = data(t)
	res, err := Replay(l, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func finding(t *testing.T, r *Run, id string) Finding {
	t.Helper()
	f, ok := r.Finding(id)
	if !ok {
		var got []string
		for _, f := range r.Findings {
			got = append(got, f.ID)
		}
		t.Fatalf("%s run: no %s finding; findings: %v", r.Name, id, got)
	}
	return f
}

func noFinding(t *testing.T, r *Run, id string) {
	t.Helper()
	if f, ok := r.Finding(id); ok {
		t.Fatalf("%s run: unexpected %s finding: %s", r.Name, id, f.Message)
	}
}

// TestEveryBugHasALesson keeps the catalog and the lessons in step, and
// every lesson's story complete.
func TestEveryBugHasALesson(t *testing.T) {
	want := []string{"seed-original", "wrong-m", "softmax-axis", "bias-axis", "bias-axis-nokeepdims", "sign-flip",
		"no-transpose", "no-transpose-square", "missing-act-grad", "naive-tanh", "log-zero", "no-normalize",
		"big-init", "zero-init", "lr-too-high", "lr-too-low", "labels-not-onehot", "accuracy-loop", "counter-not-reset"}
	for _, id := range want {
		if _, err := Lookup(id); err != nil {
			t.Errorf("bug %s missing: %v", id, err)
		}
	}
	if len(IDs()) != len(All()) {
		t.Errorf("%d bugs but %d lessons", len(IDs()), len(All()))
	}
	for _, l := range All() {
		b := l.Bug
		if b.Title == "" || b.Symptom == "" || l.Mechanism == "" || l.Catch == "" || l.Claim == "" || l.Conclude == nil || len(l.Scenarios) == 0 {
			t.Errorf("%s: incomplete story", b.ID)
		}
		for _, layout := range []net.Layout{net.Rows, net.Cols} {
			cfg := l.ScenarioConfig(l.Scenarios[0], Options{Layout: layout})
			lines := l.LinesFor(cfg, nil)
			if len(lines) == 0 {
				t.Errorf("%s (%s): no buggy/fixed lines", b.ID, layout)
			}
			for _, lp := range lines {
				if lp.Buggy == lp.Fixed {
					t.Errorf("%s (%s): buggy line equals the fixed one: %s", b.ID, layout, lp.Buggy)
				}
			}
		}
	}
	if Order()[0] != "seed-original" {
		t.Errorf("lessons start with %s", Order()[0])
	}
}

// TestPatchesRunInBothLayouts builds and runs one step of every bug in
// both layouts: the patched statements either run or fail with NumPy's
// error (the shape-error lessons), never panic.
func TestPatchesRunInBothLayouts(t *testing.T) {
	d := data(t).Slice(0, 32)
	for _, id := range IDs() {
		for _, layout := range []net.Layout{net.Rows, net.Cols} {
			t.Run(id+"/"+string(layout), func(t *testing.T) {
				cfg := net.DefaultConfig()
				cfg.Layout = layout
				p, err := Program(cfg, []string{id})
				if err != nil {
					t.Fatal(err)
				}
				dd, err := Dataset(d, []string{id})
				if err != nil {
					t.Fatal(err)
				}
				v := p.Bind(dd.Images, dd.OneHot(), net.Init(p.Config))
				err = p.Run(nil, v)
				// Without keepdims the cols layout broadcasts (60,1) against (N,).
				wantErr := id == "no-transpose" || (id == "bias-axis-nokeepdims" && layout == net.Rows)
				if (err != nil) != wantErr {
					t.Fatalf("error %v, want an error: %v", err, wantErr)
				}
				if !wantErr && !p.Patched() && b(id).Patch != nil {
					t.Fatal("no statement marked as patched")
				}
			})
		}
	}
}

func b(id string) *Bug { return catalog[id] }

func TestDataBugLeavesTheDatasetAlone(t *testing.T) {
	d := data(t).Slice(0, 4)
	before := d.Images.Data()[200]
	raw, err := Dataset(d, []string{"no-normalize"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Images.Data()[200] != before {
		t.Fatal("no-normalize modified the dataset it was given")
	}
	for i, x := range raw.Images.Data() {
		if math.Abs(x-255*d.Images.Data()[i]) > 1e-9 {
			t.Fatalf("pixel %d: %v, want %v", i, x, 255*d.Images.Data()[i])
		}
	}
}

// The lessons, each asserting its claim on a short real run.

func TestLessonSignFlip(t *testing.T) {
	res := replay(t, "sign-flip", Options{N: 2000, Heldout: 500})
	b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
	finding(t, b, "below-chance")
	finding(t, b, "one-class-collapse")
	finding(t, b, "loss-rising")
	if c.Final().Accuracy < 0.4 {
		t.Errorf("correct run reached only %.3f", c.Final().Accuracy)
	}
	for _, f := range c.Findings { // the detectors raise no false alarm on the correct run
		t.Errorf("correct run: %s: %s", f.ID, f.Message)
	}
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonSoftmaxAxis(t *testing.T) {
	res := replay(t, "softmax-axis", Options{Epochs: 12, N: 3000, Heldout: 500})
	b := res.Scenarios[0].Buggy
	if ce, lnN := b.Epochs[0].CrossEntropy, math.Log(3000); math.Abs(ce-lnN) > 0.05 {
		t.Errorf("loss at init %.4f, want ≈ ln 3000 = %.4f", ce, lnN)
	}
	if f := finding(t, b, "loss-at-init"); !strings.Contains(f.Message, "normalises over the samples") {
		t.Errorf("loss-at-init does not name the softmax axis: %s", f.Message)
	}
	finding(t, b, "output-sums")
	noFinding(t, res.Scenarios[0].Correct, "loss-at-init")
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonWrongM(t *testing.T) {
	res := replay(t, "wrong-m", Options{Epochs: 20, N: 4000, Heldout: 1000})
	b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
	f := finding(t, b, "loss-mismatch")
	if !strings.Contains(f.Message, "m = 784") {
		t.Errorf("loss-mismatch does not name m: %s", f.Message)
	}
	if b.Epochs[4].Accuracy <= c.Epochs[4].Accuracy {
		t.Errorf("epoch 5: buggy %.3f not ahead of correct %.3f", b.Epochs[4].Accuracy, c.Epochs[4].Accuracy)
	}
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonBiasAxis(t *testing.T) {
	res := replay(t, "bias-axis", Options{Epochs: 3, N: 1500, Heldout: 500})
	b := res.Scenarios[0].Buggy
	finding(t, b, "shape-drift")
	finding(t, b, "heldout-error")
	if b.Err != nil {
		t.Fatalf("full-batch training failed: %v", b.Err)
	}
	if got := b.Params["b1"].Shape(); !got.Equal([]int{1500, 60}) {
		t.Errorf("b1 ends %v, want (1500,60)", got)
	}
	if m := maxAbs(b.Params["b2"].Data()); m > 1e-12 {
		t.Errorf("largest |b2| %v, want 0 up to rounding", m)
	}
	mb := res.Scenarios[1].Buggy
	if mb.Failure == nil || mb.Failure.Statement != "Z1" || mb.Failure.Batch != 3 {
		t.Errorf("mini-batch run: failure %+v, want Z1 in batch 3 (563 + 563 + 374 images)", mb.Failure)
	}
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonBiasAxisNoKeepdims(t *testing.T) {
	res := replay(t, "bias-axis-nokeepdims", Options{N: 500, Heldout: 100})
	b := res.Scenarios[0].Buggy
	f := b.Failure
	if f == nil || f.Statement != "b1" || !strings.Contains(f.Err.Error(), "(1,60) (500,)") {
		t.Fatalf("failure %+v, want NumPy's broadcast error at the update of b1", f)
	}
	if res.Scenarios[0].Correct.Err != nil || !res.Shown {
		t.Errorf("correct run %v, shown %v: %v", res.Scenarios[0].Correct.Err, res.Shown, res.Conclusion)
	}
	cols := replay(t, "bias-axis-nokeepdims", Options{N: 500, Heldout: 100, Layout: net.Cols})
	cb := cols.Scenarios[0].Buggy
	if cb.Err != nil || !strings.Contains(finding(t, cb, "shape-drift").Message, "b1 (60,1) → (60,500)") || !cols.Shown {
		t.Errorf("cols: err %v, shown %v, %v", cb.Err, cols.Shown, cols.Conclusion)
	}
}

func TestLessonNoTranspose(t *testing.T) {
	res := replay(t, "no-transpose", Options{N: 500, Heldout: 100, Layout: net.Cols})
	f := res.Scenarios[0].Buggy.Failure
	if f == nil || f.Statement != "dZ1" || !strings.Contains(f.Err.Error(), "not aligned") {
		t.Fatalf("failure %+v, want np.dot's alignment error in dZ1", f)
	}
	if !strings.Contains(strings.Join(res.Conclusion, "\n"), "classes") || !res.Shown {
		t.Errorf("conclusion does not explain the axes: %v", res.Conclusion)
	}
}

func TestLessonNoTransposeSquare(t *testing.T) {
	res := replay(t, "no-transpose-square", Options{Epochs: 10, N: 1000, Heldout: 200})
	b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
	if b.Err != nil || b.Config.Hidden[0] != 10 || c.Config.Hidden[0] != 10 {
		t.Fatalf("err %v, hidden %v / %v", b.Err, b.Config.Hidden, c.Config.Hidden)
	}
	if bad := b.GradCheck.Initial.Failed(); strings.Join(bad, ",") != "dW1,db1" {
		t.Errorf("gradient check fails %v, want dW1 and db1", bad)
	}
	if !c.GradCheck.Initial.OK() || !c.GradCheck.Final.OK() {
		t.Errorf("the correct run fails the gradient check: %v", c.GradCheck.Initial.Failed())
	}
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonMissingActGrad(t *testing.T) {
	res := replay(t, "missing-act-grad", Options{Epochs: 15, N: 2000, Heldout: 500})
	b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
	if gap := math.Abs(b.Final().Accuracy - c.Final().Accuracy); gap > 0.1 {
		t.Errorf("accuracy gap %.3f: it should learn almost normally", gap)
	}
	finding(t, b, "gradient-check")
	if tc, _ := b.GradCheck.Final.Tensor("dW1"); tc.Verdict.Passed() {
		t.Errorf("dW1 passes the gradient check at the end: %v", tc.MaxRelError)
	}
	if tc, _ := b.GradCheck.Final.Tensor("dW2"); !tc.Verdict.Passed() {
		t.Errorf("dW2 fails the gradient check: %v", tc.MaxRelError)
	}
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonNaiveTanh(t *testing.T) {
	res := replay(t, "naive-tanh", Options{N: 2000, Heldout: 500})
	def, raw := res.Scenarios[0], res.Scenarios[1]
	for i := range def.Buggy.Epochs {
		if def.Buggy.Epochs[i].Accuracy != def.Correct.Epochs[i].Accuracy {
			t.Fatalf("default settings, epoch %d: the naive tanh changed the accuracy", i+1)
		}
	}
	nf := raw.Buggy.NonFinite
	if nf == nil || nf.Statement != "A1" || nf.Op != "exp" {
		t.Fatalf("first non-finite %+v, want exp in A1", nf)
	}
	f := finding(t, raw.Buggy, "one-class-collapse")
	if !strings.Contains(f.Message, "class 0") {
		t.Errorf("collapse not onto class 0 (argmax of NaN): %s", f.Message)
	}
	if raw.Correct.NonFinite != nil {
		t.Errorf("np.tanh made a NaN too: %+v", raw.Correct.NonFinite)
	}
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonLogZero(t *testing.T) {
	res := replay(t, "log-zero", Options{Epochs: 8, N: 2000, Heldout: 500})
	b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
	if nf := b.NonFinite; nf == nil || nf.Statement != "loss" || nf.Op != "log" {
		t.Fatalf("first non-finite %+v, want log in the loss", b.NonFinite)
	}
	for _, e := range c.Epochs {
		if math.IsNaN(e.Loss) || math.IsInf(e.Loss, 0) {
			t.Fatalf("guarded loss not finite at epoch %d", e.Epoch)
		}
	}
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonNoNormalize(t *testing.T) {
	res := replay(t, "no-normalize", Options{Epochs: 8, N: 2000, Heldout: 500})
	tanh, relu := res.Scenarios[0], res.Scenarios[1]
	finding(t, tanh.Buggy, "saturation")
	if tanh.Buggy.Final().Accuracy < 0.3 {
		t.Errorf("tanh on raw pixels reached %.3f: the lesson says it still learns", tanh.Buggy.Final().Accuracy)
	}
	finding(t, relu.Buggy, "dead-units")
	finding(t, relu.Buggy, "nan")
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonBigInit(t *testing.T) {
	res := replay(t, "big-init", Options{Epochs: 8, N: 2000, Heldout: 500})
	b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
	if f := finding(t, b, "loss-at-init"); !strings.Contains(f.Message, "far above") {
		t.Errorf("loss-at-init: %s", f.Message)
	}
	finding(t, b, "saturation")
	noFinding(t, c, "saturation")
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonZeroInit(t *testing.T) {
	res := replay(t, "zero-init", Options{Epochs: 4, N: 1000, Heldout: 200})
	b, c := res.Scenarios[0].Buggy, res.Scenarios[0].Correct
	finding(t, b, "identical-units")
	finding(t, b, "vanishing-gradients")
	noFinding(t, c, "identical-units")
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonLearningRates(t *testing.T) {
	high := replay(t, "lr-too-high", Options{Epochs: 12, N: 2000, Heldout: 500})
	hb := high.Scenarios[0].Buggy
	finding(t, hb, "update-ratio")
	finding(t, hb, "loss-rising")
	noFinding(t, high.Scenarios[0].Correct, "update-ratio")
	if !high.Shown {
		t.Errorf("lr-too-high: claim not shown: %v", high.Conclusion)
	}
	low := replay(t, "lr-too-low", Options{Epochs: 8, N: 2000, Heldout: 500})
	finding(t, low.Scenarios[0].Buggy, "slow-convergence")
	noFinding(t, low.Scenarios[0].Correct, "slow-convergence")
	if !low.Shown {
		t.Errorf("lr-too-low: claim not shown: %v", low.Conclusion)
	}
}

func TestLessonLabelsNotOneHot(t *testing.T) {
	res := replay(t, "labels-not-onehot", Options{Epochs: 8, N: 2000, Heldout: 500})
	b := res.Scenarios[0].Buggy
	finding(t, b, "loss-mismatch")
	if b.Err != nil {
		t.Fatalf("the broadcast should be silent: %v", b.Err)
	}
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestLessonMetricBugs(t *testing.T) {
	loop := replay(t, "accuracy-loop", Options{Epochs: 5, N: 2000, Heldout: 500})
	for _, e := range loop.Scenarios[0].Buggy.Epochs {
		if e.Reported > 10.0/2000 {
			t.Errorf("epoch %d: reported %.4f above 10/N", e.Epoch, e.Reported)
		}
	}
	finding(t, loop.Scenarios[0].Buggy, "metric-mismatch")
	counter := replay(t, "counter-not-reset", Options{Epochs: 5, N: 2000, Heldout: 500})
	b := counter.Scenarios[0].Buggy
	finding(t, b, "metric-mismatch")
	sum := 0.0
	for _, e := range b.Epochs {
		sum += e.Accuracy
		if math.Abs(e.Reported-sum) > 1e-9 {
			t.Fatalf("epoch %d: reported %.4f, want the running sum of accuracies %.4f", e.Epoch, e.Reported, sum)
		}
	}
	if !loop.Shown || !counter.Shown {
		t.Errorf("claims not shown: %v / %v", loop.Conclusion, counter.Conclusion)
	}
}

// TestLessonSeedOriginal replays the question's code briefly on 2,000
// images: the reported accuracy starts at 0 and stays under 3 % while the
// outputs classify far more right at epoch 2, the loss starts at ln 2,000
// (divided by m = 784), and the biases become a row per image. The
// question's own run, 100 epochs on all 10,000 images, is
// TestLessonsMatchNumPy's.
func TestLessonSeedOriginal(t *testing.T) {
	l, _ := LessonFor("seed-original")
	if s := l.Scenarios[0]; s.N != 10000 || s.Heldout != 0 || s.Epochs != 100 {
		t.Fatalf("%d training and %d held-out images, %d epochs: want the question's 10,000, none and 100", s.N, s.Heldout, s.Epochs)
	}
	const n = 2000
	res := replay(t, "seed-original", Options{Epochs: 3, N: n})
	s := res.Scenarios[0]
	b := s.Buggy
	if b.Epochs[0].Reported != 0 {
		t.Errorf("reported accuracy at epoch 1: %v, want 0", b.Epochs[0].Reported)
	}
	for _, e := range b.Epochs {
		if e.Reported >= 0.03 {
			t.Errorf("epoch %d: reported %.4f, want under 3 %%", e.Epoch, e.Reported)
		}
	}
	if b.Epochs[1].Accuracy < 0.3 {
		t.Errorf("true accuracy at epoch 2: %.3f, want far above the reported", b.Epochs[1].Accuracy)
	}
	if ce := b.Epochs[0].CrossEntropy; math.Abs(ce-math.Log(n)) > 0.05 {
		t.Errorf("cross-entropy at init %.4f, want ≈ ln %d", ce, n)
	}
	if l := b.Epochs[0].Loss; math.Abs(l/b.Epochs[0].CrossEntropy-n/784.0) > 0.01 {
		t.Errorf("loss %.4f is not the cross-entropy × %d/784", l, n)
	}
	if b.Params["b1"].Shape().String() != "(2000,60)" || b.Params["b2"].Shape().String() != "(2000,10)" {
		t.Errorf("b1 %v, b2 %v", b.Params["b1"].Shape(), b.Params["b2"].Shape())
	}
	if len(s.Parts) != 5 {
		t.Fatalf("%d parts replayed, want 5", len(s.Parts))
	}
	for _, p := range s.Parts {
		if len(p.Findings) == 0 {
			t.Errorf("%s alone: no findings", p.Name)
		}
	}
	if !res.Shown {
		t.Errorf("claim not shown: %v", res.Conclusion)
	}
}

func TestCacheSharesCorrectRuns(t *testing.T) {
	cache := &Cache{}
	opts := Options{Epochs: 2, N: 300, Heldout: 100, Cache: cache}
	a := replay(t, "accuracy-loop", opts)
	c := replay(t, "counter-not-reset", opts)
	if a.Scenarios[0].Correct != c.Scenarios[0].Correct {
		t.Error("the same correct run was trained twice")
	}
}

// TestDetectorBoundaries feeds the detectors made-up runs on either side of
// their thresholds.
func TestDetectorBoundaries(t *testing.T) {
	cfg := net.DefaultConfig()
	obs := func(top float64, sat float64) Observation {
		pred := make([]float64, 10)
		pred[3] = top
		return Observation{Samples: 100, Classes: 10, Predicted: pred, Saturation: []float64{sat},
			MaxAbsZ: []float64{1}, GradNorm: []float64{1, 1}, CrossEntropy: math.Log(10), WeightUpdate: 0.01}
	}
	run := func(acc []float64, rep []float64, o []Observation) *Run {
		r := &Run{Config: cfg, Train: 100}
		for i, a := range acc {
			r.Epochs = append(r.Epochs, Epoch{Epoch: i + 1, Accuracy: a, Reported: rep[i], Loss: 2.3, CrossEntropy: 2.3})
		}
		r.Observations = o
		return r
	}
	three := func(o Observation) []Observation { return []Observation{o, o, o} }
	cases := []struct {
		name string
		r    *Run
		id   string
		want bool
	}{
		{"below chance after epoch 1", run([]float64{0.1, 0.04, 0.03}, []float64{0.1, 0.04, 0.03}, three(obs(0.3, 0))), "below-chance", true},
		{"low only at epoch 1", run([]float64{0.03, 0.2, 0.3}, []float64{0.03, 0.2, 0.3}, three(obs(0.3, 0))), "below-chance", false},
		{"just above half of chance", run([]float64{0.1, 0.051, 0.06}, []float64{0.1, 0.051, 0.06}, three(obs(0.3, 0))), "below-chance", false},
		{"collapse to the end", run([]float64{0.1, 0.1, 0.1}, []float64{0.1, 0.1, 0.1}, []Observation{obs(0.3, 0), obs(0.95, 0), obs(1, 0)}), "one-class-collapse", true},
		{"transient collapse", run([]float64{0.1, 0.1, 0.1}, []float64{0.1, 0.1, 0.1}, []Observation{obs(0.95, 0), obs(0.95, 0), obs(0.4, 0)}), "one-class-collapse", false},
		{"saturated", run([]float64{0.1, 0.1, 0.1}, []float64{0.1, 0.1, 0.1}, three(obs(0.3, 0.51))), "saturation", true},
		{"half saturated", run([]float64{0.1, 0.1, 0.1}, []float64{0.1, 0.1, 0.1}, three(obs(0.3, 0.5))), "saturation", false},
		{"metric off by 0.6 points", run([]float64{0.1, 0.2, 0.3}, []float64{0.1, 0.2, 0.306}, three(obs(0.3, 0))), "metric-mismatch", true},
		{"metric off by rounding", run([]float64{0.1, 0.2, 0.3}, []float64{0.1, 0.2, 0.304}, three(obs(0.3, 0))), "metric-mismatch", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, got := func() (Finding, bool) {
				for _, f := range Detect(c.r) {
					if f.ID == c.id {
						return f, true
					}
				}
				return Finding{}, false
			}()
			if got != c.want {
				t.Errorf("%s: fired %v, want %v (findings %v)", c.id, got, c.want, Detect(c.r))
			}
		})
	}
}

// TestConclusionsQuoteEpochsThatRan: every epoch a conclusion or a finding
// names exists in the run (wrong-m used to quote epoch 5 of a 3-epoch run).
func TestConclusionsQuoteEpochsThatRan(t *testing.T) {
	epochRe := regexp.MustCompile(`epoch (\d+)`)
	cache := &Cache{}
	for _, epochs := range []int{2, 3, 4} {
		for _, l := range All() {
			res := replay(t, l.Bug.ID, Options{Epochs: epochs, N: 100, Heldout: 20, Cache: cache})
			texts := append([]string(nil), res.Conclusion...)
			for _, s := range res.Scenarios {
				for _, r := range append([]*Run{s.Buggy, s.Correct}, s.Parts...) {
					for _, f := range r.Findings {
						texts = append(texts, f.Message)
					}
				}
			}
			for _, text := range texts {
				for _, m := range epochRe.FindAllStringSubmatch(text, -1) {
					if k, _ := strconv.Atoi(m[1]); k > epochs {
						t.Errorf("%s, %d epochs: %q quotes epoch %d", l.Bug.ID, epochs, text, k)
					}
				}
			}
		}
	}
}

// TestMiniBatchFigures: with mini-batches an epoch's figures are the mean
// over its batches, the cross-entropy too, so the correct run's loss (a
// mean cross-entropy) equals the recomputed one at every epoch.
func TestMiniBatchFigures(t *testing.T) {
	res := replay(t, "bias-axis", Options{Epochs: 3, N: 800, Heldout: 100})
	c := res.Scenarios[1].Correct
	if c.Config.Batch == 0 {
		t.Fatal("the mini-batch scenario trains in full batch")
	}
	for _, e := range c.Epochs {
		if math.Abs(e.CrossEntropy-e.Loss) > 1e-12*e.Loss {
			t.Errorf("epoch %d: cross-entropy %.15g, loss %.15g: both are means over the batches", e.Epoch, e.CrossEntropy, e.Loss)
		}
	}
}

// TestLabelsNotOneHotReportsWhatItPrints: the printed program reads
// Y = labels.reshape(-1, 1) everywhere, its accuracy too, and argmax over
// a column is 0: the accuracy it reports is the share of predictions of
// class 0.
func TestLabelsNotOneHotReportsWhatItPrints(t *testing.T) {
	res := replay(t, "labels-not-onehot", Options{Epochs: 3, N: 500, Heldout: -1})
	b := res.Scenarios[0].Buggy
	for i, e := range b.Epochs {
		if class0 := b.Observations[i].Predicted[0]; e.Reported != class0 {
			t.Errorf("epoch %d: reported %.4f, but the printed metric counts the %.4f of predictions of class 0", e.Epoch, e.Reported, class0)
		}
	}
}

// TestPixelConversions: the data bugs give exactly the pixels their
// printed lines do: raw bytes (no-normalize) and float32 p / 255
// (seed-original), for every byte value.
func TestPixelConversions(t *testing.T) {
	px := make([]float64, 256)
	for p := range px {
		px[p] = float64(p) / 255 // as the loader scales them
	}
	d := &net.Dataset{Images: tracer.Matrix(1, 256, px), Labels: []int{0}, Height: 16, Width: 16, Classes: 10}
	raw, f32 := rawPixels(d).Images.Data(), float32Pixels(d).Images.Data()
	for p := 0; p < 256; p++ {
		if raw[p] != float64(p) {
			t.Errorf("raw pixel %d: %v", p, raw[p])
		}
		if want := float64(float32(p) / float32(255)); f32[p] != want {
			t.Errorf("float32 pixel %d: %v, want %v", p, f32[p], want)
		}
	}
}

// TestLessonTextsCiteOnlyWhatShips: no lesson text points a learner at a
// file or notes that are not in the repository.
func TestLessonTextsCiteOnlyWhatShips(t *testing.T) {
	for _, l := range All() {
		for _, text := range []string{l.Bug.Title, l.Bug.Symptom, l.Mechanism, l.Catch, l.Claim} {
			for _, bad := range []string{".md", "reference notes", "§"} {
				if strings.Contains(text, bad) {
					t.Errorf("%s cites %q: %s", l.Bug.ID, bad, text)
				}
			}
		}
	}
}
