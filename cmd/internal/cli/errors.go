package cli

import (
	"errors"
	"fmt"
	"regexp"
)

// Exit codes (DESIGN.md): 0 success, 1 the check found faults — wrong
// gradients, or a step that fails (a statement NumPy would refuse, such as
// the shape error of --bug no-transpose) in train, step, gradcheck and
// lesson run alike — and 2 bad usage, unusable input, or output that could
// not be written.
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

// stepFailed ends a command whose training step failed — a statement
// NumPy would refuse, such as the shape error of --bug no-transpose — with
// exit 1 (a fault in the step, found by running it) and one line on
// stderr, in train, step, gradcheck and lesson run alike.
func stepFailed(format string, args ...any) error {
	return &exitError{code: exitFaults, err: fmt.Errorf(format, args...)}
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

// internalPrefix matches the package names library errors start with
// (STYLE.md), at the start of a message or of a clause inside it.
var internalPrefix = regexp.MustCompile(`(^|: |; |\()(net|lessons|tracer|repl|render): `)

// userText is an error's text for the user: without the internal package
// prefixes, which say where the error came from, not what to do.
func userText(err error) string {
	return internalPrefix.ReplaceAllString(err.Error(), "$1")
}

// inputError marks err as caused by the user's input (exit 2), its text
// after the flag or file it concerns (what may be empty).
func inputError(what string, err error) error {
	if what == "" {
		return usagef("%s", userText(err))
	}
	return usagef("%s: %s", what, userText(err))
}
