package record

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/backstep/backstep/tracer"
)

// This file replays a statement of the learner's script with backstep's
// tracer, from the values its inputs had, so that every operation in it is
// recorded with its operands' shapes and axis meanings, the axis each
// reduction runs over and what each broadcast repeated. Only what NumPy
// code of a training step is made of is understood: + − * / ** @, unary
// minus, == and >, .T, .shape[k], len, np.dot/matmul, exp, log, tanh,
// sqrt, abs, sum/mean/max/argmax with axis and keepdims (as functions or
// methods), maximum, power, the built-in sum (over axis 0, as Python adds
// the rows), and calls of the script's own one-expression functions and
// lambdas. Anything else makes the statement one that is shown from the
// record only.

// errUnsupported says why a statement cannot be replayed.
type errUnsupported struct{ what string }

func (e errUnsupported) Error() string { return "cannot replay " + e.what }

func unsupported(format string, args ...any) { panic(errUnsupported{fmt.Sprintf(format, args...)}) }

// shapeOf is the value of a.shape, waiting for a subscript.
type shapeOf struct{ a *tracer.Array }

// tuple is a tuple of values (a function's several results).
type tuple []any

// module is a name that is not a value: numpy, or a module the script
// imported.
type module string

// replayer evaluates expressions against an environment of arrays.
type replayer struct {
	tp    *tracer.Tape
	env   func(name string) (*tracer.Array, bool)
	funcs map[string]Function
	depth int
	// derived collects the values made by indexing (x[i]), by name.
	derived map[string]*tracer.Array
	// steps, when set, collects where each step of a function called at
	// the top of the expression ends on the tape, and the function's name.
	steps *[]stepMark
}

// stepMark says that the events of the tape up to End (exclusive) computed
// the local Name of Func (or earlier steps).
type stepMark struct {
	End  int
	Name string
	Func string
}

// eval evaluates an expression; it panics with errUnsupported for what it
// does not understand and with tracer's shape errors for what NumPy would
// refuse.
func (r *replayer) eval(e *Expr) any {
	if e == nil {
		unsupported("an empty expression")
	}
	switch e.K {
	case "name":
		if a, ok := r.env(e.ID); ok {
			return a
		}
		if _, ok := r.funcs[e.ID]; ok {
			return funcName(e.ID)
		}
		return module(e.ID)
	case "const":
		var v float64
		if err := json.Unmarshal(e.N, &v); err != nil {
			var b bool
			if json.Unmarshal(e.N, &b) == nil {
				if b {
					v = 1
				}
			} else {
				unsupported("the constant %s", e.Src)
			}
		}
		name := e.Src
		if name == "" {
			name = strconv.FormatFloat(v, 'g', -1, 64)
		}
		return tracer.Scalar(v).Named(name)
	case "binop":
		a, b := r.array(e.L), r.array(e.R)
		switch e.Op {
		case "Add":
			return r.tp.Add(a, b)
		case "Sub":
			return r.tp.Sub(a, b)
		case "Mult":
			return r.tp.Mul(a, b)
		case "Div":
			return r.tp.Div(a, b)
		case "Pow":
			return r.tp.Pow(a, b)
		case "MatMult":
			return r.tp.Dot(a, b)
		}
		unsupported("the operator %s", e.Op)
	case "unary":
		a := r.array(e.V)
		switch e.Op {
		case "USub":
			return r.tp.Neg(a)
		case "UAdd":
			return a
		}
		unsupported("the operator %s", e.Op)
	case "compare":
		a, b := r.array(e.L), r.array(e.R)
		switch e.Op {
		case "Eq":
			return r.tp.Equal(a, b)
		case "Gt":
			return r.tp.Greater(a, b)
		case "Lt":
			return r.tp.Greater(b, a)
		}
		unsupported("the comparison %s", e.Op)
	case "attr":
		if e.ID != "" {
			if a, ok := r.env(e.ID); ok {
				return a // self.W1, net.W1
			}
		}
		v := r.eval(e.V)
		a, ok := v.(*tracer.Array)
		if !ok {
			unsupported("%s", e.A)
		}
		switch e.A {
		case "T":
			return r.tp.T(a)
		case "shape":
			return shapeOf{a}
		}
		unsupported(".%s", e.A)
	case "subscript":
		if e.ID != "" {
			if a, ok := r.env(e.ID); ok {
				return a // params['W1']
			}
		}
		v := r.eval(e.V)
		if s, ok := v.(shapeOf); ok {
			k, ok := r.constInt(e.I)
			if !ok {
				unsupported("a shape index that is not a number")
			}
			return r.tp.Dim(s.a, k)
		}
		if t, ok := v.(tuple); ok {
			if k, ok := r.constInt(e.I); ok && k >= 0 && k < len(t) {
				return t[k]
			}
		}
		if a, ok := v.(*tracer.Array); ok && a.Rank() >= 1 && e.I != nil && (e.I.K == "name" || e.I.K == "const") {
			return r.row(a, e.I)
		}
		unsupported("indexing")
	case "call":
		return r.call(e)
	case "tuple":
		var t tuple
		for _, x := range e.E {
			t = append(t, r.eval(x))
		}
		return t
	}
	unsupported("%s", e.Src)
	return nil
}

