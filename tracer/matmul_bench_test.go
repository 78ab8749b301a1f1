package tracer

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"os"
	"testing"
)

// mnistPixels returns the 10,000 MNIST test images as a 10000×784 matrix
// of pixel/255, the data matrix of the default network.
func mnistPixels(b testing.TB) *Array {
	b.Helper()
	raw, err := os.ReadFile("../testdata/mnist/t10k-images-idx3-ubyte.gz")
	if err != nil {
		b.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	img, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	const n, px = 10000, 784
	v := make([]float64, n*px)
	for i, p := range img[16 : 16+n*px] {
		v[i] = float64(p) / 255
	}
	return Matrix(n, px, v)
}

func benchMatrix(r, c int) *Array {
	rng := rand.New(rand.NewPCG(1, 2))
	v := make([]float64, r*c)
	for i := range v {
		v[i] = rng.NormFloat64() * 0.1
	}
	return Matrix(r, c, v)
}

// BenchmarkDot times the products of one epoch of the default network
// (784-60-10, 10,000 samples) in both layouts.
func BenchmarkDot(b *testing.B) {
	var tp *Tape
	X := mnistPixels(b).MarkSparse()
	Xt := tp.T(X)
	W1, W1c := benchMatrix(784, 60), benchMatrix(60, 784)
	dZ1, dZ1c := benchMatrix(10000, 60), benchMatrix(60, 10000)
	A1, A1c := benchMatrix(10000, 60), benchMatrix(60, 10000)
	W2, W2c := benchMatrix(60, 10), benchMatrix(10, 60)
	dZ2, dZ2c := benchMatrix(10000, 10), benchMatrix(10, 10000)
	cases := []struct {
		name string
		a, b *Array
	}{
		{"rows/X·W1", X, W1},
		{"rows/Xᵀ·dZ1", Xt, dZ1},
		{"rows/A1·W2", A1, W2},
		{"rows/A1ᵀ·dZ2", tp.T(A1), dZ2},
		{"rows/dZ2·W2ᵀ", dZ2, tp.T(W2)},
		{"cols/W1·X", W1c, Xt},
		{"cols/dZ1·Xᵀ", dZ1c, X},
		{"cols/W2·A1", W2c, A1c},
		{"cols/dZ2·A1ᵀ", dZ2c, tp.T(A1c)},
		{"cols/W2ᵀ·dZ2", tp.T(W2c), dZ2c},
		{"dense/X·W1", X.Clone(), W1},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				tp.Dot(c.a, c.b)
			}
		})
	}
}

// BenchmarkMarkSparse times indexing the data matrix, which Train does once
// a run.
func BenchmarkMarkSparse(b *testing.B) {
	X := mnistPixels(b)
	for b.Loop() {
		buildSparseIndex(X.data, 10000, 784)
	}
}

// BenchmarkStatistics times the summary of a 10000×60 result, which a tape
// computes for every operation.
func BenchmarkStatistics(b *testing.B) {
	v := benchMatrix(10000, 60).data
	for b.Loop() {
		summarize(v)
	}
}

// BenchmarkTanh times tanh over a 10000×60 matrix.
func BenchmarkTanh(b *testing.B) {
	var tp *Tape
	a := benchMatrix(10000, 60)
	for b.Loop() {
		Recycle([]*Array{tp.Tanh(a)}, nil)
	}
}
