package net

import (
	"fmt"
	"math"
	"strings"
)

// Layout says which axis holds the samples.
type Layout string

const (
	// Rows puts samples on axis 0: X is N×784, Z1 = X·W1 + b1, W1 is 784×H.
	Rows Layout = "rows"
	// Cols puts samples on axis 1: X is 784×N, Z1 = W1·X + b1, W1 is H×784.
	Cols Layout = "cols"
)

// Activation is the hidden layers' nonlinearity.
type Activation string

// The hidden activations the reference network offers.
const (
	Tanh    Activation = "tanh"
	Sigmoid Activation = "sigmoid"
	ReLU    Activation = "relu"
)

// Config describes the network and how it is trained. The zero value is not
// useful; start from DefaultConfig.
type Config struct {
	Inputs    int        // features per sample (784 for MNIST)
	Hidden    []int      // hidden layer sizes, first to last
	Classes   int        // output classes (10); output units for sigmoid and regression outputs
	Act       Activation // hidden activation
	Layout    Layout
	LR        float64 // learning rate
	Epochs    int
	Batch     int     // samples per update; 0 means the full batch
	InitScale float64 // weights start as randn × InitScale
	Seed      uint64

	// The output layer, the loss and the conventions of the gradients
	// (family.go). The zero values are the reference network's: softmax,
	// mean cross-entropy, 1/m in dW and db, (1,n) biases.
	Output  Activation // output activation: softmax, sigmoid, tanh or linear
	Loss    LossKind
	Norm    Normaliser // where the 1/m sits
	Factor  float64    // dZ_L's constant besides 1/m (2 without the ½ of squared error); 0 means 1
	Negated bool       // the gradients of −loss: dZ_L = Y − A_L, and updates add
	// GradFactor is dW's and db's constant besides 1/m (1/K when the loss
	// is np.mean over all N·K outputs and the 1/K sits in dW); 0 means 1.
	GradFactor float64
	Biases     []BiasForm // per layer; nil is (1,n) everywhere
	// Acts gives each hidden layer its own activation; nil is Act everywhere.
	Acts []Activation
}

// DefaultConfig is the question's network: 784-60-10, tanh, lr 0.3, 100
// epochs of full-batch gradient descent, weights randn × 0.01.
func DefaultConfig() Config {
	return Config{Inputs: 784, Hidden: []int{60}, Classes: 10, Act: Tanh, Layout: Rows,
		LR: 0.3, Epochs: 100, InitScale: 0.01, Seed: 1}
}

// Layers is the number of weight matrices (hidden layers + 1).
func (c Config) Layers() int { return len(c.Hidden) + 1 }

// Sizes lists the width of every layer from input to output.
func (c Config) Sizes() []int {
	s := append([]int{c.Inputs}, c.Hidden...)
	return append(s, c.Classes)
}

// Parameters counts the weights and biases.
func (c Config) Parameters() int {
	s, n := c.Sizes(), 0
	for l := 1; l < len(s); l++ {
		n += s[l-1]*s[l] + s[l]
	}
	return n
}

// Validate reports the first setting that cannot work, in words that say
// what to do.
func (c Config) Validate() error {
	switch {
	case c.Inputs < 1 || c.Classes < 1 || c.Classes < 2 && c.OutputAct() == Softmax:
		return fmt.Errorf("net: need at least 1 input and 2 classes, got %d and %d", c.Inputs, c.Classes)
	case len(c.Hidden) == 0 && c.Output == "": // a learner's logistic or softmax regression sets its output
		return fmt.Errorf("net: give at least one hidden layer size, e.g. --hidden 60")
	case c.Act != Tanh && c.Act != Sigmoid && c.Act != ReLU:
		return fmt.Errorf("net: unknown activation %q: use tanh, sigmoid or relu", c.Act)
	case c.Layout != Rows && c.Layout != Cols:
		return fmt.Errorf("net: unknown layout %q: use rows (samples × features) or cols (features × samples)", c.Layout)
	case math.IsNaN(c.LR) || math.IsInf(c.LR, 0) || c.LR <= 0:
		return fmt.Errorf("net: learning rate must be a positive number, got %v", c.LR)
	case c.Epochs < 1:
		return fmt.Errorf("net: epochs must be at least 1, got %d", c.Epochs)
	case c.Batch < 0:
		return fmt.Errorf("net: batch must be 0 (full batch) or positive, got %d", c.Batch)
	case math.IsNaN(c.InitScale) || math.IsInf(c.InitScale, 0) || c.InitScale < 0:
		return fmt.Errorf("net: init scale must be a finite number ≥ 0, got %v", c.InitScale)
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("net: hidden layer sizes must be at least 1, got %d", h)
		}
	}
	return c.validateFamily()
}

// ParseHidden reads a comma list of layer sizes such as "128,64".
func ParseHidden(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(f), "%d", &n); err != nil || fmt.Sprint(n) != strings.TrimSpace(f) {
			return nil, fmt.Errorf("net: hidden sizes are whole numbers separated by commas, e.g. 60 or 128,64; got %q", s)
		}
		if n < 1 {
			return nil, fmt.Errorf("net: hidden layer sizes must be at least 1, got %d", n)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}
