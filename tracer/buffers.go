package tracer

import (
	"sync"
	"unsafe"
)

// Results of operations are fresh arrays, which is what makes them safe to
// keep. For large ones that costs more than the arithmetic: the runtime
// zeroes every new allocation and the kernel maps fresh pages (about a
// millisecond for a 10000×60 matrix, three times the cost of tanh over it).
// A training loop knows when a step's values are dead, so it can hand
// their storage back with Recycle and the next step's operations reuse it.

// bufferMin is the smallest storage worth recycling (1 KB); smaller
// slices are left to the garbage collector.
const bufferMin = 1 << 7

// freeListMax bounds the storage waiting for reuse, unless a loop
// reserves more (Reserve).
const freeListMax = 256 << 20

var free struct {
	sync.Mutex
	bySize   map[int][][]float64
	bytes    int
	reserved int // bytes allowed beyond freeListMax
}

// alloc returns storage for n values that the caller overwrites entirely:
// recycled storage of the same length when there is some, else new.
func alloc(n int) []float64 {
	if n >= bufferMin {
		free.Lock()
		if l := free.bySize[n]; len(l) > 0 {
			s := l[len(l)-1]
			l[len(l)-1] = nil
			free.bySize[n] = l[:len(l)-1]
			free.bytes -= 8 * n
			free.Unlock()
			return s
		}
		free.Unlock()
	}
	s := make([]float64, n)
	if n >= hugeMin {
		adviseHuge(s)
	}
	return s
}

// hugeMin is the smallest fresh storage (4 MB) that asks for 2 MB pages:
// the kernel then maps it in 2 MB at a time instead of 4 KB, which made
// the first epoch of 784-512-256-10 on 10,000 images (whose results are
// new storage, 20 to 40 MB an array) a quarter quicker.
const hugeMin = 1 << 19

// newResult returns an array for an operation's result, its storage from
// alloc (so not zeroed).
func newResult(shape Shape, labels [2]string) *Array {
	return &Array{shape: shape, labels: labels, data: alloc(shape.Size()), pooled: true}
}

// release hands back storage the tracer allocated for its own temporary
// use (a packed operand, a copy of a transposed view).
func release(s []float64) {
	if len(s) < bufferMin {
		return
	}
	free.Lock()
	defer free.Unlock()
	put(s)
}

func put(s []float64) {
	n := len(s)
	if free.bytes+8*n > freeListMax+free.reserved {
		return
	}
	for _, t := range free.bySize[n] {
		if &t[0] == &s[0] {
			return // already waiting: handing it out twice would share it
		}
	}
	if free.bySize == nil {
		free.bySize = map[int][][]float64{}
	}
	free.bySize[n] = append(free.bySize[n], s[:n:n])
	free.bytes += 8 * n
}

// Recycle hands the storage of the arrays in spent back to the tracer,
// which gives it to later results instead of allocating. It skips storage
// the tracer did not allocate (arrays made with New, Matrix, Zeros, Clone
// …) and any storage that overlaps an array in keep.
//
// After the call nothing may read an array of spent, nor any view sharing
// its values (Named, WithLabels, T): they will be overwritten. A training
// loop calls it with the previous step's values once nothing refers to
// them, keeping the parameters and data it carries on with.
func Recycle(spent, keep []*Array) {
	candidates := false
	for _, a := range spent {
		candidates = candidates || Reusable(a)
	}
	if !candidates {
		return
	}
	type span struct{ lo, hi uintptr }
	var spans [64]span // on the stack for the usual few dozen arrays
	kept := spans[:0]
	for _, a := range keep {
		if a != nil && len(a.data) > 0 {
			lo := uintptr(unsafe.Pointer(unsafe.SliceData(a.data)))
			kept = append(kept, span{lo, lo + 8*uintptr(len(a.data))})
		}
	}
	free.Lock()
	defer free.Unlock()
next:
	for _, a := range spent {
		if !Reusable(a) {
			continue
		}
		lo := uintptr(unsafe.Pointer(unsafe.SliceData(a.data)))
		hi := lo + 8*uintptr(len(a.data))
		for _, k := range kept {
			if lo < k.hi && k.lo < hi {
				continue next
			}
		}
		put(a.data)
	}
}

// Reusable reports whether Recycle would take a's storage: storage the
// tracer allocated, large enough to be worth reusing.
func Reusable(a *Array) bool { return a != nil && a.pooled && len(a.data) >= bufferMin }

// Reserve lets the storage waiting for reuse grow by bytes beyond the
// usual 256 MB, until the returned function is called, which lowers the
// bound again and lets the garbage collector have what waits above it. A
// training loop whose step computes more than 256 MB of values (60,000
// samples × 1024 hidden units is 491 MB an array) reserves room for one
// step's storage, so that every step reuses the previous one's instead of
// having fresh memory zeroed. Reservations of loops running at the same
// time add up.
func Reserve(bytes int) (release func()) {
	bytes = max(bytes, 0)
	free.Lock()
	free.reserved += bytes
	free.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			free.Lock()
			defer free.Unlock()
			free.reserved -= bytes
			for n, l := range free.bySize {
				for len(l) > 0 && free.bytes > freeListMax+free.reserved {
					l[len(l)-1] = nil
					l = l[:len(l)-1]
					free.bytes -= 8 * n
				}
				free.bySize[n] = l
			}
		})
	}
}
