package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/lessons"
)

func checkWidth(t *testing.T, out string) {
	t.Helper()
	checkWidthOf(t, out, 100)
}

// checkWidthOf checks that every line fits width columns and that no
// colour reaches a pipe.
func checkWidthOf(t *testing.T, out string, width int) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if n := render.VisibleWidth(line); n > width {
			t.Errorf("line of %d columns (> %d): %q", n, width, line)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour written to a pipe")
	}
}

func TestLessonList(t *testing.T) {
	stdout, stderr, code := run(t, "lesson", "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, l := range lessons.All() {
		if !strings.Contains(stdout, l.Bug.ID+" ") {
			t.Errorf("list lacks %s", l.Bug.ID)
		}
	}
	if !strings.HasPrefix(stdout, "seed-original ") {
		t.Errorf("list does not start with the question's code:\n%s", stdout)
	}
	if n := strings.Count(stdout, "\n"); n != 2*len(lessons.All()) {
		t.Errorf("%d lines for %d lessons: want a title line and a one-line symptom each", n, len(lessons.All()))
	}
	checkWidth(t, stdout)
	narrow, _, _ := run(t, "lesson", "list", "--width", "80")
	checkWidthOf(t, narrow, 80)

	// --json: the same lessons, in the same order.
	out, _, code := run(t, "lesson", "list", "--json")
	var got struct {
		Lessons []map[string]string `json:"lessons"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
		t.Fatalf("lesson list --json: exit %d, %v\n%s", code, err, out)
	}
	if len(got.Lessons) != len(lessons.All()) || got.Lessons[0]["id"] != "seed-original" {
		t.Fatalf("%d lessons in JSON, %d lessons", len(got.Lessons), len(lessons.All()))
	}
	for i, l := range lessons.All() {
		e := got.Lessons[i]
		if e["id"] != l.Bug.ID || e["title"] != l.Bug.Title || e["symptom"] != l.Bug.Symptom || e["claim"] != l.Claim {
			t.Errorf("entry %d is %v, want the lesson %s", i, e, l.Bug.ID)
		}
	}
}

func TestLessonShow(t *testing.T) {
	for _, layout := range []string{"rows", "cols"} {
		stdout, stderr, code := run(t, "lesson", "show", "bias-axis", "--layout", layout)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		buggy := map[string]string{"rows": "db1 = np.sum(dZ1, axis=1, keepdims=True) / m",
			"cols": "db1 = np.sum(dZ1, axis=0, keepdims=True) / m"}[layout]
		for _, want := range []string{"bias-axis — ", "buggy  " + buggy, "why ", "catch ", "claim ", "run it: backstep lesson run bias-axis"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: show lacks %q:\n%s", layout, want, stdout)
			}
		}
		checkWidth(t, stdout)
	}
}

func TestLessonBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"lesson", "run"}, "needs one lesson id"},
		{[]string{"lesson", "run", "no-such"}, "no lesson \"no-such\" (see backstep lesson list)"},
		{[]string{"lesson", "run", "sign-flip", "--all"}, "not both"},
		{[]string{"lesson", "run", "sign-flip", "zero-init"}, "needs one lesson id"},
		{[]string{"lesson", "run", "sign-flip", "--epochs", "-1"}, "--epochs"},
		{[]string{"lesson", "run", "sign-flip", "--n", "-5"}, "--n"},
		{[]string{"lesson", "run", "sign-flip", "--heldout", "-2"}, "--heldout"},
		{[]string{"lesson", "run", "sign-flip", "--layout", "diag"}, "--layout"},
		{[]string{"lesson", "run", "sign-flip", "--plot", "out.jpg"}, ".png or .svg"},
		{[]string{"lesson", "run", "--all", "--plot", "out.png"}, "--plot draws one lesson"},
		{[]string{"lesson", "run", "sign-flip", "--n", "20000"}, "20000"},
		{[]string{"lesson", "run", "sign-flip", "--data", "/nonexistent"}, "/nonexistent"},
		{[]string{"lesson", "show"}, "needs one lesson id"},
		{[]string{"lesson", "show", "nope"}, "no lesson \"nope\""},
		{[]string{"lesson", "list", "extra"}, "takes no arguments"},
		{[]string{"train", "--bug", "no-such"}, "known bugs:"},
	}
	// A catalog bug without a lesson, if the catalog has one, says where
	// to try it instead.
	withLesson := map[string]bool{}
	for _, l := range lessons.All() {
		withLesson[l.Bug.ID] = true
	}
	for _, id := range lessons.IDs() {
		if !withLesson[id] {
			cases = append(cases, struct {
				args []string
				want string
			}{[]string{"lesson", "show", id}, fmt.Sprintf("bug %q has no lesson: try it with --bug %s", id, id)})
			break
		}
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			stdout, stderr, code := run(t, c.args...)
			if code != 2 {
				t.Fatalf("exit code %d, want 2 (stderr %q)", code, stderr)
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

func TestLessonRunText(t *testing.T) {
	dir := t.TempDir()
	plot := filepath.Join(dir, "sign.png")
	stdout, stderr, code := run(t, "lesson", "run", "sign-flip", "--epochs", "4", "--n", "600", "--heldout", "200", "--plot", plot)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"buggy  dZ2 = Y - A2", "fixed  dZ2 = A2 - Y", "│ epoch │ buggy loss │",
		"600 training + 200 held-out images", "o correct (training accuracy)", "findings (buggy run):",
		"below-chance", "plot written to " + plot} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	checkWidth(t, stdout)
	b, err := os.ReadFile(plot)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("no PNG written: %v", err)
	}
	if stderr != "" {
		t.Errorf("progress written to a pipe: %q", stderr)
	}
}

func TestLessonRunMetricColumn(t *testing.T) {
	stdout, _, code := run(t, "lesson", "run", "counter-not-reset", "--epochs", "3", "--n", "300", "--heldout", "-1")
	if code != 0 {
		t.Fatal("exit", code)
	}
	for _, want := range []string{"reported", "+ buggy, reported", "300 training images, none held out"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "held-out │") {
		t.Error("held-out column without held-out images")
	}
}

func TestLessonRunJSON(t *testing.T) {
	stdout, stderr, code := run(t, "lesson", "run", "bias-axis", "--epochs", "2", "--n", "400", "--heldout", "100", "--json")
	// The mini-batch scenario's buggy step fails (b1 became (100,60)): that
	// is the lesson's point, shown in its report, so the replay exits 0.
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Lesson string `json:"lesson"`
		Shown  bool   `json:"shown"`
		Lines  []struct {
			Buggy, Fixed string
		} `json:"lines"`
		Buggy struct {
			Epochs []map[string]any `json:"epochs"`
			Shapes map[string][]int `json:"shapes"`
		} `json:"buggy"`
		Correct struct {
			Epochs []map[string]any `json:"epochs"`
		} `json:"correct"`
		Findings []struct {
			ID      string `json:"id"`
			Message string `json:"message"`
		} `json:"findings"`
		Scenarios []map[string]any `json:"scenarios"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if got.Lesson != "bias-axis" || len(got.Lines) != 2 || len(got.Scenarios) != 2 {
		t.Fatalf("unexpected document: %+v", got)
	}
	if len(got.Buggy.Epochs) != 2 || len(got.Correct.Epochs) != 2 {
		t.Fatalf("epochs: %d and %d", len(got.Buggy.Epochs), len(got.Correct.Epochs))
	}
	e := got.Buggy.Epochs[1]
	for _, key := range []string{"epoch", "loss", "accuracy", "heldout_accuracy"} {
		if _, ok := e[key]; !ok {
			t.Errorf("epoch lacks %q: %v", key, e)
		}
	}
	if e["heldout_accuracy"] != "NaN" {
		t.Errorf("held-out accuracy of a drifted network: %v, want \"NaN\"", e["heldout_accuracy"])
	}
	if s := got.Buggy.Shapes["b1"]; len(s) != 2 || s[0] != 400 || s[1] != 60 {
		t.Errorf("b1 shape %v, want [400 60]", s)
	}
	ids := map[string]bool{}
	for _, f := range got.Findings {
		ids[f.ID] = f.Message != ""
	}
	if !ids["shape-drift"] || !ids["heldout-error"] {
		t.Errorf("findings %v", got.Findings)
	}
}

func TestLessonSummaryFits(t *testing.T) {
	var results []*lessons.Result
	ro := lessons.Options{Epochs: 2, N: 300, Heldout: 100, Cache: &lessons.Cache{}}
	for _, id := range []string{"labels-not-onehot", "no-transpose"} {
		l, _ := lessons.LessonFor(id)
		res, err := lessons.Replay(l, ro)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
	}
	var out bytes.Buffer
	io := &IOStreams{Out: &out}
	if err := writeSummary(io, render.Palette{}, results, 1.5); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"│ no-transpose ", "stopped", "shape-error", "of 2 lessons showed their claim; 1.5 s in all"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	checkWidth(t, out.String())
	// At 80 columns tablewriter narrows the table; no finding is lost.
	var narrow bytes.Buffer
	if err := writeSummary(&IOStreams{Out: &narrow, Width: 80}, render.Palette{}, results, 1.5); err != nil {
		t.Fatal(err)
	}
	checkWidthOf(t, narrow.String(), 80)
	for _, f := range results[0].Main().Buggy.Findings {
		if !strings.Contains(narrow.String(), f.ID) {
			t.Errorf("the 80-column summary lost the finding %s:\n%s", f.ID, narrow.String())
		}
	}
}
