package net_test

import (
	"fmt"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// ExampleStepper steps through one iteration of a tiny network whose bias
// gradient of the output layer is summed over the classes instead of the
// samples (the bias-axis bug), and prints what the stepper found.
func ExampleStepper() {
	cfg := net.Config{Inputs: 4, Hidden: []int{3}, Classes: 2, Act: net.Tanh, Layout: net.Rows,
		LR: 0.5, Epochs: 1, InitScale: 0.1, Seed: 1}
	p := net.Build(cfg)
	p.Replace("bias-axis", p.BiasGrad(2, 1, true)) // axis 1 holds the classes in rows layout

	x := tracer.Matrix(5, 4, []float64{
		0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1})
	y := tracer.OneHot([]int{0, 1, 0, 1, 1}, 2)
	st := net.NewStepper(p, x, y, net.Init(cfg))
	for rec := st.Next(); rec != nil; rec = st.Next() {
		if rec.Line != nil {
			fmt.Printf("%s (patched by %s): %s\n", rec.Statement.Name, rec.Statement.Bug, rec.Line)
		}
		if rec.Drift != nil {
			fmt.Println("shape drift:", rec.Drift)
		}
	}
	db2 := st.Records[p.Index("db2")]
	fmt.Println(db2.OpText(0).Effect)
	// Output:
	// db2 (patched by bias-axis): sum over classes (axis 1) instead of samples (axis 0); shape (5,1) instead of (1,2)
	// shape drift: b2: 1 × 2 classes → 5 samples × 2 classes
	// sum over classes (axis 1), keepdims → 5 samples × 1: one gradient per sample
}
