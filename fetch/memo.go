package fetch

import "github.com/sigpolicy/sigpolicy/internal/bounded"

// validManifests remembers the digests (with media type) of manifests that
// parsed: the bytes behind a digest never change, so neither does the
// verdict, and a manifest read again skips the JSON parse. It is
// process-wide because the fact holds for every client.
var validManifests = bounded.New[string, struct{}](4096)
