package tracer

import (
	"fmt"
)

// ShapeError is raised by an operation whose operands do not fit. Its text
// is NumPy's own for the same mistake, so a learner recognises it.
type ShapeError struct {
	Op  string // the operation that refused, e.g. "dot", "add", "sum"
	Msg string // NumPy's wording
}

func (e *ShapeError) Error() string { return e.Msg }

func shapeErrorf(op, format string, args ...any) *ShapeError {
	return &ShapeError{Op: op, Msg: fmt.Sprintf(format, args...)}
}

// Catch runs f and returns the *ShapeError that an operation inside it
// panicked with, or nil. Other panics pass through: they are bugs in the
// caller, not in the user's shapes.
func Catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if se, ok := r.(*ShapeError); ok {
				err = se
				return
			}
			panic(r)
		}
	}()
	f()
	return nil
}
