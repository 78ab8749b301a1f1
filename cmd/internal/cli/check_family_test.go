package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The family dumps are written by testdata/peers/make_family_dumps.py:
// correct and buggy steps of every output layer, loss, normaliser, sign
// convention, shape form and naming pattern learners use, each with what
// check must say.
type familyManifest struct {
	Files []struct {
		File       string            `json:"file"`
		Layout     string            `json:"layout"`
		ExpectExit int               `json:"expect_exit"`
		Faulty     []string          `json:"faulty"`
		Bugs       map[string]string `json:"bugs"`
		Words      []string          `json:"words"`
		Note       string            `json:"note"`
		Map        map[string]string `json:"map"`
		Family     struct {
			Output string `json:"output"`
			Loss   string `json:"loss"`
		} `json:"family"`
	} `json:"files"`
}

const familyDir = "../../../testdata/dumps/family"

func TestCheckFamilies(t *testing.T) { checkManifest(t, familyDir) }

// TestCheckReview: the steps a reviewer wrote to break check (made by
// testdata/peers/make_review_dumps.py): kinds the families do not cover.
func TestCheckReview(t *testing.T) { checkManifest(t, "../../../testdata/dumps/review") }

// checkManifest runs check on every dump a manifest lists and compares the
// exit code, the faulty statements, the bugs named and the words said.
func checkManifest(t *testing.T, familyDir string) {
	b, err := os.ReadFile(filepath.Join(familyDir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m familyManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		t.Run(f.File, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(familyDir, f.File)
			stdout, stderr, code := run(t, "check", path, "--json")
			if code != f.ExpectExit {
				text, _, _ := run(t, "check", path)
				t.Fatalf("exit %d, want %d (%s)\nstderr: %s\n%s", code, f.ExpectExit, f.Note, stderr, text)
			}
			if code == 2 { // unusable: the one line on stderr says why
				for _, w := range f.Words {
					if !strings.Contains(stderr, w) {
						t.Errorf("stderr lacks %q: %s", w, stderr)
					}
				}
				return
			}
			var got struct {
				OK       bool   `json:"ok"`
				Output   string `json:"output"`
				Loss     string `json:"loss"`
				Findings []struct {
					Tensor  string `json:"tensor"`
					Verdict string `json:"verdict"`
					Bug     string `json:"bug"`
				} `json:"findings"`
			}
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			var faulty []string
			for _, fd := range got.Findings {
				if fd.Verdict == "wrong" || fd.Verdict == "failed" {
					faulty = append(faulty, fd.Tensor)
					if want, ok := f.Bugs[fd.Tensor]; ok && fd.Bug != want {
						t.Errorf("%s: bug %q, want %q", fd.Tensor, fd.Bug, want)
					}
				}
			}
			if strings.Join(faulty, ",") != strings.Join(f.Faulty, ",") {
				text, _, _ := run(t, "check", path)
				t.Errorf("faulty %v, want %v (%s)\n%s", faulty, f.Faulty, f.Note, text)
			}
			if f.Family.Output != "" && got.Output != f.Family.Output {
				t.Errorf("output read as %s, want %s", got.Output, f.Family.Output)
			}
			if f.Family.Loss != "" && got.Loss != strings.ReplaceAll(f.Family.Loss, " ", "-") {
				t.Errorf("loss read as %s, want %s", got.Loss, f.Family.Loss)
			}
			if len(f.Words) > 0 {
				text, _, _ := run(t, "check", path)
				flat := strings.Join(strings.Fields(text), " ")
				for _, w := range f.Words {
					if !strings.Contains(flat, w) {
						t.Errorf("output lacks %q:\n%s", w, text)
					}
				}
			}
		})
	}
}

// TestCheckField: the dumps of the field cases (learners' real steps,
// made by testdata/peers/field_dumps.py from ../shared/field) get the
// verdict each case's docstring expects.
func TestCheckField(t *testing.T) {
	dir := "../../../testdata/dumps/field"
	b, err := os.ReadFile(filepath.Join(dir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Files []struct {
			File       string   `json:"file"`
			ExpectExit int      `json:"expect_exit"`
			First      *string  `json:"first_faulty"`
			Bugs       []string `json:"bugs"`
		} `json:"files"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		t.Run(f.File, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := run(t, "check", filepath.Join(dir, f.File), "--json")
			if code != f.ExpectExit {
				t.Fatalf("exit %d, want %d: %s", code, f.ExpectExit, stderr)
			}
			var got struct {
				First *string  `json:"first_faulty"`
				Bugs  []string `json:"bugs"`
			}
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatal(err)
			}
			if (got.First == nil) != (f.First == nil) || got.First != nil && *got.First != *f.First {
				t.Errorf("first faulty %v, want %v", got.First, f.First)
			}
			if strings.Join(got.Bugs, ",") != strings.Join(f.Bugs, ",") {
				t.Errorf("bugs %v, want %v", got.Bugs, f.Bugs)
			}
		})
	}
}
