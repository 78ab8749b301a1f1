package net

import (
	"fmt"
	"math"
	"strings"
)

// A training step's output layer, loss and conventions. The reference
// network is softmax + mean cross-entropy with the 1/m in the weight and
// bias gradients; learners write others, and check judges each against the
// loss its own convention differentiates. The zero values are the
// reference's, so DefaultConfig needs no change.

// The output activations besides the hidden ones (Tanh and Sigmoid serve
// as outputs too).
const (
	Softmax Activation = "softmax" // over the class axis
	Linear  Activation = "linear"  // A_L = Z_L (regression)
)

// LossKind is the per-sample loss ℓ a step's gradients differentiate.
type LossKind string

// The losses backstep knows. Their gradients with respect to Z_L, per
// sample, are the canonical output deltas (before any 1/m or constant):
// A − Y for softmax + cross-entropy and sigmoid + binary cross-entropy,
// (A − Y) ∘ f′(Z_L) for squared error with the ½ (Bishop, "Pattern
// Recognition and Machine Learning", §5.3; CS231n's notes on backprop).
const (
	CrossEntropy       LossKind = "cross-entropy"        // −Σ_k y_k log a_k over a softmax
	BinaryCrossEntropy LossKind = "binary-cross-entropy" // −Σ_k [y_k log a_k + (1−y_k) log(1−a_k)] over sigmoid units
	SquaredError       LossKind = "squared-error"        // ½ Σ_k (a_k − y_k)²
)

// Normaliser says where the 1/m of a mean over the m samples sits.
type Normaliser string

// The three placements learners use.
const (
	// InGradients: dZ_L carries no 1/m; dW = (1/m)·…, db = (1/m)·…
	// (Andrew Ng's courses; the reference network).
	InGradients Normaliser = "gradients"
	// InDelta: dZ_L = (…)/m, and dW, db are plain sums (CS231n).
	InDelta Normaliser = "delta"
	// NoNormaliser: no 1/m anywhere, the gradients of a summed loss.
	NoNormaliser Normaliser = "none"
)

// BiasForm is how a layer keeps its bias.
type BiasForm string

// The bias forms.
const (
	BiasColumn BiasForm = ""       // (1,n) in rows layout, (n,1) in cols
	BiasVector BiasForm = "vector" // (n,): NumPy broadcasts it along the samples in rows; cols writes b[:, None]
	NoBias     BiasForm = "none"   // no bias (or one folded into W with a column of ones in X)
)

// OutputAct is the output layer's activation (softmax unless set).
func (c Config) OutputAct() Activation {
	if c.Output == "" {
		return Softmax
	}
	return c.Output
}

// LossKind is the loss (cross-entropy unless set).
func (c Config) LossKind() LossKind {
	if c.Loss == "" {
		return CrossEntropy
	}
	return c.Loss
}

// Normalised says where the 1/m sits (in the gradients unless set).
func (c Config) Normalised() Normaliser {
	if c.Norm == "" {
		return InGradients
	}
	return c.Norm
}

// DeltaFactor is the constant dZ_L carries besides 1/m and its sign: 2 for
// squared error written without the ½, 1/K for a mean over K output units.
func (c Config) DeltaFactor() float64 {
	f := c.Factor
	if f == 0 {
		f = 1
	}
	if c.Negated {
		f = -f
	}
	return f
}

// ActOf is hidden layer l's activation (1-based).
func (c Config) ActOf(l int) Activation {
	if l-1 < len(c.Acts) && c.Acts[l-1] != "" {
		return c.Acts[l-1]
	}
	return c.Act
}

// ActsText names the hidden activations: "tanh", or "tanh, sigmoid" when
// the layers differ.
func (c Config) ActsText() string {
	s := string(c.ActOf(1))
	for l := 2; l < c.Layers(); l++ {
		if c.ActOf(l) != c.ActOf(1) {
			s = string(c.ActOf(1))
			for k := 2; k < c.Layers(); k++ {
				s += ", " + string(c.ActOf(k))
			}
			return s
		}
	}
	return s
}

