"""backstep's recorder: runs a learner's NumPy script unmodified and records,
statement by statement, what its first training iterations computed.

backstep embeds this file and runs it as

    python -c BOOT recorder.py CONFIG.json

where BOOT checks the Python version and NumPy first. CONFIG.json names the
script (or notebook), its arguments, the temporary folder to write into, how
many iterations to trace and where backstep's MNIST files are. Everything is
written to that folder (record.json, capture.npz); nothing beside the script.

Only the standard library and NumPy. The script's own lines are traced with
sys.monitoring on Python >= 3.12 and sys.settrace below; NumPy is never
patched: the axis/keepdims arguments come from the statements' syntax trees
and floating-point errors from np.seterrcall.
"""

import ast
import builtins
import gzip
import importlib.abc
import importlib.machinery
import json
import linecache
import os
import re
import signal
import sys
import textwrap
import time
import traceback
import types

import numpy as np

RECORD_VERSION = 1
# Executions of one statement in one iteration whose values are summarised
# in full; later ones only count (an accuracy loop runs 10,000 times).
SUMMARY_LIMIT = 1
# The most arrays of one list or tuple kept element by element (W[0], W[1], ...).
ELEMENT_LIMIT = 16
# Arrays of more elements than this are summarised but not captured.
CAPTURE_LIMIT = 64 << 20
# Words that make an assigned name a metric (reported accuracy and its counter).
METRIC_WORDS = ("acc", "correct", "score", "hits", "right", "precision", "metric")
LR_WORDS = ("lr", "alpha", "eta", "learning", "step", "rate", "mu")


class BackstepStop(BaseException):
    """Stops the script after the traced iterations. A BaseException, so that
    the script's own `except Exception` cannot swallow it."""


# The columns a notice on stderr fits in: the config's "width", the width
# backstep decided for its output (80-100 on a terminal, 100 off one).
NOTE_WIDTH = 100


def note(msg):
    lines = textwrap.wrap("backstep: " + msg, NOTE_WIDTH, subsequent_indent="  ",
                          break_long_words=False, break_on_hyphens=False)
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


# ---------------------------------------------------------------- source

# IPython's syntax in a notebook's lines, which Python cannot run: a shell
# command's output bound to a name (files = !ls), a magic's (t = %timeit
# ...), and help (obj?, obj??, ?obj).
SHELL_ASSIGN = re.compile(r"^\s*([A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[!%]")
HELP = re.compile(r"^\s*(\?{1,2}\s*[\w.\[\]'\"()]+|[\w.\[\]'\"()]+\s*\?{1,2})\s*$")


def read_bounded(path, limit):
    """The file's bytes, refused when it is not a regular file or holds
    more than limit (checked before reading; a pipe or a device is never
    opened)."""
    import stat
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise ValueError("%s is not a regular file" % path)
    if limit and st.st_size > limit:
        raise ValueError("%s holds %d bytes, more than a script or notebook backstep reads" % (path, st.st_size))
    with open(path, "rb") as f:
        return f.read(limit + 1 if limit else -1)


def load_source(path, notebook, limit=0):
    """Returns the source to run, a line map (None for a .py file) and
    notices about lines left out (notebook magics, shell lines and
    IPython's help)."""
    notices = []
    raw = read_bounded(path, limit)
    if not notebook:
        import tokenize, io
        enc, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        return raw.decode(enc), None, notices
    nb = json.loads(raw.decode("utf-8"))
    lines, cellmap = [], []
    skipped_magic, skipped_shell, skipped_cells, skipped_help = [], [], [], []
    code_cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    for ci, cell in enumerate(code_cells, 1):
        src = cell.get("source", "")
        if isinstance(src, list):
            src = "".join(src)
        cell_lines = src.split("\n")
        magic = cell_lines[0].lstrip().split()[0] if cell_lines and cell_lines[0].lstrip().startswith("%%") else ""
        # %%time and the like run their cell as Python: only their line goes.
        python_body = magic in ("%%time", "%%timeit", "%%capture", "%%prun")
        for li, line in enumerate(cell_lines, 1):
            stripped = line.lstrip()
            indent = line[: len(line) - len(stripped)]
            if magic and li == 1:
                if python_body:
                    skipped_magic.append("cell %d line 1: %s" % (ci, stripped))
                else:
                    skipped_cells.append("cell %d (%s)" % (ci, magic))
                line = ""
            elif magic and not python_body:
                line = ""
            elif stripped.startswith("%"):
                skipped_magic.append("cell %d line %d: %s" % (ci, li, stripped))
                line = indent + "pass"
            elif stripped.startswith("!"):
                skipped_shell.append("cell %d line %d: %s" % (ci, li, stripped))
                line = indent + "pass"
            elif SHELL_ASSIGN.match(line):
                # files = !ls: IPython binds the command's output lines (a
                # list); here the name is bound to an empty list.
                names = SHELL_ASSIGN.match(line).group(1)
                skipped_shell.append("cell %d line %d: %s (%s bound to [])" % (ci, li, stripped, names.strip()))
                line = indent + "%s = %s" % (names, ", ".join("[]" for _ in names.split(",")))
            elif HELP.match(line) and not stripped.startswith("#"):
                skipped_help.append("cell %d line %d: %s" % (ci, li, stripped))
                line = indent + "pass"
            lines.append(line)
            cellmap.append([ci, li])
    if skipped_magic:
        notices.append("skipped %d IPython magic line(s): %s" % (len(skipped_magic), "; ".join(skipped_magic)))
    if skipped_shell:
        notices.append("skipped %d shell line(s): %s" % (len(skipped_shell), "; ".join(skipped_shell)))
    if skipped_cells:
        notices.append("skipped %d cell(s) that are not Python: %s" % (len(skipped_cells), "; ".join(skipped_cells)))
    if skipped_help:
        notices.append("skipped %d IPython help line(s): %s" % (len(skipped_help), "; ".join(skipped_help)))
    return "\n".join(lines) + "\n", cellmap, notices


# ---------------------------------------------------------------- syntax

def src_of(source, node):
    try:
        s = ast.get_source_segment(source, node)
    except Exception:
        s = None
    if s is None:
        try:
            s = ast.unparse(node)
        except Exception:
            s = "?"
    return s


def expr_json(node, source, depth=0):
    """The value of a statement as a small JSON tree that backstep's Go side
    replays with its tracer: names, numbers, operators, calls with their
    keywords (axis, keepdims), attributes and subscripts."""
    if depth > 60:
        return {"k": "?", "src": "…"}
    j = lambda n: expr_json(n, source, depth + 1)
    if isinstance(node, ast.Name):
        return {"k": "name", "id": node.id}
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or v is None or isinstance(v, (int, float)):
            return {"k": "const", "n": v, "src": src_of(source, node)}
        return {"k": "const", "s": str(v)[:80]}
    if isinstance(node, ast.BinOp):
        return {"k": "binop", "op": type(node.op).__name__, "l": j(node.left), "r": j(node.right)}
    if isinstance(node, ast.UnaryOp):
        return {"k": "unary", "op": type(node.op).__name__, "v": j(node.operand)}
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return {"k": "compare", "op": type(node.ops[0]).__name__, "l": j(node.left), "r": j(node.comparators[0])}
    if isinstance(node, ast.Attribute):
        out = {"k": "attr", "v": j(node.value), "a": node.attr}
        name = canon(node)
        if name is not None and node.attr not in ARRAY_ATTRS:
            out["id"] = name
        return out
    if isinstance(node, ast.Subscript):
        out = {"k": "subscript", "v": j(node.value), "i": j(node.slice)}
        name = canon(node)
        if name is not None:
            out["id"] = name
        return out
    if isinstance(node, ast.Slice):
        return {"k": "slice", "lo": j(node.lower) if node.lower else None,
                "hi": j(node.upper) if node.upper else None, "step": j(node.step) if node.step else None}
    if isinstance(node, (ast.Tuple, ast.List)):
        return {"k": "tuple", "e": [j(e) for e in node.elts]}
    if isinstance(node, ast.Call):
        return {"k": "call", "f": j(node.func), "args": [j(a) for a in node.args],
                "kw": {k.arg: j(k.value) for k in node.keywords if k.arg}, "src": src_of(source, node)}
    if isinstance(node, ast.IfExp):
        return {"k": "?", "src": src_of(source, node)}
    return {"k": "?", "src": src_of(source, node)}


# Attributes of an array that are not values of their own (X.T is X).
ARRAY_ATTRS = {"T", "mT", "shape", "size", "ndim", "dtype", "flat", "real", "imag", "itemsize", "nbytes"}


