package foreign

import (
	"fmt"
	"sort"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// fillByRelations settles the forward values by what they are rather than
// what they are called: Z_l is the array equal to A_{l−1}·W_l + b_l, A_l the
// one equal to an activation of Z_l. It fills roles the names left open
// (h1, h2, out, …) and moves a name that reads as one role but holds
// another (h1 read as A1 while it is W1 @ x) to the array that fits. A
// named array that fits nothing keeps its role: a wrong value is a finding,
// not a reason to look elsewhere.
func (r *reader) fillByRelations() {
	cfg := r.d.Config
	used := map[string]bool{}
	for _, key := range r.keys {
		used[key] = true
	}
	var pool []string // keys no role took, and keys of forward roles
	for _, key := range r.f.Keys() {
		if !used[key] {
			pool = append(pool, key)
		}
	}
	for name, key := range r.keys {
		if role, _ := parseName(name); (role.Kind == "Z" || role.Kind == "A") && !role.Next {
			pool = append(pool, key)
		}
	}
	sort.Strings(pool)
	if len(pool) == 0 {
		return
	}
	tol := r.matchTolerance()
	p := net.Build(cfg)
	var tp *tracer.Tape
	env := net.Vars{}
	for k, a := range r.arrays {
		env[k] = a
	}
	// find returns the pool key whose array equals want, preferring the one
	// already named so.
	// A key settled as one role is not looked at for another (a Z2 of
	// small values is tanh(Z2) to float32's precision, but it is Z2).
	claimed := map[string]bool{}
	find := func(name string, want *tracer.Array) string {
		if key, ok := r.keys[name]; ok && matches(r.f.Arrays[key], want, tol) {
			return key
		}
		for _, key := range pool {
			if a := r.f.Arrays[key]; a != nil && !claimed[key] && a.Rank() == 2 && matches(a, want, tol) {
				return key
			}
		}
		return ""
	}
	assign := func(name, key string) {
		claimed[key] = true
		if old, ok := r.keys[name]; ok && old == key {
			return
		}
		for other, k := range r.keys {
			if k == key && other != name {
				delete(r.keys, other)
				delete(r.arrays, other)
			}
		}
		r.keys[name] = key
		r.arrays[name] = r.f.Arrays[key].Named(name)
		r.moved = append(r.moved, fmt.Sprintf("%s→%s", key, name))
	}
	L := cfg.Layers()
	for l := 1; l <= L; l++ {
		Z, A := fmt.Sprintf("Z%d", l), fmt.Sprintf("A%d", l)
		i := p.Index(Z)
		if i < 0 {
			return
		}
		z, err := p.Eval(i, nil, env)
		if err != nil {
			return
		}
		if key := find(Z, z); key != "" {
			assign(Z, key)
			z = r.arrays[Z]
		} else if given := r.arrays[Z]; given != nil && given.Shape().Equal(z.Shape()) {
			z = given
		}
		env[Z] = z
		var candidates []net.Activation
		if l < L {
			candidates = []net.Activation{cfg.ActOf(l), net.Tanh, net.Sigmoid, net.ReLU}
		} else {
			candidates = []net.Activation{net.Sigmoid, net.Tanh}
		}
		found := false
		for _, act := range candidates {
			if key := find(A, activation(tp, act, z)); key != "" {
				assign(A, key)
				found = true
				break
			}
		}
		if l == L && !found && cfg.Classes > 1 {
			axis := 1
			if cfg.Layout == net.Cols {
				axis = 0
			}
			e := tp.Exp(tp.Sub(z, tp.Max(z, axis, true)))
			if key := find(A, tp.Div(e, tp.Sum(e, axis, true))); key != "" {
				assign(A, key)
				found = true
			}
		}
		if a := r.arrays[A]; a != nil && a.Shape().Equal(z.Shape()) {
			env[A] = a
		} else if l < L {
			env[A] = activation(tp, cfg.ActOf(l), z)
		}
	}
}

// gradientsOfForward reads a key that names the gradient of another key —
// d_h4, dh4, grad_h4, h4_grad, delta_h4 — as the gradient of that key's
// role: d_h4 is dZ2 when h4 is Z2.
func (r *reader) gradientsOfForward() {
	L := r.d.Config.Layers()
	roleOf := map[string]string{}
	for name, key := range r.keys {
		if role, _ := parseName(name); role.Kind != "dA" && role.Layer <= L {
			roleOf[key] = name
		}
	}
	for _, key := range r.f.Keys() {
		if _, taken := roleOf[key]; taken {
			continue
		}
		base := gradientBase(key, r.f)
		name, ok := roleOf[base]
		if !ok {
			continue
		}
		role, _ := parseName(name)
		if role.Kind != "Z" || role.Next {
			continue
		}
		grad := "d" + name
		if _, taken := r.keys[grad]; taken {
			continue
		}
		for other, k := range r.keys {
			if k == key {
				delete(r.keys, other)
				delete(r.arrays, other)
			}
		}
		r.keys[grad] = key
		r.arrays[grad] = r.f.Arrays[key].Named(grad)
		r.moved = append(r.moved, fmt.Sprintf("%s→%s", key, grad))
	}
}

// gradientBase returns the key a gradient key is the gradient of, or "".
func gradientBase(key string, f *net.NumPyFile) string {
	for _, pre := range []string{"d_", "grad_", "delta_", "dL_d", "dl_d", "d"} {
		if strings.HasPrefix(key, pre) {
			if _, ok := f.Arrays[key[len(pre):]]; ok {
				return key[len(pre):]
			}
		}
	}
	for _, suf := range []string{"_grad", "_delta"} {
		if strings.HasSuffix(key, suf) {
			if _, ok := f.Arrays[strings.TrimSuffix(key, suf)]; ok {
				return strings.TrimSuffix(key, suf)
			}
		}
	}
	return ""
}
