package net

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"

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
	// Warnings say what was converted, e.g. float32 upcast to float64:
	// one warning for all the arrays of one type, in the file's order.
	Warnings []string
	// narrow lists the arrays stored in fewer bits than float64, by type.
	narrow map[string][]string
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

// maxNumPyFile bounds the size of a file on disk: an .npz archive whose
// members are stored uncompressed holds MaxNumPyBytes of arrays plus a
// little per member.
const maxNumPyFile = MaxNumPyBytes + 16<<20

// maxMembers bounds how many arrays an archive may hold: a dump has a few
// dozen, and each member costs memory before anything is read.
const maxMembers = 4096

// numpyWhat names a NumPy file in messages about files.
const numpyWhat = "a .npz dump"

// ReadNumPy reads a .npz archive or a .npy file without modifying it.
// Object (pickled) arrays are refused, never unpickled; so are complex
// numbers, arrays of rank above 2 and files that decompress to more than
// MaxNumPyBytes. Only regular files are read: a pipe or a device is
// refused before it is opened, and a file too large from its size alone.
// The file is read where it lies (zip's central directory says where each
// member is), never copied whole into memory.
func ReadNumPy(path string) (*NumPyFile, error) {
	file, size, err := openRegular(path, numpyWhat, maxNumPyFile)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return decodeNumPy(path, file, size)
}

// rewrite says how to make a damaged file good again.
func (f *NumPyFile) rewrite() string {
	save := "np.savez"
	if strings.HasSuffix(f.Path, ".npy") {
		save = "np.save"
	}
	return "write it again with " + save + " (and let the script finish before reading the file)"
}

// DecodeNumPy reads the bytes of a .npz archive or a .npy file; path is
// only used in messages.
func DecodeNumPy(path string, b []byte) (*NumPyFile, error) {
	return decodeNumPy(path, bytes.NewReader(b), int64(len(b)))
}

// decodeNumPy reads a .npz archive or a .npy file of size bytes from r.
func decodeNumPy(path string, r io.ReaderAt, size int64) (*NumPyFile, error) {
	f := &NumPyFile{Path: path, Arrays: map[string]*tracer.Array{}, Integer: map[string]bool{}}
	name := filepath.Base(path)
	var head [6]byte
	n, _ := r.ReadAt(head[:], 0)
	switch b := head[:n]; {
	case bytes.HasPrefix(b, npyMagic):
		key := strings.TrimSuffix(name, ".npy")
		budget := int64(MaxNumPyBytes)
		if err := f.readArray(key, bufio.NewReader(io.NewSectionReader(r, 0, size)), size, &budget); err != nil {
			return nil, fmt.Errorf("net: %s: %w", name, err)
		}
		f.warnNarrow()
		return f, nil
	case bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte("PK\x05\x06")):
	default:
		return nil, fmt.Errorf("net: %s is not a NumPy file: expected a .npz archive (np.savez) or a .npy array (np.save)", name)
	}
	if n := zipMembers(r, size); n > maxMembers {
		return nil, fmt.Errorf("net: %s lists %d arrays, more than backstep reads (%d): save only the arrays of one step (X, Y, W1, b1, …)", name, n, maxMembers)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("net: %s: truncated or damaged .npz archive (%v): %s", name, err, f.rewrite())
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if total > MaxNumPyBytes {
			break
		}
	}
	if total > MaxNumPyBytes {
		return nil, fmt.Errorf("net: %s decompresses to %s, more than backstep reads (%s): dump a smaller batch", name, megabytes(int64(min(total, math.MaxInt64))), megabytes(MaxNumPyBytes))
	}
	budget := int64(MaxNumPyBytes)
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/") {
			continue // a folder entry: np.savez writes none, zip tools may
		}
		key := strings.TrimSuffix(zf.Name, ".npy")
		rc, err := zf.Open()
		switch {
		case errors.Is(err, zip.ErrAlgorithm):
			return nil, fmt.Errorf("net: %s: %s is compressed with zip method %d, which NumPy never uses: save the arrays with np.savez or np.savez_compressed", name, key, zf.Method)
		case err != nil:
			return nil, fmt.Errorf("net: %s: %s cannot be read (%v): the archive is damaged; %s", name, key, err, f.rewrite())
		}
		err = f.readArray(key, rc, int64(min(zf.UncompressedSize64, math.MaxInt64)), &budget)
		if err == nil {
			err = f.drainMember(key, rc)
		}
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("net: %s: %w", name, err)
		}
	}
	if len(f.Arrays) == 0 {
		return nil, fmt.Errorf("net: %s holds no arrays: save X, Y, W1, b1, … with np.savez", name)
	}
	f.warnNarrow()
	return f, nil
}

// narrowTypes are the float types narrower than float64 with their
// significant digits and the relative agreement they allow (about 10^-(digits-1)).
var narrowTypes = []struct{ name, digits, agree string }{
	{"float32", "7", "1e-6"},
	{"float16", "3", "1e-3"},
}

