"""Make the `.npz` fixtures of the output-layer, loss, normaliser, sign, shape
and naming families for `backstep check` (testdata/dumps/family/).

Written in plain NumPy the way learners write one training step, independently
of backstep's Go code. Every dump holds ONE step of a small MLP on synthetic
data, in backstep's notation unless the file is a naming case: the inputs `X`,
the labels/targets `Y`, the parameters BEFORE the update `W1`, `b1`, ..., the
forward tensors `Z1`, `A1`, ..., `ZL`, `AL`, an optional 0-d `loss`, the
backward tensors `dZL`, `dWL`, `dbL`, ..., `dZ1`, `dW1`, `db1`, and, in update
cases, the parameters after the update `W1_next`, `b1_next`, ...

Two layouts:
  rows  samples x features: X (N,D), W1 (D,H), b1 (1,H), Z1 = X@W1 + b1,
        dW1 = X.T@dZ1, db1 = np.sum(dZ1, axis=0, keepdims=True)
  cols  features x samples: X (D,N), W1 (H,D), b1 (H,1), Z1 = W1@X + b1,
        dW1 = dZ1@X.T, db1 = np.sum(dZ1, axis=1, keepdims=True)

Families (output layer + loss; data; sizes D-H-K; samples m):
  F1  softmax + cross-entropy, one-hot Y (or class numbers (N,));
      Gaussian blobs, 5-7-3, m = 18            dZL = A - Y
  F2  one sigmoid unit + binary cross-entropy, Y (N,1) / (1,N) or (N,);
      noisy XOR in 2 of 4 features, 4-6-1, m = 20   dZL = A - Y
  F3  sigmoid outputs + binary cross-entropy per unit, multi-label Y;
      random linear labels, 5-7-3, m = 16      dZL = A - Y
  F4  sigmoid outputs + squared error, one-hot targets, 4-6-3, m = 12;
      with 1/2 (loss 1/2 sum (A-Y)^2, dZL = (A-Y) A (1-A)) and without
      (loss sum (A-Y)^2, dZL = 2 (A-Y) A (1-A))
  F5  tanh outputs + squared error (1/2), real targets in (-0.8, 0.8);
      4-6-2, m = 14                            dZL = (A-Y)(1-A^2)
  F6  linear output + squared error, regression; 3-6-1, m = 10: with 1/2
      (dZL = A - Y; A_L dumped in some files, left out in others) and the
      np.mean((A-Y)**2) over all N*K elements (K = 2, and K = 1):
      dZL = 2 (A-Y) / (N*K), dW = A_prev.T@dZ, db = sum(dZ)
Hidden layers tanh, sigmoid or relu (varied by family and layout); one of
them, except two in the N2 correct files of F1, F3, F5 and in
bug-dot-not-outer-rows.

Where the 1/m sits (the convention; m = samples):
  N1  in dW and db: dZL unnormalised, dW = A_prev.T@dZ/m, db = sum(dZ)/m
  N2  in dZL (CS231n): dZL = (...)/m, dW = A_prev.T@dZ, db = sum(dZ)
  N3  nowhere (a summed loss): dZL = (...), dW = A_prev.T@dZ, db = sum(dZ).
      N3 dumps carry no `loss`; a dumped summed cross-entropy is the bug
      sum-loss, a dumped sum of squared errors (SSE) a convention.
The dumped `loss` is always the mean over the samples (F6 mean-all: over all
elements), i.e. the loss N1 and N2 differentiate.

MANIFEST.json lists every file with what `backstep check` must say:
  file, family {id F1..F6, output, loss, half (squared error with 1/2),
  reduction: "mean" over the samples, "sum", or "mean-all" over N*K},
  convention (N1, N2, N3), layout, form (the shape form or "standard"), names
  ("ours" or the naming pattern), expect_exit, faulty (the statements that are
  wrong given their own inputs, in the order a forward -> loss -> backward ->
  update program runs them; an update statement is named by its parameter,
  "b1" for b1_next = b1 - lr*db1), bugs ({statement: catalog id} where one is
  named), words (substrings the text output must contain), note; and hidden
  sizes, acts, samples, labels (what Y is), sign (-1: the dump's gradients are
  the negative gradient, right with an adding update), lr (of the update the
  dump shows), map (ours -> the learner's key, naming cases).
Files (each in both layouts):
  ok-<fam>-<layout>-<n1|n2|n3>[-<variant>].npz   correct steps (exit 0);
      fam f1 f2 f3 f4h (F4 with 1/2) f4 (without) f5 f6 f6m (mean over
      N*K, K=2) f6m1 (K=1); variants: intlabels (F1, Y class numbers (N,)),
      y1d (F2, Y (N,)); F6's N1 files leave A_L out
  norm-<a..d>-<fam>-<layout>.npz   wrong normaliser, for each of f1 f2 f3
      f4h f4 f5 f6 (exit 1):
      a double-normaliser (dZ1 divided by m again under N1),
      b bias-mean (db1 = mean under N2), c dW1 = X.T@dZ1 with no 1/m (N1),
      d N3 gradients with the dumped loss the sum: sum-loss for the
        cross-entropies, right for squared error (exit 0)
  sign-<e..h>-<fam>-<layout>.npz   signs, for the same seven:
      e dW2 alone negated, N1 (exit 1, sign-flip); f dZL = Y - A throughout
      and W_next = W - 0.1 dW, N1 (exit 1, sign-flip on dZL); g dZL = Y - A
      throughout and W_next = W + 0.1 dW, N2 (exit 0, "negative gradient");
      h dZL = Y - A throughout, no update, N3 (exit 0, "negative gradient")
  form-<form>-<fam>-<layout>.npz   shapes learners use: 1-D biases, no
      biases, a bias folded into W1 (ones column/row in X), one sample as
      1-D vectors (no biases / 1-D biases), db (H,) beside b (exit 0 in
      rows; in cols b (H,1) - lr*db broadcasts to (H,H): exit 1)
  names-<pattern>-<layout>.npz     correct steps under learners' key names:
      lower (w1, dw1), underscore (W_1, b_1, dW_1, Z_1, ...), theta (theta1,
      dtheta1), grad-prefix (grad_w1, grad_b1), grad-suffix (W1_grad),
      delta (delta2, delta1), d-hidden (d_output, d_hidden), lower-za (z1,
      a1), lower-zh (z1, h1, z2, h2), xy (x, y), labels, targets, cost, J,
      new (W1_new, ...), after (W1_after, ...)
  update-<case>-<layout>.npz       post-update parameters: ok (lr 0.5), rhs
      (`db1 = b1 - lr*db1`: b1_next == b1), after (W1, b1 dumped after the
      update, lr 0.3: Z1 does not follow), after-all (every parameter: Z1,
      Z2, dZ1 do not follow), nan (W1 already holds NaN/inf after a few steps
      at lr 2.5: no statement is wrong given its inputs, yet exit 1)
  bug-<id>-<layout>.npz            the new catalog bugs: derivative-of-
      activation (output and hidden; hidden only), derivative-of-error,
      delta-not-backpropagated, dot-not-outer, bias-not-reduced,
      update-before-backprop (double-normaliser, bias-mean and sum-loss are
      the norm-a/b/d files)
  raw-<case>-<layout>.npz          raw 0-255 pixels: correct gradients
      (exit 0, "no-normalize"); a naive softmax whose exp overflows (exit 1)
  units-<layout>.npz               units 3-5 of dZ1 (of 9) multiplied by 1.3

Data and parameters are drawn with np.random.RandomState seeded from the
file's name (zlib.crc32) and rounded to float32 precision (stored as
float64); raw pixels are integers; everything computed is float64 (so are
the parameters of update-nan, which come out of its training loop).

Before writing, every dump is re-checked here by a second, independent
implementation: the dump is turned into one rows layout (samples x features,
2-D) and every statement is recomputed with the right formula of its family,
convention and sign from the dump's own inputs to it; the statements that
differ must be exactly the manifest's `faulty` list. Each dump that the
manifest calls correct is also checked against central differences of the
loss its convention differentiates (every dZ, dW and db, element by element).

Rerun (from any directory; output is byte-for-byte deterministic on one
machine; NumPy's SIMD exp and tanh may differ in the last bit between CPUs):
    /usr/bin/python3 testdata/peers/make_family_dumps.py
Uses Debian's NumPy (python3-numpy, 1.24), and mnist.py and make_dumps.py of
this folder for save_npz and statement_order (no MNIST data).
"""

