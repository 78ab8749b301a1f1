package tracer

import "math"

// Stats summarises the values of an array. Mean, Std, Min, Max and Norm are
// taken over the finite values only, so one NaN does not hide what the rest
// look like; NaN and Inf count what was left out.
type Stats struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Norm  float64 `json:"l2_norm"` // Euclidean norm of the finite values
	NaN   int     `json:"nan"`
	Inf   int     `json:"inf"` // +Inf and -Inf together
	Zeros int     `json:"zeros"`
}

// Finite reports whether the array had no NaN and no Inf.
func (s Stats) Finite() bool { return s.NaN == 0 && s.Inf == 0 }

// Summarize computes the statistics of a in one pass.
func Summarize(a *Array) Stats { return summarize(a.data) }

// resultStats summarises r, the fresh result of an operation, unless the
// operation did while writing it (produce), and keeps the summary where
// r's views will find it: a later transpose of r (A1ᵀ in dW2 = A1ᵀ·dZ2)
// then costs nothing.
func resultStats(r *Array) Stats {
	if r.aux != nil {
		if s, ok := r.aux.cachedStats(); ok {
			return s
		}
	}
	s := summarize(r.data)
	if r.aux == nil {
		r.aux = &arrayAux{}
	}
	r.aux.setStats(s)
	return s
}

// produce fills out, a fresh result, by calling fill on ranges of it (in
// parallel for large results, grain being the smallest range worth a
// goroutine). When t records statistics it summarises each piece of
// statsChunk values right after filling it, while the values are still in
// the core's cache, and keeps the summary with out for record: reading a
// large result a second time from memory costs more than summarising it.
// The pieces and the shift are summarize's, so the statistics are the
// same bits either way.
func (t *Tape) produce(out *Array, grain int, fill func(lo, hi int)) {
	t.produceAll([]*Array{out}, grain, fill)
}

// produceAll is produce for several results of the same length that fill
// writes together (the a**2, 1 − a**2 and d * (1 − a**2) of
// MulOneMinusSquare).
func (t *Tape) produceAll(outs []*Array, grain int, fill func(lo, hi int)) {
	n := len(outs[0].data)
	if t == nil || t.NoStats || t.ValuesOnly || n < 2*statsChunk {
		parallelRange(n, grain, fill)
		return
	}
	// The shift is the first finite value, almost always the first value:
	// then every piece can be summarised as soon as it is filled, two at a
	// time (summarizePair), 0 and 1, 2 and 3, …
	const head = 8
	fill(0, head)
	shifts := make([]float64, len(outs))
	for k, out := range outs {
		shift, ok := firstFinite(out.data[:head])
		if !ok { // the shift lies further on: summarise afterwards
			parallelRange(n-head, grain, func(lo, hi int) { fill(head+lo, head+hi) })
			return
		}
		shifts[k] = shift
	}
	pieces := (n + statsChunk - 1) / statsChunk
	parts := make([]statsPart, len(outs)*pieces) // result k's piece i at k·pieces + i
	parallelTasks((pieces+1)/2, func(i int) {
		lo, mid, hi := 2*i*statsChunk, min((2*i+1)*statsChunk, n), min((2*i+2)*statsChunk, n)
		fill(max(lo, head), hi)
		for k, out := range outs {
			p := parts[k*pieces:]
			if mid == hi {
				p[2*i] = summarizePart(out.data[lo:hi], shifts[k])
				continue
			}
			p[2*i], p[2*i+1] = summarizePair(out.data[lo:mid], out.data[mid:hi], shifts[k])
		}
	})
	for k, out := range outs {
		if out.aux == nil {
			out.aux = &arrayAux{}
		}
		out.aux.setStats(combineStats(parts[k*pieces:(k+1)*pieces], shifts[k], n))
	}
}

// firstFinite returns the first value of v that is neither NaN nor ±Inf.
func firstFinite(v []float64) (float64, bool) {
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return x, true
		}
	}
	return 0, false
}

// viewStats summarises the values a view shares with a, reusing the
// summary cached with a's views (the data matrix's, say, which would
// otherwise be read in full at every step).
func viewStats(a *Array) Stats {
	if a.aux == nil {
		return summarize(a.data)
	}
	if s, ok := a.aux.cachedStats(); ok {
		return s
	}
	s := summarize(a.data)
	a.aux.setStats(s)
	return s
}

func (x *arrayAux) cachedStats() (Stats, bool) {
	x.statsMu.Lock()
	defer x.statsMu.Unlock()
	if x.stats == nil {
		return Stats{}, false
	}
	return *x.stats, true
}

func (x *arrayAux) setStats(s Stats) {
	x.statsMu.Lock()
	x.stats = &s
	x.statsMu.Unlock()
}

// statsChunk is how many values one goroutine summarises at a time. The
// pieces are combined in order, so the statistics do not depend on the
// number of cores.
const statsChunk = 1 << 14

// statsPart is the summary of one piece: sums over its finite values.
type statsPart struct {
	n, nan, inf, zeros int
	sum, sumSq, sq     float64 // of x−shift, (x−shift)², x²
	min, max           float64
}

