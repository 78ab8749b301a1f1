package repl

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/backstep/backstep/cmd/internal/render"
)

// TestLongLineKeepsTheSession: a piped line of 100 KB (past bufio.Scanner's
// 64 KiB) is ignored with a note, and the commands after it still run.
func TestLongLineKeepsTheSession(t *testing.T) {
	s := newSession(t, 0.1, nil)
	var out bytes.Buffer
	cfg := s.d.cfg
	cfg.Out, cfg.In = &out, strings.NewReader("n\n"+strings.Repeat("p W1 ", 20000)+"\nvars\nq\n")
	cfg.Trace = &render.Trace{W: &out}
	cfg.Stepper = cfg.Restart()
	if err := Run(cfg); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, w := range []string{"(backstep) p W1 p W1 p W1 p W1 p W1 p W1 p W1 p W1…\n(a line longer than 1024 characters was ignored",
		"(backstep) vars\n", "(backstep) q\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("transcript lacks %q:\n%s", w, got)
		}
	}
	if len(got) > 20000 {
		t.Errorf("the long line was echoed: %d bytes of transcript", len(got))
	}
}

// TestLineCapDropsAPaste: what a terminal sends for a 30,000-character
// paste reaches readline cut at MaxLine, the line is reported as cut, and
// the next line passes whole.
func TestLineCapDropsAPaste(t *testing.T) {
	in := strings.Repeat("x", 30000) + "\r" + "next\r"
	c := &lineCap{r: io.NopCloser(strings.NewReader(in))}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("x", MaxLine) + "\r" + "next\r"; string(got) != want {
		t.Fatalf("passed %d bytes, want %d", len(got), len(want))
	}
	if !c.cut() || c.cut() || c.cut() {
		t.Fatal("want the first line reported as cut, the second not")
	}
}