import json
import os
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_dumps  # noqa: E402  (statement_order)
import mnist  # noqa: E402  (the peers' shared module: save_npz)

OUT = os.path.join(HERE, os.pardir, "dumps", "family")
MANIFEST = []
LAYOUTS = ("rows", "cols")
ACTS = ("tanh", "sigmoid", "relu")

FAMILIES = {
    "f1": dict(id="F1", output="softmax", loss="cross-entropy",
               D=5, H=7, K=3, m=18, labels="one-hot"),
    "f2": dict(id="F2", output="sigmoid", loss="binary cross-entropy",
               D=4, H=6, K=1, m=20, labels="binary"),
    "f3": dict(id="F3", output="sigmoid", loss="binary cross-entropy",
               D=5, H=7, K=3, m=16, labels="multi-label"),
    "f4h": dict(id="F4", output="sigmoid", loss="squared error", half=True,
                D=4, H=6, K=3, m=12, labels="one-hot"),
    "f4": dict(id="F4", output="sigmoid", loss="squared error", half=False,
               D=4, H=6, K=3, m=12, labels="one-hot"),
    "f5": dict(id="F5", output="tanh", loss="squared error", half=True,
               D=4, H=6, K=2, m=14, labels="real"),
    "f6": dict(id="F6", output="linear", loss="squared error", half=True,
               D=3, H=6, K=1, m=10, labels="real"),
    "f6m": dict(id="F6", output="linear", loss="squared error", half=False,
                mean_all=True, D=3, H=6, K=2, m=10, labels="real"),
    "f6m1": dict(id="F6", output="linear", loss="squared error", half=False,
                 mean_all=True, D=3, H=6, K=1, m=10, labels="real"),
}
MAIN = ("f1", "f2", "f3", "f4h", "f4", "f5", "f6")


# ---------------------------------------------------------------------------
# data and parameters

def f32(a):
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


def seed_of(name):
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def make_data(fk, rng, m=None):
    """Samples x features X, the learner's working Y (2-D, samples x outputs)
    and the class numbers where there are classes."""
    f = FAMILIES[fk]
    D, K = f["D"], f["K"]
    m = m or f["m"]
    lab = None
    if fk in ("f1", "f4h", "f4"):                       # Gaussian blobs
        lab = rng.permutation(np.arange(m) % K)
        centres = rng.randn(K, D) * 1.5
        X = centres[lab] + rng.randn(m, D)
        Y = np.eye(K)[lab]
    elif fk == "f2":                                    # noisy XOR
        P = rng.uniform(-1, 1, (m, 2))
        lab = (P[:, 0] * P[:, 1] > 0).astype(np.int64)
        X = np.hstack([P, 0.5 * rng.randn(m, D - 2)])
        Y = lab[:, None].astype(np.float64)
    elif fk == "f3":                                    # multi-label
        while True:
            X = rng.randn(m, D)
            Y = ((X @ rng.randn(D, K) + 0.5 * rng.randn(m, K)) > 0.3) * 1.0
            counts = Y.sum(axis=1)
            if (counts != 1).sum() >= 3 and 0 < Y.mean() < 1:
                break
    elif fk == "f5":                                    # real targets in (-0.8, 0.8)
        X = rng.randn(m, D)
        Y = 0.8 * np.tanh(X @ rng.randn(D, K) * 0.6)
    else:                                               # regression
        X = rng.uniform(-2, 2, (m, D))
        y = np.sin(X[:, 0]) + 0.5 * X[:, 1] - 0.3 * X[:, 2] ** 2 + 0.1 * rng.randn(m)
        cols = [y, np.cos(X[:, 1]) - 0.2 * X[:, 0]][:K]
        Y = np.stack(cols, axis=1)
    return f32(X), f32(Y), lab


def make_params(sizes, layout, bias, rng, wscale=1.0, bscale=0.1, fan_in=True):
    """W = randn * wscale / sqrt(fan_in) (just randn * wscale with
    fan_in=False), b = randn * bscale, layer by layer.
    bias: "2d" ((1,n) rows, (n,1) cols), "1d" ((n,)), "none", "folded"
    (no b1: sizes[0] already counts the ones column)."""
    p = {}
    for l, (i, o) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
        W = rng.randn(i, o) * wscale / (np.sqrt(i) if fan_in else 1.0)
        p["W%d" % l] = f32(W if layout == "rows" else W.T)
        if bias == "none" or (bias == "folded" and l == 1):
            continue
        b = f32(rng.randn(o) * bscale)
        if bias == "1d":
            p["b%d" % l] = b
        else:
            p["b%d" % l] = b[None, :] if layout == "rows" else b[:, None]
    return p


# ---------------------------------------------------------------------------
# one training step as a learner writes it

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):              # meant for z
    return sigmoid(z) * (1 - sigmoid(z))


def activate(act, Z):
    if act == "tanh":
        return np.tanh(Z)
    if act == "sigmoid":
        return sigmoid(Z)
    return np.maximum(Z, 0)


def act_grad(act, Z, A):
    if act == "tanh":
        return 1 - A ** 2
    if act == "sigmoid":
        return A * (1 - A)
    return (Z > 0) * 1.0


