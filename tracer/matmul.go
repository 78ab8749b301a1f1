package tracer

import (
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// How Dot multiplies. Dense products are packed products (gemm.go). A
// product with a marked sparse operand (see MarkSparse) is computed one
// output row at a time by a kernel
//
//	out[i][j] = Σ_p V[i][p] · D[p][j]
//
// that takes, for each output row, only the nonzero p of V, and reads D
// row-major with a row length that is a multiple of 4 (one YMM register).
// The kernel keeps a chunk of the row in registers while it walks p (up to
// 64 columns with AVX-512, 60 with AVX2), then writes it once.
//
// Sums run in a fixed order that depends only on the shapes, never on the
// number of cores: the products are parallel over output rows and columns,
// not over p.

const (
	chunkCols = 64      // the most columns one sparse kernel call keeps in registers (8 ZMM)
	naiveMax  = 1 << 14 // multiply-adds below which the triple loop is quickest
)

// chunkMax is the widest chunk the sparse kernels of this machine take:
// 64 columns (8 ZMM registers) with AVX-512, 60 (15 YMM) without.
func chunkMax() int {
	if haveAVX512 {
		return chunkCols
	}
	return 60
}

// columnChunks cuts npad columns (a multiple of 4) into count chunks of
// nearly equal widths, multiples of 4 that differ by at most 4, none
// wider than chunkMax. A chunk is then 28 columns or fewer only when the
// whole row is, whatever chunkMax is: the kernels that narrow split their
// sums in two (simd_gen.go), so AVX-512 and AVX2 add in the same order.
type columnChunks struct{ npad, count int }

func chunksOf(n int) columnChunks {
	npad := roundUp4(n)
	return columnChunks{npad: npad, count: max((npad+chunkMax()-1)/chunkMax(), 1)}
}

// bounds returns chunk i's first column and width.
func (c columnChunks) bounds(i int) (c0, w int) {
	groups := c.npad / 4
	c0 = 4 * (i * groups / c.count)
	return c0, 4*((i+1)*groups/c.count) - c0
}

// rowStride is the distance between two rows of a packed chunk w wide:
// with AVX-512, a whole number of 64-byte cache lines, so that no ZMM load
// of a row straddles two lines (rows of 60 values, 480 bytes, made half
// the loads straddle, and the products a quarter slower).
func rowStride(w int) int {
	if haveAVX512 {
		return (w + 7) &^ 7
	}
	return w
}

// gemm writes the ar×bc product of a (ar×ac) and b (ac×bc) into dst,
// reading transposed views in place, and applies the epilogue sc to its
// parts as they are done.
func gemm(dst []float64, a, b *Array, ar, ac, bc int, sc epilogue) {
	if ar == 0 || bc == 0 {
		return
	}
	if ac == 0 {
		clear(dst) // empty inner dimension: the product is all zeros
		sc.apply(dst, bc, 0, ar, 0, bc)
		return
	}
	if a.sparseIndex() != nil && sparseProduct(dst, a, b, ar, ac, bc, true, sc) {
		return
	}
	if b.sparseIndex() != nil && sparseProduct(dst, a, b, ar, ac, bc, false, sc) {
		return
	}
	switch {
	case ar*ac*bc <= naiveMax:
		naiveProduct(dst, a, b, ar, ac, bc)
		sc.apply(dst, bc, 0, ar, 0, bc)
	case denseTile.mr > 0:
		packedProduct(denseTile, dst, a, b, ar, ac, bc, sc)
	default:
		blasProduct(dst, a, b, ar, ac, bc)
		sc.apply(dst, bc, 0, ar, 0, bc)
	}
}

// epilogue is what a product does to each part of its result as soon as
// that part is done, while it is in the cache: divide it by one value
// (DotDiv), add a bias to it (DotAdd), or take it through tanh's
// gradient (DotMulOneMinusSquare), with the kernels the operations they
// stand for use, so with their bits. The zero value does nothing.
type epilogue struct {
	div bool
	op  binaryOp // opDiv, or opMul by an exact reciprocal (kernelVS's choice)
	by  float64
	row []float64 // added to each row (a bias of one value per column)
	col []float64 // col[i] added to row i (a bias of one value per row)
	// tanh, when set, is an array of the product's shape a: each value
	// of the product is multiplied by 1 − a² (DotMulOneMinusSquare).
	tanh []float64
}

func divideBy(s float64) epilogue {
	if exactReciprocal(s) {
		return epilogue{div: true, op: opMul, by: 1 / s}
	}
	return epilogue{div: true, op: opDiv, by: s}
}

// apply finishes dst[i*ld+c] for rows i0 … i1-1 and columns c0 … c1-1.
func (ep epilogue) apply(dst []float64, ld, i0, i1, c0, c1 int) {
	if i0 >= i1 || !ep.div && ep.row == nil && ep.col == nil && ep.tanh == nil {
		return
	}
	if ep.div && c0 == 0 && c1 == ld { // whole rows: one stretch
		v := dst[i0*ld : i1*ld]
		kernelVS(ep.op, v, v, ep.by)
		return
	}
	for i := i0; i < i1; i++ {
		v := dst[i*ld+c0 : i*ld+c1]
		switch {
		case ep.div:
			kernelVS(ep.op, v, v, ep.by)
		case ep.row != nil:
			kernelVV(opAdd, v, v, ep.row[c0:c1])
		case ep.col != nil:
			kernelVS(opAdd, v, v, ep.col[i])
		default:
			var g [256]float64
			for lo := 0; lo < len(v); lo += len(g) {
				hi := min(lo+len(g), len(v))
				a := ep.tanh[i*ld+c0+lo : i*ld+c0+hi]
				s := g[:hi-lo]
				kernelVS(opPow, s, a, 2)
				kernelSV(opSub, s, 1, s)
				kernelVV(opMul, v[lo:hi], v[lo:hi], s)
			}
		}
	}
}

// naiveProduct is the textbook triple loop, for products too small to be
// worth packing or goroutines.
func naiveProduct(dst []float64, a, b *Array, ar, ac, bc int) {
	aRow, aStep := a.strides(ar, ac)
	bRow, bStep := b.strides(ac, bc)
	for i := 0; i < ar; i++ {
		for j := 0; j < bc; j++ {
			var s float64
			ai, bj := i*aRow, j*bStep
			for p := 0; p < ac; p++ {
				s += a.data[ai+p*aStep] * b.data[bj+p*bRow]
			}
			dst[i*bc+j] = s
		}
	}
}

// strides says where element (i, j) of a, read as an r×c matrix (a vector
// as one row or one column), is: a.data[i*rs + j*cs].
func (a *Array) strides(r, c int) (rs, cs int) {
	if a.trans {
		return 1, r
	}
	return c, 1
}

// blasProduct hands the product to gonum, for machines without AVX2.
func blasProduct(dst []float64, a, b *Array, ar, ac, bc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	A := blas64.General{Rows: ar, Cols: ac, Stride: ac, Data: a.data}
	if a.trans {
		ta = blas.Trans
		A = blas64.General{Rows: ac, Cols: ar, Stride: ar, Data: a.data}
	}
	B := blas64.General{Rows: ac, Cols: bc, Stride: bc, Data: b.data}
	if b.trans {
		tb = blas.Trans
		B = blas64.General{Rows: bc, Cols: ac, Stride: ac, Data: b.data}
	}
	C := blas64.General{Rows: ar, Cols: bc, Stride: bc, Data: dst}
	blas64.Gemm(ta, tb, 1, A, B, 0, C)
}

// rowsJob is a product computed row by row into out: m rows of n columns,
// stored at out[i*ldo+j], or at out[j*ldo+i] when outT (the product was
// worked out transposed). The drivers split it into tasks of rows and
// chunks of columns (columnChunks), and write through a scratch buffer
// where a kernel cannot write in place (a transposed output, or a row
// length that is not a multiple of 4).
type rowsJob struct {
	m, n  int
	out   []float64
	ldo   int
	outT  bool
	scale epilogue
}

// done applies the job's epilogue to rows i0 … i1-1, columns c0 … c0+w-1
// of the job (those that exist), once they hold their final values.
func (j *rowsJob) done(i0, i1, c0, w int) {
	c1 := min(c0+w, j.n)
	if !j.outT {
		j.scale.apply(j.out, j.ldo, i0, i1, c0, c1)
		return
	}
	j.scale.apply(j.out, j.ldo, c0, c1, i0, i1) // the job's columns are the output's rows
}

// direct reports whether kernels may write straight into out.
func (j *rowsJob) direct() bool { return !j.outT && j.n%4 == 0 }

// rowsFrom returns where columns c0 … of output rows i, i+1, … go, and
// the distance between two rows: out itself, or the scratch from row srow
// on when the job writes indirectly.
func (j *rowsJob) rowsFrom(scratch []float64, i, srow, c0 int) ([]float64, int) {
	if j.direct() {
		return j.out[i*j.ldo+c0:], j.ldo
	}
	return scratch[srow*chunkCols:], chunkCols
}

// flushRows copies rows i0 … i1-1, held in scratch rows 0 … i1-i0-1, to
// the output: column by column when the output is transposed, so that the
// writes run along its rows.
func (j *rowsJob) flushRows(scratch []float64, i0, i1, c0, w int) {
	if !j.outT {
		for i := i0; i < i1; i++ {
			j.flushRow(scratch, i, i-i0, c0, w)
		}
		return
	}
	for c := c0; c < min(c0+w, j.n); c++ {
		o := j.out[c*j.ldo+i0 : c*j.ldo+i1]
		for r := range o {
			o[r] = scratch[r*chunkCols+c-c0]
		}
	}
}

// flushRow copies row srow of the scratch to output row i, columns c0 …
// c0+w-1 (those that exist).
func (j *rowsJob) flushRow(scratch []float64, i, srow, c0, w int) {
	w = min(w, j.n-c0)
	s := scratch[srow*chunkCols : srow*chunkCols+w]
	if j.outT {
		for c, v := range s {
			j.out[(c0+c)*j.ldo+i] = v
		}
		return
	}
	copy(j.out[i*j.ldo+c0:], s)
}

// chunks returns how the output rows are cut into chunks.
func (j *rowsJob) chunks() columnChunks { return chunksOf(j.n) }

func roundUp4(n int) int { return (n + 3) &^ 3 }

// denseOperand is the dense operand D of a sparse product, r rows of
// npad columns (a multiple of 4), cut into chunks (columnChunks) that the
// kernels read one at a time. Each chunk is stored on its own, row by
// row, rowStride apart: its rows follow each other, so that a block of
// them stays in the L1 cache. (Cut out of long rows, 64 rows of 60
// values lie 4 KB or more apart and fall into the same few cache sets,
// which threw each other out: a product with 512 columns ran at a tenth
// of the speed of one with 60.) With one chunk, d may be D's own storage.
type denseOperand struct {
	d    []float64
	rows int
	cols columnChunks
	// ld is the row stride of D's own storage when d is that, else 0.
	ld int
}

// chunk returns chunk i's values, its width and its row stride.
func (o denseOperand) chunk(i int) (d []float64, w, ld int) {
	_, w = o.cols.bounds(i)
	if o.ld > 0 {
		return o.d, w, o.ld
	}
	off := 0
	for k := 0; k < i; k++ {
		_, wk := o.cols.bounds(k)
		off += o.rows * rowStride(wk)
	}
	return o.d[off:], w, rowStride(w)
}

// operandRows returns the logical r×c matrix M as a denseOperand: M's own
// storage when it already is one (stored row-major, one chunk wide), or a
// packed copy with zero padding. With align, storage whose rows are not
// rowStride apart is packed too: worth it when the kernels read each row
// many times. trans says data holds Mᵀ row-major (c×r). ok is false when
// a value is NaN or ±Inf, which is not looked for when finite says so.
func operandRows(data []float64, trans bool, r, c int, align, finite bool) (o denseOperand, ok bool) {
	o = denseOperand{rows: r, cols: chunksOf(c)}
	if !trans && o.cols.count == 1 && o.cols.npad == c && (!align || rowStride(c) == c) {
		o.d, o.ld = data[:r*c], c
		if finite {
			return o, true
		}
		var bad atomic.Bool
		parallelRange(r*c, parallelMin, func(lo, hi int) {
			if !allFinite(data[lo:hi]) {
				bad.Store(true)
			}
		})
		return o, !bad.Load()
	}
	size := 0
	for i := 0; i < o.cols.count; i++ {
		_, w := o.cols.bounds(i)
		size += r * rowStride(w)
	}
	o.d = alloc(size)
	ps, cs := c, 1 // element (i, j) of M is data[i*ps + j*cs]
	if trans {
		ps, cs = 1, r
	}
	blocks := (r + 255) / 256
	var bad atomic.Bool
	runTasks(o.cols.count*blocks, r*o.cols.npad <= productSerialMax, func(t int) {
		c0, _ := o.cols.bounds(t / blocks)
		lo, hi := (t%blocks)*256, min((t%blocks+1)*256, r)
		dst, w, ld := o.chunk(t / blocks)
		dst = dst[lo*ld : hi*ld]
		pack(dst, data, ps, cs, lo, hi-lo, c0, max(min(w, c-c0), 0), ld)
		if !finite && !allFinite(dst) {
			bad.Store(true)
		}
	})
	return o, !bad.Load()
}

// releaseRows hands back what operandRows packed, once the product is done.
func releaseRows(o denseOperand, data []float64) {
	if len(o.d) > 0 && len(data) > 0 && &o.d[0] != &data[0] {
		release(o.d)
	}
}

// allFinite reports whether v holds no NaN and no ±Inf: x·0 is 0 for
// every finite x and NaN otherwise.
func allFinite(v []float64) bool {
	n, ok := finitePrefix(v)
	if !ok {
		return false
	}
	v = v[n:]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(v); i += 4 {
		s0 += v[i] * 0
		s1 += v[i+1] * 0
		s2 += v[i+2] * 0
		s3 += v[i+3] * 0
	}
	for ; i < len(v); i++ {
		s0 += v[i] * 0
	}
	return s0+s1+s2+s3 == 0
}

// accumulateSparseRowsGo is the portable sparse kernel, as
// accumulateSparseRows: row r of dst (at dst[r*ldo:], w columns) (+)=
// Σ_p val[p] · d[idx[p]*ldd : idx[p]*ldd+w] for p from ptr[r] to ptr[r+1].
func accumulateSparseRowsGo(dst []float64, ldo, w int, ptr []int, idx []int32, val values, d []float64, ldd int, add bool) {
	var acc [chunkCols]float64
	for r := 0; r+1 < len(ptr); r++ {
		lo, hi := ptr[r], ptr[r+1]
		if lo == hi && add {
			continue
		}
		a := acc[:w]
		clear(a)
		for p := lo; p < hi; p++ {
			x := val.at(p)
			off := int(idx[p]) * ldd
			row := d[off : off+w]
			for c := range a {
				a[c] += x * row[c]
			}
		}
		store(dst[r*ldo:r*ldo+w], a, add)
	}
}

func store(dst, a []float64, add bool) {
	if add {
		for c := range dst {
			dst[c] += a[c]
		}
		return
	}
	copy(dst, a)
}
