// Package foreign reads a learner's training step — arrays dumped from
// their own NumPy code, under their own names and in their own shapes —
// and works out the network it describes in backstep's terms: which array
// plays which role (X, Y, W1, b1, Z1, A1, dZ1, dW1, db1, the loss, the
// parameters after the update), the layout (samples on axis 0 or 1), each
// layer's activation and bias form, the output layer and loss, where the
// 1/m of the mean sits and the sign of the gradients. The result is a
// net.Config and the arrays bound under backstep's names, ready for the
// statements net.Build writes for that configuration.
//
// Every inference says what it rests on (Dump.Notes): the header of
// `backstep check` prints them, so a learner can see how their arrays were
// read and override any of it (--map, --layout, --act, --output, --loss).
// Where the arrays cannot tell, the package says so and names the flag;
// it never assumes the reference network in silence.
//
// Errors start with "foreign:" and say what to do.
package foreign