def train_step(X, Y, p, s, bugs=()):
    """Forward, loss, backward and (when s["lr"]) update of one step.

    X, Y are what the learner computes with (Y one-hot or a 0/1 or real
    column, in the layout; 1-D for one sample). s: layout, fam, conv, acts,
    neg (dZL written Y - A), lr, update ("sub": W - lr dW, "add": W + lr dW).
    `bugs` replace the statements they name. Returns every tensor by name."""
    bugs = set(bugs)
    fam = FAMILIES[s["fam"]]
    rows = s["layout"] == "rows"
    vec = X.ndim == 1
    L = len(s["acts"]) + 1
    sa, ca = (0, 1) if rows else (1, 0)
    if vec:
        ca = 0
    keep = s.get("form", "standard") not in ("bias-1d", "db-1d")
    m = 1 if vec else X.shape[sa]
    t = {}

    # forward
    A = X
    for l in range(1, L + 1):
        W, b = p["W%d" % l], p.get("b%d" % l)
        Z = A @ W if rows else W @ A
        if b is not None:
            Z = Z + (b[:, None] if not rows and not vec and b.ndim == 1 else b)
        if l < L:
            A = activate(s["acts"][l - 1], Z)
        elif fam["output"] == "softmax":
            if "naive-softmax" in bugs:
                expZ = np.exp(Z)
                A = expZ / np.sum(expZ, axis=ca, keepdims=True)
            else:
                expZ = np.exp(Z - np.max(Z, axis=ca, keepdims=True))
                A = expZ / np.sum(expZ, axis=ca, keepdims=True)
        elif fam["output"] == "sigmoid":
            A = sigmoid(Z)
        elif fam["output"] == "tanh":
            A = np.tanh(Z)
        else:
            A = Z
        t["Z%d" % l], t["A%d" % l] = Z, A

    # loss: the mean over the samples (N1, N2), the sum (N3)
    n = A.size if fam.get("mean_all") else m
    if fam["loss"] == "cross-entropy":
        total = -np.sum(Y * np.log(A))
    elif fam["loss"] == "binary cross-entropy":
        total = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    elif fam["half"]:
        total = 0.5 * np.sum((A - Y) ** 2)
    else:
        total = np.sum((A - Y) ** 2)
    t["loss"] = np.array(total if s["conv"] == "N3" else total / n)

    # output delta
    E = (Y - A) if s.get("neg") else (A - Y)
    if fam["output"] == "sigmoid" and fam["loss"] == "squared error":
        if "derivative-of-activation" in bugs:
            dZ = E * sigmoid_prime(A)
        elif "derivative-of-error" in bugs:
            dZ = E * (1 - E)
        else:
            dZ = E * A * (1 - A)
    elif fam["output"] == "tanh":
        dZ = E * (1 - A ** 2)
    else:
        dZ = E
    if fam["loss"] == "squared error" and not fam["half"]:
        dZ = 2 * dZ
    if s["conv"] == "N2":
        dZ = dZ / n

    # backward (and, in update-before-backprop, the update inside the loop)
    lr = s.get("lr")
    step = None if lr is None else (-lr if s.get("update", "sub") == "sub" else lr)
    cur = dict(p)
    for l in range(L, 0, -1):
        t["dZ%d" % l] = dZ
        A_prev = X if l == 1 else t["A%d" % (l - 1)]
        if "dot-not-outer" in bugs:
            dW = np.dot(dZ, t["A%d" % l])               # a scalar
        elif vec:
            dW = np.outer(A_prev, dZ) if rows else np.outer(dZ, A_prev)
        else:
            dW = A_prev.T @ dZ if rows else dZ @ A_prev.T
        if s["conv"] == "N1" and not (l == 1 and "dW1-no-m" in bugs):
            dW = dW / n
        if l == L and "dWL-negated" in bugs:
            dW = -dW
        t["dW%d" % l] = dW
        if "b%d" % l in p:
            if vec or "bias-not-reduced" in bugs:
                db = dZ
            elif l == 1 and "bias-mean" in bugs:
                db = np.mean(dZ, axis=sa, keepdims=keep)
            else:
                db = np.sum(dZ, axis=sa, keepdims=keep)
            if s["conv"] == "N1":
                db = db / n
            t["db%d" % l] = db
        if "update-before-backprop" in bugs:
            cur["W%d" % l] = cur["W%d" % l] + step * dW
            if "b%d" % l in p:
                cur["b%d" % l] = cur["b%d" % l] + step * t["db%d" % l]
        if l == 1:
            break
        W = cur["W%d" % l]
        if vec:
            back = W @ dZ if rows else W.T @ dZ
        else:
            back = dZ @ W.T if rows else W.T @ dZ
        act = s["acts"][l - 2]
        Zp, Ap = t["Z%d" % (l - 1)], t["A%d" % (l - 1)]
        if "derivative-of-activation" in bugs or "derivative-of-activation-hidden" in bugs:
            deriv = sigmoid_prime(Ap) if act == "sigmoid" else 1 - np.tanh(Ap) ** 2
        else:
            deriv = act_grad(act, Zp, Ap)
        if l == 2 and "delta-not-backpropagated" in bugs:
            dZ = dZ * deriv                             # (N,1) broadcasts over units
        else:
            dZ = back * deriv
        if l == 2 and "double-normaliser" in bugs:
            dZ = dZ * (1 / m)
        if l == 2 and "units" in bugs:
            dZ = dZ.copy()
            if rows:
                dZ[:, 3:6] *= 1.3
            else:
                dZ[3:6, :] *= 1.3

    # update
    if lr:
        for l in range(1, L + 1):
            for P in ("W%d" % l, "b%d" % l):
                if P not in p:
                    continue
                if "update-before-backprop" in bugs:
                    t[P + "_next"] = cur[P]
                elif P == "b1" and "update-rhs-b1" in bugs:
                    t[P + "_next"] = p[P]               # db1 = b1 - lr*db1: b1 never moves
                else:
                    t[P + "_next"] = p[P] + step * t["d" + P]
    return t


# ---------------------------------------------------------------------------
# independent re-check, in one rows layout

def one_hot_rows(Y, K):
    return np.eye(K)[np.asarray(Y, dtype=np.int64)]


def to_rows(d, s):
    """The dump as 2-D samples x features arrays, b and db (1,n); returns it
    and the db statements whose update b - lr*db would not keep b's shape."""
    cols = s["layout"] == "cols"
    vec = np.asarray(d["X"]).ndim == 1
    L = sum(1 for k in d if k[0] == "W" and k[1:].isdigit())
    K = np.asarray(d["Z%d" % L]).shape[0 if (cols and not vec) else -1]
    c, bad = {}, set()
    for k, v in d.items():
        v = np.asarray(v, dtype=np.float64)
        base = k[:-5] if k.endswith("_next") else k
        if k == "loss" or v.ndim == 0:
            c[k] = v
        elif k == "Y" and s["labels"].startswith("class numbers"):
            c[k] = one_hot_rows(d["Y"], K)
        elif k == "Y" and v.ndim == 1 and not vec:
            c[k] = v[:, None]                           # one output, per sample
        elif base[0] == "b" or base[:2] == "db":
            bname = base[1:] if base[:2] == "db" else base
            b = np.asarray(d[bname])
            if base[:2] == "db":
                try:
                    ok = np.broadcast_shapes(b.shape, v.shape) == b.shape
                except ValueError:
                    ok = False
                if not ok:
                    bad.add(k)
                    c[k] = v
                    continue
                v = np.broadcast_to(v, b.shape)
            c[k] = v.reshape(1, -1) if v.ndim == 1 else (v.T if cols else v)
        elif v.ndim == 1:                               # one sample
            c[k] = v.reshape(1, -1)
        else:                                           # also W, dW of one sample
            c[k] = v.T if cols else v
    return c, bad, L


def rows_forward(c, L, s, start=None, Zstart=None):
    """Forward pass in rows from c's parameters; from layer `start` on with
    Z_start = Zstart when given. Returns {Z1, A1, ..., ZL, AL}."""
    fam = FAMILIES[s["fam"]]
    out = {}
    for l in range(1, L + 1):
        if start is not None and l < start:
            continue
        if start is not None and l == start:
            Z = Zstart
        else:
            Ain = c["X"] if l == 1 else out["A%d" % (l - 1)]
            Z = Ain @ c["W%d" % l]
            if "b%d" % l in c:
                Z = Z + c["b%d" % l]
        if l < L:
            A = _act(s["acts"][l - 1], Z)
        else:
            A = _out(fam["output"], Z)
        out["Z%d" % l], out["A%d" % l] = Z, A
    return out


def _act(act, Z):
    return {"tanh": np.tanh, "sigmoid": lambda z: 0.5 * (1 + np.tanh(z / 2)),
            "relu": lambda z: np.where(z > 0, z, np.where(np.isnan(z), z, 0.0))}[act](Z)


def _act_prime(act, Z):
    if act == "tanh":
        return 1 / np.cosh(Z) ** 2
    if act == "sigmoid":
        e = 0.5 * (1 + np.tanh(Z / 2))
        return e * (1 - e)
    return np.where(Z > 0, 1.0, 0.0)


def _out(output, Z):
    if output == "softmax":
        shifted = Z - Z.max(axis=1, keepdims=True)
        return np.exp(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))
    if output in ("sigmoid", "tanh"):
        return _act(output, Z)
    return Z


def per_element_loss(fam, A, Y):
    if fam["loss"] == "cross-entropy":
        return -Y * np.log(A)
    if fam["loss"] == "binary cross-entropy":
        return -(Y * np.log(A) + (1 - Y) * np.log1p(-A))
    return (0.5 if fam["half"] else 1.0) * np.square(A - Y)


