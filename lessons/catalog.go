package lessons

import (
	"fmt"
	"sort"
	"strings"

	"github.com/backstep/backstep/net"
)

// Bug is one known mistake, as a change to the reference training run: to
// named statements of the step (Patch), to the configuration (Configure:
// the learning rate, the initial weights' scale) or to the data (Data).
type Bug struct {
	ID      string
	Title   string
	Symptom string // one line: what a learner sees
	// Setting puts the network in the conditions the bug needs in order to
	// exist at all (no-transpose-square needs a square W2: 10 hidden
	// units). Unlike Configure it is not the mistake: a lesson applies it
	// to the correct run too. May be nil.
	Setting func(cfg *net.Config)
	// Configure is the mistake when it is a setting (a learning rate, the
	// initial weights' scale). It is applied after Setting. May be nil.
	Configure func(cfg *net.Config)
	// Data is the mistake when it is in the data (raw 0–255 pixels). It
	// returns a new dataset and leaves d alone. May be nil.
	Data func(d *net.Dataset) *net.Dataset
	// Start is the mistake when it is in the initial weights (big-init,
	// zero-init) and they come from a file (--init): it returns the
	// buggy weights made from the file's (which it leaves alone) and says
	// in a few words what it did. Drawn weights get the mistake from
	// Configure (the scale of randn) instead. May be nil.
	Start func(params net.Vars) (net.Vars, string)
	// Patch replaces (or inserts) statements of the built program. May be
	// nil. It never reads the data.
	Patch func(p *net.Program)
	// Parts lists the bugs a composite bug is made of (seed-original); nil
	// for a single mistake. A composite's Patch applies its parts' patches.
	Parts []string
	// Requires, if set, says in which networks the patch is this bug and
	// not another: the same missing .T is no-transpose when W2 is not
	// square and no-transpose-square when it is.
	Requires func(cfg net.Config) bool
}

// Names reports whether b can name one fault found in a network of cfg:
// a composite bug is several mistakes, and a bug whose Requires excludes
// cfg is another bug there.
func (b *Bug) Names(cfg net.Config) bool {
	return b.Parts == nil && (b.Requires == nil || b.Requires(cfg))
}

var catalog = map[string]*Bug{}

func init() {
	registerBugs()
	registerFieldBugs()
	registerLessons()
	registerFieldLessons()
}

func register(b *Bug) { catalog[b.ID] = b }

// Lookup returns the bug with the given id, or an error listing the ids.
func Lookup(id string) (*Bug, error) {
	if b, ok := catalog[id]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("lessons: no bug %q; known bugs: %s", id, strings.Join(IDs(), ", "))
}

// IDs lists the catalog's bug ids in alphabetical order.
func IDs() []string {
	ids := make([]string, 0, len(catalog))
	for id := range catalog {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func lookupAll(ids []string) ([]*Bug, error) {
	var bugs []*Bug
	for _, id := range ids {
		b, err := Lookup(id)
		if err != nil {
			return nil, err
		}
		bugs = append(bugs, b)
	}
	return bugs, nil
}

// Configure returns cfg as the given bugs leave it: every bug's Setting,
// then every bug's Configure, in order.
func Configure(cfg net.Config, bugIDs []string) (net.Config, error) {
	bugs, err := lookupAll(bugIDs)
	if err != nil {
		return cfg, err
	}
	for _, b := range bugs {
		if b.Setting != nil {
			b.Setting(&cfg)
		}
	}
	for _, b := range bugs {
		if b.Configure != nil {
			b.Configure(&cfg)
		}
	}
	return cfg, nil
}

// Program builds the training step for cfg with the given bugs applied in
// order, and returns it with the configuration the bugs left.
func Program(cfg net.Config, bugIDs []string) (*net.Program, error) {
	cfg, err := Configure(cfg, bugIDs)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := net.Build(cfg)
	bugs, _ := lookupAll(bugIDs)
	for _, b := range bugs {
		if b.Patch != nil {
			b.Patch(p)
		}
	}
	return p, nil
}

// Start returns the weights a run with the given bugs starts from, and a
// few words saying what they are. params are the weights read from file
// (--init), or nil to draw them as net.Init does from cfg, the
// configuration the bugs left (Configure sets the scale of randn for
// big-init and zero-init). Bugs in the initial weights apply their
// mistake to a file's weights too, so `--bug zero-init --init FILE` still
// starts from zero weights.
func Start(cfg net.Config, bugIDs []string, params net.Vars, file string) (net.Vars, string, error) {
	bugs, err := lookupAll(bugIDs)
	if err != nil {
		return nil, "", err
	}
	if params == nil {
		if cfg.InitScale == 0 {
			return net.Init(cfg), "zeros", nil
		}
		return net.Init(cfg), fmt.Sprintf("randn × %v, seed %d", cfg.InitScale, cfg.Seed), nil
	}
	text := file
	for _, b := range bugs {
		if b.Start != nil {
			var what string
			params, what = b.Start(params)
			text += " with " + what
		}
	}
	return params, text, nil
}

// Dataset returns d as the given bugs leave it (raw pixels for
// no-normalize); d itself is not modified. With no data bug it is d.
func Dataset(d *net.Dataset, bugIDs []string) (*net.Dataset, error) {
	bugs, err := lookupAll(bugIDs)
	if err != nil {
		return nil, err
	}
	for _, b := range bugs {
		if b.Data != nil {
			d = b.Data(d)
		}
	}
	return d, nil
}
