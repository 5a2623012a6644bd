package audit

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/sigpolicy/sigpolicy/verify"
)

type allowAll struct{}

func (allowAll) Verify(_ context.Context, image string) (*verify.Decision, error) {
	return &verify.Decision{Image: image, Reference: image, Outcome: verify.OutcomeAllowed, Allowed: true}, nil
}

// TestFailedRunReleasesTheJUnitSpool: a run that fails never reaches Close,
// so the JUnit writer's spool file is discarded by Run.
func TestFailedRunReleasesTheJUnitSpool(t *testing.T) {
	j, err := NewJUnit(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	broken := func(yield func(Ref, error) bool) {
		if yield(Ref{Image: "quay.io/a:1"}, nil) {
			yield(Ref{}, errors.New("input cut short"))
		}
	}
	if _, err := Run(t.Context(), allowAll{}, broken, Options{}, j); err == nil {
		t.Fatal("a broken input did not fail the run")
	}
	if _, err := j.spool.Stat(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("spool still open after a failed run: %v", err)
	}
}
