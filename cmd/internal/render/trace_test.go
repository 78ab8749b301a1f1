package render

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

func TestParseRange(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want Range
		err  string
	}{
		{"0:3", 10, Range{0, 3}, ""},
		{":5", 10, Range{0, 5}, ""},
		{"-2:", 10, Range{8, 10}, ""},
		{":", 10, Range{0, 10}, ""},
		{"7", 10, Range{7, 8}, ""},
		{"-1", 10, Range{9, 10}, ""},
		{"3:99", 10, Range{3, 10}, ""}, // clipped, as in Python
		{"5:2", 10, Range{5, 5}, ""},
		{"10", 10, Range{}, "index 10 is out of bounds for an axis of size 10"},
		{"x", 10, Range{}, "is not a range"},
		{"0:4:2", 10, Range{}, "steps are not supported"},
	}
	for _, c := range cases {
		got, err := ParseRange(c.in, c.n)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseRange(%q) error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseRange(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestNum(t *testing.T) {
	cases := []struct {
		v    float64
		want string
	}{
		{10000, "10000"}, {0, "0"}, {2.302585, "2.303"}, {0.3, "0.3"}, {-0.0012345, "-0.001234"},
		{1.23e-5, "1.23e-05"}, {123456.7, "1.23e+05"}, {math.NaN(), "NaN"}, {math.Inf(-1), "-Inf"},
	}
	for _, c := range cases {
		if got := Num(c.v); got != c.want {
			t.Errorf("Num(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestPrintArray(t *testing.T) {
	data := make([]float64, 40*30)
	for i := range data {
		data[i] = float64(i%7) - 3
	}
	a := tracer.Matrix(40, 30, data).WithLabels("samples", "features")
	cases := []struct {
		name   string
		a      *tracer.Array
		ranges []Range
		want   string
	}{
		{"slice", a, []Range{{0, 2}, {0, 3}}, "A[0:2, 0:3] of 40 samples × 30 features\n[[-3.0000 -2.0000 -1.0000]\n [-1.0000  0.0000  1.0000]]\n"},
		{"summarised", a, nil, "A 40 samples × 30 features\n[[-3.0000 -2.0000 -1.0000       …  3.0000 -3.0000 -2.0000]\n"},
		{"scalar", tracer.Scalar(10000), nil, "A = 10000\n"},
		{"small slice of a big array is whole", tracer.Matrix(200, 10, make([]float64, 2000)).WithLabels("samples", "classes"),
			[]Range{{0, 2}}, "A[0:2, 0:10] of 200 samples × 10 classes\n[[0.0000 0.0000 0.0000 0.0000 0.0000 0.0000 0.0000 0.0000 0.0000 0.0000]\n"},
		{"digits of the smallest", tracer.Vector([]float64{0.0005, 0.00049937}), nil, "A 2\n[0.0005000 0.0004994]\n"},
		{"vector", tracer.Vector([]float64{1, math.NaN(), 2e-6}), nil, "A 3\n[1.000e+00       nan 2.000e-06]\n"},
	}
	for _, c := range cases {
		var b bytes.Buffer
		PrintArray(&b, "A", c.a, c.ranges, DefaultWidth)
		if !strings.HasPrefix(b.String(), c.want) {
			t.Errorf("%s:\n%s\nwant to start with\n%s", c.name, b.String(), c.want)
		}
		for _, l := range strings.Split(b.String(), "\n") {
			if DisplayWidth(l) > DefaultWidth {
				t.Errorf("%s: line too wide: %q", c.name, l)
			}
		}
	}
}

func TestImage(t *testing.T) {
	px := make([]float64, 16)
	px[5], px[10] = 1, 0.5
	a := tracer.Matrix(2, 16, append(make([]float64, 16), px...)).WithLabels("samples", "features")
	row, what, err := ImageRow(a, 1, 16)
	if err != nil || what != "row 1 (sample 1)" {
		t.Fatalf("ImageRow: %q, %v", what, err)
	}
	var b bytes.Buffer
	Image(&b, "X", row, 4, 4)
	want := "X\n+--------+\n|        |\n|  @@    |\n|    ==  |\n|        |\n+--------+\n"
	if !strings.HasPrefix(b.String(), want) {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if _, _, err := ImageRow(a, 0, 9); err == nil {
		t.Error("a row of 16 is not a 3×3 image")
	}
}

func TestWrap(t *testing.T) {
	got := Wrap("one two three four", 9)
	if strings.Join(got, "|") != "one two|three|four" {
		t.Errorf("wrap = %q", got)
	}
	if got := Wrap("abcdefghij", 4); strings.Join(got, "|") != "abcd|efgh|ij" {
		t.Errorf("a long word is cut: %q", got)
	}
}

// TestTraceShowsAStatementThatFails: a line NumPy refuses shows NumPy's
// text, the meaning of what it read, and the summary says where it stopped.
func TestTraceShowsAStatementThatFails(t *testing.T) {
	cfg := net.Config{Inputs: 6, Hidden: []int{4}, Classes: 3, Act: net.Tanh, Layout: net.Rows,
		LR: 0.3, Epochs: 1, InitScale: 0.1, Seed: 1}
	p := net.Build(cfg)
	p.Replace("no-transpose", net.Statement{Name: "dZ1", Phase: net.Backward, Inputs: []string{"dZ2", "W2"},
		Formula: "dZ1 = dZ2 · W2", NumPy: "dZ1 = np.dot(dZ2, W2)",
		Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array { return tp.Dot(v.Get("dZ2"), v.Get("W2")) }})
	x := tracer.Matrix(5, 6, make([]float64, 30))
	st := net.NewStepper(p, x, tracer.OneHot([]int{0, 1, 2, 0, 1}, 3), net.Init(cfg))
	var b bytes.Buffer
	tr := &Trace{W: &b}
	for rec := st.Next(); rec != nil; rec = st.Next() {
		tr.Statement(rec)
	}
	tr.Summary(st)
	out := b.String()
	for _, w := range []string{
		"✗ NumPy would stop here: shapes (5,3) and (4,3) not aligned: 3 (dim 1) != 4 (dim 0)",
		"⚠ the line read dZ2 is 5 samples × 3 classes, W2 is 4 hidden × 3 classes.",
		"✗ the iteration stopped at statement 10 (dZ1)", "no NaN or Inf before it stopped",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("trace lacks %q:\n%s", w, out)
		}
	}
}
