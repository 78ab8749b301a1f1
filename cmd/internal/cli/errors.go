package cli

import (
	"errors"
	"fmt"
)

// Exit codes (DESIGN.md): 0 success, 1 the check found faults, 2 bad usage
// or unusable input.
const (
	exitOK     = 0
	exitFaults = 1
	exitUsage  = 2
)

// exitError carries an exit code with the message to print (none when
// Err is nil: the command already said what it found).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func usagef(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// faultsFound makes the process exit 1 without printing anything more.
var faultsFound = &exitError{code: exitFaults}

// exitCode maps an error to the process's exit code. Anything that is not
// marked otherwise was caused by the user's input (flags, files, shapes).
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage
}
