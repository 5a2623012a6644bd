package fetch

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Defaults, applied in one place by New.
const (
	DefaultPlatform       = "linux/amd64"
	DefaultRequestTimeout = 30 * time.Second
	DefaultRetries        = 3
	DefaultMaxBlobSize    = 4 << 20 // the library's iolimits.MaxSignatureBodySize
	DefaultMaxLayers      = 256
	DefaultMaxRedirects   = 10
	DefaultConcurrency    = 4
	DefaultCacheBytes     = 32 << 20

	// maxManifestSize is the library's iolimits.MaxManifestBodySize.
	maxManifestSize = 4 << 20
	// maxErrorBodySize is the library's iolimits.MaxErrorBodySize.
	maxErrorBodySize = 1 << 20
	// Backoff between attempts: doubling from backoffBase, never above
	// backoffMax; a Retry-After longer than maxRetryAfter ends the retries.
	backoffBase   = 100 * time.Millisecond
	backoffMax    = 2 * time.Second
	maxRetryAfter = 10 * time.Second
)

// Option configures a Client; an Option may fail, and New reports the first failure.
type Option func(*options) error

type options struct {
	authFile       string
	insecure       []string
	platform       string
	requestTimeout time.Duration
	retries        int
	maxBlobSize    int64
	maxLayers      int
	maxRedirects   int
	concurrency    int
	cacheBytes     int64
	registriesConf *node.RegistriesConf
	transport      http.RoundTripper

	hostConcurrency int     // WithRegistryConcurrency; 0: unbounded
	hostRate        float64 // WithRegistryRate; 0: unlimited
}

func defaultOptions() options {
	return options{
		platform:       DefaultPlatform,
		requestTimeout: DefaultRequestTimeout,
		retries:        DefaultRetries,
		maxBlobSize:    DefaultMaxBlobSize,
		maxLayers:      DefaultMaxLayers,
		maxRedirects:   DefaultMaxRedirects,
		concurrency:    DefaultConcurrency,
		cacheBytes:     DefaultCacheBytes,
	}
}

// WithAuthFile reads credentials from this containers-auth.json(5) /
// docker config file only. Default: $REGISTRY_AUTH_FILE when set, else the
// containers library's search: ${XDG_RUNTIME_DIR}/containers/auth.json,
// ~/.config/containers/auth.json, ~/.docker/config.json ($DOCKER_CONFIG),
// ~/.dockercfg.
func WithAuthFile(path string) Option {
	return func(o *options) error {
		if path == "" {
			return fmt.Errorf("auth file path is empty")
		}
		o.authFile = path
		return nil
	}
}

// WithInsecureRegistries allows plain HTTP, and skips TLS verification, for
// these hosts ("host" matches any port, "host:port" only that port), as the
// library does for `insecure = true`. Default: none; loopback hosts
// (localhost, 127.0.0.0/8, ::1) may always use plain HTTP, with TLS verified
// when they speak TLS.
func WithInsecureRegistries(hosts ...string) Option {
	return func(o *options) error {
		for _, h := range hosts {
			if h == "" || strings.ContainsAny(h, "/@ ") {
				return fmt.Errorf("insecure registry %q: not a host[:port]", h)
			}
		}
		o.insecure = append(o.insecure, hosts...)
		return nil
	}
}

// WithPlatform picks the manifest-list instance for os/arch[/variant].
// Default: linux/amd64 (DefaultPlatform), regardless of the host.
func WithPlatform(p string) Option {
	return func(o *options) error {
		if _, err := parsePlatform(p); err != nil {
			return err
		}
		o.platform = p
		return nil
	}
}

// WithRequestTimeout bounds each HTTP request, body included; the caller's
// context bounds the whole call. Default: 30s (DefaultRequestTimeout).
func WithRequestTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("request timeout %v: must be positive", d)
		}
		o.requestTimeout = d
		return nil
	}
}

// WithRetries sets how many times a request failing with a network error, a
// timeout, 429 or 5xx is retried, with doubling backoff (100ms to 2s) that
// honours Retry-After up to 10s. Default: 3 (DefaultRetries); 0 disables.
func WithRetries(n int) Option {
	return func(o *options) error {
		if n < 0 || n > 10 {
			return fmt.Errorf("retries %d: must be between 0 and 10", n)
		}
		o.retries = n
		return nil
	}
}

// WithMaxBlobSize limits each signature blob. Default: 4 MiB
// (DefaultMaxBlobSize, the library's limit).
func WithMaxBlobSize(n int64) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("max blob size %d: must be positive", n)
		}
		o.maxBlobSize = n
		return nil
	}
}

// WithMaxLayers limits the layers of a `.sig` manifest; more is an error.
// Default: 256 (DefaultMaxLayers); the library has no limit, cosign appends
// one layer per signature, so hundreds already mean abuse.
func WithMaxLayers(n int) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("max layers %d: must be positive", n)
		}
		o.maxLayers = n
		return nil
	}
}

// WithMaxRedirects bounds the redirects followed per request; a loop is
// refused at once. Default: 10 (DefaultMaxRedirects).
func WithMaxRedirects(n int) Option {
	return func(o *options) error {
		if n < 0 {
			return fmt.Errorf("max redirects %d: must not be negative", n)
		}
		o.maxRedirects = n
		return nil
	}
}

// WithConcurrency bounds the signature blobs fetched at once for one image.
// Default: 4 (DefaultConcurrency).
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("concurrency %d: must be positive", n)
		}
		o.concurrency = n
		return nil
	}
}

// WithCacheBytes bounds the in-memory cache of digest-addressed manifests and
// blobs (least recently used goes first). Default: 32 MiB
// (DefaultCacheBytes); 0 disables the cache.
func WithCacheBytes(n int64) Option {
	return func(o *options) error {
		if n < 0 {
			return fmt.Errorf("cache size %d: must not be negative", n)
		}
		o.cacheBytes = n
		return nil
	}
}

// WithRegistriesConf follows the mirrors, `insecure` and `blocked` entries
// of a compiled registries.conf, and the credential helpers of the file it
// was loaded from (else the host's). Default: none; images are read from
// their own registry, and of the host's registries.conf only the credential
// helpers are consulted.
func WithRegistriesConf(conf *node.RegistriesConf) Option {
	return func(o *options) error {
		if conf == nil {
			return fmt.Errorf("registries.conf is nil")
		}
		o.registriesConf = conf
		return nil
	}
}

// WithTransport sends every request through rt instead of the Client's own
// shared *http.Transport (one for verified TLS, one for insecure hosts);
// for tests and embedding. The plain-HTTP rule still applies.
func WithTransport(rt http.RoundTripper) Option {
	return func(o *options) error {
		if rt == nil {
			return fmt.Errorf("transport is nil")
		}
		o.transport = rt
		return nil
	}
}
