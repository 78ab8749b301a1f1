package foreign

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Role is what an array is in backstep's notation: its kind (X, Y, W, b,
// Z, A, dZ, dW, db, dA, loss) and layer (1-based; 0 for X, Y and loss),
// and Next for a parameter after the update.
type Role struct {
	Kind  string
	Layer int
	Next  bool
	// Output marks a name that says "the output layer" without a number
	// (y_hat, W_output, delta_out): its layer is settled once the depth is
	// known.
	Output bool
	// Hidden marks a name that says "the hidden layer" without a number.
	Hidden bool
}

// Name is the role in backstep's notation: "W1", "dZ2", "b1_next".
func (r Role) Name() string {
	s := r.Kind
	if r.Layer > 0 {
		s += strconv.Itoa(r.Layer)
	}
	if r.Next {
		s += "_next"
	}
	return s
}

// The words learners use for each role, lower case with the separators
// removed. A name is read as optional gradient and update markers around
// one of these words and a layer number (w1, W_1, theta1, grad_w1,
// dW1, W1_grad, dL_dW1, delta2, d_hidden, W1_new).
var (
	dataWords = map[string]string{
		"x": "X", "xs": "X", "inputs": "X", "input": "X", "xi": "X", "xbatch": "X", "xb": "X",
		"features": "X", "xtrain": "X", "data": "X", "a0": "X", "h0": "X",
		"y": "Y", "ys": "Y", "t": "Y", "targets": "Y", "target": "Y", "labels": "Y", "label": "Y",
		"yi": "Y", "ytrue": "Y", "yb": "Y", "ybatch": "Y", "onehot": "Y", "yonehot": "Y", "yhot": "Y",
		"ytrain": "Y", "truth": "Y",
		"loss": "loss", "cost": "loss", "j": "loss", "mse": "loss", "ce": "loss", "crossentropy": "loss",
		// the sample count, when it is one number (assignRoles checks)
		"m": "m", "n": "m", "nsamples": "m", "numsamples": "m", "batchsize": "m",
	}
	layerWords = map[string]string{
		"w": "W", "weights": "W", "weight": "W", "theta": "W", "wt": "W",
		"b": "b", "bias": "b", "biases": "b",
		"z": "Z", "net": "Z", "logits": "Z", "preact": "Z", "zs": "Z",
		"a": "A", "h": "A", "act": "A", "activation": "A", "activations": "A", "o": "A", "out": "A",
		"delta": "dZ", "err": "dZ", "error": "dZ", "e": "dZ",
	}
	// Words that name the output layer as a whole.
	outputWords = map[string]string{
		"yhat": "A", "ypred": "A", "pred": "A", "preds": "A", "probs": "A", "output": "A",
		"outputs": "A", "prob": "A", "p": "A", "scores": "Z",
	}
	// Position words that stand for a layer number in two-layer networks.
	positionWords = map[string]string{"hidden": "hidden", "hid": "hidden", "h": "hidden", "ih": "hidden", "inputhidden": "hidden",
		"output": "output", "out": "output", "o": "output", "ho": "output", "hiddenoutput": "output"}
)

// parseName reads a key of a learner's dump as a role. ok is false for a
// name it cannot place.
func parseName(key string) (Role, bool) {
	// A name inside a container: self.W1, model.W1, params['W1'],
	// cache["Z1"], grads['W1'] (a gradient container makes it dW1).
	if container, field, ok := splitContainer(key); ok {
		r, ok := parseName(field)
		if !ok {
			return Role{}, false
		}
		if gradientContainer(container) && (r.Kind == "W" || r.Kind == "b" || r.Kind == "Z" || r.Kind == "A") && !r.Next {
			r.Kind = "d" + r.Kind
		}
		return r, true
	}
	k := strings.ToLower(key)
	var r Role
	// After-the-update markers.
	for _, m := range []string{"_next", "_new", "_after", "_updated", "_upd", "next"} {
		if strings.HasSuffix(k, m) && len(k) > len(m) {
			k, r.Next = strings.TrimSuffix(k, m), true
			break
		}
	}
	for _, m := range []string{"new_", "next_", "updated_"} {
		if strings.HasPrefix(k, m) && len(k) > len(m) {
			k, r.Next = strings.TrimPrefix(k, m), true
			break
		}
	}
	// Gradient markers: grad_w1, w1_grad, dL_dW1, dJ/dW1, d_W1, dw1.
	grad := false
	for _, m := range []string{"_grad", "grad", "_gradient"} {
		if strings.HasSuffix(k, m) && len(k) > len(m) {
			k, grad = strings.TrimSuffix(k, m), true
			break
		}
	}
	if !grad {
		for _, m := range []string{"grad_", "gradient_", "nabla_", "nabla", "grad", "dl_d", "dldw", "dj_d", "dl/d", "dj/d", "dloss_d", "dcost_d"} {
			if strings.HasPrefix(k, m) && len(k) > len(m) {
				if m == "dldw" {
					k = "w" + k[len(m):]
				} else {
					k = k[len(m):]
				}
				grad = true
				break
			}
		}
	}
	compact := strings.Map(func(c rune) rune {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			return c
		}
		return -1
	}, k)
	if w, ok := dataWords[compact]; ok && !grad && !r.Next {
		return Role{Kind: w}, true
	}
	if w, ok := outputWords[compact]; ok && !r.Next {
		r.Kind, r.Output = w, true
		if grad {
			r.Kind = "d" + w
		}
		return r, true
	}
	// A leading d marks a gradient when the rest is a role: dw1, d_b2,
	// dz2, dh1 (but not "delta2", a word of its own).
	if !grad && strings.HasPrefix(compact, "d") && !r.Next {
		// d_hidden, d_output: the delta of the layer in that position.
		switch positionWords[compact[1:]] {
		case "hidden":
			return Role{Kind: "dZ", Hidden: true}, true
		case "output":
			return Role{Kind: "dZ", Output: true}, true
		}
	}
	if !grad && strings.HasPrefix(compact, "d") && !strings.HasPrefix(compact, "delta") && len(compact) > 1 {
		if rest, ok := parseLayerName(compact[1:]); ok && rest.Kind != "dZ" {
			rest.Kind = "d" + rest.Kind
			rest.Next = r.Next
			return rest, rest.Kind != "dZ" || !r.Next
		}
	}
	base, ok := parseLayerName(compact)
	if !ok {
		return Role{}, false
	}
	base.Next = r.Next
	if grad {
		if base.Kind == "dZ" {
			return Role{}, false
		}
		base.Kind = "d" + base.Kind
	}
	if base.Next && base.Kind != "W" && base.Kind != "b" {
		return Role{}, false
	}
	return base, true
}

