package cli

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	backstep "github.com/backstep/backstep"
	"github.com/backstep/backstep/net"
)

// npyFile is a .npy array as np.save writes it (format 1.0): shape is the
// header's text, so a test can write any header.
func npyFile(shape string, values []float64) []byte {
	h := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': %s, }", shape)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	b = append(b, h...)
	for _, v := range values {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// array is a float64 array for an .npz: its shape and values.
type array struct {
	shape  []int
	values []float64
}

func zeros(shape ...int) array {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return array{shape, make([]float64, n)}
}

func (a array) npy() []byte {
	parts := make([]string, len(a.shape))
	for i, d := range a.shape {
		parts[i] = fmt.Sprint(d)
	}
	s := "(" + strings.Join(parts, ", ") + ")"
	if len(a.shape) == 1 {
		s = "(" + parts[0] + ",)"
	}
	return npyFile(s, a.values)
}

// writeNpz writes the members (.npy bytes by name) as an archive stored
// uncompressed, as np.savez does, and returns its path.
func writeNpz(t *testing.T, name string, members map[string][]byte) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for k, data := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: k + ".npy", Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// weights writes starting weights 784-hidden-classes (rows layout).
func weights(t *testing.T, name string, hidden, classes int) string {
	t.Helper()
	w1 := zeros(784, hidden)
	for i := range w1.values {
		w1.values[i] = 0.01 * math.Sin(float64(i))
	}
	return writeNpz(t, name, map[string][]byte{"W1": w1.npy(), "b1": zeros(1, hidden).npy(),
		"W2": zeros(hidden, classes).npy(), "b2": zeros(1, classes).npy()})
}

// mnistDir writes the embedded test set to a folder (the images as the
// embedded gzip file, the labels raw), its labels changed by relabel, and
// returns the folder.
func mnistDir(t *testing.T, relabel func(labels []byte)) string {
	t.Helper()
	dir := t.TempDir()
	gz, err := backstep.MNIST.ReadFile("testdata/mnist/t10k-images-idx3-ubyte.gz")
	if err != nil {
		t.Fatal(err)
	}
	d, err := net.LoadMNIST()
	if err != nil {
		t.Fatal(err)
	}
	labels := binary.BigEndian.AppendUint32(nil, 0x801)
	labels = binary.BigEndian.AppendUint32(labels, uint32(d.Len()))
	for _, l := range d.Labels {
		labels = append(labels, byte(l))
	}
	if relabel != nil {
		relabel(labels[8:])
	}
	if err := os.WriteFile(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), gz, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), labels, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// bombDir holds a small gzip IDX pair whose headers promise 5,000,000
// images of 28×28 (3.7 GB of pixels). It holds 40 MB of zeros, not the
// 3.7 GB a real bomb would, to keep the test quick: a reader that reads
// past the images it was asked for still goes past the allocation bound.
func bombDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, head []byte, zeros int) {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(head)
		chunk := make([]byte, 1<<20)
		for zeros > 0 {
			n := min(zeros, len(chunk))
			zw.Write(chunk[:n])
			zeros -= n
		}
		zw.Close()
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const promised = 5_000_000
	img := binary.BigEndian.AppendUint32(nil, 0x803)
	img = binary.BigEndian.AppendUint32(img, promised)
	img = binary.BigEndian.AppendUint32(img, 28)
	img = binary.BigEndian.AppendUint32(img, 28)
	write("bomb-images-idx3-ubyte.gz", img, 40<<20)
	lab := binary.BigEndian.AppendUint32(nil, 0x801)
	write("bomb-labels-idx1-ubyte.gz", binary.BigEndian.AppendUint32(lab, promised), promised)
	return dir
}

// failingWriter is a full disk: every write fails.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) {
	return 0, errors.New("write /dev/stdout: no space left on device")
}

