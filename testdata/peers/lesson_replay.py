"""NumPy replay of every `backstep lesson`, from the lines the lesson prints.

A lesson prints the lines in which its buggy run's code differs from the
correct run's (`backstep lesson show ID`, and "lines" in `lesson run
--json`). This script holds the reference training step as NumPy lines
(rows layout: X is samples x features, 784-60-10, tanh, softmax over the
classes, mean cross-entropy, full batch, lr 0.3), the variants the lessons'
settings ask for (relu or sigmoid hidden units; sigmoid outputs with half
the squared error; the 1/m in dZ2 alone) and a copy of each lesson's printed
lines. For every lesson it makes the correct program (the reference,
with any buggy line the lesson fixes replaced by its fixed line) and the buggy
program (each fixed line replaced by its buggy line; a buggy line whose fixed
line is "(remove this line)" goes in before the next pair's line), and runs
both with exec, line by line, from a committed init:

    testdata/lessons/init-784-60-10.npz   np.random.seed(0); W1 = randn(784, 60)
                                          * 0.01, then W2 = randn(60, 10) * 0.01,
                                          zero biases (1 x 60), (1 x 10)
    testdata/lessons/init-784-10-10.npz   the same with 10 hidden units, for
                                          no-transpose-square (W2 must be square)
                                          and delta-not-backpropagated (dZ2 must
                                          broadcast against A1)
    testdata/lessons/init-784-30-10.npz   the same with 30 hidden units, for
                                          Nielsen's network (derivative-of-*)

Every lesson runs on the first N = 500 of the embedded MNIST images for 30
epochs, none held out; seed-original runs as the question did, on all
10,000 images for 100 epochs (its buggy run only: its correct run is the
reference, which the other lessons replay); dot-not-outer, one image a
step, on 100 images; derivative-of-error on 120 (see LESSONS). Each lesson's
scenarios (its settings: lr 30 for log-zero, relu for no-normalize, raw
pixels in both runs for naive-tanh, mini-batches of 3/8 of the images for
bias-axis, Nielsen's sigmoid network with mini-batches of 10 at lr 3 for
derivative-of-*, one image at a time at lr 0.03 for dot-not-outer, the 1/m
in dZ2 for bias-mean) are replayed as the Go lesson defines them. Batches
are taken in the images' order.

Per run it writes the curves to testdata/lessons/replay.json: per epoch the
program's own loss, the true accuracy (argmax over the classes against the
labels), the program's own accuracy ("reported"); with mini-batches each is
the mean over the epoch's batches, weighted by their sizes, each batch's
before its own update. Also the parameters' shapes at the end, the first
epoch in which a value the step assigns holds a NaN or an Inf, and where a
statement failed (epoch, batch, the name it assigns). Non-finite numbers
are written as "NaN", "Inf", "-Inf".

Raw pixels into tanh are chaotic, and so are lr 30 and E(1 - E) at lr 3:
rounding differences grow until the runs part. Each run is therefore made twice, the second time with every np.dot
adding its products in the reverse order; "agree_epochs" counts the leading
epochs in which the two agree to 1e-6 (relative) in every figure, and
lessons/numpy_replay_test.go compares backstep with NumPy over those epochs.

The lines here must equal the lesson's (the Go test checks them, with
"{init}" standing for the init file's path), so that this script replays
exactly what the lesson prints.

Run (from any directory; about a minute):
    /usr/bin/python3 testdata/peers/lesson_replay.py
"""

import json
import math
import os
import re
import sys
import time

# One BLAS thread: a threaded np.dot may split its sums differently from run
# to run, and the fixture must not change when nothing else does.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, os.pardir, "lessons")
INIT60 = os.path.join(OUT_DIR, "init-784-60-10.npz")
INIT10 = os.path.join(OUT_DIR, "init-784-10-10.npz")
INIT30 = os.path.join(OUT_DIR, "init-784-30-10.npz")
N, EPOCHS = 500, 30
TOLERANCE = 1e-6

REMOVE = "(remove this line)"
CORRECT_ONCE = "  # correct = 0 only once, before the epoch loop"


