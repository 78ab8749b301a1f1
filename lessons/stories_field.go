package lessons

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/backstep/backstep/net"
)

// The lessons of the bugs found in learners' own code (bugs_field.go).
// They replay on 2,000 training and 500 held-out images: enough for each
// claim to show, and short enough that run --all stays within its budget.
const (
	fieldTrain   = 2000
	fieldHeldout = 500
)

// fieldLessons lists the lessons taught here, in the order Order shows
// them: after the others.
var fieldLessons []string

func teachField(l *Lesson) {
	teach(l)
	fieldLessons = append(fieldLessons, l.Bug.ID)
}

func fieldScenario(name string, epochs int) Scenario {
	return Scenario{Name: name, Epochs: epochs, N: fieldTrain, Heldout: fieldHeldout}
}

// nielsen is the network of Nielsen's "Neural Networks and Deep Learning"
// (chapter 1), the home of the sigmoid_prime helper: sigmoid hidden units,
// sigmoid outputs and the quadratic cost ½‖a − y‖² averaged over
// mini-batches of 10, learning rate 3, 30 hidden units.
func nielsen(cfg *net.Config) {
	cfg.Hidden = []int{30}
	cfg.Act = net.Sigmoid
	cfg.Output, cfg.Loss = net.Sigmoid, net.SquaredError
	cfg.LR = 3
	cfg.Batch = 10
}

// nielsenScenario replays Nielsen's network on 1,000 images for 6
// epochs, with a gradient check of both runs.
func nielsenScenario() Scenario {
	s := fieldScenario("Nielsen's network", 6)
	s.N = 1000
	s.Note = "the network of Nielsen's book \"Neural Networks and Deep Learning\", where the sigmoid_prime helper comes from"
	s.Setting = nielsen
	s.GradCheck = true
	return s
}

// gradLines says what the gradient check found in the buggy run and
// whether the correct run passed it.
func gradLines(b, c *Run) []string {
	var lines []string
	if gc := findingText(b, "gradient-check"); gc != "" {
		lines = append(lines, gc)
	}
	return append(lines, "correct run's gradient check: "+gradVerdict(c))
}

// sigmoidPrimeFloor is the smallest σ′(σ(z)): σ(z) lies in (0, 1), and
// σ′ falls from 0.25 at 0 to σ(1)(1 − σ(1)) at 1.
var sigmoidPrimeFloor = func() float64 { s := 1 / (1 + math.Exp(-1)); return s * (1 - s) }()

// failing lists the tensors a run's gradient check failed at the initial
// or the final weights, in the check's order.
func failing(r *Run) []string {
	gc := r.GradCheck
	if gc == nil || gc.Err != nil {
		return nil
	}
	var out []string
	for _, t := range gc.Initial.Tensors {
		bad := !t.Verdict.Passed()
		if gc.Final != nil {
			if f, ok := gc.Final.Tensor(t.Name); ok && !f.Verdict.Passed() {
				bad = true
			}
		}
		if bad {
			out = append(out, t.Name)
		}
	}
	return out
}

// gap says how far the buggy run ended from the correct one, in
// percentage points of training accuracy.
func gap(s ScenarioResult) string {
	d := s.Buggy.Final().Accuracy - s.Correct.Final().Accuracy
	side := "above"
	if d < 0 {
		side = "below"
	}
	return fmt.Sprintf("%.1f points %s the correct run", 100*math.Abs(d), side)
}

// movedAlike measures how a weight matrix changed over a run: the mean
// change of its elements and the spread between the largest and the
// smallest change. ok is false when the shapes no longer match.
func movedAlike(r *Run, name string) (mean, spread float64, n int, ok bool) {
	a, b := r.StartParams[name], r.Params[name]
	if a == nil || b == nil || !a.Shape().Equal(b.Shape()) {
		return 0, 0, 0, false
	}
	x, y := a.Data(), b.Data()
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range x {
		d := y[i] - x[i]
		mean += d
		lo, hi = math.Min(lo, d), math.Max(hi, d)
	}
	return mean / float64(len(x)), hi - lo, len(x), true
}

