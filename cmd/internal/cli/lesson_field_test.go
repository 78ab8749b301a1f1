package cli

import (
	"strings"
	"testing"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/lessons"
	"github.com/backstep/backstep/net"
)

// The lessons of the bugs found in learners' own code, with the network
// words each one's replay must say, and a short run of each.
var fieldLessonCases = []struct {
	id      string
	network string   // in the replay's description
	run     []string // a short run's options
}{
	{"derivative-of-activation", "784-30-10 sigmoid → sigmoid, squared error", []string{"--epochs", "2", "--n", "200", "--heldout", "50"}},
	{"derivative-of-error", "784-30-10 sigmoid → sigmoid, squared error", []string{"--epochs", "2", "--n", "200", "--heldout", "50"}},
	{"delta-not-backpropagated", "784-10-10 tanh, rows", []string{"--epochs", "5", "--n", "500", "--heldout", "100"}},
	{"dot-not-outer", "batches of 1", []string{"--epochs", "1", "--n", "100", "--heldout", "50"}},
	{"double-normaliser", "784-60-10 tanh, rows", []string{"--epochs", "3", "--n", "500", "--heldout", "100"}},
	{"sum-loss", "784-60-10 tanh, rows", []string{"--epochs", "3", "--n", "500", "--heldout", "100"}},
	{"bias-not-reduced", "784-60-10 tanh, rows", []string{"--epochs", "3", "--n", "500", "--heldout", "100"}},
	{"bias-mean", "784-60-10 tanh, 1/m in dZ2, rows", []string{"--epochs", "3", "--n", "500", "--heldout", "100"}},
	{"update-before-backprop", "784-60-10 tanh, rows", []string{"--epochs", "3", "--n", "500", "--heldout", "100"}},
}

func TestLessonShowField(t *testing.T) {
	for _, c := range fieldLessonCases {
		for _, layout := range []net.Layout{net.Rows, net.Cols} {
			t.Run(c.id+"/"+string(layout), func(t *testing.T) {
				stdout, stderr, code := run(t, "lesson", "show", c.id, "--layout", string(layout))
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				l, _ := lessons.LessonFor(c.id)
				lines := l.LinesFor(l.ScenarioConfig(l.Scenarios[0], lessons.Options{Layout: layout}), nil)
				want := []string{c.id + " — ", "why ", "catch ", "claim ", strings.Replace(c.network, "rows", string(layout), 1),
					"run it: backstep lesson run " + c.id}
				for _, lp := range lines {
					want = append(want, "buggy  "+lp.Buggy, "fixed  "+lp.Fixed)
				}
				for _, w := range want {
					if !strings.Contains(stdout, w) {
						t.Errorf("show lacks %q:\n%s", w, stdout)
					}
				}
				checkWidth(t, stdout)
			})
		}
	}
}

// TestLessonRunField runs each lesson briefly: the replay prints its
// tables, findings and a conclusion of computed sentences, within 100
// columns. (Whether each claim shows at the lesson's own size is the
// lessons package's test.)
func TestLessonRunField(t *testing.T) {
	for _, c := range fieldLessonCases {
		t.Run(c.id, func(t *testing.T) {
			stdout, stderr, code := run(t, append([]string{"lesson", "run", c.id}, c.run...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			l, _ := lessons.LessonFor(c.id)
			for _, w := range []string{c.id + " — ", c.network, "│ epoch │ buggy loss │", "findings (buggy run)", "  • "} {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
			claim := strings.Fields(l.Claim)[0] + " " + strings.Fields(l.Claim)[1]
			if !strings.Contains(stdout, "shown  "+claim) && !strings.Contains(stdout, "not shown in this run  "+claim) {
				t.Errorf("no verdict on the claim:\n%s", stdout)
			}
			checkWidth(t, stdout)
		})
	}
}

// TestLessonRunJSONSaysTheNetwork: the JSON of a lesson whose network is
// not the reference one says its output, loss and normaliser.
func TestLessonRunJSONSaysTheNetwork(t *testing.T) {
	stdout, stderr, code := run(t, "lesson", "run", "derivative-of-error", "--epochs", "1", "--n", "100", "--heldout", "-1", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{`"output": "sigmoid"`, `"loss": "squared-error"`, `"normaliser": "gradients"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}

// TestLessonEpochJSONNamesTheLoss: a squared-error network's recomputed
// loss is written under its own name, not as a cross-entropy.
func TestLessonEpochJSONNamesTheLoss(t *testing.T) {
	e := lessons.Epoch{Epoch: 1, Loss: 2, CrossEntropy: 1}
	if j := epochToJSON(e, false, false, net.SquaredError); j.SquaredError == nil || j.CrossEntropy != nil {
		t.Errorf("squared error: %+v", j)
	}
	if j := epochToJSON(e, false, false, net.CrossEntropy); j.CrossEntropy == nil || j.SquaredError != nil {
		t.Errorf("cross-entropy: %+v", j)
	}
}

// TestLessonSummaryFitsEveryLesson: run --all's summary of every lesson,
// the longest ids included, with many findings each, fits 100 columns.
func TestLessonSummaryFitsEveryLesson(t *testing.T) {
	var results []*lessons.Result
	for _, l := range lessons.All() {
		r := &lessons.Run{Findings: []lessons.Finding{{ID: "loss-at-init"}, {ID: "one-class-collapse"}, {ID: "exploding-gradients"}}}
		results = append(results, &lessons.Result{Lesson: l, Scenarios: []lessons.ScenarioResult{{Buggy: r, Correct: &lessons.Run{}}}})
	}
	var out strings.Builder
	if err := writeSummary(&IOStreams{Out: &out}, render.Palette{}, results, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "│ derivative-of-activation") {
		t.Errorf("summary lacks the new lessons:\n%s", out.String())
	}
	checkWidth(t, out.String())
}
