package record

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/backstep/backstep/tracer"
)

// Roles maps the learner's names to backstep's (X, Y, W1, b1, Z1, A1, dZ1,
// dW1, db1, m, loss): what check needs to read their step. It works from
// the structure of the replayed iteration: the updates pair each parameter
// with its gradient, the forward products order the weights into layers
// and name each layer's input, the weight gradients' products name the
// layers' errors, and the output error A − Y names the output and the
// labels. Where the iteration says nothing (no update, no product), the
// names themselves decide (w1, theta1, W_1, grad_w1, delta2, ...).
//
// This is the one place the mapping is made; check's own inference of a
// foreign network's roles is meant to replace it.
func Roles(lines []*Line, updates [][2]string) map[string]string {
	roles := map[string]string{} // learner → backstep
	taken := map[string]bool{}
	set := func(learner, role string) {
		if learner == "" || role == "" || taken[role] {
			return
		}
		if _, ok := roles[learner]; ok {
			return
		}
		roles[learner] = role
		taken[role] = true
	}
	grads := map[string]string{}
	isParam := map[string]bool{}
	for _, u := range updates {
		grads[u[0]] = u[1]
		isParam[u[0]] = true
	}
	weightLike := func(n string) bool {
		if len(isParam) > 0 {
			return isParam[n]
		}
		return weightName.MatchString(n)
	}
	// Forward products: the first product that uses each weight.
	var weights, inputs []string
	zLine := map[int]int{}
	seen := map[string]bool{}
	for i, ln := range lines {
		for _, e := range ln.Events {
			if e.Op != "dot" || len(e.Inputs) != 2 {
				continue
			}
			a, b := ln.operand(e.Inputs[0].Name), ln.operand(e.Inputs[1].Name)
			for _, pair := range [][2]string{{a, b}, {b, a}} {
				w, in := pair[0], pair[1]
				if weightLike(w) && !seen[w] && !isParam[in] {
					seen[w] = true
					weights = append(weights, w)
					inputs = append(inputs, in)
					zLine[len(weights)] = i
					break
				}
			}
		}
	}
	L := len(weights)
	if L == 0 {
		byName(lines, set)
		return roles
	}
	for l := 1; l <= L; l++ {
		set(weights[l-1], fmt.Sprintf("W%d", l))
	}
	set(inputs[0], "X")
	for l := 2; l <= L; l++ {
		set(inputs[l-1], fmt.Sprintf("A%d", l-1))
	}
	// Z and b: the line of the product, or the next one that adds a
	// parameter to its result.
	zNames := make([]string, L+1)
	for l := 1; l <= L; l++ {
		i := zLine[l]
		target := lines[i].Target()
		if b := addedParam(lines[i], weights, isParam); b != "" {
			set(b, fmt.Sprintf("b%d", l))
		} else {
			for j := i + 1; j < len(lines) && j < i+4; j++ {
				if lines[j].Reads(target) {
					if b := addedParam(lines[j], weights, isParam); b != "" {
						set(b, fmt.Sprintf("b%d", l))
						target = lines[j].Target()
					}
					break
				}
			}
		}
		zNames[l] = target
		set(target, fmt.Sprintf("Z%d", l))
	}
	// Gradients of the parameters.
	for l := 1; l <= L; l++ {
		if g := grads[weights[l-1]]; g != "" {
			set(g, fmt.Sprintf("dW%d", l))
		}
		for learner, role := range roles {
			if role == fmt.Sprintf("b%d", l) {
				if g := grads[learner]; g != "" {
					set(g, fmt.Sprintf("db%d", l))
				}
			}
		}
	}
	if len(grads) == 0 {
		byName(lines, set)
	}
	// The layers' errors: the other operand of each weight gradient's product.
	learnerOf := map[string]string{}
	for k, v := range roles {
		learnerOf[v] = k
	}
	dz := make([]string, L+1)
	for l := 1; l <= L; l++ {
		dW := learnerOf[fmt.Sprintf("dW%d", l)]
		prev := learnerOf["X"]
		if l > 1 {
			prev = learnerOf[fmt.Sprintf("A%d", l-1)]
		}
		for _, ln := range lines {
			if ln.Target() != dW {
				continue
			}
			for _, e := range ln.Events {
				if !isProduct(e) {
					continue
				}
				a, b := ln.operand(e.Inputs[0].Name), ln.operand(e.Inputs[1].Name)
				switch {
				case a == prev:
					dz[l] = b
				case b == prev:
					dz[l] = a
				}
			}
		}
		set(dz[l], fmt.Sprintf("dZ%d", l))
	}
	// The output and the labels: dZL = AL − Y (perhaps through a helper
	// such as dh2 = h2 − y), where AL comes from X and Y does not.
	fromX := map[string]bool{learnerOf["X"]: true}
	if base, _, ok := strings.Cut(learnerOf["X"], "["); ok {
		fromX[base] = true // the sample x[i] of the data x
	}
	for _, ln := range lines {
		if ln.Setup {
			continue // labels are often made from the data before the loop
		}
		for _, n := range ln.Stmt.Reads {
			if fromX[n] {
				for _, t := range ln.Targets {
					fromX[t] = true
				}
				break
			}
		}
	}
	known := lineInputs(lines)
	labelish := func(n string) bool {
		base, _, indexed := strings.Cut(n, "[")
		return !fromX[n] && !isParam[n] && (known[n] || indexed && known[base] && !fromX[base])
	}
	out, labels := outputOf(lines, dz[L], fromX, labelish, 0)
	if out == "" {
		out = zNames[L]
	}
	set(out, fmt.Sprintf("A%d", L))
	set(labels, "Y")
	// m: the count the weight gradients divide by.
	for l := 1; l <= L; l++ {
		for _, ln := range lines {
			if ln.Target() != learnerOf[fmt.Sprintf("dW%d", l)] {
				continue
			}
			for _, name := range ln.Stmt.Reads {
				if a, ok := ln.Inputs[name]; ok && a.Rank() == 0 && !lrName.MatchString(name) && roles[name] == "" {
					v := a.Item()
					if v > 1 && v == float64(int(v)) {
						set(name, "m")
					}
				}
			}
		}
	}
	// The loss: a number computed with a log of the output, or named so.
	for _, ln := range lines {
		if v := ln.Value(); v != nil && v.Rank() == 0 && roles[ln.Target()] == "" {
			if strings.Contains(ln.Stmt.Src, "log") && ln.Reads(out) || lossName.MatchString(ln.Target()) {
				set(ln.Target(), "loss")
				break
			}
		}
	}
	return roles
}

