# A Keras-like model.fit written by hand: the parameters in self.params,
# which forward reads through a short name (p = self.params; p["W1"]),
# mini-batches from np.array_split of a shuffled copy, and an update in a
# loop over the dict's keys. Correct unless the argument "bug" is given:
# then dW1 lacks the 1/n the other gradients have.
import sys
import numpy as np

BUG = "bug" in sys.argv[1:]


def relu(z):
    return np.maximum(0, z)


def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


class Model:
    def __init__(self, n_in, n_hidden, n_out, seed=0):
        rng = np.random.RandomState(seed)
        self.params = {
            "W1": rng.randn(n_in, n_hidden) * np.sqrt(2 / n_in),
            "b1": np.zeros((1, n_hidden)),
            "W2": rng.randn(n_hidden, n_out) * np.sqrt(1 / n_hidden),
            "b2": np.zeros((1, n_out)),
        }

    def forward(self, X):
        p = self.params
        Z1 = X @ p["W1"] + p["b1"]
        A1 = relu(Z1)
        Z2 = A1 @ p["W2"] + p["b2"]
        A2 = softmax(Z2)
        self.cache = (X, Z1, A1, A2)
        return A2

    def backward(self, Y):
        X, Z1, A1, A2 = self.cache
        n = X.shape[0]
        dZ2 = A2 - Y
        dW2 = A1.T @ dZ2 / n
        db2 = dZ2.sum(axis=0, keepdims=True) / n
        dA1 = dZ2 @ self.params["W2"].T
        dZ1 = dA1 * (Z1 > 0)
        dW1 = X.T @ dZ1 if BUG else X.T @ dZ1 / n
        db1 = dZ1.sum(axis=0, keepdims=True) / n
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    def fit(self, X, Y, epochs=5, batch_size=32, lr=0.1, verbose=True):
        history = []
        for epoch in range(epochs):
            idx = np.random.permutation(len(X))
            Xs, Ys = X[idx], Y[idx]
            n_batches = int(np.ceil(len(X) / batch_size))
            losses = []
            for xb, yb in zip(np.array_split(Xs, n_batches), np.array_split(Ys, n_batches)):
                out = self.forward(xb)
                loss = -np.mean(np.sum(yb * np.log(out + 1e-8), axis=1))
                grads = self.backward(yb)
                for k in self.params:
                    self.params[k] -= lr * grads[k]
                losses.append(loss)
            acc = np.mean(np.argmax(self.forward(X), 1) == np.argmax(Y, 1))
            history.append(np.mean(losses))
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs} - loss: {np.mean(losses):.4f} - accuracy: {acc:.4f}")
        return history


np.random.seed(42)
X = np.random.randn(240, 5)
labels = np.argmax(X[:, :3] + 0.3 * np.random.randn(240, 3), axis=1)
Y = np.eye(3)[labels]
model = Model(5, 12, 3)
model.fit(X, Y, epochs=5, batch_size=32, lr=0.2)
