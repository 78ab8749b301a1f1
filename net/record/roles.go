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
// A layer written in one line with its activation (hidden =
// np.maximum(0, X.dot(W1) + b1)) has no name for Z: the value inside the
// line is kept in Derived under the operation's text and given the role,
// and InnerLine remembers its line.
func (a *Analysis) findRoles() map[string]string {
	lines, updates := a.Lines, a.Updates
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
	// A bias is a parameter added to a layer's product: one the iteration
	// updates, or, when its update went wrong (db1 = b1 - lr * db1), one
	// named so that the iteration starts from and never writes.
	written := map[string]bool{}
	for _, ln := range lines {
		if !ln.Setup {
			for _, t := range ln.Targets {
				written[t] = true
			}
		}
	}
	isBias := func(n string) bool {
		return isParam[n] || biasName.MatchString(n) && (len(isParam) == 0 || a.Pre[n] != nil && !written[n])
	}
	weightLike := func(n string) bool {
		if len(isParam) > 0 {
			return isParam[n]
		}
		return weightName.MatchString(n)
	}
	// Forward products: the first product that uses each weight. A weight
	// bound to another name (W2 = self.params['W2']) is the same weight
	// under either.
	var weights, inputs []string
	type at struct{ line, event int }
	zAt := map[int]at{}
	seen := map[string]bool{}
	same := func(w string) string {
		if of, ok := a.Alias[w]; ok {
			return of
		}
		return w
	}
	for i, ln := range lines {
		for k, e := range ln.Events {
			if e.Op != "dot" || len(e.Inputs) != 2 {
				continue
			}
			x, y := ln.operand(e.Inputs[0].Name), ln.operand(e.Inputs[1].Name)
			for _, pair := range [][2]string{{x, y}, {y, x}} {
				w, in := pair[0], pair[1]
				if weightLike(w) && !seen[same(w)] && !isParam[in] {
					seen[same(w)] = true
					weights = append(weights, w)
					inputs = append(inputs, in)
					zAt[len(weights)] = at{i, k}
					break
				}
			}
		}
	}
	L := len(weights)
	if L == 0 {
		if !a.layerLists(set) {
			a.layerObjects(set)
		}
		byName(lines, set)
		// A parameter named for its role names its gradient: the
		// gradients of a tuple backward returns (grads[0], …) have no
		// name of their own.
		for _, u := range updates {
			if r := roles[u[0]]; isParamRole(r) && u[1] != "" {
				set(u[1], "d"+r)
			}
		}
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
		i, k := zAt[l].line, zAt[l].event
		ln := lines[i]
		target := ln.TargetOf(k)
		end := k // the operation whose value is Z
		if b, e := addedParam(ln, weights, isBias, target); b != "" {
			set(b, fmt.Sprintf("b%d", l))
			end = max(end, e)
		} else {
			for j := i + 1; j < len(lines) && j < i+4; j++ {
				if lines[j].Reads(target) {
					if b, _ := addedParam(lines[j], weights, isBias, ""); b != "" {
						set(b, fmt.Sprintf("b%d", l))
						target = lines[j].Target()
						i, end = j, -1
					}
					break
				}
			}
		}
		if end >= 0 && a.activatedAfter(lines[i], end, target) {
			// The line goes on to apply the activation: Z is inside it.
			ev := lines[i].Events[end]
			if ev.Value != nil {
				name := "(" + ev.Result + ")"
				a.Derived[name] = ev.Value.Named(name)
				a.InnerLine[name] = lines[i]
				target = name
			}
		} else if !lines[i].Setup && changedInPlace(lines[i+1:], target) {
			a.InnerLine[target] = lines[i] // later lines shift it (scores -= scores.max(...))
		}
		zNames[l] = target
		set(target, fmt.Sprintf("Z%d", l))
	}
	// Gradients of the parameters: what their updates take, or, with no
	// update (a step written once, to be dumped), the product after the
	// forward pass of the layer's input with something, in W's shape.
	for l := 1; l <= L; l++ {
		if g := grads[weights[l-1]]; g != "" {
			set(g, fmt.Sprintf("dW%d", l))
		} else if g := a.productLike(lines[zAt[L].line+1:], weights[l-1], layerInput(roles, inputs, l)); g != "" {
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
			inner := a.InnerLine[dW] == ln // an update that computes its step inline
			if !ln.Assigns(dW) && !inner {
				continue
			}
			for k, e := range ln.Events {
				if ln.TargetOf(k) != dW && !inner {
					continue
				}
				var x, y string
				switch {
				case isProduct(e):
					x, y = ln.operand(e.Inputs[0].Name), ln.operand(e.Inputs[1].Name)
				case e.Op == "multiply" && len(e.Inputs) == 2:
					// one output unit: dW = dZ · A is a multiple of the
					// layer's input (grad_w = error * hidden)
					x, y = bare(e.Inputs[0].Name), bare(e.Inputs[1].Name)
					if _, ok := ln.Inputs[x]; !ok {
						continue
					}
					if _, ok := ln.Inputs[y]; !ok {
						continue
					}
				default:
					continue
				}
				switch {
				case x == prev || a.Alias[x] == prev:
					dz[l] = y
				case y == prev || a.Alias[y] == prev:
					dz[l] = x
				}
			}
		}
		set(dz[l], fmt.Sprintf("dZ%d", l))
		a.keepLocal(lines, dz[l])
		// With no update to name it, a bias's gradient is a sum of the
		// layer's error (gb1 = d1.sum(0, keepdims=True)).
		if b, db := learnerOf[fmt.Sprintf("b%d", l)], fmt.Sprintf("db%d", l); b != "" && grads[b] == "" && dz[l] != "" {
			set(sumOf(lines, dz[l]), db)
		}
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
			if !ln.Assigns(learnerOf[fmt.Sprintf("dW%d", l)]) {
				continue
			}
			for _, name := range ln.Stmt.Reads {
				if v, ok := ln.Inputs[name]; ok && v.Rank() == 0 && !lrName.MatchString(name) && roles[name] == "" {
					x := v.Item()
					if x > 1 && x == float64(int(x)) {
						set(name, "m")
					}
				}
			}
		}
	}
	// The loss: a number computed with a log of the output, or named so.
