"""Make the `.npz` fixtures for `backstep check` and `--init` (testdata/dumps/).

Written in plain NumPy the way a learner writes a training step, independently
of backstep's Go code. Each step dump holds ONE training step of an MLP on the
first N MNIST test images (784 inputs, tanh/sigmoid/relu hidden layers, softmax
over 10 classes, mean cross-entropy -(1/m) sum(Y * log(A_L)) with m = N):
the data `X`, `Y` (one-hot), the parameters BEFORE the update `W1`, `b1`, ...,
`WL`, `bL` (W = randn * 0.1, b = randn * 0.01, fixed seeds), the forward
tensors `Z1`, `A1`, ..., `ZL`, `AL`, the 0-d `loss`, and the backward tensors
`dZL`, `dWL`, `dbL`, ..., `dZ1`, `dW1`, `db1`.

Two layouts:
  rows  samples x features: X (N,784), W1 (784,H), b1 (1,H), Z1 = X@W1 + b1,
        softmax over axis 1, dW1 = X.T@dZ1/m, db1 = sum(dZ1, axis=0)/m
  cols  features x samples: X (784,N), W1 (H,784), b1 (H,1), Z1 = W1@X + b1,
        softmax over axis 0, dW1 = dZ1@X.T/m, db1 = sum(dZ1, axis=1)/m

Files (all listed in testdata/dumps/MANIFEST.json with layout, act, hidden,
samples, bugs (catalog ids), the faulty statements in execution order, the
exit code `backstep check` should give, a note, and where they apply: `args`
(extra flags for `check`), `causes` (faulty statement -> the catalog bugs that
together reproduce it), `root`, `curve` and `train_args` (for `train --init`)):
  ok-<layout>-<act>-d<depth>.npz   18 correct steps
  bug-<id>-<layout>.npz            one catalog bug each
  question-rows.npz                the question's three backprop bugs at once
  offcatalog-<layout>.npz          a bug no catalog patch reproduces
  float32-rows.npz, intlabels-rows.npz, renamed-rows.npz, square-x-rows.npz
                                   unusual but usable inputs
  object.npz, complex.npz, rank3.npz, truncated.npz, notnumpy.npz, single.npy,
  ambiguous-noz.npz, badbias.npz   inputs to refuse (exit 2)
  ambiguous.npz                    square everywhere; Z1's values settle the layout
  timing-64.npz                    784-60-10, 64 samples, for the 1 s bar
  init-<layout>.npz, init-<layout>-curve.json
                                   784-60-10 weights for `--init` and the loss /
                                   accuracy curve of 20 NumPy epochs from them

Parameters of the step dumps are randn values rounded to float32 precision
(stored as float64) to keep the files small; init-*.npz are exact.

Before writing, every step dump is re-checked here: each statement is
recomputed with the correct formula from the dump's own inputs to it, and the
statements that differ must be exactly the MANIFEST's `faulty` list.

Rerun (from any directory; output is byte-for-byte deterministic):
    /usr/bin/python3 testdata/peers/make_dumps.py
Uses Debian's NumPy (python3-numpy, 1.24) and the MNIST files committed under
testdata/mnist/ (via mnist.py in this folder).
"""

import json
import os
import sys

# One BLAS thread: OpenBLAS splits sums across threads by the machine's load,
# which changes the last bits of a product and so the files' bytes.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mnist  # noqa: E402

OUT = os.path.join(HERE, os.pardir, "dumps")
N = 37                      # batch size: not 1, not 10, 13, 11, 7 or 784
MANIFEST = []


# ---------------------------------------------------------------------------
# data and parameters

def data(layout, n=N):
    X, labels = mnist.load(n)
    Y = mnist.one_hot(labels)
    if layout == "cols":
        X, Y = X.T.copy(), Y.T.copy()
    return X, Y, labels


