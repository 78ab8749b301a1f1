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
	// LabelFile names the labels' file, for messages.
	LabelFile string
	// Available is how many images the files hold; Images has the first
	// Len() of them.
	Available int
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

// idxWhat names IDX files in messages about files.
const idxWhat = "an IDX file"

// maxIDXFile bounds an IDX file on disk. Files are streamed and only the
// images asked for are read, so this only turns away what cannot be a
// dataset of small images (EMNIST's largest split is 640 MB raw).
const maxIDXFile = 4 << 30

// LoadMNIST decodes the 10,000 MNIST test images embedded in the binary.
func LoadMNIST() (*Dataset, error) { return LoadMNISTFirst(0) }

// LoadMNISTFirst decodes the first n of the embedded MNIST test images
// (all 10,000 when n ≤ 0 or n is more); Available says 10,000.
func LoadMNISTFirst(n int) (*Dataset, error) {
	open := func(name string) (*idxStream, error) {
		b, err := backstep.MNIST.ReadFile("testdata/mnist/" + name)
		if err != nil {
			return nil, err
		}
		return newIDXStream(name, bytes.NewReader(b), int64(len(b)), nil)
	}
	img, err := open("t10k-images-idx3-ubyte.gz")
	if err != nil {
		return nil, err
	}
	lab, err := open("t10k-labels-idx1-ubyte.gz")
	if err != nil {
		return nil, err
	}
	return decodeIDX("embedded MNIST test set", img, lab, n)
}

// LoadDir reads the first n images (all when n ≤ 0) of an IDX image file
// and their labels (gzip or raw) from dir; Available says how many the
// files hold. Only the bytes of those images are read and decompressed, so
// a file whose header promises millions of images costs what n costs.
// Files are paired by name: "X-images..." with "X-labels...". When the
// folder holds several pairs (MNIST's train and t10k), the largest is used.
// Named pipes, devices and folders are refused without being opened.
func LoadDir(dir string, n int) (*Dataset, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("net: cannot read the data folder %v: give a folder holding an IDX image file and its label file", unwrapPath(err))
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
	img, err := openIDX(filepath.Join(dir, images[prefix]))
	if err != nil {
		return nil, err
	}
	defer img.Close()
	lab, err := openIDX(filepath.Join(dir, labels[prefix]))
	if err != nil {
		return nil, err
	}
	defer lab.Close()
	return decodeIDX(img.name, img, lab, n)
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

// idxStream is an IDX file being read from its start, decompressed on the
// fly when it is gzip data.
type idxStream struct {
	name string
	r    io.Reader
	// raw is the size of the uncompressed file, or -1 when it is gzip
	// data (whose size is only known once it is all decompressed).
	raw   int64
	close func() error
}

func (s *idxStream) Read(p []byte) (int, error) { return s.r.Read(p) }

func (s *idxStream) Close() error {
	if s.close != nil {
		return s.close()
	}
	return nil
}

// openIDX opens an IDX file after checking it is a regular file.
func openIDX(path string) (*idxStream, error) {
	f, size, err := openRegular(path, idxWhat, maxIDXFile)
	if err != nil {
		return nil, err
	}
	s, err := newIDXStream(path, f, size, f.Close)
	if err != nil {
		f.Close()
	}
	return s, err
}

// newIDXStream starts reading r (size bytes on disk), through gzip when
// it starts with gzip's magic bytes.
func newIDXStream(name string, r io.Reader, size int64, close func() error) (*idxStream, error) {
	br := bufio.NewReader(r)
	s := &idxStream{name: name, r: br, raw: size, close: close}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("net: %s is damaged gzip data (%v): download it again, or give the raw IDX file", name, err)
		}
		s.r, s.raw = zr, -1
	}
	return s, nil
}

// read reads the next n bytes, or says the file is cut short or damaged.
// A raw file's size was checked against n before; gzip data grows the
// buffer as it arrives, so a header's promise is never allocated up front.
func (s *idxStream) read(n int64, what string) ([]byte, error) {
	var b []byte
	var err error
	if s.raw >= 0 {
		b = make([]byte, n)
		var got int
		got, err = io.ReadFull(s, b)
		b = b[:got]
	} else {
		b, err = io.ReadAll(io.LimitReader(s, n))
	}
	switch {
	case err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("%s is damaged (%v) %d bytes into %s; download it again", s.name, err, len(b), what)
	case int64(len(b)) < n:
		return nil, fmt.Errorf("%s is cut short: it ends %d bytes into %s; download it again", s.name, len(b), what)
	}
	return b, nil
}