def canon(node):
    """The name backstep gives what a statement reads or writes: a variable
    (W1), an attribute (self.W1) or an entry with a constant key
    (params['W1'], layers[0]), written the same whatever quotes the script
    used; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = canon(node.value)
        return base + "." + node.attr if base is not None else None
    if isinstance(node, ast.Subscript):
        base = canon(node.value)
        key = node.slice
        if type(key).__name__ == "Index":  # Python 3.8 wraps it
            key = key.value
        if base is not None and isinstance(key, ast.Constant) and isinstance(key.value, (str, int)) \
                and not isinstance(key.value, bool):
            return "%s[%r]" % (base, key.value)
    return None


def names_read(node):
    """The names a piece of code reads: variables, and the attributes and
    constant-key entries it reads as values (self.W1, params['W1']; not a
    method it calls or an array's X.T)."""
    out = []
    called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
    for n in ast.walk(node):
        name = None
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            name = n.id
        elif isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.ctx, ast.Load) and id(n) not in called \
                and not (isinstance(n, ast.Attribute) and n.attr in ARRAY_ATTRS):
            name = canon(n)
        if name is not None and name not in out:
            out.append(name)
    return out


def target_list(t, source, out, inplace):
    """Flattens assignment targets into the expressions backstep reads back
    after the statement ran: names, attributes, constant subscripts; an
    element assignment (o[i, y] = 1) writes its base array."""
    if isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts:
            target_list(e, source, out, inplace)
    elif isinstance(t, ast.Starred):
        target_list(t.value, source, out, inplace)
    elif isinstance(t, (ast.Name, ast.Attribute)):
        out.append(canon(t) or src_of(source, t))
    elif isinstance(t, ast.Subscript):
        if canon(t) is not None:
            out.append(canon(t))
        else:
            base = t.value
            while isinstance(base, ast.Subscript) and canon(base) is None:
                base = base.value
            if canon(base) is not None:
                s = canon(base)
                out.append(s)
                inplace.append(s)


def same_expr(a, b):
    """Whether two expressions are the same code (W1 on both sides of
    W1 = W1 - lr*dW1), whatever their load/store context."""
    try:
        return ast.unparse(a) == ast.unparse(b)
    except AttributeError:  # Python 3.8 has no unparse
        strip = lambda n: ast.dump(n).replace("ctx=Store()", "").replace("ctx=Load()", "")
        return strip(a) == strip(b)


def mult_parts(v):
    """The factors of an update's step: lr * dW, dW * lr, -lr * dW, dW / k."""
    if isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.USub):
        v = v.operand
    if isinstance(v, ast.BinOp) and isinstance(v.op, (ast.Mult, ast.Div)):
        return v.left, v.right
    return None


# Names a gradient goes by: dW1, d_b, db, grad_W1, W1_grad, delta2, l2_delta,
# grads['W1'], gradients, dparams. A statement that adds to one of these
# accumulates a gradient; it does not update a parameter.
GRAD_NAME = re.compile(r"^(d_?(w|b|z|a|h|x|y|theta|weights?|bias(es)?|out(put)?|hidden|l|layer|scores|logits|probs|"
                       r"params?|v|u|s)_?\d*|.*grad.*|.*delta.*|err(or)?s?_?\d*)$", re.I)


def gradient_like(name):
    """Whether any part of a name (its variable, attribute or key) names a
    gradient: grads['W1'], self.dW1, dW."""
    return any(GRAD_NAME.match(p) for p in re.split(r"[.\[\]'\"]+", name) if p)


def factors(v):
    """The factors of a product: -lr * dW / m gives lr, dW, m."""
    if isinstance(v, ast.UnaryOp) and isinstance(v.op, (ast.USub, ast.UAdd)):
        return factors(v.operand)
    if isinstance(v, ast.BinOp) and isinstance(v.op, (ast.Mult, ast.Div)):
        return factors(v.left) + ([v.right] if isinstance(v.op, ast.Div) else factors(v.right))
    return [v]


def dynamic_key(node):
    """(base, key variable) of params[k], None for anything else."""
    if not isinstance(node, ast.Subscript) or canon(node) is not None:
        return None
    key = node.slice.value if type(node.slice).__name__ == "Index" else node.slice
    if canon(node.value) is not None and isinstance(key, ast.Name):
        return canon(node.value), key.id
    return None


def grad_in(v):
    """The gradient an update's step takes: dW in lr * dW, dW, -lr * dW / m,
    grads[k]; None when the step is computed inline (X.T.dot(delta))."""
    named = []
    for f in factors(v):
        if canon(f) is not None:
            named.append((f, canon(f)))
        elif dynamic_key(f) is not None:
            named.append((f, "%s[%s]" % dynamic_key(f)))
    for f, name in named:
        if gradient_like(name):
            return f
    for f, name in named:
        last = re.split(r"[.\[]", name)[-1].lower()
        if not any(w in last for w in LR_WORDS) and last not in ("m", "n", "n_samples", "batch_size"):
            return f
    return None


def update_of(node, source):
    """Recognises what may be a parameter update by its form: an in-place
    change W -= step or W += step, or a rebinding W = W - step or
    W = W + step, of something that is not named as a gradient (or a list
    of such built by a comprehension). Whether it is one is decided when it
    runs (Recorder.judge): W must be a float array and the step one of
    its shape (or one that broadcasts it larger: shape drift). Returns
    {"param", "grad", "names", "inplace", "reads_param"} or None."""
    if isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Sub, ast.Add)):
        t, step, inplace = node.target, node.value, True
    elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.BinOp) \
            and isinstance(node.value.op, (ast.Sub, ast.Add)) and (same_expr(node.value.left, node.targets[0]) or
                                                                 isinstance(node.value.op, ast.Add) and
                                                                 same_expr(node.value.right, node.targets[0])):
        t, v, inplace = node.targets[0], node.value, False
        step = v.right if same_expr(v.left, t) else v.left
    elif isinstance(node, ast.Assign) and len(node.targets) == 1 and \
            isinstance(node.value, (ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.List, ast.Tuple)):
        t = node.targets[0]
        for n in ast.walk(node.value):
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub) and mult_parts(n.right) is not None \
                    and isinstance(n.left, (ast.Name, ast.Subscript, ast.Attribute)):
                return {"param": src_of(source, t), "grad": "", "comprehension": True, "names": []}
        return None
    else:
        return None
    if not isinstance(t, (ast.Name, ast.Attribute, ast.Subscript)):
        return None
    param = canon(t)
    if param is None and dynamic_key(t) is None:
        return None
    if gradient_like(param or "%s[%s]" % dynamic_key(t)):
        return None
    g = grad_in(step)
    names = [n.id for n in ast.walk(t) if isinstance(n, ast.Name)]
    out = {"param": param or src_of(source, t), "grad": "", "inplace": inplace, "names": names,
           "reads_param": any(same_expr(n, t) for n in ast.walk(step) if isinstance(n, type(t)))}
    if param is None:
        # params[k] -= ...: which entry is known when it runs.
        out["param_base"], out["param_key"] = dynamic_key(t)
    if g is not None and canon(g) is not None:
        out["grad"] = canon(g)
    elif g is not None:
        out["grad"] = src_of(source, g)
        out["grad_base"], out["grad_key"] = dynamic_key(g)
    return out


class Scope:
    """A module, class or function body: its statements, by line."""

    def __init__(self, sid, name, line, node):
        self.id, self.name, self.line, self.node = sid, name, line, node
        self.by_line = {}
        self.call = None  # a function's statement that binds its arguments