var (
	weightName = regexp.MustCompile(`^(?i)(w|theta|weights?)_?\d+$`)
	lrName     = regexp.MustCompile(`(?i)^(lr|alpha|eta|learning_?rate|step_?size|mu)$`)
	lossName   = regexp.MustCompile(`(?i)^(loss|cost|j|error|ce|cross_?entropy)$`)
	roleNames  = []struct {
		re   *regexp.Regexp
		role string
	}{
		{regexp.MustCompile(`^(?i)(?:w|theta|weights?)_?(\d+)$`), "W"},
		{regexp.MustCompile(`^(?i)(?:b|bias(?:es)?)_?(\d+)$`), "b"},
		{regexp.MustCompile(`^(?i)(?:d_?w|grad_?w|dweights?)_?(\d+)$`), "dW"},
		{regexp.MustCompile(`^(?i)(?:d_?b|grad_?b|dbias)_?(\d+)$`), "db"},
		{regexp.MustCompile(`^(?i)(?:d_?z|delta|grad_?z)_?(\d+)$`), "dZ"},
		{regexp.MustCompile(`^(?i)z_?(\d+)$`), "Z"},
		{regexp.MustCompile(`^(?i)a_?(\d+)$`), "A"},
	}
)

// byName maps names that say their role: W1, w_1, theta1, grad_w1, ...
func byName(lines []*Line, set func(learner, role string)) {
	names := map[string]bool{}
	for _, ln := range lines {
		for _, t := range ln.Targets {
			names[t] = true
		}
		for n := range ln.Inputs {
			names[n] = true
		}
	}
	for n := range names {
		for _, r := range roleNames {
			if m := r.re.FindStringSubmatch(n); m != nil {
				set(n, r.role+m[1])
				break
			}
		}
		switch {
		case n == "X" || n == "x":
			set(n, "X")
		case n == "Y" || n == "y":
			set(n, "Y")
		case n == "m":
			set(n, "m")
		case lossName.MatchString(n):
			set(n, "loss")
		}
	}
}

