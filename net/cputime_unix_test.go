//go:build unix

package net

import "syscall"

// cpuSeconds is the process's user and system CPU time so far: on a busy
// machine it varies less than the wall clock, so benchmarks report both.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return sec(ru.Utime) + sec(ru.Stime)
}
