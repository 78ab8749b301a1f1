# The question's script as the answer fixed it: everything transposed to
# features x samples, so the softmax, m and the bias sums run over the
# right axes, and the accuracy computed over every sample each epoch.
# backstep run question_fixed.py finds nothing wrong (exit 0).
import sys

import numpy as np
import tensorflow as tf

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000  # how many test images
X = (x_test[:n].reshape(n, 784).astype('float32') / 255).T
Y = np.eye(10)[y_test[:n]].T


def tanh(z):
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))


def softmax(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


np.random.seed(0)
W1 = np.random.randn(60, 784) * 0.01
b1 = np.zeros((60, 1))
W2 = np.random.randn(10, 60) * 0.01
b2 = np.zeros((10, 1))
m = X.shape[1]
lr = 0.3

for epoch in range(100):
    Z1 = np.dot(W1, X) + b1
    A1 = tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = softmax(Z2)
    loss = -np.sum(Y * np.log(A2)) / m

    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m

    W1 = W1 - lr * dW1
    b1 = b1 - lr * db1
    W2 = W2 - lr * dW2
    b2 = b2 - lr * db2

    correct = 0
    for i in range(Y.shape[1]):
        if np.argmax(A2[:, i]) == np.argmax(Y[:, i]):
            correct += 1
    accuracy = correct / Y.shape[1]
    print("epoch", epoch + 1, "loss", loss, "accuracy", accuracy)
