package lessons

import (
	"fmt"
	"math"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// The default replay: 8,000 images to train on and the other 2,000 of the
// embedded test set held out, full batch as in the question.
const (
	trainImages   = 8000
	heldoutImages = 2000
)

func scenario(name string, epochs int) Scenario {
	return Scenario{Name: name, Epochs: epochs, N: trainImages, Heldout: heldoutImages}
}

// summary says where both runs ended.
func summary(s ScenarioResult) string {
	b, c := s.Buggy.Final(), s.Correct.Final()
	out := fmt.Sprintf("after %d epochs: buggy %s, correct %s training accuracy", len(s.Correct.Epochs),
		pct(b.Accuracy), pct(c.Accuracy))
	if s.Correct.Heldout > 0 {
		bh := pct(b.Heldout)
		if s.Buggy.HeldoutErr != nil {
			bh = "no figure (the images cannot be evaluated)"
		}
		out += fmt.Sprintf("; held-out %s and %s", bh, pct(c.Heldout))
	}
	return out
}

// stopped says where a run stopped with an error and why, from the shapes
// the failing statement read.
func stopped(r *Run) string {
	f := r.Failure
	if f == nil {
		if r.Err != nil {
			return "training stopped: " + r.Err.Error()
		}
		return "training did not stop"
	}
	var ins []string
	for _, in := range f.Inputs {
		ins = append(ins, fmt.Sprintf("%s %v%s", in.Name, in.Shape, axesText(in.Labels)))
	}
	return fmt.Sprintf("epoch %d, batch %d: %s → ValueError: %v; it read %s", f.Epoch, f.Batch, f.NumPy, f.Err,
		strings.Join(ins, ", "))
}

// axesText writes axis meanings as " (samples × classes)".
func axesText(labels []string) string {
	known := false
	parts := make([]string, len(labels))
	for i, l := range labels {
		if l == "" {
			l = "1"
		} else {
			known = true
		}
		parts[i] = l
	}
	if !known {
		return ""
	}
	return " (" + strings.Join(parts, " × ") + ")"
}

func operand(f *Failure, name string) (Operand, bool) {
	if f == nil {
		return Operand{}, false
	}
	for _, in := range f.Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return Operand{}, false
}

// labelOf says what axis k of an operand means ("size 1" when unlabelled).
func labelOf(o Operand, k int) string {
	if k < len(o.Labels) && o.Labels[k] != "" {
		return o.Labels[k]
	}
	return "size " + fmt.Sprint(o.Shape[k])
}

func findingText(r *Run, id string) string {
	if f, ok := r.Finding(id); ok {
		return f.Message
	}
	return ""
}

func ids(r *Run) string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.ID)
	}
	if len(out) == 0 {
		return "no findings"
	}
	return strings.Join(out, ", ")
}

// weightLines writes the initialisation of every weight matrix for cfg,
// buggy beside fixed: how is "randn" (no scale) or "zeros". With a file
// (--init) the fixed lines load its weights, transposed when the file is
// in the other layout, and the buggy ones do to them what Bug.Start does.
func weightLines(cfg net.Config, how string, init *net.NumPyFile) []LinePair {
	sizes := cfg.Sizes()
	var out []LinePair
	for l := 1; l < len(sizes); l++ {
		W := fmt.Sprintf("W%d", l)
		shape := fmt.Sprintf("(%d, %d)", sizes[l-1], sizes[l])
		if cfg.Layout == net.Cols {
			shape = fmt.Sprintf("(%d, %d)", sizes[l], sizes[l-1])
		}
		fixed := fmt.Sprintf("%s = np.random.randn%s * %g", W, shape, cfg.InitScale)
		buggy := fmt.Sprintf("%s = np.random.randn%s", W, shape)
		if init != nil {
			load := fmt.Sprintf("np.load(%q)[%q]", init.Path, W)
			if a := init.Arrays[W]; a != nil && a.Shape().String() != strings.ReplaceAll(shape, " ", "") {
				load += ".T"
			}
			fixed = fmt.Sprintf("%s = %s", W, load)
			buggy = fmt.Sprintf("%s = %s * %g", W, load, bigScale/net.DefaultConfig().InitScale)
		}
		if how == "zeros" {
			buggy = fmt.Sprintf("%s = np.zeros(%s)", W, shape)
		}
		out = append(out, LinePair{Buggy: buggy, Fixed: fixed})
	}
	return out
}

// xLine writes how X is made from the images (uint8, N × 28 × 28) in
// cfg's layout, scaled as conv says (" / 255.0" in the reference).
func xLine(cfg net.Config, conv string) string {
	t := ""
	if cfg.Layout == net.Cols {
		t = ".T"
	}
	return fmt.Sprintf("X = images.reshape(-1, %d)%s%s", cfg.Inputs, t, conv)
}

