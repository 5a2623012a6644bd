package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/live/livetest"
)

const recordedAPI = "../../policy/live/testdata"

// clusterObjectsCmd is the smallest command using clusterFlags: it prints
// the references of the objects read and exits as a command would.
func clusterObjectsCmd() *cobra.Command {
	var cf clusterFlags
	var namespace string
	cmd := &cobra.Command{
		Use:           "cluster-objects",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := cf.load(cmd.Context(), policy.LoadOptions{})
			if err != nil {
				return err
			}
			for _, o := range set.Objects {
				fmt.Fprintln(cmd.OutOrStdout(), o.Kind, o.Ref())
			}
			if set.ImageConfig != nil {
				fmt.Fprintln(cmd.OutOrStdout(), "Image", set.ImageConfig.Image.Name)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "", "namespace whose ImagePolicies are read")
	cf.register(cmd.Flags(), &namespace)
	return cmd
}

func runClusterObjects(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := clusterObjectsCmd()
	var out strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	var ee *exitError
	switch {
	case err == nil:
		return out.String(), "", exitOK
	case errors.As(err, &ee):
		return out.String(), ee.err.Error(), ee.code
	}
	t.Fatalf("error without an exit code: %v", err)
	return "", "", 0
}

func TestClusterFlags(t *testing.T) {
	t.Setenv("KUBECONFIG", "")
	const listCIP = "/apis/config.openshift.io/v1/clusterimagepolicies?limit=500"
	ok := livetest.NewServer(t, recordedAPI, livetest.OpenShift("500").Without("/apis/config.openshift.io/v1/imagepolicies?limit=500").With(livetest.Routes{
		"/apis/config.openshift.io/v1/imagepolicies?limit=500":                   {File: "lists/imagepolicies.json"},
		"/apis/config.openshift.io/v1/namespaces/team-a/imagepolicies?limit=500": {File: "lists/imagepolicies-team-a.json"},
	}))
	gone := livetest.NewServer(t, recordedAPI, nil)
	gone.Close()
	kubeconfig := ok.Kubeconfig(t, gone.URL)
	forbidden := livetest.NewServer(t, recordedAPI, livetest.OpenShift("500").With(livetest.Routes{
		listCIP: {Status: http.StatusForbidden, File: "status/forbidden-list-clusterimagepolicies.json"}}))
	kubernetes := livetest.NewServer(t, recordedAPI, livetest.Routes{
		"/apis": {File: "discovery/apis-kubernetes.json"}})

	all := "ClusterImagePolicy openshift\nClusterImagePolicy p1\nImagePolicy team-a/app\nImagePolicy team-b/tools\nImage cluster\n"
	tests := []struct {
		name     string
		args     []string
		env      string // KUBECONFIG
		wantOut  string
		wantCode int
		wantErr  string
	}{
		{name: "every namespace", args: []string{"--kubeconfig", kubeconfig}, wantOut: all},
		{name: "one namespace", args: []string{"--kubeconfig", kubeconfig, "-n", "team-a"},
			wantOut: "ClusterImagePolicy openshift\nClusterImagePolicy p1\nImagePolicy team-a/app\nImage cluster\n"},
		{name: "KUBECONFIG", args: []string{"--cluster"}, env: kubeconfig, wantOut: all},
		{name: "context", args: []string{"--kubeconfig", kubeconfig, "--context", "elsewhere"},
			wantCode: exitCluster, wantErr: "API server unreachable"},
		{name: "unknown context", args: []string{"--kubeconfig", kubeconfig, "--context", "nope"},
			wantCode: exitUsage, wantErr: `no usable cluster configuration: context "nope" does not exist`},
		{name: "missing kubeconfig", args: []string{"--kubeconfig", kubeconfig + ".missing"},
			wantCode: exitUsage, wantErr: "no usable cluster configuration"},
		{name: "forbidden", args: []string{"--kubeconfig", forbidden.Kubeconfig(t, gone.URL)},
			wantCode: exitCluster, wantErr: `forbidden: cannot list resource "clusterimagepolicies" in API group "config.openshift.io" at the cluster scope`},
		{name: "not OpenShift", args: []string{"--kubeconfig", kubernetes.Kubeconfig(t, gone.URL)},
			wantCode: exitCluster, wantErr: "not an OpenShift 4 cluster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tt.env)
			out, errText, code := runClusterObjects(t, tt.args...)
			if code != tt.wantCode || out != tt.wantOut || !strings.Contains(errText, tt.wantErr) {
				t.Errorf("exit %d, stdout:\n%s\nerror: %s\nwant exit %d, stdout:\n%s\nerror containing: %s",
					code, out, errText, tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
	for _, r := range ok.Requests() {
		if !strings.HasPrefix(r.UserAgent, "sigpolicy/") {
			t.Errorf("%s: user agent %q", r.Key, r.UserAgent)
		}
	}
}

func TestClusterFlagsRequested(t *testing.T) {
	var cf clusterFlags
	cmd := &cobra.Command{}
	cf.register(cmd.Flags(), nil)
	if cf.requested() {
		t.Error("requested without flags")
	}
	for _, flag := range [][]string{{"--context", "prod"}, {"--kubeconfig", "k"}, {"--cluster"}} {
		cf = clusterFlags{}
		cmd = &cobra.Command{}
		cf.register(cmd.Flags(), nil)
		if err := cmd.Flags().Parse(flag); err != nil {
			t.Fatal(err)
		}
		if !cf.requested() {
			t.Errorf("%s not seen as a request for a cluster", flag)
		}
	}
}

// TestCommandsReadALiveCluster: every command that takes cluster objects
// reads them from the recorded API server, and fails with exit 4 when the
// cluster cannot be read.
func TestCommandsReadALiveCluster(t *testing.T) {
	t.Setenv("KUBECONFIG", "")
	ok := livetest.NewServer(t, recordedAPI, livetest.OpenShift("500").With(livetest.Routes{
		"/apis/config.openshift.io/v1/namespaces/team-a/imagepolicies?limit=500": {File: "lists/imagepolicies-team-a.json"},
	}))
	gone := livetest.NewServer(t, recordedAPI, nil)
	gone.Close()
	kubeconfig := ok.Kubeconfig(t, gone.URL)
	forbidden := livetest.NewServer(t, recordedAPI, livetest.OpenShift("500").With(livetest.Routes{
		"/apis/config.openshift.io/v1/clusterimagepolicies?limit=500": {Status: http.StatusForbidden, File: "status/forbidden-list-clusterimagepolicies.json"}}))
	denied := forbidden.Kubeconfig(t, gone.URL)
	outDir := t.TempDir()
	runCases(t, []cliCase{
		{"validate", "", []string{"validate", "--kubeconfig", kubeconfig}, exitOK, []string{"OK ClusterImagePolicy openshift\n", "OK ClusterImagePolicy p1\n"}, nil, nil},
		{"lint", "", []string{"lint", "--kubeconfig", kubeconfig}, exitRejected, []string{"WARNING ConflictingScopes: ImagePolicy team-b/tools"}, nil, []string{"ReservedName"}},
		{"render", "", []string{"render", "--kubeconfig", kubeconfig, "-o", outDir}, exitOK, []string{"etc/containers/policy.json"}, nil, nil},
		{"verify an image outside every scope", "", []string{"verify", "--kubeconfig", kubeconfig, "-n", "team-a", "docker.io/library/busybox:1"}, exitOK,
			[]string{"ALLOWED"}, nil, nil},
		{"verify with the cluster unreachable", "", []string{"verify", "--kubeconfig", kubeconfig, "--context", "elsewhere", "docker.io/library/busybox:1"}, exitCluster,
			nil, []string{"API server unreachable"}, nil},
		{"verify, forbidden", "", []string{"verify", "--kubeconfig", denied, "docker.io/library/busybox:1"}, exitCluster, nil, []string{"forbidden"}, nil},
		{"two object sources", "", []string{"lint", "--kubeconfig", kubeconfig, "-f", examples}, exitUsage, nil, []string{"two sources"}, nil},
		{"cluster and a node root", "", []string{"verify", "--kubeconfig", kubeconfig, "--root", outDir, "busybox"}, exitUsage, nil, []string{"exactly one policy source"}, nil},
	})
}
