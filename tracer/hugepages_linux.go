package tracer

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// adviseHuge asks the kernel to back the whole 2 MB pages within s with
// huge pages when they are first touched (madvise MADV_HUGEPAGE).
func adviseHuge(s []float64) {
	const huge = 2 << 20
	p := unsafe.Pointer(unsafe.SliceData(s))
	lo := uintptr(p)
	hi := lo + 8*uintptr(len(s))
	first, last := (lo+huge-1)&^(huge-1), hi&^(huge-1)
	if last <= first {
		return
	}
	unix.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, first-lo)), last-first), unix.MADV_HUGEPAGE)
}
