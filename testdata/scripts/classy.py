# A class with forward, backward and step methods and its parameters in
# self.W1, ...; forward and backward return nothing. Its one bug: the
# hidden layer's delta uses tanh's derivative for a sigmoid layer.
import numpy as np


class MLP:
    def __init__(self, sizes, seed=0):
        rng = np.random.default_rng(seed)
        self.W1 = rng.normal(0, 0.3, (sizes[0], sizes[1])); self.b1 = np.zeros((1, sizes[1]))
        self.W2 = rng.normal(0, 0.3, (sizes[1], sizes[2])); self.b2 = np.zeros((1, sizes[2]))

    def forward(self, X):
        self.X = X
        self.z1 = X @ self.W1 + self.b1
        self.a1 = 1 / (1 + np.exp(-self.z1))
        self.z2 = self.a1 @ self.W2 + self.b2
        e = np.exp(self.z2 - self.z2.max(axis=1, keepdims=True))
        self.a2 = e / e.sum(axis=1, keepdims=True)
        return self.a2

    def backward(self, y_onehot):
        m = y_onehot.shape[0]
        delta2 = (self.a2 - y_onehot) / m
        self.dW2 = self.a1.T @ delta2
        self.db2 = delta2.sum(axis=0, keepdims=True)
        delta1 = delta2 @ self.W2.T * (1 - self.a1 ** 2)
        self.dW1 = self.X.T @ delta1
        self.db1 = delta1.sum(axis=0, keepdims=True)

    def step(self, lr):
        self.W1 -= lr * self.dW1; self.b1 -= lr * self.db1
        self.W2 -= lr * self.dW2; self.b2 -= lr * self.db2


rng = np.random.default_rng(5)
X = rng.normal(size=(64, 4)); labels = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
Y = np.eye(3)[labels]
net = MLP([4, 8, 3])
for epoch in range(5):
    out = net.forward(X)
    net.backward(Y)
    net.step(0.5)
