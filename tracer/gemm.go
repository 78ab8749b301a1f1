package tracer

// Dense products are computed the way BLIS and OpenBLAS compute them
// (Goto and van de Geijn, "Anatomy of high-performance matrix
// multiplication", ACM TOMS 34(3), 2008): B is copied once into panels of
// nr columns, row by row, and each task copies a block of A's rows into
// slivers of mr rows, column by column; a register kernel then computes
// one mr×nr tile of the output from one sliver and one panel, which it
// reads in order from the cache (the panel from L1, the sliver from L2).
// Copying costs a pass over each operand, and buys reads at the speed of
// the cache whatever the operands' layout, transposed views included. A
// product whose A is a transposed view and whose inner dimension is long
// (A1ᵀ·dZ2 over 10,000 samples) runs block of p by block instead, as
// Goto's loops do (packedProductByBlock).
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
func packedProduct(g gemmKernel, dst []float64, a, b *Array, m, k, n int, sc epilogue) {
	mr, nr := g.mr, g.nr
	// Element (i,p) of A is a.data[i*ars + p*acs], (p,j) of B b.data[p*brs + j*bcs].
	ars, acs := a.strides(m, k)
	brs, bcs := b.strides(k, n)
	panels := (n + nr - 1) / nr
	npad := panels * nr
	kBlocks := (k + gemmKC - 1) / gemmKC
	serial := m*n*k <= productSerialMax
	if ars == 1 && m > 1 && kBlocks >= 4 {
		packedProductByBlock(g, dst, a, b, m, k, n, sc)
		return
	}

	// B, block of rows by block, panel by panel: block pb starts at
	// pb·gemmKC·npad, its panel j at j·kc·nr.
	bp := alloc(k * npad)
	defer release(bp)
	// A task packs a group of panels of one block, enough tasks to keep
	// every core busy.
	bGroups := 1
	if !serial {
		bGroups = min(panels, max(1, 4*workers()/kBlocks))
	}
	packB := func(t int) {
		pb, g := t/bGroups, t%bGroups
		j0, j1 := panels*g/bGroups, panels*(g+1)/bGroups
		p0 := pb * gemmKC
		kc := min(gemmKC, k-p0)
		packPanels(bp[p0*npad+j0*kc*nr:p0*npad+j1*kc*nr], b.data, brs, bcs, p0, kc, j0*nr, min(n-j0*nr, (j1-j0)*nr), nr)
	}
	runTasks(kBlocks*bGroups, serial, packB)

	// Tasks: blocks of mc rows by groups of panels.
	mc, groups := gemmMC, 1
	if !serial {
		mc, groups = g.split(m, panels)
	}
	rowBlocks := (m + mc - 1) / mc
	// With one panel each value of A is read once: packing it would only
	// add a pass, so the kernel reads A where it is (full slivers; the
	// last, short one is packed with zeros).
	inPlace := panels == 1
	task := func(t int) {
		i0 := (t / groups) * mc
		rows := min(mc, m-i0)
		j0, j1 := panels*(t%groups)/groups, panels*(t%groups+1)/groups
		slivers := (rows + mr - 1) / mr
		ap := alloc(slivers * mr * gemmKC)
		defer release(ap)
		for pb := 0; pb < kBlocks; pb++ {
			p0 := pb * gemmKC
			kc := min(gemmKC, k-p0)
			if !inPlace {
				packPanels(ap[:slivers*mr*kc], a.data, acs, ars, p0, kc, i0, rows, mr)
			} else if s := slivers - 1; rows%mr != 0 {
				pack(ap[s*mr*kc:(s+1)*mr*kc], a.data, acs, ars, p0, kc, i0+s*mr, rows-s*mr, mr)
			}
			// sliver returns where sliver s is read: packed, or in place.
			sliver := func(s int) (*float64, int, int) {
				if i := i0 + s*mr; inPlace && m-i >= mr {
					return &a.data[i*ars+p0*acs], ars, acs
				}
				return &ap[s*mr*kc], 1, mr
			}
			g.tiles(dst, m, n, kc, pb > 0, i0, rows, sliver, bp[p0*npad:], j0, j1)
		}
		sc.apply(dst, n, i0, i0+rows, j0*nr, min(j1*nr, n))
	}
	runTasks(rowBlocks*groups, serial, task)
}

// split cuts the m output rows of a product with panels panels into
// blocks of mc rows (at most gemmMC) and groups of panels, enough tasks
// to keep every core busy.
func (g gemmKernel) split(m, panels int) (mc, groups int) {
	mc, groups = gemmMC, 1
	want := 4 * workers()
	for mc > g.mr && (m+mc-1)/mc < want {
		mc = max(g.mr, (mc/2+g.mr-1)/g.mr*g.mr)
	}
	rowBlocks := (m + mc - 1) / mc
	for rowBlocks*groups < want && groups < panels {
		groups++
	}
	return mc, groups
}

