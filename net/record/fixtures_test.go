package record

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The recordings the tests read are made by the recorder itself from the
// scripts in testdata/scripts, with Debian's python3-numpy:
//
//	go test ./net/record -run TestRecordFixtures -record
var rerecord = flag.Bool("record", false, "record the fixtures under testdata/records again (needs Python 3 with NumPy)")

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

// only names the one fixture to record again (-record -only NAME), so that
// adding a fixture leaves the others as they were recorded.
var only = flag.String("only", "", "with -record, record only this fixture")

// fixtures are the recorded runs the tests read: name → script and its
// arguments.
var fixtures = map[string][]string{
	"question-200":         {"question.py", "200"},
	"fixed-200":            {"question_fixed.py", "200"},
	"foreign":              {"foreign.py"},
	"notebook":             {"notebook.ipynb"},
	"vectors":              {"vectors.py"},
	"update-forms":         {"update_forms.py"},
	"dicts":                {"dicts.py"},
	"classy":               {"classy.py"},
	"tuples":               {"tuples.py"},
	"iamtrask":             {"iamtrask.py"},
	"out-param":            {"out_param.py"},
	"aliases":              {"aliases.py"},
	"one-shot":             {"one_shot.py"},
	"shift-in-function":    {"shift_in_function.py"},
	"cache-tuple":          {"cache_tuple.py"},
	"cache-dict-bug":       {"cache_tuple.py", "dict", "bug"},
	"hidden-relu":          {"hidden_forward.py"},
	"hidden-relu-bug":      {"hidden_forward.py", "bug"},
	"hidden-leaky":         {"hidden_forward.py", "leaky"},
	"loop-tuple":           {"param_loops.py"},
	"loop-list":            {"param_loops.py", "list"},
	"loop-index":           {"param_loops.py", "index"},
	"loop-tuple-bug":       {"param_loops.py", "bug"},
	"layer-list":           {"layer_list.py"},
	"layer-list-bug":       {"layer_list.py", "bug"},
	"layer-objects":        {"layer_objects.py"},
	"layer-objects-bug":    {"layer_objects.py", "bug"},
	"layer-sequential":     {"layer_sequential.py"},
	"layer-sequential-bug": {"layer_sequential.py", "bug"},
	"class-dicts":          {"class_dicts.py"},
	"class-dicts-bug":      {"class_dicts.py", "bug"},
	"fit-alias":            {"fit_alias.py"},
	"fit-alias-bug":        {"fit_alias.py", "bug"},
}

func fixtureDir(name string) string { return filepath.Join("..", "..", "testdata", "records", name) }

func TestRecordFixtures(t *testing.T) {
	if !*rerecord {
		t.Skip("run with -record to record the fixtures again")
	}
	python := os.Getenv("BACKSTEP_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
	}
	for name, script := range fixtures {
		if *only != "" && name != *only {
			continue
		}
		dir := fixtureDir(name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := Run(Options{Script: filepath.Join("..", "..", "testdata", "scripts", script[0]), Args: script[1:],
			Python: python, Iterations: 1, Stdout: io.Discard, Stderr: io.Discard, keep: dir})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// fixture reads a recorded run.
func fixture(t *testing.T, name string) *Recording {
	t.Helper()
	r, err := Read(fixtureDir(name))
	if err != nil {
		t.Fatal(err)
	}
	return r
}