class Analysis:
    """What the script's syntax tree says before it runs: statements,
    scopes, loops, updates, metrics and inlinable functions."""

    def __init__(self, source, filename):
        self.source = source
        self.tree = ast.parse(source, filename)
        self.stmts, self.scopes, self.loops, self.functions = [], [], [], {}
        self.scope_key = {}
        self._scope(self.tree, "<module>", 1)
        # Statements after another on the same line (a = 1; b = 2) get no
        # line event of their own: they run with the first.
        groups = {}
        for st in self.stmts:
            groups.setdefault((st["scope"], st["line"], st["block"]), []).append(st)
        for g in groups.values():
            g.sort(key=lambda x: x["col"])
            for i, st in enumerate(g):
                st["siblings"] = [x["id"] for x in g[i + 1:] if x["kind"] not in ("for", "while", "if", "with", "def")]

    def _scope(self, node, name, line):
        sc = Scope(len(self.scopes), name, line, node)
        self.scopes.append(sc)
        self.scope_key[(name, line)] = sc
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list:
            self.scope_key[(name, node.decorator_list[0].lineno)] = sc
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # A call binds the arguments to the parameters: a statement of
            # its own, so that the function's lines have their inputs.
            a = node.args
            params = [x.arg for x in getattr(a, "posonlyargs", []) + a.args + a.kwonlyargs]
            header = self.source.split("\n")[node.lineno - 1].strip().rstrip(":")
            sc.call = {"id": len(self.stmts), "line": node.lineno, "col": node.col_offset, "end_line": node.lineno,
                       "end_col": node.col_offset + len(header), "scope": sc.id, "kind": "call", "loop": None,
                       "block": None, "src": header, "targets": [p for p in params if p not in ("self", "cls")],
                       "inplace": [], "reads": [], "siblings": []}
            self.stmts.append(sc.call)
        self._body(node.body, sc, None, parent=len(self.stmts))
        return sc

    def _add(self, node, sc, loop, kind, span_end=None, block=None):
        s = {"id": len(self.stmts), "line": node.lineno, "col": node.col_offset,
             "end_line": node.end_lineno, "end_col": node.end_col_offset, "scope": sc.id,
             "kind": kind, "loop": loop, "block": block}
        if span_end is not None:
            s["end_line"], s["end_col"] = span_end
        s["src"] = self.source_lines(s)
        s["targets"], s["inplace"] = [], []
        self.stmts.append(s)
        for ln in range(s["line"], s["end_line"] + 1):
            sc.by_line.setdefault(ln, []).append(s)
        return s

    def source_lines(self, s):
        lines = self.source.split("\n")[s["line"] - 1: s["end_line"]]
        if not lines:
            return ""
        if len(lines) == 1:
            return lines[0][s["col"]: s["end_col"]]
        lines[0] = lines[0][s["col"]:]
        lines[-1] = lines[-1][: s["end_col"]]
        return "\n".join(lines)

    def _body(self, body, sc, loop, parent):
        block = id(body)
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                s = self._add(node, sc, loop, "def", (node.lineno, node.col_offset + 3), block)
                s["targets"] = [node.name]
                s["def"] = True
                if isinstance(node, ast.ClassDef):
                    self._scope(node, node.name, node.lineno)
                else:
                    self._function(node)
                    self._scope(node, node.name, node.lineno)
                continue
            if isinstance(node, (ast.For, ast.AsyncFor)):
                s = self._add(node, sc, loop, "for", (node.iter.end_lineno, node.iter.end_col_offset), block)
                target_list(node.target, self.source, s["targets"], s["inplace"])
                s["reads"] = names_read(node.iter)
                lp = {"id": len(self.loops), "stmt": s["id"], "line": node.lineno, "end_line": node.end_lineno,
                      "scope": sc.id, "parent": loop, "kind": "for", "targets": s["targets"],
                      "iter": src_of(self.source, node.iter)}
                it = node.iter
                if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" and it.args:
                    stop = it.args[0] if len(it.args) == 1 else it.args[1]
                    lp["range_stop"] = src_of(self.source, stop)
                    lp["range_stop_expr"] = expr_json(stop, self.source)
                self.loops.append(lp)
                s["loop_id"] = lp["id"]
                self._body(node.body, sc, lp["id"], s["id"])
                self._body(node.orelse, sc, loop, s["id"])
                lp["indexes"] = self._indexes(node, lp["targets"])
                continue
            if isinstance(node, ast.While):
                s = self._add(node, sc, loop, "while", (node.test.end_lineno, node.test.end_col_offset), block)
                s["reads"] = names_read(node.test)
                lp = {"id": len(self.loops), "stmt": s["id"], "line": node.lineno, "end_line": node.end_lineno,
                      "scope": sc.id, "parent": loop, "kind": "while", "targets": [], "indexes": []}
                self.loops.append(lp)
                s["loop_id"] = lp["id"]
                self._body(node.body, sc, lp["id"], s["id"])
                self._body(node.orelse, sc, loop, s["id"])
                continue
            if isinstance(node, ast.If):
                s = self._add(node, sc, loop, "if", (node.test.end_lineno, node.test.end_col_offset), block)
                s["reads"] = names_read(node.test)
                s["value"] = expr_json(node.test, self.source)
                self._body(node.body, sc, loop, s["id"])
                self._body(node.orelse, sc, loop, s["id"])
                continue
            if isinstance(node, (ast.With, ast.AsyncWith)):
                last = node.items[-1].context_expr
                s = self._add(node, sc, loop, "with", (last.end_lineno, last.end_col_offset), block)
                self._body(node.body, sc, loop, s["id"])
                continue
            if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                self._body(node.body, sc, loop, parent)
                for h in node.handlers:
                    self._body(h.body, sc, loop, parent)
                self._body(node.orelse, sc, loop, parent)
                self._body(node.finalbody, sc, loop, parent)
                continue
            if isinstance(node, ast.Match) if hasattr(ast, "Match") else False:
                s = self._add(node, sc, loop, "other", None, block)
                continue
            self._simple(node, sc, loop, block)

    def _simple(self, node, sc, loop, block):
        kind = type(node).__name__.lower()
        s = self._add(node, sc, loop, kind, None, block)
        if isinstance(node, ast.Assign):
            for t in node.targets:
                target_list(t, self.source, s["targets"], s["inplace"])
            s["value"] = expr_json(node.value, self.source)
            s["reads"] = names_read(node.value)
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and \
                    isinstance(node.value, ast.Constant) and isinstance(node.value.value, (int, float)) and \
                    not isinstance(node.value.value, bool):
                s["init"] = node.value.value
            # Names bound to another's value (W1, b1 = params['W1'], params['b1'])
            # are that value, not one computed afresh.
            t0 = node.targets[0]
            if len(node.targets) == 1 and isinstance(t0, (ast.Tuple, ast.List)) and \
                    isinstance(node.value, (ast.Tuple, ast.List)) and len(t0.elts) == len(node.value.elts):
                pairs = zip(t0.elts, node.value.elts)
            else:
                pairs = [(t0, node.value)] if len(node.targets) == 1 else []
            s["aliases"] = [canon(t) for t, v in pairs if canon(t) is not None and canon(v) is not None]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target_list(node.target, self.source, s["targets"], s["inplace"])
            s["value"] = expr_json(node.value, self.source)
            s["reads"] = names_read(node.value)
        elif isinstance(node, ast.AugAssign):
            target_list(node.target, self.source, s["targets"], s["inplace"])
            s["inplace"] = list(s["targets"])
            if canon(node.target) is None and dynamic_key(node.target) is not None:
                s["protect"] = [src_of(self.source, node.target)]  # params[k]: the entry it changes
            s["op"] = type(node.op).__name__
            s["value"] = expr_json(node.value, self.source)
            s["reads"] = names_read(node.value) + [t for t in names_read(node.target) if t not in names_read(node.value)]
            if canon(node.target) is not None and canon(node.target) not in s["reads"]:
                s["reads"].append(canon(node.target))
        elif isinstance(node, ast.Return):
            s["targets"] = []
            if node.value is not None:
                s["value"] = expr_json(node.value, self.source)
                s["reads"] = names_read(node.value)
        elif isinstance(node, ast.Expr):
            s["reads"] = names_read(node.value)
            s["value"] = expr_json(node.value, self.source)
        else:
            s["reads"] = names_read(node)
        up = update_of(node, self.source)
        if up is not None:
            s["update"] = up
        name = None
        if isinstance(node, (ast.Assign, ast.AugAssign)) and s["targets"]:
            name = s["targets"][0]
        if name and (isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add) and loop is not None
                     and isinstance(node.target, ast.Name)
                     or any(w in name.lower() for w in METRIC_WORDS) and "." not in name and "[" not in name):
            s["metric"] = True

    def _function(self, node):
        """Records a function whose body is plain assignments and one return,
        so that backstep can replay a call to it inline."""
        a = node.args
        params = [x.arg for x in a.posonlyargs + a.args]
        body = [b for b in node.body if not (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant))]
        steps, ret = [], None
        for b in body:
            if isinstance(b, ast.Assign) and len(b.targets) == 1 and isinstance(b.targets[0], ast.Name):
                steps.append({"name": b.targets[0].id, "value": expr_json(b.value, self.source)})
            elif isinstance(b, ast.Return) and b.value is not None and b is body[-1]:
                ret = expr_json(b.value, self.source)
            else:
                return
        if ret is not None:
            self.functions[node.name] = {"params": params, "steps": steps, "ret": ret, "line": node.lineno}

    def lambdas(self):
        """name = lambda ...: recorded as inlinable functions too."""
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) \
                    and isinstance(n.value, ast.Lambda):
                a = n.value.args
                self.functions[n.targets[0].id] = {"params": [x.arg for x in a.posonlyargs + a.args], "steps": [],
                                                   "ret": expr_json(n.value.body, self.source), "line": n.lineno}

    def _indexes(self, loop_node, targets):
        """Subscripts in a loop's body that use the loop variable: A2[i],
        Y[:, i]. Records the array and the position of the index."""
        out = []
        if not targets:
            return out
        var = targets[0]
        for n in ast.walk(loop_node):
            if not isinstance(n, ast.Subscript) or not isinstance(n.value, (ast.Name, ast.Attribute)):
                continue
            sl = n.slice
            elts = sl.elts if isinstance(sl, ast.Tuple) else [sl]
            for pos, e in enumerate(elts):
                if isinstance(e, ast.Name) and e.id == var:
                    out.append({"array": src_of(self.source, n.value), "axis": pos, "line": n.lineno,
                                "src": src_of(self.source, n)})
        return out

    def find(self, scope, line, col):
        cands = scope.by_line.get(line)
        if not cands:
            return None
        if col is None:
            return min(cands, key=lambda s: (s["line"] != line, s["col"]))
        best = None
        for s in cands:
            if (s["line"], s["col"]) <= (line, col) <= (s["end_line"], s["end_col"]):
                if best is None or (s["line"], s["col"]) >= (best["line"], best["col"]):
                    best = s
        if best is None:
            best = min(cands, key=lambda s: (s["line"] != line, s["col"]))
        return best


# ---------------------------------------------------------------- values

