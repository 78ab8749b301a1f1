package tracer

import (
	"math"
	"sync"
	"sync/atomic"
)

// sparseDensity is the largest share of nonzeros for which MarkSparse
// builds an index: above it a dense product reads less memory.
const sparseDensity = 0.5

// sparseBlock is how many rows of the dense operand a sparse product reads
// before moving on: 64 rows of 60 values (30 KB) stay in a core's 32 KB L1
// cache while every output row that needs them is worked on, which makes
// the products a third faster than reading the operand whole from L2.
const sparseBlock = 64

// sparseTile is how many rows of S make one tile of the row order, and
// one task of a product that walks it: their output rows (120 KB for 60
// columns) stay in L2 while the blocks of the dense operand pass through
// L1.
const sparseTile = 256

// arrayAux is what the views of one array share through a pointer: the
// sparse index and cached statistics. It never holds values of its own.
type arrayAux struct {
	sparseOnce sync.Once
	sparse     *sparseIndex

	statsMu sync.Mutex
	stats   *Stats

	// finite says the values are known to hold no NaN and no ±Inf (the
	// operation that wrote them checked as it went).
	finite bool
}

// sparseIndex lists the nonzeros of a stored r×c row-major matrix S twice,
// each in the order a product walks it, so that the index streams through
// the cache. It is cut into tiles of sparseTile rows, built independently.
type sparseIndex struct {
	rows, cols int
	colBlocks  int // blocks of sparseBlock columns
	tiles      []indexTile
	colNNZ     []int // nonzeros per column
	nnz        int   // nonzeros in all
	// codes, when set, maps the matrix's (at most 256) distinct nonzero
	// values to one-byte codes: the tiles store codes, not values.
	codes *valueCodes
}

// indexTile holds the nonzeros of rows first … first+rows-1 of S.
//
// By rows: by block of sparseBlock columns, then by row, then by column.
// The nonzeros of row first+i in column block cb are col/val[ptr[q] :
// ptr[q+1]], q = cb·rows + i.
//
// By columns, for each block of sparseBlock rows: column k's rows (of S)
// and values are in blocks[b].row/val[blocks[b].ptr[k] : blocks[b].ptr[k+1]],
// in row order.
type indexTile struct {
	first, rows int
	ptr         []int
	col         []int32
	values
	blocks []indexBlock
}

// indexBlock is the column order of one block of rows.
type indexBlock struct {
	ptr []int // len cols+1
	row []int32
	values
}

// values holds the nonzeros' values in an index: val, or, when the index
// has codes, code (table[code[p]] is the value).
type values struct {
	val   []float64
	code  []uint8
	table *[256]float64
}

// valueCodes gives each of at most 256 distinct values a one-byte code, in
// the order they are added: MNIST's pixels (k/255) have 255, so an index
// of them takes 5 bytes a nonzero in each order instead of 12.
type valueCodes struct {
	keys  [codeSlots]uint64 // the values' bits; 0 (the value +0) is never a key
	codes [codeSlots]uint8
	table [256]float64
	n     int
}

const codeSlots = 1024 // a power of two, four times 256: short probes

// slot finds bits' place: where it is, or the empty slot where it goes.
func (v *valueCodes) slot(bits uint64) int {
	h := int((bits * 0x9E3779B97F4A7C15) >> 54) // Fibonacci hashing to 10 bits
	for v.keys[h] != 0 && v.keys[h] != bits {
		h = (h + 1) & (codeSlots - 1)
	}
	return h
}

// add gives x (nonzero) a code if it has none; false when 256 are taken.
func (v *valueCodes) add(x float64) bool {
	b := math.Float64bits(x)
	h := v.slot(b)
	if v.keys[h] == 0 {
		if v.n == 256 {
			return false
		}
		v.keys[h], v.codes[h], v.table[v.n] = b, uint8(v.n), x
		v.n++
	}
	return true
}

// code is x's code; x must have one.
func (v *valueCodes) code(x float64) uint8 { return v.codes[v.slot(math.Float64bits(x))] }

// make returns storage for n values, coded when the index has codes.
func (v *valueCodes) make(n int) values {
	if v == nil {
		return values{val: make([]float64, n)}
	}
	return values{code: make([]uint8, n), table: &v.table}
}

