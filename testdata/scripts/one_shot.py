# One step written once (to be dumped), no update, gradients named g1, gb1,
# d1: the products and sums after the forward pass say which is which. Its
# bug: g1 lacks the 1/N the other gradients have.
import numpy as np

rng = np.random.RandomState(0)
N, D, H, K = 29, 5, 7, 3
x = rng.randn(N, D); t = np.eye(K)[rng.randint(0, K, N)]
w1 = rng.randn(D, H) * .5; b1 = np.zeros((1, H)); w2 = rng.randn(H, K) * .5; b2 = np.zeros((1, K))
z = x @ w1 + b1; a = np.maximum(z, 0); out = a @ w2 + b2
e = np.exp(out - out.max(1, keepdims=True)); p = e / e.sum(1, keepdims=True)
d2 = p - t
g2 = a.T @ d2 / N; gb2 = d2.sum(0, keepdims=True) / N
d1 = d2 @ w2.T * (z > 0)
g1 = x.T @ d1
gb1 = d1.sum(0, keepdims=True) / N
