package tracer

import (
	"runtime"
	"strings"
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
		pool.Lock()
		left := len(pool.jobs)
		pool.Unlock()
		if left != 0 || pool.open.Load() != 0 {
			t.Errorf("onHelper=%v: %d jobs left in the pool after the panic, %d open", onHelper, left, pool.open.Load())
		}
	}
	var ran atomic.Int32
	parallelTasks(100, func(int) { ran.Add(1) })
	if ran.Load() != 100 {
		t.Errorf("after the panics, %d of 100 tasks ran", ran.Load())
	}
}

// A helper that finds no task left looks for new ones for helperSpin,
// then sleeps, even while the job whose tasks it took is still open
// because its caller is busy with the last: it looked without a pause,
// a core taken from other programs, for as long as that task ran.
func TestHelpersSleepWhileTheCallerFinishesItsTask(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	parallelTasks(2, func(int) {}) // at least one helper
	caller := goroutineID()
	for try := 0; try < 20; try++ {
		var onCaller, slept atomic.Bool
		parallelTasks(8, func(int) {
			if goroutineID() != caller || onCaller.Swap(true) {
				return
			}
			// The helpers take the other tasks meanwhile, then must sleep.
			for wait := time.Now(); time.Since(wait) < time.Second; time.Sleep(time.Millisecond) {
				pool.Lock()
				asleep := pool.idle.Load() == int64(pool.helpers)
				pool.Unlock()
				if asleep {
					slept.Store(true)
					return
				}
			}
		})
		if onCaller.Load() {
			if !slept.Load() {
				t.Fatal("the helpers were still awake a second after the last task was taken")
			}
			return
		}
	}
	t.Skip("the helpers took every task each time")
}

// goroutineID is the number runtime.Stack gives the calling goroutine.
func goroutineID() string {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	f := strings.Fields(string(b))
	return f[1]
}

// The tests split work over the cores even when other programs keep the
// machine busy (go test runs packages side by side), so that the paths
// over several cores are always exercised.
func init() { ignoreLoad = true }
