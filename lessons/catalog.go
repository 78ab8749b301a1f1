package lessons

import (
	"fmt"
	"sort"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// Bug is one known mistake, as a patch to the reference training step.
type Bug struct {
	ID      string
	Title   string
	Symptom string // one line: what a learner sees
	// Configure adjusts the configuration before the program is built
	// (for example a learning rate or a hidden size). May be nil.
	Configure func(cfg *net.Config)
	// Patch replaces statements of the built program. May be nil.
	Patch func(p *net.Program)
}

var catalog = map[string]*Bug{}

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

// Program builds the training step for cfg with the given bugs applied in
// order, and returns it with the configuration the bugs left.
func Program(cfg net.Config, bugIDs []string) (*net.Program, error) {
	var bugs []*Bug
	for _, id := range bugIDs {
		b, err := Lookup(id)
		if err != nil {
			return nil, err
		}
		bugs = append(bugs, b)
		if b.Configure != nil {
			b.Configure(&cfg)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := net.Build(cfg)
	for _, b := range bugs {
		if b.Patch != nil {
			b.Patch(p)
		}
	}
	return p, nil
}

func init() {
	register(&Bug{ID: "wrong-m", Title: "m counts features instead of samples",
		Symptom: "every gradient is scaled by samples/features (×12.76 for 10,000 images of 784 pixels)",
		Patch: func(p *net.Program) {
			axis := 1
			if p.Config.Layout == net.Cols {
				axis = 0
			}
			p.Replace("wrong-m", p.CountAlong(axis))
		}})
	register(&Bug{ID: "softmax-axis", Title: "softmax normalised over the samples",
		Symptom: "loss starts near ln(samples) instead of ln 10; the columns of the output sum to 1, not its rows",
		Patch: func(p *net.Program) {
			axis := 0
			if p.Config.Layout == net.Cols {
				axis = 1
			}
			p.Replace("softmax-axis", p.Softmax(p.Config.Layers(), axis))
		}})
	register(&Bug{ID: "bias-axis", Title: "bias gradients summed over the units instead of the samples",
		Symptom: "no error, but b1 and b2 become samples × units matrices after the first update",
		Patch: func(p *net.Program) {
			axis := 1
			if p.Config.Layout == net.Cols {
				axis = 0
			}
			for l := 1; l <= p.Config.Layers(); l++ {
				p.Replace("bias-axis", p.BiasGrad(l, axis, true))
			}
		}})
	register(&Bug{ID: "sign-flip", Title: "output error written as Y − A instead of A − Y",
		Symptom: "gradient ascent: the loss rises, accuracy falls below chance, predictions collapse onto one class",
		Patch: func(p *net.Program) {
			L := p.Config.Layers()
			A, dZ := fmt.Sprintf("A%d", L), fmt.Sprintf("dZ%d", L)
			p.Replace("sign-flip", net.Statement{Name: dZ, Phase: net.Backward, Inputs: []string{"Y", A},
				Formula: fmt.Sprintf("%s = Y − %s", dZ, A),
				NumPy:   fmt.Sprintf("%s = Y - %s", dZ, A),
				Eval: func(tp *tracer.Tape, v net.Vars) *tracer.Array {
					return tp.Sub(v.Get("Y"), v.Get(A))
				}})
		}})
}