def out_delta(fam, A, Y):
    """d(sum of per-element losses)/dZ_L, in rows."""
    if fam["loss"] in ("cross-entropy", "binary cross-entropy"):
        return A - Y
    g = (A - Y) * (1 if fam["half"] else 2)
    if fam["output"] == "sigmoid":
        return g * A * (1 - A)
    if fam["output"] == "tanh":
        return g * (1 - A * A)
    return g


def close(got, ref, tol=1e-10):
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        return False
    if not np.array_equal(np.isnan(got), np.isnan(ref)):
        return False
    inf = np.isinf(ref)
    if not np.array_equal(got[inf], ref[inf]):
        return False
    fin = np.isfinite(ref)
    if not np.all(np.isfinite(got[fin])):
        return False
    if not fin.any():
        return True
    scale = max(np.max(np.abs(ref[fin])), 1e-300)
    return np.max(np.abs(got[fin] - ref[fin])) <= tol * scale


def program_order(d, L):
    """Forward, loss, backward (make_dumps.statement_order), then updates."""
    order = [k for k in make_dumps.statement_order(L) if k in d]
    for l in range(1, L + 1):                           # the update statements
        order += [P for P in ("W%d" % l, "b%d" % l) if P + "_next" in d]
    return order


def faulty_statements(d, s):
    """Recompute each statement with the right formula from the dump's own
    inputs to it; return the names that differ, in program order."""
    fam = FAMILIES[s["fam"]]
    c, shape_bad, L = to_rows(d, s)
    sign = s.get("sign", 1)
    m = c["X"].shape[0]
    want = {}
    with np.errstate(all="ignore"):
        for l in range(1, L + 1):
            Ain = c["X"] if l == 1 else c["A%d" % (l - 1)]
            want["Z%d" % l] = Ain @ c["W%d" % l] + c.get("b%d" % l, 0.0)
            Z = c["Z%d" % l]
            want["A%d" % l] = _act(s["acts"][l - 1], Z) if l < L else _out(fam["output"], Z)
        A = c.get("A%d" % L, c["Z%d" % L])
        n = A.size if fam.get("mean_all") else m
        Y = c["Y"]
        want["loss"] = np.sum(per_element_loss(fam, A, Y)) / n
        if s["conv"] == "N3" and fam["loss"] == "squared error":
            want["loss"] = np.sum(per_element_loss(fam, A, Y))  # the textbook SSE
        dZL = sign * out_delta(fam, A, Y)
        want["dZ%d" % L] = dZL / n if s["conv"] == "N2" else dZL
        scale = 1.0 / n if s["conv"] == "N1" else 1.0
        for l in range(L, 0, -1):
            dZ = c["dZ%d" % l]
            Ain = c["X"] if l == 1 else c["A%d" % (l - 1)]
            want["dW%d" % l] = np.einsum("ni,nj->ij", Ain, dZ) * scale
            want["db%d" % l] = dZ.sum(axis=0, keepdims=True) * scale
            if l > 1:
                want["dZ%d" % (l - 1)] = (np.einsum("nj,ij->ni", dZ, c["W%d" % l])
                                          * _act_prime(s["acts"][l - 2], c["Z%d" % (l - 1)]))
        for P in [k for k in c if k.endswith("_next")]:
            base = P[:-5]
            want[base] = c[base] - sign * s["lr"] * c["d" + base]
    bad = []
    for name in program_order(d, L):
        got = c[name + "_next"] if name[0] in "Wb" else c[name]
        if name in shape_bad or not close(got, want[name]):
            bad.append(name)
    return bad


def numerical_check(d, s):
    """Every dZ, dW, db of a correct dump against central differences of the
    loss its convention differentiates (times the sign)."""
    fam = FAMILIES[s["fam"]]
    c, shape_bad, L = to_rows(d, s)
    assert not shape_bad
    sign = s.get("sign", 1)
    m = c["X"].shape[0]
    K = c["Z%d" % L].shape[1]
    n = m * K if fam.get("mean_all") else m
    norm = 1.0 if s["conv"] == "N3" else 1.0 / n

    def J(cc, start=None, Zstart=None):
        # under N1 the dZ are those of the summed loss (the 1/m comes in dW, db)
        k = 1.0 if (start is not None and s["conv"] == "N1") else norm
        f = rows_forward(cc, L, s, start, Zstart)
        return k * np.sum(per_element_loss(fam, f["A%d" % L], c["Y"]))

    def fd(x, fn):
        g = np.zeros_like(x)
        for i in np.ndindex(*x.shape):
            h = 1e-6 * max(1.0, abs(x[i]))
            old = x[i]
            x[i] = old + h
            up = fn()
            x[i] = old - h
            down = fn()
            x[i] = old
            g[i] = (up - down) / (2 * h)
        return g

    checked = []
    for l in range(1, L + 1):
        for P in ("W%d" % l, "b%d" % l, "Z%d" % l):
            grad = "d" + P
            if grad not in c:
                continue
            cc = {k: (v.copy() if k == P else v) for k, v in c.items()}
            if P[0] == "Z":
                x = cc[P]
                num = fd(x, lambda: J(cc, int(P[1:]), x))
            else:
                num = fd(cc[P], lambda: J(cc))
            got = sign * c[grad]
            err = np.max(np.abs(num - got))
            if err > 1e-6 * max(np.max(np.abs(got)), 1e-8):
                raise SystemExit("%s: %s differs from centred differences by %.3g "
                                 "(max |%s| %.3g)" % (s["file"], grad, err, grad,
                                                      np.max(np.abs(got))))
            checked.append(grad)
    return checked


# ---------------------------------------------------------------------------
# writing

def path(name):
    return os.path.join(OUT, name)


def family_words(fk, conv):
    f = FAMILIES[fk]
    out = {"id": f["id"], "output": f["output"], "loss": f["loss"]}
    if "half" in f:
        out["half"] = f["half"]
    if f.get("mean_all"):
        out["reduction"] = "mean-all"                   # np.mean over N*K elements
    else:
        out["reduction"] = "sum" if conv == "N3" else "mean"
    return out


def assemble(t, X, Ydump, p, L, with_loss, with_AL=True):
    """The dump in the order a learner's np.savez lists it."""
    d = {"X": X, "Y": Ydump}
    for l in range(1, L + 1):
        for P in ("W%d" % l, "b%d" % l):
            if P in p:
                d[P] = p[P]
    for l in range(1, L + 1):
        d["Z%d" % l] = t["Z%d" % l]
        if with_AL or l < L:
            d["A%d" % l] = t["A%d" % l]
    if with_loss:
        d["loss"] = t["loss"]
    for l in range(L, 0, -1):
        for g in ("dZ%d" % l, "dW%d" % l, "db%d" % l):
            if g in t:
                d[g] = t[g]
    for k in t:
        if k.endswith("_next"):
            d[k] = t[k]
    return d