def summary(v):
    """Shape, dtype and statistics of a value a statement wrote."""
    if isinstance(v, np.ndarray) or isinstance(v, np.generic):
        a = np.asarray(v)
        out = {"shape": list(a.shape), "dtype": str(a.dtype)}
        kind = a.dtype.kind
        if a.size == 0 or kind not in "fiub":
            return out
        if kind == "b":
            a = a.view(np.uint8)
        mn, mx = a.min(), a.max()
        if kind == "f" and not (np.isfinite(mn) and np.isfinite(mx)):
            nan, inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
            out["nan"], out["inf"] = nan, inf
            fin = a[np.isfinite(a)]
            if fin.size:
                out.update(mean=float(fin.mean(dtype=np.float64)), std=float(fin.std(dtype=np.float64)),
                           min=float(fin.min()), max=float(fin.max()))
        else:
            out.update(mean=float(a.mean(dtype=np.float64)), std=float(a.std(dtype=np.float64)),
                       min=float(mn), max=float(mx))
        if a.size == 1:
            out["value"] = finite(float(a.reshape(-1)[0]))
        return out
    if isinstance(v, bool):
        return {"type": "bool", "value": int(v)}
    if isinstance(v, (int, float)):
        return {"type": type(v).__name__, "value": finite(float(v)), "shape": []}
    if isinstance(v, (list, tuple)):
        items = [summary(x) for x in v[:8]]
        return {"type": type(v).__name__, "len": len(v), "items": items}
    if isinstance(v, dict):
        return {"type": "dict", "len": len(v)}
    return {"type": type(v).__name__}


def finite(x):
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Inf" if x > 0 else "-Inf"
    return x


def capturable(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    if isinstance(v, (np.ndarray, np.generic)):
        a = np.asarray(v)
        return a.dtype.kind in "fiub" and a.ndim <= 2 and a.size <= CAPTURE_LIMIT
    return False


def same_values(a, b):
    """Whether two arrays of one shape hold the same values (NaN equal to
    NaN)."""
    try:
        return bool(np.array_equal(a, b, equal_nan=True))
    except TypeError:  # NumPy < 1.19, or values that have no NaN
        return bool(np.array_equal(a, b))


def broadcasts(small, big):
    """Whether NumPy broadcasts shape small to shape big."""
    if len(small) > len(big):
        return False
    return all(a == b or a == 1 for a, b in zip(small[::-1], big[::-1]))


def is_float_array(v):
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def layer_objects(v):
    """Whether v is a list or tuple of layer objects (of at most
    ELEMENT_LIMIT), at least one holding a float array as an attribute."""
    if not isinstance(v, (list, tuple)) or not 0 < len(v) <= ELEMENT_LIMIT:
        return False
    if not all(hasattr(o, "__dict__") and not isinstance(o, type) for o in v):
        return False
    return any(is_float_array(x) for o in v for x in vars(o).values())


def layer_lists(v, name):
    """The lists of layer objects a value is or keeps as an attribute
    (layers, model.layers): (its name, the list) pairs."""
    if layer_objects(v):
        return [(name, v)]
    if not hasattr(v, "__dict__") or isinstance(v, type) or isinstance(v, types.ModuleType):
        return []
    return [("%s.%s" % (name, a), x) for a, x in sorted(vars(v).items())
            if a.isidentifier() and layer_objects(x)]


# ---------------------------------------------------------------- MNIST

class NotServed(AttributeError):
    """A part of TensorFlow/Keras the script uses that backstep does not
    serve in their absence (tf.one_hot, keras.datasets.fashion_mnist): the
    script cannot run here without them installed."""

    def __init__(self, module, attr):
        AttributeError.__init__(self, "module %r has no attribute %r (TensorFlow is not installed here; backstep "
                                      "serves only mnist.load_data() and to_categorical)" % (module, attr))
        self.module, self.what = module.split(".")[0], module + "." + attr


# Told as Python tells a missing attribute: AttributeError: module ...
NotServed.__module__, NotServed.__qualname__, NotServed.__name__ = "builtins", "AttributeError", "AttributeError"


class MnistFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves tensorflow.keras.datasets.mnist.load_data and to_categorical
    (also under keras.) when TensorFlow/Keras are not installed, from
    backstep's MNIST files. Any other part of them is missing, with a hint."""

    NAMES = {"tensorflow", "tensorflow.keras", "tensorflow.keras.datasets", "tensorflow.keras.datasets.mnist",
             "tensorflow.keras.utils", "keras", "keras.datasets", "keras.datasets.mnist", "keras.utils",
             "keras.utils.np_utils", "tensorflow.keras.utils.np_utils"}

    def __init__(self, rec, mnist):
        self.rec, self.mnist = rec, mnist
        self.missing = {root for root in ("tensorflow", "keras")
                        if importlib.machinery.PathFinder.find_spec(root) is None}

    def find_spec(self, name, path=None, target=None):
        root = name.split(".")[0]
        if root not in self.missing:
            return None
        if name not in self.NAMES:
            raise ModuleNotFoundError(
                "No module named %r (TensorFlow is not installed here; backstep serves only "
                "mnist.load_data() and to_categorical from it)" % name, name=name)
        return importlib.machinery.ModuleSpec(name, self, is_package=not name.endswith("mnist"))

    def create_module(self, spec):
        m = types.ModuleType(spec.name)
        m.__path__ = [] if not spec.name.endswith("mnist") else None
        if m.__path__ is None:
            del m.__path__
        name = spec.name

        def missing(attr, name=name):
            if attr.startswith("__"):
                raise AttributeError(attr)
            raise NotServed(name, attr)
        m.__getattr__ = missing
        if name.endswith("mnist"):
            m.load_data = self.load_data
        if name.endswith("utils") or name.endswith("np_utils"):
            m.to_categorical = to_categorical
        return m

    def exec_module(self, module):
        name = module.__name__
        for sub in ("keras", "datasets", "mnist", "utils", "np_utils"):
            full = name + "." + sub
            if full in self.NAMES:
                setattr(module, sub, importlib.import_module(full))

    def load_data(self, path="mnist.npz"):
        cfg = self.mnist
        if not cfg:
            raise RuntimeError("backstep has no MNIST files to serve")
        xt, yt = read_idx(cfg["test_images"]), read_idx(cfg["test_labels"])
        if cfg.get("train_images"):
            xr, yr = read_idx(cfg["train_images"]), read_idx(cfg["train_labels"])
            what = "x_train %s uint8 from %s, x_test %s from %s, labels y_train %s, y_test %s" % (
                tuple(xr.shape), cfg["train_source"], tuple(xt.shape), cfg["test_source"],
                tuple(yr.shape), tuple(yt.shape))
        else:
            xr, yr = xt.copy(), yt.copy()
            what = ("x_train and x_test are both its %d test images %s uint8, y_train and y_test their labels %s "
                    "(--data DIR with the 60,000 training images serves those as x_train)" % (
                        len(xt), tuple(xt.shape), tuple(yt.shape)))
        msg = "TensorFlow is not installed here: backstep served mnist.load_data() from %s: %s" % (
            cfg["test_source"] if not cfg.get("train_images") else "--data", what)
        note("TensorFlow is not installed here: serving mnist.load_data() from %s: x_train %s, x_test %s uint8" % (
            "--data" if cfg.get("train_images") else "backstep's MNIST test images", tuple(xr.shape), tuple(xt.shape)))
        self.rec.notices.append(msg)
        self.rec.served.append({"function": "mnist.load_data", "x_train": list(xr.shape), "y_train": list(yr.shape),
                                "x_test": list(xt.shape), "y_test": list(yt.shape),
                                "train_is_test": not cfg.get("train_images")})
        return (xr, yr), (xt, yt)


def to_categorical(y, num_classes=None, dtype="float32"):
    """Keras's to_categorical: integer labels to one-hot rows."""
    y = np.array(y, dtype="int")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = tuple(shape[:-1])
    y = y.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(y)) + 1
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out.reshape(shape + (num_classes,))


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[:4], "big")
    dims = magic & 0xFF
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape).copy()


# ---------------------------------------------------------------- recorder

class Entry:
    """One statement's executions in one iteration."""
    __slots__ = ("stmt", "gen", "seq", "fin", "count", "writes", "values", "error", "seconds")

    def __init__(self, stmt, gen, seq):
        self.stmt, self.gen, self.seq, self.fin, self.count = stmt, gen, seq, seq, 0
        self.writes, self.values, self.error, self.seconds = [], [], None, 0.0


class FrameState:
    __slots__ = ("stmt", "lasti", "t0", "scope", "raising", "assigned", "pending")

    def __init__(self, scope):
        self.stmt, self.lasti, self.t0, self.scope = None, -1, 0.0, scope
        self.raising = False
        # Names this frame bound since its outermost loop last went round:
        # values of this pass, not parameters carried from the last one.
        self.assigned = set()
        # Updates started and not judged yet: stmt id -> what they changed.
        self.pending = {}


