package net

// Footprint estimates, in bytes, the peak memory of training cfg side by
// side in runs networks on images images (samples × cfg.Inputs float64
// values) in batches of batch samples (0: the full batch). It is an
// estimate to refuse sizes that cannot fit before anything is allocated,
// not a measurement; float64 keeps it from overflowing whatever the sizes.
//
// The factors were measured with /usr/bin/time on `backstep step` and
// `backstep train` (784-H-10, H from 60 to 100,000, 100 to 10,000 images):
// one step holds about 5 copies of the parameters (the weights, their
// gradients, lr · gradient, the updated weights and a spare) and about 7 of
// every layer's activations (Z, A, dZ, dA, f′(Z) and the temporaries of
// the products), and the data once more with its index of non-zero
// pixels. Go's collector lets the heap grow to twice what is live before
// it collects (GOGC=100), hence the final 2.
func Footprint(cfg Config, images, batch, runs int) float64 {
	if batch <= 0 || batch > images {
		batch = images
	}
	sizes := cfg.Sizes()
	var params, units float64
	for l := 1; l < len(sizes); l++ {
		params += float64(sizes[l-1])*float64(sizes[l]) + float64(sizes[l])
		units += float64(sizes[l])
	}
	const float = 8 // bytes
	perRun := float * (5*params + 7*float64(batch)*units)
	data := float * 1.25 * float64(images) * float64(cfg.Inputs)
	return 2 * (float64(max(runs, 1))*perRun + data)
}