// at is the value at position i.
func (s values) at(i int) float64 {
	if s.code != nil {
		return s.table[s.code[i]]
	}
	return s.val[i]
}

// set stores x at position i.
func (s values) set(i int, x float64, v *valueCodes) {
	if s.code != nil {
		s.code[i] = v.code(x)
		return
	}
	s.val[i] = x
}

// MarkSparse prepares a for fast matrix products when most of its values
// are zero, as with MNIST's pixels (81 % zeros): it indexes the nonzeros
// once, and every later Dot with a (or its transpose) skips the zeros. The
// index costs about 24 bytes per nonzero; nothing is built when more than
// half the values are nonzero. Results equal the dense product's up to the
// order of the additions, including NaN and ±Inf in the other operand
// (such products are computed densely).
//
// Views made from a afterwards (Named, WithLabels, T) share the index;
// views made before do not. Mark an array right after creating it, before
// other goroutines use it. MarkSparse returns a.
func (a *Array) MarkSparse() *Array {
	if len(a.shape) != 2 || a.trans {
		return a // only a stored matrix is indexed; its transpose views share it
	}
	if a.aux == nil {
		a.aux = &arrayAux{}
	}
	a.aux.sparseOnce.Do(func() {
		r, c := a.shape[0], a.shape[1]
		a.aux.sparse = buildSparseIndex(a.data, r, c)
	})
	return a
}

// sparseIndex returns a's index, nil when a is not marked or too dense.
func (a *Array) sparseIndex() *sparseIndex {
	if a.aux == nil {
		return nil
	}
	return a.aux.sparse
}

// knownFinite reports whether a's values are known to hold no NaN and no
// ±Inf without looking at them.
func (a *Array) knownFinite() bool { return a.aux != nil && a.aux.finite }

// withoutAux returns b with its shared extras dropped: for a copy whose
// values or layout differ from the original's.
func withoutAux(b Array) Array {
	b.aux = nil
	return b
}

func buildSparseIndex(data []float64, r, c int) *sparseIndex {
	if r == 0 || c == 0 || int64(r) > math.MaxInt32 || int64(c) > math.MaxInt32 {
		return nil
	}
	s := &sparseIndex{rows: r, cols: c, colBlocks: (c + sparseBlock - 1) / sparseBlock,
		tiles: make([]indexTile, (r+sparseTile-1)/sparseTile)}
	// First the nonzeros' count and, when they take at most 256 distinct
	// values, their codes; a tile that finds more leaves its entry nil.
	var nnz atomic.Int64
	found := make([]*valueCodes, len(s.tiles))
	parallelTasks(len(s.tiles), func(t int) {
		v, count, coded := new(valueCodes), 0, true
		for _, x := range data[t*sparseTile*c : min((t+1)*sparseTile, r)*c] {
			if x != 0 {
				count++
				coded = coded && v.add(x)
			}
		}
		nnz.Add(int64(count))
		if coded {
			found[t] = v
		}
	})
	if float64(nnz.Load()) > sparseDensity*float64(r)*float64(c) {
		return nil
	}
	s.nnz = int(nnz.Load())
	s.codes = new(valueCodes)
	for _, v := range found {
		for i := 0; v != nil && i < v.n && s.codes != nil; i++ {
			if !s.codes.add(v.table[i]) {
				s.codes = nil
			}
		}
		if v == nil {
			s.codes = nil
		}
	}
	parallelTasks(len(s.tiles), func(t int) {
		lo, hi := t*sparseTile, min((t+1)*sparseTile, r)
		// The tile's nonzeros row by row, as in the matrix, in scratch
		// space the next tile reuses.
		sc := tileScratch.Get().(*tileRows)
		defer tileScratch.Put(sc)
		start := append(sc.start[:0], 0)
		cols, vals := sc.cols[:0], sc.vals[:0]
		for i := lo; i < hi; i++ {
			for k, x := range data[i*c : i*c+c] {
				if x != 0 {
					cols = append(cols, int32(k))
					vals = append(vals, x)
				}
			}
			start = append(start, len(cols))
		}
		sc.start, sc.cols, sc.vals = start, cols, vals
		tile := &s.tiles[t]
		tile.first, tile.rows = lo, hi-lo
		tile.byRows(s.colBlocks, start, cols, vals, s.codes)
		for b0 := lo; b0 < hi; b0 += sparseBlock {
			tile.blocks = append(tile.blocks, columnsOf(c, b0-lo, min(b0+sparseBlock, hi)-lo, lo, start, cols, vals, s.codes))
		}
	})
	s.colNNZ = make([]int, c)
	for _, tile := range s.tiles {
		for _, b := range tile.blocks {
			for k := 0; k < c; k++ {
				s.colNNZ[k] += b.ptr[k+1] - b.ptr[k]
			}
		}
	}
	return s
}

