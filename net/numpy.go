package net

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"codeberg.org/sbinet/npyio"
	"github.com/backstep/backstep/tracer"
)

// MaxNumPyBytes bounds how much a NumPy file may decompress to: a dump of
// one training step on MNIST is a few tens of MB, and a zip bomb must not
// take the machine's memory.
const MaxNumPyBytes = 512 << 20

// NumPyFile is the arrays of a .npz archive (or one .npy file), as float64.
type NumPyFile struct {
	Path   string
	Arrays map[string]*tracer.Array
	// Integer records which arrays were stored as integers or booleans
	// (labels, typically).
	Integer map[string]bool
	// Warnings say what was converted, e.g. float32 upcast to float64.
	Warnings []string
}

// Keys lists the array names in alphabetical order.
func (f *NumPyFile) Keys() []string {
	keys := make([]string, 0, len(f.Arrays))
	for k := range f.Arrays {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ReadNumPy reads a .npz archive or a .npy file without modifying it.
// Object (pickled) arrays are refused, never unpickled; so are complex
// numbers, arrays of rank above 2 and files that decompress to more than
// MaxNumPyBytes.
func ReadNumPy(path string) (*NumPyFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("net: %v", unwrapPath(err))
	}
	return DecodeNumPy(path, b)
}

// DecodeNumPy reads the bytes of a .npz archive or a .npy file; path is
// only used in messages.
func DecodeNumPy(path string, b []byte) (*NumPyFile, error) {
	f := &NumPyFile{Path: path, Arrays: map[string]*tracer.Array{}, Integer: map[string]bool{}}
	name := filepath.Base(path)
	switch {
	case bytes.HasPrefix(b, npyio.Magic[:]):
		key := strings.TrimSuffix(name, ".npy")
		budget := int64(MaxNumPyBytes)
		if err := f.readArray(key, bytes.NewReader(b), int64(len(b)), &budget); err != nil {
			return nil, fmt.Errorf("net: %s: %w", name, err)
		}
		return f, nil
	case bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte("PK\x05\x06")):
	default:
		return nil, fmt.Errorf("net: %s is not a NumPy file: expected a .npz archive (np.savez) or a .npy array (np.save)", name)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("net: %s: truncated or damaged .npz archive (%v): write it again with np.savez", name, err)
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
	}
	if total > MaxNumPyBytes {
		return nil, fmt.Errorf("net: %s decompresses to %d MB, more than backstep reads (%d MB): dump a smaller batch", name, total>>20, MaxNumPyBytes>>20)
	}
	budget := int64(MaxNumPyBytes)
	for _, zf := range zr.File {
		key := strings.TrimSuffix(zf.Name, ".npy")
		rc, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("net: %s: cannot open %s in the archive: %v", name, key, err)
		}
		err = f.readArray(key, rc, int64(zf.UncompressedSize64), &budget)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("net: %s: %w", name, err)
		}
	}
	if len(f.Arrays) == 0 {
		return nil, fmt.Errorf("net: %s holds no arrays", name)
	}
	return f, nil
}

// header reads an array's .npy header with npyio. Its parser trusts the
// header's layout, so a damaged one may panic: that becomes an error.
func header(r io.Reader) (h npyio.Header, err error) {
	// npyio allocates whatever header length the file claims: check it
	// first, so a damaged file cannot ask for gigabytes.
	var pre [12]byte
	if _, err := io.ReadFull(r, pre[:10]); err != nil || !bytes.HasPrefix(pre[:], npyio.Magic[:]) {
		return h, errors.New("not a .npy array")
	}
	hlen, n := int(binary.LittleEndian.Uint16(pre[8:10])), 10
	if pre[6] >= 2 {
		if _, err := io.ReadFull(r, pre[10:12]); err != nil {
			return h, errors.New("truncated .npy header")
		}
		hlen, n = int(binary.LittleEndian.Uint32(pre[8:12])), 12
	}
	if hlen > 1<<20 {
		return h, fmt.Errorf("damaged .npy header (claims %d bytes)", hlen)
	}
	r = io.MultiReader(bytes.NewReader(pre[:n]), r)
	defer func() {
		if p := recover(); p != nil {
			err = errors.New("damaged .npy header")
		}
	}()
	nr, err := npyio.NewReader(r)
	if err != nil {
		if errors.Is(err, npyio.ErrInvalidNumPyFormat) {
			return h, errors.New("not a .npy array")
		}
		return h, fmt.Errorf("damaged .npy header: %v", err)
	}
	return nr.Header, nil
}

// dtype is what backstep understands of a NumPy type string such as "<f8".
type dtype struct {
	kind  byte // 'f' float, 'i' signed, 'u' unsigned, 'b' bool
	size  int  // bytes per element
	order binary.ByteOrder
}

