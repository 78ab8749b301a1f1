# The parameters live in a dict; each iteration binds them to names and
# updates them in place through those names (W1 -= ...). Correct.
import numpy as np
rng = np.random.RandomState(0)
X = rng.randn(30, 3); Y = np.eye(2)[rng.randint(0, 2, 30)]
params = {'W1': rng.randn(3, 4), 'b1': np.zeros((1, 4)), 'W2': rng.randn(4, 2), 'b2': np.zeros((1, 2))}
for it in range(3):
    W1, b1, W2, b2 = params['W1'], params['b1'], params['W2'], params['b2']
    Z1 = X @ W1 + b1; A1 = np.tanh(Z1); Z2 = A1 @ W2 + b2
    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True)); A2 = E / E.sum(axis=1, keepdims=True)
    dZ2 = (A2 - Y) / 30; dW2 = A1.T @ dZ2; db2 = dZ2.sum(axis=0, keepdims=True)
    dZ1 = dZ2 @ W2.T * (1 - A1 ** 2); dW1 = X.T @ dZ1; db1 = dZ1.sum(axis=0, keepdims=True)
    W1 -= 0.5 * dW1; b1 -= 0.5 * db1; W2 -= 0.5 * dW2; b2 -= 0.5 * db2
