package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/backstep/backstep/net/record"
)

// runRecorded runs `backstep run` on a recorded fixture instead of Python.
func runRecorded(t *testing.T, fixture string, configure func(*RunOptions)) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	opts := &RunOptions{IO: io, Script: fixture + ".py", Iterations: 1, Interactive: "off",
		record: func(record.Options) (*record.Recording, error) {
			return record.Read(filepath.Join("..", "..", "..", "testdata", "records", fixture))
		}}
	if configure != nil {
		configure(opts)
	}
	err := runRun(opts)
	if err != nil {
		var ee *exitError
		if !asExit(err, &ee) || ee.err != nil {
			errOut.WriteString("backstep: " + oneLine(err.Error()) + "\n")
		}
	}
	return out.String(), errOut.String(), exitCode(err)
}

func asExit(err error, ee **exitError) bool {
	e, ok := err.(*exitError)
	*ee = e
	return ok
}

// The printed run of each recorded script, and its exit code.
func TestRunRecorded(t *testing.T) {
	for _, c := range []struct {
		fixture string
		code    int
		want    []string
	}{
		{"question-200", 1, []string{"✗ wrong-m", "✗ softmax-axis", "✗ bias-axis", "line 48  b1 = b1 - lr * db1",
			"b1: 1 × 60 hidden → 200 samples × 60 hidden", "✗ accuracy-loop", "right: for i in range(Y.shape[0])",
			"✗ counter-not-reset", "the program reports an accuracy of 0.00 %"}},
		{"fixed-200", 0, []string{"✓ every tensor is what backstep's statement gives on your own inputs",
			"✓ nothing wrong found in the traced iteration"}},
		{"foreign", 1, []string{"roles    N → m, bias1 → b1", "line 23  grad_bias2 = np.mean(delta2, axis=0, keepdims=True)",
			"right: grad_bias2 = np.sum(delta2, axis=1, keepdims=True) / N", "✗ NumPy would stop here: ValueError"}},
		{"vectors", 0, []string{"network  3-5-1 tanh → sigmoid, squared error, cols layout, 1 samples", "one sample as 1-D vectors: read as a batch of one"}},
		{"notebook", 1, []string{"note     skipped 2 IPython magic line(s): cell 1 line 1: %matplotlib inline; cell 4",
			"cell 5, line 5  m = X.shape[1]", "✗ 1 fault: cell 5, line 5 (wrong-m)"}},
		// updates without lr *, by a loop over zip(params, grads)
		{"update-forms", 0, []string{"counted by the first update, line 28: p -= g, in the loop at line 15",
			"✓ nothing wrong found in the traced iteration"}},
		// tuples unpacked from forward and backward; b1 never moves, W2 climbs
		{"tuples", 1, []string{"line 36  db1 = b1 - learning_rate * db1", "b1 does not move although db1 is not zero",
			"line 37  W2 = W2 + learning_rate * dW2", "centred differences of the binary cross-entropy (mean over the samples)"}},
		// self.W1 and the methods' lines
		{"classy", 1, []string{"self.W1 → W1", "y_onehot → Y", "line 27  delta1 = delta2 @ self.W2.T * (1 - self.a1 ** 2)",
			"    ✗ check: delta1 is wrong on your own inputs"}},
		// forward returns (A2, cache) and backward takes the cache: the
		// functions' lines are the step's, so the ReLU layer is read
		{"cache-tuple", 0, []string{"network  3-16-1 relu → sigmoid", "✓ nothing wrong found in the traced iteration"}},
		{"cache-dict-bug", 1, []string{"network  3-16-1 relu → sigmoid", "line 59  dW1 = dZ1 @ X.T if BUG else (1 / m) * dZ1 @ X.T",
			"✗ 1 fault: line 59 (dW1 wrong)"}},
		// forward and backward in a module backstep does not trace: the
		// step has no Z1 and A1, so the activation is read from which one
		// its tensors fit, and what none fits is not judged
		{"hidden-relu", 0, []string{"network  3-16-1 (hidden activation not shown) → sigmoid",
			"✓ every tensor is what backstep's statement gives on your own inputs", "✓ nothing wrong found"}},
		{"hidden-relu-bug", 1, []string{"    ✗ dW1 wrong — no bug in the catalog reproduces it: scaled by 200 = m",
			"✗ 1 fault: line 20 (dW1 wrong)"}},
		{"hidden-leaky", 0, []string{"✓ every tensor check could judge is what backstep's statement gives",
			"⚠ dW1 is not judged: it depends on the hidden activation", "⚠ the numerical gradient check could not run",
			"✓ nothing wrong found"}},
		// the parameters updated by a loop over a literal of them: the
		// loop variable is each parameter in turn, not an array of the step
		{"loop-tuple", 0, []string{"counted by the first update, line 28: p -= lr * g",
			"parameters W1 (16,3), b1 (16,1), W2 (1,16), b2 (1,1)", "✓ nothing wrong found"}},
		{"loop-list", 0, []string{"counted by the first update, line 31: p -= lr * g",
			"✓ nothing wrong found"}},
		{"loop-index", 0, []string{"counted by the first update, line 35: params[i] -= lr * grads[i]",
			"✓ nothing wrong found"}},
		// the gradients backward returns as one tuple: grads[0] is dW1
		{"loop-tuple-bug", 1, []string{"roles    grads[0] → dW1", "scaled by 200 = m",
			"✗ 1 fault: line 24 (grads[0] wrong)"}},
		// weights, gradients and activations in lists, a loop over the layers
		{"layer-list", 0, []string{"roles    W[0] → W1, W[1] → W2, W[2] → W3, acts[1] → A1, acts[2] → A2, acts[3] → A3",
			"✓ every tensor is what backstep's statement gives on your own inputs", "✓ nothing wrong found"}},
		{"layer-list-bug", 1, []string{"line 40  dW[i] = acts[i].T @ delta", "✗ missing-act-grad",
			"right: dW[0] = np.dot(X.T, dZ1) / m", "✗ 4 faults: line 40 (missing-act-grad)"}},
		// layer objects in a list: each Dense's W, b, dW, db and input x,
		// each activation's output, read in the list's order
		{"layer-objects", 0, []string{"roles    layers[0].W → W1", "layers[2].x → A1",
			"✓ nothing wrong found"}},
		{"layer-objects-bug", 1, []string{"✗ missing-act-grad"}},
		{"layer-sequential", 0, []string{"roles    model.layers[0].W → W1", "✓ nothing wrong found"}},
		{"layer-sequential-bug", 1, []string{"✗ 1 fault"}},
		// a class with self.params, self.grads and self.cache dicts; forward
		// binds W2 = self.params['W2'], backward reads self.params['W2']
		{"class-dicts", 0, []string{"network  5-7-3 sigmoid, cols layout, 80 samples",
			"names self.grads['dW1']→dW1", "self.grads['dW2'] → dW2", "✓ nothing wrong found"}},
		{"class-dicts-bug", 1, []string{"scaled by 80 = m",
			"✗ 2 faults: line 44 (self.grads['dW1'] wrong), 45 (self.grads['db1'] wrong)"}},
		// model.fit by hand: forward reads the weights through p =
		// self.params (p["W1"]), the update loops over the dict's keys
		{"fit-alias", 0, []string{"network  5-12-3 relu, rows layout, 30 samples",
			"p['W1'] → W1", "✓ nothing wrong found"}},
		{"fit-alias-bug", 1, []string{"scaled by 30 = m", "✗ 1 fault: line 48 (dW1 wrong)"}},
	} {
		t.Run(c.fixture, func(t *testing.T) {
			stdout, stderr, code := runRecorded(t, c.fixture, nil)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, c.code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			fits(t, stdout, false, 100)
			golden(t, "run-"+c.fixture, stdout)
		})
	}
}

