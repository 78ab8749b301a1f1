# A step that runs away: tanh written with np.exp and a learning rate far
# too large. Its first iterations are finite; later ones overflow exp and
# turn the activations into NaN (Inf / Inf). backstep run --continue
# watches the untraced iterations for it.
import numpy as np

rng = np.random.RandomState(0)
X = rng.randn(50, 4)
Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
W1 = rng.randn(4, 6) * 0.5
b1 = np.zeros((1, 6))
W2 = rng.randn(6, 2) * 0.5
b2 = np.zeros((1, 2))
m = X.shape[0]
lr = 400.0

for it in range(40):
    Z1 = X @ W1 + b1
    A1 = (np.exp(Z1) - np.exp(-Z1)) / (np.exp(Z1) + np.exp(-Z1))
    Z2 = A1 @ W2 + b2
    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    A2 = E / E.sum(axis=1, keepdims=True)
    dZ2 = A2 - Y
    dW2 = A1.T @ dZ2 / m
    db2 = dZ2.sum(axis=0, keepdims=True) / m
    dZ1 = dZ2 @ W2.T * (1 - A1 ** 2)
    dW1 = X.T @ dZ1 / m
    db1 = dZ1.sum(axis=0, keepdims=True) / m
    W1 = W1 - lr * dW1
    b1 = b1 - lr * db1
    W2 = W2 - lr * dW2
    b2 = b2 - lr * db2
print("A1 has", int(np.isnan(A1).sum()), "NaN at the end")
