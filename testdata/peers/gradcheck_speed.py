"""backstep's full gradient check against torch.autograd.gradcheck, same run.

Runs, one after the other and --repeat times:
  * the Go benchmark BenchmarkGradCheckFull (net/gradcheck_bench_test.go):
    `backstep gradcheck --mode full` on the default 784-60-10 tanh network
    and the first 16 MNIST test images -- all 47,710 parameters and 1,120
    intermediate values, each against its centred difference;
  * torch_gradcheck.py: torch.autograd.gradcheck (fast_mode False) on the
    same function of the same 47,710 parameters,
and prints the seconds of each and their ratio. Both figures time the check
alone (data loading and interpreter start excluded).

Run from any directory (needs `go` on PATH and Debian's python3-torch):
    /usr/bin/python3 testdata/peers/gradcheck_speed.py [--repeat 3]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir))


def go_seconds(benchtime):
    out = subprocess.run(
        ["go", "test", "./net", "-run", "^$", "-bench", "^BenchmarkGradCheckFull$",
         "-benchtime", "%dx" % benchtime, "-count", "1"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    m = re.search(r"([0-9.]+) s/check", out)
    if not m:
        sys.exit("could not read s/check from the benchmark:\n" + out)
    return float(m.group(1))


def torch_seconds(samples):
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, "torch_gradcheck.py"), "--json", "--samples", str(samples)],
        check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    if not r["passed"]:
        sys.exit("torch.autograd.gradcheck failed on the reference network")
    return r["seconds"], r


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=1, help="alternate the two this many times")
    p.add_argument("--benchtime", type=int, default=10, help="checks per Go benchmark run")
    args = p.parse_args()
    ratios = []
    for i in range(args.repeat):
        g = go_seconds(args.benchtime)
        t, info = torch_seconds(16)
        ratios.append(t / g)
        print("run %d: backstep gradcheck --mode full %.3f s, torch.autograd.gradcheck %.2f s "
              "(torch %s, %d parameters, %d samples): %.0fx faster"
              % (i + 1, g, t, info["torch_version"], info["parameters"], info["samples"], t / g))
        sys.stdout.flush()
    if args.repeat > 1:
        print("median ratio %.0fx (min %.0fx)" % (statistics.median(ratios), min(ratios)))


if __name__ == "__main__":
    main()
