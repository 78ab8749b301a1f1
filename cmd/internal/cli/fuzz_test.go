package cli

import (
	"bytes"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// fuzzCommands are the command paths FuzzRun starts from; the fuzzer
// writes the rest of the command line.
var fuzzCommands = [][]string{{"train"}, {"step"}, {"gradcheck"}, {"lesson", "run"}, {"lesson", "show"},
	{"check"}, {"lesson"}, {"help"}, {}}

// leak matches an internal package prefix in a message.
var leak = regexp.MustCompile(`(^|: )(net|lessons|tracer|repl|render): `)

// checkOutcome asserts what every command line must give: exit 0, 1 or 2;
// no panic or goroutine dump; on exit 2 exactly one line on stderr, which
// starts with "backstep: " and leaks no internal prefix; on exit 1 at
// most one.
func checkOutcome(t *testing.T, args []string, code int, stderr string) {
	t.Helper()
	switch {
	case code < 0 || code > 2:
		t.Fatalf("%q: exit %d", args, code)
	case strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic"):
		t.Fatalf("%q: a crash on stderr:\n%s", args, stderr)
	case code == 2 && (strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "backstep: ")):
		t.Fatalf("%q: exit 2 with stderr %q, want one line", args, stderr)
	case code == 1 && strings.Count(stderr, "\n") > 1:
		t.Fatalf("%q: exit 1 with stderr %q, want at most one line", args, stderr)
	case leak.MatchString(strings.TrimPrefix(stderr, "backstep: ")):
		t.Fatalf("%q: an internal prefix in %q", args, stderr)
	}
}

// FuzzRun drives the whole cobra tree with command lines the fuzzer
// writes (one argument a line), through Run into buffers. The memory
// limit is 1 GiB, so that sizes past it are refused as a user's would be
// on a small machine; training runs one epoch; --plot (which writes
// files) and lesson run --all (minutes) are left out.
// Run: go test ./cmd/internal/cli -run '^$' -fuzz FuzzRun
func FuzzRun(f *testing.F) {
	seeds := []struct {
		cmd  uint8
		args string
	}{
		{0, "--hidden\n9223372036854775807"},
		{1, "--hidden\n100000000"},
		{0, "--hidden\n100000,100000"},
		{0, "--hidden\n60,,3"},
		{1, "--bug\nno-transpose\n--interactive\noff\n--n\n20"},
		{0, "--bug\nno-transpose\n--n\n20"},
		{2, "--bug\nno-transpose"},
		{2, "--eps\n0.1"},
		{2, "--eps\n1e-320"},
		{2, "--samples\n0"},
		{2, "--samples\n20000"},
		{0, "--n\n-1"},
		{0, "--batch\n-5\n--n\n30"},
		{1, "--init\n../../../testdata/dumps/init-rows.npz\n--n\n20\n--interactive\noff"},
		{1, "--init\n/dev/zero"},
		{0, "--data\n/dev/null"},
		{0, "--data\n../../../testdata/mnist\n--n\n10"},
		{3, "sign-flip\n--n\n50\n--heldout\n-1"},
		{3, "no-such-lesson"},
		{4, "bias-axis\n--layout\ncols"},
		{5, "../../../testdata/dumps/truncated.npz"},
		{5, "/dev/zero"},
		{7, "frob"},
		{8, "--color\npurple"},
	}
	for _, s := range seeds {
		f.Add(s.cmd, s.args)
	}
	f.Fuzz(func(t *testing.T, cmd uint8, rest string) {
		args := append([]string(nil), fuzzCommands[int(cmd)%len(fuzzCommands)]...)
		if rest != "" {
			args = append(args, strings.Split(rest, "\n")...)
		}
		for _, a := range args {
			if strings.Contains(a, "plot") || a == "--all" || strings.HasPrefix(a, "--all=") {
				t.Skip("writes files or takes minutes")
			}
		}
		if len(args) > 0 && (args[0] == "train" || len(args) > 1 && args[1] == "run") {
			args = append(args, "--epochs=1")
		}
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
		var out, errOut bytes.Buffer
		io := &IOStreams{In: strings.NewReader("n\nq\n"), Out: &out, ErrOut: &errOut}
		code := Run(io, args, true)
		checkOutcome(t, args, code, errOut.String())
	})
}
