# One sigmoid output unit, binary cross-entropy, features x samples. The
# deltas are negated throughout (dZ2 = Y - A2) but the update subtracts
# them: gradient ascent.
import os
import numpy as np

OUT = os.environ.get("DUMP_OUT", ".")
rng = np.random.RandomState(12)
X = rng.randn(2, 80); Y = (X[0:1] ** 2 + X[1:2] ** 2 < 1).astype(float)
W1 = rng.randn(5, 2); b1 = np.zeros((5, 1)); W2 = rng.randn(1, 5); b2 = np.zeros((1, 1))
m = 80; alpha = 0.5
for it in range(3):
    Z1 = W1 @ X + b1; A1 = np.tanh(Z1); Z2 = W2 @ A1 + b2; A2 = 1 / (1 + np.exp(-Z2))
    dZ2 = Y - A2
    dW2 = dZ2 @ A1.T / m; db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = W2.T @ dZ2 * (1 - A1 ** 2)
    dW1 = dZ1 @ X.T / m; db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    step = {k: np.copy(v) for k, v in dict(X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2,
                                          dZ2=dZ2, dW2=dW2, db2=db2, dZ1=dZ1, dW1=dW1, db1=db1).items()}
    W1 = W1 - alpha * dW1; b1 = b1 - alpha * db1; W2 = W2 - alpha * dW2; b2 = b2 - alpha * db2
    if it == 0:
        np.savez(os.path.join(OUT, "ascent.npz"), W1_next=W1, b1_next=b1, W2_next=W2, b2_next=b2, **step)