// tileRows is the scratch space in which buildSparseIndex lists a tile's
// nonzeros row by row.
type tileRows struct {
	start []int
	cols  []int32
	vals  []float64
}

var tileScratch = sync.Pool{New: func() any { return new(tileRows) }}

// byRows orders the tile's nonzeros, given row by row (row i's are
// cols/vals[start[i] : start[i+1]]), by column block, row and column.
func (t *indexTile) byRows(colBlocks int, start []int, cols []int32, vals []float64, codes *valueCodes) {
	rows := t.rows
	t.ptr = make([]int, colBlocks*rows+1)
	for i := 0; i < rows; i++ {
		for _, k := range cols[start[i]:start[i+1]] {
			t.ptr[int(k)/sparseBlock*rows+i+1]++
		}
	}
	for q := 1; q < len(t.ptr); q++ {
		t.ptr[q] += t.ptr[q-1]
	}
	t.col = make([]int32, len(cols))
	t.values = codes.make(len(cols))
	next := append([]int(nil), t.ptr[:len(t.ptr)-1]...)
	for i := 0; i < rows; i++ {
		for p := start[i]; p < start[i+1]; p++ {
			q := int(cols[p])/sparseBlock*rows + i
			t.col[next[q]] = cols[p]
			t.set(next[q], vals[p], codes)
			next[q]++
		}
	}
}

// columnsOf orders by column the nonzeros of the tile's rows lo … hi-1
// (given row by row as for byRows; first is the tile's first row of S).
func columnsOf(c, lo, hi, first int, start []int, cols []int32, vals []float64, codes *valueCodes) indexBlock {
	b := indexBlock{ptr: make([]int, c+1)}
	for _, k := range cols[start[lo]:start[hi]] {
		b.ptr[k+1]++
	}
	for k := 0; k < c; k++ {
		b.ptr[k+1] += b.ptr[k]
	}
	b.row = make([]int32, b.ptr[c])
	b.values = codes.make(b.ptr[c])
	next := append([]int(nil), b.ptr[:c]...)
	for i := lo; i < hi; i++ {
		for p := start[i]; p < start[i+1]; p++ {
			k := cols[p]
			b.row[next[k]] = int32(first + i)
			b.set(next[k], vals[p], codes)
			next[k]++
		}
	}
	return b
}

// sparseProduct computes dst = a·b when left (a is the marked operand) or
// !left (b is). It returns false, computing nothing, when the dense
// operand holds NaN or ±Inf: skipping a zero times Inf would lose NumPy's
// NaN, so the caller multiplies densely instead.
func sparseProduct(dst []float64, a, b *Array, ar, ac, bc int, left bool, sc epilogue) bool {
	if left {
		s := a.sparseIndex()
		// D is b, as rows of width bc.
		d, ok := operandRows(b.data, b.trans, ac, bc, alignFor(s, ac), b.knownFinite())
		defer releaseRows(d, b.data)
		if !ok {
			return false
		}
		j := &rowsJob{m: ar, n: bc, out: dst, ldo: bc, scale: sc}
		if a.trans { // a = Sᵀ: out row k gathers column k of S
			sparseColumns(j, s, d)
		} else { // a = S: out row i gathers row i of S
			sparseRows(j, s, d)
		}
		return true
	}
	// b is marked: work out the transposed product, (a·b)ᵀ = bᵀ·aᵀ, whose
	// dense operand aᵀ (ac×ar) is a's storage when a is a transposed view.
	s := b.sparseIndex()
	d, ok := operandRows(a.data, !a.trans, ac, ar, alignFor(s, ac), a.knownFinite())
	defer releaseRows(d, a.data)
	if !ok {
		return false
	}
	j := &rowsJob{m: bc, n: ar, out: dst, ldo: bc, outT: true, scale: sc}
	if b.trans { // bᵀ = S
		sparseRows(j, s, d)
	} else { // bᵀ = Sᵀ
		sparseColumns(j, s, d)
	}
	return true
}

