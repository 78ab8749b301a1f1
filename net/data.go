package net

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	backstep "github.com/backstep/backstep"
	"github.com/backstep/backstep/tracer"
)

// Dataset is a set of images as one contiguous samples × pixels matrix of
// values in [0, 1] (pixel / 255, as the question's code scales them) and
// their labels.
type Dataset struct {
	Images  *tracer.Array // N × (Height·Width), row-major
	Labels  []int
	Height  int
	Width   int
	Classes int
	Source  string // where the images came from, for messages
}

// Len is the number of samples.
func (d *Dataset) Len() int { return len(d.Labels) }

// Slice returns samples lo..hi-1 as a view sharing d's values.
func (d *Dataset) Slice(lo, hi int) *Dataset {
	cols := d.Height * d.Width
	s := *d
	s.Images = tracer.Matrix(hi-lo, cols, d.Images.Data()[lo*cols:hi*cols])
	s.Labels = d.Labels[lo:hi]
	return &s
}

// OneHot returns the labels as a samples × classes matrix.
func (d *Dataset) OneHot() *tracer.Array { return tracer.OneHot(d.Labels, d.Classes) }

const (
	idxImagesMagic = 0x00000803 // unsigned bytes, 3 dimensions
	idxLabelsMagic = 0x00000801 // unsigned bytes, 1 dimension
)

// LoadMNIST decodes the 10,000 MNIST test images embedded in the binary.
func LoadMNIST() (*Dataset, error) {
	img, err := backstep.MNIST.ReadFile("testdata/mnist/t10k-images-idx3-ubyte.gz")
	if err != nil {
		return nil, err
	}
	lab, err := backstep.MNIST.ReadFile("testdata/mnist/t10k-labels-idx1-ubyte.gz")
	if err != nil {
		return nil, err
	}
	return decodeIDX("embedded MNIST test set", img, "t10k-images", lab, "t10k-labels")
}

// LoadDir reads an IDX image file and its label file (gzip or raw) from
// dir. Files are paired by name: "X-images..." with "X-labels...". When the
// folder holds several pairs (MNIST's train and t10k), the largest is used.
func LoadDir(dir string) (*Dataset, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("net: cannot read data folder: %v", unwrapPath(err))
	}
	images := map[string]string{}
	labels := map[string]string{}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() {
			continue
		}
		if i := strings.Index(n, "images"); i >= 0 {
			images[n[:i]] = n
		} else if i := strings.Index(n, "labels"); i >= 0 {
			labels[n[:i]] = n
		}
	}
	var pairs []string
	for prefix := range images {
		if _, ok := labels[prefix]; ok {
			pairs = append(pairs, prefix)
		}
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("net: %s holds no IDX image/label pair: expected files such as t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz)", dir)
	}
	sort.Slice(pairs, func(i, j int) bool {
		si, sj := fileSize(filepath.Join(dir, images[pairs[i]])), fileSize(filepath.Join(dir, images[pairs[j]]))
		if si != sj {
			return si > sj
		}
		return pairs[i] < pairs[j]
	})
	prefix := pairs[0]
	imgPath, labPath := filepath.Join(dir, images[prefix]), filepath.Join(dir, labels[prefix])
	img, err := os.ReadFile(imgPath)
	if err != nil {
		return nil, fmt.Errorf("net: %v", err)
	}
	lab, err := os.ReadFile(labPath)
	if err != nil {
		return nil, fmt.Errorf("net: %v", err)
	}
	return decodeIDX(imgPath, img, imgPath, lab, labPath)
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}

// maybeGunzip returns the decompressed bytes when b starts with gzip's magic.
func maybeGunzip(name string, b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("net: %s: corrupt gzip data: %v", name, err)
	}
	out, err := io.ReadAll(bufio.NewReader(zr))
	if err != nil {
		return nil, fmt.Errorf("net: %s: corrupt or truncated gzip data: %v", name, err)
	}
	return out, nil
}

func decodeIDX(source string, imgRaw []byte, imgName string, labRaw []byte, labName string) (*Dataset, error) {
	img, err := maybeGunzip(imgName, imgRaw)
	if err != nil {
		return nil, err
	}
	lab, err := maybeGunzip(labName, labRaw)
	if err != nil {
		return nil, err
	}
	if len(img) < 16 {
		return nil, fmt.Errorf("net: %s: too short for an IDX image file (%d bytes)", imgName, len(img))
	}
	if m := binary.BigEndian.Uint32(img); m != idxImagesMagic {
		return nil, fmt.Errorf("net: %s: not an IDX image file (magic number 0x%08x, want 0x%08x)", imgName, m, idxImagesMagic)
	}
	n := int(binary.BigEndian.Uint32(img[4:]))
	h := int(binary.BigEndian.Uint32(img[8:]))
	w := int(binary.BigEndian.Uint32(img[12:]))
	if h < 1 || w < 1 || h > 4096 || w > 4096 {
		return nil, fmt.Errorf("net: %s: implausible image size %d×%d", imgName, h, w)
	}
	if want := 16 + n*h*w; len(img) < want {
		return nil, fmt.Errorf("net: %s: truncated: the header promises %d images of %d×%d (%d bytes) but the file has %d", imgName, n, h, w, want, len(img))
	}
	if len(lab) < 8 {
		return nil, fmt.Errorf("net: %s: too short for an IDX label file (%d bytes)", labName, len(lab))
	}
	if m := binary.BigEndian.Uint32(lab); m != idxLabelsMagic {
		return nil, fmt.Errorf("net: %s: not an IDX label file (magic number 0x%08x, want 0x%08x)", labName, m, idxLabelsMagic)
	}
	nl := int(binary.BigEndian.Uint32(lab[4:]))
	if nl != n {
		return nil, fmt.Errorf("net: %s has %d images but %s has %d labels: give a matching pair", imgName, n, labName, nl)
	}
	if len(lab) < 8+n {
		return nil, fmt.Errorf("net: %s: truncated: the header promises %d labels but the file has %d", labName, n, len(lab)-8)
	}
	d := &Dataset{Height: h, Width: w, Source: source, Labels: make([]int, n)}
	classes := 0
	for i, b := range lab[8 : 8+n] {
		d.Labels[i] = int(b)
		classes = max(classes, int(b)+1)
	}
	d.Classes = max(classes, 10)
	px := make([]float64, n*h*w)
	var scale [256]float64
	for i := range scale {
		scale[i] = float64(i) / 255.0
	}
	for i, b := range img[16 : 16+n*h*w] {
		px[i] = scale[b]
	}
	d.Images = tracer.Matrix(n, h*w, px)
	return d, nil
}
