package tracer

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
)

// The fixture is written by testdata/peers/numpy_semantics.py with Debian's
// NumPy; each case is what NumPy really did.
type numpyFloat float64

func (f *numpyFloat) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "NaN":
			*f = numpyFloat(math.NaN())
		case "Inf":
			*f = numpyFloat(math.Inf(1))
		case "-Inf":
			*f = numpyFloat(math.Inf(-1))
		default:
			return fmt.Errorf("bad float %q", s)
		}
		return nil
	}
	var v float64
	err := json.Unmarshal(b, &v)
	*f = numpyFloat(v)
	return err
}

type numpyCase struct {
	Op       string       `json:"op"`
	A        []int        `json:"a"`
	AData    []numpyFloat `json:"a_data"`
	B        []int        `json:"b"`
	BData    []numpyFloat `json:"b_data"`
	Axis     *int         `json:"axis"`
	Keepdims bool         `json:"keepdims"`
	Shape    []int        `json:"shape"`
	Result   []numpyFloat `json:"result_data"`
	Error    *string      `json:"error"`
	Labels   []int        `json:"labels"`
	Classes  int          `json:"classes"`
}

type numpyFixture struct {
	Broadcast   []numpyCase `json:"broadcast"`
	Dot         []numpyCase `json:"dot"`
	Elementwise []numpyCase `json:"elementwise"`
	Reduce      []numpyCase `json:"reduce"`
	Transpose   []numpyCase `json:"transpose"`
	OneHot      []numpyCase `json:"onehot"`
}

