package tracer

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// scorer is a small model that is not backstep's network: a tanh layer
// feeding one score per sample, scored by the logistic loss
//
//	loss = (1/n) Σᵢ log(1 + exp(−tᵢ · (tanh(X·W)·v)ᵢ))
//
// with hand-written gradients in plain Go loops, the way a user would
// write them.
type scorer struct {
	n, d, h int
	x, t    []float64 // n×d inputs, n targets ±1
}

func newScorer(rng *rand.Rand) *scorer {
	s := &scorer{n: 6, d: 4, h: 3}
	s.x = make([]float64, s.n*s.d)
	for i := range s.x {
		s.x[i] = rng.NormFloat64()
	}
	for i := 0; i < s.n; i++ {
		s.t = append(s.t, float64(2*rng.IntN(2)-1))
	}
	return s
}

func (s *scorer) hidden(w []float64) []float64 {
	hid := make([]float64, s.n*s.h)
	for i := 0; i < s.n; i++ {
		for j := 0; j < s.h; j++ {
			var z float64
			for k := 0; k < s.d; k++ {
				z += s.x[i*s.d+k] * w[k*s.h+j]
			}
			hid[i*s.h+j] = math.Tanh(z)
		}
	}
	return hid
}

func (s *scorer) loss(p []*Array) float64 {
	w, v := p[0].Data(), p[1].Data()
	hid := s.hidden(w)
	var l float64
	for i := 0; i < s.n; i++ {
		var sc float64
		for j := 0; j < s.h; j++ {
			sc += hid[i*s.h+j] * v[j]
		}
		l += math.Log1p(math.Exp(-s.t[i] * sc))
	}
	return l / float64(s.n)
}

// grads is the user's backward pass: dW (d×h) and dv (h).
func (s *scorer) grads(w, v []float64) (dw, dv []float64) {
	hid := s.hidden(w)
	dw, dv = make([]float64, s.d*s.h), make([]float64, s.h)
	for i := 0; i < s.n; i++ {
		var sc float64
		for j := 0; j < s.h; j++ {
			sc += hid[i*s.h+j] * v[j]
		}
		g := -s.t[i] / (1 + math.Exp(s.t[i]*sc)) / float64(s.n)
		for j := 0; j < s.h; j++ {
			dv[j] += g * hid[i*s.h+j]
			back := g * v[j] * (1 - hid[i*s.h+j]*hid[i*s.h+j])
			for k := 0; k < s.d; k++ {
				dw[k*s.h+j] += s.x[i*s.d+k] * back
			}
		}
	}
	return dw, dv
}

