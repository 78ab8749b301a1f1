package foreign

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// Options settle what the arrays cannot tell by themselves. Zero values
// detect.
type Options struct {
	Layout net.Layout     // rows or cols
	Act    net.Activation // the hidden layers' activation
	Output net.Activation // the output layer's: softmax, sigmoid, tanh, linear
	Loss   net.LossKind
	Map    map[string]string // backstep's name → the dump's key, e.g. dW1 → grad_w1
}

// Dump is a learner's training step understood: the network it describes
// and their arrays under backstep's names.
type Dump struct {
	Config net.Config
	// Samples is m, the number of samples in the batch.
	Samples int
	// Vars holds the learner's arrays in the network's forms: one sample
	// given as 1-D vectors becomes a batch of one, class numbers become
	// one-hot Y, a bias folded into W1 brings its column of ones into X.
	// Axis labels are attached where the shape is the expected one.
	Vars net.Vars
	// Given lists the statement outputs the dump holds (Z1, A1, dW2, …).
	Given map[string]bool
	// Next holds the parameters after the update, when the dump has them.
	Next net.Vars
	// Keys maps backstep's names to the dump's keys.
	Keys map[string]string
	// Unused lists the keys nothing used; Suggest maps some of them to the
	// missing gradient a --map could make them, by shape (d1 → dZ1).
	Unused  []string
	Suggest map[string]string
	// Copies lists keys left out because another key that reads as the
	// same role holds their values: "w1 (the values of W1)".
	Copies []string
	// Notes say how the dump was read, one line each: the names, the
	// layout, the shapes, the targets, the activations. Inferred says how
	// the reading in Config was chosen: the output and loss with their
	// evidence, the normaliser, the sign.
	Notes    []string
	Inferred []string
	// OneSample says the dump holds one sample as 1-D vectors.
	OneSample bool
	// Folded says layer 1's bias is folded into W1 (X has a column of
	// ones); FoldedAt is the column (or row, in cols layout) of ones.
	Folded   bool
	FoldedAt int
	// Readings are the other configurations the arrays allow when they
	// cannot settle the loss (sigmoid outputs whose dZ_L fits neither
	// binary cross-entropy nor squared error): the checker tries each and
	// keeps the one that explains the dump.
	Readings []Reading
	// ActUnknown says a hidden layer's A is no activation backstep knows
	// of its Z (leaky ReLU, ELU, …): the statements that apply it or its
	// derivative cannot be judged.
	ActUnknown bool
	// ActAssumed says no hidden layer has both its Z and its A in the
	// dump: the hidden activation was taken as tanh by default, not read.
	ActAssumed bool
	// Targets says what Y was taken as: "one-hot", "class numbers",
	// "binary", "multi-label", "real-valued".
	Targets string
	// Raw marks arrays the learner gave whose shape backstep changed (1-D
	// vectors read as a batch of one, db (n,) beside b (1,n)): the name
	// and the learner's own shape.
	Raw map[string]tracer.Shape
}

// Reading is one configuration the arrays allow, with the lines that say
// how it was inferred.
type Reading struct {
	Config net.Config
	Notes  []string
	// Decided says the loss and convention rest on the dump's own
	// evidence, not on a default.
	Decided bool
}

// Program returns the correct training step for the dump's network.
func (d *Dump) Program() *net.Program { return net.Build(d.Config) }

// WithReading returns a copy of d read with another configuration.
func (d *Dump) WithReading(r Reading) *Dump {
	c := *d
	c.Config = r.Config
	c.Inferred = r.Notes
	c.Vars = net.Vars{}
	p := net.Build(r.Config)
	for k, a := range d.Vars {
		c.Vars[k] = p.Label(k, a)
	}
	return &c
}

// AllNotes are the notes and the reading's, in the order a header prints
// them.
func (d *Dump) AllNotes() []string {
	return append(append([]string(nil), d.Notes...), d.Inferred...)
}

// reader carries the state of one interpretation.
type reader struct {
	f       *net.NumPyFile
	o       Options
	arrays  map[string]*tracer.Array // backstep's name → the learner's array
	keys    map[string]string        // backstep's name → key
	integer map[string]bool
	d       *Dump
	envs    map[string]net.Vars // the step's values per reading (see env)
	moved   []string            // roles fillByRelations gave or moved
	copies  map[string]string   // a key left out → what it holds, in words (sameValues)
}