// firstSaturation is the share of hidden layer 1's pre-activations with
// |z| ≥ SaturationZ at the last step of the first epoch.
func firstSaturation(r *Run) float64 {
	if len(r.Observations) > 0 && len(r.Observations[0].Saturation) > 0 {
		return r.Observations[0].Saturation[0]
	}
	return math.NaN()
}

// saturatedAtEnd is the share of hidden layer 1's pre-activations with
// |z| ≥ SaturationZ at the run's last step.
func saturatedAtEnd(r *Run) float64 {
	if n := len(r.Observations); n > 0 && len(r.Observations[n-1].Saturation) > 0 {
		return r.Observations[n-1].Saturation[0]
	}
	return math.NaN()
}

func registerFieldLessons() {
	teachField(&Lesson{Bug: catalog["derivative-of-activation"],
		Mechanism: "A helper written for z, sigmoid_prime(z) = σ(z)(1 − σ(z)), called with the activation " +
			"a = σ(z) the forward pass kept, computes σ(a)(1 − σ(a)). As a lies in (0, 1), that never falls " +
			"below σ(1)(1 − σ(1)) = 0.197, while the true derivative a(1 − a) goes to 0 as a unit saturates: " +
			"saturated units keep being pushed as if they were not. Near z = 0 the two agree within 6 %, so " +
			"the network learns, and nothing looks wrong.",
		Catch: "backstep check on a dump of one step names derivative-of-activation at dZ2 and dZ1 (the dW " +
			"and db after them inherit it); backstep gradcheck --bug derivative-of-activation fails dZ1, dW1 " +
			"and db1 of the default tanh network and prints the line that applies f′ to A1.",
		Scenarios: []Scenario{nielsenScenario()},
		Claim:     "the network learns about as well as the correct one, yet the gradient check fails every weight and bias gradient",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			bad := failing(b)
			e2b, e2c := epochAt(b, 2).Accuracy, epochAt(c, 2).Accuracy
			early := fmt.Sprintf("epoch 2: buggy %s, correct %s", pct(e2b), pct(e2c))
			if e2b > e2c {
				early += fmt.Sprintf(": faster at first; where outputs saturate, σ′(σ(z)) stays above %.3f while the true σ′ vanishes", sigmoidPrimeFloor)
			}
			lines := []string{early, summary(s) + "; it ends " + gap(s)}
			lines = append(lines, gradLines(b, c)...)
			if sb, sc := saturatedAtEnd(b), saturatedAtEnd(c); isFinite(sb) && sb > 0 {
				lines = append(lines, fmt.Sprintf("at the end %s of Z1 has |z| ≥ %d (correct run: %s): there σ′(z) < 7e-3, but σ′(σ(z)) stays above %.3f",
					pct(sb), SaturationZ, pct(sc), sigmoidPrimeFloor))
			}
			learns := math.Abs(b.Final().Accuracy-c.Final().Accuracy) < 0.1 && c.Final().Accuracy > 0.5
			all := len(bad) == len(net.ParamNames(b.Config.Layers()))
			return learns && all, lines
		}})

	teachField(&Lesson{Bug: catalog["derivative-of-error"],
		Mechanism: "With sigmoid outputs and squared error the output delta is (A − Y) · A(1 − A). Writing " +
			"E = A − Y and then E(1 − E) applies the derivative's formula to the error instead of to the " +
			"output. Each element keeps its sign, but not its size: the true class gets (A − 1)(2 − A), up " +
			"to 2 in size where the right delta −A(1 − A)² never passes 4/27 = 0.15, so the first updates " +
			"are far too large; and E(1 − E) is 0 at E = 1: a wrong class whose output has reached 1, the " +
			"worst answer there is, gets no gradient at all.",
		Catch: "backstep gradcheck --bug derivative-of-error fails every tensor and prints E = A2 - Y; " +
			"dZ2 = E * (1 - E) as the line to fix; backstep check on a dump names derivative-of-error at dZ2 " +
			"(every gradient after it inherits it).",
		Scenarios: []Scenario{nielsenScenario()},
		Claim:     "the gradient check fails every gradient, and the network learns far less than the correct one",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			bad := failing(b)
			var lines []string
			lines = append(lines, gradLines(b, c)...)
			if gb, gc := b.FirstStep.GradNorm, c.FirstStep.GradNorm; len(gb) > 1 && len(gc) > 1 && gc[1] > 0 {
				line := fmt.Sprintf("‖dW2‖ at the first step: %s in the buggy run, %s in the correct one (%s×)", num(gb[1]), num(gc[1]), num(gb[1]/gc[1]))
				if sb, sc := firstSaturation(b), firstSaturation(c); isFinite(sb) && isFinite(sc) && sb > sc {
					line += fmt.Sprintf("; after the first epoch, %s of Z1 has |z| ≥ %d (correct run: %s)", pct(sb), SaturationZ, pct(sc))
				}
				lines = append(lines, line)
			}
			lines = append(lines, fmt.Sprintf("the %s falls from %s to %s in the buggy run, to %s in the correct one",
				LossName(b.Config), num(epochAt(b, 1).Loss), num(b.Final().Loss), num(c.Final().Loss)))
			lines = append(lines, summary(s)+"; it ends "+gap(s))
			all := len(bad) == len(net.ParamNames(b.Config.Layers()))
			return all && b.Final().Accuracy < c.Final().Accuracy-0.1, lines
		}})

	teachField(&Lesson{Bug: catalog["delta-not-backpropagated"],
		Mechanism: "A hidden unit's delta is the output error sent back through the weights that connect " +
			"it, dZ2 · W2ᵀ, times f′. With as many hidden units as classes, dZ2 * f′(Z1) runs without an " +
			"error: hidden unit j is then trained as if it were output j. That is a learning rule of its own " +
			"(feedback through a fixed matrix, here the identity, still trains a network: Lillicrap et al., " +
			"2016), but it is not the gradient of the loss.",
		Catch: "backstep gradcheck --bug delta-not-backpropagated fails dZ1, dW1 and db1 while dZ2, dW2 and " +
			"db2 pass, and prints dZ1 = dZ2 * (1 - A1**2) as the line to fix; backstep check on a dump names " +
			"delta-not-backpropagated at dZ1.",
		Scenarios: []Scenario{func() Scenario {
			s := fieldScenario("10 hidden units", 30)
			s.Note = "as many hidden units as classes, so that the output error broadcasts against the hidden layer"
			s.GradCheck = true
			return s
		}()},
		Claim: "no error, and the network learns, yet dW1 and db1 fail the gradient check: learning is no proof that the gradients are right",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			bad := strings.Join(failing(b), ",")
			lines := []string{summary(s) + "; it ends " + gap(s)}
			if gb, gc := b.FirstStep.GradNorm, c.FirstStep.GradNorm; len(gb) > 0 && len(gc) > 0 && gc[0] > 0 {
				lines = append(lines, fmt.Sprintf("‖dW1‖ at the first step: %s in the buggy run, %s in the correct one (%s×): "+
					"the correct delta passes through W2, whose weights start near %g",
					num(gb[0]), num(gc[0]), num(gb[0]/gc[0]), b.Config.InitScale))
			}
			lines = append(lines, gradLines(b, c)...)
			learns := b.Err == nil && b.Final().Accuracy > 0.5
			return learns && bad == "dW1,db1", lines
		}})

	teachField(&Lesson{Bug: catalog["dot-not-outer"],
		Mechanism: "With one sample at a time as 1-D vectors, a weight gradient is the outer product of the " +
			"layer's delta and its input: one number per weight. np.dot of two 1-D vectors of the same " +
			"length is their inner product instead, a single number, and W - lr * dW subtracts it from " +
			"every weight alike. The weights then never tell the pixels or the units apart; only the " +
			"biases, whose gradient is still right, learn anything.",
		Catch: "backstep check on a dump finds dW1 and dW2 of shape () where the weights' shapes belong and " +
			"names dot-not-outer; backstep step --bug dot-not-outer --batch 1 shows np.dot turning two " +
			"vectors of 60 into one number.",
		Scenarios: []Scenario{func() Scenario {
			s := fieldScenario("one image at a time", 3)
			s.N, s.Heldout = 400, 200
			s.Note = "stochastic gradient descent, one image per update, at lr 0.03 (lr 0.3 is too large for single images)"
			s.Setting = func(cfg *net.Config) { cfg.LR = 0.03 }
			return s
		}()},
		Claim: "every weight of a layer moves by the same amount at every step, so only the biases learn, and the network stays near chance",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			var lines []string
			same := true
			for l := 1; l <= b.Config.Layers(); l++ {
				W := fmt.Sprintf("W%d", l)
				mean, spread, n, ok := movedAlike(b, W)
				if !ok {
					same = false
					continue
				}
				_, cs, _, _ := movedAlike(c, W)
				lines = append(lines, fmt.Sprintf("%s: its %d weights all moved by %s in %d updates (they differ by at most %s; in the correct run by up to %s)",
					W, n, num(mean), b.Train*len(b.Epochs), num(spread), num(cs)))
				same = same && spread <= 1e-9*math.Abs(mean)
			}
			if n := len(b.Observations); n > 0 {
				o := b.Observations[n-1]
				cl, share := o.TopClass()
				common := 0
				for j, l := range o.Labelled {
					if l > o.Labelled[common] {
						common = j
					}
				}
				line := fmt.Sprintf("in the last epoch the buggy run predicts class %d for %s of the images; the commonest label is %d (%s of them)",
					cl, pct(share), common, pct(o.Labelled[common]))
				if cl == common {
					line += ": what biases alone can learn"
				}
				lines = append(lines, line)
			}
			lines = append(lines, summary(s))
			near := b.Final().Accuracy < 0.2 && c.Final().Accuracy > 0.5
			return same && near, lines
		}})

	teachField(&Lesson{Bug: catalog["double-normaliser"],
		Mechanism: "The 1/m of a mean belongs once in each gradient. Dividing the hidden delta dZ1 by m and " +
			"then dW1 and db1 by m again makes the hidden layer's gradients m times too small: " +
			"W1 hardly moves from its random start, and only the output layer learns, on features it cannot change.",
		Catch: "backstep gradcheck --bug double-normaliser finds dZ1, dW1 and db1 scaled by exactly 1/m (a " +
			"uniform ratio is a scale bug, not a formula bug) while dW2 and db2 pass; backstep check on a " +
			"dump names double-normaliser at dZ1.",
		Scenarios: []Scenario{fieldScenario("default settings", 20)},
		Claim:     "the hidden layer's gradient is m times too small, W1 barely moves, and the network learns less than the correct one",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			var lines []string
			ratio := math.NaN()
			if gb, gc := b.FirstStep.GradNorm, c.FirstStep.GradNorm; len(gb) > 0 && len(gc) > 0 && gb[0] > 0 {
				ratio = gc[0] / gb[0]
				lines = append(lines, fmt.Sprintf("‖dW1‖ at the first step: %s in the buggy run, %s in the correct one: %s× smaller, and m = %d",
					num(gb[0]), num(gc[0]), num(ratio), b.Train))
			}
			if ub, uc := medianRatio(b, 0), medianRatio(c, 0); isFinite(ub) && isFinite(uc) {
				lines = append(lines, fmt.Sprintf("each update moves W1 by %s of its size (median; correct run %s); W2 by %s (correct %s)",
					num(ub), num(uc), num(medianRatio(b, 1)), num(medianRatio(c, 1))))
			}
			if f := findingText(b, "vanishing-gradients"); f != "" {
				lines = append(lines, f)
			}
			lines = append(lines, summary(s))
			scaled := math.Abs(ratio-float64(b.Train)) <= 1e-6*float64(b.Train)
			return scaled && b.Final().Accuracy < c.Final().Accuracy-0.05, lines
		}})

	teachField(&Lesson{Bug: catalog["sum-loss"],
		Mechanism: "Summing the loss over the batch instead of averaging makes it, and every gradient, m times " +
			"the mean's. A learning rate chosen for the mean is then m times too large: with 2,000 images, " +
			"lr 0.3 acts as lr 600. The first update throws the weights far out, the softmax saturates, and " +
			"outputs of exactly 0 put log(0) = −Inf into the loss, which turns NaN.",
		Catch: "the loss at init is m · ln 10, not ln 10 (the loss-mismatch finding gives the ratio); backstep " +
			"gradcheck --bug sum-loss finds the loss and every dW and db scaled by exactly m; backstep check " +
			"on a dump names sum-loss at the loss.",
		Scenarios: []Scenario{fieldScenario("default settings", 20)},
		Claim:     "the loss starts at m × ln 10, every gradient is m times the mean's, and lr 0.3 blows training up instead of learning",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			m := float64(b.Train)
			l0, c0 := epochAt(b, 1).Loss, epochAt(c, 1).Loss
			lines := []string{fmt.Sprintf("loss at init %s = %s × %s, the mean's; m = %d", num(l0), num(l0/c0), num(c0), b.Train)}
			ratio := math.NaN()
			if gb, gc := b.FirstStep.GradNorm, c.FirstStep.GradNorm; len(gb) > 1 && len(gc) > 1 && gc[1] > 0 {
				ratio = gb[1] / gc[1]
				lines = append(lines, fmt.Sprintf("‖dW2‖ at the first step: %s against %s, %s× the mean's: like lr %s instead of %g",
					num(gb[1]), num(gc[1]), num(ratio), num(ratio*b.Config.LR), b.Config.LR))
			}
			for _, id := range []string{"update-ratio", "nan", "loss-rising"} {
				if f := findingText(b, id); f != "" {
					lines = append(lines, f)
				}
			}
			lines = append(lines, summary(s))
			scaled := math.Abs(l0/c0-m) <= 1e-6*m && math.Abs(ratio-m) <= 1e-6*m
			return scaled && b.Final().Accuracy < c.Final().Accuracy-0.2, lines
		}})

	teachField(&Lesson{Bug: catalog["bias-not-reduced"],
		Mechanism: "db = dZ keeps one row per sample (one column in the cols layout). b − lr · db then " +
			"broadcasts the bias against it, and b becomes a bias per training image, each moved by its own " +
			"image's error. Nothing fails while the same images go through; the first batch of another " +
			"size, held-out images or a smaller last batch, raises the broadcast error.",
		Catch: "backstep step --bug bias-not-reduced warns that db1 has a row per sample where b1 has one, " +
			"and shows the update of b1 broadcasting b1 to one bias per sample; backstep check on a dump flags db1 and db2 " +
			"by their shapes and names bias-not-reduced.",
		Scenarios: []Scenario{fieldScenario("default settings", 20)},
		Claim:     "no error while training, but b1 and b2 become one bias per training image, and the network can no longer be applied to other images",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			var lines []string
			for _, id := range []string{"shape-drift", "heldout-error"} {
				if f := findingText(b, id); f != "" {
					lines = append(lines, f)
				}
			}
			line := summary(s)
			if d := b.Final().Accuracy - c.Final().Accuracy; d > 0.005 {
				line += fmt.Sprintf(": %.1f points higher on the training images, where each image's own bias has been moved toward its own label", 100*d)
			}
			lines = append(lines, line)
			shown := b.Err == nil && has(b, "shape-drift") && has(b, "heldout-error")
			return shown, lines
		}})

	teachField(&Lesson{Bug: catalog["bias-mean"],
		Mechanism: "Where the 1/m already sits in the output delta, dZ2 = (A2 − Y) / m (CS231n), dW and db are " +
			"plain sums over the samples. np.mean for db divides by m a second time: the biases learn m " +
			"times too slowly, and stay near 0. On MNIST the weights can do the biases' work, so the network " +
			"still learns, and the bug survives.",
		Catch: "backstep gradcheck --bug bias-mean finds db1 and db2 scaled by exactly 1/m while every other " +
			"tensor passes; backstep check on a dump names bias-mean at db1 and db2.",
		Scenarios: []Scenario{func() Scenario {
			s := fieldScenario("1/m in dZ2", 20)
			s.Note = "the CS231n placement of the 1/m, in both runs: the only one where the mean divides twice"
			s.GradCheck = true
			return s
		}()},
		Claim: "the biases barely move, yet the network ends within 5 points of the correct one; only the gradient check sees db off by a factor m",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			var lines []string
			slower := true
			for _, name := range []string{"b1", "b2"} {
				nb, nc := norm(b.Params[name]), norm(c.Params[name])
				lines = append(lines, fmt.Sprintf("‖%s‖ at the end: %s in the buggy run, %s in the correct one (%s× smaller)",
					name, num(nb), num(nc), num(nc/nb)))
				slower = slower && nc > 100*nb
			}
			bad := strings.Join(failing(b), ",")
			if gc := b.GradCheck; gc != nil && gc.Err == nil {
				k := float64(gc.Samples)
				if t, ok := gc.Initial.Tensor("db2"); ok {
					lines = append(lines, fmt.Sprintf("the check's %d images give db2 a relative error of %s; a gradient 1/%d of the right one gives (%d − 1)/(%d + 1) = %s",
						gc.Samples, num(t.MaxRelError), gc.Samples, gc.Samples, gc.Samples, num((k-1)/(k+1))))
				}
			}
			lines = append(lines, gradLines(b, c)...)
			lines = append(lines, summary(s)+"; it ends "+gap(s))
			if d, at := widestGap(s); d > 0 {
				lines = append(lines, fmt.Sprintf("on the way the training accuracies differ by up to %.1f points (epoch %d)", 100*d, at))
			}
			close := math.Abs(b.Final().Accuracy-c.Final().Accuracy) < 0.05
			return slower && close && bad == "db1,db2", lines
		}})

	teachField(&Lesson{Bug: catalog["update-before-backprop"],
		Mechanism: "Code that updates each layer as soon as its gradient is known runs W2 -= lr * dW2 before " +
			"dZ1 = dZ2 · W2ᵀ has used W2: the hidden delta is sent back through weights one step ahead. " +
			"The error is the size of one update, lr · dW2, so the network learns almost as usual while " +
			"dW1 and db1 are not the gradient; a larger learning rate makes them more wrong.",
		Catch: "backstep gradcheck --bug update-before-backprop fails dZ1, dW1 and db1 while dW2 and db2 " +
			"pass, and prints the line that reads W2 - lr * dW2; backstep check names update-before-backprop " +
			"at dZ1 when the dump also holds the parameters after the update (W2_next, as backstep check " +
			"--snippet writes them).",
		Scenarios: []Scenario{func() Scenario {
			s := fieldScenario("default settings", 20)
			s.GradCheck = true
			return s
		}()},
		Claim: "the network learns almost like the correct one, yet dW1 and db1 fail the gradient check: they are taken at the updated W2",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			var lines []string
			if u := b.FirstStep.UpdateRatio; len(u) > 1 && isFinite(u[1]) {
				lines = append(lines, fmt.Sprintf("the first update moves W2 by %s of its size: the W2 that dZ1 reads is that far from the one the forward pass used",
					pct(u[1])))
			}
			lines = append(lines, gradLines(b, c)...)
			lines = append(lines, summary(s)+"; it ends "+gap(s))
			bad := strings.Join(failing(b), ",")
			close := math.Abs(b.Final().Accuracy-c.Final().Accuracy) < 0.05
			return close && bad == "dW1,db1", lines
		}})
}

// widestGap returns the largest difference between the two runs'
// training accuracies over the epochs both ran, and its epoch.
func widestGap(s ScenarioResult) (float64, int) {
	d, at := 0.0, 0
	for i := 0; i < len(s.Buggy.Epochs) && i < len(s.Correct.Epochs); i++ {
		if g := math.Abs(s.Buggy.Epochs[i].Accuracy - s.Correct.Epochs[i].Accuracy); g > d {
			d, at = g, i+1
		}
	}
	return d, at
}

// medianRatio is the median over a run's epochs of layer l's update ratio
// (0-based l), NaN without one.
func medianRatio(r *Run, l int) float64 {
	var vals []float64
	for _, o := range r.Observations {
		if l < len(o.UpdateRatio) && isFinite(o.UpdateRatio[l]) {
			vals = append(vals, o.UpdateRatio[l])
		}
	}
	if len(vals) == 0 {
		return math.NaN()
	}
	sort.Float64s(vals)
	return vals[len(vals)/2]
}