func TestRunJSON(t *testing.T) {
	stdout, stderr, code := runRecorded(t, "question-200", func(o *RunOptions) { o.JSON = true; o.Interactive = "auto" })
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Roles      map[string]string `json:"roles"`
		Statements []struct {
			SourceLine int    `json:"source_line"`
			Name       string `json:"name"`
			Bug        string `json:"bug"`
		} `json:"statements"`
		Events []struct {
			Statement string `json:"statement"`
			Op        string `json:"op"`
			Axis      *int   `json:"axis"`
		} `json:"events"`
		Findings []struct {
			Line int    `json:"line"`
			Kind string `json:"kind"`
			Bug  string `json:"bug"`
		} `json:"findings"`
		Check *struct {
			OK bool `json:"ok"`
		} `json:"check"`
		OK bool `json:"ok"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.OK || got.Check == nil || got.Check.OK || got.Roles["db2"] != "db2" {
		t.Errorf("ok %v, check %+v, roles %v", got.OK, got.Check, got.Roles)
	}
	want := map[string]bool{"29 check wrong-m": false, "37 check softmax-axis": false, "42 check bias-axis": false,
		"45 check bias-axis": false, "48 shape-drift ": false, "50 shape-drift ": false, "52 metric accuracy-loop": false,
		"31 metric counter-not-reset": false}
	for _, f := range got.Findings {
		k := strings.TrimSpace(strings.Join([]string{itoa(f.Line), f.Kind, f.Bug}, " "))
		if _, ok := want[k]; ok {
			want[k] = true
		} else if _, ok := want[k+" "]; ok {
			want[k+" "] = true
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("no finding %q in %+v", k, got.Findings)
		}
	}
	bugs := map[int]string{}
	for _, s := range got.Statements {
		bugs[s.SourceLine] = s.Bug
	}
	if bugs[29] != "wrong-m" || bugs[37] != "softmax-axis" || bugs[42] != "bias-axis" {
		t.Errorf("statement bugs %v", bugs)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// A Python that is missing, too old or without NumPy: one line naming it
// and how to point at another, exit 2.
func TestRunPythonProblems(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "train.py")
	if err := os.WriteFile(script, []byte("print('hi')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Fake interpreters: they write the version the boot code would and
	// exit as it does (3: too old, 4: no NumPy).
	fake := func(name, version string, code int) string {
		p := filepath.Join(dir, name)
		body := "#!/bin/sh\necho " + version + " > \"$(dirname \"$3\")/python-version\"\nexit " + itoa(code) + "\n"
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	old, nonumpy := fake("python2", "2.7.18", 3), fake("python-bare", "3.11.7", 4)
	for _, c := range []struct {
		what string
		args []string
		env  string
		want []string
	}{
		{"too old", []string{"run", "--python", old, script}, "", []string{old, "Python 2.7.18", "needs Python 3.8 or newer", "--python PATH or BACKSTEP_PYTHON"}},
		{"no NumPy", []string{"run", "--python", nonumpy, script}, "", []string{nonumpy, "has no NumPy", "apt-get install python3-numpy", "--python /usr/bin/python3"}},
		{"no NumPy from the environment", []string{"run", script}, nonumpy, []string{"BACKSTEP_PYTHON", "has no NumPy"}},
		{"missing", []string{"run", "--python", filepath.Join(dir, "nope"), script}, "", []string{"no such interpreter", "Python 3 with NumPy"}},
		{"not a Python", []string{"run", "--python", "/bin/true", script}, "", []string{"/bin/true (--python) is not a working Python", "give the path of a Python 3 with NumPy"}},
		{"no script", []string{"run", "--python", nonumpy, filepath.Join(dir, "missing.py")}, "", []string{"missing.py"}},
		{"no arguments", []string{"run"}, "", []string{"give the script to run"}},
	} {
		t.Run(c.what, func(t *testing.T) {
			t.Setenv("BACKSTEP_PYTHON", c.env)
			stdout, stderr, code := run(t, c.args...)
			if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
}

// The debugger steps through a recorded script by its line numbers: a
// breakpoint on a line, continue, explain.
func TestRunDebuggerOnRecording(t *testing.T) {
	stdout, stderr, code := runRecorded(t, "question-200", func(o *RunOptions) {
		o.Interactive = "on"
		o.IO.In = strings.NewReader("b 42\nc\ne\nq\n")
	})
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"breakpoint set: before line 42, db2 = np.sum(dZ2, axis=1, keepdims=True) / m",
		"● breakpoint: before line 42, db2",
		"=> 42  db2 = np.sum(dZ2, axis=1, keepdims=True) / m   ✗ bias-axis",
		"line 42: db2 = np.sum(dZ2, axis=1, keepdims=True) / m",
		"This line matches the bug bias-axis. The correct line, db2 = np.sum(dZ2, axis=0, keepdims=True) / m",
		"── check: each tensor recomputed from your own inputs",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("session lacks %q", want)
		}
	}
}

// --map names a variable of the script as check reads it; one that the
// step does not hold, or a flag that is not OURS=THEIRS, is one line and
// exit 2.
func TestRunMap(t *testing.T) {
	stdout, stderr, code := runRecorded(t, "classy", func(o *RunOptions) { o.Map = []string{"Y=y_onehot"} })
	if code != 1 || !strings.Contains(stdout, "names y_onehot→Y") {
		t.Errorf("exit %d, stderr %s; the header:\n%s", code, stderr, stdout[:min(len(stdout), 800)])
	}
	_, stderr, code = runRecorded(t, "classy", func(o *RunOptions) { o.Map = []string{"Y=labels"} })
	if code != 2 || !strings.Contains(stderr, "--map Y=labels: the step has no array labels (it has X, Y, delta1") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	_, stderr, code = runRecorded(t, "classy", func(o *RunOptions) { o.Map = []string{"Y"} })
	if code != 2 || !strings.Contains(stderr, `--map "Y": write OURS=THEIRS`) {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}

// The debugger's continue marks check's faults ✗, as the printed trace
// does, those no catalog bug explains too.
func TestRunDebuggerMarksFaults(t *testing.T) {
	stdout, stderr, code := runRecorded(t, "classy", func(o *RunOptions) {
		o.Interactive = "on"
		o.IO.In = strings.NewReader("c\nq\n")
	})
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "27  dZ1   64 samples × 8 hidden  ✗ delta1 wrong") {
		t.Errorf("continue does not mark line 27:\n%s", stdout)
	}
}

// What is not a script file is refused before anything reads it: a named
// pipe (reading it would wait for a writer), a device (/dev/zero never
// ends), a file far larger than any script (a sparse one costs no disk).
func TestRunRefusesWhatIsNotAScript(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.py")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	sparse := filepath.Join(dir, "huge.py")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(3 << 30); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	for _, c := range []struct{ path, want string }{
		{fifo, "is not a regular file (a named pipe)"},
		{"/dev/zero", "is not a regular file (a character device)"},
		{sparse, "holds 3221225472 bytes, more than a script or notebook backstep reads"},
	} {
		stdout, stderr, code := run(t, "run", "--python", "/bin/true", c.path)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want one line with %q", c.path, code, stdout, stderr, c.want)
		}
	}
}

// The variable of a loop over the parameters (for p, g in zip((W1, b1, W2,
// b2), grads)) is each parameter in turn: its last value is not read as
// the step's, nor its update as a change of shape.
func TestRunParameterLoopVariable(t *testing.T) {
	for _, fixture := range []string{"update-forms", "loop-tuple", "loop-list", "loop-index"} {
		stdout, _, code := runRecorded(t, fixture, nil)
		if code != 0 {
			t.Errorf("%s: exit %d, want 0", fixture, code)
		}
		for _, bad := range []string{"⚠ p:", "p wrong", "p→", "params[0]"} {
			if strings.Contains(stdout, bad) {
				t.Errorf("%s: output has %q", fixture, bad)
			}
		}
	}
}
