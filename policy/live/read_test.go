package live

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/live/livetest"
)

const (
	discoveryConfigV1    = "/apis/config.openshift.io/v1"
	discoveryConfigV1a1  = "/apis/config.openshift.io/v1alpha1"
	discoveryOperatorV1a = "/apis/operator.openshift.io/v1alpha1"
	listCIP              = "/apis/config.openshift.io/v1/clusterimagepolicies?limit=500"
	listIP               = "/apis/config.openshift.io/v1/imagepolicies?limit=500"
	listIDMS             = "/apis/config.openshift.io/v1/imagedigestmirrorsets?limit=500"
	listITMS             = "/apis/config.openshift.io/v1/imagetagmirrorsets?limit=500"
	listICSP             = "/apis/operator.openshift.io/v1alpha1/imagecontentsourcepolicies?limit=500"
	getImage             = "/apis/config.openshift.io/v1/images/cluster"
	getClusterVersion    = "/apis/config.openshift.io/v1/clusterversions/version"
)

func newServer(t *testing.T, routes livetest.Routes) *livetest.Server {
	return livetest.NewServer(t, "testdata", routes)
}

func restConfig(s *livetest.Server) *rest.Config { return &rest.Config{Host: s.URL} }

var testOpts = Options{UserAgent: "sigpolicy/test", Timeout: 10 * time.Second}

// item is what the test checks of each object handed to the decoder.
type item struct{ apiVersion, kind, namespace, name string }

// readItems runs the read with opts and returns the objects in the order
// they are fed to the decoder.
func readItems(t *testing.T, s *livetest.Server, opts Options) ([]item, []string) {
	t.Helper()
	c, err := newClient(restConfig(s), opts)
	if err != nil {
		t.Fatal(err)
	}
	objs, notes, err := c.read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var out []item
	for _, o := range objs {
		md, _ := o["metadata"].(map[string]any)
		ns, _ := md["namespace"].(string)
		name, _ := md["name"].(string)
		out = append(out, item{o["apiVersion"].(string), o["kind"].(string), ns, name})
	}
	return out, notes
}

func refs(set *policy.Set) []string {
	var out []string
	for _, o := range set.Objects {
		out = append(out, string(o.Kind)+" "+o.APIVersion+" "+o.Ref()+" @ "+o.Source.String())
	}
	return out
}

