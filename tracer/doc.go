// Package tracer provides float64 arrays of rank 0, 1 and 2 that follow
// NumPy's semantics, a tape that records every operation done on them, and
// a gradient checker.
//
// The arrays exist so that a training step written the way a learner writes
// it in NumPy can be replayed faithfully: the same shapes, the same
// broadcasting (including the surprising cases, such as (10000,1) against
// (1,10) giving (10000,10)), the same reductions with axis and keepdims, and
// the same error texts when shapes do not fit, e.g.
//
//	shapes (10000,784) and (10,60) not aligned: 784 (dim 1) != 10 (dim 0)
//	operands could not be broadcast together with shapes (1,10) (10000,)
//
// Every operation is a method on *Tape. A nil *Tape computes without
// recording; a non-nil one appends an Event per operation with the operands'
// names, shapes and axis labels, the axis a reduction ran over, which operand
// was broadcast along which axis, and statistics of the result.
//
// Arrays carry optional axis labels ("samples", "features", ...). Operations
// propagate them the way a reader would: a matrix product keeps the outer
// axes of its operands, a reduction drops the axis it collapsed, a broadcast
// result takes its labels from the operand that was not stretched. That is
// how a trace can say "sum over samples" instead of "sum over axis 0".
//
// Rules: operations never modify their operands. A shape mismatch is
// something a user's code causes, so it is reported as a *ShapeError. Inside
// a computation the operations panic with that value, the way gonum/mat
// does, so formulas stay readable; Catch turns such a panic back into an
// error at the boundary of a statement. Any other panic is a programming
// error and is not recovered.
//
// Speed: Dot packs dense operands the way BLIS does and runs AVX-512 or
// AVX2/FMA register kernels on amd64 (portable loops and gonum elsewhere),
// and skips the zeros of a matrix marked with MarkSparse, such as the
// MNIST pixels; elementwise arithmetic, tanh, exp, log and the statistics
// have vector versions that give the same bits as the scalar code; large
// operations use every core, through helper goroutines that stay awake
// between the operations of a training step, and work alone while other
// programs keep the machine busy. Work is split by output, never by the
// order of a sum, so results depend neither on the number of cores nor on
// the vector width. A loop that knows when values are dead can hand their
// storage back with Recycle for later results, instead of having fresh
// memory zeroed (Reserve lifts the bound on what waits; a ValuesOnly tape
// lists what a step computed). SubScaled, DotDiv, MulGreater and
// MulOneMinusSquare compute a few two- and three-operation expressions of
// a training step (W − lr·dW, Aᵀ·dZ / m, and the gradients through ReLU
// and tanh) in one pass when no tape looks at the intermediate results,
// with the bits and the events of the operations they stand for.
//
// This package imports nothing of backstep's.
package tracer
