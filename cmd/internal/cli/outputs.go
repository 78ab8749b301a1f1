package cli

import (
	"io"
	"os"
	"path/filepath"
)

// checkOutputPath makes sure a file can be written at path before the
// long work that produces it: its folder exists and takes new files, and
// path is not a folder. It creates nothing that stays (a probe file in
// the folder is removed at once) and never opens an existing file for
// writing. flag names the option in messages ("--plot").
func checkOutputPath(flag, path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil && os.IsNotExist(err):
		return usagef("%s %s: the folder %s does not exist: create it first (mkdir -p %s) or write elsewhere", flag, path, dir, dir)
	case err != nil:
		return usagef("%s %s: cannot use the folder %s (%v): write elsewhere", flag, path, dir, unwrapPathErr(err))
	case !st.IsDir():
		return usagef("%s %s: %s is a file, not a folder: write elsewhere", flag, path, dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usagef("%s %s is a folder: give a file name inside it, e.g. %s", flag, path, filepath.Join(path, "plot.png"))
	}
	probe, err := os.CreateTemp(dir, ".backstep-probe-*")
	if err != nil {
		return usagef("%s %s: cannot write in the folder %s (%v): write elsewhere", flag, path, dir, unwrapPathErr(err))
	}
	name := probe.Name()
	probe.Close()
	os.Remove(name)
	return nil
}

// unwrapPathErr keeps the reason of an *os.PathError (the path is in the
// message already).
func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// stickyWriter remembers the first error writing to the command's output
// (a full disk, a closed pipe) and drops everything after it, so that the
// command can end with one line saying so instead of exiting 0 with its
// output lost.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	if err != nil {
		s.err = err
	}
	return n, err
}

// writeFailure is the message for output that could not be written.
func writeFailure(err error) error {
	return usagef("cannot write the output (%v): free some space or write it elsewhere", unwrapPathErr(err))
}
