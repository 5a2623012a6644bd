package bench

import (
	"context"
	"strings"
	"time"

	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/fixtures/hostile"
)

// Selection says which fixture images a benchmark decides and where they
// are served.
type Selection struct {
	// Registry is the host:port to push the fixtures into (plain HTTP on
	// loopback, as fixtures.Push does); empty starts the embedded registry.
	Registry string
	// Scenarios names the scenarios; ["all"] is every scenario but the
	// hostile ones, which measure timeouts and are decided only when named.
	// Empty is the same as ["all"] without bulk images, and none of them
	// with bulk images.
	Scenarios []string
	// Count adds that many bulk images.
	Count int
	// Progress, when set, reports the fixtures built (fixtures.Options).
	Progress func(done, total int)
	// PushTimeout bounds each push into Registry (fixtures.Options).
	PushTimeout time.Duration
}

// Fixtures are the images of a Selection, served or pushed.
type Fixtures struct {
	// Catalogue holds the selected entries only, with every policy built.
	Catalogue *fixtures.Catalogue
	// Embedded is true when the images are on the embedded registry.
	Embedded bool
	server   *fixtures.Server
}

// Prepare builds the fixtures of s. Errors are fixtures': an unknown or
// embedded-only scenario wraps fixtures.ErrUnknownScenario or
// fixtures.ErrEmbeddedOnly; anything else is registry trouble.
func Prepare(ctx context.Context, s Selection) (*Fixtures, error) {
	opts := fixtures.Options{Scenarios: s.Scenarios, Count: s.Count, Progress: s.Progress, PushTimeout: s.PushTimeout}
	if s.Registry == "" {
		srv, err := fixtures.Serve(ctx, opts)
		if err != nil {
			return nil, err
		}
		return &Fixtures{Catalogue: selected(srv.Catalogue(), s), Embedded: true, server: srv}, nil
	}
	cat, err := fixtures.Push(ctx, s.Registry, opts)
	if err != nil {
		return nil, err
	}
	return &Fixtures{Catalogue: selected(cat, s)}, nil
}

// Close stops the embedded registry, if any.
func (f *Fixtures) Close() error {
	if f.server == nil {
		return nil
	}
	return f.server.Close()
}

// selected returns a copy of cat with the entries s decides: only the bulk
// ones when bulk images were asked for and no scenario given; otherwise all
// but the hostile ones, unless their scenario is named.
func selected(cat *fixtures.Catalogue, s Selection) *fixtures.Catalogue {
	named := map[string]bool{}
	for _, n := range s.Scenarios {
		if n != "all" {
			named[n] = true
		}
	}
	bulkOnly := s.Count > 0 && len(s.Scenarios) == 0
	out := *cat
	out.Entries = nil
	out.Scenarios = nil
	for _, e := range cat.Entries {
		switch {
		case bulkOnly && !strings.HasPrefix(e.Scenario, fixtures.BulkPrefix):
		case e.Hostile != hostile.None && !named[e.Scenario]:
		default:
			out.Entries = append(out.Entries, e)
		}
	}
	for _, info := range cat.Scenarios {
		for _, e := range out.Entries {
			if e.Scenario == info.Name {
				out.Scenarios = append(out.Scenarios, info)
				break
			}
		}
	}
	return &out
}
