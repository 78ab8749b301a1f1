package record

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
)

// Recording is what the recorder wrote about one run of a script: its
// statements (from the syntax tree), what each executed statement wrote in
// each traced iteration, and the arrays of the first iteration in full.
type Recording struct {
	Version    int    `json:"version"`
	Python     string `json:"python"`     // "3.11.2"
	Executable string `json:"executable"` // the interpreter that ran it
	NumPy      string `json:"numpy"`
	// Tracer is "settrace" (Python < 3.12) or "monitoring".
	Tracer   string   `json:"tracer"`
	Script   string   `json:"script"` // absolute path
	Notebook bool     `json:"notebook"`
	Cells    [][2]int `json:"cells"`  // a notebook's line i+1 is cell Cells[i][0], line Cells[i][1]
	Source   string   `json:"source"` // what ran (a notebook's code cells joined)
	// Notices say what the recorder did that the script did not ask for:
	// data it served, notebook lines it skipped.
	Notices    []string            `json:"notices"`
	Served     []Served            `json:"served"`
	Statements []Statement         `json:"statements"`
	Functions  map[string]Function `json:"functions"`
	Loops      []Loop              `json:"loops"`
	Executions []Execution         `json:"executions"`
	Iterations Iterations          `json:"iterations"`
	// Updates are the parameter updates that ran in the traced
	// iterations, in the order they ran.
	Updates   []UpdateRecord      `json:"updates"`
	Metrics   []MetricValue       `json:"metrics"`
	FPError   *FPError            `json:"fp_error"`
	FPErrors  int                 `json:"fp_errors"`
	Exception *ScriptError        `json:"exception"`
	ExitCode  *int                `json:"exit_code"`
	Capture   map[string]Captured `json:"capture"`
	// CaptureSeconds is how long writing the first iteration's arrays took.
	CaptureSeconds *float64 `json:"capture_seconds"`
	// StoppedAt is when the recorder stopped the script (Unix seconds),
	// nil when the script ended by itself.
	StoppedAt  *float64 `json:"stopped_at"`
	StartedAt  float64  `json:"started_at"`
	FinishedAt float64  `json:"finished_at"`

	// Arrays holds the captured values by capture key ("pre:X" for a
	// value at the start of iteration 1, "post:W1" for one at its end when
	// the iteration changed it, "s19:0" for the first target of statement
	// 19 in iteration 1), as float64.
	Arrays map[string]*tracer.Array `json:"-"`
	// Integer and Float32 say how a captured array was stored.
	Integer map[string]bool `json:"-"`
	Float32 map[string]bool `json:"-"`
}

// Served is data the recorder handed the script in place of a missing
// library.
type Served struct {
	Function    string `json:"function"`
	XTrain      []int  `json:"x_train"`
	YTrain      []int  `json:"y_train"`
	XTest       []int  `json:"x_test"`
	YTest       []int  `json:"y_test"`
	TrainIsTest bool   `json:"train_is_test"`
}

