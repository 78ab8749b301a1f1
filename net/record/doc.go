// Package record runs a learner's own NumPy training script (or a
// notebook's code cells) unmodified under their Python, with a recorder
// that backstep embeds (recorder.py: standard library and NumPy only), and
// reads back what it recorded.
//
// The recorder traces the script's own lines — sys.monitoring on Python ≥
// 3.12, sys.settrace below — and keys what it sees by statement (its line
// and column span), not by line event. For each statement of the first
// iterations it records the values the statement assigned (shape, dtype,
// mean, std, min, max, NaN and Inf counts); the syntax tree gives each
// statement's value as an expression, with the axis and keepdims of its
// NumPy calls, and NumPy's first floating-point error comes from
// np.seterrcall. Iterations are counted by executions of the first
// parameter update, recognised by what it does when it runs, not by its
// text: an in-place change (W -= dW, p -= g in a loop over zip(params,
// grads), params[k] -= ...) or a rebinding (W = W - lr * dW) of a float
// array, not named as a gradient and not computed afresh in the same
// pass, by a step of its shape (or one that broadcasts it larger: shape
// drift). After them the script is stopped with an exception that
// `except Exception` cannot catch. The first iteration's arrays are
// captured in full (at the start of the iteration, as each statement
// wrote them, and at its end where it changed them: the parameters after
// their update) for check. Names are the script's own: variables, and
// attributes and entries with constant keys (self.W1, params['W1']); a
// call of one of its functions records the arguments it was given.
//
// Everything is written to a temporary folder removed after the run:
// nothing beside the script, no bytecode cache. When the script loads MNIST
// through TensorFlow/Keras and they are not installed, the recorder serves
// mnist.load_data() and to_categorical from backstep's MNIST files and
// says so.
//
// Analyze reads the first iteration back: its lines, the values each read
// and wrote, each line replayed on backstep's tracer (so every operation
// has its operands' shapes, axis meanings, reductions and broadcasts),
// the roles of the learner's names (Analysis.Roles), parameters whose shape an
// update changed, the first NaN/Inf, and an audit of how the accuracy is
// counted (Audit). Program turns the iteration into a net.Program that
// net.Stepper, the trace renderer and the debugger step through.
//
// Errors a user can cause start with "record:"; an unusable Python is an
// *EnvironmentError.
package record