// Interpret works out the network a dump describes. Its errors start with
// "foreign:" and say what to do.
func Interpret(f *net.NumPyFile, o Options) (d *Dump, err error) {
	// Reading compares the arrays with each other; ones whose shapes fit
	// no step at all fail inside an operation. Say so instead of crashing.
	defer func() {
		if p := recover(); p != nil {
			se, ok := p.(*tracer.ShapeError)
			if !ok {
				panic(p)
			}
			d, err = nil, fmt.Errorf("foreign: the arrays do not fit together as one step (%v): check the shapes of X, W1, b1, … against --snippet's", se)
		}
	}()
	r := &reader{f: f, o: o, arrays: map[string]*tracer.Array{}, keys: map[string]string{}, integer: map[string]bool{},
		d: &Dump{Given: map[string]bool{}, Next: net.Vars{}, Raw: map[string]tracer.Shape{}}}
	if err := r.assignRoles(); err != nil {
		return nil, err
	}
	if err := r.readShapes(); err != nil {
		return nil, err
	}
	if err := r.readLabels(); err != nil {
		return nil, err
	}
	r.fillByRelations()
	r.gradientsOfForward()
	if err := r.readFamily(); err != nil {
		return nil, err
	}
	r.finish()
	// Inputs that are mostly zeros (MNIST's pixels are 81 % zeros) get the
	// tracer's index of their nonzeros: every product with X skips them.
	if x := r.d.Vars["X"]; x != nil && x.Rank() == 2 {
		x.MarkSparse()
	}
	return r.d, nil
}

// assignRoles reads every key's role from its name, applies --map, and
// keeps one array per role.
func (r *reader) assignRoles() error {
	mapped := map[string]bool{}
	for ours, theirs := range r.o.Map {
		if _, ok := r.f.Arrays[theirs]; !ok {
			return fmt.Errorf("foreign: --map %s=%s: the file has no array %s (it has %s)", ours, theirs, theirs, strings.Join(r.f.Keys(), ", "))
		}
		if !validName(ours) {
			return fmt.Errorf("foreign: --map %s=%s: %s is not one of backstep's names (X, Y, W1, b1, Z1, A1, dZ1, dW1, db1, …, loss, W1_next, …)", ours, theirs, ours)
		}
		mapped[theirs] = true
	}
	roles := map[string]Role{}
	for _, key := range r.f.Keys() {
		if mapped[key] {
			continue
		}
		if role, ok := parseName(key); ok {
			roles[key] = role
		}
	}
	L := 0
	positional := false
	for _, role := range roles {
		if role.Kind == "W" && !role.Next {
			L = max(L, role.Layer)
			positional = positional || role.Output || role.Hidden
		}
	}
	for ours := range r.o.Map {
		if role, ok := parseName(ours); ok && role.Kind == "W" {
			L = max(L, role.Layer)
		}
	}
	zeroBased := false
	for _, role := range roles {
		if role.Kind == "W" && role.Layer == 0 && !role.Output && !role.Hidden {
			zeroBased = true
		}
	}
	shiftA := false
	if zeroBased {
		L++
		shiftA = r.zeroBasedActivations(roles, L)
	}
	if positional && L < 2 {
		L = 2
	}
	// A role --map gives is not claimed by other keys whose names read
	// as it too (Y=y_onehot beside keys named Y and labels).
	for key, role := range roles {
		if role.Layer > 0 || role.Kind == "X" || role.Kind == "Y" || role.Kind == "loss" || role.Kind == "m" {
			if _, given := r.o.Map[role.Name()]; given {
				delete(roles, key)
			}
		}
	}
	byName, err := placeRoles(roles, L, shiftA, r.sameValues)
	if err != nil {
		return err
	}
	for ours, theirs := range r.o.Map {
		byName[ours] = theirs
	}
	for ours, key := range byName {
		a := r.f.Arrays[key]
		if (ours == "loss" || ours == "m") && a.Size() != 1 {
			continue // an array named like a loss or a count that is not one number
		}
		r.arrays[ours] = a.Named(ours)
		r.keys[ours] = key
		r.integer[ours] = r.f.Integer[key]
	}
	return nil
}

// sameValues reports whether keys a and b, which read as one role, hold
// the same values: the same array saved twice (W1 and w1), or one-hot
// targets beside the class numbers they encode (Y and y). preferB says b
// is the one to keep: the one-hot of the two.
func (r *reader) sameValues(a, b string) (preferB, ok bool) {
	x, y := r.f.Arrays[a], r.f.Arrays[b]
	if x == nil || y == nil {
		return false, false
	}
	keep := func(kept, dropped, what string) {
		if r.copies == nil {
			r.copies = map[string]string{}
		}
		r.copies[dropped] = fmt.Sprintf(what, kept)
	}
	switch {
	case x.Shape().Equal(y.Shape()):
		xd, yd := x.Data(), y.Data()
		for i := range xd {
			if xd[i] != yd[i] {
				return false, false
			}
		}
		keep(a, b, "the values of %s")
		return false, true
	case encodes(x, y):
		keep(a, b, "the class numbers of %s")
		return false, true
	case encodes(y, x):
		keep(b, a, "the class numbers of %s")
		return true, true
	}
	return false, false
}

