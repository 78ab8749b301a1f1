"""What `backstep run` costs on the question's script (testdata/scripts/
question.py: 784-60-10, 10,000 images, full batch), measured on this
machine in one go:

  plain      the script under plain Python (TensorFlow replaced by a stub
             that loads the same MNIST files): wall time of each epoch,
             from the times its "epoch N" lines appear;
  traced     `backstep run --iterations 3 --continue --json`: the recorder's
             own timing of the traced iterations (every statement's values
             summarised, the first iteration's arrays kept) and of the
             untraced ones after them (only the loop header and the metric
             lines call back);
  capture    writing the first iteration's arrays (capture.npz);
  screen     `backstep run --json` (defaults): seconds from the moment the
             recorder stopped the script to the moment the printed header
             (the first screen) would be written: Python's exit, reading the
             record and the arrays, the replay and the roles.

Run from the repository root (needs go and Debian's python3-numpy):

    /usr/bin/python3 testdata/peers/run_speed.py [--repeat 3]
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "testdata", "scripts", "question.py")

STUB = r'''
import gzip, sys, types, runpy
import numpy as np
def idx(path):
    raw = gzip.open(path).read()
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)
d = sys.argv[1]
x, y = idx(d + "/t10k-images-idx3-ubyte.gz"), idx(d + "/t10k-labels-idx1-ubyte.gz")
tf = types.ModuleType("tensorflow")
tf.keras = types.SimpleNamespace(datasets=types.SimpleNamespace(mnist=types.SimpleNamespace(
    load_data=lambda: ((x, y), (x, y)))))
sys.modules["tensorflow"] = tf
sys.argv = [sys.argv[2]]
runpy.run_path(sys.argv[0], run_name="__main__")
'''


def plain_epochs(python):
    """Per-epoch wall times of the plain script, from its output lines."""
    p = subprocess.Popen([python, "-u", "-c", STUB, os.path.join(ROOT, "testdata", "mnist"), SCRIPT],
                         stdout=subprocess.PIPE, text=True)
    stamps = []
    for line in p.stdout:
        if line.startswith("epoch"):
            stamps.append(time.perf_counter())
    p.wait()
    return [b - a for a, b in zip(stamps, stamps[1:])]


def backstep(binary, python, *args):
    out = subprocess.run([binary, "run", "--python", python, "--json", *args, SCRIPT],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit("backstep run failed: " + out.stderr[-2000:])
    return json.loads(out.stdout)["iterations"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--python", default="/usr/bin/python3")
    a = ap.parse_args()
    binary = os.path.join(tempfile.mkdtemp(), "backstep")
    subprocess.run(["go", "build", "-o", binary, "./cmd/backstep"], cwd=ROOT, check=True)
    rows = []
    for r in range(a.repeat):
        plain = statistics.median(plain_epochs(a.python))
        it = backstep(binary, a.python, "--iterations", "3", "--continue")
        traced, untraced = it["traced_seconds"], it["untraced_seconds"]
        screen = backstep(binary, a.python)["first_screen_after_seconds"]
        rows.append((plain, traced, statistics.median(untraced), it["capture_seconds"], screen))
        print("run %d: plain epoch %.3f s (median of 99); traced iterations %s s; untraced %.3f s (median of %d); "
              "traced/plain %.2f (iteration 1), %.2f (iterations 2-3); capture %.3f s; first screen %.2f s after the stop"
              % (r + 1, plain, ", ".join("%.3f" % x for x in traced), statistics.median(untraced), len(untraced),
                 traced[0] / plain, statistics.median(traced[1:]) / plain, it["capture_seconds"], screen))
    print(json.dumps({"runs": [{"plain": p, "traced": t, "untraced": u, "capture": c, "first_screen": s}
                               for p, t, u, c, s in rows]}))


if __name__ == "__main__":
    main()
