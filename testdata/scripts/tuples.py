# Forward and backward as functions returning tuples, unpacked in the
# training loop (Coursera's layout: features x samples). Its bugs: the
# update of b1 writes into db1, so b1 never moves, and W2's update adds
# the gradient (gradient ascent).
import numpy as np


def forward(X, W1, b1, W2, b2):
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = 1 / (1 + np.exp(-Z2))
    return Z1, A1, Z2, A2


def backward(X, Y, W2, A1, A2):
    m = X.shape[1]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return dW1, db1, dW2, db2


rng = np.random.RandomState(1)
X = rng.randn(2, 100); Y = (np.sum(X ** 2, axis=0, keepdims=True) < 1.5).astype(float)
W1 = rng.randn(4, 2) * 0.5; b1 = rng.randn(4, 1) * 0.1
W2 = rng.randn(1, 4) * 0.5; b2 = np.zeros((1, 1))
learning_rate = 1.2
for i in range(3):
    Z1, A1, Z2, A2 = forward(X, W1, b1, W2, b2)
    dW1, db1, dW2, db2 = backward(X, Y, W2, A1, A2)
    W1 = W1 - learning_rate * dW1
    db1 = b1 - learning_rate * db1
    W2 = W2 + learning_rate * dW2
    b2 = b2 - learning_rate * db2
