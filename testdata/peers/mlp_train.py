"""NumPy or PyTorch peer of `backstep train` for the speed table (bench.sh).

The reference network of `backstep train`, written by hand the way a learner
writes it, in the rows layout (samples x features): X is N x 784, Wl is
size(l-1) x size(l), bl is 1 x size(l); Zl = A(l-1).Wl + bl, Al = tanh or
relu (max(Z, 0)) or sigmoid, the output softmax over axis 1 (classes,
max-shifted), loss = -(1/m) * sum(Y * log(AL)), accuracy = mean(argmax(AL,
axis=1) == labels); dZL = AL - Y, dWl = A(l-1)^T . dZl / m, dbl = sum(dZl,
axis=0, keepdims) / m, dZl = (dZ(l+1) . W(l+1)^T) * f'(Zl), Wl -= lr * dWl.
float64 throughout. Mini-batches (--batch B > 0) are taken in the data's
order, loss and accuracy computed on every batch as `backstep train` does.
Weights are randn * 0.01 (NumPy's seeded generator for both peers), biases
zero.

    /usr/bin/python3 testdata/peers/mlp_train.py --lib numpy --epochs 5
    /usr/bin/python3 testdata/peers/mlp_train.py --lib torch --hidden 512,256 \
        --act relu --batch 128 --epochs 2
    /usr/bin/python3 testdata/peers/mlp_train.py --data DIR --n 60000

--data DIR reads the largest IDX image/label pair in DIR (as `backstep train
--data` does), e.g. the 60,000 MNIST training images of the GoMNIST module.
It prints one JSON object: the configuration, ms_per_epoch (the epoch loop's
time over the number of epochs, data loading excluded, as backstep's
seconds_per_epoch), the last epoch's loss and accuracy, the library's
version and threads, and the peak resident memory of the process (ru_maxrss)
in MB.
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist  # noqa: E402


def init_params(sizes, seed):
    np.random.seed(seed)
    params = []
    for l in range(1, len(sizes)):
        W = np.random.randn(sizes[l - 1], sizes[l]) * 0.01
        b = np.zeros((1, sizes[l]))
        params.append([W, b])
    return params


def train_numpy(X, Y, labels, params, act, epochs, lr, batch):
    n = X.shape[0]
    L = len(params)
    curve = []
    for epoch in range(1, epochs + 1):
        loss_sum = acc_sum = 0.0
        for lo in range(0, n, batch):
            x, y, lab = X[lo:lo + batch], Y[lo:lo + batch], labels[lo:lo + batch]
            m = x.shape[0]
            A, Z = [x], [None]
            for l in range(L):
                W, b = params[l]
                z = np.dot(A[-1], W) + b
                Z.append(z)
                if l < L - 1:
                    if act == "relu":
                        A.append(np.maximum(z, 0))
                    elif act == "sigmoid":
                        A.append(1 / (1 + np.exp(-z)))
                    else:
                        A.append(np.tanh(z))
                else:
                    E = np.exp(z - z.max(axis=1, keepdims=True))
                    A.append(E / E.sum(axis=1, keepdims=True))
            out = A[-1]
            loss = -np.sum(y * np.log(out)) / m
            acc = np.mean(np.argmax(out, axis=1) == lab)
            loss_sum += loss * m
            acc_sum += acc * m
            dZ = out - y
            grads = [None] * L
            for l in range(L - 1, -1, -1):
                dW = np.dot(A[l].T, dZ) / m
                db = np.sum(dZ, axis=0, keepdims=True) / m
                grads[l] = (dW, db)
                if l > 0:
                    a = A[l]
                    if act == "relu":
                        dZ = np.dot(dZ, params[l][0].T) * (Z[l] > 0)
                    elif act == "sigmoid":
                        dZ = np.dot(dZ, params[l][0].T) * (a * (1 - a))
                    else:
                        dZ = np.dot(dZ, params[l][0].T) * (1 - a ** 2)
            for l in range(L):
                params[l][0] = params[l][0] - lr * grads[l][0]
                params[l][1] = params[l][1] - lr * grads[l][1]
        curve.append((epoch, loss_sum / n, acc_sum / n))
    return curve


def train_torch(torch, X, Y, labels, params, act, epochs, lr, batch):
    n = X.shape[0]
    L = len(params)
    curve = []
    with torch.no_grad():
        for epoch in range(1, epochs + 1):
            loss_sum = acc_sum = 0.0
            for lo in range(0, n, batch):
                x, y, lab = X[lo:lo + batch], Y[lo:lo + batch], labels[lo:lo + batch]
                m = x.shape[0]
                A, Z = [x], [None]
                for l in range(L):
                    W, b = params[l]
                    z = torch.mm(A[-1], W) + b
                    Z.append(z)
                    if l < L - 1:
                        if act == "relu":
                            A.append(torch.clamp(z, min=0))
                        elif act == "sigmoid":
                            A.append(1 / (1 + torch.exp(-z)))
                        else:
                            A.append(torch.tanh(z))
                    else:
                        E = torch.exp(z - z.max(dim=1, keepdim=True).values)
                        A.append(E / E.sum(dim=1, keepdim=True))
                out = A[-1]
                loss = -torch.sum(y * torch.log(out)) / m
                acc = (torch.argmax(out, dim=1) == lab).double().mean()
                loss_sum += float(loss) * m
                acc_sum += float(acc) * m
                dZ = out - y
                grads = [None] * L
                for l in range(L - 1, -1, -1):
                    dW = torch.mm(A[l].t(), dZ) / m
                    db = torch.sum(dZ, dim=0, keepdim=True) / m
                    grads[l] = (dW, db)
                    if l > 0:
                        a = A[l]
                        if act == "relu":
                            dZ = torch.mm(dZ, params[l][0].t()) * (Z[l] > 0)
                        elif act == "sigmoid":
                            dZ = torch.mm(dZ, params[l][0].t()) * (a * (1 - a))
                        else:
                            dZ = torch.mm(dZ, params[l][0].t()) * (1 - a ** 2)
                for l in range(L):
                    params[l][0] = params[l][0] - lr * grads[l][0]
                    params[l][1] = params[l][1] - lr * grads[l][1]
            curve.append((epoch, loss_sum / n, acc_sum / n))
    return curve


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lib", choices=("numpy", "torch"), default="numpy")
    p.add_argument("--hidden", default="60", help="comma list of hidden sizes")
    p.add_argument("--act", choices=("tanh", "relu", "sigmoid"), default="tanh")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--batch", type=int, default=0, help="0 = full batch")
    p.add_argument("--lr", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", metavar="DIR", help="folder of IDX images and labels")
    p.add_argument("--threads", type=int, default=0,
                   help="PyTorch's threads (default: PyTorch's own choice)")
    args = p.parse_args()
    hidden = [int(h) for h in args.hidden.split(",")]
    if args.epochs < 1 or args.n < 1 or args.batch < 0 or min(hidden) < 1:
        p.error("--epochs, --n and --hidden must be positive, --batch >= 0")

    if args.data:
        Xs, labels = mnist.load_dir(args.data, args.n)
    else:
        Xs, labels = mnist.load(args.n)
    sizes = [Xs.shape[1]] + hidden + [10]
    Y = mnist.one_hot(labels)
    params = init_params(sizes, args.seed)
    batch = args.batch if 0 < args.batch < args.n else args.n

    threads = None
    version = np.__version__
    t0 = time.perf_counter()
    if args.lib == "torch":
        import torch
        if args.threads > 0:
            torch.set_num_threads(args.threads)
        threads = torch.get_num_threads()
        version = torch.__version__
        X, Yt = torch.from_numpy(Xs), torch.from_numpy(Y)
        lab = torch.from_numpy(labels)
        tparams = [[torch.from_numpy(W), torch.from_numpy(b)] for W, b in params]
        t0 = time.perf_counter()
        curve = train_torch(torch, X, Yt, lab, tparams, args.act, args.epochs, args.lr, batch)
    else:
        curve = train_numpy(Xs, Y, labels, params, args.act, args.epochs, args.lr, batch)
    loop = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    epoch, loss, acc = curve[-1]
    print(json.dumps({
        "peer": args.lib,
        "version": version,
        "threads": threads,
        "config": {"sizes": sizes, "act": args.act, "n": args.n, "batch": args.batch,
                   "epochs": args.epochs, "lr": args.lr, "data": args.data},
        "final": {"loss": mnist.finite(loss), "accuracy": mnist.finite(acc)},
        "ms_per_epoch": 1000.0 * loop / args.epochs,
        "seconds_per_epoch": loop / args.epochs,
        "peak_rss_mb": rss_mb,
    }))


if __name__ == "__main__":
    main()