def emit(name, s, d, faulty, note, bugs=None, words=(), expect_exit=None,
         rename=None, names="ours", fd=True, **extra):
    """Re-check d (our names), rename it, write it and its manifest entry."""
    s = dict(s, file=name)
    bad = faulty_statements(d, s)
    if bad != list(faulty):
        raise SystemExit("%s: re-check finds %s faulty, manifest says %s"
                         % (name, bad, list(faulty)))
    if expect_exit is None:
        expect_exit = 1 if faulty else 0
    if not faulty and expect_exit == 0 and fd:
        checked = numerical_check(d, s)
        grads = [k for k in d if k[0] == "d" and k[1] in "ZWb" and k[2:].isdigit()]
        assert sorted(checked) == sorted(grads), (name, checked, grads)
    out = d
    if rename:
        assert all(k in d for k in rename), (name, rename)
        out = {rename.get(k, k): v for k, v in d.items()}
    mnist.save_npz(path(name), out)
    X = np.asarray(d["X"])
    L = len(s["acts"]) + 1
    entry = {
        "file": name,
        "family": family_words(s["fam"], s["conv"]),
        "convention": s["conv"],
        "layout": s["layout"],
        "form": s.get("form", "standard"),
        "names": names,
        "expect_exit": expect_exit,
        "faulty": list(faulty),
        "bugs": dict(bugs or {}),
        "words": list(words),
        "note": note,
        "hidden": [np.asarray(d["Z%d" % l]).shape[-1 if s["layout"] == "rows" or X.ndim == 1
                                                   else 0] for l in range(1, L)],
        "acts": list(s["acts"]),
        "samples": 1 if X.ndim == 1 else X.shape[0 if s["layout"] == "rows" else 1],
        "labels": s["labels"],
        "sign": s.get("sign", 1),
    }
    if s.get("lr"):
        entry["lr"] = s["lr"]
    if rename:
        entry["map"] = dict(rename)
    entry.update(extra)
    MANIFEST.append(entry)


def spec(fk, layout, conv, acts=None, **kw):
    f = FAMILIES[fk]
    if acts is None:
        i = MAIN.index(fk) if fk in MAIN else 0
        acts = [ACTS[(i * 2 + LAYOUTS.index(layout)) % 3]]
    labels = f["labels"]
    if labels == "binary":
        labels = "binary (N,1)" if layout == "rows" else "binary (1,N)"
    s = dict(fam=fk, layout=layout, conv=conv, acts=list(acts), labels=labels, sign=1)
    s.update(kw)
    return s


def build(name, s, bugs=(), bias="2d", y1d=False, intlabels=False, with_loss=False,
          with_AL=True, m=None, H=None, wscale=1.0):
    """Data, parameters and one learner's step for spec s; returns the dump
    (our names), the step's tensors and the parameters."""
    f = FAMILIES[s["fam"]]
    rng = np.random.RandomState(seed_of(name))
    X, Y, lab = make_data(s["fam"], rng, m)
    if bias == "folded":
        X = np.hstack([np.ones((X.shape[0], 1)), X])
    D = X.shape[1]
    H = H or f["H"]
    hidden = [H, H - 1][:len(s["acts"])]
    p = make_params([D] + hidden + [f["K"]], s["layout"], bias, rng, wscale)
    if s["layout"] == "cols":
        X, Y = X.T.copy(), Y.T.copy()
    Ydump = Y
    if intlabels:
        Ydump = lab.astype(np.int64)
    elif y1d:
        Ydump = Y.reshape(-1).copy()                    # (N,): the learner reshapes it
    t = train_step(X, Y, p, s, bugs)
    d = assemble(t, X, Ydump, p, len(hidden) + 1, with_loss, with_AL)
    return d, t, p


def bd(layout, rows_text, cols_text):
    return rows_text if layout == "rows" else cols_text


# ---------------------------------------------------------------------------
# the files

def correct_families():
    for i, fk in enumerate(MAIN):
        for li, layout in enumerate(LAYOUTS):
            for ci, conv in enumerate(("N1", "N2", "N3")):
                name = "ok-%s-%s-%s.npz" % (fk, layout, conv.lower())
                s = spec(fk, layout, conv)
                if conv == "N2" and fk in ("f1", "f3", "f5"):
                    s["acts"] = [s["acts"][0], ACTS[(ACTS.index(s["acts"][0]) + 1) % 3]]
                with_loss = conv != "N3" and (i + li + ci) % 2 == 0
                with_AL = not (fk == "f6" and conv == "N1")
                d, _, _ = build(name, s, with_loss=with_loss, with_AL=with_AL)
                emit(name, s, d, [],
                     "correct step, %s, 1/m %s%s%s" % (
                         describe(fk), {"N1": "in dW and db", "N2": "in dZL",
                                        "N3": "nowhere (summed loss, no loss dumped)"}[conv],
                         ", loss dumped" if with_loss else "",
                         "" if with_AL else ", A%d (= Z%d) not dumped"
                         % (len(s["acts"]) + 1, len(s["acts"]) + 1)))
    for layout, conv in (("rows", "N1"), ("cols", "N2")):
        name = "ok-f1-%s-%s-intlabels.npz" % (layout, conv.lower())
        s = spec("f1", layout, conv, labels="class numbers (N,)")
        d, _, _ = build(name, s, intlabels=True, with_loss=layout == "rows")
        emit(name, s, d, [], "correct step, %s, Y as int64 class numbers (N,); the "
             "learner one-hots them (np.eye(3)[y]%s)" % (describe("f1"),
                                                          bd(layout, "", ".T")))
    for layout in LAYOUTS:
        for conv in ("N1", "N2", "N3"):
            name = "ok-f2-%s-%s-y1d.npz" % (layout, conv.lower())
            s = spec("f2", layout, conv, labels="binary (N,)")
            d, _, _ = build(name, s, y1d=True, with_loss=conv == "N1")
            emit(name, s, d, [], "correct step, %s, Y as a 0/1 vector (N,); the learner "
                 "computes with %s" % (describe("f2"), bd(layout, "y.reshape(-1, 1)",
                                                          "y.reshape(1, -1)")))
    for fk in ("f6m", "f6m1"):
        for layout in LAYOUTS:
            name = "ok-%s-%s-n2.npz" % (fk, layout)
            s = spec(fk, layout, "N2", acts=["tanh" if layout == "rows" else "relu"])
            d, _, _ = build(name, s, with_loss=(layout == "rows") == (fk == "f6m"))
            emit(name, s, d, [], "correct step, linear output, loss = np.mean((A2 - Y)**2) "
                 "over all N*K = %d elements: dZ2 = 2*(A2 - Y)/%d, dW2 = %s, db2 = "
                 "np.sum(dZ2, axis=%d, keepdims=True)" % (
                     10 * FAMILIES[fk]["K"], 10 * FAMILIES[fk]["K"],
                     bd(layout, "A1.T @ dZ2", "dZ2 @ A1.T"), bd(layout, 0, 1)))


def describe(fk):
    f = FAMILIES[fk]
    text = "%s output + %s" % (f["output"], f["loss"])
    if "half" in f and not f.get("mean_all"):
        text += " with 1/2" if f["half"] else " without 1/2"
    return text + " (%d-%d-%d, m = %d)" % (f["D"], f["H"], f["K"], f["m"])


def wrong_normaliser():
    for i, fk in enumerate(MAIN):
        for li, layout in enumerate(LAYOUTS):
            dW1 = bd(layout, "X.T @ dZ1", "dZ1 @ X.T")
            sa = bd(layout, 0, 1)
            loss = (i + li) % 2 == 0
            name = "norm-a-%s-%s.npz" % (fk, layout)
            s = spec(fk, layout, "N1")
            d, _, _ = build(name, s, ["double-normaliser"], with_loss=loss)
            emit(name, s, d, ["dZ1"], "1/m in dW and db, and dZ1 = (...) * (1/m) as "
                 "well: dW1 = %s / m divides by m a second time" % dW1,
                 bugs={"dZ1": "double-normaliser"})
            name = "norm-b-%s-%s.npz" % (fk, layout)
            s = spec(fk, layout, "N2")
            d, _, _ = build(name, s, ["bias-mean"], with_loss=not loss)
            emit(name, s, d, ["db1"], "1/m in dZ2; dW1 = %s sums, but db1 = np.mean(dZ1, "
                 "axis=%d, keepdims=True) divides by m again" % (dW1, sa),
                 bugs={"db1": "bias-mean"})
            name = "norm-c-%s-%s.npz" % (fk, layout)
            s = spec(fk, layout, "N1")
            d, _, _ = build(name, s, ["dW1-no-m"], with_loss=loss)
            emit(name, s, d, ["dW1"], "1/m in dW and db, but dW1 = %s without it (m x "
                 "too large)" % dW1, words=["m"])
            name = "norm-d-%s-%s.npz" % (fk, layout)
            s = spec(fk, layout, "N3")
            d, _, _ = build(name, s, with_loss=True)
            if FAMILIES[fk]["loss"] == "squared error":
                # The sum of squared errors is the textbook loss (and the
                # PyTorch tutorial's NumPy net): a convention, not a bug.
                emit(name, s, d, [], "no 1/m anywhere and the dumped loss is the sum of squared "
                     "errors over the %d samples: consistent, so right" % FAMILIES[fk]["m"],
                     words=["summed"])
            else:
                emit(name, s, d, ["loss"], "no 1/m anywhere and the dumped cross-entropy is the "
                     "sum over the %d samples: every gradient is %d x the mean's"
                     % (FAMILIES[fk]["m"], FAMILIES[fk]["m"]), bugs={"loss": "sum-loss"})


