// Package lessons is backstep's catalog of known backprop bugs. Each bug is
// a patch to the reference network's training step (net.Program): it
// replaces named statements, or changes the configuration, the data or the
// initial weights. The same patches serve `train --bug`, `step --bug`,
// `gradcheck --bug`, the side-by-side lesson replays and the naming of a bug
// found in a user's dump.
package lessons