// maxIDXPixels bounds the pixels decoded at once (4 GB as float64):
// ask for fewer images (--n) to go past it.
const maxIDXPixels = 1 << 29

func decodeIDX(source string, img, lab *idxStream, limit int) (*Dataset, error) {
	head, err := img.read(16, "the 16-byte header of an IDX image file")
	if err != nil {
		return nil, fmt.Errorf("net: %v", err)
	}
	if m := binary.BigEndian.Uint32(head[:]); m != idxImagesMagic {
		return nil, fmt.Errorf("net: %s is not an IDX image file (magic number 0x%08x, want 0x%08x): give the images-idx3-ubyte file of a dataset such as MNIST", img.name, m, idxImagesMagic)
	}
	total := int64(binary.BigEndian.Uint32(head[4:]))
	h := int(binary.BigEndian.Uint32(head[8:]))
	w := int(binary.BigEndian.Uint32(head[12:]))
	if h < 1 || w < 1 || h > 4096 || w > 4096 {
		return nil, fmt.Errorf("net: %s claims images of %d×%d pixels: the header is damaged, or this is not an image file", img.name, h, w)
	}
	n := total
	if limit > 0 {
		n = min(n, int64(limit))
	}
	px := n * int64(h) * int64(w)
	if px > maxIDXPixels {
		return nil, fmt.Errorf("net: %s: %d images of %d×%d are more than backstep decodes at once (%d pixels): ask for fewer with --n", img.name, n, h, w, int64(maxIDXPixels))
	}
	if img.raw >= 0 && 16+px > img.raw {
		return nil, fmt.Errorf("net: %s is cut short: its header promises %d images of %d×%d, which need %d bytes, but the file has %d; download it again",
			img.name, total, h, w, 16+total*int64(h)*int64(w), img.raw)
	}
	lhead, err := lab.read(8, "the 8-byte header of an IDX label file")
	if err != nil {
		return nil, fmt.Errorf("net: %v", err)
	}
	if m := binary.BigEndian.Uint32(lhead[:]); m != idxLabelsMagic {
		return nil, fmt.Errorf("net: %s is not an IDX label file (magic number 0x%08x, want 0x%08x): give the labels-idx1-ubyte file that goes with %s", lab.name, m, idxLabelsMagic, filepath.Base(img.name))
	}
	if nl := int64(binary.BigEndian.Uint32(lhead[4:])); nl != total {
		return nil, fmt.Errorf("net: %s has %d images but %s has %d labels: give a matching pair", img.name, total, lab.name, nl)
	}
	if lab.raw >= 0 && 8+n > lab.raw {
		return nil, fmt.Errorf("net: %s is cut short: its header promises %d labels but the file has %d; download it again", lab.name, total, lab.raw-8)
	}
	raw, err := img.read(px, fmt.Sprintf("the %d images of %d×%d its header promises", total, h, w))
	if err != nil {
		return nil, fmt.Errorf("net: %v", err)
	}
	labels, err := lab.read(n, fmt.Sprintf("the %d labels its header promises", total))
	if err != nil {
		return nil, fmt.Errorf("net: %v", err)
	}
	d := &Dataset{Height: h, Width: w, Source: source, LabelFile: lab.name, Available: int(total), Labels: make([]int, n)}
	classes := 0
	for i, b := range labels {
		d.Labels[i] = int(b)
		classes = max(classes, int(b)+1)
	}
	d.Classes = max(classes, 10)
	values := make([]float64, px)
	var scale [256]float64
	for i := range scale {
		scale[i] = float64(i) / 255.0
	}
	for i, b := range raw {
		values[i] = scale[b]
	}
	d.Images = tracer.Matrix(int(n), h*w, values)
	return d, nil
}

// CheckLabels refuses labels outside 0 … classes−1, naming the label file:
// a one-hot matrix has no column for them, and the loss and accuracy would
// be meaningless.
func (d *Dataset) CheckLabels(classes int) error {
	for i, l := range d.Labels {
		if l < 0 || l >= classes {
			return fmt.Errorf("net: %s: label %d (image %d) is not one of the network's %d classes (0 to %d): give labels 0 to %d, one per image",
				d.LabelFile, l, i, classes, classes-1, classes-1)
		}
	}
	return nil
}