def init(layout, hidden, seed, wscale=0.1, bscale=0.01):
    """W = randn * wscale, b = randn * bscale; W1 drawn first, then b1, W2, ...
    Each value is rounded to the nearest float32 and kept as float64: that
    halves the compressed size of the 784-wide W1 and changes nothing else
    (every computation below is float64)."""
    rng = np.random.RandomState(seed)
    params = _init(layout, hidden, rng, wscale, bscale)
    return {k: v.astype(np.float32).astype(np.float64) for k, v in params.items()}


def _init(layout, hidden, rng, wscale, bscale):
    sizes = [784] + list(hidden) + [10]
    params = {}
    for l in range(1, len(sizes)):
        fan_in, fan_out = sizes[l - 1], sizes[l]
        if layout == "rows":
            params["W%d" % l] = rng.randn(fan_in, fan_out) * wscale
            params["b%d" % l] = rng.randn(1, fan_out) * bscale
        else:
            params["W%d" % l] = rng.randn(fan_out, fan_in) * wscale
            params["b%d" % l] = rng.randn(fan_out, 1) * bscale
    return params


# ---------------------------------------------------------------------------
# activations, written out as a learner would

def activate(act, Z):
    if act == "tanh":
        return np.tanh(Z)
    if act == "sigmoid":
        return 1.0 / (1.0 + np.exp(-Z))
    if act == "relu":
        return np.maximum(Z, 0)
    raise ValueError(act)


def act_grad(act, Z, A):
    """dA/dZ elementwise."""
    if act == "tanh":
        return 1 - A ** 2
    if act == "sigmoid":
        return A * (1 - A)
    if act == "relu":
        return (Z > 0).astype(np.float64)
    raise ValueError(act)


def softmax(Z, axis):
    E = np.exp(Z - np.max(Z, axis=axis, keepdims=True))
    return E / np.sum(E, axis=axis, keepdims=True)


# ---------------------------------------------------------------------------
# one training step, with optional bugs

def train_step(X, Y, params, layout, act, bugs=()):
    """Forward, loss and backward of one step; returns every tensor by name.
    `bugs` is a set of bug ids; each one replaces the statement it names."""
    bugs = set(bugs)
    L = len(params) // 2
    rows = layout == "rows"
    sample_axis = 0 if rows else 1
    class_axis = 1 if rows else 0
    if "wrong-m" in bugs:
        m = X.shape[1] if rows else X.shape[0]          # 784, the features
    else:
        m = X.shape[0] if rows else X.shape[1]          # N, the samples
    t = {}
    # forward
    A = X
    for l in range(1, L + 1):
        W, b = params["W%d" % l], params["b%d" % l]
        Z = A @ W + b if rows else W @ A + b
        if l < L:
            A = activate(act, Z)
        elif "question" in bugs:
            # the question's own line: no max-shift, over axis 0 (the samples)
            A = np.exp(Z) / np.sum(np.exp(Z), axis=0, keepdims=True)
        elif "softmax-axis" in bugs:
            A = softmax(Z, axis=sample_axis)
        else:
            A = softmax(Z, axis=class_axis)
        t["Z%d" % l], t["A%d" % l] = Z, A
    AL = A
    t["loss"] = np.array(-(1.0 / m) * np.sum(Y * np.log(AL)))
    # backward
    dZ = (Y - AL) if "sign-flip" in bugs else (AL - Y)
    for l in range(L, 0, -1):
        t["dZ%d" % l] = dZ
        Aprev = X if l == 1 else t["A%d" % (l - 1)]
        if rows:
            t["dW%d" % l] = Aprev.T @ dZ / m
        else:
            t["dW%d" % l] = dZ @ Aprev.T / m
        if "bias-axis" in bugs:     # summed over the units instead of the samples
            t["db%d" % l] = np.sum(dZ, axis=class_axis, keepdims=True) / m
        else:
            t["db%d" % l] = np.sum(dZ, axis=sample_axis, keepdims=True) / m
        if l == 1:
            break
        W = params["W%d" % l]
        Zp, Ap = t["Z%d" % (l - 1)], t["A%d" % (l - 1)]
        back = dZ @ W.T if rows else W.T @ dZ
        if l == 2 and "no-transpose-square" in bugs:
            back = dZ @ W if rows else W @ dZ           # W2 square: runs anyway
        if l == 2 and "missing-act-grad" in bugs:
            dZ = back
        elif l == 2 and "offcatalog" in bugs:
            assert act == "tanh"
            dZ = back * (1 - Ap)                        # 1 - A, not 1 - A**2
        else:
            dZ = back * act_grad(act, Zp, Ap)
    return t


