package main

import "fmt"

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

// usageErr wraps err as a usage/input error (exit 2).
func usageErr(err error) error { return &exitError{code: exitUsage, err: err} }
