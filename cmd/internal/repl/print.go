package repl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// printForms is the hint print gives when it cannot read what it was
// given: every form it takes.
const printForms = "print takes p W1, p W1[0:3, 0:5], p W1[:, 0], p W2.T, p X[::20, 0], p W1.shape, p lr, " +
	"p 9 (the value statement 9 computed) or ranges after a space: p W1 0:3 0:5"

// expr is what print reads: a value, then NumPy's .T and [...] in the
// order written, and .shape at the end.
type expr struct {
	name  string
	ops   []exprOp
	shape bool
}

// exprOp is one .T (items nil) or one [...] with an item per axis.
type exprOp struct {
	transpose bool
	items     []item
}

// item indexes one axis: an integer (which drops the axis, as in NumPy)
// or a slice lo:hi:step whose omitted parts are nil. keep marks an
// integer given the old way (p W1 3 0:5), which keeps its axis.
type item struct {
	slice        bool
	index        int
	keep         bool
	lo, hi, step *int
}

func (it item) String() string {
	if !it.slice {
		if it.keep {
			if it.index == -1 {
				return "-1:"
			}
			return fmt.Sprintf("%d:%d", it.index, it.index+1)
		}
		return strconv.Itoa(it.index)
	}
	part := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	s := part(it.lo) + ":" + part(it.hi)
	if it.step != nil {
		s += ":" + part(it.step)
	}
	return s
}

// String writes the expression back in NumPy's spelling.
func (e expr) String() string {
	var b strings.Builder
	b.WriteString(e.name)
	for _, op := range e.ops {
		if op.transpose {
			b.WriteString(".T")
			continue
		}
		parts := make([]string, len(op.items))
		for i, it := range op.items {
			parts[i] = it.String()
		}
		b.WriteString("[" + strings.Join(parts, ", ") + "]")
	}
	if e.shape {
		b.WriteString(".shape")
	}
	return b.String()
}

// errForm is an expression print cannot read; the caller adds the forms.
var errForm = errors.New("not a form print reads")

// parseExpr reads NAME, then any of .T and [items], and .shape last.
// Spaces are ignored, so "W1[0:3, 0:5]" split into words reads the same.
func parseExpr(typed string) (expr, error) {
	s := strings.Join(strings.Fields(typed), "")
	n := 0
	for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= '0' && s[n] <= '9') {
		n++
	}
	if n == 0 {
		return expr{}, fmt.Errorf("%q: %w", typed, errForm)
	}
	e := expr{name: s[:n]}
	rest := s[n:]
	for rest != "" {
		switch {
		case e.shape:
			return expr{}, fmt.Errorf("%q: .shape comes last: %w", typed, errForm)
		case strings.HasPrefix(rest, ".T"):
			e.ops = append(e.ops, exprOp{transpose: true})
			rest = rest[2:]
		case strings.HasPrefix(rest, ".shape"):
			e.shape = true
			rest = rest[len(".shape"):]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return expr{}, fmt.Errorf("%q: a [ without its ]: %w", typed, errForm)
			}
			var items []item
			for _, part := range strings.Split(rest[1:end], ",") {
				it, err := parseItem(part)
				if err != nil {
					return expr{}, err
				}
				items = append(items, it)
			}
			e.ops = append(e.ops, exprOp{items: items})
			rest = rest[end+1:]
		default:
			return expr{}, fmt.Errorf("%q: cannot read %q: %w", typed, rest, errForm)
		}
	}
	return e, nil
}

// parseItem reads an integer or a slice lo:hi:step (each part optional).
func parseItem(s string) (item, error) {
	bad := fmt.Errorf("%q is not an index or a slice (7, -1, 0:3, :5, -2:, ::20, ::-1): %w", s, errForm)
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return item{}, bad
	}
	var nums []*int
	for _, p := range parts {
		if p == "" {
			nums = append(nums, nil)
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil {
			return item{}, bad
		}
		nums = append(nums, &v)
	}
	if len(parts) == 1 {
		if nums[0] == nil {
			return item{}, bad
		}
		return item{index: *nums[0]}, nil
	}
	it := item{slice: true, lo: nums[0], hi: nums[1]}
	if len(nums) == 3 {
		it.step = nums[2]
	}
	return it, nil
}

// indices lists the positions a slice selects from an axis of length n,
// as Python's slice.indices does: bounds clip, negative ones count from
// the end, a negative step runs backwards.
func (it item) indices(n int) ([]int, error) {
	step := 1
	if it.step != nil {
		step = *it.step
	}
	if step == 0 {
		return nil, errors.New("slice step cannot be zero")
	}
	// Python's clipping: [0, n] for a forward slice, [-1, n-1] backwards.
	lower, upper := 0, n
	if step < 0 {
		lower, upper = -1, n-1
	}
	bound := func(p *int, def int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
		}
		return min(max(v, lower), upper)
	}
	var lo, hi int
	if step > 0 {
		lo, hi = bound(it.lo, 0), bound(it.hi, n)
	} else {
		lo, hi = bound(it.lo, n-1), bound(it.hi, -1)
	}
	var out []int
	for i := lo; step > 0 && i < hi || step < 0 && i > hi; i += step {
		out = append(out, i)
	}
	return out, nil
}

