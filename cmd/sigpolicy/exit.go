package main

import (
	"fmt"
	"strings"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
)

// Exit codes shared by every command; README.md documents them.
const (
	exitOK        = 0 // everything valid / every image allowed
	exitRejected  = 1 // an object is invalid, or an image is denied by policy
	exitUsage     = 2 // usage error, unreadable or invalid input or configuration
	exitUndecided = 3 // could not decide: registry unreachable, timeout, auth failure
	exitCluster   = 4 // the cluster could not be read: API server unreachable, forbidden, or a required kind not served
)

// exitError carries an exit code through cobra's error return. A nil err
// means the command already reported what went wrong.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr wraps err as a usage/input error (exit 2). Its text is
// excerpted: a parse error may quote an input's value, which can be
// megabytes long or hold control characters.
func usageErr(err error) error {
	if err == nil {
		return &exitError{code: exitUsage}
	}
	return &exitError{code: exitUsage, err: excerpted{err}}
}

// excerpted is err with a text that is safe and short to print.
type excerpted struct{ err error }

func (e excerpted) Error() string { return excerpt(e.err.Error()) }
func (e excerpted) Unwrap() error { return e.err }

// maxErrorLines bounds the lines of one error message.
const maxErrorLines = 200

// excerpt escapes and caps each line of an error message (package
// safetext) and keeps at most maxErrorLines lines.
func excerpt(msg string) string {
	lines := strings.Split(msg, "\n")
	if len(lines) > maxErrorLines {
		lines = append(lines[:maxErrorLines], fmt.Sprintf("... (%d more lines)", len(lines)-maxErrorLines))
	}
	for i, l := range lines {
		lines[i] = safetext.String(l)
	}
	return strings.Join(lines, "\n")
}
