# Weights kept in lists (W[i], b[i]) and a loop over the layers, forward
# and backward; the gradients in lists too (dW[i], db[i]). Correct unless
# the argument "bug" is given: then the hidden layers' delta lacks the
# sigmoid's derivative.
import sys

import numpy as np

BUG = "bug" in sys.argv[1:]

np.random.seed(0)
sizes = [3, 10, 8, 2]
X = np.random.randn(100, 3)
labels = (X[:, 0] - X[:, 2] > 0).astype(int)
Y = np.eye(2)[labels]

W = [np.random.randn(sizes[i], sizes[i + 1]) * 0.3 for i in range(len(sizes) - 1)]
b = [np.zeros((1, sizes[i + 1])) for i in range(len(sizes) - 1)]
L = len(W)

def sigmoid(z):
    return 1 / (1 + np.exp(-z))

for epoch in range(15):
    # forward
    acts = [X]
    for i in range(L):
        z = acts[-1] @ W[i] + b[i]
        if i < L - 1:
            acts.append(sigmoid(z))
        else:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            acts.append(e / e.sum(axis=1, keepdims=True))
    loss = -np.mean(np.sum(Y * np.log(acts[-1]), axis=1))
    # backward
    delta = (acts[-1] - Y) / X.shape[0]
    dW = [None] * L
    db = [None] * L
    for i in reversed(range(L)):
        dW[i] = acts[i].T @ delta
        db[i] = delta.sum(axis=0, keepdims=True)
        if i > 0:
            delta = delta @ W[i].T if BUG else (delta @ W[i].T) * acts[i] * (1 - acts[i])
    for i in range(L):
        W[i] -= 1.0 * dW[i]
        b[i] -= 1.0 * db[i]
    print("epoch", epoch, "loss", loss)
