// Package fetch is sigpolicy's registry access for the pull-time check: it
// resolves an image reference to the manifest a pull would use and reads the
// image's cosign `.sig` attachments, the way the containers library
// (go.podman.io/image/v5/docker) does for CRI-O, with limits, retries, a
// trace of every request and typed errors.
//
// A Client is built once by New and shared; its configuration never changes.
//
// Resolving ([Client.Resolve]):
//   - The reference must be normalised and carry a tag or a digest.
//   - Sources are tried in the library's order: the mirrors registries.conf
//     (v2) lists for the reference (sysregistriesv2.FindRegistry and
//     PullSourcesFromReference, so mirror-by-digest-only and
//     pull-from-mirror apply), then the origin. As in the library's
//     newImageSource, the first source that answers the manifest request
//     with a body at all (HTTP 200, within the size limit) is the one pulled
//     from; a source that is blocked, unreachable, refuses access or answers
//     an error status is skipped. Everything checked after that (the digest,
//     the media type, the syntax, the platform instance) is final: a mirror
//     serving the wrong manifest for a digest fails the pull, with no
//     fallback to the origin. If every source fails, the origin's error is
//     returned with the mirrors' failures listed. Image.Logical keeps the
//     requested name (for policy scopes and identities); Image.Physical is
//     what was read.
//   - A tag costs one GET once the repository's endpoint is connected (a
//     ping, and a token exchange for bearer auth, the first time only).
//   - Accepted manifest types: OCI image manifest and index, Docker schema 2
//     manifest and manifest list. Schema 1 is not accepted.
//   - The manifest's digest is computed from its body; it must equal the
//     requested digest. The Docker-Content-Digest header is ignored, as the
//     library ignores it when pulling; one that disagrees with the body is
//     recorded as a warning in the Trace.
//   - For a manifest list the instance is chosen by the library's
//     ChooseInstance for the platform (default linux/amd64) and fetched by
//     digest; Image.Digest is the instance's digest, Image.ListDigest the
//     list's.
//
// Signatures ([Client.Signatures]):
//   - Read from the tag sha256-<hex>.sig (the digest's algorithm and hex)
//     in the repository the image was served from, a mirror's included.
//   - A 404 or MANIFEST_UNKNOWN answer means no signatures and no error.
//   - Only the OCI image manifest media type is accepted, as in the
//     library; the layer count is capped (default 256, the library has no
//     cap); each layer blob is read within 4 MiB and its digest verified.
//   - Layers are read concurrently (default 4 at a time); a failure reports
//     the first failing layer in manifest order, as a sequential read would.
//
// Signatures a pull cannot see ([Client.Unseen]): for an image whose `.sig`
// attachment holds no signature, one look each for cosign signatures stored
// as OCI referrers (the referrers API, then the fallback tag sha256-<hex>;
// sigstore bundles and cosign's referrer-mode signatures), for a `.sig` on
// the manifest list instead of the platform instance, and, when a mirror
// served the image, for a `.sig` at the origin. Failures are recorded, not
// returned; the answer explains a denial and never allows anything.
//
// Listings and blobs: [Client.Tags] and [Client.Catalog] follow the
// registry's Link headers page by page (each page within 4 MiB, never
// leaving the registry, never revisiting a page); [Client.OpenBlob] streams
// a blob within a size limit and fails at its end unless its digest
// matches.
//
// Network rules:
//   - HTTPS always, with TLS verified; plain HTTP only for loopback hosts
//     (localhost, 127.0.0.0/8, ::1) and for hosts named with
//     WithInsecureRegistries or `insecure = true` in registries.conf, for
//     which TLS verification is skipped as the library does. The rule is
//     enforced on every request, redirects and token realms included.
//   - Each request has a timeout (default 30s) covering its body; the
//     caller's context bounds the whole call.
//   - Network errors, timeouts, 429 and 5xx are retried (default 3 times)
//     with doubling backoff from 100ms to 2s, or after the server's
//     Retry-After when it gives one; a Retry-After beyond 10s, or beyond the
//     caller's deadline, ends the retries at once.
//   - At most 10 redirects per request; a redirect back to a URL already
//     visited is refused at once.
//   - Credentials are looked up as the containers library does
//     (containers-auth.json(5)): an explicit auth file, else
//     $REGISTRY_AUTH_FILE, else the library's default files; the most
//     specific of host/namespace/repository keys wins. go-containerregistry
//     pings the registry; the basic or bearer handshake after it is the
//     library's: the token is asked from whatever http(s) realm the
//     challenge names (go-containerregistry would refuse realms on loopback
//     and private addresses), with the registry's credentials, and fetched
//     again when it expires. Credentials and tokens are only attached to
//     requests for the registry's own host (and the token request).
//   - One shared http.Transport (and one for insecure hosts) keeps
//     connections alive across calls.
//   - Optionally (WithRegistryConcurrency, WithRegistryRate) each registry
//     host gets at most n requests in flight and r per second across all
//     callers, and a host that answers 429 (or 503 with Retry-After) gets
//     no request until the time it asked for (at most 5 minutes).
//
// Proving signatures current ([Client.Attachment], [Client.AttachmentDigest],
// [Client.ImageAt]): Attachment returns the signatures with the digest of
// the `.sig` manifest they came from; AttachmentDigest reads that manifest
// again (one request) and returns its digest, so a verdict reached on it can
// be reused while it is unchanged; ImageAt names the image a digest
// reference without mirrors resolves to, without a request.
//
// Sharing and caching: the same repository and digest requested by
// concurrent callers (a manifest by digest, a blob, a `.sig` read) is
// fetched once; failures are never kept. Connected endpoints (one per
// repository) are remembered up to 4096, then forgotten all at once.
// Digest-addressed content is kept in a bounded in-memory cache (default
// 32 MiB); tags, the `.sig` tag included, are always fetched again.
//
// Tracing: a context from [WithTrace] records every request (method, URL,
// status, bytes, duration, attempt; cached and shared answers marked), the
// time of each stage ("resolve", "signatures") and warnings.
//
// Errors: every failure wraps one kind usable with errors.Is. [IsUndecided]
// reports the kinds after which nothing can be decided (the CLI's exit code
// 3): [ErrUnavailable] (network errors, timeouts, 429 and 5xx after
// retries), [ErrAuth] (401/403), [ErrNotFound] (the image's manifest does
// not exist) and context expiry. Every other kind ([ErrMediaType],
// [ErrDigestMismatch], [ErrTooLarge], [ErrTooManyLayers], [ErrMalformed],
// [ErrTruncated], [ErrRedirect], [ErrInsecure], [ErrUnexpectedStatus],
// [ErrNoPlatform], [ErrBlocked]) is an unacceptable answer, deterministic
// and never retried (a redirect to a non-HTTP URL, a token response that
// does not decode, ...), and must be treated as a denial. [Error] gives the
// operation, the URL and, where they are values, expected and got.
package fetch
