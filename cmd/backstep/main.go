// Command backstep is a step-through debugger for neural-network
// backpropagation. See the README for what it does and how to use it.
package main

import (
	"os"

	"github.com/backstep/backstep/cmd/internal/cli"
)

func main() { os.Exit(cli.Main()) }