def setup_lines(net):
    """The lines that make the data, the weights and the learning rate (and
    the sigmoid helper the learners' lines call, in a sigmoid network)."""
    lines = [
        "X = images.reshape(-1, 784) / 255.0",
        "Y = np.eye(10)[labels]   # one-hot, (N, 10)",
        'W1 = np.load("{init}")["W1"]',
        'b1 = np.load("{init}")["b1"]',
        'W2 = np.load("{init}")["W2"]',
        'b2 = np.load("{init}")["b2"]',
        "lr = 0.3",
    ]
    if "sigmoid" in (net["act"], net["output"]):
        lines.append("sigmoid = lambda z: 1 / (1 + np.exp(-z))")
    return lines


def step_lines(net):
    """One training step of the network as backstep prints it: the hidden
    activation (tanh, relu or sigmoid), the output and its loss (softmax
    with the mean cross-entropy, or sigmoid with half the squared error
    averaged over the samples) and where the 1/m sits ("gradients": in
    every dW and db; "delta": in dZ2 alone, CS231n's placement)."""
    a1, deriv = {"tanh": ("A1 = np.tanh(Z1)", "(1 - A1**2)"),
                 "relu": ("A1 = np.maximum(Z1, 0)", "(Z1 > 0)"),
                 "sigmoid": ("A1 = 1 / (1 + np.exp(-Z1))", "A1 * (1 - A1)")}[net["act"]]
    if net["output"] == "softmax":
        a2 = "E = np.exp(Z2 - Z2.max(axis=1, keepdims=True)); A2 = E / E.sum(axis=1, keepdims=True)"
        loss = "loss = -np.sum(Y * np.log(A2)) / m"
        delta = "A2 - Y"
    else:
        a2 = "A2 = 1 / (1 + np.exp(-Z2))"
        loss = "loss = 0.5 * np.sum((A2 - Y)**2) / m"
        delta = "(A2 - Y) * A2 * (1 - A2)"
    per_m = " / m"
    dz2 = "dZ2 = " + delta
    if net["norm"] == "delta":
        if net["output"] != "softmax":
            raise SystemExit("the 1/m in dZ2 is replayed for softmax outputs only")
        per_m, dz2 = "", "dZ2 = (A2 - Y) / m"
    return [
        "m = X.shape[0]",
        "Z1 = np.dot(X, W1) + b1",
        a1,
        "Z2 = np.dot(A1, W2) + b2",
        a2,
        loss,
        dz2,
        "dW2 = np.dot(A1.T, dZ2)" + per_m,
        "db2 = np.sum(dZ2, axis=0, keepdims=True)" + per_m,
        "dZ1 = np.dot(dZ2, W2.T) * " + deriv,
        "dW1 = np.dot(X.T, dZ1)" + per_m,
        "db1 = np.sum(dZ1, axis=0, keepdims=True)" + per_m,
        "W1 = W1 - lr * dW1",
        "b1 = b1 - lr * db1",
        "W2 = W2 - lr * dW2",
        "b2 = b2 - lr * db2",
        "acc = np.mean(np.argmax(A2, axis=1) == np.argmax(Y, axis=1))",
    ]


def pairs(*lines):
    """(buggy, fixed) pairs from a flat list."""
    return [{"buggy": lines[i], "fixed": lines[i + 1]} for i in range(0, len(lines), 2)]


RAW = ("X = images.reshape(-1, 784)", "X = images.reshape(-1, 784) / 255.0")
ACC = "acc = np.mean(np.argmax(A2, axis=1) == np.argmax(Y, axis=1))"
SHIFT1 = "E = np.exp(Z2 - Z2.max(axis=1, keepdims=True)); A2 = E / E.sum(axis=1, keepdims=True)"


def scenario(name, **kw):
    """A setting both runs share: the network (hidden activation, output,
    where the 1/m sits), setup lines changed ((line, reference line)
    pairs), and mini-batches: a share of the images (rounded up) or a
    number of them."""
    s = {"name": name, "act": "tanh", "output": "softmax", "norm": "gradients", "setting": [],
         "batch_fraction": 0, "batch": 0}
    s.update(kw)
    return s


DEFAULT = [scenario("default settings")]
FIELD_DEFAULT = [scenario("default settings")]
# Nielsen's network ("Neural Networks and Deep Learning", chapter 1): 30
# sigmoid hidden units, sigmoid outputs, half the squared error, mini-batches
# of 10, lr 3.
NIELSEN = [scenario("Nielsen's network", act="sigmoid", output="sigmoid", batch=10,
                    setting=[("lr = 3", "lr = 0.3")])]

