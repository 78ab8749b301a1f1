package render

import (
	"fmt"
	"io"
	"strings"
)

// term is one entry of the key: a mark or word and what it means.
type term struct{ name, meaning string }

// terms is the key, in sections. Every verdict and band is the one the
// code applies: tracer.Grade (CS231n's bands), net's recompute verdicts,
// net.NoiseRatio.
var terms = []struct {
	title string
	items []term
}{
	{"Marks", []term{
		{"✗", "wrong: a line --bug patched, an error NumPy would raise, the first NaN or Inf, a gradient or tensor that fails its check"},
		{"≠", "differs from the correct run (the same step from the same weights and images, without the bug): a value downstream of a bug"},
		{"⚠", "worth a look, not a verdict: a gradient or parameter with the wrong shape, a broadcast that stretched both operands, a loss far from ln(classes) at the start, values that sum to 0 whatever the weights"},
		{"•", "a note that explains: what m counts, what an axis holds"},
		{"● =>", "in the debugger: a breakpoint; the statement that runs next"},
		{"≈0", "zero up to rounding: a sum that cancels leaves about 1e-10 of its operands' size, digits that change with the order of the additions (\"rounding noise\")"},
	}},
	{"Verdicts", []term{
		{"gradcheck", "relative error |a − n| / (|a| + |n|) between the analytic gradient a and the numerical one n, in CS231n's bands: correct ≤ 1e-7, fine ≤ 1e-5, suspicious ≤ 1e-3, wrong above; shape: the gradient's shape is not its parameter's; kink, below noise: elements a ReLU kink or rounding excuses, counted, not graded"},
		{"check", "on your inputs: correct (your tensor is what its statement gives on your own inputs to it), wrong, failed (the statement fails on them), not checked (an input it needs is missing or failed); vs numerical: the gradcheck bands above, against the loss itself"},
		{"lesson", "shown / not shown in this run: whether this replay showed the lesson's claim"},
	}},
	{"Words", []term{
		{"the question", "the NumPy 784-60-10 network on MNIST that backstep grew from, which reported 1–2 % accuracy with five bugs at once (backstep lesson show seed-original)"},
		{"the answer", "the fix that worked: everything transposed to the cols layout, which put the softmax on the right axis by accident"},
		{"rows layout", "samples × features: X is (samples, features), Z1 = X·W1 + b1 — the question's"},
		{"cols layout", "features × samples: X is (features, samples), Z1 = W1·X + b1 — the answer's and most courses'"},
		{"axes", "samples (images), features (pixels), hidden (hidden units), classes (the digits 0–9)"},
		{"m", "the number of samples the gradients average over: the 1/m in dW = (1/m)·…"},
		{"held-out", "images after the training ones that neither run of a lesson trains on"},
		{"reported", "the accuracy the buggy program's own metric prints, beside the true one"},
	}},
}

// Terms writes the key at width columns: each entry's meaning
// wrapped under itself, after its name.
func Terms(w io.Writer, width int) {
	const col = 16
	for i, sec := range terms {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, sec.title)
		for _, t := range sec.items {
			head := "  " + t.name
			if DisplayWidth(head) >= col {
				fmt.Fprintln(w, head)
				head = ""
			}
			head += strings.Repeat(" ", col-DisplayWidth(head))
			Paragraph(w, width, head, col, t.meaning, nil)
		}
	}
}
