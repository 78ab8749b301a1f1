#!/usr/bin/env python3
"""Record what NumPy really does, as a JSON fixture for the Go tracer tests.

Writes testdata/numpy/semantics.json, which pins NumPy's rules for float64
arrays of rank 0, 1 and 2: broadcasting, np.dot, elementwise ops, reductions,
transpose and one-hot indexing. Error cases record the exact str() of the
exception NumPy raises. Rerun from the repository root with:

    /usr/bin/python3 testdata/peers/numpy_semantics.py > testdata/numpy/semantics.json

The output is deterministic (seeded RNG, sorted keys). Floats are written at
full float64 precision; NaN and infinities as the strings "NaN", "Inf", "-Inf".
A short summary goes to stderr.
"""

import json
import math
import sys

import numpy as np

rng = np.random.default_rng(7)


def enc(v):
    """One scalar as JSON: ints stay ints, non-finite floats become strings."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    return v


def flat(x):
    return [enc(v) for v in np.asarray(x).ravel().tolist()]


def shape(x):
    return list(np.shape(x))


def err(exc):
    return str(exc).rstrip()


def rand(shp, zeros=1):
    """Small random float64 array with a few exact zeros planted in it."""
    a = rng.standard_normal(shp) * 3
    if a.ndim and a.size > 2:
        a.flat[rng.choice(a.size, zeros, replace=False)] = 0.0
    return np.asarray(a, dtype=np.float64)


def try_shape(fn, a, b):
    """Shape-only case: the result shape of fn(zeros(a), zeros(b)) or the error."""
    case = {"a": list(a), "b": list(b), "shape": None, "error": None}
    try:
        case["shape"] = shape(fn(np.zeros(a), np.zeros(b)))
    except ValueError as exc:
        case["error"] = err(exc)
    return case


out = {"numpy_version": np.__version__}

# 1. broadcast: align shapes from the right; each dim pair must be equal or
# contain a 1 (which stretches); the shorter shape is padded with leading 1s.
# Mismatch raises "operands could not be broadcast together with shapes ...".
BROADCAST = [
    ((10000, 1), (1, 10)), ((1, 10), (10000,)), ((10000, 60), (1, 60)),
    ((10000, 60), (60,)), ((10000, 60), (60, 1)), ((60, 1), (60, 10000)),
    ((60, 10000), (60,)), ((10000, 60), (10000, 1)), ((10000, 10), (10000,)),
    ((10,), (10, 1)), ((3,), (4,)), ((), (3, 4)), ((3, 4), ()), ((1, 1), (5,)),
    ((5, 1), (1,)), ((0, 3), (1, 3)), ((2, 3), (3, 2)), ((1,), (7,)),
    # extras: identity, 0-d with 0-d, stretch on both sides, zero-size dims
    ((), ()), ((3, 4), (3, 4)), ((4, 1), (1, 3)), ((1, 3), (4, 1)),
    ((3, 1), (4,)), ((2, 3), (2,)), ((0,), (1,)), ((0,), (2,)), ((0, 3), (3,)),
    ((1, 1), (1, 1)), ((5,), ()), ((1,), ()), ((2, 1), (3, 1)), ((4, 3), (4, 2)),
]
out["broadcast"] = [try_shape(np.add, a, b) for a, b in BROADCAST]

# 2. dot: 2-D x 2-D is a matrix product (inner dims must match), 1-D x 1-D is
# an inner product giving a 0-d result, 2-D x 1-D / 1-D x 2-D contract the
# vector against the last / second-to-last axis, and a 0-d operand means
# scalar multiplication. Mismatch raises "shapes ... not aligned: ...".
DOT = [
    ((10000, 784), (784, 60)), ((10000, 784), (10, 60)), ((60, 784), (784, 10000)),
    ((10000, 60), (10, 60)), ((10, 60), (10000, 10)), ((3,), (3,)), ((3,), (4,)),
    ((2, 3), (3,)), ((2, 3), (2,)), ((3,), (3, 2)), ((3,), (2, 3)), ((), (3, 4)),
    ((3, 4), ()), ((), ()), ((3,), ()), ((1, 3), (3, 1)), ((3, 1), (1, 3)),
    ((3,), (3, 1)), ((3, 1), (3,)),
]
out["dot"] = [try_shape(np.dot, a, b) for a, b in DOT]
for sa, sb in [((2, 3), (3, 4)), ((4, 5), (5,)), ((3,), (3, 2))]:
    a, b = rand(sa), rand(sb)
    r = np.dot(a, b)
    out["dot"].append({"a": list(sa), "b": list(sb), "a_data": flat(a),
                       "b_data": flat(b), "shape": shape(r),
                       "result_data": flat(r), "error": None})

# 3. elementwise: IEEE-754 float64 results with broadcasting; division by
# zero gives +-inf (0/0 nan), log(0) = -inf, log(<0) = nan, sqrt(<0) = nan,
# exp overflows to inf above ~709.78, maximum propagates NaN, negative(0) is -0.
BINARY = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
          "divide": np.divide, "power": np.power, "maximum": np.maximum}
UNARY = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "negative": np.negative,
         "sqrt": np.sqrt, "abs": np.abs,
         "sigmoid": lambda x: 1 / (1 + np.exp(-x))}
PAIRS = [((4, 3), (4, 3)), ((4, 3), (1, 3)), ((4, 3), (4, 1)), ((4, 3), (3,)),
         ((4, 3), ()), ((), (4, 3)), ((4, 1), (1, 3)), ((3,), (2, 1))]


def elem(op, a, b=None):
    case = {"op": op, "a": shape(a), "a_data": flat(a)}
    with np.errstate(all="ignore"):
        if b is None:
            r = UNARY[op](a)
        else:
            case.update(b=shape(b), b_data=flat(b))
            r = BINARY[op](a, b)
    case.update(shape=shape(r), result_data=flat(r))
    return case


out["elementwise"] = []
for op in BINARY:
    for sa, sb in PAIRS:
        a, b = rand(sa), rand(sb)
        if op == "power":  # mostly small integer and half-integer exponents
            b = np.round(b * 2) / 4
        out["elementwise"].append(elem(op, a, b))
nan = float("nan")
specials = [  # hand-made operands for the IEEE corner cases
    ("divide", np.array([1.0, -1.0, 0.0, 2.5, -0.0]), np.array([0.0, 0.0, 0.0, -0.0, 3.0])),
    ("maximum", np.array([[1.0, nan, 3.0], [-0.0, 0.0, nan]]), np.array([2.0, 1.0, nan])),
    ("power", np.array([-8.0, 0.0, 0.0, 2.0, -2.0]), np.array([1 / 3, 0.0, -1.0, 0.5, 3.0])),
]
for op, a, b in specials:
    out["elementwise"].append(elem(op, a, b))
for op in UNARY:
    for sa in [(2, 3), (5,), ()]:
        out["elementwise"].append(elem(op, rand(sa, zeros=2)))
edge = np.array([0.0, -0.0, -1.0, 1e-300, 1.0, -2.0])
for op in ["log", "sqrt", "negative", "abs"]:
    out["elementwise"].append(elem(op, edge))
big = np.array([709.0, 709.78, 709.79, 710.0, 1000.0, -745.0, -746.0, -1000.0])
out["elementwise"].append(elem("exp", big))
out["elementwise"].append(elem("sigmoid", big))

# 4. reduce: axis None reduces everything (0-d, or all-1s shape with keepdims);
# negative axes count from the end; an out-of-range axis raises AxisError;
# max propagates NaN; argmax returns the first NaN's index if any, else the
# first occurrence of the maximum. NB: a contiguous full (axis=None) sum of
# >= 8 elements uses NumPy's 8-accumulator pairwise summation, so it can differ
# in the last bits from a naive left-to-right loop (the (4,5) case does).
REDUCE = {"sum": np.sum, "mean": np.mean, "max": np.max, "argmax": np.argmax}


def reduce_case(op, a, axis, keepdims):
    case = {"op": op, "a": shape(a), "a_data": flat(a), "axis": axis,
            "keepdims": keepdims, "shape": None, "result_data": None, "error": None}
    try:
        with np.errstate(all="ignore"):
            r = REDUCE[op](a, axis=axis, keepdims=keepdims)
        case.update(shape=shape(r), result_data=flat(r))
    except (ValueError, IndexError) as exc:  # AxisError subclasses both
        case["error"] = err(exc)
    return case


out["reduce"] = []
m2, v1 = rand((4, 5)), rand((6,))
for op in REDUCE:
    for kd in (False, True):
        for ax in (None, 0, 1, -1, -2, 2, -3):
            out["reduce"].append(reduce_case(op, m2, ax, kd))
        for ax in (None, 0, -1, 1, -2):
            out["reduce"].append(reduce_case(op, v1, ax, kd))
withnan = np.array([[1.0, nan, 5.0, nan], [nan, nan, nan, nan],
                    [2.0, 7.0, 7.0, -1.0], [3.0, 3.0, 3.0, 3.0]])
ties = np.array([1.0, 3.0, 3.0, 2.0, 3.0])
for op in ("argmax", "max", "sum"):
    for ax in (None, 0, 1):
        out["reduce"].append(reduce_case(op, withnan, ax, False))
for ax in (None, 0, -1):
    out["reduce"].append(reduce_case("argmax", ties, ax, False))
out["reduce"].append(reduce_case("argmax", np.array([-0.0, 0.0]), None, False))

# 5. transpose: .T reverses the axes; it is the identity on 0-d and 1-D arrays.
out["transpose"] = []
for sa in [(3, 4), (4,), (), (1, 5)]:
    a = rand(sa)
    out["transpose"].append({"a": list(sa), "a_data": flat(a),
                             "shape": shape(a.T), "result_data": flat(a.T)})

# 6. onehot: fancy-indexing rows of the identity, np.eye(K)[labels], gives a
# (len(labels), K) float64 matrix.
out["onehot"] = []
for labels in [[3, 0, 9, 1, 7, 3], [5]]:
    r = np.eye(10)[np.array(labels)]
    out["onehot"].append({"labels": labels, "classes": 10, "shape": shape(r),
                          "result_data": flat(r)})

json.dump(out, sys.stdout, indent=1, sort_keys=True, allow_nan=False)
sys.stdout.write("\n")

# Summary on stderr so stdout stays pure JSON.
log = sys.stderr
print("numpy %s" % np.__version__, file=log)
for sec in ["broadcast", "dot", "elementwise", "reduce", "transpose", "onehot"]:
    print("  %-12s %3d cases" % (sec, len(out[sec])), file=log)
picks = [("broadcast", [3], [4]), ("dot", [10000, 784], [10, 60]),
         ("dot", [3], [2, 3]), ("reduce", [4, 5], 2), ("reduce", [6], 1)]
for sec, a, b in picks:  # five representative error messages, verbatim
    for c in out[sec]:
        if c["a"] == a and c.get("b", c.get("axis")) == b and c["error"]:
            print("  error: %s" % c["error"], file=log)
            break
