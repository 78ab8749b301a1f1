package repl

import (
	"bytes"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

var update = flag.Bool("update", false, "rewrite the README's command reference")

func TestMain(m *testing.M) {
	os.Setenv("RUNEWIDTH_EASTASIAN", "0")
	os.Exit(m.Run())
}

// session is a debugger over a small network (16 inputs that form a 4×4
// image, 5 hidden, 3 classes) on 8 random samples, fed commands as a
// script would be: the FakeTerminal of go-delve's command tests.
type session struct {
	d   *Debugger
	out *bytes.Buffer
}

func newSession(t *testing.T, scale float64, patch func(p *net.Program)) *session {
	t.Helper()
	cfg := net.Config{Inputs: 16, Hidden: []int{5}, Classes: 3, Act: net.Tanh, Layout: net.Rows,
		LR: 0.3, Epochs: 1, InitScale: scale, Seed: 5}
	p := net.Build(cfg)
	if patch != nil {
		patch(p)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 8*16)
	for i := range x {
		x[i] = rng.Float64()
	}
	labels := []int{0, 1, 2, 0, 1, 2, 0, 1}
	X, Y := tracer.Matrix(8, 16, x), tracer.OneHot(labels, 3)
	mk := func() *net.Stepper { return net.NewStepper(p, X, Y, net.Init(cfg)) }
	out := &bytes.Buffer{}
	d := newDebugger(Config{Out: out, Trace: &render.Trace{W: out}, Stepper: mk(), Restart: mk,
		ImageHeight: 4, ImageWidth: 4})
	d.start()
	return &session{d: d, out: out}
}

// exec runs one command line and returns what it printed.
func (s *session) exec(line string) string {
	s.out.Reset()
	s.d.Exec(line)
	return s.out.String()
}

// unwrap joins wrapped lines: every run of spaces and line breaks
// becomes one space, so a test's text matches at any terminal width.
func unwrap(s string) string { return strings.Join(strings.Fields(s), " ") }

func biasAxis(p *net.Program) {
	p.Replace("bias-axis", p.BiasGrad(1, 1, true))
	p.Replace("bias-axis", p.BiasGrad(2, 1, true))
}

func TestCommands(t *testing.T) {
	type step struct {
		line string
		want []string // substrings of the output
		not  []string // must not appear
	}
	cases := []struct {
		name  string
		scale float64
		patch func(p *net.Program)
		steps []step
	}{
		{name: "next and step", scale: 0.1, steps: []step{
			{"n", []string{" 2  Z1 = X · W1 + b1", "1 dot", "2 add", "=>  3  A1 = tanh(Z1)"}, nil},
			{"", []string{" 3  A1 = tanh(Z1)", "=>  4  Z2"}, nil}, // an empty line repeats
			{"s", []string{" 4  Z2 = A1 · W2 + b2", "1 dot", "=> in 4  Z2 = A1 · W2 + b2, after operation 1 of 2"}, []string{"2 add"}},
			{"s", []string{"2 add", "=>  5  A2"}, []string{"1 dot"}},
			{"n 2", []string{" 5  A2 =", " 6  loss =", "≈ ln 3", "=>  7  dZ2"}, nil},
			{"list", []string{"=>    7  dZ2 = A2 − Y", "   backward"}, nil},
		}},
		{name: "looking at values", scale: 0.1, steps: []step{
			{"p W1 0:2 0:3", []string{"W1[0:2, 0:3]: 2 features × 3 hidden, from W1 16 features × 5 hidden", "[[", "]]"}, nil},
			{"p W1 -1", []string{"W1[-1:]: 1 × 5 hidden"}, nil},
			{"p m", []string{"m = 8"}, nil},
			{"shape b1", []string{"b1: (1,5), 1 × 5 hidden", "the shape the network expects"}, nil},
			{"stats X", []string{"X: 8 samples × 16 features", "count    128", "zeros"}, nil},
			{"image X 2", []string{"X, row 2 (sample 2), labelled 2", "+--------+"}, nil},
			{"image W1 4", []string{"W1, column 4 (hidden unit 4)"}, nil},
			{"vars", []string{"X     (8,16)", "W1    (16,5)", "m     ()             = 8"}, []string{"Z1"}},
			{"e m", []string{"X is 8 samples × 16 features, so X.shape[0] is the number of samples: 8."}, nil},
			{"e", []string{"not run yet: evaluated on the current values", "statement 2: Z1 = X · W1 + b1", "Both are features (16)"}, nil},
			{"vars", nil, []string{"Z1"}}, // explaining did not run it
		}},
		{name: "mistakes stay in the debugger", scale: 0.1, steps: []step{
			{"frobnicate", []string{`unknown command "frobnicate": type help for the list`}, nil},
			{"n two", []string{`next: "two" is not a count of statements`}, nil},
			{"p", []string{"print: takes a value", "p W1[0:3, 0:5]"}, nil},
			{"p Z9", []string{`print: no value "Z9"`}, nil},
			{"p dW1", []string{"dW1 is computed by statement 11 and has not run yet"}, nil},
			{"p W1 0:2 0:3 1", []string{"too many indices for array: array is 2-dimensional, but 3 were indexed"}, nil},
			{"p W1 a:b", []string{`"a:b" is not an index or a slice`, "\n  print takes p W1, p W1[0:3, 0:5]"}, nil},
			{"p W1 99", []string{"index 99 is out of bounds for axis 0 with size 16"}, nil},
			{"p m 0", []string{"array is 0-dimensional, but 1 were indexed"}, nil},
			{"b nowhere", []string{`no statement "nowhere": give a statement's number or name (list shows them)`}, nil},
			{"b 99", []string{"no statement 99: they are numbered 1 to 17"}, nil},
			{"image X", []string{"image: takes a name and an index"}, nil},
			{"image Y 0", []string{"Y is (8,3): neither axis has 16 entries"}, nil},
			{"image X 8", []string{"index 8 is out of range"}, nil},
			{"e dW1", []string{"statement 11 (dW1) has not run yet: run up to it"}, nil},
			{"e Z1", []string{"not run yet", "Z1 = X · W1 + b1"}, nil},
			{"delete 7", []string{"no breakpoint before statement 7"}, nil},
			{"s 2", []string{"step: takes no arguments"}, nil},
			{"help nothing", []string{`no command "nothing"`}, nil},
			{"n", []string{" 2  Z1 ="}, nil}, // still working
		}},
		{name: "breakpoints", scale: 0.1, steps: []step{
			{"b", []string{"no breakpoints"}, nil},
			{"b dW1", []string{"breakpoint set: before statement 11, dW1 = (1/m) · Xᵀ · dZ1"}, nil},
			{"b 11", []string{"breakpoint already set"}, nil},
			{"c", []string{"    2  Z1    8 samples × 5 hidden", "● breakpoint: before statement 11, dW1", "=> 11  dW1"}, []string{"11  dW1   "}},
			{"l", []string{"=> ● 11  dW1"}, nil},
			{"c", []string{"   11  dW1", "── summary", "the iteration is over"}, nil},
			{"c", []string{"the iteration is over"}, nil},
			{"n", []string{"the iteration is over"}, nil},
			{"r", []string{"starting the iteration again", " 1  m = X.shape[0]", "=>  2  Z1"}, nil},
			{"n 20", []string{"● breakpoint: before statement 11", "=> 11  dW1"}, []string{"12  db1"}},
			{"delete dW1", []string{"deleted the breakpoint before statement 11"}, nil},
			{"b nan", []string{"breakpoint set: at the first operation"}, nil},
			{"b shape-change", []string{"breakpoint set: where a shape differs from the correct line's"}, nil},
			{"b 5", []string{"breakpoint set: before statement 5, A2 ="}, nil},
			{"b", []string{"● before statement 5, A2", "● at the first operation", "● where a shape differs"}, nil},
			{"delete 5", []string{"deleted the breakpoint before statement 5"}, nil},
			{"delete", []string{"deleted 2 breakpoint(s)"}, nil},
			{"b", []string{"no breakpoints"}, nil},
		}},
		{name: "break at the first NaN", scale: 1000, steps: []step{
			{"b nan", nil, nil},
			{"c", []string{" 6  loss =", "1 log", "✗ log made", "A2: min 0 max 1", "zeros of 24", "● breakpoint nan: operation 1 of statement 6 (loss)",
				"=> in 6  loss"}, []string{"2 multiply"}},
			{"s", []string{"2 multiply"}, nil},
			{"c", []string{"    7  dZ2", "✗ first NaN/Inf: statement 6 (loss), operation 1 (log of A2)"}, nil},
		}},
		{name: "break where a shape changes", scale: 0.1, patch: biasAxis, steps: []step{
			{"b shape-change", nil, nil},
			{"c", []string{"✗ bias-axis", " 9  db2 =", "axis:    sum over classes (axis 1) instead of samples (axis 0)",
				"● breakpoint shape-change: db2 is (8,1); the correct line gives (1,3)", "=> 10  dZ1"}, nil},
			{"c", []string{"● breakpoint shape-change: db1 is (8,1); the correct line gives (1,5)"}, nil},
			{"c", []string{"14  b1 = b1 − lr · db1", "both operands were stretched", "● breakpoint shape-change: b1: 1 × 5 hidden → 8 samples × 5 hidden"}, nil},
			{"shape b1", []string{"b1: (8,5), 8 samples × 5 hidden", "the network expects (1,5) (1 × 5 hidden) for b1"}, nil},
			{"e db2", []string{"This line was patched by the bug bias-axis", "gives 1 × 3 classes; this one gives 8 samples × 1"}, nil},
		}},
		{name: "NumPy's indexing in print", scale: 0.1, steps: []step{
			{"p W1[0:3, 0:5]", []string{"W1[0:3, 0:5]: 3 features × 5 hidden, from W1 16 features × 5 hidden"}, nil},
			{"p W1[0:3,0:5]", []string{"W1[0:3, 0:5]: 3 features × 5 hidden"}, nil},
			{"p W2.T", []string{"W2.T: 3 classes × 5 hidden, from W2 5 hidden × 3 classes"}, nil},
			{"p W1[:, 0]", []string{"W1[:, 0]: 16 features, from W1"}, []string{"[["}},
			{"p X[::3, 0]", []string{"X[::3, 0]: 3 samples, from X 8 samples × 16 features"}, nil},
			{"p X[::0, 0]", []string{"slice step cannot be zero"}, nil},
			{"p W1.shape", []string{"W1.shape = (16,5): 16 features × 5 hidden"}, nil},
			{"p W1[0].shape", []string{"W1[0].shape = (5,): 5 hidden"}, nil},
			{"p lr", []string{"lr = 0.3"}, nil},
			{"p m", []string{"m = 8"}, []string{"scalar"}},
			{"p W1[0, 0, 0]", []string{"too many indices for array: array is 2-dimensional, but 3 were indexed"}, nil},
			{"p W1[0", []string{"a [ without its ]", "\n  print takes p W1, p W1[0:3, 0:5], p W1[:, 0], p W2.T"}, nil},
			{"p W1{0}", []string{"cannot read \"{0}\"", "\n  print takes"}, nil},
			{"p W1[0:x]", []string{`"0:x" is not an index or a slice`, "\n  print takes"}, nil},
		}},
		{name: "statement numbers wherever names go", scale: 0.1, steps: []step{
			{"b 9", []string{"breakpoint set: before statement 9, db2 ="}, nil},
			{"list 5", []string{" 2  Z1 = X · W1 + b1", " 8  dW2 =", "   loss"}, []string{" 1  m =", " 9  db2", "(end of the iteration)"}},
			{"list db2", []string{"●  9  db2", " 6  loss", "12  db1"}, []string{" 5  A2", "13  W1"}},
			{"p 1", []string{"m = 8"}, nil},
			{"p 3", []string{"statement 3 (A1 = tanh(Z1)) has not run yet"}, nil},
			{"p 13", []string{"statement 13 (W1 = W1 − lr · dW1) has not run yet"}, nil},
			{"e 2", []string{"not run yet", "statement 2: Z1 = X · W1 + b1"}, nil},
			{"n", nil, nil},
			{"shape 2", []string{"Z1: (8,5), 8 samples × 5 hidden"}, nil},
			{"stats 2", []string{"Z1: 8 samples × 5 hidden", "count    40"}, nil},
			{"p 2[0, 0:2]", []string{"Z1[0, 0:2]: 2 hidden, from Z1 8 samples × 5 hidden"}, nil},
			{"image 2 0", []string{"image: Z1 is (8,5): neither axis has 16 entries"}, nil},
			{"c", []string{"● breakpoint: before statement 9, db2", "=>  9  db2"}, nil},
			{"e 8", []string{"statement 8: dW2"}, nil},
			{"delete 9", []string{"deleted the breakpoint before statement 9"}, nil},
			{"b", []string{"no breakpoints"}, nil},
		}},
		{name: "clear empties the screen; delete removes breakpoints", scale: 0.1, steps: []step{
			{"clear", []string{"(clear empties the screen of a terminal"}, nil},
			{"b 9", nil, nil},
			{"clear 9", []string{"clear with an argument removes a breakpoint as delete does", "deleted the breakpoint before statement 9"}, nil},
			{"b", []string{"no breakpoints"}, nil},
			{"b 9", nil, nil},
			{"d 9", []string{"deleted the breakpoint before statement 9"}, nil},
		}},
		{name: "help from the table", scale: 0.1, steps: []step{
			{"help", []string{"running:", "next [N] (n)", "break STATEMENT|nan|shape-change (b)", "quit (q, exit)"}, nil},
			{"help p", []string{"print EXPR   (short: p)", "1000", "examples:", "  p W1[:, 0]", "p lr "}, nil},
			{"help break", []string{"break STATEMENT|nan|shape-change   (short: b)", "named by its number in list", "  b 9 ", "stop before statement 9"}, nil},
			{"help clear", []string{"empty the screen", "delete"}, nil},
			{"q", nil, nil},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSession(t, c.scale, c.patch)
			for _, st := range c.steps {
				out := s.exec(st.line)
				for _, w := range st.want {
					if !strings.Contains(out, w) && !strings.Contains(unwrap(out), unwrap(w)) {
						t.Errorf("%q: output lacks %q:\n%s", st.line, w, out)
					}
				}
				for _, w := range st.not {
					if strings.Contains(out, w) {
						t.Errorf("%q: output has %q:\n%s", st.line, w, out)
					}
				}
				for _, l := range strings.Split(out, "\n") {
					if w := render.DisplayWidth(l); w > render.DefaultWidth {
						t.Errorf("%q: line of %d columns: %q", st.line, w, l)
					}
				}
			}
			if c.name == "help from the table" && !s.d.quit {
				t.Error("q did not quit")
			}
		})
	}
}

// TestPrintFollowsNumPy: print reads NumPy's forms, picks the elements
// NumPy would, and prints arrays of up to 1000 elements whole.
func TestPrintFollowsNumPy(t *testing.T) {
	s := newSession(t, 0.1, nil)
	// The last number print shows for an expression.
	last := func(line string) string {
		f := strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(s.exec(line)))
		return f[len(f)-1]
	}
	same := [][2]string{
		{"p W2.T[1, 2]", "p W2[2, 1]"},
		{"p W1[:, 0][15]", "p W1 15 0"},
		{"p X[::-1, 0]", "p X[0, 0]"},         // backwards: the last printed is the first sample
		{"p X[-1]", "p X[7, 15]"},             // a negative index counts from the end
		{"p X[::3, 2]", "p X[6, 2]"},          // every third sample: 0, 3, 6
		{"p W1[0:3, 0:5]", "p W1 0:3 0:5"},    // the older form reads the same
		{"p W1[-3:, 1:4]", "p W1 -3: 1:4"},    //
		{"p W1[5:2:-1, 4]", "p W1[3, 4]"},     // a backward slice stops before its end
		{"p W1[0:100, 4]", "p W1[15, 4]"},     // bounds clip, as in Python
		{"p 1", "p m"},                        // a statement number names its value
		{"p W2.T.T[4, 2]", "p W2[4, 2]"},      // .T twice gives the array back
		{"p W1[2:5][0][3]", "p W1[2, 3]"},     // indexing chains
		{"p W1[2:5, 1:][0, 2]", "p W1[2, 3]"}, //
	}
	for _, c := range same {
		// An array prints 4 decimals or more, a scalar 10 digits.
		a, b := last(c[0]), last(c[1])
		x, errA := strconv.ParseFloat(a, 64)
		y, errB := strconv.ParseFloat(b, 64)
		if errA != nil || errB != nil || math.Abs(x-y) > 1e-4 {
			t.Errorf("%s ends with %s, %s with %s", c[0], a, c[1], b)
		}
	}
	// X is 8 × 16 = 128 elements: NumPy prints it whole, rows wrapped.
	out := s.exec("p X")
	if strings.Contains(out, "…") {
		t.Errorf("p X summarised 128 elements; NumPy only summarises above 1000:\n%s", out)
	}
	body := out[strings.Index(out, "\n"):]
	if n := len(strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(body))); n != 128 {
		t.Errorf("p X printed %d values, want 128:\n%s", n, out)
	}
	if n := strings.Count(body, "["); n != 9 { // [[ and a [ for each later row
		t.Errorf("p X shows %d brackets, want 9 (8 rows):\n%s", n, out)
	}
	// p X[::3, 0] picks samples 0, 3 and 6 and drops the feature axis.
	out = s.exec("p X[::3, 0]")
	if got := strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(out[strings.Index(out, "\n"):])); len(got) != 3 {
		t.Errorf("p X[::3, 0] printed %v, want 3 values", got)
	}
}

