# One sample at a time as 1-D vectors, no biases, a sigmoid output and
# squared error: a step check cannot read yet (it needs W1, b1, ...), so
# backstep run shows the iteration and says so (exit 2).
import numpy as np

rng = np.random.RandomState(4)
x = rng.randn(30, 3)
t = (x.sum(axis=1) > 0).astype(float)
W1 = rng.randn(5, 3) * 0.5
W2 = rng.randn(1, 5) * 0.5
lr = 0.1
for i in range(len(x)):
    z1 = W1 @ x[i]
    a1 = np.tanh(z1)
    z2 = W2 @ a1
    a2 = 1 / (1 + np.exp(-z2))
    d2 = (a2 - t[i]) * a2 * (1 - a2)
    dW2 = np.outer(d2, a1)
    d1 = (W2.T @ d2) * (1 - a1 ** 2)
    dW1 = np.outer(d1, x[i])
    W2 -= lr * dW2
    W1 -= lr * dW1