def wrong_sign():
    for i, fk in enumerate(MAIN):
        for li, layout in enumerate(LAYOUTS):
            loss = (i + li) % 2 == 1
            name = "sign-e-%s-%s.npz" % (fk, layout)
            s = spec(fk, layout, "N1")
            d, _, _ = build(name, s, ["dWL-negated"], with_loss=loss)
            emit(name, s, d, ["dW2"], "dZ2 = A2 - Y is right but dW2 = -%s / m: the signs "
                 "are mixed" % bd(layout, "A1.T @ dZ2", "dZ2 @ A1.T"),
                 bugs={"dW2": "sign-flip"})
            name = "sign-f-%s-%s.npz" % (fk, layout)
            s = spec(fk, layout, "N1", neg=True, lr=0.1, update="sub")
            d, _, _ = build(name, s, with_loss=loss)
            emit(name, s, d, ["dZ2"], "dZ2 written with Y - A2, everything after follows "
                 "from it, and the update subtracts (W_next = W - 0.1*dW): the network "
                 "climbs the loss", bugs={"dZ2": "sign-flip"})
            name = "sign-g-%s-%s.npz" % (fk, layout)
            s = spec(fk, layout, "N2", neg=True, lr=0.1, update="add", sign=-1)
            d, _, _ = build(name, s, with_loss=not loss)
            emit(name, s, d, [], "dZ2 written with Y - A2 (1/m in it), everything after "
                 "follows, and the update adds (W_next = W + 0.1*dW): a consistent "
                 "convention", words=["negative gradient"])
            name = "sign-h-%s-%s.npz" % (fk, layout)
            s = spec(fk, layout, "N3", neg=True, sign=-1)
            d, _, _ = build(name, s)
            emit(name, s, d, [], "dZ2 written with Y - A2, no 1/m, everything after "
                 "follows; no update in the dump: right if the update adds",
                 words=["negative gradient"])


def shape_forms():
    for layout in LAYOUTS:
        Zb = bd(layout, "X @ W1 + b1", "W1 @ X + b1[:, None]")
        for fk, conv in (("f1", "N1"), ("f2", "N2")):
            name = "form-bias1d-%s-%s.npz" % (fk, layout)
            s = spec(fk, layout, conv, form="bias-1d")
            d, _, _ = build(name, s, bias="1d", with_loss=fk == "f1")
            emit(name, s, d, [], "1-D biases b (n,): Z1 = %s, db = np.sum(dZ, axis=%d) "
                 "(n,)" % (Zb, bd(layout, 0, 1)))
        for fk, conv in (("f3", "N1"), ("f5", "N3")):
            name = "form-nobias-%s-%s.npz" % (fk, layout)
            s = spec(fk, layout, conv, form="no-bias")
            d, _, _ = build(name, s, bias="none")
            emit(name, s, d, [], "no biases at all: Z1 = %s, no b or db keys"
                 % bd(layout, "X @ W1", "W1 @ X"))
        for fk, conv in (("f1", "N2"), ("f4h", "N1")):
            name = "form-folded-%s-%s.npz" % (fk, layout)
            s = spec(fk, layout, conv, form="bias-folded")
            d, _, _ = build(name, s, bias="folded", with_loss=fk == "f1")
            emit(name, s, d, [], "bias folded into W1: X carries a %s of ones first "
                 "(X is %s), W1 is %s, no b1/db1; layer 2 keeps b2" % (
                     bd(layout, "column", "row"),
                     bd(layout, "(N,D+1)", "(D+1,N)"), bd(layout, "(D+1,H)", "(H,D+1)")))
        for fk, bias, form in (("f1", "none", "vector"), ("f4h", "1d", "vector-bias-1d")):
            name = "form-%s-%s-%s.npz" % (form, fk, layout)
            s = spec(fk, layout, "N3", form=form)
            d = one_sample(name, s, bias)
            emit(name, s, d, [], "one sample as 1-D vectors: x (D,), W1 %s, z1 = %s%s, "
                 "dW1 = np.outer(%s); m = 1, so every 1/m convention is the same" % (
                     bd(layout, "(D,H)", "(H,D)"), bd(layout, "x @ W1", "W1 @ x"),
                     "" if bias == "none" else " + b1 (b1 (H,), db1 = dz1)",
                     bd(layout, "x, dz1", "dz1, x")))
        name = "form-db1d-f2-%s.npz" % layout
        s = spec("f2", layout, "N1", form="db-1d")
        d, _, _ = build(name, s, with_loss=True)
        if layout == "rows":
            emit(name, s, d, [], "b1 (1,6), b2 (1,1) but db1 = np.sum(dZ1, axis=0)/m is "
                 "(6,) and db2 (1,): b - lr*db broadcasts back to b's shape, so the "
                 "update is exact")
        else:
            emit(name, s, d, ["db1"], "b1 (6,1) but db1 = np.sum(dZ1, axis=1)/m is (6,): "
                 "b1 - lr*db1 broadcasts to (6,6). db2 (1,) beside b2 (1,1) is harmless",
                 words=["broadcast"])
    for layout, hidden in (("rows", ["sigmoid", "sigmoid"]), ("cols", ["sigmoid"])):
        name = "bug-dot-not-outer-%s.npz" % layout
        s = spec("f1", layout, "N3", acts=hidden, form="vector")
        d = one_sample(name, s, "none", ["dot-not-outer"])
        L = len(hidden) + 1
        faulty = ["dW%d" % l for l in range(L, 0, -1)]
        emit(name, s, d, faulty, "one sample as 1-D vectors, no biases; each dW_l = "
             "np.dot(dz_l, a_l), a scalar, where np.outer(%s) belongs"
             % bd(layout, "a_prev, dz_l", "dz_l, a_prev"),
             bugs={k: "dot-not-outer" for k in faulty})


def one_sample(name, s, bias, bugs=()):
    f = FAMILIES[s["fam"]]
    rng = np.random.RandomState(seed_of(name))
    X, Y, _ = make_data(s["fam"], rng)
    x, y = X[3].copy(), Y[3].copy()
    hidden = [f["H"], f["H"] - 1][:len(s["acts"])]
    p = make_params([f["D"]] + hidden + [f["K"]], s["layout"],
                    "none" if bias == "none" else "1d", rng)
    t = train_step(x, y, p, s, bugs)
    return assemble(t, x, y, p, len(hidden) + 1, False)


