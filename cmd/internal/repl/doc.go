// Package repl is backstep's debugger: a (backstep) prompt over a
// net.Stepper, with a gdb/Delve-like command set for stepping through one
// training iteration statement by statement or operation by operation,
// breakpoints on statements, on the first NaN/Inf and on shape changes,
// and commands to print, measure, explain and picture any value.
//
// The commands are one table (commands.go) of aliases, group, arguments,
// help, the longer text and examples help COMMAND prints, and the function
// that runs them; the help command and the README's command reference are
// generated from it, and a test fails when the README drifts (another
// runs every example).
//
// A statement is named by its number in list or by the name it assigns,
// wherever a command takes one. print (print.go) reads NumPy's indexing
// (W1[0:3, 0:5], W1[:, 0], X[::20], W2.T, A2.shape) over a view of the
// value, never a copy, and prints by NumPy's rules (render.PrintArray).
//
// The debugger reads lines through a small interface: the terminal
// implementation uses github.com/chzyer/readline (line editing, history,
// tab completion), the script implementation reads any io.Reader and
// echoes each command after the prompt, so a transcript reads like a
// session. Ctrl-C at the prompt only prints a hint; during continue it
// stops the run at the next statement; Ctrl-D and quit leave.
//
// All output goes to the writer in Config, drawn by cmd/internal/render at
// the window's width, read again before every command (Config.Width), so
// a resized window gets output that fits it.
// A command a user mistypes prints a one-line hint and the debugger stays.
package repl