func TestReadOpenShift(t *testing.T) {
	s := newServer(t, livetest.OpenShift("500"))
	set, err := Read(context.Background(), restConfig(s), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	src := "cluster:" + s.URL
	want := []string{
		"ClusterImagePolicy config.openshift.io/v1 openshift @ " + src + ", document 1, items[0]",
		"ClusterImagePolicy config.openshift.io/v1 p1 @ " + src + ", document 1, items[1]",
		"ImagePolicy config.openshift.io/v1 team-a/app @ " + src + ", document 1, items[2]",
		"ImagePolicy config.openshift.io/v1 team-b/tools @ " + src + ", document 1, items[3]",
	}
	if got := refs(set); !slices.Equal(got, want) {
		t.Errorf("objects:\n got %q\nwant %q", got, want)
	}
	if errs := set.Validate(); len(errs) > 0 {
		t.Errorf("server objects fail validation: %v", errs)
	}
	ic := set.ImageConfig
	if ic == nil || ic.Image.Name != "cluster" || !slices.Equal(ic.Image.Spec.RegistrySources.InsecureRegistries, []string{"registry.lab.example:5000"}) ||
		ic.Source.String() != src+", document 1, items[7]" {
		t.Errorf("image config = %+v", ic)
	}
	if set.ReleaseImage != "quay.io/openshift-release-dev/ocp-release@sha256:6f1c1a8f0b0e7a4c4d6e3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e" {
		t.Errorf("release image %q, want the ClusterVersion's", set.ReleaseImage)
	}
	if o := set.Objects[0]; o.Meta.Annotations["kubernetes.io/description"] == "" || len(o.Meta.ManagedFields) != 1 || o.Meta.ResourceVersion != "1523" {
		t.Errorf("server metadata not kept: %+v", o.Meta)
	}
	// The server's objects render as files do: team-b's scope nested in p1's
	// is dropped, team-a gets its own file.
	r, err := policy.Render(set, policy.RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.NamespacePolicies["team-a"]; !ok {
		t.Errorf("no policy rendered for team-a: %v", r.NamespacePolicies)
	}

	wantKeys := []string{"/apis", discoveryConfigV1, getImage, getClusterVersion, listCIP, listIDMS, listIP, listITMS, discoveryOperatorV1a, listICSP}
	slices.Sort(wantKeys)
	if got := s.Keys(); !slices.Equal(got, wantKeys) {
		t.Errorf("requests:\n got %q\nwant %q", got, wantKeys)
	}
	for _, r := range s.Requests() {
		if !strings.HasPrefix(r.UserAgent, "sigpolicy/test (") || r.Timeout != "10s" {
			t.Errorf("%s: user agent %q, timeout %q", r.Key, r.UserAgent, r.Timeout)
		}
	}
}

// Every kind is handed to the decoder, mirror sets included, in kind order.
func TestReadFeedsEveryKind(t *testing.T) {
	s := newServer(t, livetest.OpenShift("500"))
	items, notes := readItems(t, s, testOpts)
	want := []item{
		{"config.openshift.io/v1", "ClusterImagePolicy", "", "openshift"},
		{"config.openshift.io/v1", "ClusterImagePolicy", "", "p1"},
		{"config.openshift.io/v1", "ImagePolicy", "team-a", "app"},
		{"config.openshift.io/v1", "ImagePolicy", "team-b", "tools"},
		{"config.openshift.io/v1", "ImageDigestMirrorSet", "", "release-mirror"},
		{"config.openshift.io/v1", "ImageTagMirrorSet", "", "team-tags"},
		{"operator.openshift.io/v1alpha1", "ImageContentSourcePolicy", "", "legacy-mirror"},
		{"config.openshift.io/v1", "Image", "", "cluster"},
		{"config.openshift.io/v1", "ClusterVersion", "", "version"},
	}
	if !slices.Equal(items, want) {
		t.Errorf("items:\n got %v\nwant %v", items, want)
	}
	if len(notes) > 0 {
		t.Errorf("notes: %q", notes)
	}
}

// With a namespace, only that namespace's ImagePolicies are listed, with a
// namespaced request; cluster-scoped kinds are still read in full.
func TestReadOneNamespace(t *testing.T) {
	const nsList = "/apis/config.openshift.io/v1/namespaces/team-a/imagepolicies?limit=500"
	s := newServer(t, livetest.OpenShift("500").Without(listIP).With(livetest.Routes{nsList: {File: "lists/imagepolicies-team-a.json"}}))
	opts := testOpts
	opts.Namespace = "team-a"
	set, err := Read(context.Background(), restConfig(s), opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range set.Objects {
		got = append(got, o.Ref())
	}
	if want := []string{"openshift", "p1", "team-a/app"}; !slices.Equal(got, want) {
		t.Errorf("objects = %q, want %q", got, want)
	}
	if !slices.Contains(s.Keys(), nsList) || slices.Contains(s.Keys(), listIP) {
		t.Errorf("requests = %q", s.Keys())
	}
}

func TestReadPaginated(t *testing.T) {
	const page1 = "/apis/config.openshift.io/v1/clusterimagepolicies?limit=1"
	page2 := "/apis/config.openshift.io/v1/clusterimagepolicies?continue=" + continueToken(t) + "&limit=1"
	routes := livetest.OpenShift("1").With(livetest.Routes{
		page1: {File: "lists/clusterimagepolicies-page1.json"},
		page2: {File: "lists/clusterimagepolicies-page2.json"},
		// One object per page elsewhere too: the lists end on page one.
		"/apis/config.openshift.io/v1/imagepolicies?limit=1": {File: "lists/imagepolicies-team-a.json"},
	})
	s := newServer(t, routes)
	opts := testOpts
	opts.PageSize = 1
	items, _ := readItems(t, s, opts)
	cips := namesOfKind(items, "ClusterImagePolicy")
	if want := []string{"openshift", "p1"}; !slices.Equal(cips, want) {
		t.Errorf("ClusterImagePolicies = %q, want %q (both pages, in order)", cips, want)
	}
	if !slices.Contains(s.Keys(), page2) {
		t.Errorf("second page never asked for: %q", s.Keys())
	}
}

// A continue token that expired between pages makes the pager fall back to
// one full list, as client-go's pager does.
func TestReadExpiredContinueFallsBackToFullList(t *testing.T) {
	const page1 = "/apis/config.openshift.io/v1/clusterimagepolicies?limit=1"
	page2 := "/apis/config.openshift.io/v1/clusterimagepolicies?continue=" + continueToken(t) + "&limit=1"
	const full = "/apis/config.openshift.io/v1/clusterimagepolicies"
	s := newServer(t, livetest.OpenShift("1").With(livetest.Routes{
		page1: {File: "lists/clusterimagepolicies-page1.json"},
		page2: {Status: http.StatusGone, File: "status/expired.json"},
		full:  {File: "lists/clusterimagepolicies.json"},
		"/apis/config.openshift.io/v1/imagepolicies?limit=1": {File: "lists/imagepolicies-team-a.json"},
	}))
	opts := testOpts
	opts.PageSize = 1
	items, _ := readItems(t, s, opts)
	cips := namesOfKind(items, "ClusterImagePolicy")
	if want := []string{"openshift", "p1"}; !slices.Equal(cips, want) {
		t.Errorf("ClusterImagePolicies = %q, want %q", cips, want)
	}
	if !slices.Contains(s.Keys(), full) {
		t.Errorf("no full list after the expired token: %q", s.Keys())
	}
}

// namesOfKind returns the names of the items of kind, in order.
func namesOfKind(items []item, kind string) []string {
	var names []string
	for _, it := range items {
		if it.kind == kind {
			names = append(names, it.name)
		}
	}
	return names
}

// continueToken is the token the recorded first page carries.
func continueToken(t *testing.T) string {
	t.Helper()
	var page struct {
		Metadata struct {
			Continue string `json:"continue"`
		} `json:"metadata"`
	}
	mustUnmarshal(t, readTestdata(t, "lists/clusterimagepolicies-page1.json"), &page)
	if page.Metadata.Continue == "" {
		t.Fatal("recorded first page has no continue token")
	}
	return page.Metadata.Continue
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A cluster that serves the policy kinds only in v1alpha1 (4.16 with
// TechPreviewNoUpgrade) is read in v1alpha1; the other kinds stay in v1.
func TestReadV1alpha1Only(t *testing.T) {
	routes := livetest.OpenShift("500").Without(listCIP, listIP).With(livetest.Routes{
		"/apis":             {File: "discovery/apis-4.16-techpreview.json"},
		discoveryConfigV1:   {File: "discovery/config.openshift.io-v1-4.16.json"},
		discoveryConfigV1a1: {File: "discovery/config.openshift.io-v1alpha1-4.16.json"},
		"/apis/config.openshift.io/v1alpha1/clusterimagepolicies?limit=500": {File: "lists/clusterimagepolicies-v1alpha1.json"},
		"/apis/config.openshift.io/v1alpha1/imagepolicies?limit=500":        {File: "lists/imagepolicies-v1alpha1.json"},
	})
	s := newServer(t, routes)
	set, err := Read(context.Background(), restConfig(s), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range set.Objects {
		got = append(got, string(o.Kind)+" "+o.APIVersion+" "+o.Ref())
	}
	want := []string{"ClusterImagePolicy config.openshift.io/v1alpha1 p1", "ImagePolicy config.openshift.io/v1alpha1 team-a/app"}
	if !slices.Equal(got, want) {
		t.Errorf("objects = %q, want %q", got, want)
	}
	if errs := set.Validate(); len(errs) > 0 {
		t.Errorf("validation: %v", errs)
	}
	if set.ImageConfig == nil {
		t.Error("image config missing")
	}
}

// A cluster without the ClusterImagePolicy kind (OpenShift 4.12) fails
// before listing anything.
func TestReadClusterImagePolicyNotServed(t *testing.T) {
	s := newServer(t, livetest.OpenShift("500").With(livetest.Routes{discoveryConfigV1: {File: "discovery/config.openshift.io-v1-4.12.json"}}))
	_, err := Read(context.Background(), restConfig(s), testOpts)
	want := "cluster " + s.URL + ": ClusterImagePolicy (clusterimagepolicies.config.openshift.io v1 or v1alpha1) is not served: " +
		"sigstore image policies are not enabled on this cluster (feature SigstoreImageVerification): it verifies no signatures"
	if !errors.Is(err, ErrNotServed) || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	for _, k := range s.Keys() {
		if strings.Contains(k, "limit=") || k == getImage {
			t.Errorf("read %s although a required kind is missing", k)
		}
	}
}

func TestReadNotes(t *testing.T) {
	// Policy kinds served, mirror sets and ICSP not (their group version is
	// absent), no Image "cluster" object, and ImagePolicy removed between
	// discovery and list.
	routes := livetest.OpenShift("500").Without(listIDMS, listITMS, listICSP, discoveryOperatorV1a).With(livetest.Routes{
		"/apis":           {File: "discovery/apis-no-operator-v1alpha1.json"},
		discoveryConfigV1: {Body: dropResources(t, "imagedigestmirrorsets", "imagetagmirrorsets")},
		getImage:          {Status: http.StatusNotFound, File: "status/notfound-images-cluster.json"},
		listIP:            {Status: http.StatusNotFound, File: "status/notfound.json"},
	})
	s := newServer(t, routes)
	set, err := Read(context.Background(), restConfig(s), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if set.ImageConfig != nil {
		t.Error("image config from a 404")
	}
	var got []string
	for _, n := range set.Notes {
		got = append(got, n.Message)
	}
	want := []string{
		"read the release image from ClusterVersion version: quay.io/openshift-release-dev/ocp-release@sha256:6f1c1a8f0b0e7a4c4d6e3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e",
		"ImageDigestMirrorSet (imagedigestmirrorsets.config.openshift.io v1) is not served: the cluster (OpenShift before 4.13) has no digest mirror sets",
		"ImageTagMirrorSet (imagetagmirrorsets.config.openshift.io v1) is not served: the cluster (OpenShift before 4.13) has no tag mirror sets",
		"ImageContentSourcePolicy (imagecontentsourcepolicies.operator.openshift.io v1alpha1) is not served: the cluster has no legacy mirror policies",
		"ImagePolicy (imagepolicies.config.openshift.io v1 or v1alpha1) is not served: the cluster has no namespace image policies",
		`Image "cluster" does not exist: the MCO renders nothing until it does`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("notes:\n got %q\nwant %q", got, want)
	}
	if len(set.Objects) != 2 {
		t.Errorf("objects = %q", refs(set))
	}
}

// dropResources returns the recorded config.openshift.io/v1 discovery
// document without the named resources.
func dropResources(t *testing.T, names ...string) string {
	t.Helper()
	doc := readTestdata(t, "discovery/config.openshift.io-v1.json")
	var list struct {
		Kind         string           `json:"kind"`
		APIVersion   string           `json:"apiVersion"`
		GroupVersion string           `json:"groupVersion"`
		Resources    []map[string]any `json:"resources"`
	}
	mustUnmarshal(t, doc, &list)
	list.Resources = slices.DeleteFunc(list.Resources, func(r map[string]any) bool {
		n, _ := r["name"].(string)
		base, _, _ := strings.Cut(n, "/")
		return slices.Contains(names, base)
	})
	return mustMarshal(t, list)
}

func TestReadErrors(t *testing.T) {
	base := livetest.OpenShift("500")
	tests := []struct {
		name    string
		routes  livetest.Routes
		opts    func(*Options)
		reason  error
		message string // a substring of the error
	}{
		{
			name:    "forbidden list, cluster scope",
			routes:  base.With(livetest.Routes{listCIP: {Status: 403, File: "status/forbidden-list-clusterimagepolicies.json"}}),
			reason:  ErrForbidden,
			message: `forbidden: cannot list resource "clusterimagepolicies" in API group "config.openshift.io" at the cluster scope: clusterimagepolicies.config.openshift.io is forbidden: User "system:serviceaccount:team-a:auditor"`,
		},
		{
			name: "forbidden list, namespace",
			routes: base.Without(listIP).With(livetest.Routes{
				"/apis/config.openshift.io/v1/namespaces/team-b/imagepolicies?limit=500": {Status: 403, File: "status/forbidden-list-imagepolicies-team-b.json"}}),
			opts:    func(o *Options) { o.Namespace = "team-b" },
			reason:  ErrForbidden,
			message: `forbidden: cannot list resource "imagepolicies" in API group "config.openshift.io" in the namespace "team-b"`,
		},
		{
			name:    "forbidden get",
			routes:  base.With(livetest.Routes{getImage: {Status: 403, File: "status/forbidden-get-images-cluster.json"}}),
			reason:  ErrForbidden,
			message: `forbidden: cannot get resource "images" "cluster" in API group "config.openshift.io" at the cluster scope`,
		},
		{
			name:    "unauthorized discovery",
			routes:  base.With(livetest.Routes{"/apis": {Status: 401, File: "status/unauthorized.json"}}),
			reason:  ErrUnauthorized,
			message: "unauthorized: cannot discover the API discovery documents: Unauthorized",
		},
		{
			name:    "group not in discovery",
			routes:  base.With(livetest.Routes{"/apis": {File: "discovery/apis-kubernetes.json"}}),
			reason:  ErrNotServed,
			message: "the server does not serve the API group config.openshift.io: not an OpenShift 4 cluster",
		},
		{
			name:    "group version 404",
			routes:  base.With(livetest.Routes{discoveryConfigV1: {Status: 404, File: "status/notfound.json"}}),
			reason:  ErrNotServed,
			message: "ClusterImagePolicy (clusterimagepolicies.config.openshift.io v1 or v1alpha1) is not served: sigstore image policies are not enabled",
		},
		{
			name:    "malformed list",
			routes:  base.With(livetest.Routes{listITMS: {Body: `{"apiVersion":"config.openshift.io/v1","items":[{"apiVersion":`}}),
			reason:  ErrBadResponse,
			message: `list resource "imagetagmirrorsets" in API group "config.openshift.io" at the cluster scope: unusable answer from the API server`,
		},
		{
			name:    "malformed discovery",
			routes:  base.With(livetest.Routes{"/apis": {Body: `{"kind":"APIGroupList","groups":[`}}),
			reason:  ErrBadResponse,
			message: "discover the API discovery documents: unusable answer",
		},
		{
			name:    "forbidden group discovery",
			routes:  base.With(livetest.Routes{discoveryOperatorV1a: {Status: 403, Body: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \"system:anonymous\" cannot get path \"/apis/operator.openshift.io/v1alpha1\"","reason":"Forbidden","details":{},"code":403}`}}),
			reason:  ErrForbidden,
			message: `forbidden: cannot discover the API discovery document of operator.openshift.io: forbidden: User "system:anonymous" cannot get path "/apis/operator.openshift.io/v1alpha1"`,
		},
		{
			name:    "server error",
			routes:  base.With(livetest.Routes{listICSP: {Status: 500, File: "status/internal-error.json"}}),
			reason:  ErrBadResponse,
			message: "HTTP 500: Internal error occurred: etcdserver: leader changed",
		},
		{
			name:    "discovery never answers",
			routes:  base.With(livetest.Routes{"/apis": {Hang: true}}),
			opts:    func(o *Options) { o.Timeout = 300 * time.Millisecond },
			reason:  ErrTimeout,
			message: "discover the API discovery documents: API server did not answer in time",
		},
		{
			name:    "list never answers",
			routes:  base.With(livetest.Routes{listIDMS: {Hang: true}}),
			opts:    func(o *Options) { o.Timeout = 300 * time.Millisecond },
			reason:  ErrTimeout,
			message: `list resource "imagedigestmirrorsets"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.routes)
			opts := testOpts
			if tt.opts != nil {
				tt.opts(&opts)
			}
			set, err := Read(context.Background(), restConfig(s), opts)
			if set != nil || !errors.Is(err, tt.reason) {
				t.Fatalf("Read = %v, %v; want error %v", set, err, tt.reason)
			}
			var le *Error
			if !errors.As(err, &le) || le.Server != s.URL {
				t.Errorf("error %v is not an *Error of %s", err, s.URL)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error:\n %s\nwant it to contain\n %s", err, tt.message)
			}
			if tt.reason == ErrTimeout && !errors.Is(err, ErrUnreachable) {
				t.Error("a timeout must also match ErrUnreachable")
			}
		})
	}
}

func TestReadUnreachable(t *testing.T) {
	s := newServer(t, nil)
	s.Close() // nothing listens on the address any more
	_, err := Read(context.Background(), restConfig(s), testOpts)
	if !errors.Is(err, ErrUnreachable) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrUnreachable (not a timeout)", err)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v, want the cause", err)
	}
}

// Server-controlled text reaches errors and notes without control
// characters and capped in length.
func TestServerTextIsSanitised(t *testing.T) {
	evil := "\x1b]0;pwned\x07\x1b[31mred\x1b[0m \u202egnp.exe\r\nForged: line" + strings.Repeat("A", 4000)
	status := mustMarshal(t, map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403, "message": evil})
	s := newServer(t, livetest.OpenShift("500").With(livetest.Routes{listCIP: {Status: 403, Body: status}}))
	_, err := Read(context.Background(), restConfig(s), testOpts)
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	if strings.ContainsFunc(msg, isUnsafe) {
		t.Errorf("error keeps control characters: %q", msg)
	}
	if len(msg) > 400+maxUntrusted {
		t.Errorf("error is %d bytes long", len(msg))
	}
	if !strings.Contains(msg, `\x1b]0;pwned\x07\x1b[31mred\x1b[0m \u202egnp.exe\r\nForged: line`) {
		t.Errorf("error lost or dropped the server's text: %q", msg)
	}

	// Go's HTTP client and client-go refuse control characters in warnings;
	// format characters such as a bidirectional override pass.
	w := "deprecated \u202eAPI" + strings.Repeat("B", 4000)
	s = newServer(t, livetest.OpenShift("500").With(livetest.Routes{listICSP: {File: "lists/imagecontentsourcepolicies.json", Warning: w}}))
	set, err := Read(context.Background(), restConfig(s), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	var warned []string
	for _, n := range set.Notes {
		if strings.HasPrefix(n.Message, "the API server warns: ") {
			warned = append(warned, n.Message)
		}
	}
	if len(warned) != 1 || strings.ContainsFunc(warned[0], isUnsafe) || len(warned[0]) > 100+maxUntrusted ||
		!strings.HasPrefix(warned[0], `the API server warns: deprecated \u202eAPIBBB`) {
		t.Errorf("warning notes = %q", warned)
	}
}

func isUnsafe(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' }

func TestReadRejectsBadNamespace(t *testing.T) {
	s := newServer(t, nil)
	_, err := Read(context.Background(), restConfig(s), Options{Namespace: "../../apis"})
	if !errors.Is(err, ErrConfig) || len(s.Requests()) > 0 {
		t.Errorf("err = %v after %d requests, want ErrConfig before any", err, len(s.Requests()))
	}
}

// The client refuses to send anything but GET, whatever the caller does.
func TestClientIsReadOnly(t *testing.T) {
	s := newServer(t, nil)
	c, err := newClient(restConfig(s), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	gvr := schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusterimagepolicies"}
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "config.openshift.io/v1", "kind": "ClusterImagePolicy", "metadata": map[string]any{"name": "x"}}}
	_, err = c.dyn.Resource(gvr).Create(context.Background(), obj, metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "refusing POST") {
		t.Errorf("create: err = %v", err)
	}
	if err := c.dyn.Resource(gvr).Delete(context.Background(), "x", metav1.DeleteOptions{}); err == nil {
		t.Error("delete went through")
	}
	if n := len(s.Requests()); n > 0 {
		t.Errorf("the server received %d requests", n)
	}
}

func TestRedactURL(t *testing.T) {
	if got := redactURL("https://user:secret@api.example.com:6443"); got != "https://api.example.com:6443" {
		t.Errorf("redactURL = %q", got)
	}
}
