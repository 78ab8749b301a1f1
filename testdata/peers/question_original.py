"""NumPy peer of `backstep lesson run` for the question's whole bug set
(DESIGN.md, "The motivating case"): a reconstruction of the question's
original, buggy 784-60-10 network, run as written.

Samples x features layout: X 10000 x 784, W1 784 x 60, b1 1 x 60,
W2 60 x 10, b2 1 x 10, Y one-hot 10000 x 10, tanh hidden layer, lr 0.3,
100 full-batch epochs, W = randn(...) * 0.01 seeded by --seed (W1 drawn
before W2), zero biases. Its bugs, all kept:
  - softmax normalised over axis 0, the samples:
        A2 = np.exp(Z2) / np.sum(np.exp(Z2), axis=0, keepdims=True)
    (no max-shift: the formula exactly as quoted for the question);
  - m = X.shape[1], i.e. 784 features instead of 10,000 samples;
  - bias gradients summed over axis 1: db = (1/m) * np.sum(dZ, axis=1,
    keepdims=True) is (10000, 1), so after the first update `b1 = b1 - lr*db1`
    broadcasts b1 to (10000, 60) and b2 to (10000, 10);
  - the accuracy loop: `correct = 0` once before the epoch loop, then every
    epoch `for i in range(Y.shape[1])` (10 samples, not 10,000) adds
    argmax(A2[i]) == argmax(Y[i]), and the reported accuracy is
    correct / Y.shape[0] -- a counter that is never reset.
dZ2 = A2 - Y, dW2 = (1/m) A1.T.dZ2, dZ1 = dZ2.W2.T * (1 - A1**2),
dW1 = (1/m) X.T.dZ1 are as the question wrote them.
Beside the reported metric this also computes the true accuracy each epoch
(argmax over axis 1 for every sample). Epoch k's figures are those of the
forward pass that starts epoch k, before its update. "loss" is the mean
cross-entropy over the samples, -(1/N) sum(Y log A2) (about ln N = 9.21 at
init because the softmax runs over the N samples); "loss_m" is the same sum
divided by the question's m = 784.

--shift max-shifts Z2 over axis 0 before the exp (still the wrong axis, but
no overflow); DESIGN.md's numbers are exactly this variant at seed 0.
--seeds 0,1,2,3,4 runs several seeds and prints a summary table.

Run (from any directory):
    /usr/bin/python3 testdata/peers/question_original.py --json
    /usr/bin/python3 testdata/peers/question_original.py --shift --seeds 0,1,2,3,4
    /usr/bin/python3 testdata/peers/question_original.py --seed 3 --every 1

Measured 2026-11-26 on this 2-core machine (Debian 12 NumPy 1.24.2),
n 10000, 100 epochs, accuracies in %. Loss at epoch 1 (mean over samples):
9.2119, 9.2104, 9.2090, 9.2105, 9.2098 for seeds 0..4 (ln 10000 = 9.2103;
divided by m = 784 instead: ~117.5). b1 ends (10000, 60), b2 (10000, 10).

  As written (unshifted softmax):
    seed  reported@1  reported@100  true@1  true@2  true@100
       0        0.00          1.06    7.53   65.45      9.80
       1        0.01          1.19    8.66   64.37      9.80
       2        0.00          1.10   12.68   61.23      9.80
       3        0.02          1.19    8.63   70.92      9.80
       4        0.02          1.29    9.46   66.20      9.80
    For every seed exp(Z2) overflows at epoch 31 (max Z2 grows ~26 an epoch,
    720 > 709.78 at seed 0): (nearly) one column of A2 is NaN at epoch 31
    and all of A2 from epoch 32 (at seed 0 W1, W2, b1, b2 are all NaN by
    then). np.argmax of an all-NaN row is 0, so the true accuracy is then
    the share of zeros in the labels (980/10000 = 9.80 %) and the counter
    gains exactly 1 an epoch (of the first 10 labels 7 2 1 0 4 1 4 9 5 9,
    one is 0).
  With --shift (no overflow, no NaN):
    seed  reported@1  reported@100  true@1  true@2  true@100
       0        0.00          1.07    7.53   65.45      9.38
       1        0.01          1.21    8.66   64.37      9.38
       2        0.00          1.13   12.68   61.23      9.42
       3        0.02          1.22    8.63   70.92      9.40
       4        0.02          1.33    9.46   66.20      9.30
  About 7.5 s a seed (with other jobs on the machine: up to 21 s).
"""

import argparse
import json
import math
import os
import sys
import time

T_START = time.perf_counter()

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist  # noqa: E402