class Recorder:
    def __init__(self, cfg):
        self.cfg = cfg
        self.path = os.path.abspath(cfg["script"])
        self.notebook = cfg.get("notebook", False)
        self.out = cfg["out"]
        self.iterations = max(1, int(cfg.get("iterations", 1)))
        self.keep_going = bool(cfg.get("continue", False))
        self.notices, self.served = [], []
        self.source, self.cellmap, nb_notices = load_source(self.path, self.notebook, int(cfg.get("max_bytes") or 0))
        for n in nb_notices:
            note(n)
            self.notices.append(n)
        try:
            self.an = Analysis(self.source, self.path)
        except SyntaxError as e:
            e.cellmap = self.cellmap  # so that a notebook's line is told as cell and line
            raise
        self.an.lambdas()
        self.stmts = self.an.stmts
        self.frames = {}
        self.entries = {}        # (stmt id, gen) -> Entry
        self.order = []
        self.seq = 0
        self.gen = 0             # 0 before the first iteration is known, then 1, 2, ...
        self.mode = "traced"     # traced, light (metrics and NaN only), off
        self.first_update = None
        self.confirmed = set()   # statements seen to update a parameter
        self.updates = []        # the updates of the traced iterations
        self.pre_frames = {}     # name -> the frame its value at the start of iteration 1 was read from
        self.pre_base = {}       # name -> (its base, the object it was read through) for layer.W
        self.iter_loop = None    # (loop id, frame)
        self.header_seq = {}     # (id(frame), loop id) -> seq of its last header execution
        self.header_runs = {}    # (loop id, gen) -> header executions
        self.range_stops = {}    # (loop id, gen) -> value of range(...)'s stop
        self.update_count = 0
        self.pre = {}            # name -> value at the start of iteration 1
        self.pre_via = {}        # name -> the name this frame reads it by (p['W1'] -> self.params['W1'])
        self.captured = {}       # key -> value (iteration 1's writes and pre-values)
        self.capture_meta = {}
        self.metrics = []
        self.fp_first = None
        self.fp_count = 0
        self.iter_times = []     # (gen, mode, seconds)
        self.iter_t0 = None
        self.stopped = None
        self.exception = None
        self.exit_code = None
        self.t_stop = None
        self.metric_stmts = {s["id"] for s in self.stmts if s.get("metric")}
        self.metric_scopes = {s["scope"] for s in self.stmts if s.get("metric")}
        self.watch_extra = bool(self.metric_stmts) and not self.keep_going
        self.positions = {}
        self.capture_written = False

    # ------------------------------------------------------------ scopes

    def scope_of(self, code):
        if code.co_filename != self.path:
            return None
        sc = self.an.scope_key.get((code.co_name, code.co_firstlineno))
        if sc is None and code.co_name == "<module>":
            sc = self.an.scopes[0]
        return sc

    def stmt_at(self, frame, code, scope):
        col = None
        line = frame.f_lineno
        if hasattr(code, "co_positions"):
            pos = self.positions.get(code)
            if pos is None:
                pos = list(code.co_positions())
                self.positions[code] = pos
            i = frame.f_lasti // 2
            if 0 <= i < len(pos) and pos[i][0] == line and pos[i][2] is not None:
                col = pos[i][2]
        return self.an.find(scope, line, col)

    # ------------------------------------------------------------ events

    def on_line(self, frame, code, scope):
        st = self.frames.get(frame)
        if st is None:
            st = self.frames[frame] = FrameState(scope)
            if scope.call is not None and self.mode == "traced" and scope.call["targets"]:
                self.record_call(frame, scope.call)
        st.raising = False  # a line runs: any exception was handled
        stmt = self.stmt_at(frame, code, scope)
        lasti = frame.f_lasti
        if stmt is not None and stmt is st.stmt and lasti > st.lasti:
            return  # another line of the same statement
        if st.stmt is not None:
            self.finish(frame, st)
        if stmt is None:
            st.stmt = None
            return
        self.start(frame, st, stmt, lasti)

    def on_return(self, frame, value):
        st = self.frames.pop(frame, None)
        if st is None or st.stmt is None:
            return
        if st.stmt["kind"] == "return" and self.mode == "traced" and not st.raising:
            self.finish(frame, st, returned=(value,))
        else:
            self.finish(frame, st)
        if self.iter_loop is not None and self.iter_loop[0] is None and self.iter_loop[1] is frame and not st.raising:
            self.end_iteration(frame)  # a step without a loop around it

    def on_exception(self, frame, exc):
        st = self.frames.get(frame)
        if st is not None:
            st.raising = True
        if st is None or st.stmt is None or isinstance(exc, BackstepStop) or self.mode != "traced":
            return
        stmt = self.stmt_at(frame, frame.f_code, st.scope) or st.stmt
        e = self.entry(stmt)
        if e is not None and e.error is None and not isinstance(exc, (StopIteration, GeneratorExit)):
            e.error = {"type": type(exc).__name__, "message": str(exc)[:500]}

    def record_call(self, frame, stmt):
        """A call of one of the script's functions: the values its
        parameters were given."""
        self.seq += 1
        e = self.entry(stmt)
        e.count += 1
        values = [frame.f_locals.get(t) for t in stmt["targets"]]
        e.values = values
        if e.count <= SUMMARY_LIMIT:
            e.writes = [dict(summary(v), name=t) for t, v in zip(stmt["targets"], values)]

    def entry(self, stmt):
        key = (stmt["id"], self.gen)
        e = self.entries.get(key)
        if e is None:
            e = self.entries[key] = Entry(stmt, self.gen, self.seq)
            self.order.append(e)
        return e

    def start(self, frame, st, stmt, lasti):
        self.seq += 1
        st.stmt, st.lasti, st.t0 = stmt, lasti, time.perf_counter()
        kind = stmt["kind"]
        if kind in ("for", "while"):
            self.loop_header(frame, stmt)
        for s in [stmt] + [self.stmts[i] for i in stmt["siblings"]]:
            if self.mode == "traced" and kind not in ("for", "while", "if", "with", "def"):
                self.entry(s)  # in the order the statements start
            if self.mode == "traced" and (s["inplace"] or s.get("protect")):
                self.protect(frame, s)
            if "update" in s:
                self.before_update(frame, st, s)

    def finish(self, frame, st, returned=None):
        stmt = st.stmt
        first = self.first_update
        group = [stmt] + [self.stmts[i] for i in stmt["siblings"]]
        snaps = {}
        for k, s in enumerate(group):
            if k > 0:
                self.seq += 1
            p = st.pending.get(s["id"])
            if p is not None and p["snap"] is not None:
                snaps[p["name"]] = p["snap"]
            self.finish_one(frame, st, s, returned if k == 0 else None)
        st.stmt = None
        if first is None and self.first_update is not None:
            # The first update of the run: the iteration it ends began at
            # the loop around it. Its parameters, and those the statements
            # beside it on the line changed, start the iteration as they
            # were before the line ran.
            self.begin_iterations(frame, self.stmts[self.first_update])
            for name, snap in snaps.items():
                # under every name that holds it (p['W1'] of p = self.params)
                live = self.read(frame, name)
                for k, c in list(self.pre.items()):
                    if live is not None and c is live:
                        self.pre[k] = snap
                self.pre[name] = snap
                self.pre_frames[name] = frame
                self.note_base(frame, name)
            for u in self.updates:
                if u["iteration"] == 0:
                    u["iteration"] = 1

    def finish_one(self, frame, st, stmt, returned):
        if self.mode == "off":
            return
        if self.mode == "light":
            if stmt["id"] in self.confirmed:
                self.update_count += 1
            if stmt["id"] in self.metric_stmts:
                for t in stmt["targets"][:1]:
                    v = self.read(frame, t)
                    if isinstance(v, (int, float, np.generic)) and not isinstance(v, bool):
                        self.set_metric(stmt, float(v))
            return
        if stmt["kind"] in ("for", "while", "if", "with"):
            e = self.entry(stmt)
            e.count += 1
            return
        e = self.entry(stmt)
        e.count += 1
        e.fin = self.seq  # after the lines of the functions it called
        e.seconds += time.perf_counter() - st.t0
        if "update" in stmt:
            self.after_update(frame, st, stmt, e)
        if stmt["kind"] in ("assign", "annassign"):
            st.assigned.update(t for t in stmt["targets"] if t not in stmt.get("aliases", ()))
        targets = stmt["targets"]
        if returned is not None:
            targets = ["return"]
        if stmt["kind"] == "def" or not targets:
            return
        # Later executions of a statement in the same iteration only count;
        # the values kept are those of its last run.
        values = []
        for t in targets:
            v = returned[0] if returned is not None else self.read(frame, t)
            values.append(v)
        e.values = values
        if e.count <= SUMMARY_LIMIT or stmt["id"] in self.metric_stmts:
            e.writes = [dict(summary(v), name=t) for t, v in zip(targets, values)]
        if stmt["id"] in self.metric_stmts and values:
            v = values[0]
            if isinstance(v, (int, float, np.generic)) and not isinstance(v, bool):
                self.set_metric(stmt, float(v))

    def set_metric(self, stmt, v):
        if self.metrics and self.metrics[-1]["stmt"] == stmt["id"] and self.metrics[-1]["iteration"] == self.gen:
            self.metrics[-1]["value"] = finite(v)
            self.metrics[-1]["count"] += 1
        else:
            self.metrics.append({"stmt": stmt["id"], "iteration": self.gen, "value": finite(v), "count": 1})

    def read(self, frame, target):
        try:
            if target.isidentifier():
                if target in frame.f_locals:
                    return frame.f_locals[target]
                if target in frame.f_globals:
                    return frame.f_globals[target]
                return None
            return eval(target, frame.f_globals, frame.f_locals)
        except Exception:
            return None

    def note_base(self, frame, name):
        """Remembers the object an attribute's name was read through
        (layer of layer.W), so that its value after the iteration is not
        read through another (the loop over the layers left layer at the
        last one)."""
        base = re.match(r"[A-Za-z_]\w*", name)
        if base is not None and base.group(0) != name and name not in self.pre_base:
            self.pre_base[name] = (base.group(0), self.read(frame, base.group(0)))

    def protect(self, frame, stmt):
        """Before a statement changes an array in place (W -= lr*dW,
        o[i] = 1), copies it where the capture holds it."""
        for t in stmt["inplace"] + stmt.get("protect", []):
            v = self.read(frame, t)
            if not isinstance(v, np.ndarray):
                continue
            copy = None
            for k, c in list(self.pre.items()):
                if c is v:
                    copy = copy if copy is not None else v.copy()
                    self.pre[k] = copy
            for e in self.order:
                if e.gen <= 1 and e.values:
                    for i, c in enumerate(e.values):
                        if c is v:
                            copy = copy if copy is not None else v.copy()
                            e.values[i] = copy

    # ------------------------------------------------------------ updates

    def update_name(self, frame, up, which):
        """The name of the parameter (or gradient) an update changes, as it
        runs: params[k] becomes params['W1']."""
        base, key = up.get(which + "_base"), up.get(which + "_key")
        if base is None:
            return up[which]
        k = self.read(frame, key)
        if isinstance(k, (str, int)) and not isinstance(k, bool):
            return "%s[%r]" % (base, k)
        return up[which]

    def alias(self, frame, name, value, stmt):
        """For a loop variable bound to a parameter (for p, g in
        zip(params, grads): p -= lr * g), the name the parameter has
        elsewhere: W1, or params[0]; the variable's own name otherwise.
        An element of a list or tuple (params[0] of params[i] -= ...) is
        named by the variable that holds it too, when one does (W1)."""
        loop_vars = set()
        lid = stmt["loop"]
        while lid is not None:
            loop_vars.update(self.an.loops[lid]["targets"])
            lid = self.an.loops[lid]["parent"]
        element = re.fullmatch(r"[A-Za-z_][\w.]*\[\d+\]", name) is not None
        if name not in loop_vars and not element or value is None:
            return name
        spaces = [frame.f_locals]
        f = frame.f_back
        while f is not None:
            if self.scope_of(f.f_code) is not None:
                spaces.append(f.f_locals)
            f = f.f_back
        spaces.append(frame.f_globals)
        for space in spaces:
            for n, v in list(space.items()):
                if v is value and n not in loop_vars and not n.startswith("_"):
                    return n
        if element:
            return name
        for space in spaces:
            for n, c in list(space.items()):
                if n in loop_vars or n.startswith("_"):
                    continue
                if isinstance(c, (list, tuple)):
                    for i, v in enumerate(c):
                        if v is value:
                            return "%s[%d]" % (n, i)
                elif isinstance(c, dict):
                    for k, v in c.items():
                        if v is value and isinstance(k, (str, int)):
                            return "%s[%r]" % (n, k)
        return name

    def before_update(self, frame, st, s):
        """Before a statement that may update a parameter runs: what it is
        about to change (a copy, while that is still needed to judge it)."""
        if self.mode != "traced":
            return
        up = s["update"]
        v = self.read(frame, up["param"])
        if up.get("comprehension"):
            st.pending[s["id"]] = {"obj": v, "snap": None, "name": up["param"], "shape": None}
            return
        name = self.update_name(frame, up, "param")
        if not is_float_array(v) or v.ndim == 0 or v.size == 0 or name in st.assigned:
            return
        name = self.alias(frame, name, v, s)
        confirmed = s["id"] in self.confirmed
        keep = self.first_update is None or (up["reads_param"] and not confirmed)
        snap = (v.copy() if up["inplace"] else v) if keep else None
        st.pending[s["id"]] = {"obj": v, "snap": snap, "name": name, "shape": v.shape}

    def after_update(self, frame, st, s, e):
        """After it ran: whether it updated a parameter (Recorder.judge) and,
        when it did, which, with which gradient, from which shape to which."""
        p = st.pending.pop(s["id"], None)
        if p is None:
            return
        up = s["update"]
        after = self.read(frame, up["param"])
        if up.get("comprehension"):
            ok = isinstance(after, (list, tuple, dict)) and e.error is None
        else:
            ok = e.error is None and (s["id"] in self.confirmed and is_float_array(after) or self.judge(up, p, after))
        if not ok:
            if e.error is not None and not up.get("comprehension") and self.gen <= self.iterations:
                # It raised changing a float array in place (b -= lr * db with
                # db of another shape): an update that failed.
                grad = self.update_name(frame, up, "grad") if up["grad"] else ""
                self.updates.append({"stmt": s["id"], "iteration": self.gen, "param": p["name"], "grad": grad,
                                     "before": list(p["shape"]), "after": list(p["shape"]),
                                     "failed": e.error["type"]})
            return
        self.confirmed.add(s["id"])
        self.update_count += 1
        if self.first_update is None:
            self.first_update = s["id"]
        if up.get("comprehension") or self.gen > self.iterations:
            return
        grad = self.update_name(frame, up, "grad") if up["grad"] else ""
        if grad:
            grad = self.alias(frame, grad, self.read(frame, grad), s)
        self.updates.append({"stmt": s["id"], "iteration": self.gen, "param": p["name"], "grad": grad,
                             "before": list(p["shape"]), "after": list(np.shape(after))})

    @staticmethod
    def judge(up, p, after):
        """Whether a statement of an update's form changed a parameter: a
        float array that keeps its shape (or is broadcast larger, as
        b = b - lr * db does when db has the wrong shape), by a step that is
        not a reduction of the array itself (Z -= Z.max(axis=1,
        keepdims=True) shifts Z; it does not update it)."""
        if not is_float_array(after):
            return False
        before = p["shape"]
        if after.shape != before:
            return broadcasts(before, after.shape) and after.size > int(np.prod(before))
        if up["reads_param"] and p["snap"] is not None and after.ndim >= 1:
            delta = after - p["snap"]
            # after − before is the step only to rounding: (x − m) − x is not
            # exactly −m when x and m differ in size, so the same step along
            # an axis is the same to a few units in the last place of the
            # values it was taken from.
            with np.errstate(all="ignore"):
                tol = 4 * np.finfo(after.dtype).eps * (np.abs(p["snap"]) + np.abs(after))
            for axis in range(delta.ndim):
                if delta.shape[axis] > 1 and np.all(np.abs(delta - np.take(delta, [0], axis=axis)) <= tol):
                    return False  # the same step along an axis: a broadcast reduction
        return True

    def loop_header(self, frame, stmt):
        lid = stmt["loop_id"]
        key = (lid, self.gen)
        self.header_runs[key] = self.header_runs.get(key, 0) + 1
        self.header_seq[(id(frame), lid)] = (self.seq, time.perf_counter())
        lp = self.an.loops[lid]
        if lp["parent"] is None and frame in self.frames:
            self.frames[frame].assigned.clear()  # another pass of the outermost loop
        if self.header_runs[key] == 1 and "range_stop" in lp and self.mode != "off":
            v = self.read(frame, lp["range_stop"]) if safe_expr(lp["range_stop"]) else None
            if isinstance(v, (int, np.integer)):
                self.range_stops[key] = int(v)
        if self.iter_loop is not None and self.iter_loop[0] == lid and self.iter_loop[1] is frame:
            self.end_iteration(frame)

    # ------------------------------------------------------------ iterations

    def begin_iterations(self, frame, stmt):
        """The first parameter update ran: the iteration is the loop around
        it (in this function or a caller). Statements since that loop's last
        header belong to iteration 1."""
        self.first_update = stmt["id"]
        loop_id, loop_frame = stmt["loop"], frame
        # A loop over the parameters (for p, g in zip(params, grads), for k
        # in params) is part of the update, not the training loop.
        names = set(stmt["update"].get("names", []))
        # So is a loop over layer objects (for l in self.model.layers: for
        # p, g in l.params()).
        def over_layers(lid):
            return any(layer_objects([self.read(frame, t)]) for t in self.an.loops[lid]["targets"])
        while loop_id is not None and (names & set(self.an.loops[loop_id]["targets"]) or over_layers(loop_id)):
            loop_id = self.an.loops[loop_id]["parent"]
        f = frame
        while loop_id is None and f.f_back is not None:
            f = f.f_back
            sc = self.scope_of(f.f_code)
            if sc is None:
                continue
            s = self.stmt_at(f, f.f_code, sc)
            if s is not None and s["loop"] is not None:
                loop_id, loop_frame = s["loop"], f
        start, t0 = 0, self._iter_start
        if loop_id is not None:
            self.iter_loop = (loop_id, loop_frame)
            start, t0 = self.header_seq.get((id(loop_frame), loop_id), (0, t0))
        else:
            self.iter_loop = (None, frame)
        self.gen = 1
        for e in self.order:
            if e.gen == 0 and e.seq >= start:
                self.entries.pop((e.stmt["id"], 0), None)
                e.gen = 1
                self.entries[(e.stmt["id"], 1)] = e
        for m in self.metrics:
            if m["iteration"] == 0:
                m["iteration"] = 1
        fp = self.fp_first
        if fp is not None and fp["iteration"] == 0 and fp["seq"] >= start:
            fp["iteration"] = 1  # NumPy's first error came in what is now iteration 1
        for (lid, g) in list(self.header_runs):
            if g == 0 and loop_id is not None and lid != loop_id and self.in_loop(lid, loop_id):
                self.header_runs[(lid, 1)] = self.header_runs.pop((lid, 0))
                if (lid, 0) in self.range_stops:
                    self.range_stops[(lid, 1)] = self.range_stops.pop((lid, 0))
        # Pre-values: what the loop body reads that this iteration has not
        # written yet, as it is now (before the first update).
        # A variable is one scope's (a function's X is not the module's);
        # an attribute or an entry (self.W1) is the same in every scope.
        written, written_in = set(), {}
        for e in self.order:
            # finished (not just started), and kept (a loop header's
            # variables are not: they come from here)
            if e.gen == 1 and e.count > 0 and e.stmt["kind"] not in ("for", "while", "if", "with"):
                written.update(t for t in e.stmt["targets"] if not t.isidentifier())
                written_in.setdefault(e.stmt["scope"], set()).update(e.stmt["targets"])
        reads = set()
        body = [s for s in self.stmts if s["loop"] is not None and loop_id is not None
                and self.in_loop(s["loop"], loop_id)] if loop_id is not None else \
            [s for s in self.stmts if s["scope"] == stmt["scope"]]
        inplace = set()
        for s in body + [e.stmt for e in self.order if e.gen == 1]:
            reads.update(s.get("reads", []))
            inplace.update(s["inplace"])
        # A name bound to a container in a function the iteration called
        # (p = self.params in forward) reads its entries (p['W1']) through
        # the container, which this frame may reach where p is gone.
        bound = {}
        for e in self.order:
            v = e.stmt.get("value") or {}
            if e.gen == 1 and e.stmt["kind"] == "assign" and len(e.stmt["targets"]) == 1 and \
                    v.get("k") in ("name", "attr") and v.get("id"):
                bound[e.stmt["targets"][0]] = v["id"]
        for f2 in (frame, loop_frame):
            sc = self.scope_of(f2.f_code)
            here = written | written_in.get(sc.id if sc is not None else None, set())
            for name in sorted(reads):
                if name in self.pre or (name in here and name not in inplace):
                    continue
                v = self.read(f2, name)
                base = name.split("[", 1)[0]
                if v is None and "[" in name and base.isidentifier() and bound.get(base, base) != base:
                    v = self.read(f2, bound[base] + name[len(base):])
                    self.pre_via[name] = bound[base] + name[len(base):]
                if capturable(v) and (name.isidentifier() or isinstance(v, np.ndarray)):
                    self.pre[name] = v.copy() if isinstance(v, np.ndarray) and name in inplace else v
                    self.pre_frames[name] = f2
                    self.note_base(f2, name)
            # The arrays of a list or tuple the body reads (the layers'
            # weights W[0], W[1], ..., the gradients backward returned as
            # one tuple), each under its element's name. One the update
            # changes in place is copied by protect before it does.
            for name in sorted(reads):
                v = self.read(f2, name) if name.isidentifier() else None
                if not isinstance(v, (list, tuple)) or not 0 < len(v) <= ELEMENT_LIMIT or \
                        not all(is_float_array(x) and capturable(x) for x in v):
                    continue
                for k, x in enumerate(v):
                    key = "%s[%d]" % (name, k)
                    if key not in self.pre:
                        self.pre[key] = x
                        self.pre_frames[key] = f2
            # The arrays layer objects hold (Dense's W, dW and its input x,
            # an activation's out) when the body reads a list of them
            # (layers) or an object that keeps one (model.layers): each
            # under layers[k].W, so that one layer's arrays are told from
            # another's (the method that wrote them ran once per layer).
            for name in sorted(reads):
                if not name.isidentifier():
                    continue
                for path, objs in layer_lists(self.read(f2, name), name):
                    for k, o in enumerate(objs):
                        for attr, x in sorted(vars(o).items()):
                            key = "%s[%d].%s" % (path, k, attr)
                            if attr.isidentifier() and is_float_array(x) and capturable(x) and key not in self.pre:
                                self.pre[key] = x
                                self.pre_frames[key] = f2
        self.iter_t0 = t0

    def in_loop(self, lid, outer):
        while lid is not None:
            if lid == outer:
                return True
            lid = self.an.loops[lid]["parent"]
        return False

    def end_iteration(self, frame):
        now = time.perf_counter()
        if self.iter_t0 is not None and self.gen >= 1:
            self.iter_times.append({"iteration": self.gen, "mode": self.mode, "seconds": now - self.iter_t0})
        done = self.gen
        if self.mode == "traced" and done >= self.iterations:
            self.write_capture()
            if self.keep_going or self.watch_extra:
                self.mode = "light"
                if self.watch_extra and not self.keep_going:
                    self.watch_extra = "once"
            else:
                self.stop(done)
        elif self.mode == "light" and self.watch_extra == "once":
            self.stop(done)
        self.gen += 1
        self.iter_t0 = time.perf_counter()

    def stop(self, done):
        self.stopped = done
        self.mode = "off"
        self.t_stop = time.time()
        raise BackstepStop()

    # ------------------------------------------------------------ capture

    def write_capture(self):
        if self.capture_written:
            return
        self.capture_written = True
        arrays = {}
        for name, v in self.pre.items():
            key = "pre:" + name
            arrays[key] = v
            self.capture_meta[key] = {"name": name, "stmt": None}
            # What it is at the end of the iteration, when that differs: the
            # parameters after their update.
            if not isinstance(v, np.ndarray) or name not in self.pre_frames:
                continue
            frame = self.pre_frames[name]
            if name in self.pre_base and self.read(frame, self.pre_base[name][0]) is not self.pre_base[name][1]:
                continue  # layer.W of another layer now
            post = self.read(frame, self.pre_via.get(name, name))
            if capturable(post) and isinstance(post, np.ndarray) and \
                    (post.shape != v.shape or post is not v and not same_values(post, v)):
                key = "post:" + name
                arrays[key] = post
                self.capture_meta[key] = {"name": name, "stmt": None}
        for e in self.order:
            if e.gen != 1:
                continue
            targets = e.stmt["targets"] if e.stmt["kind"] != "return" else ["return"]
            for i, (t, v) in enumerate(zip(targets, e.values)):
                if capturable(v):
                    key = "s%d:%d" % (e.stmt["id"], i)
                    arrays[key] = v
                    self.capture_meta[key] = {"name": t, "stmt": e.stmt["id"]}
        if not arrays:
            return
        t0 = time.perf_counter()
        safe = {}
        for i, (k, v) in enumerate(arrays.items()):
            a = np.asarray(v)
            if a.dtype.kind == "b":
                a = a.astype(np.uint8)
            safe["a%d" % i] = a
            self.capture_meta[k]["key"] = "a%d" % i
        np.savez(os.path.join(self.out, "capture.npz"), **safe)
        self.capture_seconds = time.perf_counter() - t0

    # ------------------------------------------------------------ errors

    def fp_error(self, kind, flag):
        self.fp_count += 1
        if self.fp_first is None:
            f = sys._getframe(1)
            line, stmt = None, None
            while f is not None:
                sc = self.scope_of(f.f_code)
                if sc is not None:
                    line = f.f_lineno
                    s = self.stmt_at(f, f.f_code, sc)
                    stmt = s["id"] if s else None
                    break
                f = f.f_back
            self.fp_first = {"kind": kind, "line": line, "stmt": stmt, "iteration": self.gen, "mode": self.mode,
                             "seq": self.seq}
        import warnings
        warnings.warn("%s encountered" % kind, RuntimeWarning, stacklevel=2)

    # ------------------------------------------------------------ running

    def run(self):
        cfg = self.cfg
        finder = MnistFinder(self, cfg.get("mnist"))
        self.not_installed = finder.missing
        sys.meta_path.insert(0, finder)
        main = types.ModuleType("__main__")
        main.__file__ = self.path
        main.__builtins__ = builtins
        sys.modules["__main__"] = main
        sys.argv = [cfg["script"]] + list(cfg.get("args", []))
        sys.path[0] = os.path.dirname(self.path)
        lines = [l + "\n" for l in self.source.split("\n")]
        linecache.cache[self.path] = (len(self.source), None, lines, self.path)
        code = compile(self.source, self.path, "exec")
        old = np.seterr()
        np.seterrcall(self.fp_error)
        np.seterr(**{k: ("call" if v == "warn" else v) for k, v in old.items()})
        self._iter_start = time.perf_counter()
        self.t_start = time.time()
        tracer = Tracer(self)
        tracer.install()
        try:
            exec(code, main.__dict__)
        except BackstepStop:
            pass
        except SystemExit as e:
            self.exit_code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # one is enough: write what was recorded
            self.exception = {"type": "KeyboardInterrupt", "message": "", "line": None}
        except BaseException as e:
            self.exception = self.describe_exception(e)
            self.print_exception(e)
        finally:
            tracer.remove()
        if self.gen == 0 or self.first_update is None:
            # No update ran: the whole script is the step.
            if self.first_update is None:
                for e in self.order:
                    e.gen = 1
                self.gen = 1
            if not self.capture_written:
                self.write_capture()
        elif not self.capture_written:
            self.write_capture()

    def describe_exception(self, e):
        tb = e.__traceback__
        line, stmt = None, None
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_filename == self.path:
                line = tb.tb_lineno
                sc = self.scope_of(code)
                if sc is not None:
                    col = None
                    if hasattr(code, "co_positions"):
                        pos = list(code.co_positions())
                        i = tb.tb_lasti // 2
                        if 0 <= i < len(pos) and pos[i][0] == line:
                            col = pos[i][2]
                    s = self.an.find(sc, line, col)
                    stmt = s["id"] if s else None
            tb = tb.tb_next
        out = {"type": type(e).__name__, "message": str(e)[:1000], "line": line, "stmt": stmt}
        if isinstance(e, ImportError):
            out["module"] = getattr(e, "name", None)
            if out["module"] and out["module"].split(".")[0] in getattr(self, "not_installed", ()):
                out["served_only"] = True
                name = re.match(r"cannot import name '([\w.]+)'", str(e))
                out["what"] = out["module"] + ("." + name.group(1) if name else "")
        if isinstance(e, NotServed):
            out["module"], out["what"], out["served_only"] = e.module, e.what, True
        return out

    def print_exception(self, e):
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != self.path:
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb if tb is not None else e.__traceback__)
        sys.stderr.flush()

    def write(self):
        loops = []
        for lp in self.an.loops:
            lp = dict(lp)
            lp["runs"] = {str(g): n for (lid, g), n in self.header_runs.items() if lid == lp["id"]}
            lp["range_values"] = {str(g): n for (lid, g), n in self.range_stops.items() if lid == lp["id"]}
            loops.append(lp)
        execs = []
        for e in self.order:
            d = {"stmt": e.stmt["id"], "iteration": e.gen, "seq": e.seq, "count": e.count,
                 "seconds": round(e.seconds, 6), "writes": e.writes, "fin": e.fin}
            if e.error:
                d["error"] = e.error
            execs.append(d)
        stmts = []
        for s in self.stmts:
            s = {k: v for k, v in s.items() if k != "block"}
            if "update" in s and s["id"] not in self.confirmed:
                # of an update's form, but it updated no parameter
                s["update_form"] = s.pop("update")
            stmts.append(s)
        rec = {
            "version": RECORD_VERSION,
            "python": "%d.%d.%d" % sys.version_info[:3],
            "executable": sys.executable,
            "numpy": np.__version__,
            "tracer": Tracer.kind(),
            "script": self.path,
            "notebook": self.notebook,
            "cells": self.cellmap,
            "source": self.source,
            "notices": self.notices,
            "served": self.served,
            "statements": stmts,
            "scopes": [{"id": s.id, "name": s.name, "line": s.line} for s in self.an.scopes],
            "functions": self.an.functions,
            "loops": loops,
            "executions": execs,
            "iterations": {"traced": self.iterations, "first_update": self.first_update,
                           "loop": self.iter_loop[0] if self.iter_loop else None,
                           "updates": self.update_count, "stopped_after": self.stopped,
                           "reached": len(self.iter_times),
                           "continued": self.keep_going, "times": self.iter_times},
            "updates": self.updates,
            "metrics": self.metrics,
            "fp_error": self.fp_first,
            "fp_errors": self.fp_count,
            "exception": self.exception,
            "exit_code": self.exit_code,
            "capture": self.capture_meta,
            "capture_seconds": getattr(self, "capture_seconds", None),
            "stopped_at": self.t_stop,
            "started_at": self.t_start,
            "finished_at": time.time(),
        }
        with open(os.path.join(self.out, "record.json"), "w") as f:
            json.dump(rec, f, allow_nan=False, default=str)


