package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// asBinary, set in the environment, makes the test binary run as the
// backstep program (cmd/backstep's main is os.Exit(Main())), so a test can
// start the real program without building it.
const asBinary = "BACKSTEP_TEST_AS_PROGRAM"

func TestMain(m *testing.M) {
	if os.Getenv(asBinary) == "1" {
		os.Exit(Main())
	}
	// tablewriter measures widths with go-runewidth; pin its locale guess.
	os.Setenv("RUNEWIDTH_EASTASIAN", "0")
	code := m.Run()
	removeBinary()
	os.Exit(code)
}

// run executes one command line against buffers, as a pipe would.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	code = Run(io, args, false)
	return out.String(), errOut.String(), code
}

func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"train", "--epochs", "0"}, "--epochs must be at least 1"},
		{[]string{"train", "--lr", "-1"}, "--lr must be a positive number"},
		{[]string{"train", "--lr", "nan"}, "--lr must be a positive number"},
		{[]string{"train", "--hidden", "0"}, "--hidden"},
		{[]string{"train", "--hidden", "60,x"}, "--hidden"},
		{[]string{"train", "--act", "swish"}, "use tanh, sigmoid or relu"},
		{[]string{"train", "--layout", "diag"}, "use rows"},
		{[]string{"train", "--n", "20000"}, "--n 20000 is more than the 10000 images"},
		{[]string{"train", "--data", "/nonexistent"}, "/nonexistent"},
		{[]string{"train", "--bug", "no-such-bug"}, "known bugs:"},
		{[]string{"train", "--epochs", "many"}, "invalid argument"},
		{[]string{"train", "--color", "purple"}, "--color must be auto, always or never"},
		{[]string{"no-such-command"}, "unknown command"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			stdout, stderr, code := run(t, c.args...)
			if code != 2 {
				t.Fatalf("exit code %d, want 2", code)
			}
			if stdout != "" {
				t.Fatalf("stdout not empty: %q", stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
				t.Fatalf("stderr %q, want one line containing %q", stderr, c.want)
			}
		})
	}
}

func TestTrainJSON(t *testing.T) {
	stdout, stderr, code := run(t, "train", "--epochs", "3", "--n", "1000", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Config struct {
			Sizes  []int  `json:"sizes"`
			Layout string `json:"layout"`
			N      int    `json:"n"`
		} `json:"config"`
		Epochs []struct {
			Epoch    int     `json:"epoch"`
			Loss     float64 `json:"loss"`
			Accuracy float64 `json:"accuracy"`
		} `json:"epochs"`
		Final struct {
			Loss     float64 `json:"loss"`
			Accuracy float64 `json:"accuracy"`
		} `json:"final"`
		SecondsPerEpoch float64 `json:"seconds_per_epoch"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if len(got.Epochs) != 3 || got.Config.N != 1000 || got.Config.Layout != "rows" || len(got.Config.Sizes) != 3 {
		t.Fatalf("unexpected run: %+v", got)
	}
	last := got.Epochs[2]
	if got.Final.Loss != last.Loss || got.Final.Accuracy != last.Accuracy {
		t.Fatalf("final %+v is not the last epoch %+v", got.Final, last)
	}
	for _, e := range got.Epochs {
		if e.Accuracy < 0 || e.Accuracy > 1 {
			t.Fatalf("accuracy %v is not a fraction", e.Accuracy)
		}
	}
	if got.Epochs[0].Loss < 2.29 || got.Epochs[0].Loss > 2.32 || got.SecondsPerEpoch <= 0 {
		t.Fatalf("first loss %v (want ≈ ln 10), seconds per epoch %v", got.Epochs[0].Loss, got.SecondsPerEpoch)
	}
}

func TestTrainTable(t *testing.T) {
	stdout, _, code := run(t, "train", "--epochs", "40", "--n", "500", "--layout", "cols")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"784-60-10 tanh, cols layout, 500 images", "│ epoch │", "│     1 │", "│    40 │", "final: loss"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "│    39 │") || !strings.Contains(stdout, "│     5 │") {
		t.Errorf("40 epochs should show every 5th:\n%s", stdout)
	}
	for _, line := range strings.Split(stdout, "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}
	if strings.Contains(stdout, "\x1b[") {
		t.Error("colour written to a pipe")
	}
}

// TestHelpFitsTheTerminal: every command's help fits 100 columns.
func TestHelpFitsTheTerminal(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"train", "--help"}, {"step", "--help"}, {"gradcheck", "--help"},
		{"check", "--help"}, {"lesson", "--help"}, {"lesson", "run", "--help"}, {"lesson", "list", "--help"}} {
		stdout, _, code := run(t, args...)
		if code != 0 || !strings.Contains(stdout, "Usage:") {
			t.Fatalf("%v: exit %d\n%s", args, code, stdout)
		}
		for _, line := range strings.Split(stdout, "\n") {
			if n := len([]rune(line)); n > 100 {
				t.Errorf("%v: line of %d columns: %q", args, n, line)
			}
		}
	}
}