// encodes reports whether onehot, (N,K) or (K,N) of 0s and 1s with one 1
// per sample, holds the class numbers in labels, N of them in any shape.
func encodes(onehot, labels *tracer.Array) bool {
	sh := onehot.Shape()
	if len(sh) != 2 || labels.Size() == 0 {
		return false
	}
	d, l := onehot.Data(), labels.Data()
	for _, rows := range []bool{true, false} {
		n, k := sh[0], sh[1]
		if !rows {
			n, k = k, n
		}
		if n != len(l) || k < 2 {
			continue
		}
		match := true
		for i := 0; i < n && match; i++ {
			ones := 0
			for c := 0; c < k; c++ {
				v := d[i*k+c]
				if !rows {
					v = d[c*n+i]
				}
				switch v {
				case 1:
					ones++
					match = match && l[i] == float64(c)
				case 0:
				default:
					match = false
				}
			}
			match = match && ones == 1
		}
		if match {
			return true
		}
	}
	return false
}

// zeroBasedActivations settles, in a dump whose weights count from 0
// (w0 is the first layer's), whether its activations count from 0 too
// (a0 = sigmoid(z0), the first layer's) or from the input (Nielsen's
// activations[0] = x, so a1 = sigmoid(z0)). A key named a0 or h0 reads as X
// by its name; it is the first layer's activation when its shape is z0's,
// or, without z0, when X is given apart under another name and a0 is not
// it. Activations count from the input when a0 is X, or when none is
// named a0 and one is numbered L (the output's in one-based numbering).
// roles is updated: an a0 that is the first layer's becomes A0 (placeRoles
// shifts it to A1), and an a0 that repeats a separately given X is dropped.
func (r *reader) zeroBasedActivations(roles map[string]Role, L int) bool {
	var a0, z0 string
	var others []string
	maxA := -1
	for key, role := range roles {
		switch {
		case role.Kind == "X" && isLayerZeroActivation(key):
			a0 = key
		case role.Kind == "X":
			others = append(others, key)
		case role.Kind == "Z" && role.Layer == 0 && !role.Output && !role.Hidden && !role.Next:
			z0 = key
		case role.Kind == "A" && !role.Output && !role.Hidden:
			maxA = max(maxA, role.Layer)
		}
	}
	if a0 == "" {
		return maxA < L
	}
	a := r.f.Arrays[a0]
	first := false
	switch {
	case z0 != "":
		first = a.Shape().Equal(r.f.Arrays[z0].Shape())
	case len(others) == 1:
		first = !sameArray(a, r.f.Arrays[others[0]])
	}
	switch {
	case first:
		roles[a0] = Role{Kind: "A", Layer: 0}
	case len(others) == 1 && sameArray(a, r.f.Arrays[others[0]]):
		delete(roles, a0)
	}
	return first
}

// isLayerZeroActivation reports whether a key's name is the activation
// of layer 0 (a0, h_0, A0), which tutorials use for the input.
func isLayerZeroActivation(key string) bool {
	role, ok := parseLayerName(strings.ToLower(strings.ReplaceAll(key, "_", "")))
	return ok && role.Kind == "A" && role.Layer == 0
}

// sameArray reports whether two arrays hold the same shape and values.
func sameArray(a, b *tracer.Array) bool {
	if !a.Shape().Equal(b.Shape()) {
		return false
	}
	for i, v := range a.Data() {
		if v != b.Data()[i] {
			return false
		}
	}
	return true
}

// validName reports whether s is one of backstep's names.
func validName(s string) bool {
	switch s {
	case "X", "Y", "loss", "m":
		return true
	}
	r, ok := parseName(s)
	return ok && r.Layer > 0 && r.Name() == s
}

// get returns the learner's array for a backstep name, or nil.
func (r *reader) get(name string) *tracer.Array { return r.arrays[name] }