type funcName string

func (r *replayer) array(e *Expr) *tracer.Array {
	v := r.eval(e)
	a, ok := v.(*tracer.Array)
	if !ok {
		unsupported("a value that is not an array")
	}
	return a
}

func (r *replayer) constInt(e *Expr) (int, bool) {
	if e == nil {
		return 0, false
	}
	if e.K == "unary" && e.Op == "USub" {
		k, ok := r.constInt(e.V)
		return -k, ok
	}
	if e.K != "const" {
		return 0, false
	}
	var v float64
	if json.Unmarshal(e.N, &v) != nil || v != float64(int(v)) {
		return 0, false
	}
	return int(v), true
}

// axisArg reads axis= (or the positional argument at pos) and keepdims=.
func (r *replayer) axisArg(e *Expr, pos int) (axis int, keepdims bool) {
	axis = tracer.AllAxes
	var ax *Expr
	if pos < len(e.Args) {
		ax = e.Args[pos]
	}
	if k, ok := e.KW["axis"]; ok {
		ax = k
	}
	if ax != nil && !(ax.K == "const" && string(ax.N) == "null") {
		k, ok := r.constInt(ax)
		if !ok {
			unsupported("an axis that is not a number")
		}
		axis = k
	}
	if k, ok := e.KW["keepdims"]; ok {
		var b bool
		if k.K != "const" || json.Unmarshal(k.N, &b) != nil {
			unsupported("keepdims that is not True or False")
		}
		keepdims = b
	}
	for name := range e.KW {
		if name != "axis" && name != "keepdims" {
			unsupported("the keyword %s=", name)
		}
	}
	return axis, keepdims
}

var unaryFuncs = map[string]func(*tracer.Tape, *tracer.Array) *tracer.Array{
	"exp": (*tracer.Tape).Exp, "log": (*tracer.Tape).Log, "tanh": (*tracer.Tape).Tanh,
	"sqrt": (*tracer.Tape).Sqrt, "abs": (*tracer.Tape).Abs, "absolute": (*tracer.Tape).Abs,
	"negative": (*tracer.Tape).Neg,
}

var binaryFuncs = map[string]func(*tracer.Tape, *tracer.Array, *tracer.Array) *tracer.Array{
	"dot": (*tracer.Tape).Dot, "matmul": (*tracer.Tape).Dot, "maximum": (*tracer.Tape).Maximum,
	"power": (*tracer.Tape).Pow, "multiply": (*tracer.Tape).Mul, "add": (*tracer.Tape).Add,
	"subtract": (*tracer.Tape).Sub, "divide": (*tracer.Tape).Div, "true_divide": (*tracer.Tape).Div,
}

