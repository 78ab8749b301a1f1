//go:build !linux

package tracer

import "runtime"

// yieldCore lets other goroutines run for a moment.
func yieldCore() { runtime.Gosched() }
