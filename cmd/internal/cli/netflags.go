package cli

import (
	"fmt"
	"math"
	"strings"

	"github.com/backstep/backstep/cmd/internal/render"
	"github.com/backstep/backstep/lessons"
	"github.com/backstep/backstep/net"
	"github.com/spf13/pflag"
)

// netFlags are the network, data and bug flags shared by train, step,
// gradcheck and lesson run.
type netFlags struct {
	hidden    string
	act       string
	layout    string
	epochs    int
	lr        float64
	n         int
	batch     int
	initScale float64
	seed      uint64
	data      string
	bugs      []string
	initFile  string
	// initParams holds the weights read from --init, in the run's layout.
	initParams net.Vars
	// start says what the run's initial weights are (set by setup).
	start string
	// trains is set for commands that take --epochs.
	trains bool
	// nFlag is how the image count is called on the command line: --n,
	// or --samples in gradcheck; minN is its least value and minNWhy why.
	nFlag   string
	minN    int
	minNWhy string
	// copies is how many networks' worth of memory the command holds at
	// once, for the memory estimate (net.Footprint's runs): 2 for step
	// with --bug (a correct run beside the patched one) and for gradcheck
	// (its engine keeps the forward pass beside each perturbed one; 584 MB
	// measured for 784-2000-10 on 1000 samples, one copy estimates 368).
	copies func(bugs []string) int
}

// register adds the flags; epochs only for commands that train.
func (f *netFlags) register(fs *pflag.FlagSet, withEpochs bool, defaultN int) {
	d := net.DefaultConfig()
	fs.StringVar(&f.hidden, "hidden", "60", "hidden layer sizes, a comma list for depth (e.g. 128,64)")
	fs.StringVar(&f.act, "act", string(d.Act), "hidden activation: tanh, sigmoid or relu")
	fs.StringVar(&f.layout, "layout", string(d.Layout), "rows (samples × features) or cols (features × samples)")
	f.trains = withEpochs
	f.nFlag, f.minN = "--n", 1
	if withEpochs {
		fs.IntVar(&f.epochs, "epochs", d.Epochs, "training epochs")
	}
	fs.Float64Var(&f.lr, "lr", d.LR, "learning rate")
	fs.IntVar(&f.n, "n", defaultN, "number of images to use (the first n)")
	fs.IntVar(&f.batch, "batch", 0, "samples per update; 0 = the full batch")
	fs.Float64Var(&f.initScale, "init-scale", d.InitScale, "initial weights are randn × this")
	fs.Uint64Var(&f.seed, "seed", d.Seed, "random seed for the initial weights")
	fs.StringVar(&f.data, "data", "", "folder of IDX images and labels (gzip or raw); default: embedded")
	fs.StringArrayVar(&f.bugs, "bug", nil, "inject a known bug (repeatable); see backstep lesson list")
	fs.StringVar(&f.initFile, "init", "", "start from W1, b1, … in a .npz dump (sets the layer sizes)")
}

// config checks the flags and returns the network configuration.
func (f *netFlags) config() (net.Config, error) {
	cfg := net.DefaultConfig()
	hidden, err := net.ParseHidden(f.hidden)
	if err != nil {
		return cfg, inputError("--hidden", err)
	}
	cfg.Hidden = hidden
	cfg.Act = net.Activation(f.act)
	if cfg.Act != net.Tanh && cfg.Act != net.Sigmoid && cfg.Act != net.ReLU {
		return cfg, usagef("--act %q is not an activation backstep knows: use tanh, sigmoid or relu", f.act)
	}
	cfg.Layout = net.Layout(f.layout)
	if cfg.Layout != net.Rows && cfg.Layout != net.Cols {
		return cfg, usagef("--layout %q is not a layout: use rows (samples × features) or cols (features × samples)", f.layout)
	}
	if f.trains {
		if f.epochs < 1 {
			return cfg, usagef("--epochs must be at least 1, got %d", f.epochs)
		}
		cfg.Epochs = f.epochs
	}
	if math.IsNaN(f.lr) || math.IsInf(f.lr, 0) || f.lr <= 0 {
		return cfg, usagef("--lr must be a positive number such as 0.3, got %v", f.lr)
	}
	cfg.LR = f.lr
	if f.n < f.minN {
		return cfg, usagef("%s must be at least %d, got %d%s", f.nFlag, f.minN, f.n, f.minNWhy)
	}
	if f.batch < 0 {
		return cfg, usagef("--batch must be 0 (full batch) or a positive number of samples, got %d", f.batch)
	}
	cfg.Batch = f.batch
	if math.IsNaN(f.initScale) || math.IsInf(f.initScale, 0) || f.initScale < 0 {
		return cfg, usagef("--init-scale must be a finite number ≥ 0, got %v", f.initScale)
	}
	cfg.InitScale = f.initScale
	cfg.Seed = f.seed
	if f.initFile != "" {
		_, cfg, f.initParams, err = readInit(f.initFile, cfg)
		if err != nil {
			return cfg, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, inputError("", err)
	}
	return cfg, nil
}

// readInit reads the starting weights of --init FILE against the network
// cfg describes (its inputs and classes are the images').
func readInit(path string, cfg net.Config) (*net.NumPyFile, net.Config, net.Vars, error) {
	file, err := net.ReadNumPy(path)
	if err != nil {
		return nil, cfg, nil, inputError("--init", err)
	}
	cfg, params, err := net.ParamsFromNumPy(file, cfg)
	if err != nil {
		return nil, cfg, nil, inputError("--init", err)
	}
	return file, cfg, params, nil
}

// lowerHint says which flags make a run smaller.
func (f *netFlags) lowerHint() string {
	if f.initFile != "" {
		return fmt.Sprintf("fewer images (%s), or weights with fewer hidden units in %s", f.nFlag, f.initFile)
	}
	return fmt.Sprintf("fewer hidden units (--hidden) or images (%s)", f.nFlag)
}

// netSetup is what a command that runs the network needs: the
// configuration (after the bugs' settings), the possibly patched step, the
// images and the starting weights.
type netSetup struct {
	cfg     net.Config
	program *net.Program
	data    *net.Dataset
	params  net.Vars
}

// setup reads the flags into a netSetup. check, if set, runs after the
// configuration is read and before any data is loaded, for a command's own
// flag checks. The run's memory is estimated before anything large is
// allocated, and refused when it cannot fit.
func (f *netFlags) setup(check func(cfg net.Config) error) (*netSetup, error) {
	cfg, err := f.config()
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(cfg); err != nil {
			return nil, err
		}
	}
	p, err := f.program(cfg)
	if err != nil {
		return nil, err
	}
	if f.initParams != nil && fmt.Sprint(p.Config.Sizes()) != fmt.Sprint(cfg.Sizes()) {
		return nil, usagef("--init: %s holds a %s network, but --bug %s needs %s: leave out --init or give the weights of a network of that size",
			f.initFile, sizesText(cfg.Sizes()), strings.Join(f.bugs, " --bug "), sizesText(p.Config.Sizes()))
	}
	cfg = p.Config
	runs := 1
	if f.copies != nil {
		runs = f.copies(f.bugs)
	}
	if err := checkFootprint(cfg, f.n, cfg.Batch, runs, f.lowerHint()); err != nil {
		return nil, err
	}
	data, err := f.dataset(cfg)
	if err != nil {
		return nil, err
	}
	params, start, err := lessons.Start(cfg, f.bugs, f.initParams, f.initFile)
	if err != nil {
		return nil, usagef("--bug: %s", strings.TrimPrefix(err.Error(), "lessons: "))
	}
	f.start = start
	return &netSetup{cfg: cfg, program: p, data: data, params: params}, nil
}

