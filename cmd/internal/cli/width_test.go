package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backstep/backstep/cmd/internal/render"
)

// onTerminal runs a command line as on a terminal cols columns wide (0:
// one whose size cannot be read).
func onTerminal(t *testing.T, cols int, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, OutTTY: true,
		TerminalWidth: func() int { return cols }}
	code = Run(io, args, false)
	return out.String(), errOut.String(), code
}

// TestWidthFollowsTheTerminal: the trace's rules span the terminal's
// width, 80 to 100 columns; --width forces one; off a terminal it is 100.
func TestWidthFollowsTheTerminal(t *testing.T) {
	cases := []struct {
		cols int
		args []string
		want int
	}{
		{90, nil, 90},
		{72, nil, 80},   // narrower than 80: 80
		{0, nil, 80},    // size unknown: 80
		{160, nil, 100}, // wider than 100: 100
		{72, []string{"--width", "100"}, 100},
		{-1, nil, 100}, // not a terminal
		{-1, []string{"--width", "120"}, 120},
	}
	for _, c := range cases {
		args := append([]string{"step", "--interactive", "off", "--n", "20", "--color", "never"}, c.args...)
		var out, errOut string
		var code int
		if c.cols < 0 {
			out, errOut, code = run(t, args...)
		} else {
			out, errOut, code = onTerminal(t, c.cols, args...)
		}
		if code != 0 {
			t.Fatalf("%d columns %v: exit %d %s", c.cols, c.args, code, errOut)
		}
		if w := render.Widest(out); w != c.want {
			t.Errorf("terminal of %d columns %v: lines up to %d columns, want %d", c.cols, c.args, w, c.want)
		}
	}
	for _, bad := range []string{"79", "251", "wide"} {
		if _, stderr, code := run(t, "train", "--width", bad); code != 2 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("--width %s: exit %d %q", bad, code, stderr)
		}
	}
}

// TestEveryCommandFitsEightyColumns: the commands a newcomer runs first
// print no line wider than 80 columns with --width 80 (as on an
// 80-column terminal).
func TestEveryCommandFitsEightyColumns(t *testing.T) {
	dump := filepath.Join("..", "..", "..", "testdata", "dumps")
	for _, args := range [][]string{
		{"train", "--epochs", "2", "--n", "300", "--batch", "100"},
		{"step", "--interactive", "off", "--n", "100", "--bug", "seed-original"},
		{"gradcheck", "--bug", "wrong-m"},
		{"gradcheck", "--bug", "derivative-of-error"},
		{"check", filepath.Join(dump, "question-rows.npz")},
		{"check", filepath.Join(dump, "float32-rows.npz")},
		{"lesson", "list"},
		{"lesson", "show", "seed-original"},
		{"lesson", "run", "counter-not-reset", "--epochs", "3", "--n", "300", "--heldout", "100"},
		{"help", "terms"},
		{"--help"}, {"train", "--help"}, {"step", "--help"}, {"gradcheck", "--help"}, {"check", "--help"},
		{"lesson", "--help"}, {"lesson", "run", "--help"}, {"lesson", "list", "--help"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, stderr, code := run(t, append(args, "--width", "80")...)
			if code > 1 || out == "" {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			checkWidthOf(t, out, 80)
		})
	}
}

// TestHelpNamesTheKey: every command's help points to backstep help terms,
// which explains the marks, the verdicts and the words.
func TestHelpNamesTheKey(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"train", "--help"}, {"step", "--help"}, {"gradcheck", "--help"},
		{"check", "--help"}, {"lesson", "--help"}, {"lesson", "run", "--help"}} {
		out, _, _ := run(t, args...)
		if !strings.Contains(strings.Join(strings.Fields(out), " "), "backstep help terms explains the marks") {
			t.Errorf("%v does not point to the key:\n%s", args, out)
		}
	}
	out, _, code := run(t, "help", "terms")
	for _, want := range []string{"✗", "≠", "⚠", "•", "≈0", "rounding noise", "correct ≤ 1e-7, fine ≤ 1e-5",
		"the question", "the answer", "rows layout", "cols layout", "held-out"} {
		if !strings.Contains(out, want) || code != 0 {
			t.Errorf("help terms (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
	if direct, _, _ := run(t, "terms"); direct != out {
		t.Error("backstep terms and backstep help terms differ")
	}
	if root, _, _ := run(t, "--help"); !strings.Contains(root, "backstep terms") {
		t.Error("the root help does not list the terms topic")
	}
}

func TestVersion(t *testing.T) {
	out, stderr, code := run(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "backstep ") || strings.Count(out, "\n") != 1 || len(out) < len("backstep x\n") {
		t.Fatalf("--version: exit %d %q %q", code, out, stderr)
	}
}

// TestHeadersTellWhatRan: a --bug that changes the output layer and loss
// is named in the header, and JSON configs carry only what played a part.
func TestHeadersTellWhatRan(t *testing.T) {
	out, _, _ := run(t, "gradcheck", "--bug", "derivative-of-error", "--samples", "4")
	if !strings.Contains(out, "network  784-60-10 tanh → sigmoid, squared error, rows layout") {
		t.Errorf("the header hides the bug's output layer and loss:\n%s", out)
	}
	type config struct {
		Config map[string]any `json:"config"`
	}
	read := func(args ...string) map[string]any {
		t.Helper()
		out, stderr, code := run(t, args...)
		var c config
		if err := json.Unmarshal([]byte(out), &c); err != nil || code > 1 {
			t.Fatalf("%v: exit %d %v %s", args, code, err, stderr)
		}
		return c.Config
	}
	has := func(what string, c map[string]any, keys, absent []string) {
		t.Helper()
		for _, k := range keys {
			if _, ok := c[k]; !ok {
				t.Errorf("%s: config lacks %q: %v", what, k, c)
			}
		}
		for _, k := range absent {
			if _, ok := c[k]; ok {
				t.Errorf("%s: config has %q, which plays no part: %v", what, k, c)
			}
		}
	}
	g := read("gradcheck", "--json", "--samples", "4", "--bug", "derivative-of-error")
	has("gradcheck", g, []string{"sizes", "act", "output", "loss", "init", "init_scale", "seed"}, []string{"epochs", "lr", "n", "batch"})
	if g["output"] != "sigmoid" || g["loss"] != "squared-error" {
		t.Errorf("gradcheck config: output %v, loss %v", g["output"], g["loss"])
	}
	has("step", read("step", "--json", "--n", "20"), []string{"lr", "n", "batch", "output", "loss"}, []string{"epochs"})
	init := filepath.Join("..", "..", "..", "testdata", "dumps", "init-rows.npz")
	tr := read("train", "--json", "--n", "50", "--epochs", "1", "--init", init)
	has("train --init", tr, []string{"epochs", "lr", "init"}, []string{"init_scale", "seed"})
	if tr["init"] != init {
		t.Errorf("train --init: init %v", tr["init"])
	}
}
