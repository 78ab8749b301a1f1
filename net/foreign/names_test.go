package foreign

import "testing"

func TestParseName(t *testing.T) {
	cases := map[string]string{
		"X": "X", "x": "X", "inputs": "X", "x_batch": "X",
		"Y": "Y", "y": "Y", "labels": "Y", "targets": "Y", "y_onehot": "Y",
		"W1": "W1", "w1": "W1", "W_1": "W1", "theta1": "W1", "weights2": "W2",
		"b1": "b1", "B_2": "b2", "bias1": "b1",
		"Z1": "Z1", "z2": "Z2", "A1": "A1", "a_1": "A1", "h1": "A1",
		"dW1": "dW1", "dw1": "dW1", "d_W1": "dW1", "dW_1": "dW1", "grad_w1": "dW1", "W1_grad": "dW1",
		"dL_dW1": "dW1", "db2": "db2", "grad_b2": "db2", "dZ2": "dZ2", "dz1": "dZ1", "delta2": "dZ2",
		"delta_1": "dZ1", "dh1": "dA1",
		"loss": "loss", "cost": "loss", "J": "loss",
		"W1_next": "W1_next", "W1_new": "W1_next", "b2_after": "b2_next", "new_W2": "W2_next",
		"self.W1": "W1", "model.b2": "b2", "params['W1']": "W1", `cache["Z1"]`: "Z1", "grads['W2']": "dW2",
		"grads['b1']": "db1", "self.grads['W1']": "dW1", "params['dW1']": "dW1",
	}
	for key, want := range cases {
		r, ok := parseName(key)
		if !ok {
			t.Errorf("%s: not read", key)
			continue
		}
		if r.Output || r.Hidden {
			t.Errorf("%s: read as a position (%+v), want %s", key, r, want)
			continue
		}
		if got := r.Name(); got != want {
			t.Errorf("%s read as %s, want %s", key, got, want)
		}
	}
	positional := map[string]string{"W_hidden": "W1", "w_output": "W2", "d_hidden": "dZ1", "delta_output": "dZ2",
		"b_out": "b2", "y_hat": "A2", "W_ih": "W1", "W_ho": "W2"}
	for key, want := range positional {
		r, ok := parseName(key)
		if !ok {
			t.Errorf("%s: not read", key)
			continue
		}
		got, err := placeRoles(map[string]Role{key: r}, 2, true, nil)
		if err != nil || got[want] != key {
			t.Errorf("%s placed as %v (%v), want %s", key, got, err, want)
		}
	}
	for _, key := range []string{"foo", "lr", "epoch", "W1_gradient_norm", "dtype"} {
		if r, ok := parseName(key); ok {
			t.Errorf("%s read as %s, want unknown", key, r.Name())
		}
	}
}