// GradScale is the constant dW and db carry besides 1/m (1 unless set).
func (c Config) GradScale() float64 {
	if c.GradFactor == 0 {
		return 1
	}
	return c.GradFactor
}

// OutputAxis says what the output layer's axis holds: classes for a
// softmax, outputs otherwise (a sigmoid unit, multi-label units,
// regression targets).
func (c Config) OutputAxis() string {
	if c.OutputAct() == Softmax {
		return ClassesAxis
	}
	return OutputsAxis
}

// Bias is layer l's bias form (1-based).
func (c Config) Bias(l int) BiasForm {
	if l-1 < len(c.Biases) {
		return c.Biases[l-1]
	}
	return BiasColumn
}

// ParamNames lists the parameters of the network: W1, b1, …, WL, bL,
// leaving out the biases a layer does not have.
func (c Config) ParamNames() []string {
	var names []string
	for l := 1; l <= c.Layers(); l++ {
		names = append(names, fmt.Sprintf("W%d", l))
		if c.Bias(l) != NoBias {
			names = append(names, fmt.Sprintf("b%d", l))
		}
	}
	return names
}

// Reference reports whether the output, loss and conventions are the
// reference network's: softmax, mean cross-entropy, 1/m in the gradients,
// (1,n) biases.
func (c Config) Reference() bool {
	for l := 1; l <= c.Layers(); l++ {
		if c.Bias(l) != BiasColumn {
			return false
		}
	}
	return c.OutputAct() == Softmax && c.LossKind() == CrossEntropy && c.Normalised() == InGradients &&
		c.DeltaFactor() == 1 && c.GradScale() == 1
}

// validateFamily reports an output, loss or convention backstep cannot
// differentiate.
func (c Config) validateFamily() error {
	out, loss := c.OutputAct(), c.LossKind()
	switch out {
	case Softmax, Sigmoid, Tanh, Linear:
	default:
		return fmt.Errorf("net: unknown output %q: use softmax, sigmoid, tanh or linear", out)
	}
	switch {
	case loss == CrossEntropy && out != Softmax:
		return fmt.Errorf("net: cross-entropy needs a softmax output (got %s): for sigmoid outputs use binary-cross-entropy", out)
	case loss == BinaryCrossEntropy && out != Sigmoid:
		return fmt.Errorf("net: binary cross-entropy needs sigmoid outputs (got %s)", out)
	case loss == SquaredError && out == Softmax:
		return fmt.Errorf("net: squared error over a softmax is not supported: use cross-entropy, or a sigmoid, tanh or linear output")
	case loss != CrossEntropy && loss != BinaryCrossEntropy && loss != SquaredError:
		return fmt.Errorf("net: unknown loss %q: use cross-entropy, binary-cross-entropy or squared-error", loss)
	}
	switch c.Normalised() {
	case InGradients, InDelta, NoNormaliser:
	default:
		return fmt.Errorf("net: unknown normaliser placement %q: use gradients, delta or none", c.Norm)
	}
	if f := c.GradFactor; math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return fmt.Errorf("net: the weight gradients' factor must be a positive number, got %v", f)
	}
	if f := c.Factor; math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return fmt.Errorf("net: the output delta's factor must be a positive number, got %v", f)
	}
	return nil
}

// Describe names the network in a few words: "784-60-10 tanh", with the
// output and loss when they are not softmax and cross-entropy ("4-8-3
// sigmoid → sigmoid, squared error").
func (c Config) Describe() string {
	sizes := c.Sizes()
	parts := make([]string, len(sizes))
	for i, n := range sizes {
		parts[i] = fmt.Sprint(n)
	}
	s := strings.Join(parts, "-")
	if len(c.Hidden) > 0 {
		s += " " + c.ActsText()
	}
	if c.OutputAct() != Softmax || c.LossKind() != CrossEntropy || len(c.Hidden) == 0 {
		s += fmt.Sprintf(" → %s, %s", c.OutputAct(), strings.ReplaceAll(string(c.LossKind()), "-", " "))
	}
	return s
}