// selection is a value seen through indexing and transposes, without a
// copy: axes are the printed value's axes in order, each with the source
// axis it comes from and the source positions it shows; fixed holds, per
// source axis, the position an integer index picked (-1 when kept).
type selection struct {
	src   *tracer.Array
	axes  []selAxis
	fixed []int
}

type selAxis struct {
	src int
	idx []int
}

func selectAll(a *tracer.Array) *selection {
	s := &selection{src: a, fixed: make([]int, a.Rank())}
	for k, n := range a.Shape() {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		s.axes = append(s.axes, selAxis{src: k, idx: idx})
		s.fixed[k] = -1
	}
	return s
}

// apply runs one .T or [...] with NumPy's rules and error texts.
func (s *selection) apply(op exprOp) error {
	if op.transpose {
		for i, j := 0, len(s.axes)-1; i < j; i, j = i+1, j-1 {
			s.axes[i], s.axes[j] = s.axes[j], s.axes[i]
		}
		return nil
	}
	if len(op.items) > len(s.axes) {
		return fmt.Errorf("too many indices for array: array is %d-dimensional, but %d were indexed", len(s.axes), len(op.items))
	}
	var kept []selAxis
	for k, ax := range s.axes {
		if k >= len(op.items) {
			kept = append(kept, ax)
			continue
		}
		it, n := op.items[k], len(ax.idx)
		if it.slice {
			pos, err := it.indices(n)
			if err != nil {
				return err
			}
			idx := make([]int, len(pos))
			for i, p := range pos {
				idx[i] = ax.idx[p]
			}
			kept = append(kept, selAxis{src: ax.src, idx: idx})
			continue
		}
		v := it.index
		if v < -n || v >= n {
			return fmt.Errorf("index %d is out of bounds for axis %d with size %d", v, k, n)
		}
		if v < 0 {
			v += n
		}
		if it.keep {
			kept = append(kept, selAxis{src: ax.src, idx: []int{ax.idx[v]}})
		} else {
			s.fixed[ax.src] = ax.idx[v]
		}
	}
	s.axes = kept
	return nil
}

// grid is the selection as render prints it.
func (s *selection) grid() render.Grid {
	labels := s.src.Labels()
	g := render.Grid{Shape: tracer.Shape{}}
	for _, ax := range s.axes {
		g.Shape = append(g.Shape, len(ax.idx))
		g.Labels = append(g.Labels, labels[ax.src])
	}
	pos := make([]int, s.src.Rank())
	g.At = func(i, j int) float64 {
		copy(pos, s.fixed)
		at := []int{i, j}
		if len(s.axes) == 1 {
			at = []int{j}
		}
		for k, ax := range s.axes {
			pos[ax.src] = ax.idx[at[k]]
		}
		return s.src.At(pos...)
	}
	return g
}

func (d *Debugger) cmdPrint(args []string) error {
	if len(args) == 0 {
		return errors.New("takes a value: " + printForms)
	}
	e, err := d.printArgs(args)
	if err != nil {
		if errors.Is(err, errForm) {
			return fmt.Errorf("%s\n%s", strings.TrimSuffix(err.Error(), ": "+errForm.Error()), printForms)
		}
		return err
	}
	name, err := d.statementValue(e.name)
	if err != nil {
		return err
	}
	a, err := d.value(name)
	if err != nil {
		return err
	}
	sel := selectAll(a)
	for _, op := range e.ops {
		if err := sel.apply(op); err != nil {
			return fmt.Errorf("%s: %v", e, err)
		}
	}
	g := sel.grid()
	text := e.String()
	if e.name != name { // a statement number: say whose value it is
		text = strings.Replace(text, e.name, name, 1)
	}
	if e.shape {
		fmt.Fprintf(d.out, "%s = %s: %s\n", text, g.Shape, net.AxesText(g.Shape, g.Labels))
		return nil
	}
	title := text
	switch {
	case len(g.Shape) == 0: // a scalar: "m = 8"
	case len(e.ops) == 0:
		title += " " + net.AxesText(g.Shape, g.Labels)
	default:
		title = fmt.Sprintf("%s: %s, from %s %s", text, net.AxesText(g.Shape, g.Labels), name, net.AxesText(a.Shape(), a.Labels()))
	}
	render.PrintArray(d.out, title, g, d.width())
	return nil
}

// printArgs reads print's words: one expression ("W1[0:3, 0:5]" arrives
// as two words), or an expression and one range per axis after spaces,
// the older form (p W1 0:3 0:5), where a single index keeps its axis.
func (d *Debugger) printArgs(args []string) (expr, error) {
	ranges := len(args) > 1
	for _, a := range args {
		if strings.ContainsAny(a, "[],") {
			ranges = false
		}
	}
	if !ranges {
		return parseExpr(strings.Join(args, " "))
	}
	e, err := parseExpr(args[0])
	if err != nil {
		return expr{}, err
	}
	if e.shape {
		return expr{}, fmt.Errorf("%q: .shape comes last: %w", strings.Join(args, " "), errForm)
	}
	op := exprOp{}
	for _, r := range args[1:] {
		it, err := parseItem(r)
		if err != nil {
			return expr{}, err
		}
		it.keep = !it.slice
		op.items = append(op.items, it)
	}
	e.ops = append(e.ops, op)
	return e, nil
}
