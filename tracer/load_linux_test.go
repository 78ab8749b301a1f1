package tracer

import (
	"runtime"
	"testing"
)

// Large operations work alone only when other programs leave too little
// of the machine free, whatever its size.
func TestTooLittleFree(t *testing.T) {
	for _, c := range []struct {
		cores  int
		others float64 // cores' worth of time other programs keep busy
		busy   bool
	}{
		{2, 0.1, false}, // a quiet 2-core machine
		{2, 1.0, true},  // a busy loop on the other core
		{2, 0.6, true},  // more than half a core taken
		{64, 10, false}, // a large host with a few busy cores
		{64, 63, true},  // a large host nearly full
		{1, 0.0, true},  // one core: nothing to share
		{4, 2.4, false}, // 1.6 cores free
	} {
		wall := 0.1
		if got := tooLittleFree(c.cores, wall, c.others*wall); got != c.busy {
			t.Errorf("%d cores, others %.1f cores: too little free = %v, want %v", c.cores, c.others, got, c.busy)
		}
	}
}

// /proc/stat gives the machine's CPU time since boot and at least as many
// cores as this program may run on.
func TestMachineBusy(t *testing.T) {
	seconds, cores, ok := machineBusy()
	if !ok {
		t.Fatal("/proc/stat could not be read")
	}
	if seconds <= 0 || cores < runtime.NumCPU() {
		t.Errorf("machineBusy() = %v s, %d cores; this program may run on %d", seconds, cores, runtime.NumCPU())
	}
}
