package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/pager"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
	"github.com/sigpolicy/sigpolicy/policy"
)

// Options tune Read. The zero value reads every namespace with the defaults.
type Options struct {
	// Namespace restricts the ImagePolicies read to this namespace. Empty:
	// the ImagePolicies of every namespace. Cluster-scoped kinds are always
	// read in full.
	Namespace string
	// PageSize is the number of objects asked for per list request (limit
	// and continue). Default: 500, as kubectl.
	PageSize int64
	// Timeout bounds each request and the whole read. Default: 60s.
	Timeout time.Duration
	// UserAgent identifies the caller to the server, such as
	// "sigpolicy/v1.2.0". Default: "sigpolicy".
	UserAgent string
	// Load are the decoder's options. Default: strict, as for files.
	Load policy.LoadOptions
}

const (
	defaultPageSize = 500
	defaultTimeout  = 60 * time.Second
)

// Read reads, with list and get requests only, every object the MCO renders
// from and decodes them into a Set, exactly as files are decoded. Objects
// the server holds but which fail validation are in the Set, as for files
// (see Set.Validate). The error is an *Error, a *policy.LoadError (the
// server sent objects the decoder cannot read) or policy.ErrNoObjects.
func Read(ctx context.Context, cfg *rest.Config, opts Options) (*policy.Set, error) {
	c, err := newClient(cfg, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	items, notes, err := c.read(ctx)
	if err != nil {
		return nil, err
	}
	js, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	if err != nil {
		return nil, err
	}
	set, err := policy.LoadReader(c.sourceName(), bytes.NewReader(js), c.opts.Load)
	if err != nil {
		return nil, err
	}
	src := policy.Source{File: c.sourceName(), Doc: 1, Item: -1}
	for _, n := range append(notes, c.warnings.notes()...) {
		set.Notes = append(set.Notes, policy.Note{Source: src, Message: n})
	}
	return set, nil
}

// client is one Read's connection to the server.
type client struct {
	server   string // URL without credentials, for messages
	opts     Options
	dyn      dynamic.Interface
	disc     discovery
	warnings *warnings
}

func newClient(cfg *rest.Config, opts Options) (*client, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = defaultPageSize
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "sigpolicy"
	}
	if opts.Namespace != "" {
		if msgs := validation.IsDNS1123Label(opts.Namespace); len(msgs) > 0 {
			return nil, fmt.Errorf("%w: namespace %q: %s", ErrConfig, opts.Namespace, strings.Join(msgs, "; "))
		}
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = opts.Timeout
	cfg.UserAgent = fmt.Sprintf("%s (%s/%s)", opts.UserAgent, runtime.GOOS, runtime.GOARCH)
	w := &warnings{}
	cfg.WarningHandlerWithContext = w
	cfg.WarningHandler = nil
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return readOnly{rt} })

	c := &client{server: redactURL(cfg.Host), opts: opts, warnings: w}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	// One REST client, with the dynamic client's JSON serializer, for
	// discovery and the dynamic client alike.
	rc, err := rest.UnversionedRESTClientForConfigAndClient(dynamic.ConfigFor(cfg), httpClient)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	c.dyn, c.disc = dynamic.New(rc), discovery{rest: rc}
	return c, nil
}

// sourceName names the cluster in sources and messages.
func (c *client) sourceName() string { return "cluster:" + c.server }

// redactURL drops any user information from the server URL.
func redactURL(host string) string {
	u, err := url.Parse(host)
	if err != nil || u.Host == "" {
		return safetext.Capped(host, maxUntrusted)
	}
	u.User = nil
	return u.String()
}

// served is a kind the server serves, in the version that will be read.
type served struct {
	kind       *kind
	version    string
	namespaced bool
}