def run(X, Y, labels, seed, epochs, lr, hidden, shift=False):
    np.random.seed(seed)
    W1 = np.random.randn(784, hidden) * 0.01
    b1 = np.zeros((1, hidden))
    W2 = np.random.randn(hidden, 10) * 0.01
    b2 = np.zeros((1, 10))
    m = X.shape[1]                      # bug: 784, the features
    N = X.shape[0]
    curve = []
    correct = 0                         # bug: never reset
    with np.errstate(all="ignore"):     # overflow/NaN are counted, not warned
        for epoch in range(1, epochs + 1):
            Z1 = X.dot(W1) + b1
            A1 = np.tanh(Z1)
            Z2 = A1.dot(W2) + b2
            if shift:   # max-shifted, still over axis 0 (DESIGN.md's variant)
                Z2 = Z2 - np.max(Z2, axis=0, keepdims=True)
            A2 = np.exp(Z2) / np.sum(np.exp(Z2), axis=0, keepdims=True)  # bug: axis 0
            s = np.sum(Y * np.log(A2))
            for i in range(Y.shape[1]):  # bug: 10 samples, counter accumulates
                if np.argmax(A2[i]) == np.argmax(Y[i]):
                    correct += 1
            reported = correct / Y.shape[0]
            true_acc = float(np.mean(np.argmax(A2, axis=1) == labels))
            curve.append({
                "epoch": epoch,
                "loss": float(-s / N),
                "loss_m": float(-s / m),
                "reported_accuracy": reported,
                "accuracy": true_acc,
                "correct": correct,
                "nan_in_A2": int(np.isnan(A2).sum()),
                "b1_shape": list(b1.shape),
                "b2_shape": list(b2.shape),
            })
            dZ2 = A2 - Y
            dW2 = (1 / m) * A1.T.dot(dZ2)
            db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)   # bug: axis 1
            dZ1 = dZ2.dot(W2.T) * (1 - np.power(A1, 2))
            dW1 = (1 / m) * X.T.dot(dZ1)
            db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)   # bug: axis 1
            W1 = W1 - lr * dW1
            b1 = b1 - lr * db1          # broadcasts to (N, hidden)
            W2 = W2 - lr * dW2
            b2 = b2 - lr * db2          # broadcasts to (N, 10)
    return curve, list(b1.shape), list(b2.shape)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--n", type=int, default=10000, help="number of images (1..10000)")
    p.add_argument("--lr", type=float, default=0.3)
    p.add_argument("--hidden", type=int, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--seeds", metavar="A,B,..", help="run several seeds (overrides --seed)")
    p.add_argument("--shift", action="store_true",
                   help="max-shift Z2 over axis 0 before exp (no overflow; "
                        "reproduces DESIGN.md's numbers)")
    p.add_argument("--every", type=int, default=10,
                   help="print epochs 1, 2 and every k-th (text output)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args()
    if args.n < 10:
        p.error("--n must be >= 10 (the accuracy loop reads rows 0..9)")
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else [args.seed]

    Xs, labels = mnist.load(args.n)
    Y = mnist.one_hot(labels)
    runs = []
    for seed in seeds:
        t0 = time.perf_counter()
        curve, b1s, b2s = run(Xs, Y, labels, seed, args.epochs, args.lr, args.hidden,
                                   args.shift)
        runs.append({"seed": seed, "epochs": curve, "b1_shape": b1s, "b2_shape": b2s,
                     "seconds": time.perf_counter() - t0})

    if args.json:
        out = {
            "peer": "question_original",
            "config": {"layout": "rows", "hidden": args.hidden, "act": "tanh",
                       "epochs": args.epochs, "lr": args.lr, "n": args.n,
                       "init_scale": 0.01, "m": 784, "softmax_shift": args.shift},
            "runs": [],
            "total_seconds": time.perf_counter() - T_START,
        }
        for r in runs:
            c = r["epochs"]
            out["runs"].append({
                "seed": r["seed"],
                "loss_epoch1": mnist.finite(c[0]["loss"]),
                "reported_accuracy_epoch1": c[0]["reported_accuracy"],
                "reported_accuracy_final": c[-1]["reported_accuracy"],
                "accuracy_epoch1": c[0]["accuracy"],
                "accuracy_epoch2": c[1]["accuracy"] if len(c) > 1 else None,
                "accuracy_final": c[-1]["accuracy"],
                "first_nan_epoch": next((e["epoch"] for e in c if e["nan_in_A2"]), None),
                "b1_shape": r["b1_shape"], "b2_shape": r["b2_shape"],
                "seconds": r["seconds"],
                "epochs": [{k: (mnist.finite(v) if isinstance(v, float) else v)
                            for k, v in e.items()} for e in c],
            })
        if len(runs) == 1:      # the single-run fields at top level too
            out.update({k: v for k, v in out["runs"][0].items() if k != "seed"})
            out["seed"] = runs[0]["seed"]
        print(json.dumps(out, indent=1))
        return
    for r in runs:
        c = r["epochs"]
        print("question_original: rows layout, seed %d, n=%d, lr=%g, %d epochs, m=784, "
              "softmax %s over axis 0" % (r["seed"], args.n, args.lr, args.epochs,
                                          "max-shifted" if args.shift else "unshifted"))
        print("  epoch  loss(1/N)  loss(1/m)  reported  true acc  correct  NaN(A2)")
        for e in c:
            k = e["epoch"]
            if k <= 2 or k % args.every == 0 or k == len(c):
                print("  %5d  %9.4f  %9.3f  %7.2f%%  %7.2f%%  %7d  %7d"
                      % (k, e["loss"], e["loss_m"], 100 * e["reported_accuracy"],
                         100 * e["accuracy"], e["correct"], e["nan_in_A2"]))
        print("  loss at epoch 1 %.4f (ln %d = %.4f); b1 %s, b2 %s at the end; %.2f s"
              % (c[0]["loss"], args.n, math.log(args.n), tuple(r["b1_shape"]),
                 tuple(r["b2_shape"]), r["seconds"]))
    if len(runs) > 1:
        print("seed  reported@1  reported@%d  true@1  true@2  true@%d"
              % (args.epochs, args.epochs))
        for r in runs:
            c = r["epochs"]
            print("%4d  %9.2f%%  %10.2f%%  %5.2f%%  %5.2f%%  %6.2f%%"
                  % (r["seed"], 100 * c[0]["reported_accuracy"],
                     100 * c[-1]["reported_accuracy"], 100 * c[0]["accuracy"],
                     100 * c[min(1, len(c) - 1)]["accuracy"], 100 * c[-1]["accuracy"]))


if __name__ == "__main__":
    main()