NAME_PATTERNS = [
    # pattern, family, convention, needs loss, needs update, ours -> theirs
    ("lower", "f1", "N1", False, False,
     {"W1": "w1", "W2": "w2", "dW1": "dw1", "dW2": "dw2"}),
    ("underscore", "f2", "N2", False, False,
     {k: k[:-1] + "_" + k[-1] for k in ("W1", "b1", "W2", "b2", "Z1", "A1", "Z2", "A2",
                                        "dZ2", "dW2", "db2", "dZ1", "dW1", "db1")}),
    ("theta", "f4h", "N3", False, False,
     {"W1": "theta1", "W2": "theta2", "dW1": "dtheta1", "dW2": "dtheta2"}),
    ("grad-prefix", "f1", "N2", False, False,
     {"dW1": "grad_w1", "db1": "grad_b1", "dW2": "grad_w2", "db2": "grad_b2"}),
    ("grad-suffix", "f3", "N1", False, False,
     {"dW1": "W1_grad", "db1": "b1_grad", "dW2": "W2_grad", "db2": "b2_grad"}),
    ("delta", "f5", "N1", False, False, {"dZ2": "delta2", "dZ1": "delta1"}),
    ("d-hidden", "f2", "N1", False, False, {"dZ1": "d_hidden", "dZ2": "d_output"}),
    ("lower-za", "f1", "N3", False, False,
     {"Z1": "z1", "A1": "a1", "Z2": "z2", "A2": "a2"}),
    ("lower-zh", "f4h", "N2", False, False,
     {"Z1": "z1", "A1": "h1", "Z2": "z2", "A2": "h2"}),
    ("xy", "f6", "N1", False, False, {"X": "x", "Y": "y"}),
    ("labels", "f1", "N1", False, False, {"Y": "labels"}),
    ("targets", "f6", "N2", False, False, {"Y": "targets"}),
    ("cost", "f2", "N1", True, False, {"loss": "cost"}),
    ("J", "f1", "N2", True, False, {"loss": "J"}),
    ("new", "f1", "N1", False, True,
     {"W1_next": "W1_new", "b1_next": "b1_new", "W2_next": "W2_new", "b2_next": "b2_new"}),
    ("after", "f2", "N2", False, True,
     {"W1_next": "W1_after", "b1_next": "b1_after", "W2_next": "W2_after",
      "b2_next": "b2_after"}),
]


def naming():
    for pattern, fk, conv, need_loss, need_update, ren in NAME_PATTERNS:
        for layout in LAYOUTS:
            name = "names-%s-%s.npz" % (pattern, layout)
            s = spec(fk, layout, conv, lr=0.5 if need_update else None)
            d, _, _ = build(name, s, with_loss=need_loss)
            emit(name, s, d, [], "correct step, %s, convention %s, keys %s"
                 % (describe(fk), conv, ", ".join(sorted(ren.values()))),
                 rename=ren, names=pattern)


def updates():
    for layout in LAYOUTS:
        fk = "f1" if layout == "rows" else "f2"
        name = "update-ok-%s.npz" % layout
        s = spec(fk, layout, "N1", lr=0.5)
        d, _, _ = build(name, s, with_loss=True)
        emit(name, s, d, [], "correct step and update W_next = W - 0.5*dW, b_next = "
             "b - 0.5*db for every parameter")

        name = "update-rhs-%s.npz" % layout
        s = spec("f1" if layout == "rows" else "f4h", layout, "N1", lr=0.5)
        d, _, _ = build(name, s, ["update-rhs-b1"])
        emit(name, s, d, ["b1"], "the update line is db1 = b1 - lr*db1: b1_next == b1, "
             "the biases never move (W1, W2, b2 move with lr 0.5); gradients are right "
             "(dumped before the update lines)", words=["does not move"])

        name = "bug-update-before-backprop-%s.npz" % layout
        s = spec(fk, layout, "N1", lr=0.5)
        d, _, _ = build(name, s, ["update-before-backprop"])
        emit(name, s, d, ["dZ1"], "the backward loop updates W2, b2 (lr 0.5) right after "
             "dW2, db2, and then dZ1 = %s * f'(Z1) uses the updated W2 (= W2_next)"
             % bd(layout, "dZ2 @ W2.T", "W2.T @ dZ2"),
             bugs={"dZ1": "update-before-backprop"})

        name = "update-after-%s.npz" % layout
        s = spec("f1", layout, "N1", lr=0.3)
        d, t, _ = build(name, s)
        d = after_update(d, t, ("W1", "b1"))
        s = dict(s, lr=None)
        emit(name, s, d, ["Z1"], "W1, b1 dumped after their update W1 -= 0.3*dW1, "
             "b1 -= 0.3*db1 while Z1 came from the old ones (everything else, W2, b2 "
             "included, is from before the update); dW1, db1 are in the dump",
             words=["updated", "lr"], lr=0.3)

        name = "update-after-all-%s.npz" % layout
        s = spec("f1", layout, "N1", lr=0.3)
        d, t, _ = build(name, s)
        d = after_update(d, t, ("W1", "b1", "W2", "b2"))
        s = dict(s, lr=None)
        emit(name, s, d, ["Z1", "Z2"], "every parameter dumped after the update "
             "(lr 0.3) while Z, A, dZ, dW, db came from the old ones: Z1, Z2 do not follow "
             "from the dumped W, b; dZ1 (through W2) and the rest are right on W + lr dW",
             words=["updated", "lr"], lr=0.3)

        name = "update-nan-%s.npz" % layout
        s = spec("f6", layout, "N1", acts=["relu"], lr=None)
        d, steps, lr = blown_up(name, s)
        emit(name, s, d, [], "regression (inputs x3) trained with lr %g: after %d "
             "steps W1 holds NaN in %d and inf in %d of its %d entries (b1, W2 inf too); "
             "Z2 and everything after it is NaN. Each statement is right given its "
             "inputs: the step is not" % (
                 lr, steps, int(np.isnan(d["W1"]).sum()), int(np.isinf(d["W1"]).sum()),
                 d["W1"].size),
             words=["NaN"], expect_exit=1)


def after_update(d, t, which):
    d = dict(d)
    for P in which:
        d[P] = t[P + "_next"]
    for k in [k for k in d if k.endswith("_next")]:
        del d[k]
    return d


def blown_up(name, s):
    """Train F6 with a learning rate far too high until W1 holds NaN; the
    dump is the step that starts from those parameters."""
    lr = 2.5
    rng = np.random.RandomState(seed_of(name))
    X, Y, _ = make_data("f6", rng)
    X = X * 3
    p = make_params([3, 6, 1], s["layout"], "2d", rng)
    if s["layout"] == "cols":
        X, Y = X.T.copy(), Y.T.copy()
    train = dict(s, lr=lr)
    with np.errstate(all="ignore"):
        for k in range(1, 200):
            t = train_step(X, Y, p, train)
            p = {P: t[P + "_next"] for P in p}
            if np.isnan(p["W1"]).any():
                t = train_step(X, Y, p, s)
                return assemble(t, X, Y, p, 2, True), k, lr
    raise SystemExit("%s: no NaN after 200 steps" % name)