// TestClearOnATerminal: clear empties a terminal's screen and shows where
// the debugger stands.
func TestClearOnATerminal(t *testing.T) {
	s := newSession(t, 0.1, nil)
	s.d.cfg.Terminal = true
	out := s.exec("clear")
	if !strings.HasPrefix(out, "\x1b[H\x1b[2J") || !strings.Contains(out, "=>  2  Z1") {
		t.Errorf("clear on a terminal wrote %q", out)
	}
}

// TestHelpExamplesWork runs every example help COMMAND gives, in a
// session that has run to the end with breakpoints set: none of them may
// fail.
func TestHelpExamplesWork(t *testing.T) {
	for _, c := range commands {
		if len(c.examples) == 0 {
			t.Errorf("help %s gives no example", c.aliases[0])
		}
		for _, e := range c.examples {
			if cmd, ok := lookup(strings.Fields(e.form)[0]); !ok || cmd.aliases[0] != c.aliases[0] {
				t.Errorf("help %s: the example %q is another command", c.aliases[0], e.form)
			}
			s := newSession(t, 0.1, nil)
			for _, l := range []string{"b 9", "b nan", "b shape-change", "c", "c"} {
				s.exec(l)
			}
			out := s.exec(e.form)
			if strings.HasPrefix(out, c.aliases[0]+": ") || strings.HasPrefix(out, "unknown command") {
				t.Errorf("help %s: the example %q fails:\n%s", c.aliases[0], e.form, out)
			}
		}
	}
}

