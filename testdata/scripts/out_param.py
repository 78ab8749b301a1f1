# One step with no loop, its update written with np.subtract(..., out=W1):
# no update backstep recognises, and W1 and W2 change in place after the
# step read them, so check must not be given them.
import numpy as np
rng = np.random.RandomState(0)
X = rng.randn(20, 3); Y = np.eye(2)[rng.randint(0, 2, 20)]
W1 = rng.randn(3, 4); b1 = np.zeros((1, 4)); W2 = rng.randn(4, 2); b2 = np.zeros((1, 2))
Z1 = X @ W1 + b1; A1 = np.tanh(Z1); Z2 = A1 @ W2 + b2
E = np.exp(Z2 - Z2.max(axis=1, keepdims=True)); A2 = E / E.sum(axis=1, keepdims=True)
dZ2 = (A2 - Y) / 20; dW2 = A1.T @ dZ2; db2 = dZ2.sum(axis=0, keepdims=True)
dZ1 = dZ2 @ W2.T * (1 - A1 ** 2); dW1 = X.T @ dZ1; db1 = dZ1.sum(axis=0, keepdims=True)
np.subtract(W1, 0.5 * dW1, out=W1)
np.subtract(W2, 0.5 * dW2, out=W2)