func loadNumpyFixture(t *testing.T) numpyFixture {
	t.Helper()
	b, err := os.ReadFile("../testdata/numpy/semantics.json")
	if err != nil {
		t.Fatal(err)
	}
	var f numpyFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func arrayOf(shape []int, data []numpyFloat) *Array {
	s := Shape(shape)
	if s == nil {
		s = Shape{}
	}
	v := make([]float64, s.Size())
	for i := range v {
		if data != nil {
			v[i] = float64(data[i])
		}
	}
	return New(s, v).Named("a")
}

// sameFloat compares bit for bit, except that any NaN equals any NaN and a
// last-ulp difference is allowed for transcendental functions (NumPy calls
// the C library, we call Go's math package).
func sameFloat(got, want float64, ulps uint64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if got == want {
		return math.Signbit(got) == math.Signbit(want)
	}
	if math.IsInf(want, 0) || math.IsInf(got, 0) || math.Signbit(got) != math.Signbit(want) {
		return false
	}
	g, w := math.Float64bits(got), math.Float64bits(want)
	d := g - w
	if w > g {
		d = w - g
	}
	return d <= ulps
}

func checkResult(t *testing.T, got *Array, c numpyCase, ulps uint64) {
	t.Helper()
	want := Shape(c.Shape)
	if want == nil {
		want = Shape{}
	}
	if !got.Shape().Equal(want) {
		t.Fatalf("shape %v, NumPy gives %v", got.Shape(), want)
	}
	if c.Result == nil {
		return
	}
	for i, v := range got.Data() {
		if !sameFloat(v, float64(c.Result[i]), ulps) {
			t.Fatalf("element %d = %v, NumPy gives %v", i, v, float64(c.Result[i]))
		}
	}
}

func expectNumpy(t *testing.T, c numpyCase, ulps uint64, f func() *Array) {
	t.Helper()
	var got *Array
	err := Catch(func() { got = f() })
	switch {
	case c.Error != nil && err == nil:
		t.Fatalf("got shape %v, NumPy fails with %q", got.Shape(), *c.Error)
	case c.Error != nil && err.Error() != *c.Error:
		t.Fatalf("error %q, NumPy says %q", err, *c.Error)
	case c.Error == nil && err != nil:
		t.Fatalf("error %q, NumPy gives shape %v", err, c.Shape)
	case err == nil:
		checkResult(t, got, c, ulps)
	}
}

func TestNumpyBroadcast(t *testing.T) {
	var tp *Tape
	for _, c := range loadNumpyFixture(t).Broadcast {
		t.Run(fmt.Sprintf("%v+%v", Shape(c.A), Shape(c.B)), func(t *testing.T) {
			expectNumpy(t, c, 0, func() *Array { return tp.Add(arrayOf(c.A, nil), arrayOf(c.B, nil)) })
		})
	}
}

func TestNumpyDot(t *testing.T) {
	var tp *Tape
	for _, c := range loadNumpyFixture(t).Dot {
		t.Run(fmt.Sprintf("%v·%v", Shape(c.A), Shape(c.B)), func(t *testing.T) {
			// BLAS may add in another order than OpenBLAS: allow a few ulps.
			expectNumpy(t, c, 8, func() *Array { return tp.Dot(arrayOf(c.A, c.AData), arrayOf(c.B, c.BData)) })
		})
	}
}

func TestNumpyDotTransposedViews(t *testing.T) {
	// The product must read transposed views exactly as copies.
	var tp *Tape
	a := Matrix(2, 3, []float64{1, 2, 3, 4, 5, 6})
	b := Matrix(2, 4, []float64{1, 0, 2, -1, 3, 1, 0, 2})
	got := tp.Dot(tp.T(a), b) // (3,2)·(2,4)
	want := tp.Dot(tp.T(a).Clone(), b)
	if !got.Shape().Equal(Shape{3, 4}) {
		t.Fatalf("shape %v", got.Shape())
	}
	for i, v := range got.Data() {
		if v != want.Data()[i] {
			t.Fatalf("element %d: %v != %v", i, v, want.Data()[i])
		}
	}
	c := tp.Dot(b, tp.T(b)) // (2,4)·(4,2)
	if c.At(0, 0) != 6 || c.At(0, 1) != 1 || c.At(1, 1) != 14 {
		t.Fatalf("b·bᵀ = %v", c.Data())
	}
}

var unaryByName = map[string]func(*Tape, *Array) *Array{
	"exp": (*Tape).Exp, "log": (*Tape).Log, "tanh": (*Tape).Tanh, "sigmoid": (*Tape).Sigmoid,
	"negative": (*Tape).Neg, "sqrt": (*Tape).Sqrt, "abs": (*Tape).Abs,
}

var binaryByName = map[string]func(*Tape, *Array, *Array) *Array{
	"add": (*Tape).Add, "subtract": (*Tape).Sub, "multiply": (*Tape).Mul, "divide": (*Tape).Div,
	"power": (*Tape).Pow, "maximum": (*Tape).Maximum,
}

func TestNumpyElementwise(t *testing.T) {
	var tp *Tape
	for i, c := range loadNumpyFixture(t).Elementwise {
		t.Run(fmt.Sprintf("%d-%s", i, c.Op), func(t *testing.T) {
			if f, ok := unaryByName[c.Op]; ok {
				expectNumpy(t, c, 2, func() *Array { return f(tp, arrayOf(c.A, c.AData)) })
				return
			}
			f, ok := binaryByName[c.Op]
			if !ok {
				t.Fatalf("no operation %q", c.Op)
			}
			expectNumpy(t, c, 2, func() *Array { return f(tp, arrayOf(c.A, c.AData), arrayOf(c.B, c.BData)) })
		})
	}
}

func TestNumpyReduce(t *testing.T) {
	var tp *Tape
	ops := map[string]func(*Tape, *Array, int, bool) *Array{
		"sum": (*Tape).Sum, "mean": (*Tape).Mean, "max": (*Tape).Max, "argmax": (*Tape).Argmax,
	}
	for i, c := range loadNumpyFixture(t).Reduce {
		axis := AllAxes
		if c.Axis != nil {
			axis = *c.Axis
		}
		t.Run(fmt.Sprintf("%d-%s%v-axis%v-keep%v", i, c.Op, Shape(c.A), c.Axis != nil, c.Keepdims), func(t *testing.T) {
			expectNumpy(t, c, 0, func() *Array { return ops[c.Op](tp, arrayOf(c.A, c.AData), axis, c.Keepdims) })
		})
	}
}

func TestNumpyTransposeAndOneHot(t *testing.T) {
	var tp *Tape
	f := loadNumpyFixture(t)
	for _, c := range f.Transpose {
		t.Run(fmt.Sprintf("T%v", Shape(c.A)), func(t *testing.T) {
			expectNumpy(t, c, 0, func() *Array { return tp.T(arrayOf(c.A, c.AData)) })
		})
	}
	for _, c := range f.OneHot {
		t.Run(fmt.Sprintf("onehot%v", c.Labels), func(t *testing.T) {
			expectNumpy(t, c, 0, func() *Array { return OneHot(c.Labels, c.Classes) })
		})
	}
}
