# Parameter updates without "lr *" in them: the learning rate is folded
# into the gradients first (g *= lr), the weights are updated by a loop
# over zip(params, grads), and a softmax shifts its scores in place
# (scores -= ...), which is not an update. Correct.
import numpy as np

rng = np.random.RandomState(5)
X = rng.randn(40, 3)
labels = rng.randint(0, 3, 40)
Y = np.eye(3)[labels]
W1 = rng.randn(3, 6) * 0.5; b1 = np.zeros((1, 6))
W2 = rng.randn(6, 3) * 0.5; b2 = np.zeros((1, 3))
params = [W1, b1, W2, b2]
lr = 0.3
for epoch in range(4):
    Z1 = X @ W1 + b1; A1 = np.tanh(Z1)
    Z2 = A1 @ W2 + b2
    Z2 -= Z2.max(axis=1, keepdims=True)
    E = np.exp(Z2); A2 = E / E.sum(axis=1, keepdims=True)
    dZ2 = (A2 - Y) / len(X)
    dW2 = A1.T @ dZ2; db2 = dZ2.sum(axis=0, keepdims=True)
    dZ1 = dZ2 @ W2.T * (1 - A1 ** 2)
    dW1 = X.T @ dZ1; db1 = dZ1.sum(axis=0, keepdims=True)
    grads = [dW1, db1, dW2, db2]
    for g in grads:
        g *= lr
    for p, g in zip(params, grads):
        p -= g