# ---------------------------------------------------------------------------
# independent re-check: which statements are wrong given their own inputs?

def statement_order(L):
    order = []
    for l in range(1, L + 1):
        order += ["Z%d" % l, "A%d" % l]
    order.append("loss")
    for l in range(L, 0, -1):
        order += ["dZ%d" % l, "dW%d" % l, "db%d" % l]
    return order


def faulty_statements(d, layout, act, L):
    """Recompute every statement correctly from the dump's own inputs to it;
    return the names whose dumped value differs (shape or > 1e-12 relative)."""
    rows = layout == "rows"
    X, Y = d["X"], d["Y"]
    m = X.shape[0] if rows else X.shape[1]
    sa, ca = (0, 1) if rows else (1, 0)
    want = {}
    for l in range(1, L + 1):
        Ain = X if l == 1 else d["A%d" % (l - 1)]
        W, b = d["W%d" % l], d["b%d" % l]
        want["Z%d" % l] = Ain @ W + b if rows else W @ Ain + b
        Z = d["Z%d" % l]
        want["A%d" % l] = softmax(Z, ca) if l == L else activate(act, Z)
    want["loss"] = -np.sum(Y * np.log(d["A%d" % L])) / m
    want["dZ%d" % L] = d["A%d" % L] - Y
    for l in range(L, 0, -1):
        dZ = d["dZ%d" % l]
        Ain = X if l == 1 else d["A%d" % (l - 1)]
        want["dW%d" % l] = (Ain.T @ dZ if rows else dZ @ Ain.T) / m
        want["db%d" % l] = np.sum(dZ, axis=sa, keepdims=True) / m
        if l > 1:
            W = d["W%d" % l]
            back = dZ @ W.T if rows else W.T @ dZ
            want["dZ%d" % (l - 1)] = back * act_grad(
                act, d["Z%d" % (l - 1)], d["A%d" % (l - 1)])
    bad = []
    for name in statement_order(L):
        got, ref = np.asarray(d[name]), want[name]
        if got.shape != ref.shape:
            bad.append(name)
            continue
        scale = max(np.max(np.abs(ref)), 1e-300)
        if np.max(np.abs(got - ref)) > 1e-12 * scale:
            bad.append(name)
    return bad


# ---------------------------------------------------------------------------
# writing

def path(name):
    return os.path.join(OUT, name)


def save_npz(name, arrays):
    mnist.save_npz(path(name), arrays)


def record(file, layout, act, hidden, samples, bugs, faulty, expect_exit, note, **extra):
    entry = {"file": file, "layout": layout, "act": act,
             "hidden": list(hidden) if hidden is not None else None,
             "samples": samples, "bugs": list(bugs), "faulty": list(faulty),
             "expect_exit": expect_exit, "note": note}
    entry.update(extra)
    MANIFEST.append(entry)


def step_dump(layout, act, hidden, bugs=(), n=N, seed=None, name=None):
    """Build a step dump dict (X, Y, params, every tensor) and its check."""
    X, Y, labels = data(layout, n)
    if seed is None:
        seed = 1000 + len(MANIFEST)
    params = init(layout, hidden, seed)
    t = train_step(X, Y, params, layout, act, bugs)
    L = len(hidden) + 1
    d = {"X": X, "Y": Y}
    for l in range(1, L + 1):
        d["W%d" % l], d["b%d" % l] = params["W%d" % l], params["b%d" % l]
    for k in statement_order(L):
        d[k] = t[k]
    bad = faulty_statements(d, layout, act, L)
    return d, bad, labels