func parseDtype(s string) (dtype, error) {
	s = strings.Trim(s, "'\" ")
	switch {
	case strings.HasPrefix(s, "[") || strings.HasPrefix(s, "("):
		return dtype{}, fmt.Errorf("structured dtype %s: save plain numeric arrays", s)
	case strings.Contains(s, "O"):
		return dtype{}, errors.New("object array (pickled Python objects); backstep never unpickles: save numeric arrays, e.g. np.asarray(x, dtype=np.float64)")
	case len(s) < 3:
		return dtype{}, fmt.Errorf("unknown dtype %q", s)
	}
	d := dtype{kind: s[1], order: binary.LittleEndian}
	if s[0] == '>' {
		d.order = binary.BigEndian
	}
	if _, err := fmt.Sscanf(s[2:], "%d", &d.size); err != nil {
		return dtype{}, fmt.Errorf("unknown dtype %q", s)
	}
	switch {
	case d.kind == 'c':
		return dtype{}, errors.New("complex numbers: backstep checks real-valued networks")
	case d.kind == 'f' && (d.size == 2 || d.size == 4 || d.size == 8):
	case (d.kind == 'i' || d.kind == 'u') && (d.size == 1 || d.size == 2 || d.size == 4 || d.size == 8):
	case d.kind == 'b' && d.size == 1:
	default:
		return dtype{}, fmt.Errorf("unsupported dtype %q: save float64 (or float32, or integer labels)", s)
	}
	return d, nil
}

func (f *NumPyFile) readArray(key string, r io.Reader, stored int64, budget *int64) error {
	h, err := header(r)
	if err != nil {
		return fmt.Errorf("%s: %v", key, err)
	}
	d, err := parseDtype(h.Descr.Type)
	if err != nil {
		return fmt.Errorf("%s: %v", key, err)
	}
	shape := tracer.Shape(h.Descr.Shape)
	if len(shape) > 2 {
		return fmt.Errorf("%s has rank %d (shape %v): backstep reads rank 0 to 2; flatten it, e.g. %s.reshape(len(%s), -1)", key, len(shape), shape, key, key)
	}
	n := int64(1)
	for _, s := range shape {
		if s < 0 {
			return fmt.Errorf("%s: negative size in shape %v", key, shape)
		}
		n *= int64(s)
		if n > MaxNumPyBytes {
			break
		}
	}
	need := n * int64(d.size)
	if n > MaxNumPyBytes || need > *budget || n*8 > *budget {
		return fmt.Errorf("%s: shape %v is more than backstep reads (%d MB in all): dump a smaller batch", key, shape, MaxNumPyBytes>>20)
	}
	*budget -= n * 8
	raw := make([]byte, need)
	if _, err := io.ReadFull(r, raw); err != nil {
		return fmt.Errorf("%s is truncated: its header promises %d values of %d bytes (shape %v)", key, n, d.size, shape)
	}
	if stored >= 0 && stored < need {
		return fmt.Errorf("%s is truncated", key)
	}
	vals := decode(raw, d, int(n))
	if h.Descr.Fortran && len(shape) == 2 {
		// Column-major on disk: transpose into row-major.
		t := make([]float64, len(vals))
		rows, cols := shape[0], shape[1]
		for j := 0; j < cols; j++ {
			for i := 0; i < rows; i++ {
				t[i*cols+j] = vals[j*rows+i]
			}
		}
		vals = t
	}
	f.Arrays[key] = tracer.New(shape, vals).Named(key)
	switch {
	case d.kind != 'f':
		f.Integer[key] = true
	case d.size == 4:
		f.Warnings = append(f.Warnings, fmt.Sprintf("%s is float32, upcast to float64: it carries about 7 significant digits, so it can agree with float64 values only to about 1e-6 relative", key))
	case d.size == 2:
		f.Warnings = append(f.Warnings, fmt.Sprintf("%s is float16, upcast to float64: it carries about 3 significant digits, so it can agree with float64 values only to about 1e-3 relative", key))
	}
	return nil
}

func decode(raw []byte, d dtype, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		b := raw[i*d.size : (i+1)*d.size]
		switch {
		case d.kind == 'f' && d.size == 8:
			out[i] = math.Float64frombits(d.order.Uint64(b))
		case d.kind == 'f' && d.size == 4:
			out[i] = float64(math.Float32frombits(d.order.Uint32(b)))
		case d.kind == 'f':
			out[i] = float16(d.order.Uint16(b))
		case d.kind == 'b', d.size == 1 && d.kind == 'u':
			out[i] = float64(b[0])
		case d.size == 1:
			out[i] = float64(int8(b[0]))
		case d.kind == 'u' && d.size == 2:
			out[i] = float64(d.order.Uint16(b))
		case d.kind == 'u' && d.size == 4:
			out[i] = float64(d.order.Uint32(b))
		case d.kind == 'u':
			out[i] = float64(d.order.Uint64(b))
		case d.size == 2:
			out[i] = float64(int16(d.order.Uint16(b)))
		case d.size == 4:
			out[i] = float64(int32(d.order.Uint32(b)))
		default:
			out[i] = float64(int64(d.order.Uint64(b)))
		}
	}
	return out
}

// float16 converts an IEEE 754 half-precision value.
func float16(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * frac * math.Pow(2, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * (1 + frac/1024) * math.Pow(2, float64(exp-15))
}
