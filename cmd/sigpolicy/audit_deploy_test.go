package main

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestIndexedJobManifest checks deploy/audit-indexed-job.yaml without a
// cluster: every document decodes strictly into its Kubernetes API type
// (unknown fields and wrong types fail), and the Job is what a sharded
// audit needs — Indexed, one pod per shard, --shard
// $(JOB_COMPLETION_INDEX)/N with N the completions, the index variable
// declared, every volume and ConfigMap it names present, and its
// arguments accepted by this build's audit command.
func TestIndexedJobManifest(t *testing.T) {
	data, err := os.ReadFile("../../deploy/audit-indexed-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	configMaps := map[string]corev1.ConfigMap{}
	claims := map[string]bool{}
	var jobs []batchv1.Job
	for i, doc := range bytes.Split(data, []byte("\n---\n")) {
		var meta struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		switch meta.APIVersion + " " + meta.Kind {
		case "v1 ConfigMap":
			var cm corev1.ConfigMap
			strict(t, i, doc, &cm)
			configMaps[cm.Name] = cm
		case "v1 PersistentVolumeClaim":
			var pvc corev1.PersistentVolumeClaim
			strict(t, i, doc, &pvc)
			claims[pvc.Name] = true
		case "batch/v1 Job":
			var job batchv1.Job
			strict(t, i, doc, &job)
			jobs = append(jobs, job)
		default:
			t.Fatalf("document %d: unexpected %s %s", i, meta.APIVersion, meta.Kind)
		}
	}
	if len(jobs) != 1 {
		t.Fatalf("%d Jobs, want 1", len(jobs))
	}
	job := jobs[0]
	spec := job.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion || spec.Completions == nil || spec.Parallelism == nil {
		t.Fatal("the Job is not Indexed with completions and parallelism")
	}
	n := int(*spec.Completions)
	if int(*spec.Parallelism) != n || spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("parallelism %d, completions %d, restartPolicy %s", *spec.Parallelism, n, spec.Template.Spec.RestartPolicy)
	}
	pod := spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	idx := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "JOB_COMPLETION_INDEX" })
	if idx < 0 || c.Env[idx].ValueFrom == nil || c.Env[idx].ValueFrom.FieldRef == nil ||
		c.Env[idx].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Error("JOB_COMPLETION_INDEX is not declared from the completion-index annotation")
	}
	args := c.Args
	shard := slices.Index(args, "--shard")
	if shard < 0 || args[shard+1] != "$(JOB_COMPLETION_INDEX)/"+strconv.Itoa(n) {
		t.Errorf("--shard is not $(JOB_COMPLETION_INDEX)/%d: %v", n, args)
	}
	for _, flag := range []string{"--out", "--resume"} {
		if i := slices.Index(args, flag); i < 0 || !strings.Contains(args[i+1], "$(JOB_COMPLETION_INDEX)") {
			t.Errorf("%s does not name a per-index file", flag)
		}
	}
	if !slices.Contains(args, "--exit-zero") {
		t.Error("without --exit-zero a shard with a denial fails its index and is retried")
	}
	// Every path argument lives under a mounted volume, and every volume
	// is backed by an object of the file.
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
		switch {
		case v.ConfigMap != nil:
			if _, ok := configMaps[v.ConfigMap.Name]; !ok {
				t.Errorf("volume %s: ConfigMap %s is not in the file", v.Name, v.ConfigMap.Name)
			}
		case v.PersistentVolumeClaim != nil:
			if !claims[v.PersistentVolumeClaim.ClaimName] {
				t.Errorf("volume %s: claim %s is not in the file", v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
	}
	mounts := map[string]corev1.Volume{}
	for _, m := range c.VolumeMounts {
		v, ok := volumes[m.Name]
		if !ok {
			t.Errorf("mount %s: no such volume", m.Name)
		}
		mounts[m.MountPath] = v
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "/") {
			continue
		}
		v, ok := mounts[path.Dir(a)]
		if !ok {
			t.Errorf("%s is under no mount", a)
			continue
		}
		if v.ConfigMap != nil {
			if _, ok := configMaps[v.ConfigMap.Name].Data[path.Base(a)]; !ok {
				t.Errorf("%s: ConfigMap %s has no key %s", a, v.ConfigMap.Name, path.Base(a))
			}
		}
	}
	// The arguments, as the kubelet expands them for index 0, parse.
	expanded := make([]string, len(args))
	for i, a := range args {
		expanded[i] = regexp.MustCompile(`\$\(JOB_COMPLETION_INDEX\)`).ReplaceAllString(a, "0")
	}
	root := newRootCmd()
	sub, rest, err := root.Find(expanded)
	if err != nil || sub.Name() != "audit" {
		t.Fatalf("%v does not name the audit command: %v", expanded, err)
	}
	if err := sub.ParseFlags(rest); err != nil {
		t.Errorf("audit refuses the Job's arguments: %v", err)
	}
	if got := sub.Flags().Lookup("shard").Value.String(); got != fmt.Sprintf("0/%d", n) {
		t.Errorf("--shard parsed as %q", got)
	}
}

func strict(t *testing.T, i int, doc []byte, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(doc, into); err != nil {
		t.Errorf("document %d: %v", i, err)
	}
}
