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
