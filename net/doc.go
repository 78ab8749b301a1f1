// Package net is backstep's reference network: a multilayer perceptron of
// any depth with a tanh, sigmoid or relu hidden activation, a softmax output
// and mean cross-entropy, trained by plain gradient descent on MNIST.
//
// One training iteration is a Program: an ordered list of named Statements
// in the learner's notation (m, Z1, A1, Z2, A2, loss, dZ2, dW2, db2, dZ1,
// dW1, db1, the updates, the accuracy), each with its formula as text and a
// function that computes it with traced operations from the variables bound
// so far. Stepping executes the statements one by one, a bug is a patch that
// replaces statements, and a checker recomputes any statement from inputs it
// is given. Training runs the same Program, epoch after epoch.
//
// The network comes in two layouts: Rows (samples × features, Z1 = X·W1 + b1,
// the layout of the question that motivated backstep) and Cols (features ×
// samples, Z1 = W1·X + b1, the layout of its answer and of most courses).
// With the same seed both start from the same weights, one the transpose of
// the other, and train to the same losses.
//
// Data loading reads IDX files (gzip or raw) and the MNIST test set embedded
// in the binary. Errors a user can cause (flags, files) start with "net:".
package net
