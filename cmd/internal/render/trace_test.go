package render

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

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

// TestPrintArray follows NumPy's print: whole up to 1000 elements
// (wrapping long rows under their brackets at the line width, 80 and
// 100 columns), summarised to 3 entries at each end of every axis above
// that.
func TestPrintArray(t *testing.T) {
	big := make([]float64, 40*30)
	for i := range big {
		big[i] = float64(i%7) - 3
	}
	seq := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i)
		}
		return v
	}
	cases := []struct {
		name string
		a    *tracer.Array
		want string
	}{
		{"small matrix", tracer.Matrix(2, 3, big[:6]).WithLabels("samples", "features"),
			"A\n[[-3.0000 -2.0000 -1.0000]\n [ 0.0000  1.0000  2.0000]]\n"},
		{"summarised above 1000 elements", tracer.Matrix(40, 30, big).WithLabels("samples", "features"),
			"A\n[[-3.0000 -2.0000 -1.0000       …  3.0000 -3.0000 -2.0000]\n" +
				" [-1.0000  0.0000  1.0000       … -2.0000 -1.0000  0.0000]\n" +
				" [ 1.0000  2.0000  3.0000       …  0.0000  1.0000  2.0000]\n …\n"},
		{"scalar", tracer.Scalar(10000), "A = 10000\n"},
		{"120 entries print whole, wrapped", tracer.Vector(seq(120)), "A\n[  0.0000   1.0000"},
		{"1000 entries are not summarised", tracer.Vector(seq(1000)), "A\n[  0.0000"},
		{"digits of the smallest", tracer.Vector([]float64{0.0005, 0.00049937}), "A\n[0.0005000 0.0004994]\n"},
		{"vector", tracer.Vector([]float64{1, math.NaN(), 2e-6}), "A\n[1.000e+00       nan 2.000e-06]\n"},
	}
	for _, c := range cases {
		for _, width := range []int{80, DefaultWidth} {
			var b bytes.Buffer
			PrintArray(&b, "A", GridOf(c.a), width)
			out := b.String()
			if !strings.HasPrefix(out, c.want) {
				t.Errorf("%s at %d columns:\n%s\nwant to start with\n%s", c.name, width, out, c.want)
			}
			for _, l := range strings.Split(out, "\n") {
				if DisplayWidth(l) > width {
					t.Errorf("%s: line too wide for %d columns: %q", c.name, width, l)
				}
			}
			// A line is a matrix's next row, the elided rows, or a long row
			// continued, indented past its brackets.
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			for _, l := range lines[min(2, len(lines)):] {
				next := c.a.Rank() == 2 && strings.HasPrefix(l, " [")
				if !next && l != " …" && !strings.HasPrefix(l, strings.Repeat(" ", c.a.Rank())) {
					t.Errorf("%s: a continued row is not indented: %q", c.name, l)
				}
			}
			if c.a.Size() <= 1000 && c.a.Rank() > 0 {
				if n := strings.Count(out, "…"); n > 0 {
					t.Errorf("%s: %d elements summarised, NumPy prints up to 1000 whole", c.name, c.a.Size())
				}
				fields := strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(out[strings.Index(out, "\n"):]))
				if len(fields) != c.a.Size() {
					t.Errorf("%s: printed %d of %d values", c.name, len(fields), c.a.Size())
				}
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
