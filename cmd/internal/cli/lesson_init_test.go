package cli

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backstep/backstep/lessons"
	"github.com/backstep/backstep/net"
)

var init60 = filepath.Join("..", "..", "..", "testdata", "lessons", "init-784-60-10.npz")

// TestLessonRunFromInitFile: a bug in the initial weights applies to the
// file's weights, and the header, the lines and the JSON say so; nothing
// says the weights were drawn from randn.
func TestLessonRunFromInitFile(t *testing.T) {
	args := []string{"lesson", "run", "zero-init", "--init", init60, "--epochs", "2", "--n", "300", "--heldout", "-1"}
	stdout, stderr, code := run(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	flat := strings.Join(strings.Fields(stdout), " ")
	for _, want := range []string{
		"buggy W1 = np.zeros((784, 60)) fixed W1 = np.load(\"" + init60 + "\")[\"W1\"]",
		"buggy W2 = np.zeros((60, 10))",
		"weights " + init60 + "; the buggy run's weights: " + init60 + " with W1 and W2 set to zeros",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "randn") {
		t.Errorf("the output mentions randn though the weights come from %s:\n%s", init60, stdout)
	}
	checkWidth(t, stdout)

	stdout, stderr, code = run(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Config  map[string]any `json:"config"`
		Buggy   struct{ Init string }
		Correct struct{ Init string }
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc.Config["init_scale"]; ok || doc.Config["init"] != doc.Buggy.Init {
		t.Errorf("config %v: no init_scale for weights from a file, and init as the buggy run's", doc.Config)
	}
	if doc.Correct.Init != init60 || doc.Buggy.Init != init60+" with W1 and W2 set to zeros" {
		t.Errorf("init: buggy %q, correct %q", doc.Buggy.Init, doc.Correct.Init)
	}
}

// TestLessonRunRefusesInitOfOtherSizes: no-transpose-square needs a square
// W2; a 784-60-10 file is refused in one line (used to run under a
// 784-10-10 header), and --all leaves out the lessons whose networks have
// other sizes (that one, delta-not-backpropagated's 784-10-10, Nielsen's
// 784-30-10) and says so.
func TestLessonRunRefusesInitOfOtherSizes(t *testing.T) {
	stdout, stderr, code := run(t, "lesson", "run", "no-transpose-square", "--init", init60)
	if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "784-10-10") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	_, stderr, code = run(t, "train", "--bug", "no-transpose-square", "--init", init60, "--epochs", "1")
	if code != 2 || !strings.Contains(stderr, "784-10-10") {
		t.Errorf("train: exit %d, stderr %q", code, stderr)
	}
	stdout, stderr, code = run(t, "lesson", "run", "--all", "--init", init60, "--epochs", "1", "--n", "100", "--heldout", "-1", "--json")
	if code != 0 {
		t.Fatalf("--all: exit %d: %s", code, stderr)
	}
	var doc struct {
		Lessons []struct{ Lesson string }
		Skipped []struct{ Lesson, Reason string }
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	// The lessons whose networks have other layer sizes than the file's.
	want := map[string]string{"no-transpose-square": "784-10-10", "delta-not-backpropagated": "784-10-10",
		"derivative-of-activation": "784-30-10", "derivative-of-error": "784-30-10"}
	for _, s := range doc.Skipped {
		if sizes, ok := want[s.Lesson]; !ok || !strings.Contains(s.Reason, sizes) {
			t.Errorf("skipped %s: %s", s.Lesson, s.Reason)
		}
	}
	if len(doc.Skipped) != len(want) || len(doc.Lessons) != len(lessons.All())-len(want) {
		t.Errorf("skipped %v, %d lessons run", doc.Skipped, len(doc.Lessons))
	}
}

// TestLessonJSONKeepsInfiniteCrossEntropy: a finite loss beside an
// infinite cross-entropy (log-zero's guarded loss) must not hide it.
func TestLessonJSONKeepsInfiniteCrossEntropy(t *testing.T) {
	e := epochToJSON(lessons.Epoch{Epoch: 3, Loss: 4.2, CrossEntropy: math.Inf(1), Accuracy: 0.1}, false, false, net.CrossEntropy)
	if e.CrossEntropy == nil || !math.IsInf(float64(*e.CrossEntropy), 1) {
		t.Errorf("cross_entropy %v, want Inf beside the finite loss", e.CrossEntropy)
	}
	if e := epochToJSON(lessons.Epoch{Loss: 2.5, CrossEntropy: 2.5}, false, false, net.CrossEntropy); e.CrossEntropy != nil {
		t.Errorf("cross_entropy written though it equals the loss")
	}
	if e := epochToJSON(lessons.Epoch{Loss: math.NaN(), CrossEntropy: math.Inf(1)}, false, false, net.CrossEntropy); e.CrossEntropy == nil {
		t.Errorf("cross_entropy Inf left out beside a NaN loss")
	}
}

// TestTrainBatchFigures: with --batch, help and output say an epoch's
// figures are the mean over its batches.
func TestTrainBatchFigures(t *testing.T) {
	stdout, _, _ := run(t, "train", "--help")
	if !strings.Contains(strings.Join(strings.Fields(stdout), " "), "with --batch, they are the mean over the epoch's batches") {
		t.Errorf("train --help does not say what an epoch's figures are with --batch:\n%s", stdout)
	}
	stdout, stderr, code := run(t, "train", "--batch", "100", "--n", "250", "--epochs", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "the mean over its 3 batches, each before its own update") {
		t.Errorf("train --batch does not say its figures are means over the batches:\n%s", stdout)
	}
	stdout, _, _ = run(t, "lesson", "run", "--help")
	if !strings.Contains(strings.Join(strings.Fields(stdout), " "), "the mean over the epoch's batches") {
		t.Errorf("lesson run --help does not say what an epoch's figures are with mini-batches")
	}
}
