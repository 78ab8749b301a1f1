"""NumPy peer of `backstep train --layout cols` (the answer's fixed network).

The motivating question's corrected 784-60-10 network, float64, in the
features x samples layout: X is 784 x N, W1 60 x 784, b1 60 x 1, W2 10 x 60,
b2 10 x 1; Z1 = W1.X + b1, A1 = tanh(Z1), Z2 = W2.A1 + b2, A2 = softmax over
axis 0 (the classes, max-shifted), loss = -(1/m) * sum(Y * log(A2)) with m = N.
Full batch, lr 0.3, 100 epochs, W = randn(...) * 0.01 seeded by --seed (W1 is
drawn before W2), zero biases. Epoch k's loss and accuracy are those of the
forward pass that starts epoch k, before its update (as `backstep train`).

Run (from any directory):
    /usr/bin/python3 testdata/peers/numpy_train.py --json
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        /usr/bin/python3 testdata/peers/numpy_train.py        # fair benchmark
    /usr/bin/python3 testdata/peers/numpy_train.py --init W.npz --curve c.json

--init FILE.npz takes W1, b1, W2, b2 (cols layout, shapes as above; b may
also be a flat vector) instead of the random init; the file is only read.
--curve FILE.json writes [{epoch, loss, accuracy}, ...] at full precision.

Measured 2026-11-26 on this 2-core machine (AMD EPYC VM, AVX2; Debian 12
NumPy 1.24.2, OpenBLAS 0.3.21 pthreads, 2 threads, kernel "Zen" per
threadpoolctl 3.1.0), defaults (seed 0, n 10000, lr 0.3, 100 epochs):
    epoch 1:   loss 2.302156 (ln 10 = 2.302585), accuracy 0.1250
    epoch 100: loss 0.409860, accuracy 0.8927 (89.27 %)
    (after the 100th update, i.e. epoch 101: 0.8933; seeds 1..4 give
    0.8937, 0.8959, 0.8907, 0.8938 at epoch 100)
    72.6-79 ms per epoch when the machine was otherwise idle (best 72.6),
    7.5-8.1 s wall for the whole script; 90-290 ms/epoch while other jobs
    shared the 2 cores, so take the minimum of several runs.
    No OPENBLAS_* variable was set here, so running with
    `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` changed nothing;
    OpenBLAS 0.3.21 reads OPENBLAS_CORETYPE (e.g. Prescott: ~296 ms/epoch)
    but not OPENBLAS_L2_SIZE. Per epoch, W1.X and dZ1.X^T take ~25 ms each
    and np.tanh over 60 x 10000 11-17 ms (np.exp on the same array: 3 ms).
"""

import argparse
import json
import os
import sys
import time

T_START = time.perf_counter()

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist  # noqa: E402


def blas_info():
    """Which BLAS NumPy calls: threadpoolctl if importable, else show_config."""
    try:
        from threadpoolctl import threadpool_info
        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                return {
                    "source": "threadpoolctl",
                    "internal_api": lib.get("internal_api"),
                    "version": lib.get("version"),
                    "num_threads": lib.get("num_threads"),
                    "threading_layer": lib.get("threading_layer"),
                    "architecture": lib.get("architecture"),
                    "filepath": lib.get("filepath"),
                }
    except Exception:  # threadpoolctl missing or failing: fall back below
        pass
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        np.show_config()
    text = buf.getvalue()
    name = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("libraries") and name is None:
            name = s.split("=", 1)[-1].strip()
    return {"source": "numpy.show_config", "internal_api": name,
            "version": None, "num_threads": None, "architecture": None}


def die(msg):
    """One line on stderr, exit code 2 (bad input), as backstep does."""
    sys.stderr.write("numpy_train.py: %s\n" % msg)
    sys.exit(2)


def init_params(args):
    if args.init:
        try:
            with np.load(args.init, allow_pickle=False) as z:
                missing = [k for k in ("W1", "b1", "W2", "b2") if k not in z]
                if missing:
                    die("%s lacks %s" % (args.init, ", ".join(missing)))
                W1, b1, W2, b2 = (np.array(z[k], dtype=np.float64)
                                  for k in ("W1", "b1", "W2", "b2"))
        except (OSError, ValueError) as e:
            die("cannot read %s as .npz: %s" % (args.init, e))
        b1 = b1.reshape(-1, 1)
        b2 = b2.reshape(-1, 1)
        h = W1.shape[0] if W1.ndim == 2 else -1
        if (W1.shape != (h, 784) or b1.shape != (h, 1)
                or W2.shape != (10, h) or b2.shape != (10, 1)):
            die("%s: want cols layout W1 (h,784) b1 (h,1) "
                "W2 (10,h) b2 (10,1), got %s %s %s %s"
                % (args.init, W1.shape, b1.shape, W2.shape, b2.shape))
        return W1, b1, W2, b2
    np.random.seed(args.seed)
    W1 = np.random.randn(args.hidden, 784) * 0.01
    b1 = np.zeros((args.hidden, 1))
    W2 = np.random.randn(10, args.hidden) * 0.01
    b2 = np.zeros((10, 1))
    return W1, b1, W2, b2