func TestGradCheckHandWrittenGradients(t *testing.T) {
	var tp *Tape
	cases := []struct {
		name string
		// mutate turns the right gradients into the ones under test.
		mutate func(dw, dv *Array) (*Array, *Array)
		// per tensor: verdict and relation kind ("" when it passes)
		dwVerdict, dvVerdict Verdict
		dwKind, dvKind       RelationKind
		alpha                float64 // expected α of a scaled dv
		badIndex             []int   // the element that must come first among dW's worst
	}{
		{name: "right", mutate: func(dw, dv *Array) (*Array, *Array) { return dw, dv },
			dwVerdict: Correct, dvVerdict: Correct},
		{name: "dv doubled", mutate: func(dw, dv *Array) (*Array, *Array) { return dw, tp.Mul(dv, Scalar(2)) },
			dwVerdict: Correct, dvVerdict: Wrong, dvKind: Scaled, alpha: 2},
		{name: "dW sign flipped", mutate: func(dw, dv *Array) (*Array, *Array) { return tp.Neg(dw), dv },
			dwVerdict: Wrong, dvVerdict: Correct, dwKind: Negated},
		{name: "dW transposed", mutate: func(dw, dv *Array) (*Array, *Array) { return tp.T(dw).Clone(), dv },
			dwVerdict: WrongShape, dvVerdict: Correct, dwKind: Transposed},
		{name: "dv as a column", mutate: func(dw, dv *Array) (*Array, *Array) { return dw, Matrix(3, 1, dv.Data()) },
			dwVerdict: Correct, dvVerdict: WrongShape, dvKind: ShapeDiff},
		{name: "one element off", mutate: func(dw, dv *Array) (*Array, *Array) {
			c := dw.Clone()
			c.data[1*3+2] += 0.01
			return c, dv
		}, dwVerdict: Wrong, dvVerdict: Correct, dwKind: Unrelated, badIndex: []int{1, 2}},
	}
	for _, mode := range []CheckMode{FullCheck, SparseCheck, FastCheck} {
		for _, c := range cases {
			t.Run(string(mode)+"/"+c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(11, 4))
				s := newScorer(rng)
				w := Matrix(s.d, s.h, make([]float64, s.d*s.h))
				for i := range w.data {
					w.data[i] = rng.NormFloat64() * 0.7
				}
				v := Vector([]float64{0.8, -1.1, 0.5})
				dwRaw, dvRaw := s.grads(w.data, v.data)
				dw, dv := c.mutate(Matrix(s.d, s.h, dwRaw), Vector(dvRaw))
				before := append(append([]float64(nil), w.data...), v.data...)

				// Sparse mode with k = 12 covers every element of dW, so
				// the single wrong element cannot be missed by chance.
				opts := &GradCheckOptions{Mode: mode, K: 12, Seed: 3}
				rep, err := GradCheck(s.loss, []Param{{"W", w, dw}, {"v", v, dv}}, opts)
				if err != nil {
					t.Fatal(err)
				}
				after := append(append([]float64(nil), w.data...), v.data...)
				if !slices.Equal(before, after) {
					t.Fatal("GradCheck modified the parameters")
				}
				check := func(tc TensorCheck, verdict Verdict, kind RelationKind) {
					t.Helper()
					if tc.Verdict != verdict {
						t.Fatalf("%s: verdict %s (max rel error %.3g, relation %v), want %s", tc.Name, tc.Verdict, tc.MaxRelError, tc.Relation, verdict)
					}
					if kind != "" && tc.Relation.Kind != kind {
						t.Fatalf("%s: relation %v, want %s", tc.Name, tc.Relation, kind)
					}
					if verdict == Correct && tc.MaxRelError > 1e-8 {
						t.Fatalf("%s: right gradient with max relative error %.3g", tc.Name, tc.MaxRelError)
					}
				}
				check(rep.Tensors[0], c.dwVerdict, c.dwKind)
				check(rep.Tensors[1], c.dvVerdict, c.dvKind)
				if c.alpha != 0 && math.Abs(rep.Tensors[1].Relation.Alpha-c.alpha) > 1e-6 {
					t.Fatalf("alpha %v, want %v", rep.Tensors[1].Relation.Alpha, c.alpha)
				}
				if c.badIndex != nil {
					tc := rep.Tensors[0]
					if !slices.Equal(tc.Worst[0].Index, c.badIndex) || tc.Failed != 1 {
						t.Fatalf("worst element %v (%d failed), want %v alone", tc.Worst[0].Index, tc.Failed, c.badIndex)
					}
				}
				if rep.OK() != (c.dwVerdict.Passed() && c.dvVerdict.Passed()) {
					t.Fatalf("OK() = %v", rep.OK())
				}
				for _, tc := range rep.Tensors {
					switch {
					case tc.Verdict == WrongShape:
					case mode == SparseCheck && tc.Checked != min(12, tc.Size):
						t.Fatalf("%s: sparse checked %d elements", tc.Name, tc.Checked)
					case mode == FastCheck && tc.Verdict.Passed() && (tc.Checked != 0 || tc.Projection == nil):
						t.Fatalf("%s: a passing fast check compared %d elements", tc.Name, tc.Checked)
					case mode == FastCheck && !tc.Verdict.Passed() && (!tc.FellBack || tc.Checked != tc.Size):
						t.Fatalf("%s: a failing fast check did not fall back to every element", tc.Name)
					case mode == FullCheck && tc.Checked != tc.Size:
						t.Fatalf("%s: full check compared %d of %d", tc.Name, tc.Checked, tc.Size)
					}
				}
			})
		}
	}
}

