package tracer

import (
	"strings"
	"testing"
)

func TestRelate(t *testing.T) {
	var tp *Tape
	want := Matrix(2, 3, []float64{1, -2, 3, 0.5, 4, -1})
	cases := []struct {
		name  string
		got   *Array
		kind  RelationKind
		alpha float64
	}{
		{"same", want.Clone(), Same, 0},
		{"rounding", tp.Mul(want, Scalar(1+1e-13)), Same, 0},
		{"scaled by 10000/784", tp.Mul(want, Scalar(10000.0/784)), Scaled, 10000.0 / 784},
		{"negated", tp.Neg(want), Negated, -1},
		{"transposed", tp.T(want).Clone(), Transposed, 0},
		{"shape", Zeros(2, 1), ShapeDiff, 0},
		{"nan", Matrix(2, 3, []float64{1, -2, 3, 0.5, nan(), -1}), NonFinite, 0},
		{"unrelated", Matrix(2, 3, []float64{1, 2, 3, 4, 5, 6}), Unrelated, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Relate(c.got, want)
			if r.Kind != c.kind {
				t.Fatalf("kind %s (%v), want %s", r.Kind, r, c.kind)
			}
			if c.alpha != 0 && (r.Alpha-c.alpha)/c.alpha > 1e-9 {
				t.Fatalf("alpha %v, want %v", r.Alpha, c.alpha)
			}
		})
	}
	sq := Matrix(2, 2, []float64{1, 2, 3, 4})
	if r := Relate(tp.T(sq).Clone(), sq); r.Kind != Transposed {
		t.Fatalf("square transpose: %v", r)
	} else if s := r.String(); !strings.Contains(s, "square") || strings.Contains(s, "instead of") {
		t.Errorf("a square transpose is described as %q: the shapes cannot show it", s)
	}
}

func nan() float64 { z := 0.0; return z / z }