// program builds the (possibly patched) training step. The configuration
// was validated before: an error here is about the bugs.
func (f *netFlags) program(cfg net.Config) (*net.Program, error) {
	p, err := lessons.Program(cfg, f.bugs)
	if err != nil {
		return nil, inputError("--bug", err)
	}
	return p, nil
}

// loadImages decodes the first n images, embedded or from --data DIR, and
// checks that they fit the network cfg describes: as many pixels as it has
// inputs, labels among its classes. nFlag names the count in messages;
// when it is empty, fewer images than n are not an error here.
func loadImages(dir string, n int, nFlag string, cfg net.Config) (*net.Dataset, error) {
	var d *net.Dataset
	var err error
	if dir == "" {
		d, err = net.LoadMNISTFirst(n)
	} else {
		d, err = net.LoadDir(dir, n)
	}
	if err != nil {
		return nil, inputError("", err)
	}
	if nFlag != "" && n > d.Available {
		return nil, tooFewImages(nFlag, n, d)
	}
	if d.Height*d.Width != cfg.Inputs {
		return nil, usagef("%s has %d×%d images, but the network takes %d inputs (28×28): give MNIST-sized images", d.Source, d.Height, d.Width, cfg.Inputs)
	}
	if err := d.CheckLabels(cfg.Classes); err != nil {
		return nil, inputError("", err)
	}
	return d, nil
}

func tooFewImages(nFlag string, n int, d *net.Dataset) error {
	return usagef("%s %d is more than the %d images available (%s): use %s %d or less, or --data DIR with more images", nFlag, n, d.Available, d.Source, nFlag, d.Available)
}

// dataset loads the first n images and applies the data bugs among --bug.
func (f *netFlags) dataset(cfg net.Config) (*net.Dataset, error) {
	d, err := loadImages(f.data, f.n, f.nFlag, cfg)
	if err != nil {
		return nil, err
	}
	// Data bugs (raw pixels for no-normalize) change the images themselves.
	d, err = lessons.Dataset(d, f.bugs)
	if err != nil {
		return nil, inputError("--bug", err)
	}
	return d, nil
}

// sizesText writes layer sizes as 784-60-10.
func sizesText(sizes []int) string {
	parts := make([]string, len(sizes))
	for i, s := range sizes {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, "-")
}

// describe summarises the run's configuration in a few lines that fit
// width columns: the network (with its output layer and loss when a bug
// changed them), the data, the settings and where the initial weights
// come from (start).
func describe(cfg net.Config, d *net.Dataset, bugs []string, start string, width int) string {
	var b strings.Builder
	line := func(head, text string) { render.Paragraph(&b, width, head, 9, text, nil) }
	line("network  ", fmt.Sprintf("%s, %s layout, %d images (%s)", cfg.Describe(), cfg.Layout, d.Len(), d.Source))
	settings := fmt.Sprintf("lr %v, full batch", cfg.LR)
	if cfg.Batch > 0 && cfg.Batch < d.Len() {
		settings = fmt.Sprintf("lr %v, batches of %d", cfg.LR, cfg.Batch)
	}
	// The initial weights on the settings line when that fits 80 columns
	// (drawn ones), else on a line of their own (a file and what a bug did).
	if init := ", init " + start; 9+render.DisplayWidth(settings+init) <= render.MinWidth {
		line("settings ", settings+init)
	} else {
		line("settings ", settings)
		line("init     ", start)
	}
	if len(bugs) > 0 {
		line("bugs     ", strings.Join(bugs, ", "))
	}
	return strings.TrimSuffix(b.String(), "\n")
}
