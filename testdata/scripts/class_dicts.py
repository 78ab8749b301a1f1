# A class that keeps its parameters, gradients and cache in dicts
# (self.params['W1'], self.grads['dW1'], self.cache['A1']); forward binds
# W1, b1, W2, b2 = self.params['W1'], ... and backward reads
# self.params['W2'] again. Correct unless the argument "bug" is given:
# then dW1 and db1 lack their 1/m.
import sys

import numpy as np

BUG = "bug" in sys.argv[1:]


class NeuralNetwork:
    """features x samples, sigmoid hidden layer, softmax output"""

    def __init__(self, layer_dims, lr=0.5):
        np.random.seed(4)
        self.params = {}
        self.params['W1'] = np.random.randn(layer_dims[1], layer_dims[0]) * 0.1
        self.params['b1'] = np.zeros((layer_dims[1], 1))
        self.params['W2'] = np.random.randn(layer_dims[2], layer_dims[1]) * 0.1
        self.params['b2'] = np.zeros((layer_dims[2], 1))
        self.lr = lr
        self.cache = {}
        self.grads = {}

    def forward(self, X):
        W1, b1, W2, b2 = self.params['W1'], self.params['b1'], self.params['W2'], self.params['b2']
        Z1 = np.dot(W1, X) + b1
        A1 = 1 / (1 + np.exp(-Z1))
        Z2 = np.dot(W2, A1) + b2
        T = np.exp(Z2 - np.max(Z2, axis=0, keepdims=True))
        A2 = T / np.sum(T, axis=0, keepdims=True)
        self.cache = {'X': X, 'Z1': Z1, 'A1': A1, 'Z2': Z2, 'A2': A2}
        return A2

    def backward(self, Y):
        m = Y.shape[1]
        A1, A2, X = self.cache['A1'], self.cache['A2'], self.cache['X']
        dZ2 = A2 - Y
        self.grads['dW2'] = np.dot(dZ2, A1.T) / m
        self.grads['db2'] = np.sum(dZ2, axis=1, keepdims=True) / m
        dZ1 = np.dot(self.params['W2'].T, dZ2) * A1 * (1 - A1)
        self.grads['dW1'] = np.dot(dZ1, X.T) / (1 if BUG else m)
        self.grads['db1'] = np.sum(dZ1, axis=1, keepdims=True) / (1 if BUG else m)

    def update(self):
        for k in ('W1', 'b1', 'W2', 'b2'):
            self.params[k] -= self.lr * self.grads['d' + k]

    def train(self, X, Y, epochs):
        for e in range(epochs):
            A2 = self.forward(X)
            loss = -np.sum(Y * np.log(A2)) / Y.shape[1]
            self.backward(Y)
            self.update()
            print('epoch', e, 'loss', loss)


np.random.seed(9)
X = np.random.randn(5, 80)
y = (X[0] > 0).astype(int) + (X[1] > 0.5).astype(int)
Y = np.eye(3)[y].T
nn = NeuralNetwork([5, 7, 3])
nn.train(X, Y, 10)