// outputOf finds, in the statement that assigns dz, the output (a value
// computed from X alone) and the labels (the array subtracted from it).
func outputOf(lines []*Line, dz string, fromX map[string]bool, labelish func(string) bool, depth int) (out, labels string) {
	if dz == "" || depth > 3 {
		return "", ""
	}
	for _, ln := range lines {
		if ln.Target() != dz {
			continue
		}
		for _, e := range ln.Events {
			if e.Op != "subtract" || len(e.Inputs) != 2 {
				continue
			}
			a, b := ln.operand(e.Inputs[0].Name), ln.operand(e.Inputs[1].Name)
			switch {
			case fromX[a] && labelish(b):
				return a, b
			case fromX[b] && labelish(a):
				return b, a
			}
		}
		for _, name := range ln.Stmt.Reads {
			if name != dz && !labelish(name) {
				if o, l := outputOf(lines, name, fromX, labelish, depth+1); o != "" {
					return o, l
				}
			}
		}
	}
	return "", ""
}

// lineInputs is every name some line read or wrote.
func lineInputs(lines []*Line) map[string]bool {
	out := map[string]bool{}
	for _, ln := range lines {
		for n := range ln.Inputs {
			out[n] = true
		}
		for _, t := range ln.Targets {
			out[t] = true
		}
	}
	return out
}

// operand is the variable an operation read: the operand itself when it
// is one of the line's inputs, or else the array (not a number) inside the
// earlier operation that produced it (1/m * dZ1 → dZ1).
func (l *Line) operand(name string) string {
	name = bare(name)
	if _, ok := l.Inputs[name]; ok {
		return name
	}
	for depth := 0; depth < 4; depth++ {
		found := false
		for k := len(l.Events) - 1; k >= 0; k-- {
			e := l.Events[k]
			if e.Result != name && bare(e.Result) != name {
				continue
			}
			for _, in := range e.Inputs {
				if len(in.Shape) > 0 {
					name, found = bare(in.Name), true
					break
				}
			}
			break
		}
		if _, ok := l.Inputs[name]; ok || !found {
			return name
		}
	}
	return name
}

// addedParam is the parameter a line adds to something (the bias); from
// the syntax tree when the line could not be replayed (h1 + b1[:, None]).
func addedParam(ln *Line, weights []string, isParam map[string]bool) string {
	if !ln.Replayed && ln.Stmt.Value != nil && ln.Stmt.Value.K == "binop" && ln.Stmt.Value.Op == "Add" {
		for _, side := range []*Expr{ln.Stmt.Value.L, ln.Stmt.Value.R} {
			for side != nil && side.K == "subscript" {
				side = side.V
			}
			if side != nil && side.K == "name" && !contains(weights, side.ID) &&
				(isParam[side.ID] || len(isParam) == 0 && biasName.MatchString(side.ID)) {
				return side.ID
			}
		}
	}
	for _, e := range ln.Events {
		if e.Op != "add" || len(e.Inputs) != 2 {
			continue
		}
		for _, in := range e.Inputs {
			n := ln.operand(in.Name)
			if contains(weights, n) {
				continue
			}
			if isParam[n] || len(isParam) == 0 && biasName.MatchString(n) {
				return n
			}
		}
	}
	return ""
}

var biasName = regexp.MustCompile(`^(?i)(b|bias(es)?)_?\d+$`)

// bare strips what a transposed operand's name, or an outer product's
// (a[:, None] * b[None, :]), adds to the variable's.
func bare(name string) string {
	name = strings.TrimSuffix(name, "ᵀ")
	name = strings.TrimSuffix(name, "[:, None]")
	return strings.TrimSuffix(name, "[None, :]")
}

// isProduct reports whether an operation multiplies matrices: a dot, or
// an outer product written as np.outer.
func isProduct(e tracer.Event) bool {
	if len(e.Inputs) != 2 {
		return false
	}
	return e.Op == "dot" || e.Op == "multiply" && strings.HasSuffix(e.Inputs[0].Name, "[:, None]")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
