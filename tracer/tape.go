package tracer

// Operand is one input of a recorded operation.
type Operand struct {
	Name   string   `json:"name"`
	Shape  Shape    `json:"shape"`
	Labels []string `json:"labels,omitempty"`
	// Broadcast lists the result's axes along which this operand was
	// repeated to match the other (NumPy broadcasting).
	Broadcast []int `json:"broadcast,omitempty"`
}

// Event records one operation.
type Event struct {
	Statement string    `json:"statement"`
	Op        string    `json:"op"`
	Inputs    []Operand `json:"inputs"`
	Result    string    `json:"result"`
	Shape     Shape     `json:"shape"`
	Labels    []string  `json:"labels,omitempty"`
	// Axis is the axis a reduction ran over, nil for every axis or for an
	// operation that is not a reduction (then Reduction is false).
	Axis      *int  `json:"axis"`
	Keepdims  bool  `json:"keepdims,omitempty"`
	Reduction bool  `json:"-"`
	Stats     Stats `json:"stats"`
	// Value is the result itself, kept so a debugger can print it.
	Value *Array `json:"-"`
}

// Tape records operations. The zero value records every operation with its
// statistics. A nil *Tape is valid and records nothing, for speed.
type Tape struct {
	Events []Event
	// NoStats skips the statistics of each result (shapes are still
	// recorded): statistics are the only part of tracing that reads every
	// value.
	NoStats bool
	// ValuesOnly records of each operation only its Op, Statement and
	// Value, no operands, shapes or statistics: for a loop that needs to
	// know what a step computed (to reuse the storage), not to show it.
	ValuesOnly bool
	// statement labels the events appended from now on.
	statement string
}

// Begin labels the operations that follow as parts of the named statement.
func (t *Tape) Begin(statement string) {
	if t != nil {
		t.statement = statement
	}
}

// Statement returns the label set by the last Begin.
func (t *Tape) Statement() string {
	if t == nil {
		return ""
	}
	return t.statement
}

// Reset forgets the recorded events, keeping the settings.
func (t *Tape) Reset() {
	if t != nil {
		t.Events = t.Events[:0]
	}
}

// FirstNonFinite returns the index of the first event whose result holds a
// NaN or an Inf, or -1.
func (t *Tape) FirstNonFinite() int {
	if t == nil || t.NoStats || t.ValuesOnly {
		return -1
	}
	for i, e := range t.Events {
		if !e.Stats.Finite() {
			return i
		}
	}
	return -1
}

func operand(a *Array, out Shape) Operand {
	o := Operand{Name: a.name, Shape: append(Shape(nil), a.shape...), Labels: a.Labels()}
	if out != nil {
		o.Broadcast = broadcastAxes(a.shape, out)
	}
	return o
}

// record appends an event for the result r of op over inputs. Broadcast
// axes are worked out against the result when broadcast is set.
func (t *Tape) record(op string, r *Array, axis *int, keepdims, reduction, broadcast bool, inputs ...*Array) {
	if t == nil {
		return
	}
	if t.ValuesOnly {
		t.Events = append(t.Events, Event{Statement: t.statement, Op: op, Value: r})
		return
	}
	e := Event{
		Statement: t.statement,
		Op:        op,
		Result:    r.name,
		Shape:     append(Shape(nil), r.shape...),
		Labels:    r.Labels(),
		Axis:      axis,
		Keepdims:  keepdims,
		Reduction: reduction,
		Value:     r,
	}
	for _, in := range inputs {
		var out Shape
		if broadcast {
			out = r.shape
		}
		e.Inputs = append(e.Inputs, operand(in, out))
	}
	if !t.NoStats {
		e.Stats = resultStats(r)
	}
	t.Events = append(t.Events, e)
}