def write_step(name, layout, act, hidden, bugs, faulty, note, n=N, **extra):
    """`bugs` are the patches applied; MANIFEST lists only catalog ids."""
    d, bad, _ = step_dump(layout, act, hidden, bugs, n)
    next_lr = extra.pop("next_lr", None)
    if next_lr is not None:
        # the parameters after the learner's update W = W - lr * dW
        for l in range(1, len(hidden) + 2):
            for p in ("W%d" % l, "b%d" % l):
                d[p + "_next"] = d[p] - next_lr * d["d" + p]
    if faulty and "causes" not in extra:
        catalog = [b for b in bugs if b != "offcatalog"]
        extra["causes"] = {s: list(catalog) for s in faulty}
    bugs = [b for b in bugs if b != "offcatalog"]
    if bad != list(faulty):
        raise SystemExit("%s: re-check finds %s faulty, manifest says %s"
                         % (name, bad, faulty))
    save_npz(name, d)
    record(name, layout, act, hidden, n, bugs, faulty,
           1 if faulty else 0, note, **extra)
    return d


# ---------------------------------------------------------------------------
# the files

def correct_steps():
    for layout in ("rows", "cols"):
        for act in ("tanh", "sigmoid", "relu"):
            for depth, hidden in ((1, [13]), (2, [13, 11]), (3, [13, 11, 7])):
                write_step("ok-%s-%s-d%d.npz" % (layout, act, depth), layout, act,
                           hidden, [], [],
                           "correct step, %s layout, %s, 784-%s-10"
                           % (layout, act, "-".join(map(str, hidden))))


def bd(layout, rows_text, cols_text):
    return rows_text if layout == "rows" else cols_text


def catalog_bugs():
    for layout in ("rows", "cols"):
        write_step(
            "bug-wrong-m-%s.npz" % layout, layout, "tanh", [13], ["wrong-m"],
            ["loss", "dW2", "db2", "dW1", "db1"],
            "m = %s = 784 (features) instead of N = %d samples: the `m` statement is the "
            "root; loss and every dW, db are scaled by N/784 = %.6f (dZ2, dZ1 have no m "
            "and are right)" % (bd(layout, "X.shape[1]", "X.shape[0]"), N, N / 784.0))
        write_step(
            "bug-softmax-axis-%s.npz" % layout, layout, "tanh", [13], ["softmax-axis"],
            ["A2"],
            "softmax normalised over axis %d (the samples) instead of axis %d (the "
            "classes); loss, dZ2, ... are computed correctly from that A2, so only A2 "
            "is faulty" % bd(layout, (0, 1), (1, 0)))
        write_step(
            "bug-bias-axis-%s.npz" % layout, layout, "tanh", [13], ["bias-axis"],
            ["db2", "db1"],
            "db = np.sum(dZ, axis=%d, keepdims=True)/m (over the units, not the "
            "samples) in every layer: db2 and db1 are %s; db2 is ~0 because each "
            "sample's A2 - Y sums to 0" % bd(layout, (1, "(37,1)"), (0, "(1,37)")))
        write_step(
            "bug-sign-flip-%s.npz" % layout, layout, "tanh", [13], ["sign-flip"],
            ["dZ2"],
            "dZ2 = Y - A2 (negated); dW2, db2, dZ1, ... follow correctly from it, and "
            "the update subtracts them (W1_next = W1 - 0.3 * dW1, ...): gradient ascent",
            next_lr=0.3)
        write_step(
            "bug-missing-act-grad-%s.npz" % layout, layout, "tanh", [13],
            ["missing-act-grad"], ["dZ1"],
            "dZ1 = %s without the tanh derivative (1 - A1**2)"
            % bd(layout, "dZ2 @ W2.T", "W2.T @ dZ2"))
        write_step(
            "bug-no-transpose-square-%s.npz" % layout, layout, "tanh", [10],
            ["no-transpose-square"], ["dZ1"],
            "hidden 10 so W2 is 10x10: dZ1 = (%s) * (1 - A1**2), W2 not transposed, "
            "runs without a shape error" % bd(layout, "dZ2 @ W2", "W2 @ dZ2"))


