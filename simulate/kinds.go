package simulate

import (
	"encoding/json"
	"strings"
)

// containerSpec is the part of a core/v1 Container (or EphemeralContainer)
// that decides a pull.
type containerSpec struct {
	Name  string `json:"name"`
	Image string `json:"image"`
}

// podSpec is the part of a core/v1 PodSpec that names images.
type podSpec struct {
	Containers          []containerSpec `json:"containers"`
	InitContainers      []containerSpec `json:"initContainers"`
	EphemeralContainers []containerSpec `json:"ephemeralContainers"`
}

type podTemplateSpec struct {
	Spec podSpec `json:"spec"`
}

// templatedSpec is the spec of every controller that stamps pods out of
// spec.template.
type templatedSpec struct {
	Template podTemplateSpec `json:"template"`
}

type cronJobSpec struct {
	JobTemplate struct {
		Spec templatedSpec `json:"spec"`
	} `json:"jobTemplate"`
}

// groupKind identifies a workload kind; the version does not matter, every
// served version keeps the pod spec at the same path.
type groupKind struct{ group, kind string }

// podSpecOf extracts the pod spec from a kind's spec.
type podSpecOf func(spec json.RawMessage) (podSpec, error)

func direct(spec json.RawMessage) (podSpec, error) {
	var p podSpec
	err := unmarshalOptional(spec, &p)
	return p, err
}

func fromTemplate(spec json.RawMessage) (podSpec, error) {
	var t templatedSpec
	err := unmarshalOptional(spec, &t)
	return t.Template.Spec, err
}

func fromJobTemplate(spec json.RawMessage) (podSpec, error) {
	var c cronJobSpec
	err := unmarshalOptional(spec, &c)
	return c.JobTemplate.Spec.Template.Spec, err
}

// unmarshalOptional decodes raw into v; an absent or null value leaves v
// empty.
func unmarshalOptional(spec json.RawMessage, v any) error {
	if len(spec) == 0 {
		return nil
	}
	return json.Unmarshal(spec, v)
}

// workloadKinds maps every kind that runs pods to where its pod spec lives.
var workloadKinds = map[groupKind]podSpecOf{
	{"", "Pod"}:                               direct,
	{"", "ReplicationController"}:             fromTemplate,
	{"apps", "Deployment"}:                    fromTemplate,
	{"apps", "StatefulSet"}:                   fromTemplate,
	{"apps", "DaemonSet"}:                     fromTemplate,
	{"apps", "ReplicaSet"}:                    fromTemplate,
	{"extensions", "Deployment"}:              fromTemplate,
	{"extensions", "DaemonSet"}:               fromTemplate,
	{"extensions", "ReplicaSet"}:              fromTemplate,
	{"batch", "Job"}:                          fromTemplate,
	{"batch", "CronJob"}:                      fromJobTemplate,
	{"apps.openshift.io", "DeploymentConfig"}: fromTemplate,
}

// apiGroup is the group of an apiVersion: "" for "v1", "apps" for "apps/v1".
func apiGroup(apiVersion string) string {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return group
}
