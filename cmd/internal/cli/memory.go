package cli

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/backstep/backstep/net"
)

// fallbackMemoryLimit is the limit when neither GOMEMLIMIT nor the
// machine's memory is known.
const fallbackMemoryLimit = 4 << 30

// memoryLimit is how much memory a run may plan to use, and where that
// figure comes from: GOMEMLIMIT when it is set (the Go runtime's own
// limit, e.g. GOMEMLIMIT=2GiB, which is how to set it lower or higher),
// otherwise half of the machine's memory (MemTotal in /proc/meminfo), so
// that a run never takes the whole machine; otherwise 4 GiB.
func memoryLimit() (float64, string) {
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		return float64(l), "GOMEMLIMIT"
	}
	if total, ok := machineMemory(); ok {
		return total / 2, "half this machine's memory; GOMEMLIMIT sets another limit"
	}
	return fallbackMemoryLimit, "when the machine's memory is unknown; GOMEMLIMIT sets another limit"
}

// machineMemory reads MemTotal from /proc/meminfo (Linux).
func machineMemory() (float64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseFloat(fields[1], 64)
			return kb * 1024, err == nil && kb > 0
		}
	}
	return 0, false
}

// checkFootprint refuses a run whose estimated memory (net.Footprint) is
// above memoryLimit, before anything is allocated. lower says which flags
// make the run smaller.
func checkFootprint(cfg net.Config, images, batch, runs int, lower string) error {
	need := net.Footprint(cfg, images, batch, runs)
	limit, source := memoryLimit()
	if need <= limit {
		return nil
	}
	sizes := make([]string, 0, len(cfg.Sizes()))
	for _, s := range cfg.Sizes() {
		sizes = append(sizes, fmt.Sprint(s))
	}
	needText := "about " + net.ByteSize(need)
	if need > 1<<50 {
		needText = "more than 1 PB"
	}
	return usagef("a %s network on %d images needs %s of memory; backstep allows itself %s (%s): use %s",
		strings.Join(sizes, "-"), images, needText, net.ByteSize(limit), source, lower)
}
