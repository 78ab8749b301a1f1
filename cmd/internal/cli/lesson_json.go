package cli

import (
	"math"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/lessons"
	"github.com/backstep/backstep/net"
)

// lessonJSON is `lesson run --json` for one lesson (the README's Lessons
// section): lesson, buggy and correct with their epochs, findings; the
// main scenario at the top, every scenario under "scenarios".
type lessonJSON struct {
	Lesson     string             `json:"lesson"`
	Title      string             `json:"title"`
	Claim      string             `json:"claim"`
	Shown      bool               `json:"shown"`
	Lines      []lessons.LinePair `json:"lines"`
	Scenario   string             `json:"scenario"`
	Config     configJSON         `json:"config"`
	Buggy      runJSON            `json:"buggy"`
	Correct    runJSON            `json:"correct"`
	Findings   []lessons.Finding  `json:"findings"`
	Scenarios  []scenarioJSON     `json:"scenarios"`
	Conclusion []string           `json:"conclusion"`
	Seconds    float64            `json:"seconds"`
}

type scenarioJSON struct {
	Name     string            `json:"name"`
	Note     string            `json:"note"`
	With     []string          `json:"with"`
	Config   configJSON        `json:"config"`
	Buggy    runJSON           `json:"buggy"`
	Correct  runJSON           `json:"correct"`
	Findings []lessons.Finding `json:"findings"`
	Parts    []runJSON         `json:"parts,omitempty"`
}

type runJSON struct {
	Name         string            `json:"name"`
	Bugs         []string          `json:"bugs"`
	Init         string            `json:"init"` // what the run's initial weights are
	Epochs       []lessonEpochJSON `json:"epochs"`
	Final        *lessonEpochJSON  `json:"final"`
	Error        string            `json:"error,omitempty"`
	HeldoutError string            `json:"heldout_error,omitempty"`
	Shapes       map[string][]int  `json:"shapes,omitempty"` // the parameters after training
	FirstNaN     *nonFiniteJSON    `json:"first_nonfinite,omitempty"`
	GradCheck    []gradTensorJSON  `json:"gradcheck,omitempty"`
	Findings     []lessons.Finding `json:"findings"`
	Seconds      float64           `json:"seconds"`
}

type lessonEpochJSON struct {
	Epoch    int            `json:"epoch"`
	Loss     render.Number  `json:"loss"`
	Accuracy render.Number  `json:"accuracy"`
	Heldout  *render.Number `json:"heldout_accuracy"` // null when no images are held out
	Reported *render.Number `json:"reported_accuracy,omitempty"`
	// The loss recomputed from the outputs by its definition, under the
	// loss's name, when the program's loss is not it.
	CrossEntropy       *render.Number `json:"cross_entropy,omitempty"`
	SquaredError       *render.Number `json:"squared_error,omitempty"`
	BinaryCrossEntropy *render.Number `json:"binary_cross_entropy,omitempty"`
}

type nonFiniteJSON struct {
	Epoch     int    `json:"epoch"`
	Statement string `json:"statement"`
	Op        string `json:"op"`
}

type gradTensorJSON struct {
	Name            string        `json:"name"`
	InitialRelError render.Number `json:"initial_max_rel_error"`
	FinalRelError   render.Number `json:"final_max_rel_error"`
	InitialVerdict  string        `json:"initial_verdict"`
	FinalVerdict    string        `json:"final_verdict"`
}

type allJSON struct {
	Lessons []lessonJSON  `json:"lessons"`
	Summary []summaryLine `json:"summary"`
	Skipped []skippedJSON `json:"skipped,omitempty"` // lessons that cannot start from --init's weights
	Seconds float64       `json:"seconds"`
}

type skippedJSON struct {
	Lesson string `json:"lesson"`
	Reason string `json:"reason"`
}

type summaryLine struct {
	Lesson          string        `json:"lesson"`
	Epochs          int           `json:"epochs"`
	BuggyAccuracy   render.Number `json:"buggy_accuracy"`
	CorrectAccuracy render.Number `json:"correct_accuracy"`
	Shown           bool          `json:"shown"`
	Findings        []string      `json:"findings"`
}

func resultJSON(res *lessons.Result) lessonJSON {
	m := res.Main()
	doc := lessonJSON{Lesson: res.Lesson.Bug.ID, Title: res.Lesson.Bug.Title, Claim: res.Lesson.Claim, Shown: res.Shown,
		Lines: res.Lines, Scenario: m.Scenario.Name, Config: runConfigJSON(m.Buggy),
		Buggy: runToJSON(m.Buggy, metricBug(m.Buggy)), Correct: runToJSON(m.Correct, false),
		Findings: nonNil(m.Buggy.Findings), Conclusion: res.Conclusion, Seconds: res.Seconds}
	if doc.Lines == nil {
		doc.Lines = []lessons.LinePair{}
	}
	if doc.Conclusion == nil {
		doc.Conclusion = []string{}
	}
	for _, s := range res.Scenarios {
		sj := scenarioJSON{Name: s.Scenario.Name, Note: s.Scenario.Note, With: nonNilStrings(s.Scenario.With),
			Config: runConfigJSON(s.Buggy), Buggy: runToJSON(s.Buggy, metricBug(s.Buggy)),
			Correct: runToJSON(s.Correct, false), Findings: nonNil(s.Buggy.Findings)}
		for _, p := range s.Parts {
			sj.Parts = append(sj.Parts, runToJSON(p, metricBug(p)))
		}
		doc.Scenarios = append(doc.Scenarios, sj)
	}
	return doc
}

