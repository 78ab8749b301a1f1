package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/net"
	"github.com/backstep/backstep/tracer"
	"github.com/spf13/cobra"
)

// GradcheckOptions are the parsed flags of `backstep gradcheck`.
type GradcheckOptions struct {
	IO   *IOStreams
	Net  netFlags
	Mode string
	Eps  float64
	K    int
	JSON bool
}

// NewCmdGradcheck builds `backstep gradcheck`. runF replaces the work in
// tests.
func NewCmdGradcheck(io *IOStreams, runF func(*GradcheckOptions) error) *cobra.Command {
	opts := &GradcheckOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "gradcheck",
		Short: "Check every gradient of one step against finite differences",
		Long: `Run one training step (forward pass, loss, backward pass) of the reference network on the
first --samples images and compare every gradient it computes — dZ2, dW2, db2, dZ1, dW1, db1 —
with centred finite differences of the loss, element by element. Each tensor is graded in
CS231n's bands of relative error |a − n| / (|a| + |n|): ≤ 1e-7 correct, ≤ 1e-5 fine, ≤ 1e-3
suspicious, above that wrong. A wrong tensor is described (scaled by a constant, sign flipped,
transposed, another shape and the axis it was reduced over), and the first statement whose
output is wrong while its inputs are right is named: the line to fix.

The numerical gradients are those of the loss the network is meant to compute — the output
layer and loss the header names: mean cross-entropy of a softmax over the classes, unless a
--bug sets another (derivative-of-error: sigmoid outputs and squared error) — so a bug that
changes the loss and its gradients alike is still found. Modes: full (every element; fast, because perturbing one weight changes
one column of one product and nothing upstream), sparse (--k random elements per tensor) and
fast (one random direction per tensor, every element where it disagrees). Exit 0 when every
tensor passes, 1 when one is wrong or the step fails (a statement NumPy would refuse, such as
the shape error of --bug no-transpose), 2 on bad input or output that cannot be written.`,
		Example: `  backstep gradcheck                # 784-60-10 tanh, 16 images, every element
  backstep gradcheck --bug wrong-m  # m counts features: gradients × 16/784
  backstep gradcheck --bug sign-flip --layout cols
  backstep gradcheck --act relu --hidden 128,64 --mode fast
  backstep gradcheck --json > check.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return gradcheckRun(opts)
		},
	}
	fs := cmd.Flags()
	opts.Net.register(fs, false, 16)
	// One batch of --samples images is the whole check: the count flag is
	// called --samples here, and batch and lr play no part.
	fs.IntVar(&opts.Net.n, "samples", 16, "the first N images, checked as one batch (at least 2)")
	opts.Net.nFlag, opts.Net.minN = "--samples", 2
	opts.Net.copies = func([]string) int { return 2 }
	opts.Net.minNWhy = ": with one sample a wrong m or a sum over the wrong axis is invisible"
	for _, hidden := range []string{"n", "batch", "lr"} {
		_ = fs.MarkHidden(hidden)
	}
	fs.StringVar(&opts.Mode, "mode", "full", "full (every element), sparse or fast (projections)")
	fs.Float64Var(&opts.Eps, "eps", tracer.DefaultEps, fmt.Sprintf("step h of the centred differences, %g to %g", minEps, maxEps))
	fs.IntVar(&opts.K, "k", tracer.DefaultK, "worst elements reported per tensor; sparse mode checks k")
	fs.BoolVar(&opts.JSON, "json", false, "write JSON: tensors, values (forward) and faults")
	return cmd
}

// The range of --eps where centred differences can judge the reference
// network. The error of (f(x+h) − f(x−h)) / 2h is about h²|f‴|/6 from
// truncation plus ε|f|/h from rounding (ε = 2.2e-16; CS231n's gradient
// checking notes, and /work/shared/reference/gradient-checking.md). On
// the 784-60-10 network at its initial weights the truncation term makes
// dW1's relative error 5.5e-6 at h = 1e-4, 5.5e-4 at 1e-3 (still passed,
// as suspicious) and 5e-3 at 3e-3 (called wrong: CS231n's band), so 1e-3 —
// TensorFlow's default, 1/1024 — is the largest step allowed. Below 1e-10
// the rounding term ε|f|/h passes 5e-6 in the loss's units, the size of the
// smallest gradients worth checking, and steps far below it (1e-320) are
// lost entirely when added to a weight.
const (
	minEps = 1e-10
	maxEps = 1e-3
)

func gradcheckRun(opts *GradcheckOptions) error {
	mode := tracer.CheckMode(opts.Mode)
	set, err := opts.Net.setup(func(net.Config) error {
		switch mode {
		case tracer.FullCheck, tracer.SparseCheck, tracer.FastCheck:
		default:
			return usagef("--mode %q is not a check mode: use full, sparse or fast", opts.Mode)
		}
		if !(opts.Eps >= minEps && opts.Eps <= maxEps) { // NaN too
			return usagef("--eps %g is outside %g to %g, where centred differences can judge this network: a larger step's truncation error (∝ h²) calls right gradients wrong, a smaller one's rounding error (∝ ε/h) drowns them; the default %g is PyTorch's",
				opts.Eps, minEps, maxEps, tracer.DefaultEps)
		}
		if opts.K < 1 {
			return usagef("--k must be at least 1, got %d", opts.K)
		}
		return nil
	})
	if err != nil {
		return err
	}
	cfg, p, data := set.cfg, set.program, set.data
	copts := tracer.GradCheckOptions{Mode: mode, Eps: opts.Eps, K: opts.K, Seed: cfg.Seed}
	start := time.Now()
	check, err := net.GradCheck(p, data.Images, data.OneHot(), set.params, copts)
	seconds := time.Since(start).Seconds()
	if err != nil {
		var se *net.StatementError
		if errors.As(err, &se) {
			// The step itself fails: a finding about the program, not bad input.
			return stepFailed("the step fails at %s: %v", se.Statement.Name, se.Err)
		}
		return inputError("", err)
	}
	if opts.JSON {
		if err := render.JSON(opts.IO.Out, gradcheckJSONOf(check, stepConfigOf(configOf(cfg, data, opts.Net.bugs, opts.Net.start, opts.Net.initFile != ""), false), seconds)); err != nil {
			return err
		}
	} else if err := printGradcheck(opts.IO, check, data, &opts.Net, seconds); err != nil {
		return err
	}
	if !check.OK() {
		return faultsFound
	}
	return nil
}

// JSON (DESIGN.md): a list "tensors", each with name, max_rel_error,
// verdict and the worst elements; "values" for the forward statements and
// "faults" for the lines to fix.
type gradcheckJSON struct {
	Config  stepConfigJSON       `json:"config"`
	Mode    string               `json:"mode"`
	Eps     float64              `json:"eps"`
	K       int                  `json:"k"`
	Seed    uint64               `json:"seed"`
	Samples int                  `json:"samples"`
	Loss    render.Number        `json:"loss"`
	OK      bool                 `json:"ok"`
	Seconds float64              `json:"seconds"`
	Tensors []tensorCheckJSON    `json:"tensors"`
	Values  []valueCheckJSON     `json:"values"`
	Faults  []statementFaultJSON `json:"faults"`
}

type tensorCheckJSON struct {
	Name         string          `json:"name"`
	Shape        tracer.Shape    `json:"shape"`
	GradShape    tracer.Shape    `json:"grad_shape"`
	Size         int             `json:"size"`
	Checked      int             `json:"checked"`
	MaxRelError  render.Number   `json:"max_rel_error"`
	NormRelError render.Number   `json:"norm_rel_error"`
	Verdict      string          `json:"verdict"`
	Failed       int             `json:"failed"`
	Kinks        int             `json:"kinks"`
	BelowNoise   int             `json:"below_noise"`
	FellBack     bool            `json:"fell_back,omitempty"`
	Projection   *projectionJSON `json:"projection,omitempty"`
	Relation     string          `json:"relation,omitempty"`
	Alpha        *render.Number  `json:"alpha,omitempty"`
	Description  string          `json:"description,omitempty"`
	WrongInputs  []string        `json:"wrong_inputs,omitempty"`
	Worst        []elementJSON   `json:"worst"`
}

type projectionJSON struct {
	Analytic render.Number `json:"analytic"`
	Numeric  render.Number `json:"numeric"`
	RelError render.Number `json:"rel_error"`
}

type elementJSON struct {
	Index      []int         `json:"index"`
	Analytic   render.Number `json:"analytic"`
	Numeric    render.Number `json:"numeric"`
	RelError   render.Number `json:"rel_error"`
	Kink       bool          `json:"kink,omitempty"`
	BelowNoise bool          `json:"below_noise,omitempty"`
}

type valueCheckJSON struct {
	Name        string   `json:"name"`
	Right       bool     `json:"right"`
	Description string   `json:"description,omitempty"`
	WrongInputs []string `json:"wrong_inputs,omitempty"`
}

type statementFaultJSON struct {
	Statement   string   `json:"statement"`
	Formula     string   `json:"formula"`
	NumPy       string   `json:"numpy"`
	Bug         string   `json:"bug,omitempty"`
	Description string   `json:"description"`
	Inputs      []string `json:"inputs"`
}

func gradcheckJSONOf(c *net.StepCheck, cfg stepConfigJSON, seconds float64) gradcheckJSON {
	out := gradcheckJSON{Config: cfg, Mode: string(c.Options.Mode), Eps: c.Options.Eps, K: c.Options.K,
		Seed: c.Options.Seed, Samples: c.Samples, Loss: render.Number(c.Loss), OK: c.OK(), Seconds: seconds,
		Tensors: []tensorCheckJSON{}, Values: []valueCheckJSON{}, Faults: []statementFaultJSON{}}
	for _, s := range c.Statements {
		g := s.Gradient
		if g == nil {
			out.Values = append(out.Values, valueCheckJSON{Name: s.Statement.Name, Right: s.Right,
				Description: s.Description, WrongInputs: s.WrongInputs})
		} else {
			t := tensorCheckJSON{Name: g.Name, Shape: g.Shape, GradShape: g.GradShape, Size: g.Size, Checked: g.Checked,
				MaxRelError: render.Number(g.MaxRelError), NormRelError: render.Number(g.NormRelError),
				Verdict: string(g.Verdict), Failed: g.Failed, Kinks: g.Kinks, BelowNoise: g.BelowNoise,
				FellBack: g.FellBack, Description: s.Description, WrongInputs: s.WrongInputs, Worst: []elementJSON{}}
			if g.Projection != nil {
				t.Projection = &projectionJSON{render.Number(g.Projection.Analytic), render.Number(g.Projection.Numeric),
					render.Number(g.Projection.RelError)}
			}
			if !s.Right {
				t.Relation = string(g.Relation.Kind)
				if g.Relation.Kind == tracer.Scaled || g.Relation.Kind == tracer.Negated {
					a := render.Number(g.Relation.Alpha)
					t.Alpha = &a
				}
			}
			for _, e := range g.Worst {
				t.Worst = append(t.Worst, elementJSON{Index: e.Index, Analytic: render.Number(e.Analytic),
					Numeric: render.Number(e.Numeric), RelError: render.Number(e.RelError), Kink: e.Kink, BelowNoise: e.BelowNoise})
			}
			out.Tensors = append(out.Tensors, t)
		}
		if s.Fault() {
			out.Faults = append(out.Faults, statementFaultJSON{Statement: s.Statement.Name, Formula: s.Statement.Formula,
				NumPy: s.Statement.NumPy, Bug: s.Statement.Bug, Description: s.Description, Inputs: s.Statement.Inputs})
		}
	}
	return out
}

// paintVerdict paints a verdict by band.
func paintVerdict(pal render.Palette, v tracer.Verdict, s string) string {
	switch v {
	case tracer.Correct, tracer.Fine:
		return pal.Good(s)
	case tracer.Suspicious:
		return pal.Warn(s)
	}
	return pal.Bad(s)
}

func printGradcheck(io *IOStreams, c *net.StepCheck, d *net.Dataset, nf *netFlags, seconds float64) error {
	pal := render.Palette{Enabled: io.Color}
	w := io.Out
	width := io.width()
	para := func(head string, indent int, text string, paint func(string) string) {
		render.Paragraph(w, width, head, indent, text, paint)
	}
	cfg := c.Config
	para("network  ", 9, fmt.Sprintf("%s, %s layout, %d images (%s)", cfg.Describe(), cfg.Layout, c.Samples, d.Source), nil)
	weights := nf.start
	if nf.initFile == "" {
		weights += ", zero biases"
	}
	para("weights  ", 9, fmt.Sprintf("%s; loss %s", weights, render.Float(c.Loss, 4)), nil)
	if len(nf.bugs) > 0 {
		para("bugs     ", 9, strings.Join(nf.bugs, ", "), nil)
	}
	grads := c.Gradients()
	params, inter := 0, 0
	for _, g := range grads {
		if strings.HasPrefix(g.Statement.Name, "dZ") {
			inter += g.Gradient.Size
		} else {
			params += g.Gradient.Size
		}
	}
	what := map[tracer.CheckMode]string{tracer.FullCheck: "every element",
		tracer.SparseCheck: fmt.Sprintf("%d random elements per tensor", c.Options.K),
		tracer.FastCheck:   "one random direction per tensor, every element where it disagrees"}[c.Options.Mode]
	para("check    ", 9, fmt.Sprintf("%s mode: %s", c.Options.Mode, what), nil)
	para("         ", 9, fmt.Sprintf("%s parameters, %s intermediate values; centred differences, h = %g; %.2f s",
		withThousands(params), withThousands(inter), c.Options.Eps, seconds), nil)

	var rows [][]string
	kinks := false
	for _, g := range grads {
		kinks = kinks || g.Gradient.Kinks > 0
	}
	for _, g := range grads {
		t := g.Gradient
		checked := fmt.Sprintf("%d/%d", t.Checked, t.Size)
		switch {
		case t.Verdict == tracer.WrongShape:
			checked = "—"
		case t.Mode == tracer.FastCheck && !t.FellBack:
			checked = "1 direction"
		}
		row := []string{t.Name, gradShapeText(t.GradShape), checked, render.Sci(t.MaxRelError), render.Sci(t.NormRelError)}
		if t.Verdict == tracer.WrongShape {
			row[3], row[4] = "—", "—"
		}
		if kinks {
			row = append(row, fmt.Sprint(t.Kinks))
		}
		rows = append(rows, append(row, paintVerdict(pal, t.Verdict, string(t.Verdict))))
	}
	headers := []string{"tensor", "shape", "checked", "max rel err", "norm rel err"}
	right := []int{2, 3, 4}
	if kinks {
		headers = append(headers, "kinks")
		right = append(right, 5)
	}
	headers = append(headers, "verdict")
	if err := render.Table(w, width, headers, rows, right...); err != nil {
		return err
	}

	var wrong []net.StatementCheck
	for _, s := range c.Statements {
		if !s.Right {
			wrong = append(wrong, s)
		}
	}
	if len(wrong) == 0 {
		para("", 0, "every gradient matches the finite differences; every forward value is right", pal.Good)
		return nil
	}
	fmt.Fprintln(w)
	for _, s := range wrong {
		label := "wrong"
		v := tracer.Wrong
		if s.Gradient != nil {
			v = s.Gradient.Verdict
			label = string(v)
		}
		text := s.Description
		if n := len(s.WrongInputs); n > 0 {
			verb, too := "is", ""
			if n > 1 {
				verb = "are"
			}
			if s.OwnError {
				too = " too"
			}
			text += fmt.Sprintf(" — its input%s %s %s wrong%s", pluralS(n), strings.Join(s.WrongInputs, ", "), verb, too)
		}
		name := fmt.Sprintf("%-5s ", s.Statement.Name)
		para(name+paintVerdict(pal, v, label)+": ", -1, text, nil)
	}

	faults := c.Faults()
	if len(faults) > 0 {
		f := faults[0]
		fmt.Fprintln(w)
		para("", 0, "the line to fix — the first statement whose output is wrong while its inputs are right:", pal.Bold)
		line := pal.Bad(f.Statement.Formula)
		if f.Statement.Bug != "" {
			line += "   " + pal.Dim("(bug "+f.Statement.Bug+")")
		}
		para("  ", 4, line, nil)
		para("  NumPy: ", 9, f.Statement.NumPy, nil)
		switch n := len(f.Statement.Inputs); {
		case len(f.WrongInputs) > 0:
			fmt.Fprintln(w, "  it computes something else than the correct line from the same inputs.")
		case n == 1:
			fmt.Fprintf(w, "  its input %s is right; its output is not.\n", f.Statement.Inputs[0])
		case n > 1:
			fmt.Fprintf(w, "  its inputs %s are right; its output is not.\n", strings.Join(f.Statement.Inputs, ", "))
		}
		if len(faults) > 1 {
			var others []string
			for _, o := range faults[1:] {
				others = append(others, o.Statement.Name)
			}
			para("  other lines to fix: ", -1, strings.Join(others, ", "), nil)
		}
	}

	// The worst elements of the first wrong gradient in backward order:
	// the ones after it inherit its error (--json has every tensor's).
	for _, s := range wrong {
		if s.Gradient == nil || s.Gradient.Verdict == tracer.WrongShape {
			continue
		}
		var erows [][]string
		notes := false
		for _, e := range s.Gradient.Worst {
			note := ""
			switch {
			case e.Kink:
				note = "kink"
			case e.BelowNoise:
				note = "below noise"
			}
			notes = notes || note != ""
			erows = append(erows, []string{elementIndexText(e.Index), render.Sci(e.Analytic), render.Sci(e.Numeric),
				paintVerdict(pal, tracer.Grade(e.RelError), render.Sci(e.RelError)), note})
		}
		headers := []string{"index", "analytic", "numerical", "rel err", "note"}
		if !notes {
			headers = headers[:4]
			for i := range erows {
				erows[i] = erows[i][:4]
			}
		}
		fmt.Fprintln(w)
		para("", 0, pal.Bold("worst elements of "+s.Statement.Name)+" "+
			pal.Dim("(the first wrong gradient in backward order; --json has every tensor's)"), nil)
		return render.Table(w, width, headers, erows, 1, 2, 3)
	}
	return nil
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func gradShapeText(s tracer.Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	if len(s) == 0 {
		return "scalar"
	}
	return strings.Join(parts, "×")
}

func elementIndexText(idx []int) string {
	parts := make([]string, len(idx))
	for i, d := range idx {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// withThousands writes n with commas: 47,710.
func withThousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
