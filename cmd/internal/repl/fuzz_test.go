package repl

import (
	"strings"
	"testing"
)

// FuzzCommands feeds the debugger sequences of command lines (one a line)
// on the small network of newSession: every line must be answered, never
// panic, and say what was wrong in one short message rather than a dump.
// Run: go test ./cmd/internal/repl -run '^$' -fuzz FuzzCommands
func FuzzCommands(f *testing.F) {
	for _, seed := range []string{
		"n\np W1 0:3 0:2\nshape Z1\nstats A1\ne\nimage X 0",
		"b db2\nc\nclear\nb nan\nb shape-change\nr\nc",
		"help frob\nfrob\nhelp\nhelp break",
		"p W1 -1:\np W1 ::-1\np W1 0:0\np W1 99999999999999999999\np",
		"image W1 -1\nimage X 9223372036854775807\nimage m 0",
		"next 9223372036854775807\ns\ns\nn 0\nn -3\nvars\nlist",
		"\n\n\x00\xff\xfe\n" + strings.Repeat("p ", 600),
		"p W1[::-1, 0]\np W2.T.shape\np X[::0]\np W1[-9223372036854775808:9223372036854775807:-9223372036854775808]\np 13\np lr",
		"b 9\nlist 5\ndelete 9\nclear 9\nclear\nhelp p\np 2[0][1]\ne 17\nd",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, script string) {
		s := newSession(t, 0.1, nil)
		lines := strings.Split(script, "\n")
		if len(lines) > 50 {
			lines = lines[:50]
		}
		for _, line := range lines {
			out := s.exec(line)
			if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic") {
				t.Fatalf("%q: a crash in the output:\n%s", line, out)
			}
			if s.d.quit {
				return
			}
		}
	})
}