def train(X, Y, labels, params, epochs, lr):
    W1, b1, W2, b2 = params
    m = X.shape[1]
    curve = []
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        # forward
        Z1 = W1.dot(X) + b1
        A1 = np.tanh(Z1)
        Z2 = W2.dot(A1) + b2
        E = np.exp(Z2 - Z2.max(axis=0, keepdims=True))
        A2 = E / E.sum(axis=0, keepdims=True)
        loss = -(1.0 / m) * np.sum(Y * np.log(A2))
        acc = np.mean(np.argmax(A2, axis=0) == labels)
        curve.append({"epoch": epoch, "loss": float(loss), "accuracy": float(acc)})
        # backward
        dZ2 = A2 - Y
        dW2 = (1.0 / m) * dZ2.dot(A1.T)
        db2 = (1.0 / m) * np.sum(dZ2, axis=1, keepdims=True)
        dZ1 = W2.T.dot(dZ2) * (1 - A1 ** 2)
        dW1 = (1.0 / m) * dZ1.dot(X.T)
        db1 = (1.0 / m) * np.sum(dZ1, axis=1, keepdims=True)
        # update
        W1 = W1 - lr * dW1
        b1 = b1 - lr * db1
        W2 = W2 - lr * dW2
        b2 = b2 - lr * db2
    loop_seconds = time.perf_counter() - t0
    return curve, loop_seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--n", type=int, default=10000, help="number of images (1..10000)")
    p.add_argument("--lr", type=float, default=0.3)
    p.add_argument("--hidden", type=int, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", metavar="FILE.npz", help="start from W1,b1,W2,b2 in FILE")
    p.add_argument("--curve", metavar="FILE.json", help="write per-epoch loss/accuracy")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args()
    if args.epochs < 1:
        p.error("--epochs must be >= 1")

    if not 1 <= args.n <= 10000:
        p.error("--n must be in 1..10000")
    Xs, labels = mnist.load(args.n)
    X = np.ascontiguousarray(Xs.T)          # 784 x N
    Y = np.ascontiguousarray(mnist.one_hot(labels).T)  # 10 x N
    params = init_params(args)
    hidden = params[0].shape[0]

    curve, loop_seconds = train(X, Y, labels, params, args.epochs, args.lr)
    ms_per_epoch = 1000.0 * loop_seconds / args.epochs
    blas = blas_info()
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                          "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    if args.curve:
        with open(args.curve, "w") as f:
            json.dump([{"epoch": c["epoch"], "loss": mnist.finite(c["loss"]),
                        "accuracy": mnist.finite(c["accuracy"])} for c in curve], f)
            f.write("\n")
    final = curve[-1]
    total_seconds = time.perf_counter() - T_START

    if args.json:
        out = {
            "peer": "numpy_train",
            "config": {"layout": "cols", "hidden": hidden, "act": "tanh",
                       "epochs": args.epochs, "lr": args.lr, "n": args.n,
                       "seed": None if args.init else args.seed, "init": args.init,
                       "init_scale": 0.01, "batch": 0},
            "final": {"loss": mnist.finite(final["loss"]), "accuracy": mnist.finite(final["accuracy"])},
            "first": {"loss": mnist.finite(curve[0]["loss"]),
                      "accuracy": mnist.finite(curve[0]["accuracy"])},
            "ms_per_epoch": ms_per_epoch,
            "seconds_per_epoch": ms_per_epoch / 1000.0,
            "loop_seconds": loop_seconds,
            "total_seconds": total_seconds,
            "numpy_version": np.__version__,
            "python_version": sys.version.split()[0],
            "blas": blas,
            "env": env,
        }
        print(json.dumps(out, indent=2))
        return
    print("numpy_train: cols layout 784-%d-10 tanh, n=%d, lr=%g, %d epochs, %s"
          % (hidden, args.n, args.lr, args.epochs,
             "init from " + args.init if args.init else "seed %d" % args.seed))
    for c in curve:
        k = c["epoch"]
        if k <= 2 or k % 10 == 0 or k == len(curve):
            print("  epoch %3d  loss %.6f  accuracy %.4f" % (k, c["loss"], c["accuracy"]))
    print("final accuracy   %.4f (%.2f %%), loss %.6f"
          % (final["accuracy"], 100 * final["accuracy"], final["loss"]))
    print("ms per epoch     %.2f (epoch loop %.3f s)" % (ms_per_epoch, loop_seconds))
    print("total wall time  %.3f s" % total_seconds)
    print("numpy %s; BLAS %s %s, %s threads, kernel %s (via %s)"
          % (np.__version__, blas.get("internal_api"), blas.get("version"),
             blas.get("num_threads"), blas.get("architecture"), blas["source"]))
    set_env = ["%s=%s" % (k, v) for k, v in env.items() if v is not None]
    print("env              %s" % (" ".join(set_env) if set_env else "(no OPENBLAS_*/OMP_* set)"))


if __name__ == "__main__":
    main()
