# Samples x features, tanh hidden layer, linear output and squared error.
# W2 is updated in place before the hidden delta that needs it is
# computed: update-before-backprop.
import os
import numpy as np

OUT = os.environ.get("DUMP_OUT", ".")
rng = np.random.RandomState(81)
X = rng.randn(30, 4); Y = np.sin(X[:, :2])
W1 = rng.randn(4, 10) * .5; b1 = np.zeros((1, 10)); W2 = rng.randn(10, 2) * .5; b2 = np.zeros((1, 2))
lr = 0.2; m = len(X)
for it in range(3):
    before = {k: v.copy() for k, v in dict(W1=W1, b1=b1, W2=W2, b2=b2).items()}
    Z1 = X @ W1 + b1; A1 = np.tanh(Z1); Z2 = A1 @ W2 + b2
    dZ2 = (Z2 - Y) / m
    dW2 = A1.T @ dZ2; db2 = dZ2.sum(axis=0, keepdims=True)
    W2 -= lr * dW2; b2 -= lr * db2
    dZ1 = dZ2 @ W2.T * (1 - A1 ** 2)
    dW1 = X.T @ dZ1; db1 = dZ1.sum(axis=0, keepdims=True)
    W1 -= lr * dW1; b1 -= lr * db1
    if it == 0:
        np.savez(os.path.join(OUT, "early_update.npz"), X=X, Y=Y, Z1=Z1, A1=A1, Z2=Z2, A2=Z2, dZ2=dZ2, dW2=dW2,
                 db2=db2, dZ1=dZ1, dW1=dW1, db1=db1, W1_next=W1, b1_next=b1, W2_next=W2, b2_next=b2, **before)
