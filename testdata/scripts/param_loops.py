# The parameters updated by a loop over a literal of them: zip((W1, b1,
# W2, b2), grads) (the default), zip([W1, b1, W2, b2], grads) ("list"),
# or an index into a list built in the loop ("index": for i in
# range(len(params)): params[i] -= lr * grads[i]). forward and backward
# come from netparts.py beside the script (no Z1 and A1 in the step).
# Correct unless the argument "bug" is given (see netparts.py).
import sys

import numpy as np

from netparts import backward, compute_cost, forward

FORM = ([a for a in sys.argv[1:] if a in ("list", "index")] or ["tuple"])[0]

rng = np.random.RandomState(7)
X = rng.randn(3, 200)
Y = (X[0:1, :] ** 2 + X[1:2, :] > 0.5).astype(float)
rng = np.random.RandomState(2)
W1 = rng.randn(16, 3) * np.sqrt(2.0 / 3); b1 = np.zeros((16, 1))
W2 = rng.randn(1, 16) * 0.25; b2 = np.zeros((1, 1))
lr = 0.1
for epoch in range(25):
    out, cache = forward(X, W1, b1, W2, b2)
    grads = backward(X, Y, cache, W2)
    print(epoch, compute_cost(out, Y))
    if FORM == "tuple":
        for p, g in zip((W1, b1, W2, b2), grads):
            p -= lr * g
    elif FORM == "list":
        for p, g in zip([W1, b1, W2, b2], grads):
            p -= lr * g
    else:
        params = [W1, b1, W2, b2]
        for i in range(len(params)):
            params[i] -= lr * grads[i]
