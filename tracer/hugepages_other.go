//go:build !linux

package tracer

// adviseHuge does nothing where the kernel takes no such advice.
func adviseHuge(s []float64) {}
