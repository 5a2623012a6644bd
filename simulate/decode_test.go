package simulate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// row is a compact Container for comparisons.
type row struct {
	Namespace, Workload, Name string
	Kind                      ContainerKind
	Image                     string
}

func rows(inv *Inventory) []row {
	var out []row
	for _, c := range inv.Containers {
		out = append(out, row{c.Workload.Namespace, c.Workload.Ref(), c.Name, c.Kind, c.Image})
	}
	return out
}

const podSpecYAML = `
      initContainers:
      - name: setup
        image: quay.io/example/setup:1
      containers:
      - name: app
        image: quay.io/example/app:2
      - name: sidecar
        image: quay.io/example/proxy@sha256:0123456789012345678901234567890123456789012345678901234567890123`

func TestReadWorkloadsKinds(t *testing.T) {
	templated := func(apiVersion, kind string) string {
		return "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: w\n  namespace: team\nspec:\n  template:\n    spec:" + podSpecYAML + "\n"
	}
	want := func(kind string) []row {
		return []row{
			{"team", kind + "/w", "setup", InitContainer, "quay.io/example/setup:1"},
			{"team", kind + "/w", "app", RegularContainer, "quay.io/example/app:2"},
			{"team", kind + "/w", "sidecar", RegularContainer, "quay.io/example/proxy@sha256:0123456789012345678901234567890123456789012345678901234567890123"},
		}
	}
	tests := []struct {
		desc     string
		manifest string
		want     []row
	}{
		{"Deployment", templated("apps/v1", "Deployment"), want("Deployment")},
		{"StatefulSet", templated("apps/v1", "StatefulSet"), want("StatefulSet")},
		{"DaemonSet", templated("apps/v1", "DaemonSet"), want("DaemonSet")},
		{"ReplicaSet", templated("apps/v1", "ReplicaSet"), want("ReplicaSet")},
		{"Deployment of the old extensions group", templated("extensions/v1beta1", "Deployment"), want("Deployment")},
		{"Job", templated("batch/v1", "Job"), want("Job")},
		{"ReplicationController", templated("v1", "ReplicationController"), want("ReplicationController")},
		{"DeploymentConfig", templated("apps.openshift.io/v1", "DeploymentConfig"), want("DeploymentConfig")},
		{"CronJob", "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: w\n  namespace: team\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:" +
			strings.ReplaceAll(podSpecYAML, "\n      ", "\n          ") + "\n", want("CronJob")},
		{"Pod with an ephemeral container", `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: debug}
spec:
  containers: [{name: app, image: "quay.io/example/app:2"}]
  ephemeralContainers: [{name: dbg, image: busybox, targetContainerName: app}]
`, []row{
			{"debug", "Pod/p", "app", RegularContainer, "quay.io/example/app:2"},
			{"debug", "Pod/p", "dbg", EphemeralContainer, "busybox"},
		}},
		{"namespace defaulted", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n",
			[]row{{"fallback", "Pod/p", "c", RegularContainer, "nginx"}}},
		{"List with items in several namespaces", `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a, namespace: one}
  spec: {containers: [{name: c, image: "img-a"}]}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: b}
  spec: {template: {spec: {containers: [{name: c, image: "img-b"}]}}}
- apiVersion: v1
  kind: Service
  metadata: {name: s}
`, []row{
			{"one", "Pod/a", "c", RegularContainer, "img-a"},
			{"fallback", "Deployment/b", "c", RegularContainer, "img-b"},
		}},
		{"typed list kind", `{"apiVersion":"v1","kind":"PodList","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j","namespace":"json"},"spec":{"containers":[{"name":"c","image":"img-j"}]}}]}`,
			[]row{{"json", "Pod/j", "c", RegularContainer, "img-j"}}},
		{"multi-document file with other kinds and blank documents", `---
# comment only
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec: {containers: [{name: c, image: "img"}], unknownField: kept-lenient}
---
`, []row{{"ns", "Pod/p", "c", RegularContainer, "img"}}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			inv, err := ReadWorkloads("in.yaml", strings.NewReader(tt.manifest), LoadOptions{DefaultNamespace: "fallback"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := diff(tt.want, rows(inv)); diff != "" {
				t.Errorf("containers :\n%s", diff)
			}
		})
	}
}

func TestReadWorkloadsNotes(t *testing.T) {
	manifest := `apiVersion: v1
kind: Service
metadata: {name: s}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
items: not-a-list
spec: [free, form]
---
apiVersion: example.com/v1
kind: Deployment
metadata: {name: not-apps}
spec: {template: {spec: {containers: [{name: c, image: img}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: empty}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: c, image: img}]}
`
	inv, err := ReadWorkloads("in.yaml", strings.NewReader(manifest), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, n := range inv.Notes {
		notes = append(notes, n.String())
	}
	want := []string{
		"in.yaml, document 1: skipped v1 Service: not a workload",
		"in.yaml, document 2: skipped example.com/v1 Widget: not a workload",
		"in.yaml, document 3: skipped example.com/v1 Deployment: not a workload",
		"in.yaml, document 4: Deployment empty has no containers",
	}
	if diff := diff(want, notes); diff != "" {
		t.Errorf("notes :\n%s", diff)
	}
	if diff := diff([]row{{"default", "Pod/p", "c", RegularContainer, "img"}}, rows(inv)); diff != "" {
		t.Errorf("containers :\n%s", diff)
	}
}

func TestReadWorkloadsErrors(t *testing.T) {
	tests := []struct {
		desc, manifest, want string
	}{
		{"malformed YAML", "apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n", "in.yaml, document 1:"},
		{"not an object", "- a\n- b\n", "in.yaml, document 1:"},
		{"no kind", "apiVersion: v1\nmetadata: {name: x}\n", `object has no "apiVersion" or no "kind"`},
		{"containers of the wrong type", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: nope}}}\n",
			"in.yaml, document 1: Deployment d: field spec.template.spec.containers: expected []simulate.containerSpec, got JSON string"},
		{"container without an image", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n",
			`in.yaml, document 1: Pod p: containers[0] ("c") has no image`},
		{"init container without an image in a List item", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec: {containers: [{name: c, image: i}], initContainers: [{name: x}]}\n",
			`in.yaml, document 1, items[0]: Pod p: initContainers[0] ("x") has no image`},
		{"List items of the wrong type", "apiVersion: v1\nkind: List\nitems: {a: b}\n", "in.yaml, document 1: List items: json: cannot unmarshal object"},
		{"only other kinds", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n", ErrNoWorkloads.Error()},
		{"empty input", "", ErrNoWorkloads.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := ReadWorkloads("in.yaml", strings.NewReader(tt.manifest), LoadOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadWorkloadsDirectoryAndStdin(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, image: img-b}]}\n")
	write("a.json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"img-a"}]}}`)
	write("README.md", "not a manifest")
	stdin := strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: s, namespace: in}\nspec: {containers: [{name: c, image: img-s}]}\n")

	inv, err := LoadWorkloads(LoadOptions{Stdin: stdin}, dir, "-")
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{"default", "Pod/a", "c", RegularContainer, "img-a"},
		{"default", "Pod/b", "c", RegularContainer, "img-b"},
		{"in", "Pod/s", "c", RegularContainer, "img-s"},
	}
	if diff := diff(want, rows(inv)); diff != "" {
		t.Errorf("containers :\n%s", diff)
	}
	if got := inv.Containers[1].Workload.Source.File; got != filepath.Join(dir, "b/pod.yaml") {
		t.Errorf("source file = %q", got)
	}

	_, err = LoadWorkloads(LoadOptions{}, filepath.Join(dir, "missing"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing path: error = %v, want os.ErrNotExist", err)
	}
}
