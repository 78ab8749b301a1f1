# Features x samples, sigmoid layers and squared error; the output bias's
# gradient is not summed over the samples (db2 = dZ2 / 16), and the update
# b2 = b2 - db2 (no learning rate) silently makes b2 (2,16).
import os
import numpy as np

OUT = os.environ.get("DUMP_OUT", ".")
rng = np.random.RandomState(131)
X = rng.randn(3, 16); Y = rng.rand(2, 16)
W1 = rng.randn(5, 3); b1 = np.zeros((5, 1)); W2 = rng.randn(2, 5); b2 = np.zeros((2, 1))
sg = lambda z: 1 / (1 + np.exp(-z))
for it in range(2):
    Z1 = W1 @ X + b1; A1 = sg(Z1); Z2 = W2 @ A1 + b2; A2 = sg(Z2)
    dZ2 = (A2 - Y) * A2 * (1 - A2)
    dW2 = dZ2 @ A1.T / 16; db2 = dZ2 / 16
    dZ1 = W2.T @ dZ2 * A1 * (1 - A1)
    dW1 = dZ1 @ X.T / 16; db1 = np.sum(dZ1, axis=1, keepdims=True) / 16
    step = {k: np.copy(v) for k, v in dict(X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2,
                                          dZ2=dZ2, dW2=dW2, db2=db2, dZ1=dZ1, dW1=dW1, db1=db1).items()}
    W1 -= dW1; b1 -= db1; W2 -= dW2; b2 = b2 - db2
    if it == 0:
        np.savez(os.path.join(OUT, "drift.npz"), W1_next=W1, b1_next=b1, W2_next=W2, b2_next=b2, **step)