// parseLayerName reads "w1", "theta2", "whidden", "deltaoutput", "a0".
func parseLayerName(s string) (Role, bool) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	word, digits := s[:i], s[i:]
	if digits != "" {
		kind, ok := layerWords[word]
		if !ok {
			return Role{}, false
		}
		n, err := strconv.Atoi(digits)
		if err != nil || n > 99 {
			return Role{}, false
		}
		return Role{Kind: kind, Layer: n}, true
	}
	// "whidden", "bout", "deltahidden", "wih", "who": a role word
	// followed by a position word.
	for _, w := range sortedKeys(layerWords) {
		if !strings.HasPrefix(word, w) || len(word) == len(w) {
			continue
		}
		switch positionWords[word[len(w):]] {
		case "hidden":
			return Role{Kind: layerWords[w], Hidden: true}, true
		case "output":
			return Role{Kind: layerWords[w], Output: true}, true
		}
	}
	return Role{}, false
}

// sortedKeys returns the keys longest first, so "weights" is tried before "w".
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	return keys
}

// placeRoles settles names that say "hidden" or "output" and shifts
// 0-based layer numbers, once the depth L is known. It returns an error
// when two keys claim one role.
//
// same, when not nil, settles two keys that claim one role but hold the
// same values (see reader.sameValues): the one it prefers is kept and the
// other left unused.
//
// shiftA says the activations (A, dA) count from 0 as the weights do;
// when false, in a 0-based dump, they count from the input (a1 is the
// first layer's) and keep their numbers.
func placeRoles(roles map[string]Role, L int, shiftA bool, same func(kept, key string) (preferKey, ok bool)) (map[string]string, error) {
	zeroBased := false
	for _, r := range roles {
		if r.Kind == "W" && r.Layer == 0 && !r.Hidden && !r.Output {
			zeroBased = true
		}
	}
	byName := map[string]string{}
	keys := make([]string, 0, len(roles))
	for k := range roles {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		r := roles[key]
		switch {
		case r.Output:
			r.Layer = L
		case r.Hidden:
			if L != 2 {
				continue // "hidden" names a layer only when there is one
			}
			r.Layer = 1
		case zeroBased && (r.Kind == "A" || r.Kind == "dA") && !shiftA:
		case zeroBased && r.Kind != "X" && r.Kind != "Y" && r.Kind != "loss" && r.Kind != "m":
			r.Layer++
		}
		if r.Layer == 0 && r.Kind != "X" && r.Kind != "Y" && r.Kind != "loss" && r.Kind != "m" {
			continue
		}
		name := r.Name()
		if other, taken := byName[name]; taken {
			if same != nil {
				if preferKey, ok := same(other, key); ok {
					if preferKey {
						byName[name] = key
					}
					continue
				}
			}
			return nil, fmt.Errorf("foreign: both %s and %s read as %s: say which is which with --map %s=KEY", other, key, name, name)
		}
		byName[name] = key
	}
	return byName, nil
}

// splitContainer splits "params['W1']" or "self.W1" into the container and
// the field's name.
func splitContainer(key string) (container, field string, ok bool) {
	if i := strings.IndexByte(key, '['); i > 0 && strings.HasSuffix(key, "]") {
		inner := strings.Trim(key[i+1:len(key)-1], `'" `)
		if inner != "" {
			return key[:i], inner, true
		}
	}
	if i := strings.LastIndexByte(key, '.'); i > 0 && i < len(key)-1 {
		return key[:i], key[i+1:], true
	}
	return "", "", false
}

// gradientContainer reports whether a container's name says it holds
// gradients: grads, gradients, grad, dparams, d_params, deltas.
func gradientContainer(name string) bool {
	n := strings.ToLower(strings.TrimPrefix(name, "self."))
	switch n {
	case "grads", "grad", "gradients", "gradient", "dparams", "d_params", "dparameters", "g", "deriv", "derivs", "derivatives":
		return true
	}
	return false
}
