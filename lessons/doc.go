// Package lessons is backstep's catalog of known backprop bugs and the
// lessons that replay them.
//
// Each Bug is a change to the reference training run (net.Program): a
// patch that replaces or inserts named statements, a change of the
// configuration (learning rate, initial scale), of the initial weights
// read from a file (Start), or of the data (raw or float32 pixels). The same bugs serve `train --bug`, `step --bug`,
// `gradcheck --bug`, the replays, and the naming of a fault found in a
// user's dump (CheckDump).
//
// A Lesson tells a bug's story (every line in which the buggy run's code
// differs from the correct run's, in the layout's notation, the
// mechanism, how to catch it) and replays it, running exactly those lines
// (testdata/peers/lesson_replay.py replays them in NumPy): Replay trains
// the buggy and the correct network from the same initial weights on the
// same images, with images held out, observes every step (Observe) and
// runs the detectors (Detect) over the runs. Every sentence a replay
// concludes is computed from its runs; a lesson says when its claim did
// not show in a run. The detectors' thresholds come from published tools
// (AutoTrainer, DeepDiagnosis, CS231n), cited next to each constant.
package lessons
