package tracer

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// When another program keeps a core busy, a helper runs in the gaps it
// leaves and a caller waits for the task the helper began, while the
// helper's spinning takes time from the other program: with a busy loop
// on one core of this 2-vCPU machine, an epoch of 784-60-10 on 10,000
// images took 15 to 40 ms split over both cores, 12.5 on one. So large
// operations work alone while the machine has less than a core and a half
// that other programs leave free (one for the caller, half of one at
// least for a helper), as measured every 100 ms: the CPU time /proc/stat
// counts for all of the machine's cores, less this program's own
// (getrusage). Counting the free cores, not the busy ones, keeps a large
// machine with a few busy cores (or a container that sees its host's
// /proc/stat) working in parallel.

const loadInterval = 100 * time.Millisecond

var load struct {
	sync.Mutex
	at     time.Time
	busy   float64 // seconds of CPU time of the whole machine
	own    float64 // seconds of this program's
	others atomic.Bool
	next   atomic.Int64 // when to measure again, ns
}

// othersBusy reports whether other programs left less than one and a half
// of the machine's cores free over the last interval measured.
func othersBusy() bool {
	if ignoreLoad {
		return false
	}
	if now := time.Now().UnixNano(); now >= load.next.Load() && load.TryLock() {
		measureLoad(now)
		load.Unlock()
	}
	return load.others.Load()
}

func measureLoad(now int64) {
	load.next.Store(now + int64(loadInterval))
	busy, cores, ok := machineBusy()
	var ru syscall.Rusage
	if !ok || syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return
	}
	own := float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	at := time.Unix(0, now)
	if !load.at.IsZero() {
		wall := at.Sub(load.at).Seconds()
		others := (busy - load.busy) - (own - load.own)
		load.others.Store(tooLittleFree(cores, wall, others))
	}
	load.at, load.busy, load.own = at, busy, own
}

// tooLittleFree reports whether others seconds of CPU time, used by other
// programs over wall seconds on a machine of cores cores, leave less than
// a core and a half free.
func tooLittleFree(cores int, wall, others float64) bool {
	return float64(cores)*wall-others < 1.5*wall
}

// machineBusy returns the CPU time all programs have used since boot, from
// the first line of /proc/stat (user, nice, system, irq, softirq and
// steal, in clock ticks of 1/100 s), and the number of cores that line
// adds up (the cpuN lines after it).
func machineBusy() (seconds float64, cores int, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, rest, _ := bytes.Cut(b, []byte("\n"))
	fields := bytes.Fields(line)
	if len(fields) < 9 || string(fields[0]) != "cpu" {
		return 0, 0, false
	}
	var ticks float64
	for i, f := range fields[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		v, err := strconv.ParseFloat(string(f), 64)
		if err != nil {
			return 0, 0, false
		}
		ticks += v
	}
	for _, l := range bytes.Split(rest, []byte("\n")) {
		if len(l) > 3 && string(l[:3]) == "cpu" && l[3] >= '0' && l[3] <= '9' {
			cores++
		}
	}
	if cores == 0 {
		return 0, 0, false
	}
	return ticks / 100, cores, true
}