# Each lesson's printed lines (rows layout, weights from "{init}") and the
# scenarios it replays, as lessons/stories.go defines them.
LESSONS = [
    {"lesson": "seed-original", "n": 10000, "epochs": 100, "runs": ["buggy"],
     "scenarios": [scenario("the question's run")],
     "lines": pairs(
         "X = images.reshape(-1, 784).astype('float32') / 255", "X = images.reshape(-1, 784) / 255.0",
         "m = X.shape[1]", "m = X.shape[0]",
         "A1 = (np.exp(Z1) - np.exp(-Z1)) / (np.exp(Z1) + np.exp(-Z1))", "A1 = np.tanh(Z1)",
         "E = np.exp(Z2 - Z2.max(axis=0, keepdims=True)); A2 = E / E.sum(axis=0, keepdims=True)", SHIFT1,
         "db2 = np.sum(dZ2, axis=1, keepdims=True) / m", "db2 = np.sum(dZ2, axis=0, keepdims=True) / m",
         "db1 = np.sum(dZ1, axis=1, keepdims=True) / m", "db1 = np.sum(dZ1, axis=0, keepdims=True) / m",
         "correct += sum(np.argmax(A2[i]) == np.argmax(Y[i]) for i in range(Y.shape[1]))" + CORRECT_ONCE,
         REMOVE,
         "acc = correct / Y.shape[0]", ACC)},
    {"lesson": "wrong-m", "scenarios": DEFAULT, "lines": pairs("m = X.shape[1]", "m = X.shape[0]")},
    {"lesson": "softmax-axis", "scenarios": DEFAULT, "lines": pairs(
        "E = np.exp(Z2 - Z2.max(axis=0, keepdims=True)); A2 = E / E.sum(axis=0, keepdims=True)", SHIFT1)},
    {"lesson": "bias-axis",
     "scenarios": [scenario("full batch"), scenario("mini-batches", batch_fraction=3 / 8)],
     "lines": pairs(
         "db2 = np.sum(dZ2, axis=1, keepdims=True) / m", "db2 = np.sum(dZ2, axis=0, keepdims=True) / m",
         "db1 = np.sum(dZ1, axis=1, keepdims=True) / m", "db1 = np.sum(dZ1, axis=0, keepdims=True) / m")},
    {"lesson": "accuracy-loop", "scenarios": DEFAULT, "lines": pairs(
        "acc = sum(np.argmax(A2[i]) == np.argmax(Y[i]) for i in range(Y.shape[1])) / Y.shape[0]", ACC)},
    {"lesson": "counter-not-reset", "scenarios": DEFAULT, "lines": pairs(
        "correct += np.sum(np.argmax(A2, axis=1) == np.argmax(Y, axis=1))" + CORRECT_ONCE, REMOVE,
        "acc = correct / Y.shape[0]", ACC)},
    {"lesson": "bias-axis-nokeepdims", "scenarios": DEFAULT, "lines": pairs(
        "db2 = np.sum(dZ2, axis=1) / m", "db2 = np.sum(dZ2, axis=0, keepdims=True) / m",
        "db1 = np.sum(dZ1, axis=1) / m", "db1 = np.sum(dZ1, axis=0, keepdims=True) / m")},
    {"lesson": "big-init", "scenarios": DEFAULT, "lines": pairs(
        'W1 = np.load("{init}")["W1"] * 100', 'W1 = np.load("{init}")["W1"]',
        'W2 = np.load("{init}")["W2"] * 100', 'W2 = np.load("{init}")["W2"]')},
    {"lesson": "labels-not-onehot", "scenarios": DEFAULT, "lines": pairs(
        "Y = labels.reshape(-1, 1)   # class numbers, (N, 1)", "Y = np.eye(10)[labels]   # one-hot, (N, 10)")},
    {"lesson": "log-zero", "scenarios": [scenario("learning rate 30", setting=[("lr = 30", "lr = 0.3")])],
     "lines": pairs("loss = -np.sum(Y * np.log(A2)) / m",
                    "loss = -np.sum(Y * np.log(np.maximum(A2, 1e-12))) / m")},
    {"lesson": "lr-too-high", "scenarios": DEFAULT, "lines": pairs("lr = 3", "lr = 0.3")},
    {"lesson": "lr-too-low", "scenarios": DEFAULT, "lines": pairs("lr = 0.003", "lr = 0.3")},
    {"lesson": "missing-act-grad", "scenarios": DEFAULT, "lines": pairs(
        "dZ1 = np.dot(dZ2, W2.T)", "dZ1 = np.dot(dZ2, W2.T) * (1 - A1**2)")},
    {"lesson": "naive-tanh",
     "scenarios": [scenario("default settings"), scenario("raw 0–255 pixels", setting=[RAW])],
     "lines": pairs("A1 = (np.exp(Z1) - np.exp(-Z1)) / (np.exp(Z1) + np.exp(-Z1))", "A1 = np.tanh(Z1)")},
    {"lesson": "no-normalize", "scenarios": [scenario("tanh"), scenario("relu", act="relu")],
     "lines": pairs(*RAW)},
    {"lesson": "no-transpose", "scenarios": DEFAULT, "lines": pairs(
        "dZ1 = np.dot(dZ2, W2) * (1 - A1**2)", "dZ1 = np.dot(dZ2, W2.T) * (1 - A1**2)")},
    {"lesson": "no-transpose-square", "init": INIT10, "scenarios": [scenario("10 hidden units")],
     "lines": pairs("dZ1 = np.dot(dZ2, W2) * (1 - A1**2)", "dZ1 = np.dot(dZ2, W2.T) * (1 - A1**2)")},
    {"lesson": "sign-flip", "scenarios": DEFAULT, "lines": pairs("dZ2 = Y - A2", "dZ2 = A2 - Y")},
    {"lesson": "zero-init", "scenarios": DEFAULT, "lines": pairs(
        "W1 = np.zeros((784, 60))", 'W1 = np.load("{init}")["W1"]',
        "W2 = np.zeros((60, 10))", 'W2 = np.load("{init}")["W2"]')},
    # The bugs found in learners' own code (lessons/stories_field.go).
    {"lesson": "derivative-of-activation", "init": INIT30, "scenarios": NIELSEN, "lines": pairs(
        "dZ2 = (A2 - Y) * sigmoid(A2) * (1 - sigmoid(A2))", "dZ2 = (A2 - Y) * A2 * (1 - A2)",
        "dZ1 = np.dot(dZ2, W2.T) * sigmoid(A1) * (1 - sigmoid(A1))", "dZ1 = np.dot(dZ2, W2.T) * A1 * (1 - A1)")},
    # Chaotic at lr 3: two summation orders part after 100 to 150 steps of
    # 10 images whatever the images (on 500: within epoch 3), so the replay
    # runs 120 images, 12 steps an epoch, where they agree for 13 epochs.
    {"lesson": "derivative-of-error", "init": INIT30, "n": 120, "scenarios": NIELSEN, "lines": pairs(
        "E = A2 - Y; dZ2 = E * (1 - E)", "dZ2 = (A2 - Y) * A2 * (1 - A2)")},
    {"lesson": "delta-not-backpropagated", "init": INIT10, "scenarios": [scenario("10 hidden units")],
     "lines": pairs("dZ1 = dZ2 * (1 - A1**2)", "dZ1 = np.dot(dZ2, W2.T) * (1 - A1**2)")},
    # One image per step: 100 images keep the 30 epochs to 3,000 steps.
    {"lesson": "dot-not-outer", "n": 100,
     "scenarios": [scenario("one image at a time", batch=1, setting=[("lr = 0.03", "lr = 0.3")])],
     "lines": pairs(
         "dW2 = np.dot(dZ2.ravel(), A2.ravel())", "dW2 = np.dot(A1.T, dZ2) / m",
         "dW1 = np.dot(dZ1.ravel(), A1.ravel())", "dW1 = np.dot(X.T, dZ1) / m")},
    {"lesson": "double-normaliser", "scenarios": FIELD_DEFAULT, "lines": pairs(
        "dZ1 = np.dot(dZ2, W2.T) * (1 - A1**2) * (1 / m)", "dZ1 = np.dot(dZ2, W2.T) * (1 - A1**2)")},
    {"lesson": "sum-loss", "scenarios": FIELD_DEFAULT, "lines": pairs(
        "loss = -np.sum(Y * np.log(A2))", "loss = -np.sum(Y * np.log(A2)) / m",
        "dW2 = np.dot(A1.T, dZ2)", "dW2 = np.dot(A1.T, dZ2) / m",
        "db2 = np.sum(dZ2, axis=0, keepdims=True)", "db2 = np.sum(dZ2, axis=0, keepdims=True) / m",
        "dW1 = np.dot(X.T, dZ1)", "dW1 = np.dot(X.T, dZ1) / m",
        "db1 = np.sum(dZ1, axis=0, keepdims=True)", "db1 = np.sum(dZ1, axis=0, keepdims=True) / m")},
    {"lesson": "bias-not-reduced", "scenarios": FIELD_DEFAULT, "lines": pairs(
        "db2 = dZ2 / m", "db2 = np.sum(dZ2, axis=0, keepdims=True) / m",
        "db1 = dZ1 / m", "db1 = np.sum(dZ1, axis=0, keepdims=True) / m")},
    {"lesson": "bias-mean", "scenarios": [scenario("1/m in dZ2", norm="delta")], "lines": pairs(
        "db2 = np.mean(dZ2, axis=0, keepdims=True)", "db2 = np.sum(dZ2, axis=0, keepdims=True)",
        "db1 = np.mean(dZ1, axis=0, keepdims=True)", "db1 = np.sum(dZ1, axis=0, keepdims=True)")},
    {"lesson": "update-before-backprop", "scenarios": FIELD_DEFAULT, "lines": pairs(
        "dZ1 = np.dot(dZ2, (W2 - lr * dW2).T) * (1 - A1**2)", "dZ1 = np.dot(dZ2, W2.T) * (1 - A1**2)")},
]


