package record

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/backstep/backstep/tracer"
)

// element is a name of one array of a list: W[0] is element 0 of W.
var element = regexp.MustCompile(`^(.+)\[(\d+)\]$`)

// layerLists reads parameters kept in lists, one array per layer (W[0],
// W[1], … and b[0], b[1], … updated in a loop over the layers), as the
// layers in their order: W[k] is W(k+1), b[k] is b(k+1), their gradients
// (what the updates take: dW[k], grads[k]) dW(k+1) and db(k+1). Of two
// lists of the same length the weights are the one whose every array is
// larger (n_in × n_out against a row or column of n_out); a list alone is
// weights when one of its arrays is a matrix. A list of the activations
// that starts with X ([X, A1, …, AL], appended in the forward loop) gives
// A1 … AL. It reports whether it read any layer.
func (a *Analysis) layerLists(set func(learner, role string)) bool {
	lists := map[string][]string{} // base → element names, by index
	grads := map[string]string{}
	for _, u := range a.Updates {
		m := element.FindStringSubmatch(u[0])
		if m == nil || a.Pre[u[0]] == nil {
			continue
		}
		k, _ := strconv.Atoi(m[2])
		for len(lists[m[1]]) <= k {
			lists[m[1]] = append(lists[m[1]], "")
		}
		lists[m[1]][k] = u[0]
		grads[u[0]] = u[1]
	}
	var bases []string
	for _, base := range sortedKeys(lists) {
		if complete(lists[base]) {
			bases = append(bases, base)
		}
	}
	var weights, biases []string
	switch {
	case len(bases) == 1 && a.anyMatrix(lists[bases[0]]):
		weights = lists[bases[0]]
	case len(bases) == 2 && len(lists[bases[0]]) == len(lists[bases[1]]):
		x, y := lists[bases[0]], lists[bases[1]]
		switch {
		case a.larger(x, y):
			weights, biases = x, y
		case a.larger(y, x):
			weights, biases = y, x
		}
	}
	if weights == nil {
		return false
	}
	for k, w := range weights {
		set(w, fmt.Sprintf("W%d", k+1))
		set(grads[w], fmt.Sprintf("dW%d", k+1))
		if biases != nil {
			set(biases[k], fmt.Sprintf("b%d", k+1))
			set(grads[biases[k]], fmt.Sprintf("db%d", k+1))
		}
	}
	a.activationList(len(weights), set)
	return true
}

// activationList names A1 … AL the elements 1 … L of a list of L+1
// arrays the iteration holds whose element 0 is the data X (the value of
// the name X, or of a name X is read from).
func (a *Analysis) activationList(L int, set func(learner, role string)) {
	x := a.Pre["X"]
	if x == nil {
		return
	}
	for _, base := range sortedKeys(a.Pre) {
		m := element.FindStringSubmatch(base)
		if m == nil || m[2] != "0" || !sameArray(a.Pre[base], x) {
			continue
		}
		last := fmt.Sprintf("%s[%d]", m[1], L)
		if a.Pre[last] == nil || a.Pre[fmt.Sprintf("%s[%d]", m[1], L+1)] != nil {
			continue
		}
		for l := 1; l <= L; l++ {
			set(fmt.Sprintf("%s[%d]", m[1], l), fmt.Sprintf("A%d", l))
		}
		return
	}
}

// complete reports whether a list has an element at every index.
func complete(names []string) bool {
	for _, n := range names {
		if n == "" {
			return false
		}
	}
	return len(names) > 0
}

// anyMatrix reports whether one of the named arrays has two axes longer
// than 1.
func (a *Analysis) anyMatrix(names []string) bool {
	for _, n := range names {
		if s := a.Pre[n].Shape(); len(s) == 2 && s[0] > 1 && s[1] > 1 {
			return true
		}
	}
	return false
}

// larger reports whether every array of x has more elements than the
// array of y at the same index.
func (a *Analysis) larger(x, y []string) bool {
	for k := range x {
		if a.Pre[x[k]].Size() <= a.Pre[y[k]].Size() {
			return false
		}
	}
	return true
}

// sameArray reports whether two arrays have one shape and the same values.
func sameArray(x, y *tracer.Array) bool {
	if !x.Shape().Equal(y.Shape()) {
		return false
	}
	u, v := x.Data(), y.Data()
	for i := range u {
		if u[i] != v[i] {
			return false
		}
	}
	return true
}

// attribute is a name of one array a layer object of a list holds:
// layers[0].W is attribute W of layer 0 of layers.
var attribute = regexp.MustCompile(`^(.+)\[(\d+)\]\.([A-Za-z_]\w*)$`)

