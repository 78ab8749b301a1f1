# CS231n's two-layer net: parameters and gradients in dicts, ReLU written
# inline, scores shifted in place, 1/N in dscores, an update over the
# dict's keys, integer labels. Its one bug: db2 sums over the classes.
import numpy as np

np.random.seed(0)
N, D, H, C = 50, 6, 10, 3
X = np.random.randn(N, D); y = np.random.randint(0, C, N)
params = {'W1': 1e-1 * np.random.randn(D, H), 'b1': np.zeros(H),
          'W2': 1e-1 * np.random.randn(H, C), 'b2': np.zeros(C)}
learning_rate = 1e-1
for it in range(5):
    W1, b1 = params['W1'], params['b1']
    W2, b2 = params['W2'], params['b2']
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    scores -= np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y]))
    grads = {}
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    grads['W2'] = hidden.T.dot(dscores)
    grads['b2'] = np.sum(dscores, axis=1)
    dhidden = dscores.dot(W2.T)
    dhidden[hidden <= 0] = 0
    grads['W1'] = X.T.dot(dhidden)
    grads['b1'] = np.sum(dhidden, axis=0)
    for k in params:
        params[k] -= learning_rate * grads[k]
