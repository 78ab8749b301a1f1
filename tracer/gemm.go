package tracer

// Dense products are computed the way BLIS and OpenBLAS compute them
// (Goto and van de Geijn, "Anatomy of high-performance matrix
// multiplication", ACM TOMS 34(3), 2008): B is copied once into panels of
// nr columns, row by row, and each task copies a block of A's rows into
// slivers of mr rows, column by column; a register kernel then computes
// one mr×nr tile of the output from one sliver and one panel, which it
// reads in order from the cache (the panel from L1, the sliver from L2).
// Copying costs a pass over each operand, and buys reads at the speed of
// the cache whatever the operands' layout, transposed views included.
//
// The order of the additions is fixed by the shapes alone: each output
// value is the sum of blocks of gemmKC products, block after block, each
// block one chain of fused multiply-adds in the order of p. Tasks split
// the output by rows and columns, never the sums, so a result does not
// depend on the number of cores, nor on the register tile (the AVX-512
// and AVX2 kernels give the same bits).

// gemmKernel is a register tile of mr×nr values; its run method calls
// the kernel (see simd_gen.go). The zero value means there is none.
type gemmKernel struct{ mr, nr int }

const (
	// gemmKC is how many products one block sums: a panel of B (gemmKC
	// rows of nr values, 24 KB for nr = 24) stays in L1 beside a sliver of
	// A while the block runs (with 256, 48 KB, it did not, and products
	// took twice as long). It fixes the order of the additions, so it
	// never depends on the machine.
	gemmKC = 128
	// gemmMC is the most rows of A one task packs at a time: 192 rows of
	// gemmKC values (192 KB) stay in L2.
	gemmMC = 192
)

// packedProduct computes dst (m×n, row-major) = a·b for a logically m×k
// and b k×n, either possibly a transposed view, with the register tile g.
func packedProduct(g gemmKernel, dst []float64, a, b *Array, m, k, n int) {
	mr, nr := g.mr, g.nr
	// Element (i,p) of A is a.data[i*ars + p*acs], (p,j) of B b.data[p*brs + j*bcs].
	ars, acs := a.strides(m, k)
	brs, bcs := b.strides(k, n)
	panels := (n + nr - 1) / nr
	npad := panels * nr
	kBlocks := (k + gemmKC - 1) / gemmKC
	serial := m*n*k <= productSerialMax

	// B, block of rows by block, panel by panel: block pb starts at
	// pb·gemmKC·npad, its panel j at j·kc·nr.
	bp := alloc(k * npad)
	defer release(bp)
	packB := func(t int) {
		pb, j := t/panels, t%panels
		p0 := pb * gemmKC
		kc := min(gemmKC, k-p0)
		pack(bp[p0*npad+j*kc*nr:p0*npad+(j+1)*kc*nr], b.data, brs, bcs, p0, kc, j*nr, min(nr, n-j*nr), nr)
	}
	runTasks(kBlocks*panels, serial, packB)

	// Tasks: blocks of mc rows by groups of panels, enough of them to keep
	// every core busy.
	mc := gemmMC
	groups := 1
	if !serial {
		want := 4 * workers()
		for mc > mr && (m+mc-1)/mc < want {
			mc = max(mr, (mc/2+mr-1)/mr*mr)
		}
		rowBlocks := (m + mc - 1) / mc
		for rowBlocks*groups < want && groups < panels {
			groups++
		}
	}
	rowBlocks := (m + mc - 1) / mc
	// With one panel each value of A is read once: packing it would only
	// add a pass, so the kernel reads A where it is (full slivers; the
	// last, short one is packed with zeros).
	inPlace := panels == 1
	task := func(t int) {
		i0 := (t / groups) * mc
		rows := min(mc, m-i0)
		g0, g1 := panels*(t%groups)/groups, panels*(t%groups+1)/groups
		slivers := (rows + mr - 1) / mr
		ap := alloc(slivers * mr * gemmKC)
		defer release(ap)
		var tile [8 * 24]float64 // an edge tile, written here and then copied
		for pb := 0; pb < kBlocks; pb++ {
			p0 := pb * gemmKC
			kc := min(gemmKC, k-p0)
			add := 0
			if pb > 0 {
				add = 1
			}
			for s := 0; s < slivers; s++ {
				if h := min(mr, m-i0-s*mr); !inPlace || h < mr {
					pack(ap[s*mr*kc:(s+1)*mr*kc], a.data, acs, ars, p0, kc, i0+s*mr, h, mr)
				}
			}
			// sliver returns where sliver s is read: packed, or in place.
			sliver := func(s int) (*float64, int, int) {
				if i := i0 + s*mr; inPlace && m-i >= mr {
					return &a.data[i*ars+p0*acs], ars, acs
				}
				return &ap[s*mr*kc], 1, mr
			}
			for j := g0; j < g1; j++ {
				panel := &bp[p0*npad+j*kc*nr]
				c0, cols := j*nr, min(nr, n-j*nr)
				for s := 0; s < slivers; s++ {
					i := i0 + s*mr
					h := min(mr, m-i)
					av, arow, astep := sliver(s)
					if h == mr && cols == nr {
						g.run(kc, av, arow, astep, panel, &dst[i*n+c0], n, add)
						continue
					}
					g.run(kc, av, arow, astep, panel, &tile[0], nr, 0)
					for r := 0; r < h; r++ {
						out, sum := dst[(i+r)*n+c0:(i+r)*n+c0+cols], tile[r*nr:r*nr+cols]
						if add == 0 {
							copy(out, sum)
							continue
						}
						for c, v := range sum {
							out[c] += v
						}
					}
				}
			}
		}
	}
	runTasks(rowBlocks*groups, serial, task)
}

// pack copies the block p0 … p0+kc-1 by c0 … c0+cols-1 of a matrix
// whose element (p, c) is data[p*ps + c*cs] into dst, w values per p,
// zeros past cols: a panel of B (p its rows, c its columns) or a sliver of
// A (p its columns, c its rows).
func pack(dst, data []float64, ps, cs, p0, kc, c0, cols, w int) {
	if cs == 1 { // the values of one p are contiguous
		for p := 0; p < kc; p++ {
			row := dst[p*w : p*w+w]
			src := data[(p0+p)*ps+c0 : (p0+p)*ps+c0+cols]
			if cols < 32 { // a call to copy costs more than it saves here
				for c, v := range src {
					row[c] = v
				}
			} else {
				copy(row, src)
			}
			clear(row[cols:])
		}
		return
	}
	for c := 0; c < cols; c++ { // the values of one c are contiguous
		for p, v := range data[(c0+c)*cs+p0 : (c0+c)*cs+p0+kc] {
			dst[p*w+c] = v
		}
	}
	if cols < w {
		for p := 0; p < kc; p++ {
			clear(dst[p*w+cols : p*w+w])
		}
	}
}