// read returns the objects of every served kind, in kinds order, and the
// notes on kinds that are not served or objects that do not exist.
func (c *client) read(ctx context.Context) ([]map[string]any, []string, error) {
	plan, notes, err := c.resolve(ctx)
	if err != nil {
		return nil, nil, err
	}
	type result struct {
		items []map[string]any
		note  string
		err   error
	}
	results := make([]result, len(plan))
	var wg sync.WaitGroup
	for i, s := range plan {
		wg.Go(func() {
			r := &results[i]
			r.items, r.note, r.err = c.fetch(ctx, s)
		})
	}
	wg.Wait()
	var items []map[string]any
	var errs []error
	for _, r := range results {
		items = append(items, r.items...)
		if r.note != "" {
			notes = append(notes, r.note)
		}
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	if items == nil {
		items = []map[string]any{}
	}
	return items, notes, nil
}

// resolve finds, through discovery, the version in which each kind is read.
// A required kind not served is an error; any other is a note.
func (c *client) resolve(ctx context.Context) ([]served, []string, error) {
	groups, err := c.disc.groups(ctx)
	if err != nil {
		return nil, nil, c.fail(request{verb: "discover"}, err)
	}
	versions := map[string][]string{}
	for _, g := range groups.Groups {
		for _, v := range g.Versions {
			versions[g.Name] = append(versions[g.Name], v.Version)
		}
	}
	for g, meaning := range groupAbsent {
		if len(versions[g]) == 0 {
			return nil, nil, &Error{Server: c.server, Reason: ErrNotServed,
				Detail: fmt.Sprintf("the server does not serve the API group %s: %s", g, meaning)}
		}
	}
	resources := map[string]map[string]metav1.APIResource{} // group/version → resource name
	var plan []served
	var notes []string
	var errs []error
	for i := range kinds {
		k := &kinds[i]
		s, err := c.find(ctx, k, versions[k.group], resources)
		switch {
		case err != nil:
			errs = append(errs, err)
		case s != nil:
			plan = append(plan, *s)
		case k.required:
			errs = append(errs, c.notServed(k))
		default:
			notes = append(notes, c.notServedText(k))
		}
	}
	return plan, notes, errors.Join(errs...)
}

// find returns the first of k's versions in which the server serves it, or
// nil when it serves none.
func (c *client) find(ctx context.Context, k *kind, groupVersions []string, cache map[string]map[string]metav1.APIResource) (*served, error) {
	for _, v := range k.versions {
		if !slices.Contains(groupVersions, v) {
			continue
		}
		gv := k.group + "/" + v
		byName, ok := cache[gv]
		if !ok {
			list, err := c.disc.resources(ctx, gv)
			if err != nil && !apierrors.IsNotFound(err) {
				return nil, c.fail(request{verb: "discover", group: k.group}, err)
			}
			byName = map[string]metav1.APIResource{}
			for _, r := range list.APIResources {
				byName[r.Name] = r
			}
			cache[gv] = byName
		}
		if r, ok := byName[k.resource]; ok {
			return &served{kind: k, version: v, namespaced: r.Namespaced}, nil
		}
	}
	return nil, nil
}

func (c *client) notServed(k *kind) *Error {
	return &Error{Server: c.server, Reason: ErrNotServed, Group: k.group, Resource: k.resource,
		Detail: c.notServedText(k)}
}

func (c *client) notServedText(k *kind) string {
	return fmt.Sprintf("%s (%s.%s %s) is not served: %s", k.name, k.resource, k.group, strings.Join(k.versions, " or "), k.absent)
}

// fetch reads the objects of one served kind. An object or kind that
// disappeared since discovery (HTTP 404) is treated as not served.
func (c *client) fetch(ctx context.Context, s served) ([]map[string]any, string, error) {
	k := s.kind
	gvr := schema.GroupVersionResource{Group: k.group, Version: s.version, Resource: k.resource}
	req := request{verb: "list", group: k.group, resource: k.resource}
	var ri dynamic.ResourceInterface = c.dyn.Resource(gvr)
	if s.namespaced && c.opts.Namespace != "" {
		req.namespace = c.opts.Namespace
		ri = c.dyn.Resource(gvr).Namespace(c.opts.Namespace)
	}
	if k.object != "" {
		req.verb, req.name = "get", k.object
		u, err := ri.Get(ctx, k.object, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, fmt.Sprintf("%s %q does not exist: %s", k.name, k.object, k.missing), nil
		}
		if err != nil {
			return nil, "", c.fail(req, err)
		}
		return []map[string]any{u.Object}, "", nil
	}
	p := pager.New(func(ctx context.Context, o metav1.ListOptions) (k8sruntime.Object, error) { return ri.List(ctx, o) })
	p.PageSize = c.opts.PageSize
	list, _, err := p.List(ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) {
		if k.required {
			return nil, "", c.notServed(k)
		}
		return nil, c.notServedText(k), nil
	}
	if err != nil {
		return nil, "", c.fail(req, err)
	}
	var items []map[string]any
	err = meta.EachListItem(list, func(o k8sruntime.Object) error {
		u, ok := o.(*unstructured.Unstructured)
		if !ok {
			return fmt.Errorf("list item is a %T", o)
		}
		items = append(items, u.Object)
		return nil
	})
	if err != nil {
		return nil, "", c.fail(req, err)
	}
	return items, "", nil
}

// readOnly refuses every request but GET, so that no code path of this
// package can write to a cluster.
type readOnly struct{ next http.RoundTripper }

func (t readOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet {
		return nil, fmt.Errorf("refusing %s %s: the cluster is only read", r.Method, r.URL.Path)
	}
	return t.next.RoundTrip(r)
}

// WrappedRoundTripper lets client-go reach the transport underneath, to
// cancel a request without logging that it cannot.
func (t readOnly) WrappedRoundTripper() http.RoundTripper { return t.next }

// warnings collects the server's warning headers as notes, sanitised,
// instead of client-go's default of logging them unsanitised to stderr.
type warnings struct {
	mu   sync.Mutex
	seen []string
}

func (w *warnings) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t := safetext.Capped(text, maxUntrusted); t != "" && !slices.Contains(w.seen, t) {
		w.seen = append(w.seen, t)
	}
}

// notes returns the warnings in a stable order.
func (w *warnings) notes() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, len(w.seen))
	for i, t := range slices.Sorted(slices.Values(w.seen)) {
		out[i] = "the API server warns: " + t
	}
	return out
}