// tiles computes, for one block of kc products, the tiles of output rows
// i0 … i0+rows-1 (slivers of A from sliver) and panels j0 … j1-1 of B
// (panel j at bp[j·kc·nr]), storing the sums, or adding them when add.
func (g gemmKernel) tiles(dst []float64, m, n, kc int, add bool, i0, rows int, sliver func(s int) (*float64, int, int), bp []float64, j0, j1 int) {
	mr, nr := g.mr, g.nr
	ad := 0
	if add {
		ad = 1
	}
	var tile [8 * 24]float64 // an edge tile, written here and then copied
	for j := j0; j < j1; j++ {
		panel := &bp[j*kc*nr]
		c0, cols := j*nr, min(nr, n-j*nr)
		for s := 0; s*mr < rows; s++ {
			i := i0 + s*mr
			h := min(mr, m-i)
			av, arow, astep := sliver(s)
			if h == mr && cols == nr {
				g.run(kc, av, arow, astep, panel, &dst[i*n+c0], n, ad)
				continue
			}
			g.run(kc, av, arow, astep, panel, &tile[0], nr, 0)
			for r := 0; r < h; r++ {
				out, sum := dst[(i+r)*n+c0:(i+r)*n+c0+cols], tile[r*nr:r*nr+cols]
				if !add {
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

// packedProductByBlock is packedProduct for an A stored by columns (a
// transposed view such as A1ᵀ in dW2 = A1ᵀ·dZ2) and a long inner
// dimension, in the order of Goto and van de Geijn's loops: block of
// products by block, it packs that block of A and of B, with both cores,
// then computes every tile of the output from them. Packing a block of A
// then reads whole rows of the stored matrix, one after the other, where
// packedProduct's blocks of rows read a short piece of each (1.5 KB of
// every 4 KB row of A1, which the prefetchers did not foresee: a third of
// the product's time). The output is added to once per block, from the
// cache, in the same order as packedProduct adds, so the bits are the same.
func packedProductByBlock(g gemmKernel, dst []float64, a, b *Array, m, k, n int, sc epilogue) {
	mr, nr := g.mr, g.nr
	_, acs := a.strides(m, k)
	brs, bcs := b.strides(k, n)
	panels := (n + nr - 1) / nr
	slivers := (m + mr - 1) / mr
	kBlocks := (k + gemmKC - 1) / gemmKC
	serial := m*n*k <= productSerialMax
	bp := alloc(gemmKC * panels * nr)
	defer release(bp)
	ap := alloc(gemmKC * slivers * mr)
	defer release(ap)
	// Packing tasks: groups of B's panels, and ranges of A's rows (of the
	// stored matrix, p).
	bGroups, aParts := 1, 1
	mc, groups := m, 1
	if !serial {
		bGroups, aParts = min(panels, 2*workers()), 2*workers()
		mc, groups = g.split(m, panels)
	}
	rowBlocks := (m + mc - 1) / mc
	for pb := 0; pb < kBlocks; pb++ {
		p0 := pb * gemmKC
		kc := min(gemmKC, k-p0)
		runTasks(bGroups+aParts, serial, func(t int) {
			if t < bGroups {
				j0, j1 := panels*t/bGroups, panels*(t+1)/bGroups
				packPanels(bp[j0*kc*nr:j1*kc*nr], b.data, brs, bcs, p0, kc, j0*nr, min(n-j0*nr, (j1-j0)*nr), nr)
				return
			}
			t -= bGroups
			for p := p0 + kc*t/aParts; p < p0+kc*(t+1)/aParts; p++ {
				row := a.data[p*acs : p*acs+m]
				for s := 0; s < slivers; s++ {
					out := ap[s*mr*kc+(p-p0)*mr : s*mr*kc+(p-p0+1)*mr]
					c := copy(out, row[min(s*mr, m):])
					clear(out[c:])
				}
			}
		})
		runTasks(rowBlocks*groups, serial, func(t int) {
			i0 := (t / groups) * mc
			j0, j1 := panels*(t%groups)/groups, panels*(t%groups+1)/groups
			sliver := func(s int) (*float64, int, int) {
				s += i0 / mr
				return &ap[s*mr*kc], 1, mr
			}
			g.tiles(dst, m, n, kc, pb > 0, i0, min(mc, m-i0), sliver, bp, j0, j1)
			if pb == kBlocks-1 {
				sc.apply(dst, n, i0, min(i0+mc, m), j0*nr, min(j1*nr, n))
			}
		})
	}
}

// packPanels packs columns c0 … c0+cols-1 of the block p0 … p0+kc-1 as
// pack does into consecutive panels of w columns (kc·w values each, the
// last padded with zeros), len(dst)/(kc·w) of them. When the values of
// one p are contiguous it reads them along p's row across all the
// panels: panel by panel, it read a short piece of each of kc rows far
// apart, which the prefetchers did not foresee (packing the slivers of
// A1ᵀ, 10000×512, took a third of A1ᵀ·dZ2's time).
func packPanels(dst, data []float64, ps, cs, p0, kc, c0, cols, w int) {
	count := len(dst) / (kc * w)
	if cs != 1 || count == 1 {
		for i := 0; i < count; i++ {
			pack(dst[i*kc*w:(i+1)*kc*w], data, ps, cs, p0, kc, c0+i*w, max(min(w, cols-i*w), 0), w)
		}
		return
	}
	full := cols / w // panels without padding
	for p := 0; p < kc; p++ {
		src := data[(p0+p)*ps+c0 : (p0+p)*ps+c0+cols]
		for i := 0; i < full; i++ {
			row, from := dst[i*kc*w+p*w:i*kc*w+p*w+w], src[i*w:i*w+w]
			if w < 32 { // a call to copy costs more than it saves here
				for c, v := range from {
					row[c] = v
				}
			} else {
				copy(row, from)
			}
		}
		for i := full; i < count; i++ {
			row := dst[i*kc*w+p*w : i*kc*w+p*w+w]
			n := copy(row, src[min(i*w, cols):])
			clear(row[n:])
		}
	}
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
