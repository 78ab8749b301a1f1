//go:build linux || darwin

package cli

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// terminal is the real binary on a pseudo-terminal, with everything it
// wrote so far.
type terminal struct {
	t    *testing.T
	f    *os.File
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int // how much of buf earlier waits consumed
}

func (term *terminal) read() {
	b := make([]byte, 4096)
	for {
		n, err := term.f.Read(b)
		term.mu.Lock()
		term.buf.Write(b[:n])
		term.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// waitFor waits until one of the texts appears after what earlier waits
// consumed, and returns which.
func (term *terminal) waitFor(texts ...string) string {
	term.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		term.mu.Lock()
		out := term.buf.String()[term.seen:]
		term.mu.Unlock()
		for _, s := range texts {
			if i := strings.Index(out, s); i >= 0 {
				term.seen += i + len(s)
				return s
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	term.mu.Lock()
	defer term.mu.Unlock()
	term.t.Fatalf("waited for %q; the terminal shows:\n%s", texts, term.buf.String()[term.seen:])
	return ""
}

func (term *terminal) send(s string) {
	term.t.Helper()
	if _, err := term.f.Write([]byte(s)); err != nil {
		term.t.Fatal(err)
	}
}

// TestStepOnATerminal drives the real binary through a pseudo-terminal:
// the debugger starts by itself on a terminal, shows the first statement,
// runs commands typed with line editing, survives Ctrl-C during continue
// and at the prompt, and leaves cleanly on Ctrl-D.
func TestStepOnATerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cmd := exec.Command(backstepBinary(t), "step")
	cmd.Env = append(os.Environ(), "TERM=xterm", "NO_COLOR=")
	start := time.Now()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	term := &terminal{t: t, f: f}
	go term.read()

	term.waitFor("2  Z1 = X · W1 + b1")
	term.waitFor("(backstep)")
	// Timing never fails a test; the README quotes the figure.
	t.Logf("launch to the first statement and the prompt: %v", time.Since(start))

	term.send("n\r")
	term.waitFor("X (10000 samples × 784 features) · W1 (784 features × 60")
	term.waitFor("(backstep)")

	// Ctrl-C during continue stops the run, not the program.
	term.send("c\r")
	term.waitFor("  A1 ")
	term.send("\x03")
	if got := term.waitFor("interrupted", "the iteration is over"); got == "interrupted" {
		term.waitFor("=>")
	}
	term.waitFor("(backstep)")

	// Ctrl-C at the prompt prints a hint and keeps the debugger.
	term.send("\x03")
	term.waitFor("type quit or press Ctrl-D to leave")
	term.send("p m\r")
	term.waitFor("m = 10000")
	term.send("bogus\r")
	term.waitFor(`unknown command "bogus"`)

	// A 30,000-character paste: readline would redraw the line for every
	// character (minutes of a blank screen); it is cut at MaxLine and
	// ignored, and the debugger answers the next command at once.
	pasted := time.Now()
	term.send(strings.Repeat("x", 30000) + "\r")
	term.waitFor("characters was ignored")
	term.send("p m\r")
	term.waitFor("m = 10000")
	t.Logf("a 30,000-character paste: answered after %v", time.Since(pasted))

	term.send("\x04")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("Ctrl-D did not leave the debugger")
	}
	term.mu.Lock()
	defer term.mu.Unlock()
	if !strings.Contains(term.buf.String(), "\x1b[") {
		t.Error("no colour on a terminal")
	}
}