// gradientOf gives the names a gradient of parameter P is held under in a
// layer object (dW for W, grad_W, W_grad, gW).
var gradientOf = []string{"d%s", "grad_%s", "%s_grad", "g%s", "grad%s"}

// layerObjects reads the arrays of layer objects held in a list (layers =
// [Dense(…), ReLU(), Dense(…)], captured as layers[k].W, layers[k].x, …)
// as the layers in the list's order: an object holding a parameter P and
// its gradient dP of the same shape is a dense layer, the larger of two
// such parameters its weights W, the other its bias b; the l-th dense
// layer gives Wl, bl, dWl, dbl. Its input (the attribute of as many
// columns as W has rows, x in forward) is X for the first and A(l-1)
// after; the output of an object after the last dense layer (out of a
// Sigmoid) is AL. It reports whether it read any layer.
func (a *Analysis) layerObjects(set func(learner, role string)) bool {
	objs := map[string]map[int]map[string]string{} // base → index → attribute → name
	for name := range a.Pre {
		m := attribute.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		k, _ := strconv.Atoi(m[2])
		if objs[m[1]] == nil {
			objs[m[1]] = map[int]map[string]string{}
		}
		if objs[m[1]][k] == nil {
			objs[m[1]][k] = map[string]string{}
		}
		objs[m[1]][k][m[3]] = name
	}
	for _, base := range sortedKeys(objs) {
		layers := objs[base]
		l, last := 0, -1
		for k := 0; k <= maxKey(layers); k++ {
			attrs := layers[k]
			w, b, dw, db := a.denseParams(attrs)
			if w == "" {
				if l > 0 && k > last {
					if out, ok := attrs["out"]; ok {
						set(out, fmt.Sprintf("A%d", l))
					}
				}
				continue
			}
			l, last = l+1, k
			set(w, fmt.Sprintf("W%d", l))
			set(dw, fmt.Sprintf("dW%d", l))
			set(b, fmt.Sprintf("b%d", l))
			set(db, fmt.Sprintf("db%d", l))
			if in := a.layerInput(attrs, w); in != "" {
				role := fmt.Sprintf("A%d", l-1)
				if l == 1 {
					role = "X"
					if x := a.Pre["X"]; x != nil && sameArray(x, a.Pre[in]) {
						in = "X" // the data under its own name
					}
				}
				set(in, role)
			}
		}
		if l > 0 {
			return true
		}
	}
	return false
}

// denseParams are the names of a dense layer's weights, bias and their
// gradients among one object's attributes ("" when it holds no parameter
// with its gradient beside it).
func (a *Analysis) denseParams(attrs map[string]string) (w, b, dw, db string) {
	type pair struct{ p, g string }
	var pairs []pair
	for _, p := range sortedKeys(attrs) {
		for _, f := range gradientOf {
			g, ok := attrs[fmt.Sprintf(f, p)]
			if ok && a.Pre[g].Shape().Equal(a.Pre[attrs[p]].Shape()) {
				pairs = append(pairs, pair{attrs[p], g})
				break
			}
		}
	}
	switch {
	case len(pairs) == 1:
		return pairs[0].p, "", pairs[0].g, ""
	case len(pairs) == 2 && a.Pre[pairs[0].p].Size() > a.Pre[pairs[1].p].Size():
		return pairs[0].p, pairs[1].p, pairs[0].g, pairs[1].g
	case len(pairs) == 2 && a.Pre[pairs[1].p].Size() > a.Pre[pairs[0].p].Size():
		return pairs[1].p, pairs[0].p, pairs[1].g, pairs[0].g
	}
	return "", "", "", ""
}

// layerInput is the attribute of a dense layer object that holds its
// input: a matrix of as many columns as its weights w have rows (samples
// × features, as x @ W reads it), "" when none or more than one is.
func (a *Analysis) layerInput(attrs map[string]string, w string) string {
	ws := a.Pre[w].Shape()
	if len(ws) != 2 {
		return ""
	}
	found := ""
	for _, n := range sortedKeys(attrs) {
		s := a.Pre[attrs[n]].Shape()
		if attrs[n] == w || len(s) != 2 || s[1] != ws[0] || s.Equal(ws) {
			continue
		}
		if found != "" {
			return ""
		}
		found = attrs[n]
	}
	return found
}

// maxKey is the largest key of a map by index (-1 when empty).
func maxKey[V any](m map[int]V) int {
	k := -1
	for i := range m {
		k = max(k, i)
	}
	return k
}
