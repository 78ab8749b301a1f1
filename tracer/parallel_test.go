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

// The tests split work over the cores even when other programs keep the
// machine busy (go test runs packages side by side), so that the paths
// over several cores are always exercised.
func init() { ignoreLoad = true }