loss:
	for _, ln := range lines {
		for k, t := range ln.Targets {
			if v := ln.Values[k]; v != nil && v.Rank() == 0 && roles[t] == "" {
				if strings.Contains(ln.Stmt.Src, "log") && ln.Reads(out) || lossName.MatchString(t) {
					set(t, "loss")
					break loss
				}
			}
		}
	}
	// Names fill what the structure left open (the gradient of a bias whose
	// update went wrong).
	byName(lines, set)
	return roles
}

// keepLocal keeps the value of a local of a function whose results a
// line unpacks (backward's dZ2 in dW1, db1, dW2, db2 = backward(...)) in
// Derived, when it is no variable of the iteration's own.
func (a *Analysis) keepLocal(lines []*Line, name string) {
	if name == "" || a.Derived[name] != nil {
		return
	}
	for _, ln := range lines {
		if ln.Assigns(name) {
			return
		}
	}
	for _, ln := range lines {
		if _, hi, ok := ln.stepRange(name); ok && hi > 0 && hi <= len(ln.Events) && ln.Events[hi-1].Value != nil {
			a.Derived[name] = ln.Events[hi-1].Value.Named(name)
			a.InnerLine[name] = ln
			return
		}
	}
}

// layerInput is layer l's input: X for the first, else the activation
// the next layer's product reads.
func layerInput(roles map[string]string, inputs []string, l int) string {
	if l == 1 {
		for learner, role := range roles {
			if role == "X" {
				return learner
			}
		}
	}
	return inputs[l-1]
}

// productLike finds, among lines, the first that computes something in
// weight w's shape as a product of in (transposed) with another array: a
// weight gradient (g1 = x.T @ d1).
func (a *Analysis) productLike(lines []*Line, w, in string) string {
	wv := a.ValueOf(w)
	for _, ln := range lines {
		if v := ln.Value(); wv == nil || v == nil || !v.Shape().Equal(wv.Shape()) || len(ln.Targets) != 1 {
			continue
		}
		for _, e := range ln.Events {
			if isProduct(e) && (ln.operand(e.Inputs[0].Name) == in || ln.operand(e.Inputs[1].Name) == in) {
				return ln.Target()
			}
		}
	}
	return ""
}

// sumOf is the first line with one target whose value is a sum of name
// ("" if none).
func sumOf(lines []*Line, name string) string {
	for _, ln := range lines {
		if len(ln.Targets) != 1 || len(ln.Events) == 0 || ln.Assigns(name) {
			continue
		}
		if e := ln.Events[0]; (e.Op == "sum" || e.Op == "mean") && len(e.Inputs) == 1 && ln.operand(e.Inputs[0].Name) == name {
			return ln.Target()
		}
	}
	return ""
}

