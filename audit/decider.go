package audit

import (
	"context"

	"github.com/sigpolicy/sigpolicy/verify"
)

// Decider decides one image; *verify.Engine is one. The error is for an
// image that could not be evaluated at all (an unparseable reference).
type Decider interface {
	Verify(ctx context.Context, image string) (*verify.Decision, error)
}

// Ref is one image reference to audit and where it came from.
type Ref struct {
	// Image is the reference as given.
	Image string
	// From says where it was read: "images.txt:12", "release
	// quay.io/…:4.18.1 (tag cli)", "workload ns/Deployment/web container app",
	// "repository quay.io/ns/app".
	From string
}