def question():
    write_step(
        "question-rows.npz", "rows", "tanh", [13], ["softmax-axis", "wrong-m", "bias-axis"],
        ["A2", "loss", "dW2", "db2", "dW1", "db1"],
        "the question's backprop: A2 = np.exp(Z2)/np.sum(np.exp(Z2), axis=0, "
        "keepdims=True) (samples, no max-shift), m = X.shape[1] = 784, db = "
        "np.sum(dZ, axis=1, keepdims=True)/m (db2, db1 are (37,1)). Faulty given "
        "their own inputs: A2 (softmax axis); loss (divided by 784, not 37); dW2, dW1 "
        "(scaled by 37/784); db2, db1 (wrong axis AND m). dZ2 = A2 - Y and dZ1 = "
        "dZ2 @ W2.T * (1 - A1**2) are right given their inputs. Root statements: "
        "m, A2, db2, db1",
        root=["m", "A2", "db2", "db1"],
        causes={"A2": ["softmax-axis"], "loss": ["wrong-m"], "dW2": ["wrong-m"],
                "db2": ["bias-axis", "wrong-m"], "dW1": ["wrong-m"],
                "db1": ["bias-axis", "wrong-m"]})


def offcatalog():
    for layout in ("rows", "cols"):
        write_step(
            "offcatalog-%s.npz" % layout, layout, "tanh", [13], ["offcatalog"], ["dZ1"],
            "dZ1 = (%s) * (1 - A1): the tanh derivative written without the square; "
            "no catalog bug reproduces it (bugs is [] on purpose: nothing may be "
            "named)" % bd(layout, "dZ2 @ W2.T", "W2.T @ dZ2"))