SAFE_NODES = (ast.Expression, ast.Name, ast.Load, ast.Attribute, ast.Subscript, ast.Constant, ast.Index
              if hasattr(ast, "Index") else ast.Constant, ast.Call, ast.BinOp, ast.Add, ast.Sub, ast.Mult,
              ast.FloorDiv, ast.Tuple)


def safe_expr(src):
    """Whether an expression can be evaluated again without side effects:
    names, attributes, constant subscripts, len(...) and arithmetic."""
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError:
        return False
    for n in ast.walk(tree):
        if not isinstance(n, SAFE_NODES):
            return False
        if isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id in ("len", "int")):
            return False
    return True


class Tracer:
    """Line events of the script's own code: sys.monitoring on Python >=
    3.12, sys.settrace below."""

    def __init__(self, rec):
        self.rec = rec
        self.tool = None

    @staticmethod
    def kind():
        return "monitoring" if hasattr(sys, "monitoring") else "settrace"

    def install(self):
        if hasattr(sys, "monitoring"):
            self._install_monitoring()
        else:
            sys.settrace(self._global)

    def remove(self):
        if self.tool is not None:
            mon = sys.monitoring
            mon.set_events(self.tool, 0)
            for ev in (mon.events.LINE, mon.events.PY_RETURN, mon.events.RAISE):
                mon.register_callback(self.tool, ev, None)
            mon.free_tool_id(self.tool)
            self.tool = None
        else:
            sys.settrace(None)

    # settrace ----------------------------------------------------------

    def _global(self, frame, event, arg):
        rec = self.rec
        if rec.mode == "off":
            return None
        sc = rec.scope_of(frame.f_code)
        if sc is None:
            return None
        if rec.mode == "light" and sc.id not in rec.metric_scopes and \
                not (rec.iter_loop and rec.iter_loop[1] is frame):
            return None
        return self._local

    def _local(self, frame, event, arg):
        rec = self.rec
        if rec.mode == "off":
            return None
        if event == "line":
            rec.on_line(frame, frame.f_code, rec.scope_of(frame.f_code))
        elif event == "return":
            rec.on_return(frame, arg)
        elif event == "exception":
            rec.on_exception(frame, arg[1])
        return self._local

    # sys.monitoring ------------------------------------------------------

    def _install_monitoring(self):
        mon = sys.monitoring
        for tool in (mon.DEBUGGER_ID, mon.PROFILER_ID, 3, 4):
            try:
                mon.use_tool_id(tool, "backstep")
                self.tool = tool
                break
            except ValueError:
                continue
        if self.tool is None:
            sys.settrace(self._global)
            return
        rec = self.rec

        def line(code, lineno):
            if rec.mode == "off":
                return mon.DISABLE
            sc = rec.scope_of(code)
            if sc is None:
                return mon.DISABLE
            frame = sys._getframe(1)
            rec.on_line(frame, code, sc)

        def ret(code, offset, value):
            if rec.mode == "off":
                return mon.DISABLE
            if rec.scope_of(code) is None:
                return mon.DISABLE
            rec.on_return(sys._getframe(1), value)

        def raised(code, offset, exc):
            if rec.scope_of(code) is None:
                return
            rec.on_exception(sys._getframe(1), exc)

        mon.register_callback(self.tool, mon.events.LINE, line)
        mon.register_callback(self.tool, mon.events.PY_RETURN, ret)
        mon.register_callback(self.tool, mon.events.RAISE, raised)
        mon.set_events(self.tool, mon.events.LINE | mon.events.PY_RETURN | mon.events.RAISE)


