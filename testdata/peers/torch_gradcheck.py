"""PyTorch peer of `backstep gradcheck --mode full --samples 16`.

The answer's 784-60-10 tanh network (cols layout: X 784 x S, W1 60 x 784,
b1 60 x 1, W2 10 x 60, b2 10 x 1, softmax over the class axis) in float64;
its mean cross-entropy over the first --samples MNIST test images, as a
function of all four parameters (47,710 numbers at --hidden 60), is checked
with torch.autograd.gradcheck at its defaults (eps 1e-6, atol 1e-5,
rtol 1e-3, fast_mode False): one central difference per parameter against
the autograd gradient. (log A2 is computed as torch.log_softmax over the
class axis, the same function as log(softmax).) Parameters are randn * 0.01 seeded by --seed (via
NumPy, W1 drawn before W2, as numpy_train.py) with zero biases.
The gradcheck call alone is timed (perf_counter), as is the whole script.

Run (from any directory):
    /usr/bin/python3 testdata/peers/torch_gradcheck.py --json

Measured 2026-11-26 on this 2-core machine (Debian 12 python3-torch 1.13.1,
which reports torch.__version__ "1.13.0a0"; torch.get_num_threads() is 1;
its BLAS is the system OpenBLAS 0.3.21 with 2 pthreads), defaults
(16 samples, 47,710 parameters, seed 0, loss 2.306496 at the init):
    passed; gradcheck 20-27 s (22.5-26.7 s as is, with ~10 s of system
    time spent by OpenBLAS's 2 threads on these tiny products; 19.8-20.9 s
    with OPENBLAS_NUM_THREADS=1), whole script ~1.5-2.3 s more.
    That is ~95,420 forward calls (two per parameter) at ~0.2 ms each.
"""

import argparse
import json
import os
import sys
import time

T_START = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--samples", type=int, default=16, help="first S test images")
    p.add_argument("--hidden", type=int, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args()
    if not 1 <= args.samples <= 10000:
        p.error("--samples must be in 1..10000")
    if args.hidden < 1:
        p.error("--hidden must be >= 1")

    Xs, labels = mnist.load(args.samples)
    X = torch.from_numpy(np.ascontiguousarray(Xs.T))          # 784 x S
    Y = torch.from_numpy(np.ascontiguousarray(mnist.one_hot(labels).T))  # 10 x S
    m = X.shape[1]

    np.random.seed(args.seed)
    W1 = np.random.randn(args.hidden, 784) * 0.01
    W2 = np.random.randn(10, args.hidden) * 0.01
    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True)
              for a in (W1, np.zeros((args.hidden, 1)), W2, np.zeros((10, 1)))]
    n_params = sum(t.numel() for t in params)

    def loss_fn(W1, b1, W2, b2):
        A1 = torch.tanh(W1 @ X + b1)
        Z2 = W2 @ A1 + b2
        logA2 = torch.log_softmax(Z2, dim=0)   # softmax over the classes
        return -(1.0 / m) * torch.sum(Y * logA2)

    loss = float(loss_fn(*params))
    t0 = time.perf_counter()
    passed = torch.autograd.gradcheck(loss_fn, tuple(params), fast_mode=False,
                                      raise_exception=False)
    seconds = time.perf_counter() - t0
    total = time.perf_counter() - T_START

    if args.json:
        print(json.dumps({
            "peer": "torch_gradcheck",
            "passed": bool(passed),
            "seconds": seconds,
            "total_seconds": total,
            "parameters": n_params,
            "samples": m,
            "hidden": args.hidden,
            "seed": args.seed,
            "loss": loss,
            "torch_version": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "eps": 1e-6, "atol": 1e-5, "rtol": 1e-3, "fast_mode": False,
        }, indent=2))
    else:
        print("torch_gradcheck: 784-%d-10 tanh, %d samples, %d parameters, loss %.6f"
              % (args.hidden, m, n_params, loss))
        print("gradcheck        %s" % ("passed" if passed else "FAILED"))
        print("gradcheck time   %.2f s" % seconds)
        print("total wall time  %.2f s" % total)
        print("torch %s, %d threads" % (torch.__version__, torch.get_num_threads()))
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
