"""Make testdata/dumps/review/: steps a reviewer wrote to break `backstep check`,
each a kind the family dumps (make_family_dumps.py) do not cover, with what
check must say in MANIFEST.json (the same fields as the family manifest).

Correct steps that must pass (exit 0): a ReLU layer dumped without Z1; a ReLU
delta that takes the derivative at exactly 0 as 1 (Z1 >= 0); one sigmoid output
unit kept as vectors (w (H,), z (N,), b a number); softmax regression with no
hidden layer; np.mean of squared error over every output with its 1/K in dW;
L2 regularisation (dW += lam * W, the loss + lam/2 * sum W**2); an Adam step
given as W_next (not checked, not wrong); a leaky-ReLU hidden layer (an
activation backstep does not know: not checked, not wrong); the sum of squared
errors dumped as the loss (the PyTorch tutorial's NumPy network); losses that
keep the log away from 0 (np.log(A2 + 1e-8), a sigmoid unit's
np.log(A + 1e-8) and np.log(1 - A + 1e-8)).
Bugs that must be found (exit 1): one dW without its 1/m among mean gradients;
np.dot of the layer's input with its delta in a one-sample step of square
layers (dot-not-outer); a wrong dZ2 in a negated, summed squared error
without the ½ (only dZ2 is the fault, not the loss or the adding updates); a
cross-entropy with the log guard summed over the samples instead of averaged; a
sigmoid output's delta taken with the derivative of Z2 where every Z2 < 0, so
dZ2 points against the gradient while the update subtracts it (only dZ2 is the
fault: not a sign-flip, and the loss's mean without the ½ is the learner's).
Zero-based layer names, correct: w0, b0, z0, a0 the first layer's beside X
(the Nielsen-style dump of a reviewer's c02), and Nielsen's own numbering
where a0 is the input and a1 = sigmoid(z0) (weights, biases and zs count from
0, activations from the input), and the same with the hidden delta taking
sigmoid's derivative of a0 (the fault is dZ1's, the first layer's).
A step dumped after an in-place update (W -= lr * dW without copies): right
code passes, checked with the weights before the update (W + lr dW); the same
with dZ1 computed from W2 after its update (update-before-backprop) is wrong.
Both keep Z1 and Z2 as faults (the dumped W, b do not give them), as the
family dumps update-after-all-* do. A hidden error sent back without the
output derivative in a negated convention (Rashid's book) is wrong at dW1, and
no sign-flip. A float32 step through two tanh layers where 1 - A**2 rounds to 0
in some units: right (single elements of dZ1 carry float32's rounding, the
tensor does not), and the same with one hidden unit's delta negated: wrong.
A right mini-batch step dumped with the whole training set as X and Y:
unusable (exit 2), with a message that says to dump the batch.

Rerun: /usr/bin/python3 testdata/peers/make_review_dumps.py
"""

import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dumps", "review")
MANIFEST = []
sig = lambda z: 1 / (1 + np.exp(-z))


def save(name, expect_exit, faulty, note, bugs=None, words=(), **arrays):
    np.savez(os.path.join(OUT, name), **arrays)
    MANIFEST.append({"file": name, "expect_exit": expect_exit, "faulty": faulty, "bugs": bugs or {},
                     "words": list(words), "note": note})


def data(rng, n, d, k):
    X = rng.randn(n, d)
    Y = np.eye(k)[rng.randint(0, k, n)]
    return X, Y


