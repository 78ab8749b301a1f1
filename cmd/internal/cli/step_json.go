package cli

import (
	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// stepJSON is the schema of `backstep step --json` (DESIGN.md: the whole
// trace, a list of events with statement, op, inputs, shape, axis, stats),
// with the statements around them.
type stepJSON struct {
	Config     stepConfigJSON  `json:"config"`
	Statements []statementJSON `json:"statements"`
	Events     []eventJSON     `json:"events"`
	// FirstNonFinite locates the first operation that produced NaN/Inf.
	FirstNonFinite *opRefJSON     `json:"first_nonfinite"`
	Loss           *render.Number `json:"loss"`
	Accuracy       *render.Number `json:"accuracy"`
	Error          string         `json:"error,omitempty"`
}

type statementJSON struct {
	Index   int    `json:"index"` // 1-based, as the trace numbers them
	Name    string `json:"name"`
	Phase   string `json:"phase"`
	Formula string `json:"formula"`
	NumPy   string `json:"numpy"`
	// SourceLine is the statement's line in the learner's script
	// (backstep run only).
	SourceLine int            `json:"source_line,omitempty"`
	Bug        string         `json:"bug,omitempty"`
	Shape      []int          `json:"shape"`
	Labels     []string       `json:"labels,omitempty"`
	Value      *render.Number `json:"value,omitempty"` // scalars only
	Stats      *statsJSON     `json:"stats,omitempty"`
	Events     int            `json:"events"` // how many of Events belong to it
	Error      string         `json:"error,omitempty"`
	// Line compares a patched statement with the correct one on the same
	// inputs; Run compares the value with the correct run's.
	Line       *divergenceJSON `json:"line,omitempty"`
	Run        *divergenceJSON `json:"run,omitempty"`
	ShapeDrift *driftJSON      `json:"shape_drift,omitempty"`
	Notes      []noteJSON      `json:"notes"`
}

type divergenceJSON struct {
	Relation  string         `json:"relation"`
	Alpha     *render.Number `json:"alpha,omitempty"`
	Ratio     string         `json:"ratio,omitempty"`
	RelError  render.Number  `json:"rel_error"`
	Text      string         `json:"text"`
	Correct   string         `json:"correct,omitempty"`
	WantShape []int          `json:"correct_shape"`
}

type driftJSON struct {
	Name   string `json:"name"`
	Before []int  `json:"before"`
	After  []int  `json:"after"`
	Want   []int  `json:"want"`
}

type noteJSON struct {
	Warn bool   `json:"warn"`
	Text string `json:"text"`
}

type operandJSON struct {
	Name      string   `json:"name"`
	Shape     []int    `json:"shape"`
	Labels    []string `json:"labels,omitempty"`
	Broadcast []int    `json:"broadcast,omitempty"`
}

type eventJSON struct {
	Statement string        `json:"statement"`
	Op        string        `json:"op"`
	Inputs    []operandJSON `json:"inputs"`
	Result    string        `json:"result"`
	Shape     []int         `json:"shape"`
	Labels    []string      `json:"labels,omitempty"`
	Axis      *int          `json:"axis"`
	Keepdims  bool          `json:"keepdims"`
	Stats     statsJSON     `json:"stats"`
	// RoundingNoise marks a result that is what is left of an exact
	// cancellation (net.NoiseRatio); its digits are not meaningful.
	RoundingNoise bool `json:"rounding_noise,omitempty"`
}

type statsJSON struct {
	Count int           `json:"count"`
	Mean  render.Number `json:"mean"`
	Std   render.Number `json:"std"`
	Min   render.Number `json:"min"`
	Max   render.Number `json:"max"`
	Norm  render.Number `json:"l2_norm"`
	NaN   int           `json:"nan"`
	Inf   int           `json:"inf"`
	Zeros int           `json:"zeros"`
}

type opRefJSON struct {
	Statement string `json:"statement"`
	Op        string `json:"op"`
	Index     int    `json:"index"` // position in events, 0-based
}

func shapeJSON(s tracer.Shape) []int {
	if s == nil {
		return []int{}
	}
	return []int(s)
}

func statsOf(s tracer.Stats) statsJSON {
	return statsJSON{Count: s.Count, Mean: render.Number(s.Mean), Std: render.Number(s.Std), Min: render.Number(s.Min),
		Max: render.Number(s.Max), Norm: render.Number(s.Norm), NaN: s.NaN, Inf: s.Inf, Zeros: s.Zeros}
}

func divergenceOf(d *net.Divergence) *divergenceJSON {
	if d == nil {
		return nil
	}
	out := &divergenceJSON{Relation: string(d.Relation.Kind), Ratio: d.Ratio, RelError: render.Number(d.Relation.RelError),
		Text: d.String(), Correct: d.Correct.NumPy, WantShape: []int{}}
	if d.Relation.Kind == tracer.Scaled || d.Relation.Kind == tracer.Negated {
		a := render.Number(d.Relation.Alpha)
		out.Alpha = &a
	}
	if d.Want != nil {
		out.WantShape = shapeJSON(d.Want.Shape())
	}
	return out
}

func stepJSONOf(config stepConfigJSON, st *net.Stepper) stepJSON {
	out := stepJSON{Config: config}
	out.Statements, out.Events, out.FirstNonFinite = recordsJSON(st)
	if l, ok := st.Vars["loss"]; ok && l.Size() == 1 {
		v := render.Number(l.Item())
		out.Loss = &v
	}
	if a, ok := st.Vars["acc"]; ok && a.Size() == 1 {
		v := render.Number(a.Item())
		out.Accuracy = &v
	}
	if err := st.Err(); err != nil {
		out.Error = err.Error()
	}
	return out
}

// recordsJSON writes the executed statements of a stepper and their
// operations, and locates the first operation that made a NaN or an Inf.
func recordsJSON(st *net.Stepper) ([]statementJSON, []eventJSON, *opRefJSON) {
	statements, events := []statementJSON{}, []eventJSON{}
	var first *opRefJSON
	for _, rec := range st.Records {
		s := rec.Statement
		sj := statementJSON{Index: rec.Index + 1, Name: s.Name, Phase: string(s.Phase), Formula: s.Formula, NumPy: s.NumPy,
			SourceLine: s.Line, Bug: s.Bug, Shape: []int{}, Events: len(rec.Events), Line: divergenceOf(rec.Line),
			Run: divergenceOf(rec.Run), Notes: []noteJSON{}}
		if rec.Value != nil {
			sj.Shape = shapeJSON(rec.Value.Shape())
			sj.Labels = rec.Value.Labels()
			st := statsOf(tracer.Summarize(rec.Value))
			sj.Stats = &st
			if rec.Value.Rank() == 0 {
				v := render.Number(rec.Value.Item())
				sj.Value = &v
			}
		}
		sj.Error = rec.ErrorText()
		if dr := rec.Drift; dr != nil {
			sj.ShapeDrift = &driftJSON{Name: dr.Name, Before: shapeJSON(dr.Before), After: shapeJSON(dr.After), Want: shapeJSON(dr.Want)}
		}
		for _, n := range rec.Notes {
			sj.Notes = append(sj.Notes, noteJSON{Warn: n.Warn, Text: n.Text})
		}
		statements = append(statements, sj)
		for k, e := range rec.Events {
			if fr, fk := st.FirstNonFinite(); fr == rec && fk == k {
				first = &opRefJSON{Statement: s.Name, Op: e.Op, Index: len(events)}
			}
			ej := eventJSON{Statement: e.Statement, Op: e.Op, Result: e.Result, Shape: shapeJSON(e.Shape), Labels: e.Labels,
				Axis: e.Axis, Keepdims: e.Keepdims, Stats: statsOf(e.Stats), Inputs: []operandJSON{}}
			for _, in := range e.Inputs {
				ej.Inputs = append(ej.Inputs, operandJSON{Name: in.Name, Shape: shapeJSON(in.Shape), Labels: in.Labels, Broadcast: in.Broadcast})
			}
			ej.RoundingNoise = k < len(rec.Noise) && rec.Noise[k]
			events = append(events, ej)
		}
	}
	return statements, events, first
}