func runConfigJSON(r *lessons.Run) configJSON {
	cfg := r.Config
	bugs := nonNilStrings(r.Bugs)
	c := configJSON{Sizes: cfg.Sizes(), Act: string(cfg.Act), Layout: string(cfg.Layout), Epochs: cfg.Epochs,
		LR: cfg.LR, N: r.Train, Batch: cfg.Batch, Data: r.Data, Bugs: bugs, Init: r.Start,
		Output: string(cfg.OutputAct()), Loss: string(cfg.LossKind()), Normaliser: string(cfg.Normalised())}
	if r.InitFile == "" {
		c.InitScale, c.Seed = &cfg.InitScale, &cfg.Seed
	}
	return c
}

func runToJSON(r *lessons.Run, reported bool) runJSON {
	out := runJSON{Name: r.Name, Bugs: nonNilStrings(r.Bugs), Init: r.Start, Epochs: []lessonEpochJSON{},
		Findings: nonNil(r.Findings), Seconds: r.Seconds}
	for _, e := range r.Epochs {
		out.Epochs = append(out.Epochs, epochToJSON(e, r.Heldout > 0, reported, r.Config.LossKind()))
	}
	if len(r.Epochs) > 0 {
		f := out.Epochs[len(out.Epochs)-1]
		out.Final = &f
	}
	if r.Err != nil {
		out.Error = oneLine(r.Err.Error())
	}
	if r.HeldoutErr != nil {
		out.HeldoutError = oneLine(r.HeldoutErr.Error())
	}
	if len(r.Params) > 0 {
		out.Shapes = map[string][]int{}
		for _, name := range net.ParamNames(r.Config.Layers()) {
			if a, ok := r.Params[name]; ok {
				out.Shapes[name] = append([]int{}, a.Shape()...)
			}
		}
	}
	if nf := r.NonFinite; nf != nil {
		out.FirstNaN = &nonFiniteJSON{Epoch: nf.Epoch, Statement: nf.Statement, Op: nf.Op}
	}
	if gc := r.GradCheck; gc != nil && gc.Err == nil {
		for _, t := range gc.Initial.Tensors {
			g := gradTensorJSON{Name: t.Name, InitialRelError: render.Number(t.MaxRelError), InitialVerdict: string(t.Verdict),
				FinalRelError: render.Number(math.NaN())}
			if gc.Final != nil {
				if f, ok := gc.Final.Tensor(t.Name); ok {
					g.FinalRelError, g.FinalVerdict = render.Number(f.MaxRelError), string(f.Verdict)
				}
			}
			out.GradCheck = append(out.GradCheck, g)
		}
	}
	return out
}

func epochToJSON(e lessons.Epoch, held, reported bool, loss net.LossKind) lessonEpochJSON {
	j := lessonEpochJSON{Epoch: e.Epoch, Loss: render.Number(e.Loss), Accuracy: render.Number(e.Accuracy)}
	if held {
		h := render.Number(e.Heldout)
		j.Heldout = &h
	}
	if reported {
		r := render.Number(e.Reported)
		j.Reported = &r
	}
	if !sameNumber(e.Loss, e.CrossEntropy) {
		ce := render.Number(e.CrossEntropy)
		switch loss {
		case net.SquaredError:
			j.SquaredError = &ce
		case net.BinaryCrossEntropy:
			j.BinaryCrossEntropy = &ce
		default:
			j.CrossEntropy = &ce
		}
	}
	return j
}

// sameNumber reports whether a and b agree to 1e-9 (relative): NaN
// equals NaN, an infinity only itself, so a finite loss never hides an
// infinite cross-entropy.
func sameNumber(a, b float64) bool {
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.IsNaN(a) && math.IsNaN(b)
	case math.IsInf(a, 0) || math.IsInf(b, 0):
		return a == b
	}
	return math.Abs(a-b) <= 1e-9*math.Abs(b)
}

func summaryJSON(results []*lessons.Result) []summaryLine {
	var out []summaryLine
	for _, r := range results {
		m := r.Main()
		var ids []string
		for _, f := range m.Buggy.Findings {
			ids = append(ids, f.ID)
		}
		out = append(out, summaryLine{Lesson: r.Lesson.Bug.ID, Epochs: len(m.Correct.Epochs),
			BuggyAccuracy: render.Number(m.Buggy.Final().Accuracy), CorrectAccuracy: render.Number(m.Correct.Final().Accuracy),
			Shown: r.Shown, Findings: nonNilStrings(ids)})
	}
	return out
}

func nonNil(f []lessons.Finding) []lessons.Finding {
	if f == nil {
		return []lessons.Finding{}
	}
	return f
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
