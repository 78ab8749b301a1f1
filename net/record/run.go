package record

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	backstep "github.com/backstep/backstep"
)

//go:embed recorder.py
var recorderSource []byte

// boot runs before the recorder, in any Python: it refuses a Python too
// old for the recorder (exit 3) and one without NumPy (exit 4), then loads
// the recorder from the file given. Written to parse under Python 2 too.
const boot = `import sys, os
version = "%d.%d.%d" % tuple(sys.version_info[:3])
f = open(os.path.join(os.path.dirname(sys.argv[1]), "python-version"), "w")
f.write(version)
f.close()
if sys.version_info < (3, 8):
    sys.exit(3)
try:
    import numpy
except ImportError:
    sys.exit(4)
sys.dont_write_bytecode = True
import importlib.util
spec = importlib.util.spec_from_file_location("backstep_recorder", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
sys.argv = sys.argv[1:]
mod.main()
`

// Options say what to run and how.
type Options struct {
	Script string   // a .py file or a .ipynb notebook
	Args   []string // the script's own arguments
	// Python is the interpreter asked for with --python ("" to look for
	// one: $BACKSTEP_PYTHON, then python3, then python on the PATH).
	Python string
	// Iterations is how many training iterations to trace (at least 1).
	Iterations int
	// Continue lets the script run on after them, untraced but for its
	// metric lines and NumPy's floating-point errors.
	Continue bool
	// DataDir holds IDX files to serve as MNIST ("" for backstep's
	// embedded test set).
	DataDir string
	// Stdin is the script's input; Stdout and Stderr receive its own
	// output.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Env is the environment of the script (nil: the process's own).
	Env []string
	// Width is the number of columns the recorder's notices on Stderr
	// are wrapped to (0: 100, the width of output off a terminal).
	Width int
	// Signals, when set, delivers the signals that must reach the script
	// (SIGINT, SIGTERM sent to backstep): each is passed on to it. After a
	// SIGTERM, Run waits for the script to end (killing it after
	// StopGrace), removes its temporary folder and returns a *Stopped.
	Signals <-chan os.Signal
	// keep, when set, is a folder the record is copied into (the tests'
	// fixtures are made this way).
	keep string
}

// EnvironmentError is a problem with the Python that would run the script
// (missing, too old, without NumPy): the CLI says it in one line and
// exits 2.
type EnvironmentError struct{ Msg string }

func (e *EnvironmentError) Error() string { return e.Msg }

// Stopped says the run was stopped by a signal (SIGTERM) before the script
// ended; nothing was recorded, and the temporary folder is gone.
type Stopped struct{ Signal os.Signal }

func (e *Stopped) Error() string {
	name := fmt.Sprint(e.Signal)
	if e.Signal == syscall.SIGTERM {
		name = "SIGTERM"
	}
	return fmt.Sprintf("record: stopped by %s before the script ended; nothing is shown", name)
}

// StopGrace is how long a script has to end after backstep passed it a
// SIGTERM, before it is killed.
const StopGrace = 5 * time.Second

// The largest script and notebook backstep reads: a training script is a
// few kilobytes, a notebook with its outputs (plots included) some
// megabytes. Anything larger is not one (a sparse file, a data file named
// .py) and is refused before a byte of it is read.
const (
	MaxScriptBytes   = 16 << 20
	MaxNotebookBytes = 256 << 20
)

// FindPython returns the interpreter to use and how it was chosen:
// --python, then $BACKSTEP_PYTHON, then python3, then python.
func FindPython(flag string) (path, how string, err error) {
	if flag != "" {
		p, err := exec.LookPath(flag)
		if err != nil {
			return "", "", &EnvironmentError{fmt.Sprintf("record: --python %s: no such interpreter (%v); give the path of a Python 3 with NumPy", flag, unwrapExec(err))}
		}
		return p, "--python", nil
	}
	if env := os.Getenv("BACKSTEP_PYTHON"); env != "" {
		p, err := exec.LookPath(env)
		if err != nil {
			return "", "", &EnvironmentError{fmt.Sprintf("record: BACKSTEP_PYTHON=%s: no such interpreter (%v); set it to a Python 3 with NumPy, or use --python", env, unwrapExec(err))}
		}
		return p, "BACKSTEP_PYTHON", nil
	}
	for _, name := range []string{"python3", "python"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, name + " on the PATH", nil
		}
	}
	return "", "", &EnvironmentError{"record: no Python found (tried python3 and python on the PATH): install Python 3 with NumPy, or point at one with --python PATH or BACKSTEP_PYTHON"}
}