func registerLessons() {
	teach(&Lesson{Bug: catalog["seed-original"],
		Lines: func(cfg net.Config, _ *net.NumPyFile) []LinePair {
			x := LinePair{Buggy: xLine(cfg, ".astype('float32') / 255"), Fixed: xLine(cfg, " / 255.0")}
			return append([]LinePair{x}, statementLines("seed-original", nil, cfg)...)
		},
		Mechanism: "Five bugs at once, in code that runs. The softmax subtracts the max and sums over axis 0, " +
			"the 10,000 samples: exp never overflows, but each class's outputs sum to 1 over the images, so " +
			"every output is about 1/10,000 and the loss starts near ln 10,000. A2 − Y is then nearly −Y: it " +
			"pushes every image's true class up and hardly any other class down, so nothing keeps one class " +
			"from outgrowing the rest. m = X.shape[1] = 784 multiplies every gradient by 12.76; the bias " +
			"gradients sum over axis 1, so b1 and b2 broadcast into one row per image; and the accuracy loop " +
			"visits range(Y.shape[1]) = 10 samples, divides by 10,000 and never resets its counter. Its tanh " +
			"from np.exp and its float32 pixels are as the question wrote them.",
		Catch: "backstep check on a dump of one step flags A2, the loss and every dW and db, and names " +
			"softmax-axis, wrong-m and bias-axis behind them; backstep step --bug seed-original shows b1 " +
			"turning (10000,60) at its update; this replay prints the reported accuracy beside the true one.",
		Scenarios: []Scenario{{Name: "the question's run", Note: "all 10,000 images train, as in the question: none is held out",
			Epochs: 100, N: 10000, Parts: true, PartEpochs: 30}},
		Claim: "the code reports under 3 % accuracy (the question's 1–2 %) while its own outputs are far more accurate at times; each bug does its own part",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			if len(b.Epochs) == 0 {
				return false, []string{stopped(b)}
			}
			e1, e2, fin := epochAt(b, 1), epochAt(b, 2), b.Final()
			pk, at := peak(b)
			lines := []string{
				fmt.Sprintf("reported accuracy: %s at epoch 1, %s at epoch %d", pct(e1.Reported), pct(fin.Reported), fin.Epoch),
				fmt.Sprintf("true accuracy of the same outputs: %s at epoch 1, %s at epoch %d, best %s at epoch %d (reported there: %s), %s at epoch %d",
					pct(e1.Accuracy), pct(e2.Accuracy), e2.Epoch, pct(pk), at, pct(epochAt(b, at).Reported), pct(fin.Accuracy), fin.Epoch),
			}
			if f := findingText(b, "one-class-collapse"); f != "" {
				o := b.Observations[len(b.Observations)-1]
				class, _ := o.TopClass()
				most := 0
				for j, l := range o.Labelled {
					if l > o.Labelled[most] {
						most = j
					}
				}
				if class == most {
					f += fmt.Sprintf("; class %d is the most common label (%s of the images)", class, pct(o.Labelled[most]))
				}
				lines = append(lines, f)
			}
			if nf := b.NonFinite; nf != nil {
				lines = append(lines, fmt.Sprintf("from epoch %d the outputs are NaN (%s: %s); np.argmax then says class 0 for every image",
					nf.Epoch, nf.Statement, nonFiniteCause(nf)))
			} else {
				maxZ := 0.0
				for _, o := range b.Observations {
					if len(o.MaxAbsZ) > 0 {
						maxZ = math.Max(maxZ, o.MaxAbsZ[0])
					}
				}
				lines = append(lines, fmt.Sprintf("no NaN or Inf in %d epochs: the max-shift keeps exp(Z2) ≤ 1, and |Z1| reaches %s, below the 709.78 where np.exp in tanh would overflow",
					len(b.Epochs), num(maxZ)))
			}
			lines = append(lines, fmt.Sprintf("b1 ends %s and b2 %s (they start (1,60) and (1,10)); the correct network reaches %s",
				finalShape(b, "b1"), finalShape(b, "b2"), pct(c.Final().Accuracy)))
			for _, p := range s.Parts {
				f := p.Final()
				ppk, pat := peak(p)
				line := fmt.Sprintf("%s alone, %d epochs: accuracy %s at the end (best %s at epoch %d)", p.Name, len(p.Epochs), pct(f.Accuracy), pct(ppk), pat)
				if math.Abs(f.Reported-f.Accuracy) > MetricTolerance {
					line += fmt.Sprintf(", reported %s", pct(f.Reported))
				}
				lines = append(lines, line+"; "+ids(p))
			}
			shown := fin.Reported < 0.03 && pk > 0.3 && pk > 10*epochAt(b, at).Reported
			return shown, lines
		}})

	teach(&Lesson{Bug: catalog["wrong-m"],
		Mechanism: "m should count the samples the loss and the gradients average over. X.shape[1] in " +
			"the rows layout (X.shape[0] in cols) is the 784 features, so every gradient is multiplied by " +
			"samples/784 (10.2 for 8,000 images): the same as a learning rate that many times larger. " +
			"Nothing fails, and at first it even looks like faster learning.",
		Catch: "backstep gradcheck --bug wrong-m: every tensor is off by the same factor samples/784 (a " +
			"uniform ratio is a scale bug, not a formula bug); backstep step shows m = 784 at the first statement.",
		Scenarios: []Scenario{scenario("default settings", 30)},
		Claim:     "the gradients are samples/784 times too large: faster at first, then the loss jumps and accuracy falls back",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			factor := float64(b.Train) / float64(b.Config.Inputs)
			bp, bat := peak(b)
			lines := []string{
				fmt.Sprintf("m = %d instead of %d: every gradient ×%.2f, like lr %.3g instead of %g",
					b.Config.Inputs, b.Train, factor, factor*b.Config.LR, b.Config.LR),
				fmt.Sprintf("epoch %d: buggy %s, correct %s; the buggy run peaks at %s (epoch %d)",
					epochAt(b, 5).Epoch, pct(epochAt(b, 5).Accuracy), pct(epochAt(c, 5).Accuracy), pct(bp), bat),
				summary(s),
			}
			if f := findingText(b, "loss-rising"); f != "" {
				lines = append(lines, f)
			}
			fast := epochAt(b, 5).Accuracy > epochAt(c, 5).Accuracy
			unstable := b.Final().Accuracy < bp-0.05 || has(b, "loss-rising")
			return fast && unstable, lines
		}})

	teach(&Lesson{Bug: catalog["softmax-axis"],
		Mechanism: "Summing over the samples' axis (axis 0 in rows, 1 in cols) makes each class sum to 1 " +
			"over the batch instead of each sample sum to 1 over the classes. Every output is then about " +
			"1/N, the loss starts near ln N instead of ln 10, and A2 − Y is nearly −Y, which pushes every " +
			"logit of the true class up without the competition a softmax gives.",
		Catch: "the loss at init is ln N (8.99 for 8,000 images), not ln 10 = 2.303; backstep step --bug " +
			"softmax-axis shows the sum in A2 reducing axis 0 (samples) and the rows of A2 not summing to 1.",
		Scenarios: []Scenario{scenario("default settings", 30)},
		Claim:     "the loss starts at ln(samples) instead of ln 10, and the network learns less than the correct one",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b := s.Buggy
			ce := epochAt(b, 1).CrossEntropy
			lnN, lnK := math.Log(float64(b.Train)), math.Log(float64(b.Config.Classes))
			bp, bat := peak(b)
			lines := []string{
				fmt.Sprintf("loss at init %s: ln %d = %s, not ln %d = %s", num(ce), b.Train, num(lnN), b.Config.Classes, num(lnK)),
				fmt.Sprintf("the buggy run peaks at %s (epoch %d), then falls back", pct(bp), bat),
				summary(s),
			}
			return math.Abs(ce-lnN) < 0.05*lnN && b.Final().Accuracy < s.Correct.Final().Accuracy, lines
		}})

	teach(&Lesson{Bug: catalog["bias-axis"],
		Mechanism: "Summing dZ over the units' axis (axis 1 in rows, 0 in cols) leaves one number per " +
			"sample. b − lr · db then broadcasts the bias against it, and b becomes samples × units: a bias " +
			"per training image. Training runs, but the network can no longer be applied to any other " +
			"number of images; and db2 is exactly 0, because each sample's A2 − Y sums to 0 over the classes.",
		Catch: "backstep step --bug bias-axis: the update of b1 broadcasts and b1's shape changes from " +
			"(1,60) to (N,60); backstep check on a dump flags db1 as (N,1) instead of (1,60).",
		Scenarios: []Scenario{
			func() Scenario {
				s := scenario("full batch", 15)
				s.Main = true
				s.Note = "silent on the training batch; the held-out images show it"
				return s
			}(),
			{Name: "mini-batches", Note: "batches of 3/8 of the images: the last one is smaller",
				BatchFraction: 3.0 / 8, Epochs: 2, N: trainImages, Heldout: heldoutImages},
		},
		Claim: "no error while training, but b1 and b2 become one row per image; other images (held out, or a smaller batch) fail",
		Conclude: func(r *Result) (bool, []string) {
			s, mb := r.Scenarios[0], r.Scenarios[1]
			b := s.Buggy
			var lines []string
			if f := findingText(b, "shape-drift"); f != "" {
				lines = append(lines, f)
			}
			lines = append(lines, summary(s))
			if f := findingText(b, "heldout-error"); f != "" {
				lines = append(lines, f)
			}
			if b2, ok := b.Params["b2"]; ok {
				lines = append(lines, fmt.Sprintf("b2 stays 0 up to rounding (largest |b2| %s): db2 sums each row of A2 − Y, and those rows sum to 0",
					num(maxAbs(b2.Data()))))
			}
			lines = append(lines, "with mini-batches: "+stopped(mb.Buggy))
			shown := has(b, "shape-drift") && has(b, "heldout-error") && !has(b, "shape-error") && mb.Buggy.Failure != nil
			return shown, lines
		}})

	teach(&Lesson{Bug: catalog["bias-axis-nokeepdims"],
		Mechanism: "Without keepdims, summing dZ1 over the units' axis gives a vector of N values, one per " +
			"sample. NumPy lines shapes up from the right: in the rows layout b1 (1,60) minus an (N,) vector " +
			"pairs the 60 units with the N samples and raises a ValueError at the first update. In the cols " +
			"layout b1 is (60,1), whose 1 stretches to meet the N: b1 silently becomes (60,N), a bias per image.",
		Catch: "in rows the error names the two shapes; backstep step --bug bias-axis-nokeepdims stops at " +
			"the update of b1 and shows db1's one axis labelled samples. In cols, the shape-drift finding.",
		Scenarios: []Scenario{scenario("default settings", 3)},
		Claim:     "NumPy refuses the first bias update in the rows layout, and the shapes say why (in cols it broadcasts silently)",
		Conclude: func(r *Result) (bool, []string) {
			b := r.Scenarios[0].Buggy
			f := b.Failure
			if f == nil {
				lines := []string{summary(r.Scenarios[0])}
				if d := findingText(b, "shape-drift"); d != "" {
					lines = append(lines, "no error in this layout: "+d)
				}
				return b.Config.Layout == net.Cols && has(b, "shape-drift"), lines
			}
			lines := []string{stopped(b)}
			bias, ok1 := operand(f, f.Statement)
			grad, ok2 := operand(f, "d"+f.Statement)
			if ok1 && ok2 && len(bias.Shape) == 2 && len(grad.Shape) == 1 {
				lines = append(lines, fmt.Sprintf("NumPy aligns the last axes: %s's %d (%s) against %s's %d (%s); they differ and neither is 1",
					bias.Name, bias.Shape[1], labelOf(bias, 1), grad.Name, grad.Shape[0], labelOf(grad, 0)))
			}
			return len(b.Epochs) == 0, lines
		}})

	teach(&Lesson{Bug: catalog["sign-flip"],
		Mechanism: "A − Y is the gradient of the cross-entropy with respect to the logits; Y − A is its " +
			"negative, so W − lr · dW climbs the loss instead of descending it. The network learns to give " +
			"the true class the lowest probability, then the logits run away and one class wins every image.",
		Catch: "backstep gradcheck --bug sign-flip: every gradient is sign flipped (× −1) and dZ2 = Y − A2 " +
			"is the line to fix; in training the loss rises from the first epoch while accuracy falls below 10 %.",
		Scenarios: []Scenario{scenario("default settings", 25)},
		Claim:     "the loss rises, accuracy falls below chance, and the predictions collapse onto one class while the correct run climbs",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			var lines []string
			for _, id := range []string{"below-chance", "one-class-collapse", "loss-rising"} {
				if f := findingText(b, id); f != "" {
					lines = append(lines, f)
				}
			}
			lines = append(lines, summary(s))
			shown := has(b, "below-chance") && has(b, "one-class-collapse") && c.Final().Accuracy > 0.3
			return shown, lines
		}})

	teach(&Lesson{Bug: catalog["no-transpose"],
		Mechanism: "Sending the error back through a layer multiplies by the transpose of its weights: " +
			"dZ1 = dZ2 · W2ᵀ pairs dZ2's classes with W2's classes. Without .T, np.dot pairs dZ2's 10 " +
			"classes with W2's 60 hidden units, and NumPy refuses.",
		Catch: "read the error's two shapes with their axis meanings (backstep step --bug no-transpose " +
			"labels them): the axes np.dot pairs must mean the same thing.",
		Scenarios: []Scenario{scenario("default settings", 3)},
		Claim:     "a shape error at the first backward pass, explained by what each axis means",
		Conclude: func(r *Result) (bool, []string) {
			b := r.Scenarios[0].Buggy
			lines := []string{stopped(b)}
			if w, ok := operand(b.Failure, "W2"); ok && len(w.Shape) == 2 {
				lines = append(lines, fmt.Sprintf("W2.T is %v: its first axis then holds the classes, as dZ2's last one does",
					tracer.Shape{w.Shape[1], w.Shape[0]}))
			}
			return b.Failure != nil && b.Failure.Statement == "dZ1", lines
		}})

	teach(&Lesson{Bug: catalog["no-transpose-square"],
		Mechanism: "The same missing .T as no-transpose, but with 10 hidden units W2 is 10 × 10, so " +
			"np.dot(dZ2, W2) runs. It mixes the classes' errors with the wrong weights: dZ1 is wrong, and " +
			"so are dW1 and db1. The network may still learn, since a wrong direction can still go downhill.",
		Catch: "only a gradient check sees it: backstep gradcheck --bug no-transpose-square (or backstep " +
			"check on a dump) fails dZ1, dW1 and db1 while dW2 and db2 pass, and names dZ1 as the line to fix.",
		Scenarios: []Scenario{func() Scenario {
			s := scenario("10 hidden units", 30)
			s.GradCheck = true
			return s
		}()},
		Claim: "no error and nearly normal learning; the gradient check fails dW1",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b := s.Buggy
			lines := []string{summary(s)}
			gc := findingText(b, "gradient-check")
			if gc != "" {
				lines = append(lines, gc)
			}
			lines = append(lines, "correct run's gradient check: "+gradVerdict(s.Correct))
			return b.Err == nil && gc != "" && strings.Contains(gc, "dW1"), lines
		}})

	teach(&Lesson{Bug: catalog["missing-act-grad"],
		Mechanism: "dZ1 must include tanh′(Z1) = 1 − A1²: the error reaching a hidden unit is scaled by how " +
			"steep its activation is. With small weights A1 stays near 0, so 1 − A1² ≈ 1 and leaving it out " +
			"changes little; the gradients are wrong, and more so as A1 grows.",
		Catch: "backstep gradcheck --bug missing-act-grad fails dZ1, dW1 and db1 (dW2 and db2 pass) and " +
			"names dZ1 = dZ2 · W2ᵀ as the line to fix.",
		Scenarios: []Scenario{func() Scenario {
			s := scenario("default settings", 30)
			s.GradCheck = true
			return s
		}()},
		Claim: "learns almost normally, yet fails the gradient check",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			lines := []string{summary(s)}
			gc := findingText(b, "gradient-check")
			if gc != "" {
				lines = append(lines, gc)
			}
			gap := c.Final().Accuracy - b.Final().Accuracy
			side := "below"
			if gap < 0 {
				side = "above"
			}
			lines = append(lines, fmt.Sprintf("it ends %.1f points %s the correct run: it learns almost normally, and only the gradient check says it is wrong",
				100*math.Abs(gap), side))
			return gc != "" && math.Abs(gap) < 0.15, lines
		}})

	teach(&Lesson{Bug: catalog["naive-tanh"],
		Mechanism: "tanh(z) = (eᶻ − e⁻ᶻ)/(eᶻ + e⁻ᶻ) is right on paper, but exp overflows to Inf above " +
			"709.78, and Inf/Inf is NaN. np.tanh never overflows. Once one pre-activation is that large, NaN " +
			"spreads through every gradient, and argmax of a NaN row says class 0.",
		Catch: "backstep step --bug naive-tanh shows each exp's largest input against 709.78; in training, " +
			"the nan finding names the first statement and operation that made a NaN.",
		Scenarios: []Scenario{
			{Name: "default settings", Note: "inputs in [0, 1]: |Z1| stays small", Epochs: 10, N: trainImages, Heldout: heldoutImages},
			{Name: "raw 0–255 pixels", Note: "both runs see unscaled pixels (no-normalize), so |Z1| grows past 709.78",
				With: []string{"no-normalize"}, Epochs: 10, N: trainImages, Heldout: heldoutImages, Main: true},
		},
		Claim: "harmless while |Z1| is small; with large pre-activations exp overflows, NaN spreads and every prediction is class 0",
		Conclude: func(r *Result) (bool, []string) {
			d, raw := r.Scenarios[0], r.Scenarios[1]
			maxZ := 0.0
			for _, o := range d.Buggy.Observations {
				if len(o.MaxAbsZ) > 0 {
					maxZ = math.Max(maxZ, o.MaxAbsZ[0])
				}
			}
			lines := []string{fmt.Sprintf("default settings: the largest |Z1| in %d epochs is %s, far below 709.78; %s",
				len(d.Buggy.Epochs), num(maxZ), summary(d))}
			b := raw.Buggy
			if f := findingText(b, "nan"); f != "" {
				lines = append(lines, "raw pixels: "+f)
			}
			if f := findingText(b, "one-class-collapse"); f != "" {
				lines = append(lines, "raw pixels: "+f)
			}
			lines = append(lines, "raw pixels: "+summary(raw))
			harmless := maxZ < ExpOverflow && math.Abs(d.Buggy.Final().Accuracy-d.Correct.Final().Accuracy) < 0.01
			return harmless && b.NonFinite != nil && b.NonFinite.Statement == "A1", lines
		}})

	teach(&Lesson{Bug: catalog["log-zero"],
		Mechanism: "A softmax that saturates gives some outputs of exactly 0 (exp underflows below −745). " +
			"log(0) is −Inf, and Y · log(A2) then holds 0 · (−Inf) = NaN for every wrong class: the loss " +
			"is NaN. The gradient A2 − Y never takes the log, so learning goes on exactly as before.",
		Catch: "a NaN loss while the weights and gradients stay finite: the nan finding names the log in the " +
			"loss as the first non-finite operation; backstep step shows log(A2) holding −Inf and the " +
			"product with Y turning it into NaN.",
		Fix: func(p *net.Program) { p.Replace("", GuardedLoss(p)) },
		Lines: func(cfg net.Config, _ *net.NumPyFile) []LinePair {
			p := net.Build(cfg)
			bad, _ := p.Statement("loss")
			return []LinePair{{Buggy: bad.NumPy, Fixed: GuardedLoss(p).NumPy}}
		},
		Scenarios: []Scenario{{Name: "learning rate 30", Note: "a learning rate that saturates the softmax, in both runs",
			Setting: func(cfg *net.Config) { cfg.LR = 30 }, Epochs: 12, N: trainImages, Heldout: heldoutImages}},
		Claim: "the loss turns NaN while the guarded loss stays finite, and both runs learn exactly the same",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			first := firstEpoch(b, func(e Epoch, _ Observation) bool { return !isFinite(e.Loss) })
			var lines []string
			if first > 0 {
				lines = append(lines, fmt.Sprintf("the unguarded loss is %s from epoch %d; the guarded loss there is %s",
					num(epochAt(b, first).Loss), first, num(epochAt(c, first).Loss)))
			}
			if f := findingText(b, "nan"); f != "" {
				lines = append(lines, f)
			}
			same := true
			for i := range b.Epochs {
				if i < len(c.Epochs) && b.Epochs[i].Accuracy != c.Epochs[i].Accuracy {
					same = false
				}
			}
			if same {
				lines = append(lines, "the training accuracy is identical at every epoch: the gradient A2 − Y never reads the loss")
			}
			lines = append(lines, summary(s))
			return first > 0 && isFinite(epochAt(c, first).Loss) && same, lines
		}})

	teach(&Lesson{Bug: catalog["no-normalize"],
		Mechanism: "Pixels of 0–255 make every pre-activation 255 times larger. tanh saturates (its " +
			"derivative is nearly 0), and the first update, proportional to X, is 255 times too large. " +
			"Whether the network survives depends on the activation: tanh is bounded, relu is not.",
		Catch: "backstep step shows X's max as 255 and Z1's |z| in the hundreds; the saturation finding " +
			"(|z| ≥ 5 for most units) is the usual symptom.",
		Lines: func(cfg net.Config, _ *net.NumPyFile) []LinePair {
			return []LinePair{{Buggy: xLine(cfg, ""), Fixed: xLine(cfg, " / 255.0")}}
		},
		Scenarios: []Scenario{
			{Name: "tanh", Note: "the question's activation", Epochs: 20, N: trainImages, Heldout: heldoutImages},
			{Name: "relu", Note: "an unbounded activation", Setting: func(cfg *net.Config) { cfg.Act = net.ReLU },
				Epochs: 10, N: trainImages, Heldout: heldoutImages, Main: true},
		},
		Claim: "with tanh the network still learns (saturated, noisily); with relu it blows up and dies",
		Conclude: func(r *Result) (bool, []string) {
			t, rl := r.Scenarios[0], r.Scenarios[1]
			lines := []string{"tanh: " + summary(t)}
			if f := findingText(t.Buggy, "saturation"); f != "" {
				lines = append(lines, "tanh: "+f)
			}
			lines = append(lines, "relu: "+summary(rl))
			for _, id := range []string{"nan", "dead-units"} {
				if f := findingText(rl.Buggy, id); f != "" {
					lines = append(lines, "relu: "+f)
				}
			}
			learns := t.Buggy.Final().Accuracy > 0.3
			dies := rl.Buggy.Final().Accuracy < rl.Correct.Final().Accuracy-0.2
			return learns && dies, lines
		}})

	teach(&Lesson{Bug: catalog["big-init"],
		Mechanism: "randn without a scale gives W1 and W2 entries of size 1. Z1 sums 784 inputs with them: " +
			"|Z1| reaches tens, where tanh is flat; Z2 sums 60 hidden outputs, most near ±1, with them, so the " +
			"logits differ by several units. The first outputs are confident and mostly wrong, so the loss starts " +
			"far above ln 10, and the flat tanh passes little gradient back.",
		Catch: "the loss at init is far above 2.303 (the loss-at-init finding), and over half of Z1 has " +
			"|z| ≥ 5 (the saturation finding); backstep step shows Z1's spread.",
		Lines: func(cfg net.Config, init *net.NumPyFile) []LinePair {
			return weightLines(cfg, "randn", init)
		},
		Scenarios: []Scenario{scenario("default settings", 20)},
		Claim:     "the loss at init is far above ln 10, most hidden units are saturated, and learning is slow",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b := s.Buggy
			var lines []string
			for _, id := range []string{"loss-at-init", "saturation"} {
				if f := findingText(b, id); f != "" {
					lines = append(lines, f)
				}
			}
			lines = append(lines, summary(s))
			return has(b, "loss-at-init") && has(b, "saturation") && b.Final().Accuracy < s.Correct.Final().Accuracy, lines
		}})

	teach(&Lesson{Bug: catalog["zero-init"],
		Mechanism: "With every weight 0, every hidden unit computes the same value and receives the same " +
			"gradient, so they stay identical forever. With tanh that value is tanh(0) = 0, which also makes " +
			"dW2 = A1ᵀ · dZ2 zero: only the output bias learns, and it learns the most common class.",
		Catch: "backstep step --bug zero-init shows A1 all 0 and dW1, dW2 all 0; the identical-units " +
			"finding says no unit can ever differ.",
		Lines: func(cfg net.Config, init *net.NumPyFile) []LinePair {
			return weightLines(cfg, "zeros", init)
		},
		Scenarios: []Scenario{scenario("default settings", 10)},
		Claim:     "every hidden unit stays identical and the network predicts one class",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b := s.Buggy
			var lines []string
			for _, id := range []string{"identical-units", "vanishing-gradients"} {
				if f := findingText(b, id); f != "" {
					lines = append(lines, f)
				}
			}
			common := false
			if n := len(b.Observations); n > 0 {
				o := b.Observations[n-1]
				c, share := o.TopClass()
				most := 0
				for j, l := range o.Labelled {
					if l > o.Labelled[most] {
						most = j
					}
				}
				common = c == most && share == 1
				lines = append(lines, fmt.Sprintf("at the end it predicts class %d for %s of the images; the most common label is %d (%s of the training images)",
					c, pct(share), most, pct(o.Labelled[most])))
			}
			lines = append(lines, summary(s))
			return has(b, "identical-units") && has(b, "one-class-collapse") && common, lines
		}})

	teach(&Lesson{Bug: catalog["lr-too-high"],
		Mechanism: "Gradient descent only goes downhill for steps small enough that the slope stays about " +
			"the same along them. Ten times the question's rate overshoots: the first epochs learn faster, " +
			"then the weights grow, tanh saturates, the loss jumps and the outputs collapse.",
		Catch: "the loss-rising and update-ratio findings (each update changes the weights by more than " +
			"10 % of their size); train --lr with smaller values until the loss falls steadily.",
		Lines: func(cfg net.Config, _ *net.NumPyFile) []LinePair {
			return []LinePair{{Buggy: fmt.Sprintf("lr = %g", float64(highLR)), Fixed: fmt.Sprintf("lr = %g", cfg.LR)}}
		},
		Scenarios: []Scenario{scenario("default settings", 20)},
		Claim:     "faster at first, then the loss jumps and accuracy collapses",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b, c := s.Buggy, s.Correct
			bp, bat := peak(b)
			lines := []string{fmt.Sprintf("epoch %d: buggy %s, correct %s; the buggy run peaks at %s (epoch %d)",
				epochAt(b, 3).Epoch, pct(epochAt(b, 3).Accuracy), pct(epochAt(c, 3).Accuracy), pct(bp), bat)}
			for _, id := range []string{"loss-rising", "update-ratio", "one-class-collapse"} {
				if f := findingText(b, id); f != "" {
					lines = append(lines, f)
				}
			}
			lines = append(lines, summary(s))
			return epochAt(b, 3).Accuracy > epochAt(c, 3).Accuracy && has(b, "loss-rising") && b.Final().Accuracy < bp-0.1, lines
		}})

	teach(&Lesson{Bug: catalog["lr-too-low"],
		Mechanism: "A hundredth of the question's rate moves the weights a hundredth as far each epoch. " +
			"Nothing is wrong with the gradients; the loss just barely moves from ln 10, so it looks as if " +
			"the network cannot learn.",
		Catch: "the slow-convergence finding (no epoch gains a point of accuracy); backstep gradcheck " +
			"passes, which rules out the gradients.",
		Lines: func(cfg net.Config, _ *net.NumPyFile) []LinePair {
			return []LinePair{{Buggy: fmt.Sprintf("lr = %g", lowLR), Fixed: fmt.Sprintf("lr = %g", cfg.LR)}}
		},
		Scenarios: []Scenario{scenario("default settings", 20)},
		Claim:     "the loss barely moves; nothing is broken but the step size",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b := s.Buggy
			lines := []string{fmt.Sprintf("loss %s → %s in %d epochs (correct run: %s → %s)",
				num(epochAt(b, 1).Loss), num(b.Final().Loss), len(b.Epochs), num(epochAt(s.Correct, 1).Loss), num(s.Correct.Final().Loss))}
			if f := findingText(b, "slow-convergence"); f != "" {
				lines = append(lines, f)
			}
			lines = append(lines, summary(s))
			return has(b, "slow-convergence"), lines
		}})

	teach(&Lesson{Bug: catalog["labels-not-onehot"],
		Mechanism: "With y the class numbers as an (N,1) column, A2 − y broadcasts to (N,10) without an " +
			"error: every output gets the sample's class number subtracted. The gradient no longer says " +
			"which class is right; it mostly pushes all logits of a sample together, by an amount that " +
			"grows with the digit, and the loss −Σ y · log(A2) is not a cross-entropy. Its own accuracy line " +
			"takes np.argmax(Y, axis=1) of a column, which is 0 for every sample: it counts the predictions of class 0.",
		Catch: "backstep step --bug labels-not-onehot shows the subtraction broadcasting y (N,1) along the " +
			"classes; the loss-mismatch finding compares the loss with the true cross-entropy.",
		Lines: func(cfg net.Config, _ *net.NumPyFile) []LinePair {
			if cfg.Layout == net.Cols {
				return []LinePair{{Buggy: "Y = labels.reshape(1, -1)   # class numbers, (1, N)", Fixed: "Y = np.eye(10)[labels].T   # one-hot, (10, N)"}}
			}
			return []LinePair{{Buggy: "Y = labels.reshape(-1, 1)   # class numbers, (N, 1)", Fixed: "Y = np.eye(10)[labels]   # one-hot, (N, 10)"}}
		},
		Scenarios: []Scenario{scenario("default settings", 10)},
		Claim:     "no error, a loss that is not a cross-entropy, and accuracy stuck near chance",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b := s.Buggy
			var lines []string
			for _, id := range []string{"loss-mismatch", "one-class-collapse", "metric-mismatch"} {
				if f := findingText(b, id); f != "" {
					lines = append(lines, f)
				}
			}
			lines = append(lines, summary(s))
			return b.Err == nil && b.Final().Accuracy < 0.2 && s.Correct.Final().Accuracy > 0.4, lines
		}})

	teach(&Lesson{Bug: catalog["accuracy-loop"],
		Mechanism: "In the rows layout Y.shape[1] is the 10 classes, not the samples (Y.shape[0] in " +
			"cols): the loop scores the first 10 images and the count is divided by all of them, so the " +
			"accuracy can never pass 10/N. Training is untouched; only the number printed is wrong.",
		Catch: "the metric-mismatch finding: the reported accuracy against the one recomputed from the " +
			"outputs; backstep step --bug accuracy-loop shows the metric reading A2[:10].",
		Scenarios: []Scenario{scenario("default settings", 10)},
		Claim:     "the reported accuracy stays at or below 10/N while the network learns normally",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b := s.Buggy
			maxRep := 0.0
			for _, e := range b.Epochs {
				maxRep = math.Max(maxRep, e.Reported)
			}
			lines := []string{fmt.Sprintf("reported accuracy at most %s (10/%d = %s); recomputed %s at the end",
				pct(maxRep), b.Train, pct(10/float64(b.Train)), pct(b.Final().Accuracy))}
			if f := findingText(b, "metric-mismatch"); f != "" {
				lines = append(lines, f)
			}
			return maxRep <= 10/float64(b.Train)+1e-12 && b.Final().Accuracy > 0.3 && b.Final().Accuracy == s.Correct.Final().Accuracy, lines
		}})

	teach(&Lesson{Bug: catalog["counter-not-reset"],
		Mechanism: "correct = 0 written once before the epoch loop keeps counting: each epoch adds its " +
			"hits to all the earlier ones, and dividing by N gives the sum of all epochs' accuracies so far. " +
			"It climbs every epoch and passes 100 %.",
		Catch: "a reported accuracy above 100 % (or one that never falls); the metric-mismatch finding " +
			"compares it with the recomputed accuracy.",
		Scenarios: []Scenario{scenario("default settings", 10)},
		Claim:     "the reported accuracy climbs every epoch and passes 100 %",
		Conclude: func(r *Result) (bool, []string) {
			s := r.Scenarios[0]
			b := s.Buggy
			over := firstEpoch(b, func(e Epoch, _ Observation) bool { return e.Reported > 1 })
			lines := []string{fmt.Sprintf("reported %s at epoch %d, while the recomputed accuracy is %s", pct(b.Final().Reported),
				b.Final().Epoch, pct(b.Final().Accuracy))}
			if over > 0 {
				lines = append(lines, fmt.Sprintf("it passes 100 %% at epoch %d", over))
			}
			return over > 0, lines
		}})
}

// gradVerdict summarises a run's gradient check in a few words.
func gradVerdict(r *Run) string {
	gc := r.GradCheck
	switch {
	case gc == nil:
		return "not run"
	case gc.Err != nil:
		return gc.Err.Error()
	case gc.Initial.OK() && (gc.Final == nil || gc.Final.OK()):
		worst := 0.0
		for _, rep := range []*tracer.GradReport{gc.Initial, gc.Final} {
			if rep == nil {
				continue
			}
			for _, t := range rep.Tensors {
				worst = math.Max(worst, t.MaxRelError)
			}
		}
		return fmt.Sprintf("every tensor passes (largest relative error %s)", num(worst))
	}
	return "fails " + strings.Join(gc.Initial.Failed(), ", ")
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
