"""NumPy peer of `backstep lesson run seed-original`: the question's
original, buggy 784-60-10 network, run as written (the motivating case of
the README's introduction).

Samples x features layout: X 10000 x 784, W1 784 x 60, b1 1 x 60,
W2 60 x 10, b2 1 x 10, Y one-hot 10000 x 10, lr 0.3, 100 full-batch
epochs, W = randn(...) * 0.01 seeded by --seed (W1 drawn before W2), zero
biases. As the question wrote it:
  - X = images.astype('float32') / 255: float32 pixels; X.dot(W1) with the
    float64 W1 is float64 (NumPy upcasts), so the pixels' rounding to
    float32 is the only effect;
  - tanh written with np.exp: A1 = (exp(Z1) - exp(-Z1)) / (exp(Z1) + exp(-Z1));
  - the softmax max-shifted over axis 0 and normalised over axis 0, the
    samples (a bug):
        E = np.exp(Z2 - Z2.max(axis=0, keepdims=True))
        A2 = E / E.sum(axis=0, keepdims=True)
  - m = X.shape[1], i.e. 784 features instead of 10,000 samples (a bug);
  - bias gradients summed over axis 1 (a bug): db = (1/m) * np.sum(dZ,
    axis=1, keepdims=True) is (10000, 1), so after the first update
    `b1 = b1 - lr*db1` broadcasts b1 to (10000, 60) and b2 to (10000, 10);
  - the accuracy loop (two bugs): `correct = 0` once before the epoch loop,
    then every epoch `for i in range(Y.shape[1])` (10 samples, not 10,000)
    adds argmax(A2[i]) == argmax(Y[i]), and the reported accuracy is
    correct / Y.shape[0] -- a counter that is never reset.
dZ2 = A2 - Y, dW2 = (1/m) A1.T.dZ2, dZ1 = dZ2.W2.T * (1 - A1**2),
dW1 = (1/m) X.T.dZ1 are as the question wrote them.
Beside the reported metric this also computes the true accuracy each epoch
(argmax over axis 1 for every sample). Epoch k's figures are those of the
forward pass that starts epoch k, before its update. "loss" is the mean
cross-entropy over the samples, -(1/N) sum(Y log A2) (about ln N = 9.21 at
init because the softmax runs over the N samples); "loss_m" is the same sum
divided by the question's m = 784.

--seeds 0,1,2,3,4 runs several seeds and prints a summary table.
testdata/peers/lesson_replay.py replays the lesson itself line by line from
the seed-0 weights (testdata/lessons/init-784-60-10.npz).

Run (from any directory):
    /usr/bin/python3 testdata/peers/question_original.py --json
    /usr/bin/python3 testdata/peers/question_original.py --seeds 0,1,2,3,4
    /usr/bin/python3 testdata/peers/question_original.py --seed 3 --every 1

Measured 2026-11-30 on this 2-core machine (Debian 12 NumPy 1.24.2),
n 10000, 100 epochs, accuracies in %. Loss at epoch 1 (mean over samples):
9.2119, 9.2104, 9.2090, 9.2105, 9.2098 for seeds 0..4 (ln 10000 = 9.2103;
divided by m = 784 instead: ~117.5). b1 ends (10000, 60), b2 (10000, 10).
No value turns NaN or Inf in 100 epochs (the max-shift keeps exp <= 1), and
by the end nearly every image is predicted as class 1, the most common
label (11.35 % of the images):

    seed  reported@1  reported@100  true@1  true@2  true@100  class 1@100
       0        0.00          1.07    7.53   65.45      9.38        92.26
       1        0.01          1.21    8.66   64.37      9.38        92.41
       2        0.00          1.13   12.68   61.23      9.42        92.57
       3        0.02          1.22    8.63   70.92      9.40        92.46
       4        0.02          1.33    9.46   66.20      9.30        92.30
  About 20-30 s a seed (while other jobs shared the machine).
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


def run(X, Y, labels, seed, epochs, lr, hidden):
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
            A1 = (np.exp(Z1) - np.exp(-Z1)) / (np.exp(Z1) + np.exp(-Z1))
            Z2 = A1.dot(W2) + b2
            E = np.exp(Z2 - Z2.max(axis=0, keepdims=True))  # bug: axis 0
            A2 = E / E.sum(axis=0, keepdims=True)
            s = np.sum(Y * np.log(A2))
            for i in range(Y.shape[1]):  # bug: 10 samples, counter accumulates
                if np.argmax(A2[i]) == np.argmax(Y[i]):
                    correct += 1
            reported = correct / Y.shape[0]
            pred = np.argmax(A2, axis=1)
            true_acc = float(np.mean(pred == labels))
            counts = np.bincount(pred, minlength=10)
            curve.append({
                "epoch": epoch,
                "loss": float(-s / N),
                "loss_m": float(-s / m),
                "reported_accuracy": reported,
                "accuracy": true_acc,
                "correct": correct,
                "top_class": int(np.argmax(counts)),
                "top_class_share": float(counts.max() / N),
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
    p.add_argument("--every", type=int, default=10,
                   help="print epochs 1, 2 and every k-th (text output)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args()
    if args.n < 10:
        p.error("--n must be >= 10 (the accuracy loop reads rows 0..9)")
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else [args.seed]

    images, labels = mnist.load_images(args.n)
    Xs = images.reshape(args.n, -1).astype('float32') / 255   # as the question
    Y = mnist.one_hot(labels)
    runs = []
    for seed in seeds:
        t0 = time.perf_counter()
        curve, b1s, b2s = run(Xs, Y, labels, seed, args.epochs, args.lr, args.hidden)
        runs.append({"seed": seed, "epochs": curve, "b1_shape": b1s, "b2_shape": b2s,
                     "seconds": time.perf_counter() - t0})

    if args.json:
        out = {
            "peer": "question_original",
            "config": {"layout": "rows", "hidden": args.hidden, "act": "tanh",
                       "epochs": args.epochs, "lr": args.lr, "n": args.n,
                       "init_scale": 0.01, "m": 784},
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
              "softmax over axis 0" % (r["seed"], args.n, args.lr, args.epochs))
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
        print("seed  reported@1  reported@%d  true@1  true@2  true@%d  top class@%d"
              % (args.epochs, args.epochs, args.epochs))
        for r in runs:
            c = r["epochs"]
            print("%4d  %9.2f%%  %10.2f%%  %5.2f%%  %5.2f%%  %6.2f%%  %d (%.2f%%)"
                  % (r["seed"], 100 * c[0]["reported_accuracy"],
                     100 * c[-1]["reported_accuracy"], 100 * c[0]["accuracy"],
                     100 * c[min(1, len(c) - 1)]["accuracy"], 100 * c[-1]["accuracy"],
                     c[-1]["top_class"], 100 * c[-1]["top_class_share"]))


if __name__ == "__main__":
    main()