// changedInPlace reports whether the first of lines that writes name
// changes it in place (name -= ..., name[mask] = 0) rather than
// computing it again.
func changedInPlace(lines []*Line, name string) bool {
	for _, ln := range lines {
		if ln.Assigns(name) {
			return contains(ln.Stmt.Inplace, name)
		}
	}
	return false
}

// activatedAfter reports whether operation k of a line is followed, on
// the way to the line's target, by an elementwise function of its value
// (an activation): maximum(0, ·), tanh, 1/(1 + exp(−·)), a softmax.
func (a *Analysis) activatedAfter(ln *Line, k int, target string) bool {
	if k+1 >= len(ln.Events) || ln.TargetOf(len(ln.Events)-1) != target {
		return false
	}
	last := ln.Events[len(ln.Events)-1]
	if !last.Shape.Equal(ln.Events[k].Shape) {
		return false
	}
	for _, e := range ln.Events[k+1:] {
		switch e.Op {
		case "dot":
			return false // another layer
		}
	}
	return true
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
	for i, ln := range lines {
		lo, hi, local := ln.stepRange(dz)
		if !ln.Assigns(dz) && !local {
			continue
		}
		for k, e := range ln.Events {
			if e.Op != "subtract" || len(e.Inputs) != 2 || local && (k < lo || k >= hi) ||
				!local && ln.TargetOf(k) != dz && ln.TargetOf(k) != "" {
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
		// CS231n's dscores = probs.copy(); dscores[range(N), y] -= 1: the
		// labels index the entries the output error subtracts 1 from.
		if s := ln.Stmt; s.Kind == "augassign" && s.Op == "Sub" && contains(s.Inplace, dz) && s.Value != nil &&
			s.Value.K == "const" && string(s.Value.N) == "1" {
			for _, n := range s.Reads {
				if n != dz && labelish(n) {
					if o := copiedFrom(lines[:i], dz); o != "" && fromX[o] {
						return o, n
					}
				}
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

// copiedFrom is the array name was last made a copy of (name =
// probs.copy(), name = np.copy(probs), name = probs), "" if none.
func copiedFrom(lines []*Line, name string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		ln := lines[i]
		if !ln.Assigns(name) || ln.Stmt.Kind != "assign" {
			continue
		}
		v := ln.Stmt.Value
		switch {
		case v == nil:
		case v.K == "name":
			return v.ID
		case v.K == "call" && v.F != nil && v.F.K == "attr" && v.F.A == "copy" && v.F.V != nil && v.F.V.K == "name":
			return v.F.V.ID
		case v.K == "call" && v.F != nil && v.F.K == "attr" && v.F.A == "copy" && len(v.Args) == 1 && v.Args[0].K == "name":
			return v.Args[0].ID
		}
		return ""
	}
	return ""
}

// stepRange is where the events of a function's step name lie on a line
// that unpacks what the function returns.
func (l *Line) stepRange(name string) (lo, hi int, ok bool) {
	for _, st := range l.steps {
		if st.Name == name {
			return lo, st.End, true
		}
		lo = st.End
	}
	return 0, 0, false
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
	if t, ok := l.local[name]; ok {
		return t // a local of the function the line unpacks
	}
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

// addedParam is the parameter a line adds to something (the bias), and
// the operation that adds it (-1 when read from the syntax tree, when
// the line could not be replayed: h1 + b1[:, None]). With target set,
// only the operations that compute that target count.
func addedParam(ln *Line, weights []string, isBias func(string) bool, target string) (string, int) {
	if !ln.Replayed && ln.Stmt.Value != nil && ln.Stmt.Value.K == "binop" && ln.Stmt.Value.Op == "Add" {
		for _, side := range []*Expr{ln.Stmt.Value.L, ln.Stmt.Value.R} {
			for side != nil && side.K == "subscript" && side.ID == "" {
				side = side.V
			}
			id := ""
			if side != nil && (side.K == "name" || side.ID != "") {
				id = side.ID
			}
			if id != "" && !contains(weights, id) && isBias(id) {
				return id, -1
			}
		}
	}
	for k, e := range ln.Events {
		if e.Op != "add" || len(e.Inputs) != 2 || target != "" && ln.TargetOf(k) != target {
			continue
		}
		for _, in := range e.Inputs {
			n := ln.operand(in.Name)
			if contains(weights, n) {
				continue
			}
			if isBias(n) {
				return n, k
			}
		}
	}
	return "", -1
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
