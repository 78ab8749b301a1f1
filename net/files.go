package net

import (
	"fmt"
	"io/fs"
	"os"
)

// openRegular opens a file the user named, after checking that it is a
// regular file of at most limit bytes. A named pipe, a device such as
// /dev/zero or a directory is refused before it is opened (opening a FIFO
// blocks until someone writes to it; /dev/zero never ends), and a file
// larger than limit is refused from its size alone, so a sparse 6 GB file
// costs nothing. what names the kind of file in messages ("a .npz dump").
func openRegular(path, what string, limit int64) (*os.File, int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, fmt.Errorf("net: %v", unwrapPath(err))
	}
	if err := regular(path, what, st.Mode()); err != nil {
		return nil, 0, err
	}
	if st.Size() > limit {
		return nil, 0, fmt.Errorf("net: %s is %s, more than backstep reads as %s (%s): %s",
			path, megabytes(st.Size()), what, megabytes(limit), smallerHint(what))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("net: %v", unwrapPath(err))
	}
	// Between the Stat and the Open the path may have changed: check the
	// file actually opened.
	if st2, err := f.Stat(); err != nil || !st2.Mode().IsRegular() || st2.Size() > limit {
		f.Close()
		return nil, 0, fmt.Errorf("net: %s changed while it was being opened: try again", path)
	}
	return f, st.Size(), nil
}

// regular refuses anything but a regular file, saying what it is.
func regular(path, what string, m fs.FileMode) error {
	var kind string
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return fmt.Errorf("net: %s is a folder, not a file: give %s", path, what)
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		kind = "a device"
	default:
		return fmt.Errorf("net: %s is not a regular file: give %s saved on disk", path, what)
	}
	return fmt.Errorf("net: %s is %s, not a file: give %s saved on disk (backstep does not read pipes or devices, which may never end)", path, kind, what)
}

// ByteSize writes a byte count for messages: "512 MB", "6.1 GB", "37 kB",
// "1.3 TB". It takes a float64 so that estimates never overflow.
func ByteSize(n float64) string {
	units := []string{"bytes", "kB", "MB", "GB", "TB", "PB", "EB"}
	u := 0
	for n >= 1024 && u < len(units)-1 {
		n /= 1024
		u++
	}
	switch {
	case u == 0:
		return fmt.Sprintf("%.0f bytes", n)
	case n < 10:
		return fmt.Sprintf("%.1f %s", n, units[u])
	}
	return fmt.Sprintf("%.0f %s", n, units[u])
}

// megabytes is ByteSize for counts of bytes read.
func megabytes(n int64) string { return ByteSize(float64(n)) }

func smallerHint(what string) string {
	if what == idxWhat {
		return "give an IDX image/label pair of at most that size"
	}
	return "dump a smaller batch (a few hundred samples are enough to check the gradients)"
}