// Statement is one statement of the script, as its syntax tree gives it.
// Compound statements (for, while, if, with) are their header.
type Statement struct {
	ID      int    `json:"id"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	EndLine int    `json:"end_line"`
	EndCol  int    `json:"end_col"`
	Scope   int    `json:"scope"`
	Kind    string `json:"kind"` // assign, augassign, return, expr, for, while, if, def, ...
	// Loop is the innermost loop around the statement in its scope.
	Loop    *int     `json:"loop"`
	LoopID  *int     `json:"loop_id"` // the loop a for/while header starts
	Src     string   `json:"src"`
	Targets []string `json:"targets"`
	Inplace []string `json:"inplace"`
	Reads   []string `json:"reads"`
	Value   *Expr    `json:"value"`
	Op      string   `json:"op"` // an augmented assignment's operator: Add, Sub, ...
	Update  *Update  `json:"update"`
	Metric  bool     `json:"metric"`
	// Init is the number a plain `name = 0` assigns (a counter's start).
	Init *float64 `json:"init"`
}

// Update is a statement that updated a parameter when it ran: an
// in-place change W -= step (or +=) or a rebinding W = W - step of a float
// array, by a step of its shape (or one that broadcasts it larger). Param
// and Grad are as written (params[k], p), "" for a gradient computed
// inline; UpdateRecord gives the names they had when it ran.
type Update struct {
	Param         string `json:"param"`
	Grad          string `json:"grad"`
	Comprehension bool   `json:"comprehension"`
}

// UpdateRecord is one parameter update that ran: the parameter and its
// gradient by the names they have outside the update (params['W1'] for
// params[k], W1 for the p of for p, g in zip(params, grads)), and the
// parameter's shape before and after.
type UpdateRecord struct {
	Stmt      int    `json:"stmt"`
	Iteration int    `json:"iteration"`
	Param     string `json:"param"`
	Grad      string `json:"grad"` // "" for a step computed inline
	Before    []int  `json:"before"`
	After     []int  `json:"after"`
	// Failed is the exception an update raised (NumPy's ValueError for
	// an in-place update by a step of another shape), "" when it ran.
	Failed string `json:"failed"`
}

// Expr is a statement's value as a syntax tree: what Replay evaluates.
type Expr struct {
	K string `json:"k"` // name, const, binop, unary, compare, attr, subscript, slice, tuple, call, ?
	// ID is a name's identifier, or the name of an attribute or an entry
	// with a constant key (self.W1, params['W1']) as the recorder writes it.
	ID   string           `json:"id"`
	N    json.RawMessage  `json:"n"` // a constant's value
	S    string           `json:"s"` // a string constant
	Src  string           `json:"src"`
	Op   string           `json:"op"`
	A    string           `json:"a"` // an attribute's name
	L    *Expr            `json:"l"`
	R    *Expr            `json:"r"`
	V    *Expr            `json:"v"`
	I    *Expr            `json:"i"`
	Lo   *Expr            `json:"lo"`
	Hi   *Expr            `json:"hi"`
	E    []*Expr          `json:"e"`
	F    *Expr            `json:"f"`
	Args []*Expr          `json:"args"`
	KW   map[string]*Expr `json:"kw"`
}

// Function is a function of the script whose body is plain assignments and
// one return (or a lambda), so that a call to it can be replayed inline.
type Function struct {
	Params []string `json:"params"`
	Steps  []struct {
		Name  string `json:"name"`
		Value *Expr  `json:"value"`
	} `json:"steps"`
	Ret  *Expr `json:"ret"`
	Line int   `json:"line"`
}

// Loop is a for or while loop of the script.
type Loop struct {
	ID      int      `json:"id"`
	Stmt    int      `json:"stmt"`
	Line    int      `json:"line"`
	EndLine int      `json:"end_line"`
	Parent  *int     `json:"parent"`
	Kind    string   `json:"kind"`
	Targets []string `json:"targets"`
	Iter    string   `json:"iter"`
	// RangeStop is the stop of range(...) when the loop runs over one.
	RangeStop string `json:"range_stop"`
	// Indexes are the subscripts in the body that use the loop variable.
	Indexes []Index `json:"indexes"`
	// Runs counts the header's executions per iteration ("1", "2", ...);
	// a loop that ran K times executed its header K+1 times.
	Runs map[string]int `json:"runs"`
	// RangeValues is the value of RangeStop per iteration.
	RangeValues map[string]int `json:"range_values"`
}

// Index is a subscript such as A2[i] in a loop over i.
type Index struct {
	Array string `json:"array"`
	Axis  int    `json:"axis"`
	Line  int    `json:"line"`
	Src   string `json:"src"`
}

// Execution is what one statement did in one iteration (0: before the
// first iteration).
type Execution struct {
	Stmt      int `json:"stmt"`
	Iteration int `json:"iteration"`
	Seq       int `json:"seq"`
	// Fin orders the statements as they finished: a call's line after the
	// lines of the function it called.
	Fin     int     `json:"fin"`
	Count   int     `json:"count"`
	Seconds float64 `json:"seconds"`
	// Writes summarise the values the statement assigned, in the order of
	// its targets (of its last run when it ran several times).
	Writes []Write      `json:"writes"`
	Error  *ScriptError `json:"error"`
}

// Write summarises one value a statement assigned.
type Write struct {
	Name  string      `json:"name"`
	Type  string      `json:"type"` // for values that are not arrays: int, float, list, ...
	Shape []int       `json:"shape"`
	DType string      `json:"dtype"`
	Mean  *jsonNumber `json:"mean"`
	Std   *jsonNumber `json:"std"`
	Min   *jsonNumber `json:"min"`
	Max   *jsonNumber `json:"max"`
	NaN   int         `json:"nan"`
	Inf   int         `json:"inf"`
	Value *jsonNumber `json:"value"`
	Len   int         `json:"len"`
}

// Iterations says how the run was cut into training iterations.
type Iterations struct {
	Traced      int  `json:"traced"`
	FirstUpdate *int `json:"first_update"` // the statement counted
	Loop        *int `json:"loop"`         // the loop around it
	Updates     int  `json:"updates"`
	// StoppedAfter is the iteration after which the script was stopped,
	// nil when it ran to its end.
	StoppedAfter *int            `json:"stopped_after"`
	Reached      int             `json:"reached"`
	Continued    bool            `json:"continued"`
	Times        []IterationTime `json:"times"`
}

// IterationTime is one iteration's wall time, traced or not.
type IterationTime struct {
	Iteration int     `json:"iteration"`
	Mode      string  `json:"mode"` // traced or light (untraced but for the metric lines)
	Seconds   float64 `json:"seconds"`
}

// MetricValue is the value of a metric line (a counter, an accuracy) at the
// end of an iteration.
type MetricValue struct {
	Stmt      int        `json:"stmt"`
	Iteration int        `json:"iteration"`
	Value     jsonNumber `json:"value"`
	Count     int        `json:"count"` // how often it ran in that iteration
}

// FPError is the first floating-point error NumPy reported (np.seterrcall).
type FPError struct {
	Kind      string `json:"kind"` // overflow, invalid, divide
	Line      int    `json:"line"`
	Stmt      *int   `json:"stmt"`
	Iteration int    `json:"iteration"`
	Mode      string `json:"mode"`
}

// ScriptError is an exception the script raised.
type ScriptError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Line    int    `json:"line"`
	Stmt    *int   `json:"stmt"`
	Module  string `json:"module"` // for an ImportError, or a part of TensorFlow backstep does not serve
	// ServedOnly says the module is TensorFlow/Keras, which is not
	// installed and of which backstep serves only mnist.load_data() and
	// to_categorical; What is the part the script used (tensorflow.one_hot).
	ServedOnly bool   `json:"served_only"`
	What       string `json:"what"`
}

// Captured locates one captured array.
type Captured struct {
	Name string `json:"name"`
	Stmt *int   `json:"stmt"`
	Key  string `json:"key"` // the array's name in capture.npz
}

// jsonNumber reads a number that JSON may hold as "NaN", "Inf" or "-Inf".
type jsonNumber float64

func (n *jsonNumber) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(b), `"`) {
	case "NaN":
		*n = jsonNumber(math.NaN())
	case "Inf":
		*n = jsonNumber(math.Inf(1))
	case "-Inf":
		*n = jsonNumber(math.Inf(-1))
	case "null":
		*n = 0
	default:
		var f float64
		if err := json.Unmarshal(b, &f); err != nil {
			return err
		}
		*n = jsonNumber(f)
	}
	return nil
}

