# The network of hidden_forward.py, in a module of its own: backstep traces
# the script's lines, not this module's, so the step it reads has no Z1
# and A1. A ReLU hidden layer (a leaky one with the argument "leaky") and
# a sigmoid output, features x samples; the argument "bug" drops the 1/m
# of dW1.
import sys

import numpy as np

LEAK = 0.01 if "leaky" in sys.argv[1:] else 0.0
BUG = "bug" in sys.argv[1:]


def forward(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    A1 = np.maximum(LEAK * Z1, Z1)
    Z2 = W2 @ A1 + b2
    A2 = 1 / (1 + np.exp(-Z2))
    return A2, (Z1, A1, Z2, A2)


def compute_cost(A2, Y):
    m = Y.shape[1]
    return -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m


def backward(X, Y, cache, W2):
    Z1, A1, Z2, A2 = cache
    m = X.shape[1]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * np.where(Z1 > 0, 1.0, LEAK)
    dW1 = dZ1 @ X.T if BUG else dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return dW1, db1, dW2, db2
