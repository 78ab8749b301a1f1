package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMECitesWhatShips: the README sends readers only to files in the
// repository, and counts the question's bugs as the lesson does.
func TestREADMECitesWhatShips(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, bad := range []string{"reference notes", "four bugs"} {
		if strings.Contains(readme, bad) {
			t.Errorf("README says %q", bad)
		}
	}
	// paths with a folder (testdata/peers/x.py) and Markdown files
	cited := regexp.MustCompile(`(?:^|[\s(\x60])((?:[\w.-]+/)+[\w.-]+\.\w+|[\w-]+\.md)\b`)
	for _, m := range cited.FindAllStringSubmatch(readme, -1) {
		if _, err := os.Stat(filepath.Join(root, m[1])); err != nil {
			t.Errorf("README cites %s, which is not in the repository", m[1])
		}
	}
}