// alignFor says whether a product with s should pack a dense operand of
// rows rows whose rows are not rowStride apart: when each row is read 32
// times or more on average and the copy stays in the L2 cache (2048 rows
// of 64 values, 1 MB). Packing dZ1 (a mini-batch's 128×60) for dW1 =
// Xᵀ·dZ1 saves a fifth of the product, W1 (784×60) for a full batch's
// X·W1 a seventh; packing W1 for a mini-batch's X·W1 costs what it saves,
// and dZ1 for a full batch would cost memory (30 MB for 60,000 samples)
// for little.
func alignFor(s *sparseIndex, rows int) bool { return s.nnz >= 32*rows && rows <= 2048 }

// sparseRows computes out row i = Σ_k S[i][k] · D[k], for every row of S.
// A task takes one tile of rows and walks its nonzeros in their stored
// order, block of columns by block: D is read one block of sparseBlock
// rows at a time, each used for all the tile's rows.
func sparseRows(j *rowsJob, s *sparseIndex, d denseOperand) {
	cols := j.chunks()
	chunks := cols.count
	serial := s.nnz*j.n <= productSerialMax
	// A mini-batch is one tile, and one chunk when the rows are narrow:
	// cut its rows in parts then, so that both cores have work.
	parts := 1
	if !serial {
		parts = max(1, min(2*workers()/(len(s.tiles)*chunks), sparseTile/32))
	}
	runTasks(len(s.tiles)*parts*chunks, serial, func(t int) {
		tile := &s.tiles[t/(parts*chunks)]
		part := t / chunks % parts
		r0, r1 := tile.rows*part/parts, tile.rows*(part+1)/parts
		c0, w := cols.bounds(t % chunks)
		var scratch []float64
		if !j.direct() {
			scratch = alloc((r1 - r0) * chunkCols)
			defer release(scratch)
		}
		dst, ldo := j.rowsFrom(scratch, tile.first+r0, 0, c0)
		dc, _, ldd := d.chunk(t % chunks)
		for cb := 0; cb < s.colBlocks; cb++ {
			q := cb * tile.rows
			accumulateSparseRows(dst, ldo, w, tile.ptr[q+r0:q+r1+1], tile.col, tile.values, dc, ldd, cb > 0)
		}
		if !j.direct() {
			j.flushRows(scratch, tile.first+r0, tile.first+r1, c0, w)
		}
		j.done(tile.first+r0, tile.first+r1, c0, w)
	})
}

// sparseColumns computes out row k = Σ_i S[i][k] · D[i], for every column
// of S. Each task owns a range of k, balanced by nonzeros, and walks the
// blocks of S's rows in order, so that a block of D is read from cache by
// every k of the range.
func sparseColumns(j *rowsJob, s *sparseIndex, d denseOperand) {
	cols := j.chunks()
	chunks := cols.count
	serial := s.nnz*j.n <= productSerialMax
	parts := min(2*workers(), j.m)
	if serial {
		parts = 1
	}
	bounds := make([]int, parts+1)
	total := 0
	for _, n := range s.colNNZ {
		total += n
	}
	k, seen := 0, 0
	for p := 1; p < parts; p++ {
		for k < j.m && seen < total*p/parts {
			seen += s.colNNZ[k]
			k++
		}
		bounds[p] = k
	}
	bounds[parts] = j.m
	runTasks(parts*chunks, serial, func(t int) {
		k0, k1 := bounds[t/chunks], bounds[t/chunks+1]
		c0, w := cols.bounds(t % chunks)
		// An indirect write needs room for every row of the range.
		var scratch []float64
		if !j.direct() {
			scratch = alloc((k1 - k0) * chunkCols)
			defer release(scratch)
		}
		if k0 == k1 {
			return
		}
		dst, ldo := j.rowsFrom(scratch, k0, 0, c0)
		dc, _, ldd := d.chunk(t % chunks)
		first := true
		for _, tile := range s.tiles {
			for _, b := range tile.blocks {
				accumulateSparseRows(dst, ldo, w, b.ptr[k0:k1+1], b.row, b.values, dc, ldd, !first)
				first = false
			}
		}
		if !j.direct() {
			j.flushRows(scratch, k0, k1, c0, w)
		}
		j.done(k0, k1, c0, w)
	})
}