// TestHostileInputs holds one case of each kind of hostile input issue 14
// found: the exit code, one line on stderr saying what is wrong and what to
// do, no panic or goroutine dump, no internal package prefix, and for the
// inputs that promise gigabytes, less than 1 GB allocated.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs short trainings")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.npz")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("cannot make a FIFO here:", err)
	}
	fifoData := mnistDir(t, nil)
	os.Remove(filepath.Join(fifoData, "t10k-images-idx3-ubyte.gz"))
	if err := syscall.Mkfifo(filepath.Join(fifoData, "t10k-images-idx3-ubyte.gz"), 0o600); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "sparse.npz")
	if f, err := os.Create(sparse); err == nil {
		f.Truncate(6 << 30)
		f.Close()
	}
	overflow := writeNpz(t, "overflow.npz", map[string][]byte{"W1": npyFile("(2, 4611686018427387904)", nil)})
	wraps := writeNpz(t, "wraps.npz", map[string][]byte{"W1": npyFile("(4, 4611686018427387904)", nil)})
	stale := writeNpz(t, "stale.npz", map[string][]byte{"W1": zeros(784, 3).npy(), "b1": zeros(1, 3).npy(),
		"W2": zeros(3, 10).npy(), "b2": npyFile("(1, 10)", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})})
	if b, err := os.ReadFile(stale); err == nil {
		i := bytes.Index(b, binary.LittleEndian.AppendUint64(nil, math.Float64bits(10)))
		b[i+7] ^= 1 // after the archive recorded the CRC-32
		os.WriteFile(stale, b, 0o644)
	}
	w1Empty := weights(t, "w1-784x0.npz", 0, 10)
	oneClass := weights(t, "one-class.npz", 3, 1)
	label12 := mnistDir(t, func(l []byte) { l[5] = 12 })
	bomb := bombDir(t)
	plotDir := filepath.Join(dir, "plots.png")
	if err := os.Mkdir(plotDir, 0o755); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		args []string
		in   string
		full bool // stdout is a full disk
		code int
		want string
		// maxAlloc bounds what the run may allocate, in bytes (0: 1 GB).
		maxAlloc uint64
	}{
		// sizes from flags, checked against memory before allocating
		{"hidden int64 max", []string{"step", "--hidden", "9223372036854775807"}, "", false, 2, "needs more than 1 PB of memory", 0},
		{"hidden 1e8", []string{"train", "--hidden", "100000000"}, "", false, 2, "needs about 108 TB of memory", 0},
		{"hidden 1e5,1e5", []string{"step", "--hidden", "100000,100000"}, "", false, 2, "a 784-100000-100000-10 network on 10000 images needs about", 0},
		{"a flag's value", []string{"train", "--epochs", "99999999999999999999"}, "", false, 2, `invalid argument "99999999999999999999" for "--epochs" flag: out of range`, 0},
		// the .npy/.npz reader
		{"header overflows int64", []string{"step", "--init", overflow}, "", false, 2, "shape (2,4611686018427387904) is more than backstep reads", 0},
		{"header wraps to 0", []string{"train", "--init", wraps}, "", false, 2, "is more than backstep reads (512 MB in all): dump a smaller batch", 0},
		{"check /dev/zero", []string{"check", "/dev/zero"}, "", false, 2, "/dev/zero is a device, not a file", 0},
		{"check a sparse 6 GB file", []string{"check", sparse}, "", false, 2, "is 6.0 GB, more than backstep reads as a .npz dump", 0},
		{"check a FIFO", []string{"check", fifo}, "", false, 2, "is a named pipe (FIFO), not a file", 0},
		{"stale CRC-32", []string{"gradcheck", "--init", stale}, "", false, 2, "b2 fails the archive's CRC-32 check", 0},
		// IDX folders
		{"gzip bomb, --n 100", []string{"train", "--data", bomb, "--n", "100", "--epochs", "1"}, "", false, 0, "", 100 << 20},
		{"gzip bomb, all of it", []string{"train", "--data", bomb, "--n", "5000000", "--epochs", "1"}, "", false, 2, "on 5000000 images needs about", 0},
		{"FIFO in --data", []string{"step", "--data", fifoData, "--n", "10"}, "", false, 2, "is a named pipe (FIFO), not a file: give an IDX file", 0},
		{"label 12, step", []string{"step", "--data", label12, "--n", "10", "--interactive", "off"}, "", false, 2, "t10k-labels-idx1-ubyte: label 12 (image 5) is not one of the network's 10 classes", 0},
		{"label 12, lesson run", []string{"lesson", "run", "sign-flip", "--data", label12, "--n", "50", "--epochs", "1"}, "", false, 2, "label 12 (image 5)", 0},
		{"label 12, gradcheck", []string{"gradcheck", "--data", label12}, "", false, 2, "label 12 (image 5)", 0},
		// --init against the network
		{"init W1 (784,0), lesson run", []string{"lesson", "run", "sign-flip", "--init", w1Empty, "--n", "50", "--epochs", "1"}, "", false, 2, "W1 has shape (784,0): layer 1 has no units", 0},
		{"init one class, step", []string{"step", "--init", oneClass, "--n", "10"}, "", false, 2, "the last layer W2 has 1 output unit, but the images have 10 classes", 0},
		{"init 5 classes, gradcheck", []string{"gradcheck", "--init", weights(t, "five.npz", 3, 5)}, "", false, 2, "W2 has 5 output units", 0},
		{"init 20 classes, train", []string{"train", "--init", weights(t, "twenty.npz", 3, 20), "--bug", "sign-flip"}, "", false, 2, "--init: ", 0},
		// gradcheck's step h
		{"eps 0.1", []string{"gradcheck", "--eps", "0.1"}, "", false, 2, "--eps 0.1 is outside 1e-10 to 0.001", 0},
		{"eps 1e-320", []string{"gradcheck", "--eps", "1e-320"}, "", false, 2, "--eps 1e-320 is outside", 0},
		{"samples named", []string{"gradcheck", "--samples", "20000"}, "", false, 2, "--samples 20000 is more than the 10000 images available", 0},
		// one exit code for a step that fails under an injected bug
		{"failing step, train", []string{"train", "--bug", "no-transpose", "--n", "20", "--epochs", "1"}, "", false, 1, "the step fails: epoch 1, batch 1: dZ1 = np.dot(dZ2, W2)", 0},
		{"failing step, step", []string{"step", "--bug", "no-transpose", "--n", "20", "--interactive", "off"}, "", false, 1, "the step fails at dZ1: shapes (20,10) and (60,10) not aligned", 0},
		{"failing step, gradcheck", []string{"gradcheck", "--bug", "no-transpose"}, "", false, 1, "the step fails at dZ1", 0},
		// a lesson whose buggy step fails has shown its point: the replay ran
		{"failing step, lesson run", []string{"lesson", "run", "no-transpose", "--n", "50", "--epochs", "1"}, "", false, 0, "", 0},
		// stdout on a full disk
		{"full disk, train", []string{"train", "--n", "20", "--epochs", "1"}, "", true, 2, "cannot write the output (write /dev/stdout: no space left on device)", 0},
		{"full disk, step", []string{"step", "--n", "20", "--interactive", "off"}, "", true, 2, "cannot write the output", 0},
		{"full disk, gradcheck --json", []string{"gradcheck", "--json", "--samples", "4"}, "", true, 2, "cannot write the output", 0},
		{"full disk, lesson list", []string{"lesson", "list"}, "", true, 2, "cannot write the output", 0},
		{"full disk, check --snippet", []string{"check", "--snippet"}, "", true, 2, "cannot write the output", 0},
		// the debugger, help, output paths
		{"debugger, a 100 KB line", []string{"step", "--n", "10", "--interactive", "on"}, strings.Repeat("x", 100<<10) + "\np m\nq\n", false, 0, "", 0},
		{"help frob", []string{"help", "frob"}, "", false, 2, `no help for "frob"`, 0},
		{"plot to a missing folder", []string{"lesson", "run", "sign-flip", "--plot", filepath.Join(dir, "no", "such.png")}, "", false, 2, "does not exist: create it first", 0},
		{"plot to a folder", []string{"lesson", "run", "sign-flip", "--plot", plotDir}, "", false, 2, "is a folder: give a file name inside it", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			io := &IOStreams{In: strings.NewReader(c.in), Out: &out, ErrOut: &errOut}
			if c.full {
				io.Out = failingWriter{}
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			code := Run(io, c.args, true)
			runtime.ReadMemStats(&after)
			stderr := errOut.String()
			checkOutcome(t, c.args, code, stderr)
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, c.code, c.want)
			}
			if c.code != 0 && strings.Count(stderr, "\n") != 1 {
				t.Fatalf("stderr %q, want one line", stderr)
			}
			if c.code == 0 && stderr != "" {
				t.Fatalf("stderr %q, want none", stderr)
			}
			if strings.Contains(stderr, "--bug:") && !strings.Contains(strings.Join(c.args, " "), "--bug") {
				t.Fatalf("--bug blamed: %q", stderr)
			}
			limit := c.maxAlloc
			if limit == 0 {
				limit = 1 << 30
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > limit {
				t.Fatalf("allocated %d MB, want at most %d MB", alloc>>20, limit>>20)
			}
		})
	}
}