def unreadable(cfg, kind, message, line, cells=None):
    """A record saying the script could not be read or parsed, so that
    backstep says so in one line."""
    rec = {"version": RECORD_VERSION, "python": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable,
           "numpy": np.__version__, "tracer": Tracer.kind(), "script": os.path.abspath(cfg["script"]),
           "notebook": cfg.get("notebook", False), "statements": [], "executions": [], "loops": [],
           "cells": cells, "exception": {"type": kind, "message": message, "line": line}}
    with open(os.path.join(cfg["out"], "record.json"), "w") as f:
        json.dump(rec, f)


def main():
    global NOTE_WIDTH
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    NOTE_WIDTH = int(cfg.get("width") or NOTE_WIDTH)
    try:
        rec = Recorder(cfg)
    except SyntaxError as e:
        unreadable(cfg, type(e).__name__, e.msg, e.lineno, getattr(e, "cellmap", None))
        return
    except (ValueError, KeyError, OSError) as e:  # not a notebook, not text
        kind = "NotebookError" if cfg.get("notebook") else "ReadError"
        unreadable(cfg, kind, str(e), None)
        return
    try:
        rec.run()
    finally:
        # A second Ctrl-C must not lose what was recorded.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stdout.flush()
        rec.write()


if __name__ == "__main__":
    main()
