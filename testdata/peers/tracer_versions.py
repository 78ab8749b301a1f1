"""Checks that the recorder traces the same statements under every Python
it supports: sys.settrace (3.8-3.11) and sys.monitoring (3.12+). NumPy is
replaced by a small stand-in (these Pythons may have none), so only the
tracing is compared: which statements ran, how often, and what the first
run of each assigned. Statements that share a line (a = 1; b = 2) must be
two.

    /usr/bin/python3 testdata/peers/tracer_versions.py [PYTHON ...]

Without arguments it tries /usr/bin/python3 and every pyenv 3.8+ found (measured
here: 3.8, 3.9, 3.10, 3.11 with settrace and 3.12, 3.13 with monitoring agree).
"""

import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RECORDER = os.path.join(ROOT, "net", "record", "recorder.py")

STUB = '''__version__ = "stand-in"
class ndarray: pass
class generic: pass
class integer: pass
_err = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}
def seterr(**kw):
    old = dict(_err); _err.update(kw); return old
def seterrcall(f): return None
class _D: kind = "f"
class _A:
    dtype = _D()
def asarray(x): return _A()
def savez(path, **arrays): open(path, "wb").close()
'''

SCRIPT = '''def double(v):
    w = v * 2
    return w

total = 0
a = 1; b = 2
for k in range(3):
    x = double(k)
    total += x
print("total", total)
'''

BOOT = '''import sys, importlib.util
spec = importlib.util.spec_from_file_location("backstep_recorder", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
sys.argv = sys.argv[1:]
mod.main()
'''

WANT = [(2, "w = v * 2", 3, [0.0]), (3, "return w", 3, [0.0]), (5, "total = 0", 1, [0.0]), (6, "a = 1", 1, [1.0]),
        (6, "b = 2", 1, [2.0]), (8, "x = double(k)", 3, [0.0]), (9, "total += x", 3, [6.0])]


def trace(python):
    d = tempfile.mkdtemp()
    os.mkdir(os.path.join(d, "numpy"))
    with open(os.path.join(d, "numpy", "__init__.py"), "w") as f:
        f.write(STUB)
    script = os.path.join(d, "pure.py")
    with open(script, "w") as f:
        f.write(SCRIPT)
    with open(os.path.join(d, "cfg.json"), "w") as f:
        json.dump({"script": script, "out": d, "iterations": 1}, f)
    env = dict(os.environ, PYTHONPATH=d, PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run([python, "-c", BOOT, RECORDER, os.path.join(d, "cfg.json")], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip().splitlines()[-1:]
    r = json.load(open(os.path.join(d, "record.json")))
    got = sorted((r["statements"][e["stmt"]]["line"], r["statements"][e["stmt"]]["src"], e["count"],
                  [w.get("value") for w in e["writes"]]) for e in r["executions"]
                 if r["statements"][e["stmt"]]["kind"] in ("assign", "augassign", "return"))
    return r, got


def main():
    found = glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3"))
    minor = lambda p: int(p.split("/versions/3.")[1].split(".")[0])
    pythons = sys.argv[1:] or ["/usr/bin/python3"] + sorted((p for p in found if minor(p) >= 8), key=minor)
    failed = 0
    for py in pythons:
        r, got = trace(py)
        if r is None:
            print("%-50s could not run: %s" % (py, got))
            failed += 1
            continue
        ok = [tuple(g) for g in got] == WANT
        failed += not ok
        print("%-50s Python %-7s %-10s %s" % (py, r["python"], r["tracer"], "same statements" if ok else "DIFFERS: %s" % got))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