var reductions = map[string]func(*tracer.Tape, *tracer.Array, int, bool) *tracer.Array{
	"sum": (*tracer.Tape).Sum, "mean": (*tracer.Tape).Mean, "max": (*tracer.Tape).Max,
	"amax": (*tracer.Tape).Max, "argmax": (*tracer.Tape).Argmax,
}

func (r *replayer) call(e *Expr) any {
	f := e.F
	if f == nil {
		unsupported("a call")
	}
	if f.K == "attr" {
		target := r.eval(f.V)
		if a, ok := target.(*tracer.Array); ok {
			return r.method(e, a, f.A)
		}
		if _, ok := target.(module); ok {
			return r.numpy(e, f.A)
		}
		unsupported("%s", e.Src)
	}
	if f.K != "name" {
		unsupported("%s", e.Src)
	}
	if fn, ok := r.funcs[f.ID]; ok {
		if _, shadowed := r.env(f.ID); !shadowed {
			return r.inline(e, fn)
		}
	}
	switch f.ID {
	case "sum": // Python adds the rows: np.sum over axis 0, no keepdims
		if len(e.Args) != 1 || len(e.KW) > 0 {
			unsupported("sum with a start value")
		}
		a := r.array(e.Args[0])
		if a.Rank() == 0 {
			unsupported("sum of a number")
		}
		return r.tp.Sum(a, 0, false)
	case "len":
		a := r.array(e.Args[0])
		if a.Rank() == 0 {
			unsupported("len of a number")
		}
		return r.tp.Dim(a, 0)
	case "float", "int":
		if len(e.Args) == 1 {
			a := r.array(e.Args[0])
			if a.Rank() == 0 {
				return a
			}
		}
	}
	unsupported("%s", e.Src)
	return nil
}

// row is a[i] for an integer i: one sample of a matrix (a vector), one
// entry of a vector. NumPy's indexing is not an operation of the tracer, so
// the row comes as a value of its own, named as the script writes it.
func (r *replayer) row(a *tracer.Array, index *Expr) *tracer.Array {
	iv := r.eval(index)
	ia, ok := iv.(*tracer.Array)
	if !ok || ia.Rank() != 0 || ia.Item() != float64(int(ia.Item())) {
		unsupported("indexing")
	}
	i := int(ia.Item())
	n := a.Shape()[0]
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		panic(&tracer.ShapeError{Op: "index", Msg: fmt.Sprintf("index %d is out of bounds for axis 0 with size %d", int(ia.Item()), n)})
	}
	idx := index.ID
	if index.K == "const" {
		idx = string(index.N)
	}
	name := fmt.Sprintf("%s[%s]", a.Name(), idx)
	data := a.Data()
	var out *tracer.Array
	if a.Rank() == 1 {
		out = tracer.Scalar(data[i]).Named(name)
	} else {
		c := a.Shape()[1]
		out = tracer.Vector(append([]float64(nil), data[i*c:(i+1)*c]...)).Named(name)
		if l := a.Labels(); l[1] != "" {
			out = out.WithLabels(l[1])
		}
	}
	if r.derived != nil {
		r.derived[name] = out
	}
	return out
}

// outer is np.outer(a, b): a[:, None] * b[None, :], which is how the
// trace shows it (each operand repeated along the other's axis).
func (r *replayer) outer(a, b *tracer.Array) *tracer.Array {
	if a.Rank() != 1 || b.Rank() != 1 {
		unsupported("np.outer of matrices")
	}
	col := tracer.New(tracer.Shape{a.Size(), 1}, a.Data()).Named(a.Name() + "[:, None]")
	row := tracer.New(tracer.Shape{1, b.Size()}, b.Data()).Named(b.Name() + "[None, :]")
	return r.tp.Mul(col, row)
}