func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// Run runs the script under the recorder in a temporary folder, removed
// after, and returns what it recorded. The script is never modified and
// nothing is written beside it (Python writes no bytecode cache for it or
// its imports). Its output goes to opts.Stdout and opts.Stderr as it
// runs. An error is returned when the script could not be run at all;
// a script that raised is a Recording with Exception set.
func Run(opts Options) (*Recording, error) {
	st, err := os.Stat(opts.Script)
	notebook := strings.EqualFold(filepath.Ext(opts.Script), ".ipynb")
	limit := int64(MaxScriptBytes)
	if notebook {
		limit = MaxNotebookBytes
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("record: %v", unwrapPath(err))
	case st.IsDir():
		return nil, fmt.Errorf("record: %s is a folder: give a .py script or a .ipynb notebook", opts.Script)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("record: %s is not a regular file (%s): give a .py script or a .ipynb notebook saved on disk", opts.Script, fileKind(st.Mode()))
	case st.Size() > limit:
		return nil, fmt.Errorf("record: %s holds %d bytes, more than a script or notebook backstep reads (%d MiB): give the training script itself", opts.Script, st.Size(), limit>>20)
	}
	python, how, err := FindPython(opts.Python)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "backstep-run-")
	if err != nil {
		return nil, fmt.Errorf("record: cannot make a temporary folder: %v", err)
	}
	defer os.RemoveAll(dir)
	script, err := filepath.Abs(opts.Script)
	if err != nil {
		return nil, fmt.Errorf("record: %v", err)
	}
	mnist, err := mnistFiles(dir, opts.DataDir)
	if err != nil {
		return nil, err
	}
	cfg := map[string]any{
		"script": script, "args": append([]string{}, opts.Args...), "out": dir,
		"iterations": max(opts.Iterations, 1), "continue": opts.Continue,
		"notebook": notebook, "mnist": mnist,
		"width": opts.Width, "max_bytes": limit,
	}
	b, _ := json.Marshal(cfg)
	rec := filepath.Join(dir, "recorder.py")
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		return nil, fmt.Errorf("record: %v", err)
	}
	if err := os.WriteFile(rec, recorderSource, 0o600); err != nil {
		return nil, fmt.Errorf("record: %v", err)
	}
	cmd := exec.Command(python, "-c", boot, rec, filepath.Join(dir, "config.json"))
	cmd.Stdin = opts.Stdin
	cmd.Stdout, cmd.Stderr = opts.Stdout, opts.Stderr
	if opts.Stdout != nil && opts.Stdout == opts.Stderr {
		// One writer for both streams: exec copies each from its own
		// goroutine, so the writes must not interleave.
		w := &syncWriter{w: opts.Stdout}
		cmd.Stdout, cmd.Stderr = w, w
	}
	cmd.Env = append(opts.Env, "PYTHONDONTWRITEBYTECODE=1")
	if opts.Env == nil {
		cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	}
	var stderr strings.Builder
	if cmd.Stderr == nil {
		cmd.Stderr = &stderr
	} else {
		cmd.Stderr = io.MultiWriter(cmd.Stderr, &stderr)
	}
	stopped, runErr := runPassingSignals(cmd, opts.Signals)
	if stopped != nil {
		return nil, stopped
	}
	v, verr := os.ReadFile(filepath.Join(dir, "python-version"))
	version := strings.TrimSpace(string(v))
	var exit *exec.ExitError
	if verr != nil && (runErr == nil || errors.As(runErr, &exit)) {
		// It ran, but not as a Python: the boot code's first act is to
		// write its version.
		status := "status 0"
		if exit != nil {
			status = exit.String()
		}
		return nil, &EnvironmentError{fmt.Sprintf("record: %s (%s) is not a working Python: it ended (%s) without running backstep's start-up code; give the path of a Python 3 with NumPy with --python PATH or BACKSTEP_PYTHON", python, how, status)}
	}
	if errors.As(runErr, &exit) {
		switch exit.ExitCode() {
		case 3:
			return nil, &EnvironmentError{fmt.Sprintf("record: %s (%s) is Python %s; backstep run needs Python 3.8 or newer: point at another with --python PATH or BACKSTEP_PYTHON", python, how, version)}
		case 4:
			return nil, &EnvironmentError{fmt.Sprintf("record: %s (%s, Python %s) has no NumPy: install it (Debian: apt-get install python3-numpy, then --python /usr/bin/python3) or point at a Python that has it with --python PATH or BACKSTEP_PYTHON", python, how, version)}
		}
	} else if runErr != nil {
		return nil, &EnvironmentError{fmt.Sprintf("record: cannot run %s (%s): %v; point at a Python 3 with NumPy with --python PATH or BACKSTEP_PYTHON", python, how, unwrapExec(runErr))}
	}
	if opts.keep != "" {
		for _, name := range []string{"record.json", "capture.npz"} {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				if err := os.WriteFile(filepath.Join(opts.keep, name), b, 0o644); err != nil {
					return nil, fmt.Errorf("record: %v", err)
				}
			}
		}
	}
	r, err := Read(dir)
	if err != nil {
		if runErr != nil {
			return nil, fmt.Errorf("record: the recorder failed under %s: %s", python, lastLine(stderr.String()))
		}
		return nil, err
	}
	return r, nil
}

