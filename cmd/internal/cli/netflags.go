package cli

import (
	"fmt"
	"math"
	"strings"

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
}

// register adds the flags; epochs only for commands that train.
func (f *netFlags) register(fs *pflag.FlagSet, withEpochs bool, defaultN int) {
	d := net.DefaultConfig()
	fs.StringVar(&f.hidden, "hidden", "60", "hidden layer sizes, a comma list for depth (e.g. 128,64)")
	fs.StringVar(&f.act, "act", string(d.Act), "hidden activation: tanh, sigmoid or relu")
	fs.StringVar(&f.layout, "layout", string(d.Layout), "rows (samples × features) or cols (features × samples)")
	f.trains = withEpochs
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
		return cfg, usagef("--hidden: %s", strings.TrimPrefix(err.Error(), "net: "))
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
	if f.n < 1 {
		return cfg, usagef("--n must be at least 1, got %d", f.n)
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
		file, err := net.ReadNumPy(f.initFile)
		if err != nil {
			return cfg, usagef("--init: %s", strings.TrimPrefix(err.Error(), "net: "))
		}
		cfg, f.initParams, err = net.ParamsFromNumPy(file, cfg)
		if err != nil {
			return cfg, usagef("--init: %s", strings.TrimPrefix(err.Error(), "net: "))
		}
	}
	return cfg, nil
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
// flag checks.
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
	data, err := f.dataset(cfg.Inputs)
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

// program builds the (possibly patched) training step.
func (f *netFlags) program(cfg net.Config) (*net.Program, error) {
	p, err := lessons.Program(cfg, f.bugs)
	if err != nil {
		return nil, usagef("--bug: %s", strings.TrimPrefix(err.Error(), "lessons: "))
	}
	return p, nil
}

// dataset loads the images (embedded or --data), keeps the first n and
// applies the data bugs among --bug.
func (f *netFlags) dataset(inputs int) (*net.Dataset, error) {
	var d *net.Dataset
	var err error
	if f.data == "" {
		d, err = net.LoadMNIST()
	} else {
		d, err = net.LoadDir(f.data)
	}
	if err != nil {
		return nil, usagef("%s", strings.TrimPrefix(err.Error(), "net: "))
	}
	if f.n > d.Len() {
		return nil, usagef("--n %d is more than the %d images available (%s): use --n %d or less, or --data DIR with more images", f.n, d.Len(), d.Source, d.Len())
	}
	if d.Height*d.Width != inputs {
		return nil, usagef("%s has %d×%d images, but the network takes %d inputs", d.Source, d.Height, d.Width, inputs)
	}
	// Data bugs (raw pixels for no-normalize) change the images themselves.
	d, err = lessons.Dataset(d.Slice(0, f.n), f.bugs)
	if err != nil {
		return nil, usagef("--bug: %s", strings.TrimPrefix(err.Error(), "lessons: "))
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

// describe summarises the run's configuration in two short lines; start
// says what the initial weights are.
func describe(cfg net.Config, d *net.Dataset, bugs []string, start string) string {
	batch := "full batch"
	if cfg.Batch > 0 && cfg.Batch < d.Len() {
		batch = fmt.Sprintf("batches of %d", cfg.Batch)
	}
	s := fmt.Sprintf("network  %s %s, %s layout, %d images (%s)\nsettings lr %v, %s",
		sizesText(cfg.Sizes()), cfg.Act, cfg.Layout, d.Len(), d.Source, cfg.LR, batch)
	// The initial weights on the settings line when that fits 80 columns
	// (drawn ones), else on a line of their own (a file and what a bug did).
	if init := ", init " + start; len([]rune(s[strings.LastIndex(s, "\n")+1:]+init)) <= 80 {
		s += init
	} else {
		s += "\ninit     " + start
	}
	if len(bugs) > 0 {
		s += "\nbugs     " + strings.Join(bugs, ", ")
	}
	return s
}
