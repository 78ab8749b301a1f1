package repl

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
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
			{"p W1 0:2 0:3", []string{"W1[0:2, 0:3] of 16 features × 5 hidden", "[[", "]]"}, nil},
			{"p W1 -1", []string{"W1[15:16, 0:5]"}, nil},
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
			{"p", []string{"print: takes a name"}, nil},
			{"p Z9", []string{`print: no value "Z9"`}, nil},
			{"p dW1", []string{"dW1 is computed by statement 11 and has not run yet"}, nil},
			{"p W1 0:2 0:3 1", []string{"print: takes a name and up to two ranges"}, nil},
			{"p W1 a:b", []string{`"a:b" is not a range`}, nil},
			{"p W1 99", []string{"index 99 is out of bounds for an axis of size 16"}, nil},
			{"p m 0", []string{"m has 0 axes"}, nil},
			{"b nowhere", []string{`no statement "nowhere": give a statement's name (list shows them)`}, nil},
			{"image X", []string{"image: takes a name and an index"}, nil},
			{"image Y 0", []string{"Y is (8,3): neither axis has 16 entries"}, nil},
			{"image X 8", []string{"index 8 is out of range"}, nil},
			{"e dW1", []string{"statement dW1 has not run yet: run up to it"}, nil},
			{"e Z1", []string{"not run yet", "Z1 = X · W1 + b1"}, nil},
			{"clear 7", []string{`no breakpoint "7"`}, nil},
			{"s 2", []string{"step: takes no arguments"}, nil},
			{"help nothing", []string{`no command "nothing"`}, nil},
			{"n", []string{" 2  Z1 ="}, nil}, // still working
		}},
		{name: "breakpoints", scale: 0.1, steps: []step{
			{"b", []string{"no breakpoints"}, nil},
			{"b dW1", []string{"breakpoint 1: before statement 11, dW1 = (1/m) · Xᵀ · dZ1"}, nil},
			{"b dW1", []string{"breakpoint already set"}, nil},
			{"c", []string{"    2  Z1    8 samples × 5 hidden", "● breakpoint 1: before statement 11, dW1", "=> 11  dW1"}, []string{"11  dW1   "}},
			{"l", []string{"=> ● 11  dW1"}, nil},
			{"c", []string{"   11  dW1", "── summary", "the iteration is over"}, nil},
			{"c", []string{"the iteration is over"}, nil},
			{"n", []string{"the iteration is over"}, nil},
			{"r", []string{"starting the iteration again", " 1  m = X.shape[0]", "=>  2  Z1"}, nil},
			{"n 20", []string{"● breakpoint 1: before statement 11", "=> 11  dW1"}, []string{"12  db1"}},
			{"clear dW1", []string{"cleared the breakpoint before statement 11"}, nil},
			{"b nan", []string{"breakpoint 1: at the first operation"}, nil},
			{"b shape-change", []string{"breakpoint 2: where a shape differs from the correct line's"}, nil},
			{"clear", []string{"cleared 2 breakpoint(s)"}, nil},
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
		{name: "help from the table", scale: 0.1, steps: []step{
			{"help", []string{"running:", "next [N] (n)", "break STATEMENT|nan|shape-change (b)", "quit (q, exit)"}, nil},
			{"help p", []string{"print NAME [ROWS [COLS]] — print a value", "short: p"}, nil},
			{"q", nil, nil},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSession(t, c.scale, c.patch)
			for _, st := range c.steps {
				out := s.exec(st.line)
				for _, w := range st.want {
					if !strings.Contains(out, w) {
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
