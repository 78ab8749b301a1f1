package tracer

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Large operations split their work over the cores. Splits never decide
// how numbers are added together: a reduction is cut into pieces of a fixed
// size and the pieces are combined in order, so every result is the same
// whatever the number of cores.
//
// The work goes to helper goroutines that live as long as the program.
// Waking a core that has gone idle is slow on a virtual machine (a
// goroutine started on the idle core of this 2-vCPU machine began 70 to
// 300 µs later, as long as a whole product of a mini-batch), so a helper
// that has finished its tasks keeps looking for new ones for helperSpin
// before it sleeps, as OpenBLAS's threads do: the products of a training
// step, which come every few tens of microseconds, find it awake. And a
// caller never waits for a helper to turn up: it takes the tasks itself
// from the same counter, and waits only for tasks a helper has begun.

// helperSpin is how long a helper looks for work before it sleeps: longer
// than the gaps between the products of a mini-batch step (tens of µs),
// short enough that an idle program soon stops using the core.
const helperSpin = 200 * time.Microsecond

// parallelMin is the number of elements below which an elementwise
// operation stays on one goroutine: handing work to an awake helper costs
// about a microsecond, the time to compute a few thousand values.
const parallelMin = 1 << 15

// ignoreLoad makes large operations split their work whatever the load
// of other programs (othersBusy): for tests.
var ignoreLoad bool

// workers is how many goroutines a large operation uses.
func workers() int { return runtime.GOMAXPROCS(0) }

// job is one call's tasks: f(0) … f(tasks-1), taken in order by the
// caller and any helpers through next.
type job struct {
	f         func(task int)
	tasks     int64
	next      atomic.Int64
	remaining atomic.Int64  // tasks not yet finished
	finished  chan struct{} // closed when remaining reaches 0
	// failed is the value the first task that panicked panicked with,
	// for the caller to panic with again; the tasks not yet begun are
	// then skipped.
	failed atomic.Pointer[any]
}

// work takes tasks until none are left.
func (j *job) work() {
	for {
		t := j.next.Add(1) - 1
		if t >= j.tasks {
			return
		}
		if t == j.tasks-1 { // the last task taken: the job has none left
			pool.open.Add(-1)
		}
		j.run(int(t))
	}
}

// run runs task t unless a task has panicked, and counts it finished.
// A panic is kept for the caller: on a helper it would end the program,
// and a caller that panicked in its own task would leave the job open.
func (j *job) run(t int) {
	defer func() {
		if r := recover(); r != nil {
			j.fail(r)
		}
		if j.remaining.Add(-1) == 0 {
			close(j.finished)
		}
	}()
	if j.failed.Load() == nil {
		j.f(t)
	}
}

// pool holds the jobs with tasks left and the helpers' state.
var pool struct {
	sync.Mutex
	jobs []*job
	// open counts the jobs with tasks not yet taken. A job stays in jobs
	// until its caller has finished its own tasks, but helpers look for
	// work, spin and sleep by open: one that waited for len(jobs) to fall
	// spun without a pause while the caller ran the last task.
	open    atomic.Int64
	idle    atomic.Int64 // helpers asleep (or about to sleep)
	helpers int
	wake    chan struct{}
}

// openJob returns a job with tasks left, nil if there is none.
func openJob() *job {
	if pool.open.Load() == 0 {
		return nil
	}
	pool.Lock()
	defer pool.Unlock()
	for _, j := range pool.jobs {
		if j.next.Load() < j.tasks {
			return j
		}
	}
	return nil
}

// helper runs the tasks of open jobs, spinning for helperSpin once there
// are none, then sleeping until a caller wakes it.
func helper() {
	for {
		if j := openJob(); j != nil {
			j.work()
			continue
		}
		start := time.Now()
		for spins := 0; pool.open.Load() == 0; spins++ {
			if spins%64 == 63 {
				if time.Since(start) > helperSpin || othersBusy() {
					break
				}
				// Let other goroutines have this P. (Not other programs
				// this core: a helper that yields to the kernel as it
				// spins ended up sharing the caller's core, and took its
				// tasks one after the other with the caller's.)
				runtime.Gosched()
			}
		}
		if pool.open.Load() > 0 {
			continue
		}
		pool.idle.Add(1)
		if pool.open.Load() == 0 {
			<-pool.wake
		}
		pool.idle.Add(-1)
	}
}

// fail keeps r unless a task panicked before (a function of its own,
// so that only a panic puts r on the heap, not every task).
func (j *job) fail(r any) { j.failed.CompareAndSwap(nil, &r) }

// parallelTasks runs f(0) … f(tasks-1), on this goroutine and on up to
// workers()-1 helpers, and returns when all have finished. When a task
// panics, the tasks not yet begun are skipped, and parallelTasks panics
// with the same value once those begun have finished.
func parallelTasks(tasks int, f func(task int)) {
	if tasks <= 1 || workers() <= 1 || othersBusy() {
		for t := 0; t < tasks; t++ {
			f(t)
		}
		return
	}
	j := &job{f: f, tasks: int64(tasks), finished: make(chan struct{})}
	j.remaining.Store(int64(tasks))
	pool.Lock()
	for pool.helpers < workers()-1 {
		if pool.wake == nil {
			pool.wake = make(chan struct{}, 64)
		}
		pool.helpers++
		go helper()
	}
	pool.jobs = append(pool.jobs, j)
	pool.open.Add(1)
	pool.Unlock()
	// Wake as many sleeping helpers as there are tasks for.
	for n := min(pool.idle.Load(), int64(tasks-1)); n > 0; n-- {
		select {
		case pool.wake <- struct{}{}:
		default:
		}
	}
	j.work()
	pool.Lock()
	for i, o := range pool.jobs {
		if o == j {
			pool.jobs = append(pool.jobs[:i], pool.jobs[i+1:]...)
			break
		}
	}
	pool.Unlock()
	// Tasks a helper began are finishing now. Wait for them awake: a
	// goroutine that sleeps is woken on the idle core, which is as slow
	// as starting one; sleep only when they take long (a busy machine).
	start := time.Now()
	for spins := 0; j.remaining.Load() > 0; spins++ {
		if spins%64 == 63 {
			if time.Since(start) > time.Millisecond {
				<-j.finished
				break
			}
			runtime.Gosched()
		}
		if spins%8 == 7 {
			yieldCore()
		}
	}
	if p := j.failed.Load(); p != nil {
		panic(*p)
	}
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
// stays on one goroutine: 20 to 40 microseconds of work. Below it, what
// an awake helper saves is lost whenever the other core is busy with
// another program: with 1 << 18, on a machine where another program kept
// one core busy, an epoch of mini-batches of 64 took a quarter longer
// than on one goroutine.
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