def catalog_bugs():
    for li, layout in enumerate(LAYOUTS):
        conv = ("N3", "N1")[li]
        name = "bug-derivative-of-activation-%s.npz" % layout
        s = spec("f4h", layout, conv, acts=["sigmoid"])
        d, _, _ = build(name, s, ["derivative-of-activation"])
        emit(name, s, d, ["dZ2", "dZ1"], "sigmoid hidden and outputs, squared error; "
             "sigmoid_prime(z) = sigmoid(z)*(1 - sigmoid(z)) called with A2 in dZ2 = "
             "(A2 - Y)*sigmoid_prime(A2) and with A1 in dZ1",
             bugs={"dZ2": "derivative-of-activation", "dZ1": "derivative-of-activation"})

        name = "bug-derivative-of-activation-hidden-%s.npz" % layout
        act = ("sigmoid", "tanh")[li]
        s = spec("f1", layout, ("N2", "N1")[li], acts=[act])
        d, _, _ = build(name, s, ["derivative-of-activation-hidden"], with_loss=li == 0)
        emit(name, s, d, ["dZ1"], "softmax + cross-entropy (dZ2 right); the hidden %s's "
             "derivative is taken of A1 instead of Z1: %s" % (act, {
                 "sigmoid": "sigmoid_prime(A1)",
                 "tanh": "1 - np.tanh(A1)**2"}[act]),
             bugs={"dZ1": "derivative-of-activation"})

        name = "bug-derivative-of-error-%s.npz" % layout
        s = spec("f4h", layout, conv, acts=["sigmoid"])
        d, _, _ = build(name, s, ["derivative-of-error"])
        emit(name, s, d, ["dZ2"], "sigmoid outputs, squared error: E = A2 - Y, dZ2 = "
             "E*(1 - E), the sigmoid's derivative formula applied to the error",
             bugs={"dZ2": "derivative-of-error"})

        name = "bug-delta-not-backpropagated-%s.npz" % layout
        s = spec("f2", layout, ("N1", "N2")[li], acts=["tanh"])
        d, _, _ = build(name, s, ["delta-not-backpropagated"], with_loss=li == 1)
        emit(name, s, d, ["dZ1"], "one sigmoid output unit: dZ1 = dZ2 * (1 - A1**2), "
             "the output delta %s broadcast over the 6 hidden units instead of %s"
             % (bd(layout, "(N,1)", "(1,N)"), bd(layout, "dZ2 @ W2.T", "W2.T @ dZ2")),
             bugs={"dZ1": "delta-not-backpropagated"})

        name = "bug-bias-not-reduced-%s.npz" % layout
        s = spec("f1", layout, "N2", acts=["sigmoid"],
                 form=("bias-1d", "standard")[li])
        d, _, _ = build(name, s, ["bias-not-reduced"], bias=("1d", "2d")[li])
        emit(name, s, d, ["db2", "db1"], "1/m in dZ2, %s biases; db2 = dZ2 and db1 = "
             "dZ1, not summed over the samples (%s): b - lr*db becomes a matrix" % (
                 ("1-D", "(n,1)")[li], bd(layout, "(N,n)", "(n,N)")),
             bugs={"db2": "bias-not-reduced", "db1": "bias-not-reduced"})


def pixels(rng, m, K=3):
    """4x4 'images' of three strokes (row, column, diagonal) with noise,
    raw 0-255 integers stored as float64; samples x 16."""
    patterns = np.zeros((K, 4, 4))
    patterns[0, 1, :] = 1
    patterns[1, :, 2] = 1
    patterns[2] = np.eye(4)
    lab = rng.permutation(np.arange(m) % K)
    img = patterns[lab] * 300 + rng.randn(m, 4, 4) * 40 + 30
    X = np.clip(np.round(img), 0, 255).reshape(m, 16)
    return X, np.eye(K)[lab]


def raw_inputs():
    for li, layout in enumerate(LAYOUTS):
        act = ("tanh", "sigmoid")[li]
        name = "raw-pixels-%s.npz" % layout
        rng = np.random.RandomState(seed_of(name))
        X, Y = pixels(rng, 18)
        assert X.max() == 255
        p = make_params([16, 7, 3], layout, "2d", rng, wscale=0.04)
        s = spec("f1", layout, "N1", acts=[act])
        if layout == "cols":
            X, Y = X.T.copy(), Y.T.copy()
        t = train_step(X, Y, p, s)
        d = assemble(t, X, Y, p, 2, True)
        emit(name, s, d, [], "4x4 images as raw 0-255 pixels (max 255), %s hidden "
             "layer; the gradients are right for these inputs but %d%% of A1 is "
             "saturated (|A1| > 0.99 or outside [0.01, 0.99])" % (
                 act, saturated(act, t["A1"])), words=["no-normalize"], samples_max=255)

        name = "raw-overflow-%s.npz" % layout
        s = spec("f1", layout, "N1", acts=["relu"])
        for k in range(1000):       # the first draw where some, not all, samples overflow
            rng = np.random.RandomState(seed_of(name) + k)
            X, Y = pixels(rng, 18)
            p = make_params([16, 7, 3], layout, "2d", rng, wscale=np.sqrt(2))  # He init
            if layout == "cols":
                X, Y = X.T.copy(), Y.T.copy()
            with np.errstate(all="ignore"):
                t = train_step(X, Y, p, s, ["naive-softmax"])
            hit = int(np.isnan(t["A2"]).any(axis=bd(layout, 1, 0)).sum())
            if 3 <= hit <= 12 and t["Z2"].max() < 2000:
                break
        else:
            raise SystemExit("%s: no draw overflows in 3 to 12 samples" % name)
        d = assemble(t, X, Y, p, 2, True)
        Z2 = t["Z2"]
        over = int((Z2 > 709.78).sum())
        assert over > 0 and np.isnan(t["A2"]).any() and np.isfinite(t["Z2"]).all()
        emit(name, s, d, ["A2"], "raw 0-255 pixels into relu, then A2 = np.exp(Z2) / "
             "np.sum(np.exp(Z2), axis=%d, keepdims=True): max Z2 = %.1f > 709.78, %d "
             "entries of exp(Z2) overflow to inf and inf/inf is NaN in %d of 18 "
             "samples; every later tensor inherits the NaN. Weights are He-initialised "
             "(randn * sqrt(2/fan_in)): only the pixels are out of scale"
             % (bd(layout, 1, 0), Z2.max(), over, hit),
             bugs={"A2": "no-normalize"}, words=["709.78", "no-normalize"])


def saturated(act, A):
    if act == "tanh":
        return round(100 * np.mean(np.abs(A) > 0.99))
    return round(100 * np.mean((A < 0.01) | (A > 0.99)))


def units():
    for layout in LAYOUTS:
        name = "units-%s.npz" % layout
        s = spec("f1", layout, "N1", acts=["tanh"])
        d, _, _ = build(name, s, ["units"], with_loss=True, m=20, H=9)
        emit(name, s, d, ["dZ1"], "5-9-3, 20 samples: hidden units 3-5 (0-based) of dZ1 "
             "are 1.3 x what they should be, units 0-2 and 6-8 are right; dW1, db1 "
             "follow from that dZ1", words=["units 3–5"])


def to_json(v, indent=""):
    """json.dump(indent=1), except that flat lists and small objects stay on
    one line: the manifest reads one field per line."""
    flat = json.dumps(v, ensure_ascii=False)
    if not isinstance(v, (dict, list)) or len(flat) <= 96 and not (
            isinstance(v, dict) and "file" in v):
        return flat
    inner = indent + " "
    if isinstance(v, list):
        items = [inner + to_json(x, inner) for x in v]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    items = [inner + json.dumps(k) + ": " + to_json(x, inner) for k, x in v.items()]
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".npz"):
            os.remove(path(f))
    correct_families()
    wrong_normaliser()
    wrong_sign()
    shape_forms()
    naming()
    updates()
    catalog_bugs()
    raw_inputs()
    units()
    names = [e["file"] for e in MANIFEST]
    assert len(names) == len(set(names))
    with open(path("MANIFEST.json"), "w", encoding="utf-8") as f:
        f.write(to_json({"generator": "testdata/peers/make_family_dumps.py",
                         "rerun": "/usr/bin/python3 testdata/peers/make_family_dumps.py",
                         "files": MANIFEST}) + "\n")
    total = sum(os.path.getsize(path(n)) for n in names) + os.path.getsize(path("MANIFEST.json"))
    ok = sum(1 for e in MANIFEST if e["expect_exit"] == 0)
    print("wrote %d dumps (%d exit 0, %d exit 1) and MANIFEST.json to %s, %.2f MB"
          % (len(MANIFEST), ok, len(MANIFEST) - ok, os.path.normpath(OUT), total / 1e6))


if __name__ == "__main__":
    main()
