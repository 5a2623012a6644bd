// Package livetest serves recorded Kubernetes API responses on loopback, for
// tests of code that reads a live cluster.
package livetest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// Reply is one recorded answer.
type Reply struct {
	Status int    // HTTP status; 0 means 200
	File   string // body, a file under the server's directory
	Body   string // body, inline, when File is empty
	// Warning is sent as a Warning header (code 299), as the API server
	// does for deprecated APIs.
	Warning string
	// Hang answers nothing until the client gives up.
	Hang bool
}

// Routes map "PATH" or "PATH?QUERY" (query keys in sorted order, as
// url.Values.Encode writes them, without "timeout") to recorded answers.
type Routes map[string]Reply

// With returns a copy of r with the given routes added or replaced.
func (r Routes) With(more Routes) Routes {
	out := make(Routes, len(r)+len(more))
	for k, v := range r {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// Without returns a copy of r without the given routes.
func (r Routes) Without(paths ...string) Routes {
	out := make(Routes, len(r))
	for k, v := range r {
		if !slices.Contains(paths, k) {
			out[k] = v
		}
	}
	return out
}

// Server is a loopback API server answering from Routes. Any request that
// is not a GET, or that no route answers, fails the test: code reading a
// cluster must never write, and must ask only for what the test expects.
type Server struct {
	*httptest.Server
	t      testing.TB
	dir    string
	routes Routes

	mu       sync.Mutex
	requests []Request
}

// Request is one request the server received.
type Request struct {
	Method, Key, UserAgent string
	Timeout                string // the "timeout" query parameter
}

// NewServer starts a server answering from routes, with bodies read from
// dir. It is closed when the test ends.
func NewServer(t testing.TB, dir string, routes Routes) *Server {
	s := &Server{t: t, dir: dir, routes: routes}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// client-go passes its request timeout on to the server as "timeout";
	// it varies with the client's options, so routes do not match on it.
	q := r.URL.Query()
	timeout := q.Get("timeout")
	q.Del("timeout")
	key := r.URL.Path
	if q := q.Encode(); q != "" {
		key += "?" + q
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Key: key, UserAgent: r.UserAgent(), Timeout: timeout})
	s.mu.Unlock()
	if r.Method != http.MethodGet {
		s.t.Errorf("%s %s: only GET is allowed", r.Method, key)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	reply, ok := s.routes[key]
	if !ok {
		s.t.Errorf("GET %s: no recorded answer", key)
		http.Error(w, "no recorded answer", http.StatusTeapot)
		return
	}
	if reply.Hang {
		<-r.Context().Done()
		return
	}
	body := []byte(reply.Body)
	if reply.File != "" {
		var err error
		if body, err = os.ReadFile(filepath.Join(s.dir, reply.File)); err != nil {
			s.t.Errorf("GET %s: %v", key, err)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if reply.Warning != "" {
		w.Header().Set("Warning", `299 - "`+reply.Warning+`"`)
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Keys returns the sorted keys of the requests received so far.
func (s *Server) Keys() []string {
	var keys []string
	for _, r := range s.Requests() {
		keys = append(keys, r.Key)
	}
	slices.Sort(keys)
	return keys
}

// Kubeconfig writes a kubeconfig whose current context "test" points at
// the server with a bearer token, plus a context "elsewhere" pointing at
// url, and returns its path.
func (s *Server) Kubeconfig(t testing.TB, elsewhere string) string {
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ` + s.URL + `
- name: elsewhere
  cluster:
    server: ` + elsewhere + `
users:
- name: auditor
  user:
    token: sha256~recorded-test-token
contexts:
- name: test
  context: {cluster: test, user: auditor}
- name: elsewhere
  context: {cluster: elsewhere, user: auditor}
current-context: test
`
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// OpenShift returns the routes of an OpenShift 4.20 cluster in which every
// kind is served in v1 and holds objects, read with the given page size
// (500 is the default).
func OpenShift(pageSize string) Routes {
	lim := "?limit=" + pageSize
	return Routes{
		"/apis":                                                                 {File: "discovery/apis.json"},
		"/apis/config.openshift.io/v1":                                          {File: "discovery/config.openshift.io-v1.json"},
		"/apis/operator.openshift.io/v1alpha1":                                  {File: "discovery/operator.openshift.io-v1alpha1.json"},
		"/apis/config.openshift.io/v1/images/cluster":                           {File: "lists/image-cluster.json"},
		"/apis/config.openshift.io/v1/clusterversions/version":                  {File: "lists/clusterversion-version.json"},
		"/apis/config.openshift.io/v1/clusterimagepolicies" + lim:               {File: "lists/clusterimagepolicies.json"},
		"/apis/config.openshift.io/v1/imagepolicies" + lim:                      {File: "lists/imagepolicies.json"},
		"/apis/config.openshift.io/v1/imagedigestmirrorsets" + lim:              {File: "lists/imagedigestmirrorsets.json"},
		"/apis/config.openshift.io/v1/imagetagmirrorsets" + lim:                 {File: "lists/imagetagmirrorsets.json"},
		"/apis/operator.openshift.io/v1alpha1/imagecontentsourcepolicies" + lim: {File: "lists/imagecontentsourcepolicies.json"},
	}
}
