"""Make testdata/dumps/field/: the field cases' dumps, for `backstep check` tests.

The field cases (../shared/field/ beside the repository, read-only) are NumPy
reconstructions of training steps learners really wrote, each with its bug or
none (the controls). This script runs each one with FIELD_OUT set to a
temporary folder and copies its dumps here with np.savez_compressed (the
same arrays and dtypes, fewer bytes), and writes MANIFEST.json with what
`backstep check` must say of each, from the case's docstring.

Case 14 (784-512-512-10 on a batch of 128) writes a 14 MB dump; instead of
committing it, this script rebuilds the same kind of step — log-softmax
cross-entropy summed over the batch — at 784-64-64-10 on a batch of 32
(14_sum_loss_minibatch_small.npz). The full-size case is measured by the Go
benchmark BenchmarkCheckSumLoss512, which builds it in Go.

Rerun (needs Debian's python3-numpy and the GoMNIST module, see mnistdata.py):
    /usr/bin/python3 testdata/peers/field_dumps.py [FIELD_DIR]
"""

import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "dumps", "field")
FIELD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "field")

# What check must say: exit code, first faulty statement, bugs named.
EXPECT = {
    "01_softmax_builtin_sum.npz": (1, "A2", ["softmax-axis"]),
    "02_dz_on_error.npz": (1, "dZ2", ["derivative-of-error"]),
    "03_sigmoid_prime_of_activation.npz": (1, "dZ2", ["derivative-of-activation"]),
    "05_dot_instead_of_outer.npz": (1, "dW3", ["dot-not-outer"]),
    "05_dot_instead_of_outer_adapted.npz": (1, "dW3", ["dot-not-outer"]),
    "09_double_normaliser.npz": (1, "dZ1", ["double-normaliser"]),
    "11_bias_grad_mean.npz": (1, "db1", ["bias-mean"]),
    "11_bias_grad_mean_adapted.npz": (1, "db1", ["bias-mean"]),
    "12_bias_grad_not_reduced.npz": (1, "db2", ["bias-not-reduced"]),
    "14_sum_loss_minibatch_small.npz": (1, "loss", ["sum-loss"]),
    "98_c02_sigmoid_mse.npz": (0, None, []),
    "98_c09_binary_bce.npz": (0, None, []),
}


def small_sum_loss(out):
    """Case 14's step, smaller: the loss summed over the batch."""
    sys.path.insert(0, FIELD)
    import mnistdata
    x, lab = mnistdata.load()
    x = x.astype(float) / 255.
    rng = np.random.RandomState(0)
    sizes = [784, 64, 64, 10]
    params = [(0.1 * rng.randn(m, n), 0.1 * rng.randn(1, n)) for m, n in zip(sizes[:-1], sizes[1:])]
    B = 32
    idx = rng.permutation(len(x))[:B]
    X = x[idx]
    Y = np.eye(10)[lab[idx]]
    (W1, b1), (W2, b2), (W3, b3) = params
    Z1 = X @ W1 + b1; A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2 + b2; A2 = np.maximum(Z2, 0)
    Z3 = A2 @ W3 + b3
    logp = Z3 - Z3.max(1, keepdims=True); logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    A3 = np.exp(logp)
    loss = -np.sum(logp * Y)                       # the bug: sum over the batch
    dZ3 = A3 - Y
    dW3 = A2.T @ dZ3; db3 = dZ3.sum(0, keepdims=True)
    dZ2 = dZ3 @ W3.T * (Z2 > 0)
    dW2 = A1.T @ dZ2; db2 = dZ2.sum(0, keepdims=True)
    dZ1 = dZ2 @ W2.T * (Z1 > 0)
    dW1 = X.T @ dZ1; db1 = dZ1.sum(0, keepdims=True)
    np.savez_compressed(os.path.join(out, "14_sum_loss_minibatch_small.npz"), X=X, Y=Y,
                        W1=W1, b1=b1, W2=W2, b2=b2, W3=W3, b3=b3,
                        Z1=Z1, A1=A1, Z2=Z2, A2=A2, Z3=Z3, A3=A3, loss=loss,
                        dZ3=dZ3, dW3=dW3, db3=db3, dZ2=dZ2, dW2=dW2, db2=db2, dZ1=dZ1, dW1=dW1, db1=db1)


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, FIELD_OUT=tmp)
        for script in sorted(os.listdir(FIELD)):
            if not script[:2].isdigit() or not script.endswith(".py") or script.startswith("14_"):
                continue
            subprocess.run([sys.executable, os.path.join(FIELD, script)], env=env, check=True,
                           stdout=subprocess.DEVNULL)
        for name in sorted(os.listdir(tmp)):
            if name in EXPECT:
                d = dict(np.load(os.path.join(tmp, name)))
                np.savez_compressed(os.path.join(OUT, name), **d)
    small_sum_loss(OUT)
    files = [{"file": f, "expect_exit": e, "first_faulty": first, "bugs": bugs}
             for f, (e, first, bugs) in sorted(EXPECT.items())]
    with open(os.path.join(OUT, "MANIFEST.json"), "w") as fh:
        json.dump({"generator": "testdata/peers/field_dumps.py", "files": files}, fh, indent=1)
        fh.write("\n")
    print("wrote %d dumps to %s" % (len(files), OUT))


if __name__ == "__main__":
    main()