def substitute(program, lines, fixing):
    """Apply line pairs to a program (a list of lines). fixing=True turns
    buggy lines into fixed ones where the program has them (the correct
    run); False turns fixed lines into buggy ones (the buggy run), every
    fixed line must be there. A buggy line with no fixed line goes in
    before the line the next pair changes."""
    out = list(program)
    pending = []
    for p in lines:
        buggy, fixed = p["buggy"], p["fixed"]
        if fixing:
            if fixed != REMOVE and buggy in out:
                out[out.index(buggy)] = fixed
            continue
        if fixed == REMOVE:
            pending.append(buggy)
            continue
        if fixed not in out:
            raise SystemExit("fixed line not in the program: %r" % fixed)
        i = out.index(fixed)
        out[i] = buggy
        out[i:i] = pending
        pending = []
    if pending:
        raise SystemExit("nowhere to put %r" % pending)
    return out


def target(line):
    """The name a line assigns (the last one when it holds several)."""
    names = re.findall(r"(?:^|;)\s*([A-Za-z_]\w*)\s*[-+*/]?=(?!=)", line.split("#")[0])
    return names[-1] if names else None


class ReversedDot:
    """numpy, except that np.dot adds its products in the reverse order."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def dot(a, b):
        return np.dot(np.ascontiguousarray(a[..., ::-1]), np.ascontiguousarray(b[::-1, ...]))


def finite(x):
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return bool(np.all(np.isfinite(x)))
    if isinstance(x, (float, np.floating)):
        return math.isfinite(x)
    return True


def run(setup, step, images, labels, epochs, sc, np_mod, init):
    """Runs the setup once, then the step over the batches for each epoch."""
    env = {"np": np_mod, "images": images, "labels": labels}
    for line in setup:
        exec(line.replace("{init}", init), env)
    X, Y = env["X"], env["Y"]
    env["correct"] = 0
    n = X.shape[0]
    batch = sc["batch"] or (math.ceil(sc["batch_fraction"] * n) if sc["batch_fraction"] else n)
    code = [(compile(line, line, "exec"), target(line)) for line in step]
    out = {"epochs": [], "shapes": None, "first_nonfinite_epoch": None, "error": None}
    with np.errstate(all="ignore"):
        for epoch in range(1, epochs + 1):
            loss = acc = rep = 0.0
            for b, lo in enumerate(range(0, n, batch), start=1):
                hi = min(lo + batch, n)
                env["X"], env["Y"] = X[lo:hi], Y[lo:hi]
                for c, name in code:
                    try:
                        exec(c, env)
                    except ValueError as e:
                        out["error"] = {"epoch": epoch, "batch": b, "statement": name, "message": str(e)}
                        return out
                if out["first_nonfinite_epoch"] is None and not all(
                        finite(env[name]) for _, name in code if name):
                    out["first_nonfinite_epoch"] = epoch
                w = (hi - lo) / n
                loss += w * float(env["loss"])
                acc += w * float(np.mean(np.argmax(env["A2"], axis=1) == labels[lo:hi]))
                rep += w * float(env["acc"])
            out["epochs"].append({"epoch": epoch, "loss": loss, "accuracy": acc, "reported_accuracy": rep})
    out["shapes"] = {k: list(env[k].shape) for k in ("W1", "b1", "W2", "b2")}
    return out


def close(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b))


def agreement(a, b):
    """Leading epochs in which two runs agree in every figure."""
    k = 0
    for x, y in zip(a["epochs"], b["epochs"]):
        if not all(close(x[f], y[f]) for f in ("loss", "accuracy", "reported_accuracy")):
            break
        k += 1
    return k


def jsonable(x):
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [jsonable(v) for v in x]
    if isinstance(x, float):
        return mnist.finite(x)
    return x


def write_inits():
    for hidden, path in ((60, INIT60), (10, INIT10), (30, INIT30)):
        np.random.seed(0)
        W1 = np.random.randn(784, hidden) * 0.01
        W2 = np.random.randn(hidden, 10) * 0.01
        np.savez(path, W1=W1, b1=np.zeros((1, hidden)), W2=W2, b2=np.zeros((1, 10)))


def main():
    t0 = time.perf_counter()
    write_inits()
    # float32 pixels: p / 255 divided in float32 is float64 p / 255 rounded
    # once to float32, for every byte p (what lessons/bugs.go relies on).
    p = np.arange(256, dtype=np.uint8)
    assert np.array_equal(p.astype("float32") / 255, (p / 255.0).astype(np.float32))
    assert np.array_equal((p / 255.0) * 255, p.astype(np.float64))
    images_all, labels_all = mnist.load_images(10000)
    doc = {"generator": "testdata/peers/lesson_replay.py",
           "rerun": "/usr/bin/python3 testdata/peers/lesson_replay.py",
           "numpy": np.__version__, "tolerance": TOLERANCE, "lessons": []}
    for les in LESSONS:
        n, epochs = les.get("n", N), les.get("epochs", EPOCHS)
        init = les.get("init", INIT60)
        images, labels = images_all[:n], labels_all[:n]
        entry = {"lesson": les["lesson"], "init": os.path.basename(init), "n": n, "epochs": epochs,
                 "lines": les["lines"], "scenarios": []}
        for sc in les["scenarios"]:
            setup = substitute(setup_lines(sc), [{"buggy": a, "fixed": b} for a, b in sc["setting"]], False)
            correct = substitute(setup + step_lines(sc), les["lines"], True)
            programs = {"correct": correct, "buggy": substitute(correct, les["lines"], False)}
            runs = {}
            for name in les.get("runs", ["buggy", "correct"]):
                prog = programs[name]
                k = len(setup)
                a = run(prog[:k], prog[k:], images, labels, epochs, sc, np, init)
                b = run(prog[:k], prog[k:], images, labels, epochs, sc, ReversedDot(), init)
                a["agree_epochs"] = agreement(a, b)
                runs[name] = a
                print("%-24s %-19s %-7s %3d epochs, agree %3d, first non-finite %s, error %s  (%.0f s)" % (
                    les["lesson"], sc["name"], name, len(a["epochs"]), a["agree_epochs"],
                    a["first_nonfinite_epoch"], a["error"] and a["error"]["statement"],
                    time.perf_counter() - t0), file=sys.stderr)
            entry["scenarios"].append({"name": sc["name"], "runs": runs})
        doc["lessons"].append(entry)
    with open(os.path.join(OUT_DIR, "replay.json"), "w") as f:
        json.dump(jsonable(doc), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