def special():
    base, _, labels = step_dump("rows", "tanh", [13], seed=77)

    # float32: a correct step saved in single precision
    save_npz("float32-rows.npz", {k: v.astype(np.float32) for k, v in base.items()})
    record("float32-rows.npz", "rows", "tanh", [13], N, [], [], 0,
           "correct step (computed in float64) saved as float32: usable with a "
           "precision warning (float32 rounding ~6e-8 relative)")

    # integer labels instead of one-hot Y
    d = dict(base)
    d["Y"] = labels.astype(np.int64)
    save_npz("intlabels-rows.npz", d)
    record("intlabels-rows.npz", "rows", "tanh", [13], N, [], [], 0,
           "correct step with Y as int64 labels of shape (37,)")

    # renamed gradient keys
    d = {}
    for k, v in base.items():
        k2 = {"dW1": "grad_w1", "db1": "grad_b1", "dW2": "grad_w2",
              "db2": "grad_b2"}.get(k, k)
        d[k2] = v
    save_npz("renamed-rows.npz", d)
    record("renamed-rows.npz", "rows", "tanh", [13], N, [], [], 0,
           "correct step whose parameter-gradient keys are grad_w1, grad_b1, grad_w2, "
           "grad_b2 (dZ1, dZ2 keep their names); pass the args",
           args=["--map", "dW1=grad_w1", "--map", "db1=grad_b1",
                 "--map", "dW2=grad_w2", "--map", "db2=grad_b2"])

    # object array in place of W1 (savez pickles it)
    d = dict(base)
    d["W1"] = np.array([{"a": 1}], dtype=object)
    save_npz("object.npz", d)
    record("object.npz", None, None, None, N, [], [], 2,
           "W1 is an object array (pickled inside the .npz): refuse, never unpickle")

    # complex W1
    d = dict(base)
    d["W1"] = base["W1"].astype(np.complex128)
    d["W1"][0, 0] += 0.001j
    save_npz("complex.npz", d)
    record("complex.npz", None, None, None, N, [], [], 2,
           "W1 is complex128 (imaginary part 0.001 at [0,0], 0 elsewhere): refuse")

    # rank 3
    d = dict(base)
    d["X"] = base["X"].reshape(N, 28, 28)
    save_npz("rank3.npz", d)
    record("rank3.npz", None, None, None, N, [], [], 2,
           "X has shape (37,28,28), rank 3: refuse")

    # truncated archive
    save_npz("ok-tmp.npz", base)
    with open(path("ok-tmp.npz"), "rb") as f:
        raw = f.read()
    os.remove(path("ok-tmp.npz"))
    with open(path("truncated.npz"), "wb") as f:
        f.write(raw[:len(raw) // 2])
    record("truncated.npz", None, None, None, N, [], [], 2,
           "a valid rows dump cut to half its %d bytes: refuse" % len(raw))

    # not NumPy at all
    with open(path("notnumpy.npz"), "w") as f:
        f.write("this is not a NumPy file, just text with an .npz name\n")
    record("notnumpy.npz", None, None, None, None, [], [], 2,
           "plain text: refuse")

    # a single .npy (one array, no keys)
    with open(path("single.npy"), "wb") as f:
        np.save(f, base["W1"])
    record("single.npy", None, None, None, None, [], [], 2,
           "a plain .npy holding one float64 (784,13) array (W1); no named tensors, "
           "so no training step to check")

    # b1 that fits no layer
    d = dict(base)
    d["b1"] = np.random.RandomState(79).randn(1, 12) * 0.01
    save_npz("badbias.npz", d)
    record("badbias.npz", "rows", "tanh", [13], N, [], [], 2,
           "b1 has shape (1,12) but W1 is (784,13): fits no layer (Z1 etc. are those "
           "of the original (1,13) b1)")


def ambiguous():
    # X square (784 samples x 784 features) but W1 (784,13) still fixes the layout
    d, bad, _ = step_dump("rows", "tanh", [13], n=784)
    assert bad == []
    keep = ("X", "Y", "W1", "b1", "W2", "b2", "dW1", "db1", "dW2", "db2")
    save_npz("square-x-rows.npz", {k: d[k] for k in keep})
    record("square-x-rows.npz", "rows", "tanh", [13], 784, [], [], 0,
           "X is (784,784): as many samples as features, but W1 (784,13), b1 (1,13), "
           "Y (784,10) only fit rows, so the layout is still determined. Only X, Y, "
           "the parameters and their gradients (no Z, A, dZ, loss): the gradient "
           "check alone must pass it")

    # every shape reads the same in both layouts: N = features = hidden = classes = 10
    rng = np.random.RandomState(80)
    X, labels = mnist.load(10)
    X = X[:, 14 * 28 + 9:14 * 28 + 19].copy()       # 10 pixels from the middle row
    Y = mnist.one_hot(labels)
    W1 = rng.randn(10, 10) * 0.1
    b1 = rng.randn(10) * 0.01
    W2 = rng.randn(10, 10) * 0.1
    b2 = rng.randn(10) * 0.01
    p = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    t = train_step(X, Y, p, "rows", "tanh")
    t["db1"], t["db2"] = t["db1"].reshape(10), t["db2"].reshape(10)
    d = {"X": X, "Y": Y}
    d.update(p)
    for k in statement_order(2):
        d[k] = t[k]
    save_npz("ambiguous.npz", d)
    record("ambiguous.npz", "rows", "tanh", [10], 10, [], [], 0,
           "every shape reads both ways: 10 samples x 10 features (middle-row pixels), "
           "hidden 10, 10 classes, all 2-D tensors 10x10, biases and db flat (10,). "
           "Z1's values settle it: Z1 - X @ W1 is the same in every row (a bias over "
           "the samples), so it is a correct rows step",
           args_rows=["--layout", "rows"])
    keep = ("X", "Y", "W1", "b1", "W2", "b2", "dW1", "db1", "dW2", "db2")
    save_npz("ambiguous-noz.npz", {k: d[k] for k in keep})
    record("ambiguous-noz.npz", "rows", "tanh", [10], 10, [], [], 2,
           "the same step without Z1 or any other forward value: nothing settles the "
           "layout. Without --layout: refuse and ask for it; with --layout rows it passes",
           args_rows=["--layout", "rows"])


def timing():
    write_step("timing-64.npz", "rows", "tanh", [60], [], [],
               "correct 784-60-10 rows step on 64 samples: `check` must answer in < 1 s",
               n=64)


def init_and_curve():
    np.random.seed(5)
    W1 = np.random.randn(784, 60) * 0.01
    W2 = np.random.randn(60, 10) * 0.01
    b1 = np.zeros((1, 60))
    b2 = np.zeros((1, 10))
    rows_params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    cols_params = {k: v.T.copy() for k, v in rows_params.items()}
    X, labels = mnist.load(1000)
    Y = mnist.one_hot(labels)
    curves = {}
    for layout, p0 in (("rows", rows_params), ("cols", cols_params)):
        save_npz("init-%s.npz" % layout, p0)
        Xl, Yl = (X, Y) if layout == "rows" else (X.T.copy(), Y.T.copy())
        p = {k: v.copy() for k, v in p0.items()}
        curve = []
        for epoch in range(1, 21):
            t = train_step(Xl, Yl, p, layout, "tanh")
            pred = np.argmax(t["A2"], axis=1 if layout == "rows" else 0)
            curve.append({"epoch": epoch, "loss": float(t["loss"]),
                          "accuracy": float(np.mean(pred == labels))})
            for k in ("W1", "b1", "W2", "b2"):
                p[k] = p[k] - 0.3 * t["d" + k]
        with open(path("init-%s-curve.json" % layout), "w") as f:
            json.dump(curve, f, indent=1)
            f.write("\n")
        curves[layout] = curve
        record("init-%s.npz" % layout, layout, "tanh", [60], 1000, [], [], 2,
               "784-60-10 initial weights only (W = randn*0.01 with np.random.seed(5), "
               "W1 drawn before W2, zero biases%s), for --init. Curve: 20 full-batch "
               "epochs on the first 1000 MNIST test images, lr 0.3; epoch k's loss and "
               "accuracy are the forward pass that starts epoch k. Given to `check` "
               "it has no X, Y or tensors: unusable (2)"
               % ("" if layout == "rows" else "; the transposes of init-rows.npz"),
               curve="init-%s-curve.json" % layout,
               train_args=["--init", "testdata/dumps/init-%s.npz" % layout, "--layout", layout,
                     "--hidden", "60", "--act", "tanh", "--n", "1000", "--lr", "0.3",
                     "--epochs", "20"])
    diff = max(abs(a["loss"] - b["loss"]) for a, b in zip(curves["rows"], curves["cols"]))
    print("init curves: rows vs cols max |loss diff| = %.3g; epoch 1 loss %.6f, "
          "epoch 20 loss %.6f acc %.3f" % (diff, curves["rows"][0]["loss"],
                                          curves["rows"][-1]["loss"],
                                          curves["rows"][-1]["accuracy"]))


def main():
    os.makedirs(OUT, exist_ok=True)
    correct_steps()
    catalog_bugs()
    question()
    offcatalog()
    special()
    ambiguous()
    timing()
    init_and_curve()
    with open(path("MANIFEST.json"), "w") as f:
        json.dump({"generator": "testdata/peers/make_dumps.py",
                   "rerun": "/usr/bin/python3 testdata/peers/make_dumps.py",
                   "files": MANIFEST}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(path(e["file"])) for e in MANIFEST)
    print("wrote %d files to %s, %.2f MB" % (len(MANIFEST), os.path.normpath(OUT),
                                            total / 1e6))


if __name__ == "__main__":
    main()
