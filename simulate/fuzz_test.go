package simulate

import (
	"bytes"
	"testing"
)

// FuzzReadWorkloads: any input is read into containers or refused with an
// error, never a panic, and every container read has an image and a
// namespace.
func FuzzReadWorkloads(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: c, image: i}]}}}\n",
		"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: n}\nspec: {jobTemplate: {spec: {template: {spec: {initContainers: [{name: c, image: i}]}}}}}\n",
		`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"ephemeralContainers":[{"name":"e","image":"i"}]}}]}`,
		"---\n---\napiVersion: v1\nkind: Pod\nspec: {containers: 3}\n",
		"- [",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := ReadWorkloads("fuzz.yaml", bytes.NewReader(data), LoadOptions{})
		if err != nil {
			return
		}
		for _, c := range inv.Containers {
			if c.Image == "" || c.Workload.Namespace == "" {
				t.Fatalf("container %+v without an image or a namespace", c)
			}
		}
	})
}
