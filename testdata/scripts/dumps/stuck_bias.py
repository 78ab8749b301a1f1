# Features x samples, softmax output. The update of b1 is written into
# db1 (db1 = b1 - lr * db1): b1 never moves.
import os
import numpy as np

OUT = os.environ.get("DUMP_OUT", ".")
rng = np.random.RandomState(91)
X = rng.randn(5, 40); Y = np.eye(3)[:, rng.randint(0, 3, 40)]
W1 = rng.randn(7, 5) * .3; b1 = rng.randn(7, 1) * .1; W2 = rng.randn(3, 7) * .3; b2 = rng.randn(3, 1) * .1
lr = 0.4; m = 40
for it in range(3):
    Z1 = W1.dot(X) + b1; A1 = np.tanh(Z1); Z2 = W2.dot(A1) + b2
    A2 = np.exp(Z2 - Z2.max(0)) / np.exp(Z2 - Z2.max(0)).sum(0)
    dZ2 = A2 - Y; dW2 = dZ2.dot(A1.T) / m; db2 = dZ2.sum(1, keepdims=True) / m
    dZ1 = W2.T.dot(dZ2) * (1 - A1 ** 2); dW1 = dZ1.dot(X.T) / m; db1 = dZ1.sum(1, keepdims=True) / m
    step = {k: np.copy(v) for k, v in dict(X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2,
                                          dZ2=dZ2, dW2=dW2, db2=db2, dZ1=dZ1, dW1=dW1, db1=db1).items()}
    W1 = W1 - lr * dW1
    db1 = b1 - lr * db1
    W2 = W2 - lr * dW2
    b2 = b2 - lr * db2
    if it == 0:
        np.savez(os.path.join(OUT, "stuck_bias.npz"), W1_next=W1, b1_next=b1, W2_next=W2, b2_next=b2, **step)
