# Layer objects in a list (Dense, ReLU, softmax cross-entropy classes), the
# forward a loop over the layers and the backward over reversed(layers),
# SGD.step(layers) updating each Dense in place. "bug": ReLU.backward returns
# the gradient unchanged (missing-act-grad).
import sys
import numpy as np

BUG = "bug" in sys.argv[1:]


class Dense:
    def __init__(self, n_in, n_out, rng):
        self.W = rng.normal(0, np.sqrt(2.0 / n_in), (n_in, n_out))
        self.b = np.zeros(n_out)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad):
        self.dW = self.x.T @ grad
        self.db = grad.sum(0)
        return grad @ self.W.T


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, grad):
        if BUG:
            return grad
        return grad * self.mask


class SoftmaxCrossEntropy:
    def forward(self, logits, y):
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        self.p = e / e.sum(axis=1, keepdims=True)
        self.y = y
        return -np.mean(np.log(self.p[np.arange(len(y)), y]))

    def backward(self):
        g = self.p.copy()
        g[np.arange(len(self.y)), self.y] -= 1
        return g / len(self.y)


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, layers):
        for layer in layers:
            if isinstance(layer, Dense):
                layer.W -= self.lr * layer.dW
                layer.b -= self.lr * layer.db


rng = np.random.default_rng(0)
X = rng.normal(size=(200, 4))
y = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5).astype(int)
layers = [Dense(4, 16, rng), ReLU(), Dense(16, 3, rng)]
crit = SoftmaxCrossEntropy()
opt = SGD(0.1)
for epoch in range(20):
    out = X
    for layer in layers:
        out = layer.forward(out)
    loss = crit.forward(out, y)
    grad = crit.backward()
    for layer in reversed(layers):
        grad = layer.backward(grad)
    opt.step(layers)
    acc = (out.argmax(1) == y).mean()
    if epoch % 5 == 0:
        print(f"epoch {epoch} loss {loss:.4f} acc {acc:.3f}")