// warnNarrow writes one warning per narrow float type, naming every array
// stored in it: a float32 dump says so once, not once per array.
func (f *NumPyFile) warnNarrow() {
	for _, t := range narrowTypes {
		keys := f.narrow[t.name]
		switch len(keys) {
		case 0:
		case 1:
			f.Warnings = append(f.Warnings, fmt.Sprintf("%s is %s, upcast to float64: it carries about %s significant digits, so it can agree with float64 values only to about %s relative", keys[0], t.name, t.digits, t.agree))
		default:
			f.Warnings = append(f.Warnings, fmt.Sprintf("%s are %s, upcast to float64: %s carries about %s significant digits, so they can agree with float64 values only to about %s relative", strings.Join(keys, ", "), t.name, t.name, t.digits, t.agree))
		}
	}
}

// drainMember reads what is left of an archive member, so that the zip
// reader compares the member's CRC-32 with the one the archive records (it
// does so at the end of the member): a stale checksum is a damaged file,
// never values to judge.
func (f *NumPyFile) drainMember(key string, rc io.Reader) error {
	_, err := io.Copy(io.Discard, rc)
	switch {
	case errors.Is(err, zip.ErrChecksum):
		return fmt.Errorf("%s fails the archive's CRC-32 check: its bytes are not the ones that were saved, so the file is damaged; %s", key, f.rewrite())
	case err != nil:
		return fmt.Errorf("%s cannot be read to its end (%v): the archive is damaged; %s", key, err, f.rewrite())
	}
	return nil
}

// zipMembers reads the member count from the archive's end-of-central-
// directory record (APPNOTE.TXT 4.3.16), before archive/zip allocates one
// entry per member. It returns 0 when the record is not found (then
// archive/zip reports the damage).
func zipMembers(r io.ReaderAt, size int64) int {
	// The record is 22 bytes plus a comment of at most 65535.
	from := max(0, size-22-65535)
	b := make([]byte, size-from)
	if n, _ := r.ReadAt(b, from); int64(n) != size-from {
		return 0
	}
	i := bytes.LastIndex(b, []byte("PK\x05\x06"))
	if i < 0 || i+22 > len(b) {
		return 0
	}
	rec := b[i:]
	n := int(binary.LittleEndian.Uint16(rec[10:12]))
	if n == 0xffff {
		// Zip64: the real count is in the zip64 record, which archive/zip
		// checks against the file's size; count it as too many to be a dump.
		return maxMembers + 1
	}
	return n
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

// readArray reads one .npy array of stored bytes (header included) from r.
func (f *NumPyFile) readArray(key string, r io.Reader, stored int64, budget *int64) error {
	h, err := readNpyHeader(r)
	switch {
	case errors.Is(err, errNotNpy):
		return fmt.Errorf("%s is not a .npy array: np.savez writes one .npy file per array; save the arrays with np.savez", key)
	case errors.Is(err, errDamaged):
		return fmt.Errorf("%s is damaged (%s): %s", key, strings.TrimPrefix(err.Error(), "damaged: "), f.rewrite())
	case err != nil:
		return fmt.Errorf("%s: %v", key, err)
	}
	d, err := parseDtype(h.descr)
	if err != nil {
		return fmt.Errorf("%s: %v", key, err)
	}
	if len(h.shape) > 2 {
		return fmt.Errorf("%s has rank %d (shape %s): backstep reads rank 0 to 2; flatten it, e.g. %s.reshape(len(%s), -1)", key, len(h.shape), shapeText(h.shape), key, key)
	}
	// The values become float64: count 8 bytes each against the budget.
	n, ok := elements(h.shape, *budget/8)
	if !ok {
		return fmt.Errorf("%s: shape %s is more than backstep reads (%s in all): dump a smaller batch", key, shapeText(h.shape), megabytes(MaxNumPyBytes))
	}
	*budget -= n * 8
	need := n * int64(d.size)
	cutShort := func(got int64) error {
		return fmt.Errorf("%s is cut short: its header promises %d values of %d bytes (shape %s, %s) but only %s follow; %s",
			key, n, d.size, shapeText(h.shape), megabytes(need), megabytes(got), f.rewrite())
	}
	// What the file says it holds bounds the allocation, before a header's
	// promise is believed.
	if left := stored - h.size; need > left {
		return cutShort(max(left, 0))
	}
	raw := make([]byte, need)
	if got, err := io.ReadFull(r, raw); err != nil {
		return cutShort(int64(got))
	}
	shape := make(tracer.Shape, len(h.shape))
	for i, s := range h.shape {
		shape[i] = int(s)
	}
	vals := decode(raw, d, int(n))
	if h.fortran && len(shape) == 2 {
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
		f.markNarrow("float32", key)
	case d.size == 2:
		f.markNarrow("float16", key)
	}
	return nil
}

func (f *NumPyFile) markNarrow(typ, key string) {
	if f.narrow == nil {
		f.narrow = map[string][]string{}
	}
	f.narrow[typ] = append(f.narrow[typ], key)
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

// shapeText writes a shape from a header as backstep writes shapes
// (tracer.Shape): (10000,784), (3,), ().
func shapeText(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ",") + ")"
}