// finish binds the arrays under backstep's names and lists what was given
// and what nothing used.
func (r *reader) finish() {
	d := r.d
	// A linear output's A_L is its Z_L: code that never names it apart
	// still gives it.
	L := d.Config.Layers()
	A, Z := fmt.Sprintf("A%d", L), fmt.Sprintf("Z%d", L)
	if d.Config.OutputAct() == net.Linear && r.arrays[A] == nil && r.arrays[Z] != nil {
		r.arrays[A] = r.arrays[Z].Named(A)
		r.keys[A] = r.keys[Z]
	}
	p := net.Build(d.Config)
	d.Vars = net.Vars{}
	used := map[string]bool{}
	for name, a := range r.arrays {
		if strings.HasSuffix(name, "_next") {
			d.Next[strings.TrimSuffix(name, "_next")] = a
			used[r.keys[name]] = true
			continue
		}
		if _, inProgram := p.Statement(name); !inProgram && name != "X" && name != "Y" {
			continue
		}
		d.Vars[name] = p.Label(name, a)
		used[r.keys[name]] = true
	}
	for _, s := range p.Statements {
		if s.Phase == net.Update || s.Phase == net.Metric {
			continue
		}
		if _, ok := d.Vars[s.Name]; ok {
			d.Given[s.Name] = true
		}
	}
	d.Keys = map[string]string{}
	for name, key := range r.keys {
		if used[key] {
			d.Keys[name] = key
		}
	}
	var copies []string
	for _, key := range r.f.Keys() {
		if what, ok := r.copies[key]; ok {
			copies = append(copies, fmt.Sprintf("%s (%s)", key, what))
			continue
		}
		if !used[key] {
			d.Unused = append(d.Unused, key)
		}
	}
	d.Copies = copies
	sort.Strings(d.Unused)
	d.Suggest = r.suggest(p)
	if renamed := r.renamed(); renamed != "" {
		d.Notes = append([]string{"names " + renamed}, d.Notes...)
	}
	if len(r.moved) > 0 {
		d.Notes = append(d.Notes, "by their values: "+strings.Join(r.moved, ", "))
	}
}

// suggest pairs unused keys with the gradients the dump lacks that have
// their shape, in the program's order: a hint for --map, not a reading.
func (r *reader) suggest(p *net.Program) map[string]string {
	out := map[string]string{}
	taken := map[string]bool{}
	for _, s := range p.Statements {
		if s.Phase != net.Backward || r.d.Vars[s.Name] != nil {
			continue
		}
		var want tracer.Shape
		switch s.Name[:2] {
		case "dW", "db":
			want = p.Shapes[s.Name[1:]]
		case "dZ":
			if z := r.d.Vars["Z"+s.Name[2:]]; z != nil {
				want = z.Shape()
			}
		}
		if want == nil {
			continue
		}
		for _, key := range r.d.Unused {
			if role, ok := parseName(key); ok && (role.Kind == "loss" || role.Kind == "X" || role.Kind == "Y" || role.Kind == "m") {
				continue // named as something else
			}
			if a := r.f.Arrays[key]; !taken[key] && a.Shape().Equal(want) {
				out[key], taken[key] = s.Name, true
				break
			}
		}
	}
	return out
}

// SafeKey is a key as it can be shown: quoted, with escapes, when it holds
// control or format characters (a terminal would obey them).
func SafeKey(k string) string {
	for _, c := range k {
		if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) { // C0, C1, bidi overrides
			return strconv.Quote(k)
		}
	}
	return k
}

// renamed lists the keys read under another name: "w1→W1, grad_w1→dW1".
func (r *reader) renamed() string {
	var parts []string
	moved := map[string]bool{}
	for _, m := range r.moved {
		moved[m] = true
	}
	for _, name := range sortedNames(r.d.Keys) {
		if key := r.d.Keys[name]; key != name && !moved[key+"→"+name] {
			parts = append(parts, SafeKey(key)+"→"+name)
		}
	}
	return strings.Join(parts, ", ")
}

// sortedNames orders backstep's names as a step runs: X, Y, then by layer
// and role, the loss, and the parameters after the update last.
func sortedNames(m map[string]string) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	rank := func(n string) (int, int, int) {
		switch n {
		case "X":
			return 0, 0, 0
		case "Y":
			return 0, 0, 1
		case "loss":
			return 2, 0, 0
		}
		role, _ := parseName(n)
		order := map[string]int{"W": 0, "b": 1, "Z": 2, "A": 3, "dZ": 4, "dW": 5, "db": 6, "dA": 7}[role.Kind]
		group := 1
		if role.Next {
			group = 3
		}
		return group, role.Layer, order
	}
	sort.Slice(names, func(i, j int) bool {
		a1, a2, a3 := rank(names[i])
		b1, b2, b3 := rank(names[j])
		if a1 != b1 {
			return a1 < b1
		}
		if a2 != b2 {
			return a2 < b2
		}
		if a3 != b3 {
			return a3 < b3
		}
		return names[i] < names[j]
	})
	return names
}