// Float returns the number, NaN when absent.
func (n *jsonNumber) Float() float64 {
	if n == nil {
		return math.NaN()
	}
	return float64(*n)
}

// Read loads a recording from the folder the recorder wrote: record.json
// and, when present, capture.npz.
func Read(dir string) (*Recording, error) {
	b, err := os.ReadFile(filepath.Join(dir, "record.json"))
	if err != nil {
		return nil, fmt.Errorf("record: the recorder wrote no record: %v", err)
	}
	r := &Recording{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("record: cannot read the record: %v", err)
	}
	if r.Version != 1 {
		return nil, fmt.Errorf("record: record version %d, backstep reads version 1", r.Version)
	}
	r.Arrays, r.Integer, r.Float32 = map[string]*tracer.Array{}, map[string]bool{}, map[string]bool{}
	path := filepath.Join(dir, "capture.npz")
	if _, err := os.Stat(path); err != nil {
		return r, nil
	}
	f, err := net.ReadNumPy(path)
	if err != nil {
		return nil, fmt.Errorf("record: cannot read the captured arrays: %v", err)
	}
	byKey := map[string]string{}
	for k, c := range r.Capture {
		byKey[c.Key] = k
	}
	for key, a := range f.Arrays {
		k, ok := byKey[key]
		if !ok {
			continue
		}
		r.Arrays[k] = a
		r.Integer[k] = f.Integer[key]
	}
	for _, w := range f.Warnings {
		key, _, _ := strings.Cut(w, " ")
		if k, ok := byKey[key]; ok && strings.Contains(w, "float32") {
			r.Float32[k] = true
		}
	}
	return r, nil
}

// Statement returns statement id.
func (r *Recording) Statement(id int) *Statement { return &r.Statements[id] }

// LineOf says where a line of the source is: "line 31", or "cell 3, line
// 2" in a notebook.
func (r *Recording) LineOf(line int) string {
	if r.Notebook && line >= 1 && line <= len(r.Cells) {
		c := r.Cells[line-1]
		return fmt.Sprintf("cell %d, line %d", c[0], c[1])
	}
	return fmt.Sprintf("line %d", line)
}

// Executed returns the executions of one iteration in the order their
// statements first ran.
func (r *Recording) Executed(iteration int) []Execution {
	var out []Execution
	for _, e := range r.Executions {
		if e.Iteration == iteration {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// captureKey is the key of target k of statement s in iteration 1.
func captureKey(s, k int) string { return fmt.Sprintf("s%d:%d", s, k) }
