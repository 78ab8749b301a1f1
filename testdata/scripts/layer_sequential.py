# Layer objects in a Sequential (Dense, Tanh, Sigmoid with params() pairs),
# a clipped binary cross-entropy. "bug": db is the gradient of every sample
# unsummed (the update cannot broadcast it into b).
import sys
import numpy as np

BUG = "bug" in sys.argv[1:]


class Layer:
    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    def params(self):
        return []


class Dense(Layer):
    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_in, n_out) * 0.5
        self.b = np.zeros((1, n_out))

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, grad):
        self.dW = np.dot(self.x.T, grad)
        if BUG:
            self.db = grad
        else:
            self.db = np.sum(grad, axis=0, keepdims=True)
        return np.dot(grad, self.W.T)

    def params(self):
        return [(self.W, self.dW), (self.b, self.db)]


class Tanh(Layer):
    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, grad):
        return grad * (1 - self.out ** 2)


class Sigmoid(Layer):
    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, grad):
        return grad * self.out * (1 - self.out)


class Sequential:
    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for l in self.layers:
            x = l.forward(x)
        return x

    def backward(self, grad):
        for l in reversed(self.layers):
            grad = l.backward(grad)
        return grad


class SGD:
    def __init__(self, model, lr=0.5):
        self.model = model
        self.lr = lr

    def step(self):
        for l in self.model.layers:
            for p, g in l.params():
                p -= self.lr * g


np.random.seed(1)
X = np.random.randn(128, 2)
y = ((X[:, 0] ** 2 + X[:, 1] ** 2) < 1.2).astype(float).reshape(-1, 1)
model = Sequential(Dense(2, 8), Tanh(), Dense(8, 1), Sigmoid())
opt = SGD(model, lr=0.5)
for epoch in range(30):
    p = model.forward(X)
    pc = np.clip(p, 1e-7, 1 - 1e-7)
    loss = -np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))
    dp = (pc - y) / (pc * (1 - pc)) / len(X)
    model.backward(dp)
    opt.step()
    if epoch % 10 == 0:
        print("epoch", epoch, "loss", round(float(loss), 4), "acc", ((p > 0.5) == y).mean())
