# A reconstruction of the question's script: a 784-60-10 network on the
# 10,000 MNIST test images that reports 1-2 % accuracy. Written the way the
# question wrote it, bugs and all; backstep run question.py points at them.
import sys

import numpy as np
import tensorflow as tf

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000  # how many test images
X = x_test[:n].reshape(n, 784).astype('float32') / 255
Y = np.eye(10)[y_test[:n]]


def tanh(z):
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))


def softmax(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


np.random.seed(0)
W1 = np.random.randn(784, 60) * 0.01
b1 = np.zeros((1, 60))
W2 = np.random.randn(60, 10) * 0.01
b2 = np.zeros((1, 10))
m = X.shape[1]
lr = 0.3
correct = 0

for epoch in range(100):
    Z1 = np.dot(X, W1) + b1
    A1 = tanh(Z1)
    Z2 = np.dot(A1, W2) + b2
    A2 = softmax(Z2)
    loss = -np.sum(Y * np.log(A2)) / m

    dZ2 = A2 - Y
    dW2 = np.dot(A1.T, dZ2) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(dZ2, W2.T) * (1 - np.power(A1, 2))
    dW1 = np.dot(X.T, dZ1) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m

    W1 = W1 - lr * dW1
    b1 = b1 - lr * db1
    W2 = W2 - lr * dW2
    b2 = b2 - lr * db2

    for i in range(Y.shape[1]):
        if np.argmax(A2[i]) == np.argmax(Y[i]):
            correct += 1
    accuracy = correct / Y.shape[0]
    print("epoch", epoch + 1, "loss", loss, "accuracy", accuracy)
