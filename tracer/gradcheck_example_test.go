package tracer_test

import (
	"fmt"

	"github.com/backstep/backstep/tracer"
)

// A linear model y ≈ X·w + b with a mean squared error, and hand-written
// gradients in which db forgot the 2 of the square's derivative.
func ExampleGradCheck() {
	X := tracer.Matrix(4, 3, []float64{
		0.5, -1.2, 0.3,
		1.1, 0.4, -0.7,
		-0.3, 0.8, 1.5,
		0.9, -0.6, 0.2})
	y := tracer.Matrix(4, 1, []float64{1, -0.5, 2, 0.3})
	w := tracer.Matrix(3, 1, []float64{0.2, -0.4, 0.7})
	b := tracer.Scalar(0.1)

	var tp *tracer.Tape // nil: compute without recording
	residual := func(w, b *tracer.Array) *tracer.Array {
		return tp.Sub(tp.Add(tp.Dot(X, w), b), y)
	}
	loss := func(p []*tracer.Array) float64 {
		r := residual(p[0], p[1])
		return tp.Mean(tp.Mul(r, r), tracer.AllAxes, false).Item()
	}

	// The gradients under test.
	r := residual(w, b)
	n := tracer.Scalar(4)
	dw := tp.Div(tp.Mul(tracer.Scalar(2), tp.Dot(tp.T(X), r)), n) // (2/n)·Xᵀr: right
	db := tp.Div(tp.Sum(r, tracer.AllAxes, false), n)             // (1/n)·Σr: the 2 is missing

	rep, err := tracer.GradCheck(loss, []tracer.Param{
		{Name: "w", Value: w, Grad: dw},
		{Name: "b", Value: b, Grad: db},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range rep.Tensors {
		fmt.Printf("%s: %s, %d of %d elements checked", t.Name, t.Verdict, t.Checked, t.Size)
		if !t.Verdict.Passed() {
			e := t.Worst[0]
			fmt.Printf(", relative error %.3f: %s\n", t.MaxRelError, t.Relation)
			fmt.Printf("   analytic %.6f, numerical %.6f\n", e.Analytic, e.Numeric)
		} else {
			fmt.Println()
		}
	}
	fmt.Println("all pass:", rep.OK())
	// Output:
	// w: correct, 3 of 3 elements checked
	// b: wrong, 1 of 1 elements checked, relative error 0.333: scaled by 0.5
	//    analytic -0.202500, numerical -0.405000
	// all pass: false
}
