# A ReLU hidden layer and a sigmoid output, features x samples, with
# forward a function that returns (A2, cache) and backward one that takes
# the cache: the training loop never names Z1 or A1. The cache is a tuple,
# or a dict with the argument "dict"; the argument "bug" drops the 1/m of
# dW1 (its only bug). Correct without it.
import sys

import numpy as np

DICT = "dict" in sys.argv[1:]
BUG = "bug" in sys.argv[1:]


def init(n_x, n_h, n_y):
    rng = np.random.RandomState(2)
    W1 = rng.randn(n_h, n_x) * np.sqrt(2.0 / n_x)
    b1 = np.zeros((n_h, 1))
    W2 = rng.randn(n_y, n_h) * np.sqrt(1.0 / n_h)
    b2 = np.zeros((n_y, 1))
    return W1, b1, W2, b2


def relu(Z):
    return np.maximum(0, Z)


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def forward(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    A1 = relu(Z1)
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)
    if DICT:
        cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    else:
        cache = (Z1, A1, Z2, A2)
    return A2, cache


def compute_cost(A2, Y):
    m = Y.shape[1]
    return -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m


def backward(X, Y, cache, W2):
    if DICT:
        Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    else:
        Z1, A1, Z2, A2 = cache
    m = X.shape[1]
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (Z1 > 0)
    dW1 = dZ1 @ X.T if BUG else (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return dW1, db1, dW2, db2


rng = np.random.RandomState(7)
X = rng.randn(3, 200)
Y = (X[0:1, :] ** 2 + X[1:2, :] > 0.5).astype(float)
W1, b1, W2, b2 = init(3, 16, 1)
lr = 0.1
for epoch in range(25):
    A2, cache = forward(X, W1, b1, W2, b2)
    cost = compute_cost(A2, Y)
    dW1, db1, dW2, db2 = backward(X, Y, cache, W2)
    W1 = W1 - lr * dW1
    b1 = b1 - lr * db1
    W2 = W2 - lr * dW2
    b2 = b2 - lr * db2