// numpy evaluates np.NAME(...).
func (r *replayer) numpy(e *Expr, name string) any {
	if f, ok := unaryFuncs[name]; ok && len(e.Args) == 1 && len(e.KW) == 0 {
		return f(r.tp, r.array(e.Args[0]))
	}
	if f, ok := binaryFuncs[name]; ok && len(e.Args) == 2 && len(e.KW) == 0 {
		return f(r.tp, r.array(e.Args[0]), r.array(e.Args[1]))
	}
	if f, ok := reductions[name]; ok && len(e.Args) >= 1 {
		a := r.array(e.Args[0])
		axis, keep := r.axisArg(e, 1)
		return f(r.tp, a, axis, keep)
	}
	switch name {
	case "outer":
		if len(e.Args) == 2 && len(e.KW) == 0 {
			return r.outer(r.array(e.Args[0]), r.array(e.Args[1]))
		}
	case "transpose":
		if len(e.Args) == 1 && len(e.KW) == 0 {
			return r.tp.T(r.array(e.Args[0]))
		}
	case "square":
		if len(e.Args) == 1 {
			return r.tp.Pow(r.array(e.Args[0]), tracer.Scalar(2).Named("2"))
		}
	}
	unsupported("np.%s", name)
	return nil
}

// method evaluates a.NAME(...).
func (r *replayer) method(e *Expr, a *tracer.Array, name string) any {
	if f, ok := reductions[name]; ok {
		axis, keep := r.axisArg(e, 0)
		return f(r.tp, a, axis, keep)
	}
	switch name {
	case "dot":
		if len(e.Args) == 1 {
			return r.tp.Dot(a, r.array(e.Args[0]))
		}
	case "transpose":
		if len(e.Args) == 0 {
			return r.tp.T(a)
		}
	case "copy":
		return a
	}
	unsupported(".%s()", name)
	return nil
}

// inline replays a call of one of the script's functions by evaluating its
// body with the arguments bound to its parameters.
func (r *replayer) inline(e *Expr, fn Function) any {
	if r.depth > 8 || len(e.Args) != len(fn.Params) || len(e.KW) > 0 {
		unsupported("%s", e.Src)
	}
	local := map[string]*tracer.Array{}
	for i, p := range fn.Params {
		a := r.array(e.Args[i])
		local[p] = a
	}
	inner := &replayer{tp: r.tp, funcs: r.funcs, depth: r.depth + 1, derived: r.derived}
	inner.env = func(name string) (*tracer.Array, bool) {
		if a, ok := local[name]; ok {
			return a, true
		}
		return r.env(name)
	}
	fname := ""
	if e.F != nil {
		fname = e.F.ID
	}
	for _, s := range fn.Steps {
		a := inner.array(s.Value)
		local[s.Name] = a.Named(s.Name)
		if r.steps != nil && r.depth == 0 {
			*r.steps = append(*r.steps, stepMark{End: len(r.tp.Events), Name: s.Name, Func: fname})
		}
	}
	return inner.eval(fn.Ret)
}

// Replay evaluates a statement's value expression on tp, reading names
// through env; the error says what could not be replayed (or NumPy's
// complaint, as tracer gives it).
func Replay(tp *tracer.Tape, value *Expr, env func(string) (*tracer.Array, bool), funcs map[string]Function) (out any, err error) {
	return replay(tp, value, env, funcs, nil, nil)
}

// replay is Replay that also collects the values indexing made and where
// the steps of a function called at the top end.
func replay(tp *tracer.Tape, value *Expr, env func(string) (*tracer.Array, bool), funcs map[string]Function,
	derived map[string]*tracer.Array, steps *[]stepMark) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			switch x := p.(type) {
			case errUnsupported:
				err = x
			case *tracer.ShapeError:
				err = x
			default:
				panic(p)
			}
		}
	}()
	r := &replayer{tp: tp, env: env, funcs: funcs, derived: derived, steps: steps}
	return r.eval(value), nil
}