// runPassingSignals runs cmd, passing it each signal that arrives on
// signals. After a SIGTERM it waits StopGrace for cmd to end, kills it, and
// reports the signal.
func runPassingSignals(cmd *exec.Cmd, signals <-chan os.Signal) (*Stopped, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var stopped *Stopped
	var grace <-chan time.Time
	for {
		select {
		case err := <-done:
			return stopped, err
		case sig := <-signals:
			_ = cmd.Process.Signal(sig)
			if sig == syscall.SIGTERM && stopped == nil {
				stopped = &Stopped{Signal: sig}
				grace = time.After(StopGrace)
			}
		case <-grace:
			_ = cmd.Process.Kill()
		}
	}
}

// fileKind names what a path that is not a regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a file"
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}

// mnistFiles says where the recorder finds MNIST to serve: the IDX files
// of --data DIR (its train and test pairs), or backstep's embedded test
// set, copied into the temporary folder.
func mnistFiles(tmp, dataDir string) (map[string]string, error) {
	if dataDir == "" {
		out := map[string]string{"test_source": "backstep's embedded MNIST test set"}
		for key, name := range map[string]string{"test_images": "t10k-images-idx3-ubyte.gz", "test_labels": "t10k-labels-idx1-ubyte.gz"} {
			b, err := backstep.MNIST.ReadFile("testdata/mnist/" + name)
			if err != nil {
				return nil, fmt.Errorf("record: %v", err)
			}
			p := filepath.Join(tmp, name)
			if err := os.WriteFile(p, b, 0o600); err != nil {
				return nil, fmt.Errorf("record: %v", err)
			}
			out[key] = p
		}
		return out, nil
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return nil, fmt.Errorf("record: cannot read --data folder: %v", unwrapPath(err))
	}
	pairs := map[string][2]string{}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() {
			continue
		}
		for k, word := range []string{"images", "labels"} {
			if i := strings.Index(n, word); i >= 0 {
				p := pairs[n[:i]]
				p[k] = filepath.Join(dataDir, n)
				pairs[n[:i]] = p
			}
		}
	}
	out := map[string]string{}
	for prefix, p := range pairs {
		if p[0] == "" || p[1] == "" {
			continue
		}
		kind := "test"
		if strings.Contains(prefix, "train") {
			kind = "train"
		}
		out[kind+"_images"], out[kind+"_labels"] = p[0], p[1]
		out[kind+"_source"] = filepath.Base(p[0])
	}
	switch {
	case out["test_images"] == "" && out["train_images"] == "":
		return nil, fmt.Errorf("record: --data %s holds no IDX image/label pair (such as t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz)", dataDir)
	case out["test_images"] == "":
		out["test_images"], out["test_labels"], out["test_source"] = out["train_images"], out["train_labels"], out["train_source"]
		delete(out, "train_images")
	}
	return out, nil
}