func summarize(v []float64) Stats {
	// Shifted sums keep the variance accurate when the mean is large
	// compared with the spread (a bias row all near 0.3, say).
	shift, _ := firstFinite(v)
	pieces := (len(v) + statsChunk - 1) / statsChunk
	var one [1]statsPart
	parts := one[:]
	if pieces > 1 {
		parts = make([]statsPart, pieces)
	}
	piece := func(i int) { // pieces 2i and 2i+1
		a := v[2*i*statsChunk : min((2*i+1)*statsChunk, len(v))]
		if 2*i+1 == pieces {
			parts[2*i] = summarizePart(a, shift)
			return
		}
		parts[2*i], parts[2*i+1] = summarizePair(a, v[(2*i+1)*statsChunk:min((2*i+2)*statsChunk, len(v))], shift)
	}
	runTasks((pieces+1)/2, len(v) < parallelMin, piece)
	return combineStats(parts, shift, len(v))
}

// combineStats adds up the summaries of consecutive pieces of n values.
func combineStats(parts []statsPart, shift float64, n int) Stats {
	s := Stats{Count: n, Min: math.Inf(1), Max: math.Inf(-1)}
	var sum, sumSq, sq float64
	finite := 0
	for _, p := range parts {
		finite += p.n
		s.NaN += p.nan
		s.Inf += p.inf
		s.Zeros += p.zeros
		sum += p.sum
		sumSq += p.sumSq
		sq += p.sq
		if p.min < s.Min {
			s.Min = p.min
		}
		if p.max > s.Max {
			s.Max = p.max
		}
	}
	if finite == 0 {
		s.Min, s.Max = math.NaN(), math.NaN()
		s.Mean, s.Std = math.NaN(), math.NaN()
		return s
	}
	mean := sum / float64(finite)
	s.Mean = shift + mean
	s.Std = math.Sqrt(math.Max(sumSq/float64(finite)-mean*mean, 0))
	s.Norm = math.Sqrt(sq)
	return s
}

// summarizePart summarises one piece: with the vector kernel when every
// value is finite (the sums tell: a NaN or an Inf makes them non-finite),
// else value by value.
func summarizePart(v []float64, shift float64) statsPart {
	m := 0
	if haveAVX2 {
		m = len(v) &^ 7
	}
	acc := laneStart()
	if m > 0 {
		statsLanes(v[:m], shift, &acc)
	}
	return finishPart(v, m, shift, &acc)
}

// summarizePair is summarizePart of two pieces of the same length, both
// at once where a kernel takes two (the same bits, in half the time).
func summarizePair(v, u []float64, shift float64) (statsPart, statsPart) {
	m := len(v) &^ 7
	if len(u) != len(v) || m == 0 || !haveStats2 {
		return summarizePart(v, shift), summarizePart(u, shift)
	}
	acc, acc2 := laneStart(), laneStart()
	statsLanes2(v[:m], u[:m], shift, &acc, &acc2)
	return finishPart(v, m, shift, &acc), finishPart(u, m, shift, &acc2)
}

// laneStart is the kernel's accumulators before the first value: sums
// and counts 0, minimum +Inf, maximum −Inf.
func laneStart() (acc [6][4]float64) {
	acc[4] = [4]float64{math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)}
	acc[5] = [4]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	return acc
}

// finishPart completes the summary of v whose first m values the kernel
// took into acc (none when m is 0).
func finishPart(v []float64, m int, shift float64, acc *[6][4]float64) statsPart {
	p := statsPart{n: len(v), min: math.Inf(1), max: math.Inf(-1)}
	if m > 0 {
		p.sum = (acc[0][0] + acc[0][1]) + (acc[0][2] + acc[0][3])
		p.sumSq = (acc[1][0] + acc[1][1]) + (acc[1][2] + acc[1][3])
		p.sq = (acc[2][0] + acc[2][1]) + (acc[2][2] + acc[2][3])
		for l := 0; l < 4; l++ {
			p.zeros += int(int64(math.Float64bits(acc[3][l])))
			p.min = math.Min(p.min, acc[4][l])
			p.max = math.Max(p.max, acc[5][l])
		}
	}
	for _, x := range v[m:] {
		d := x - shift
		p.sum += d
		p.sumSq += d * d
		p.sq += x * x
		if x == 0 {
			p.zeros++
		}
		if x < p.min {
			p.min = x
		}
		if x > p.max {
			p.max = x
		}
	}
	if finiteSum(p.sum) && finiteSum(p.sumSq) && finiteSum(p.sq) {
		return p
	}
	return summarizeSlow(v, shift)
}

func finiteSum(x float64) bool { return x-x == 0 }

// summarizeSlow is the value-by-value summary that sets NaN and ±Inf
// aside.
func summarizeSlow(v []float64, shift float64) statsPart {
	p := statsPart{min: math.Inf(1), max: math.Inf(-1)}
	for _, x := range v {
		switch {
		case x != x:
			p.nan++
			continue
		case x > math.MaxFloat64 || x < -math.MaxFloat64:
			p.inf++
			continue
		case x == 0:
			p.zeros++
		}
		p.n++
		d := x - shift
		p.sum += d
		p.sumSq += d * d
		p.sq += x * x
		if x < p.min {
			p.min = x
		}
		if x > p.max {
			p.max = x
		}
	}
	return p
}
