package tracer

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Large operations split their work over the cores. Splits never decide
// how numbers are added together: a reduction is cut into pieces of a fixed
// size and the pieces are combined in order, so every result is the same
// whatever the number of cores.

// parallelMin is the number of elements below which an elementwise
// operation stays on one goroutine: starting one costs about a microsecond,
// the time to compute a few thousand values.
const parallelMin = 1 << 15

// workers is how many goroutines a large operation uses.
func workers() int { return runtime.GOMAXPROCS(0) }

// parallelTasks runs f(0) … f(tasks-1), on up to workers() goroutines that
// take the tasks in order.
func parallelTasks(tasks int, f func(task int)) {
	w := min(workers(), tasks)
	if w <= 1 {
		for t := 0; t < tasks; t++ {
			f(t)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	run := func() {
		for {
			t := int(next.Add(1) - 1)
			if t >= tasks {
				return
			}
			f(t)
		}
	}
	wg.Add(w - 1)
	for i := 1; i < w; i++ {
		go func() {
			defer wg.Done()
			run()
		}()
	}
	run()
	wg.Wait()
}

// runTasks runs f(0) … f(tasks-1) in order on this goroutine when serial
// (work too small to pay for handing it to another core), else as
// parallelTasks does.
func runTasks(tasks int, serial bool, f func(task int)) {
	if serial {
		for t := 0; t < tasks; t++ {
			f(t)
		}
		return
	}
	parallelTasks(tasks, f)
}

// productSerialMax is the number of multiply-adds below which a product
// stays on one goroutine: ten microseconds of work or so, about what
// waking another core and waiting for it costs (with 1 << 18, a
// mini-batch of 64 spent an eighth of its time on that).
const productSerialMax = 1 << 20

// parallelRange splits [0, n) into four contiguous ranges per worker
// (fewer when n is small) and runs f on each, the workers taking them in
// turn: on a busy machine, where one worker may wait for a core, the
// others take over its ranges instead of waiting for it at the end. It
// suits work whose cost per index is even, such as an elementwise
// function; grain is the smallest range worth a goroutine.
func parallelRange(n, grain int, f func(lo, hi int)) {
	parts := min(4*workers(), n/max(grain, 1))
	if parts <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	parallelTasks(parts, func(t int) {
		f(n*t/parts, n*(t+1)/parts)
	})
}
