# forward and backward imported from a module beside the script
# (netparts.py): the step backstep reads has no Z1 and A1, so the hidden
# activation is read from which of tanh, sigmoid and relu its tensors fit,
# and a tensor that depends on it is not judged when none does. Correct
# unless the argument "bug" is given (see netparts.py).
import numpy as np

from netparts import backward, compute_cost, forward

rng = np.random.RandomState(7)
X = rng.randn(3, 200)
Y = (X[0:1, :] ** 2 + X[1:2, :] > 0.5).astype(float)
rng = np.random.RandomState(2)
W1 = rng.randn(16, 3) * np.sqrt(2.0 / 3); b1 = np.zeros((16, 1))
W2 = rng.randn(1, 16) * 0.25; b2 = np.zeros((1, 1))
lr = 0.1
for epoch in range(25):
    out, cache = forward(X, W1, b1, W2, b2)
    cost = compute_cost(out, Y)
    dW1, db1, dW2, db2 = backward(X, Y, cache, W2)
    W1 -= lr * dW1; b1 -= lr * db1
    W2 -= lr * dW2; b2 -= lr * db2
