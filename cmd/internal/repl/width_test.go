package repl

import (
	"strings"
	"testing"

	"github.com/backstep/backstep/cmd/internal/render"
)

// TestOutputFollowsTheWindow: the debugger reads the window's width before
// every command, so after a resize from 100 to 80 columns the next
// command's rules and wrapped lines fit 80.
func TestOutputFollowsTheWindow(t *testing.T) {
	s := newSession(t, 0.1, biasAxis)
	cols := 100
	s.d.cfg.Width = func() int { return cols }
	if out := s.exec("n"); render.Widest(out) <= 80 {
		t.Errorf("at 100 columns the values column is not where a 100-column window puts it:\n%s", out)
	}
	cols = 80
	for _, line := range []string{"n", "help", "help break", "l", "b db2", "c", "e", "p W1", "c"} {
		out := s.exec(line)
		if w := render.Widest(out); w > 80 {
			t.Errorf("%q after the resize to 80 columns: a line of %d columns:\n%s", line, w, out)
		}
	}
}

// TestContinueSaysWhyItWarns: a statement that continue runs through with
// a warning says what the warning is, not a bare ⚠.
func TestContinueSaysWhyItWarns(t *testing.T) {
	s := newSession(t, 0.1, biasAxis)
	out := s.exec("c")
	for _, want := range []string{"✗ bias-axis", "⚠ db2 is 8 samples × 1, but b2 is 1 × 3 classes", "⚠ shape b1"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("continue lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasSuffix(strings.TrimSpace(l), "⚠") {
			t.Errorf("a warning without its reason: %q", l)
		}
	}
}

// TestHelpTermsInTheDebugger: the key to the marks is one command away.
func TestHelpTermsInTheDebugger(t *testing.T) {
	s := newSession(t, 0.1, nil)
	if out := s.exec("help"); !strings.Contains(out, "help terms") {
		t.Errorf("help does not point to the key:\n%s", out)
	}
	out := s.exec("help terms")
	for _, want := range []string{"✗", "≠", "⚠", "•", "rounding noise", "rows layout", "the question"} {
		if !strings.Contains(out, want) {
			t.Errorf("help terms lacks %q:\n%s", want, out)
		}
	}
}