def relu_step(rng, ge=False, keep_z=True):
    X, Y = data(rng, 24, 6, 3)
    X[:3] = 0                                     # exact zeros reach Z1 through a zero bias
    W1 = rng.randn(6, 8) * 0.5; b1 = np.zeros((1, 8)); W2 = rng.randn(8, 3) * 0.5; b2 = np.zeros((1, 3))
    m = 24
    Z1 = X @ W1 + b1; A1 = np.maximum(Z1, 0); Z2 = A1 @ W2 + b2
    E = np.exp(Z2 - Z2.max(1, keepdims=True)); A2 = E / E.sum(1, keepdims=True)
    dZ2 = A2 - Y; dW2 = A1.T @ dZ2 / m; db2 = dZ2.sum(0, keepdims=True) / m
    dZ1 = dZ2 @ W2.T * ((Z1 >= 0) if ge else (Z1 > 0)); dW1 = X.T @ dZ1 / m; db1 = dZ1.sum(0, keepdims=True) / m
    d = dict(X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, A1=A1, Z2=Z2, A2=A2, dZ2=dZ2, dW2=dW2, db2=db2,
             dZ1=dZ1, dW1=dW1, db1=db1)
    if keep_z:
        d["Z1"] = Z1
    return d


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(2026)
    save("relu-no-z1.npz", 0, [], "ReLU hidden layer, Z1 not dumped: relu is read from A1 against X @ W1 + b1",
         words=["relu"], **relu_step(rng, keep_z=False))
    save("relu-ge-at-zero.npz", 0, [], "dZ1 uses (Z1 >= 0): at Z1 == 0 (rows 0-2) either derivative is right",
         **relu_step(rng, ge=True))

    X, _ = data(rng, 20, 4, 2); y = (rng.rand(20) > 0.5).astype(float)
    W1 = rng.randn(4, 6) * 0.5; b1 = np.zeros(6); w = rng.randn(6) * 0.5; b = 0.1
    Z1 = X @ W1 + b1; A1 = np.tanh(Z1); z = A1 @ w + b; a = sig(z)
    dz = (a - y) / 20; dw = A1.T @ dz; db = dz.sum(); dZ1 = np.outer(dz, w) * (1 - A1 ** 2)
    save("vector-output.npz", 0, [], "one sigmoid output unit kept as vectors: w (6,), z (20,), b a number, BCE",
         words=["one output unit as vectors"], X=X, Y=y, W1=W1, b1=b1, W2=w, b2=np.array(b), Z1=Z1, A1=A1, Z2=z,
         A2=a, dZ2=dz, dW2=dw, db2=np.array(db), dZ1=dZ1, dW1=X.T @ dZ1, db1=dZ1.sum(0))

    X, Y = data(rng, 30, 5, 4); W = rng.randn(5, 4) * 0.3; bb = np.zeros((1, 4))
    Z = X @ W + bb; E = np.exp(Z - Z.max(1, keepdims=True)); A = E / E.sum(1, keepdims=True)
    dZ = A - Y
    save("softmax-regression.npz", 0, [], "softmax regression, no hidden layer", words=["no hidden layer"],
         X=X, Y=Y, W1=W, b1=bb, Z1=Z, A1=A, dZ1=dZ, dW1=X.T @ dZ / 30, db1=dZ.sum(0, keepdims=True) / 30)

    X = rng.randn(23, 6); Y = rng.randn(23, 3)
    W1 = rng.randn(6, 9) * 0.4; b1 = np.zeros((1, 9)); W2 = rng.randn(9, 3) * 0.4; b2 = np.zeros((1, 3))
    Z1 = X @ W1 + b1; A1 = np.maximum(Z1, 0); Z2 = A1 @ W2 + b2
    loss = np.mean((Z2 - Y) ** 2)
    dZ2 = 2 * (Z2 - Y); k = 1 / (23 * 3)            # the 1/(N*K) of np.mean sits in dW and db
    dW2 = A1.T @ dZ2 * k; db2 = dZ2.sum(0, keepdims=True) * k
    dZ1 = dZ2 @ W2.T * (Z1 > 0); dW1 = X.T @ dZ1 * k; db1 = dZ1.sum(0, keepdims=True) * k
    save("mean-all-in-dw.npz", 0, [], "np.mean over all N*K outputs, its 1/(N*K) in dW and db",
         words=["outputs"], X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=Z2, loss=loss,
         dZ2=dZ2, dW2=dW2, db2=db2, dZ1=dZ1, dW1=dW1, db1=db1)

    d = relu_step(rng)
    lam = 0.01
    d["dW1"] = d["dW1"] + lam * d["W1"]; d["dW2"] = d["dW2"] + lam * d["W2"]
    A2, Y = d["A2"], d["Y"]
    d["loss"] = -np.sum(Y * np.log(A2)) / 24 + lam / 2 * (np.sum(d["W1"] ** 2) + np.sum(d["W2"] ** 2))
    save("l2-regularised.npz", 0, [], "L2 regularisation: dW += 0.01 W, loss + 0.005 sum W**2",
         words=["L2 regularisation"], **d)

    d = relu_step(rng)
    for p in ("W1", "b1", "W2", "b2"):            # one Adam step from zero moments
        g = d["d" + p]; mh = 0.1 * g / (1 - 0.9); vh = 0.001 * g * g / (1 - 0.999)
        d[p + "_next"] = d[p] - 0.001 * mh / (np.sqrt(vh) + 1e-8)
    save("adam-update.npz", 0, [], "an Adam step given as W_next: not plain gradient descent, not checked",
         words=["not plain gradient descent"], **d)

    X, Y = data(rng, 26, 5, 3)
    W1 = rng.randn(5, 8) * 0.5; b1 = np.zeros((1, 8)); W2 = rng.randn(8, 3) * 0.5; b2 = np.zeros((1, 3))
    Z1 = X @ W1 + b1; A1 = np.where(Z1 > 0, Z1, 0.01 * Z1); Z2 = A1 @ W2 + b2
    E = np.exp(Z2 - Z2.max(1, keepdims=True)); A2 = E / E.sum(1, keepdims=True)
    dZ2 = A2 - Y; dZ1 = dZ2 @ W2.T * np.where(Z1 > 0, 1, 0.01)
    save("leaky-relu.npz", 0, [], "leaky ReLU: an activation backstep does not know, A1 and dZ1 not checked",
         words=["hidden activation unknown"], X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2,
         dZ2=dZ2, dW2=A1.T @ dZ2 / 26, db2=dZ2.sum(0, keepdims=True) / 26, dZ1=dZ1, dW1=X.T @ dZ1 / 26,
         db1=dZ1.sum(0, keepdims=True) / 26)

    N, D_in, H, D_out = 16, 10, 7, 3              # the PyTorch tutorial's NumPy network, smaller
    x = rng.randn(N, D_in); y = rng.randn(N, D_out); w1 = rng.randn(D_in, H); w2 = rng.randn(H, D_out)
    h = x.dot(w1); h_relu = np.maximum(h, 0); y_pred = h_relu.dot(w2)
    loss = np.square(y_pred - y).sum()
    grad_y_pred = 2.0 * (y_pred - y); grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h = grad_y_pred.dot(w2.T) * (h > 0); grad_w1 = x.T.dot(grad_h)
    save("sse-tutorial.npz", 0, [], "summed squared error, no biases, learners' names: a convention, right",
         words=["summed"], x=x, y=y, w1=w1, w2=w2, h=h, h_relu=h_relu, y_pred=y_pred, loss=loss,
         grad_y_pred=grad_y_pred, grad_w1=grad_w1, grad_w2=grad_w2)

    d = relu_step(rng)
    d["dW1"] = d["dW1"] * 24
    save("one-dw-without-m.npz", 1, ["dW1"], "dW1 lacks the 1/m the other gradients have",
         words=["divide it by m"], **d)

    rng2 = np.random.RandomState(71)
    x = rng2.randn(6); y = np.eye(6)[2]
    W1 = rng2.randn(6, 6) * .3; b1 = np.zeros(6); W2 = rng2.randn(6, 6) * .3; b2 = np.zeros(6)
    z1 = x @ W1 + b1; a1 = np.tanh(z1); z2 = a1 @ W2 + b2
    p = np.exp(z2 - z2.max()); p /= p.sum(); d2 = p - y; d1 = (W2 @ d2) * (1 - a1 ** 2)
    save("dot-not-outer-square.npz", 1, ["dW2", "dW1"], "one sample, square layers: dW = np.dot(a_prev, delta)",
         bugs={"dW2": "dot-not-outer", "dW1": "dot-not-outer"}, X=x, Y=y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=z1,
         A1=a1, Z2=z2, A2=p, dZ2=d2, dW2=np.dot(a1, d2), db2=d2, dZ1=d1, dW1=np.dot(x, d1), db1=d1)

    X, lab = data(rng, 32, 6, 3)                  # tanh outputs, summed squared error without the 1/2, negated
    Y = np.where(lab > 0, 0.9, -0.9); lr = 0.01
    W1 = rng.randn(6, 4) * 0.4; b1 = np.zeros((1, 4)); W2 = rng.randn(4, 3) * 0.4; b2 = np.zeros((1, 3))
    Z1 = X @ W1 + b1; A1 = sig(Z1); Z2 = A1 @ W2 + b2; A2 = np.tanh(Z2)
    dZ2 = 2 * (Y - A2) * (1 - Z2 ** 2)            # the bug: tanh's derivative taken of Z2, not of A2
    dW2 = A1.T @ dZ2; db2 = dZ2.sum(0, keepdims=True)
    dZ1 = dZ2 @ W2.T * A1 * (1 - A1); dW1 = X.T @ dZ1; db1 = dZ1.sum(0, keepdims=True)
    save("negated-sse-wrong-delta.npz", 1, ["dZ2"], "dZ2 = 2 (Y - A2)(1 - Z2**2), updates add lr dW: only dZ2 is wrong; "
         "the loss (no 1/2, summed) and the adding updates are the learner's convention",
         words=["without ½", "negative gradient"], X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2,
         loss=np.sum((Y - A2) ** 2), dZ2=dZ2, dW2=dW2, db2=db2, dZ1=dZ1, dW1=dW1, db1=db1, W1_next=W1 + lr * dW1,
         b1_next=b1 + lr * db1, W2_next=W2 + lr * dW2, b2_next=b2 + lr * db2)

    r = np.random.RandomState(1)                  # /tmp/advrun/s/11_sigmoid_mse_cols_bug.py, cols layout
    X = r.randint(0, 2, (2, 64)).astype(float); Y = np.logical_xor(X[0], X[1]).astype(float).reshape(1, 64)
    W1 = r.uniform(-1, 1, (4, 2)); b1 = np.zeros((4, 1)); W2 = r.uniform(-1, 1, (1, 4)); b2 = np.zeros((1, 1))
    m = 64; lr = 2.0
    Z1 = W1 @ X + b1; A1 = sig(Z1); Z2 = W2 @ A1 + b2; A2 = sig(Z2)
    dZ2 = 2 * (A2 - Y) / m * Z2 * (1 - Z2)      # the bug: sigmoid's derivative s(1-s) taken of Z2, not of A2
    dW2 = dZ2 @ A1.T; db2 = dZ2.sum(1, keepdims=True)
    dZ1 = W2.T @ dZ2 * A1 * (1 - A1); dW1 = dZ1 @ X.T; db1 = dZ1.sum(1, keepdims=True)
    save("sigmoid-mse-derivative-of-z.npz", 1, ["dZ2"], "dZ2 = 2 (A2 - Y)/m * Z2 (1 - Z2) with every Z2 < 0, updates "
         "subtract lr dW: only dZ2 is wrong, not a sign-flip; the loss (mean, no 1/2) is the learner's convention",
         bugs={"dZ2": ""}, words=["without ½, mean", "(A2 - Y)"], X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1,
         A1=A1, Z2=Z2, A2=A2, loss=np.mean((A2 - Y) ** 2), dZ2=dZ2, dW2=dW2, db2=db2, dZ1=dZ1, dW1=dW1, db1=db1,
         W1_next=W1 - lr * dW1, b1_next=b1 - lr * db1, W2_next=W2 - lr * dW2, b2_next=b2 - lr * db2)

    X, Y = data(rng, 10, 5, 3); X = X.T; Y = Y.T; m = 10; eta = 3.0   # zero-based names, samples as columns
    w0 = rng.randn(4, 5); b0 = rng.randn(4, 1); w1 = rng.randn(3, 4); b1 = rng.randn(3, 1)
    z0 = w0 @ X + b0; a0 = sig(z0); z1 = w1 @ a0 + b1; a1 = sig(z1)
    delta1 = (a1 - Y) * a1 * (1 - a1); nw1 = delta1 @ a0.T; nb1 = delta1.sum(1, keepdims=True)
    delta0 = (w1.T @ delta1) * a0 * (1 - a0); nw0 = delta0 @ X.T; nb0 = delta0.sum(1, keepdims=True)
    step = dict(delta1=delta1, delta0=delta0, nabla_w0=nw0, nabla_b0=nb0, nabla_w1=nw1, nabla_b1=nb1,
                w0_next=w0 - eta / m * nw0, b0_next=b0 - eta / m * nb0, w1_next=w1 - eta / m * nw1,
                b1_next=b1 - eta / m * nb1)
    save("zero-based-names.npz", 0, [], "w0, b0, z0, a0 are the first layer's (X given apart): layers count from 0",
         words=["w0→W1", "a0→A1", "a1→A2"], X=X, Y=Y, w0=w0, b0=b0, w1=w1, b1=b1, z0=z0, a0=a0, z1=z1, a1=a1, **step)
    save("zero-based-nielsen.npz", 0, [], "Nielsen's lists: weights, biases, zs and deltas from 0, activations from "
         "the input: a0 is X, a1 = sigmoid(z0)", words=["w0→W1", "a0→X", "a1→A1", "a2→A2"], a0=X, Y=Y, w0=w0, b0=b0,
         w1=w1, b1=b1, z0=z0, a1=a0, z1=z1, a2=a1, **step)

    bad0 = (w1.T @ delta1) * sig(a0) * (1 - sig(a0))  # the bug: sigmoid_prime applied to the activation
    save("zero-based-nielsen-wrong-delta.npz", 1, ["dZ1"], "Nielsen's numbering, delta0 = w1.T delta1 * "
         "sigmoid_prime(a1): the first layer's delta is wrong", a0=X, Y=Y, w0=w0, b0=b0, w1=w1, b1=b1, z0=z0, a1=a0,
         z1=z1, a2=a1, delta1=delta1, delta0=bad0, nabla_w0=bad0 @ X.T, nabla_b0=bad0.sum(1, keepdims=True),
         nabla_w1=nw1, nabla_b1=nb1)

    X, Y = data(rng, 32, 6, 3); m = 32; lr = 0.5   # dumped after an in-place update
    W1 = rng.randn(6, 4) * 0.4; b1 = np.zeros((1, 4)); W2 = rng.randn(4, 3) * 0.4; b2 = np.zeros((1, 3))
    Z1 = X @ W1 + b1; A1 = np.tanh(Z1); Z2 = A1 @ W2 + b2; E = np.exp(Z2 - Z2.max(1, keepdims=True))
    A2 = E / E.sum(1, keepdims=True)
    dZ2 = A2 - Y; dW2 = A1.T @ dZ2 / m; db2 = dZ2.sum(0, keepdims=True) / m
    dZ1 = dZ2 @ W2.T * (1 - A1 ** 2); dW1 = X.T @ dZ1 / m; db1 = dZ1.sum(0, keepdims=True) / m
    after = dict(X=X, Y=Y, W1=W1 - lr * dW1, b1=b1 - lr * db1, W2=W2 - lr * dW2, b2=b2 - lr * db2, Z1=Z1, A1=A1,
                 Z2=Z2, A2=A2, dZ2=dZ2, dW2=dW2, db2=db2)
    save("after-update.npz", 1, ["Z1", "Z2"], "right code dumped after W -= lr * dW: Z1, Z2 do not follow from the "
         "dumped W, b; dZ1 and the rest are checked with W + lr dW (lr 0.5) and are right",
         words=["after the update", "lr ≈ 0.5", "may well be right"], dZ1=dZ1, dW1=dW1, db1=db1, **after)
    W2u = W2 - lr * dW2                            # the bug: W2 updated before dZ1 reads it
    bad1 = dZ2 @ W2u.T * (1 - A1 ** 2)
    save("after-update-early-w2.npz", 1, ["Z1", "Z2", "dZ1"], "dumped after the update, and dZ1 reads W2 after its update",
         words=["after the update"], dZ1=bad1, dW1=X.T @ bad1 / m, db1=bad1.sum(0, keepdims=True) / m,
         **dict(after, W1=W1 - lr * X.T @ bad1 / m, b1=b1 - lr * bad1.sum(0, keepdims=True) / m))

    d = relu_step(rng)                            # the log kept away from 0: np.log(A2 + 1e-8)
    guarded = -np.mean(np.sum(d["Y"] * np.log(d["A2"] + 1e-8), axis=1))
    save("log-eps-loss.npz", 0, [], "cross-entropy written -mean(sum(Y * log(A2 + 1e-8))): the guard moves the loss "
         "by about 1e-8, not a fault", loss=guarded, **d)
    save("log-eps-loss-summed.npz", 1, ["loss"], "the same guarded cross-entropy summed over the samples while the "
         "gradients average: the loss is wrong", loss=guarded * len(d["X"]), **d)

    X, lab = data(rng, 40, 5, 2)                  # one sigmoid unit, BCE with both logs guarded
    Y = lab[:, 1:]; m = 40
    W1 = rng.randn(5, 4) * 0.5; b1 = np.zeros((1, 4)); W2 = rng.randn(4, 1) * 0.5; b2 = np.zeros((1, 1))
    Z1 = X @ W1 + b1; A1 = np.tanh(Z1); Z2 = A1 @ W2 + b2; A2 = sig(Z2)
    loss = -np.mean(Y * np.log(A2 + 1e-8) + (1 - Y) * np.log(1 - A2 + 1e-8))
    dZ2 = A2 - Y; dW2 = A1.T @ dZ2 / m; db2 = dZ2.sum(0, keepdims=True) / m
    dZ1 = dZ2 @ W2.T * (1 - A1 ** 2); dW1 = X.T @ dZ1 / m; db1 = dZ1.sum(0, keepdims=True) / m
    save("bce-log-eps.npz", 0, [], "one sigmoid unit, binary cross-entropy with log(A2 + 1e-8) and log(1 - A2 + 1e-8)",
         X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2, loss=loss, dZ2=dZ2, dW2=dW2, db2=db2,
         dZ1=dZ1, dW1=dW1, db1=db1)

    r = np.random.RandomState(1)                  # Rashid's book: the hidden error without the output derivative
    x = r.rand(6, 1); t = np.full((3, 1), 0.01); t[1] = 0.99; lr = 0.3
    wih = r.normal(0, 6 ** -0.5, (4, 6)); who = r.normal(0, 4 ** -0.5, (3, 4))
    h = sig(wih @ x); o = sig(who @ h); e = t - o
    g_ho = (e * o * (1 - o)) @ h.T; g_ih = ((who.T @ e) * h * (1 - h)) @ x.T
    save("book-hidden-error-no-output-derivative.npz", 1, ["dW1"], "one sample, sigmoid + 1/2 squared error, errors = "
         "t - o and += lr * grad; the hidden error is who.T @ e without o(1 - o): dW1 wrong, and not a sign-flip "
         "(the sign is the learner's convention)", bugs={"dW1": ""}, X=x, Y=t, W1=wih, W2=who, Z1=wih @ x, A1=h, Z2=who @ h, A2=o,
         dW2=g_ho, dW1=g_ih, W1_next=wih + lr * g_ih, W2_next=who + lr * g_ho)

    r = np.random.RandomState(5)                  # float32 throughout, two tanh layers: 1 - A**2 rounds to 0
    X = r.randn(24, 6).astype(np.float32); Y = np.eye(4, dtype=np.float32)[r.randint(0, 4, 24)]; m = 24
    W1 = r.randn(6, 12).astype(np.float32); b1 = np.zeros((1, 12), np.float32)
    W2 = r.randn(12, 8).astype(np.float32); b2 = np.zeros((1, 8), np.float32)
    W3 = r.randn(8, 4).astype(np.float32); b3 = np.zeros((1, 4), np.float32)
    Z1 = X @ W1 + b1; A1 = np.tanh(Z1); Z2 = A1 @ W2 + b2; A2 = np.tanh(Z2); Z3 = A2 @ W3 + b3
    E = np.exp(Z3 - Z3.max(1, keepdims=True)); A3 = E / E.sum(1, keepdims=True)
    dZ3 = A3 - Y; dZ2 = dZ3 @ W3.T * (1 - A2 ** 2); dZ1 = dZ2 @ W2.T * (1 - A1 ** 2)
    f32 = dict(X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, W3=W3, b3=b3, Z1=Z1, A1=A1, Z2=Z2, A2=A2, Z3=Z3, A3=A3,
               loss=np.float32(-np.sum(Y * np.log(A3)) / m), dZ3=dZ3, dW3=A2.T @ dZ3 / m,
               db3=dZ3.sum(0, keepdims=True) / m, dZ2=dZ2, dW2=A1.T @ dZ2 / m, db2=dZ2.sum(0, keepdims=True) / m)
    save("float32-tanh-saturated.npz", 0, [], "float32 throughout, two tanh layers with units where 1 - A**2 "
         "rounds to 0: single elements of dZ1, dZ2 carry float32's rounding, the tensors are right",
         words=["whole tensor"],
         dZ1=dZ1, dW1=X.T @ dZ1 / m, db1=dZ1.sum(0, keepdims=True) / m, **f32)
    bad = dZ1.copy(); bad[:, 3] *= -1                # the bug: one hidden unit's delta negated
    save("float32-tanh-saturated-one-unit.npz", 1, ["dZ1"], "the same float32 step with one hidden unit's dZ1 "
         "negated: still wrong", dZ1=bad, dW1=X.T @ bad / m, db1=bad.sum(0, keepdims=True) / m, **f32)

    r = np.random.RandomState(6)                  # a mini-batch step dumped beside the whole training set
    Xall = r.randn(60, 5); Yall = np.eye(3)[r.randint(0, 3, 60)]; idx = r.permutation(60)[:12]; m = 12
    X, Y = Xall[idx], Yall[idx]
    W1 = r.randn(5, 6) * 0.5; b1 = np.zeros((1, 6)); W2 = r.randn(6, 3) * 0.5; b2 = np.zeros((1, 3))
    Z1 = X @ W1 + b1; A1 = np.tanh(Z1); Z2 = A1 @ W2 + b2; E = np.exp(Z2 - Z2.max(1, keepdims=True))
    A2 = E / E.sum(1, keepdims=True); dZ2 = A2 - Y; dZ1 = dZ2 @ W2.T * (1 - A1 ** 2)
    save("minibatch-whole-set-as-x.npz", 2, [], "a right step on a batch of 12, dumped with X and Y the whole "
         "training set (60): unusable, and the message says to dump the batch", words=["batch of 12", "X_batch"],
         X=Xall, Y=Yall, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2, dZ2=dZ2, dW2=A1.T @ dZ2 / m,
         db2=dZ2.sum(0, keepdims=True) / m, dZ1=dZ1, dW1=X.T @ dZ1 / m, db1=dZ1.sum(0, keepdims=True) / m)

    X, lab = data(rng, 30, 4, 2)                  # Keras's guard: np.clip(A2, 1e-7, 1 - 1e-7), saturated outputs
    Y = lab[:, 1:]; m = 30
    W1 = rng.randn(4, 6) * 0.5; b1 = rng.randn(1, 6) * 0.1; W2 = rng.randn(6, 1) * 40; b2 = np.zeros((1, 1))
    Z1 = X @ W1 + b1; A1 = np.tanh(Z1); Z2 = A1 @ W2 + b2; A2 = sig(Z2)
    P = np.clip(A2, 1e-7, 1 - 1e-7)
    dZ2 = A2 - Y; dW2 = A1.T @ dZ2 / m; db2 = dZ2.sum(0, keepdims=True) / m
    dZ1 = dZ2 @ W2.T * (1 - A1 ** 2); dW1 = X.T @ dZ1 / m; db1 = dZ1.sum(0, keepdims=True) / m
    step = dict(X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2, dZ2=dZ2, dW2=dW2, db2=db2,
                dZ1=dZ1, dW1=dW1, db1=db1)
    clipped = -np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    plain = np.mean(np.logaddexp(0, -Z2) * Y + np.logaddexp(0, Z2) * (1 - Y))
    assert abs(clipped - plain) > 0.1 * plain, (clipped, plain)  # the saturated samples move it by far
    save("bce-clip-saturated.npz", 0, [], "one sigmoid unit, loss of np.clip(A2, 1e-7, 1 - 1e-7) with outputs "
         "saturated on the wrong side: the clipped loss differs from the plain one by far, and is right as written",
         words=["clipped to [1e-07, 1 − 1e-07]"], loss=clipped, **step)
    save("bce-clip-saturated-summed.npz", 1, ["loss"], "the same clipped loss summed over the samples while the "
         "gradients average: wrong", loss=clipped * m, **step)

    d = relu_step(rng)                            # the same values under two names that read as one role
    save("same-values-two-names.npz", 0, [], "W1 saved also as w1, the one-hot Y also as class numbers y: read "
         "once, not refused", words=["copies", "w1 (the values of W1)", "y (the class numbers of Y)"],
         w1=d["W1"].copy(), y=d["Y"].argmax(1), **d)
    save("different-values-two-names.npz", 2, [], "W1 and w1 both in the dump with different values: say which",
         words=["both W1 and w1", "--map W1=KEY"], w1=d["W1"] * 2, **d)

    with open(os.path.join(OUT, "MANIFEST.json"), "w") as f:
        json.dump({"generator": "testdata/peers/make_review_dumps.py", "files": MANIFEST}, f, indent=1)
        f.write("\n")
    print("wrote %d dumps to %s" % (len(MANIFEST), OUT))


if __name__ == "__main__":
    main()
