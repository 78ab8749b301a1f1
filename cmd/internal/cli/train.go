package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/net"
	"github.com/spf13/cobra"
)

// TrainOptions are the parsed flags of `backstep train`.
type TrainOptions struct {
	IO   *IOStreams
	Net  netFlags
	JSON bool
}

// NewCmdTrain builds `backstep train`. runF replaces the work in tests.
func NewCmdTrain(io *IOStreams, runF func(*TrainOptions) error) *cobra.Command {
	opts := &TrainOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train the reference network and print loss and accuracy per epoch",
		Long: `Train the reference network — by default the question's (the NumPy network backstep
grew from: 784-60-10, tanh, softmax, mean cross-entropy, plain gradient descent, lr 0.3,
full batch) — on the MNIST images and print each epoch's loss and accuracy. An epoch's
figures are those of the forward pass that starts it, before its update; with --batch, they
are the mean over the epoch's batches, weighted by their sizes, each taken before its own
update.

Exit 0 when training ran, 1 when the step fails (a statement NumPy would refuse, such as
the shape error of --bug no-transpose), 2 on bad input or output that cannot be written.`,
		Example: `  backstep train                  # the question's network, 100 epochs
  backstep train --layout cols    # features × samples: Z1 = W1·X + b1
  backstep train --hidden 128,64 --act relu --epochs 20
  backstep train --bug sign-flip --epochs 30
  backstep train --json > run.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return trainRun(opts)
		},
	}
	opts.Net.register(cmd.Flags(), true, 10000)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "write the run as JSON: config, epochs, final, seconds_per_epoch")
	return cmd
}

type trainJSON struct {
	Config          configJSON   `json:"config"`
	Epochs          []epochJSON  `json:"epochs"`
	Final           epochSummary `json:"final"`
	SecondsPerEpoch float64      `json:"seconds_per_epoch"`
}

type configJSON struct {
	Sizes     []int    `json:"sizes"`
	Act       string   `json:"act"`
	Layout    string   `json:"layout"`
	Epochs    int      `json:"epochs"`
	LR        float64  `json:"lr"`
	N         int      `json:"n"`
	Batch     int      `json:"batch"`
	InitScale *float64 `json:"init_scale,omitempty"` // left out when the weights come from a file
	Init      string   `json:"init"`                 // what the initial weights are
	Seed      *uint64  `json:"seed,omitempty"`       // the seed of drawn weights: left out with a file's
	Data      string   `json:"data"`
	Bugs      []string `json:"bugs"`
	// The output layer, the loss and where the 1/m sits (lesson runs,
	// whose networks need not be the reference's).
	Output     string `json:"output,omitempty"`
	Loss       string `json:"loss,omitempty"`
	Normaliser string `json:"normaliser,omitempty"`
}

type epochJSON struct {
	Epoch    int            `json:"epoch"`
	Loss     render.Number  `json:"loss"`
	Accuracy render.Number  `json:"accuracy"`
	Reported *render.Number `json:"reported_accuracy,omitempty"`
}

type epochSummary struct {
	Loss     render.Number `json:"loss"`
	Accuracy render.Number `json:"accuracy"`
}

// configOf writes a run's configuration; start says what its initial
// weights are, fromFile whether they came from --init.
func configOf(cfg net.Config, d *net.Dataset, bugs []string, start string, fromFile bool) configJSON {
	if bugs == nil {
		bugs = []string{}
	}
	c := configJSON{Sizes: cfg.Sizes(), Act: string(cfg.Act), Output: string(cfg.OutputAct()), Loss: string(cfg.LossKind()),
		Layout: string(cfg.Layout), Epochs: cfg.Epochs,
		LR: cfg.LR, N: d.Len(), Batch: cfg.Batch, Data: d.Source, Bugs: bugs, Init: start}
	if !fromFile {
		c.InitScale, c.Seed = &cfg.InitScale, &cfg.Seed
	}
	return c
}

// stepConfigJSON is the configuration of one step (step, gradcheck):
// train's, less what plays no part in it. Neither runs epochs; gradcheck
// makes no update (no lr) and checks one batch of --samples images, which
// its JSON gives as "samples" (no n, no batch).
type stepConfigJSON struct {
	Sizes     []int    `json:"sizes"`
	Act       string   `json:"act"`
	Output    string   `json:"output"`
	Loss      string   `json:"loss"`
	Layout    string   `json:"layout"`
	LR        *float64 `json:"lr,omitempty"`
	N         *int     `json:"n,omitempty"`
	Batch     *int     `json:"batch,omitempty"`
	InitScale *float64 `json:"init_scale,omitempty"` // left out when the weights come from a file
	Init      string   `json:"init"`                 // what the initial weights are
	Seed      *uint64  `json:"seed,omitempty"`       // the seed of drawn weights: left out with a file's
	Data      string   `json:"data"`
	Bugs      []string `json:"bugs"`
}

// stepConfigOf writes the configuration of one step; update says whether
// the step updates the weights (step does, gradcheck does not).
func stepConfigOf(c configJSON, update bool) stepConfigJSON {
	s := stepConfigJSON{Sizes: c.Sizes, Act: c.Act, Output: c.Output, Loss: c.Loss, Layout: c.Layout,
		InitScale: c.InitScale, Init: c.Init, Seed: c.Seed, Data: c.Data, Bugs: c.Bugs}
	if update {
		s.LR, s.N, s.Batch = &c.LR, &c.N, &c.Batch
	}
	return s
}

// epochsJSON writes the reported accuracy only where the metric code gave
// something other than the recomputed accuracy.
func epochsJSON(eps []net.Epoch) []epochJSON {
	out := make([]epochJSON, len(eps))
	for i, e := range eps {
		out[i] = epochJSON{Epoch: e.Epoch, Loss: render.Number(e.Loss), Accuracy: render.Number(e.Accuracy)}
		if e.Reported != e.Accuracy {
			r := render.Number(e.Reported)
			out[i].Reported = &r
		}
	}
	return out
}

func trainRun(opts *TrainOptions) error {
	set, err := opts.Net.setup(nil)
	if err != nil {
		return err
	}
	cfg, p, data := set.cfg, set.program, set.data
	io := opts.IO
	pal := render.Palette{Enabled: io.Color}
	if !opts.JSON {
		fmt.Fprintln(io.Out, describe(cfg, data, opts.Net.bugs, opts.Net.start, io.width()))
	}
	bar := &render.Progress{W: io.ErrOut, Enabled: io.ErrTTY, Label: "training", Total: cfg.Epochs, Columns: io.width()}
	start := time.Now()
	res, err := net.Train(p, set.params, data, net.TrainOptions{OnEpoch: func(e net.Epoch) {
		bar.Update(e.Epoch, fmt.Sprintf("loss %s  accuracy %s", render.Float(e.Loss, 4), render.Percent(e.Accuracy)))
	}})
	bar.Done()
	var se *net.StatementError
	if errors.As(err, &se) {
		return stepFailed("the step fails: %s", userText(err))
	}
	if err != nil {
		return inputError("", err)
	}
	if opts.JSON {
		f := res.Final()
		return render.JSON(io.Out, trainJSON{Config: configOf(cfg, data, opts.Net.bugs, opts.Net.start, opts.Net.initFile != ""), Epochs: epochsJSON(res.Epochs),
			Final: epochSummary{Loss: render.Number(f.Loss), Accuracy: render.Number(f.Accuracy)}, SecondsPerEpoch: res.SecondsPerEpoch})
	}
	if err := epochTable(io, res.Epochs); err != nil {
		return err
	}
	if batches := (data.Len() + cfg.Batch - 1) / max(cfg.Batch, 1); cfg.Batch > 0 && batches > 1 {
		render.Paragraph(io.Out, io.width(), "", 0, fmt.Sprintf("each epoch's loss and accuracy: the mean over its %d batches, each before its own update", batches), nil)
	}
	f := res.Final()
	render.Paragraph(io.Out, io.width(), "final: ", 7, fmt.Sprintf("loss %s, accuracy %s after %d epochs (%.1f ms an epoch, %.1f s in all)",
		render.Float(f.Loss, 4), pal.Bold(render.Percent(f.Accuracy)), cfg.Epochs, 1000*res.SecondsPerEpoch, time.Since(start).Seconds()), nil)
	return nil
}

// shownEpochs picks the epochs a table shows: all of them for short runs,
// otherwise every k-th (about 20 rows), always the first and the last.
func shownEpochs(n int) []int {
	step := 1
	if n > 25 {
		step = (n + 19) / 20
		for _, nice := range []int{5, 10, 20, 25, 50, 100, 200, 250, 500, 1000} {
			if nice >= step {
				step = nice
				break
			}
		}
	}
	var idx []int
	for e := 1; e <= n; e++ {
		if e == 1 || e == n || e%step == 0 {
			idx = append(idx, e-1)
		}
	}
	return idx
}

func epochTable(io *IOStreams, eps []net.Epoch) error {
	metricBug := false
	for _, e := range eps {
		metricBug = metricBug || e.Reported != e.Accuracy
	}
	headers := []string{"epoch", "loss", "accuracy"}
	if metricBug {
		headers = append(headers, "reported accuracy")
	}
	var rows [][]string
	for _, i := range shownEpochs(len(eps)) {
		e := eps[i]
		row := []string{fmt.Sprint(e.Epoch), render.Float(e.Loss, 4), render.Percent(e.Accuracy)}
		if metricBug {
			row = append(row, render.Percent(e.Reported))
		}
		rows = append(rows, row)
	}
	return render.Table(io.Out, io.width(), headers, rows, 0, 1, 2, 3)
}
