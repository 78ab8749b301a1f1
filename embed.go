// Package backstep holds the files embedded in the binary: the MNIST test
// set, so every command works offline with no flags.
package backstep

import "embed"

// MNIST holds testdata/mnist/t10k-images-idx3-ubyte.gz and
// t10k-labels-idx1-ubyte.gz.
//
//go:embed testdata/mnist/t10k-images-idx3-ubyte.gz testdata/mnist/t10k-labels-idx1-ubyte.gz
var MNIST embed.FS
