# Two ReLU layers and a softmax written as functions of x: the softmax
# shifts its scores by rebinding (x = x - x.max(axis=1, keepdims=True)),
# which is not a parameter update even though, rounded, the change is not
# exactly the same along the classes. Correct.
import numpy as np

np.random.seed(11)
X = np.random.randn(120, 5)
y = np.random.randint(0, 4, 120)
X[np.arange(120), y] += 2.0
Y = np.eye(4)[y]
W1 = np.random.randn(5, 16) * 0.2; b1 = np.zeros((1, 16))
W2 = np.random.randn(16, 12) * 0.2; b2 = np.zeros((1, 12))
W3 = np.random.randn(12, 4) * 0.2; b3 = np.zeros((1, 4))
lr = 0.2


def relu(x):
    return np.maximum(x, 0)


def softmax(x):
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=1, keepdims=True)


for epoch in range(5):
    z1 = X @ W1 + b1
    a1 = relu(z1)
    z2 = a1 @ W2 + b2
    a2 = relu(z2)
    z3 = a2 @ W3 + b3
    probs = softmax(z3)
    loss = -np.sum(Y * np.log(probs)) / 120

    dz3 = (probs - Y) / 120
    dW3 = a2.T @ dz3
    db3 = dz3.sum(axis=0, keepdims=True)
    dz2 = dz3 @ W3.T * (z2 > 0)
    dW2 = a1.T @ dz2
    db2 = dz2.sum(axis=0, keepdims=True)
    dz1 = dz2 @ W2.T * (z1 > 0)
    dW1 = X.T @ dz1
    db1 = dz1.sum(axis=0, keepdims=True)

    W1 -= lr * dW1; b1 -= lr * db1
    W2 -= lr * dW2; b2 -= lr * db2
    W3 -= lr * dW3; b3 -= lr * db3
