package tracer

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// parallelTasks must run every task exactly once and return only when all
// have finished: with a helper awake or asleep, with several callers at
// once, and with tasks that split their own work again.
func TestParallelTasksRunEveryTaskOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	check := func(t *testing.T, tasks int, nested bool) {
		t.Helper()
		done := make([]atomic.Int32, tasks)
		parallelTasks(tasks, func(i int) {
			if nested {
				var inner atomic.Int32
				parallelTasks(5, func(int) { inner.Add(1) })
				if inner.Load() != 5 {
					t.Errorf("task %d: a nested call returned after %d of 5 tasks", i, inner.Load())
				}
			}
			done[i].Add(1)
		})
		for i := range done {
			if n := done[i].Load(); n != 1 {
				t.Errorf("%d tasks: task %d ran %d times by the time the call returned", tasks, i, n)
				return
			}
		}
	}
	for _, tasks := range []int{0, 1, 2, 3, 8, 100} {
		check(t, tasks, false)
		time.Sleep(2 * helperSpin) // the helpers have gone to sleep
		check(t, tasks, true)
	}
	var wg sync.WaitGroup
	for c := 0; c < 6; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 50; r++ {
				check(t, 1+r%9, r%3 == 0)
			}
		}()
	}
	wg.Wait()
}

// A task that panics, on the caller or on a helper, must reach the
// caller (so that Catch turns a *ShapeError into an error), only once the
// tasks already begun have finished, and must leave the pool as it was:
// a job left behind kept every helper looking for its tasks, a core busy
// for as long as the program ran; a panic on a helper ended the program.
func TestParallelTasksPanicReachesTheCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, onHelper := range []bool{false, true} {
		var running, started atomic.Int32
		err := Catch(func() {
			parallelTasks(8, func(i int) {
				started.Add(1)
				running.Add(1)
				defer running.Add(-1)
				if i == 0 { // the caller's first task: let a helper begin one
					for wait := time.Now(); started.Load() < 2 && time.Since(wait) < time.Second; {
						runtime.Gosched()
					}
					if !onHelper {
						panic(shapeErrorf("test", "on the caller"))
					}
					time.Sleep(time.Millisecond)
					return
				}
				if onHelper {
					panic(shapeErrorf("test", "on a helper"))
				}
				time.Sleep(time.Millisecond)
			})
		})
		if err == nil {
			t.Errorf("onHelper=%v: the panic of a task was lost", onHelper)
		}
		if n := running.Load(); n != 0 {
			t.Errorf("onHelper=%v: the panic reached the caller while %d tasks ran", onHelper, n)
		}
		if n := pool.pending.Load(); n != 0 {
			t.Errorf("onHelper=%v: %d jobs left open after the panic", onHelper, n)
		}
	}
	var ran atomic.Int32
	parallelTasks(100, func(int) { ran.Add(1) })
	if ran.Load() != 100 {
		t.Errorf("after the panics, %d of 100 tasks ran", ran.Load())
	}
}

// The tests split work over the cores even when other programs keep the
// machine busy (go test runs packages side by side), so that the paths
// over several cores are always exercised.
func init() { ignoreLoad = true }
