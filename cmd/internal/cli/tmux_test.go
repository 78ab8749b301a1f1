//go:build linux || darwin

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backstep/backstep/cmd/internal/render"
)

// tmuxWindow is a shell in a detached tmux session of its own (its own
// server socket), a real terminal of a chosen size.
type tmuxWindow struct {
	t      *testing.T
	tmux   string
	socket string
}

func (w *tmuxWindow) run(args ...string) string {
	w.t.Helper()
	out, err := exec.Command(w.tmux, append([]string{"-S", w.socket}, args...)...).CombinedOutput()
	if err != nil {
		w.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// screen is everything the window showed since it was last cleared, its
// wrapped lines joined again (capture-pane -J): a line longer than the
// window comes back longer than the window.
func (w *tmuxWindow) screen() string {
	return w.run("capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", "backstep")
}

// typeLine types a line and presses Enter.
func (w *tmuxWindow) typeLine(line string) { w.run("send-keys", "-t", "backstep", "-l", line+"\r") }

// waitFor waits until the screen has n occurrences of text.
func (w *tmuxWindow) waitFor(text string, n int) string {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if s := w.screen(); strings.Count(s, text) >= n {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.t.Fatalf("waited for %d× %q; the window shows:\n%s", n, text, w.screen())
	return ""
}

// waitForPrompt waits until the window's last line is the shell's
// prompt, "$", with nothing typed after it.
func (w *tmuxWindow) waitForPrompt() {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if strings.HasSuffix(strings.TrimRight(w.screen(), " \n"), "\n$") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.t.Fatalf("waited for the shell's prompt; the window shows:\n%s", w.screen())
}

// clear empties the window and its history.
func (w *tmuxWindow) clear() {
	w.typeLine("clear")
	time.Sleep(100 * time.Millisecond)
	w.run("clear-history", "-t", "backstep")
}

// TestEightyColumnTerminal runs the real binary in an 80-column tmux
// window, as a newcomer's default terminal: step's printed trace, the
// debugger (banner, list, n, help break, continue, explain), gradcheck,
// check, train and lesson run print no line wider than the window — the
// width comes from the terminal, no --width. Then the window grows to 100
// columns and the debugger's next command uses them (SIGWINCH).
func TestEightyColumnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the program in a tmux window")
	}
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed")
	}
	bin := backstepBinary(t)
	dumps, err := filepath.Abs(filepath.Join("..", "..", "..", "testdata", "dumps"))
	if err != nil {
		t.Fatal(err)
	}
	w := &tmuxWindow{t: t, tmux: tmux, socket: filepath.Join(t.TempDir(), "tmux")}
	// A short prompt and backstep on PATH keep the typed lines short.
	shell := "env PATH=" + filepath.Dir(bin) + ":/usr/bin:/bin PS1='$ ' TERM=xterm NO_COLOR=1 sh"
	w.run("new-session", "-d", "-x", "80", "-y", "40", "-s", "backstep", "-c", dumps, shell)
	defer exec.Command(tmux, "-S", w.socket, "kill-server").Run()
	w.run("set-option", "-t", "backstep", "history-limit", "10000")

	fits := func(what, screen string, width int) {
		t.Helper()
		for _, l := range strings.Split(screen, "\n") {
			if strings.HasPrefix(l, "$ ") {
				continue // the command line typed
			}
			if n := len([]rune(strings.TrimRight(l, " "))); n > width {
				t.Errorf("%s: a line of %d columns in a %d-column window: %q", what, n, width, l)
			}
		}
	}
	for _, cmd := range []string{
		"backstep step --interactive off --n 100 --bug bias-axis",
		"backstep gradcheck --bug wrong-m",
		"backstep check question-rows.npz",
		"backstep train --epochs 3 --n 500",
		"backstep lesson run counter-not-reset --epochs 3 --n 300 --heldout 100",
	} {
		w.clear()
		w.typeLine(cmd + "; echo @@done")
		screen := w.waitFor("\n@@done", 1)
		if !strings.Contains(screen, "│") && !strings.Contains(screen, "──") {
			t.Errorf("%s printed no table or rule:\n%s", cmd, screen)
		}
		fits(cmd, screen, 80)
	}

	// The debugger: it starts by itself on a terminal.
	w.clear()
	w.typeLine("backstep step --n 100 --bug bias-axis")
	w.waitFor("(backstep)", 1)
	for i, line := range []string{"l", "n", "help break", "b db2", "c", "e", "c"} {
		w.typeLine(line)
		w.waitFor("(backstep)", i+2)
	}
	screen := w.screen()
	for _, want := range []string{"one training iteration: 17 statements", "12 db1 = (1/m)", "break STATEMENT|nan|shape-change",
		"breakpoint set: before statement 9", "● breakpoint: before statement 9", "This line was patched by the bug bias-axis", "⚠ db2 is 100 samples × 1"} {
		if !strings.Contains(strings.Join(strings.Fields(screen), " "), want) {
			t.Errorf("the debugger's window lacks %q:\n%s", want, screen)
		}
	}
	fits("the debugger", screen, 80)

	// Resize: the window grows to 100 columns; the next command (restart
	// runs the first statement again) fills them.
	prompts := strings.Count(screen, "(backstep)")
	w.run("resize-window", "-t", "backstep", "-x", "100")
	time.Sleep(200 * time.Millisecond)
	w.typeLine("r")
	screen = w.waitFor("(backstep)", prompts+1)
	after := screen[strings.LastIndex(screen, "(backstep) r"):]
	if render.Widest(after) <= 80 {
		t.Errorf("after the window grew to 100 columns the debugger still fits 80:\n%s", after)
	}
	fits("the debugger at 100 columns", after, 100)
	w.typeLine("q")
	// Typed while the debugger still reads its input, a line is lost:
	// wait for the shell's prompt, then type (the quotes tell the command
	// typed from its output).
	w.waitForPrompt()
	w.typeLine(`echo @@"left"`)
	w.waitFor("@@left", 1)
	if _, err := os.Stat(bin); err != nil {
		t.Fatal(err)
	}
}