// TestGradCheckKinks: relu at two inputs closer to 0 than the step. The
// analytic gradient (the slope on the input's side) disagrees with the
// centred difference there, and the kink must be recognised, not graded;
// a real error elsewhere must still fail.
func TestGradCheckKinks(t *testing.T) {
	c := []float64{1.5, -2, 0.7, 3}
	loss := func(p []*Array) float64 {
		var s float64
		for i, x := range p[0].Data() {
			s += c[i] * math.Max(x, 0)
		}
		return s
	}
	x := Vector([]float64{3e-7, 0.5, -0.2, -4e-7})
	grad := func(wrong bool) *Array {
		g := make([]float64, 4)
		for i, v := range x.Data() {
			if v > 0 {
				g[i] = c[i]
			}
		}
		if wrong {
			g[1] *= 1.1
		}
		return Vector(g)
	}
	for _, wrong := range []bool{false, true} {
		rep, err := GradCheck(loss, []Param{{"x", x, grad(wrong)}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tc := rep.Tensors[0]
		if tc.Kinks != 2 {
			t.Fatalf("wrong=%v: %d kinks, want 2 (worst %+v)", wrong, tc.Kinks, tc.Worst)
		}
		want := Correct
		if wrong {
			want = Wrong
		}
		if tc.Verdict != want {
			t.Fatalf("wrong=%v: verdict %s, want %s", wrong, tc.Verdict, want)
		}
		if wrong && (tc.Failed != 1 || tc.Worst[0].Index[0] != 1) {
			t.Fatalf("the wrong element is not first: %+v", tc.Worst)
		}
	}
}

// TestGradCheckNoise: a loss of 1000 whose gradient is 1e-9 cannot be
// measured with h = 1e-6 (rounding noise ≈ 2e-6); such disagreements are
// counted as below the noise, not graded as wrong.
func TestGradCheckNoise(t *testing.T) {
	loss := func(p []*Array) float64 {
		var s float64
		for _, w := range p[0].Data() {
			s += 1e-9 * w * w
		}
		return 1000 + s
	}
	w := Vector([]float64{0.3, -0.8, 0.5})
	g := Vector([]float64{0.6e-9, -1.6e-9, 1e-9})
	rep, err := GradCheck(loss, []Param{{"w", w, g}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tc := rep.Tensors[0]; tc.BelowNoise == 0 || !tc.Verdict.Passed() {
		t.Fatalf("verdict %s with %d below noise", tc.Verdict, tc.BelowNoise)
	}
}

func TestGradCheckBadInput(t *testing.T) {
	w := Vector([]float64{1, 2})
	g := Vector([]float64{2, 4})
	sq := func(p []*Array) float64 { d := p[0].Data(); return d[0]*d[0] + d[1]*d[1] }
	cases := []struct {
		name   string
		loss   func([]*Array) float64
		params []Param
		opts   *GradCheckOptions
		want   string
	}{
		{"no loss", nil, []Param{{"w", w, g}}, nil, "needs a loss"},
		{"no params", sq, nil, nil, "at least one parameter"},
		{"no grad", sq, []Param{{"w", w, nil}}, nil, "needs both"},
		{"same name", sq, []Param{{"w", w, g}, {"w", w, g}}, nil, "two parameters"},
		{"bad mode", sq, []Param{{"w", w, g}}, &GradCheckOptions{Mode: "quick"}, "unknown check mode"},
		{"bad eps", sq, []Param{{"w", w, g}}, &GradCheckOptions{Eps: -1}, "step"},
		{"nan loss", func([]*Array) float64 { return math.NaN() }, []Param{{"w", w, g}}, nil, "NaN"},
		{"shape error", func(p []*Array) float64 {
			var tp *Tape
			return tp.Dot(p[0], Zeros(3)).Item()
		}, []Param{{"w", w, g}}, nil, "not aligned"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := GradCheck(c.loss, c.params, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "tracer: ") {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestGrade(t *testing.T) {
	cases := []struct {
		rel  float64
		want Verdict
	}{{0, Correct}, {1e-7, Correct}, {2e-7, Fine}, {1e-5, Fine}, {1e-4, Suspicious}, {2e-3, Wrong}, {math.Inf(1), Wrong}, {math.NaN(), Wrong}}
	for _, c := range cases {
		if got := Grade(c.rel); got != c.want {
			t.Errorf("Grade(%v) = %s, want %s", c.rel, got, c.want)
		}
	}
	if RelError(0, 0) != 0 || !math.IsInf(RelError(math.NaN(), 1), 1) || RelError(1, -1) != 1 {
		t.Error("RelError edge cases")
	}
}