func TestStartShowsTheFirstStatement(t *testing.T) {
	s := newSession(t, 0.1, nil)
	out := s.out.String()
	for _, w := range []string{"one training iteration: 17 statements", " 1  m = X.shape[0]", "= 8", "=>  2  Z1 = X · W1 + b1"} {
		if !strings.Contains(out, w) {
			t.Errorf("start lacks %q:\n%s", w, out)
		}
	}
	if len(s.d.st.Records) != 1 {
		t.Errorf("start ran %d statements, want 1", len(s.d.st.Records))
	}
}

// TestInterruptStopsContinue delivers a Ctrl-C as the terminal would
// while continue runs: the run stops at the next statement, the session
// goes on.
func TestInterruptStopsContinue(t *testing.T) {
	s := newSession(t, 0.1, nil)
	intr := make(chan os.Signal, 1)
	s.d.intr = intr
	intr <- syscall.SIGINT
	out := s.exec("c")
	if !strings.Contains(out, "interrupted") || !strings.Contains(out, "=>  2  Z1") {
		t.Fatalf("continue was not interrupted:\n%s", out)
	}
	if out := s.exec("c"); !strings.Contains(out, "the iteration is over") {
		t.Fatalf("the next continue did not run to the end:\n%s", out)
	}
}

// TestScriptSession runs the reader loop over a script: commands are
// echoed after the prompt and the end of input leaves cleanly.
func TestScriptSession(t *testing.T) {
	s := newSession(t, 0.1, nil)
	var out bytes.Buffer
	cfg := s.d.cfg
	cfg.Out, cfg.In = &out, strings.NewReader("n\nbogus\n")
	cfg.Trace = &render.Trace{W: &out}
	cfg.Stepper = cfg.Restart()
	if err := Run(cfg); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, w := range []string{"(backstep) n\n", " 2  Z1 =", "(backstep) bogus\nunknown command", "(backstep) \n"} {
		if !strings.Contains(got, w) {
			t.Errorf("transcript lacks %q:\n%s", w, got)
		}
	}
}

// TestREADMEReference keeps the README's command reference generated
// from the command table (go-delve's TestGeneratedDoc). Run with -update
// to rewrite it.
func TestREADMEReference(t *testing.T) {
	const path = "../../../README.md"
	const begin, end = "<!-- step commands: begin (generated from cmd/internal/repl; go test ./cmd/internal/repl -update) -->\n", "<!-- step commands: end -->"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q … %q", begin, end)
	}
	got, want := readme[i+len(begin):j], Reference()
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(readme[:i+len(begin)]+want+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's command reference is out of date: run go test ./cmd/internal/repl -update\ngot:\n%s\nwant:\n%s", got, want)
}
