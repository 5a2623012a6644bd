package policy

import "slices"

// The API groups of the decoded kinds.
const (
	groupConfig   = "config.openshift.io"
	groupOperator = "operator.openshift.io"
	// groupImage serves an unrelated Image kind (image stream metadata).
	groupImage = "image.openshift.io"
)

// The kinds of the MCO's container-runtime-config inputs, besides the two
// policy kinds.
const (
	KindImageDigestMirrorSet     Kind = "ImageDigestMirrorSet"
	KindImageTagMirrorSet        Kind = "ImageTagMirrorSet"
	KindImageContentSourcePolicy Kind = "ImageContentSourcePolicy"
	KindImage                    Kind = "Image"
)

// kindInfo is what the decoder needs to know about one kind: where the API
// serves it, whether it is namespaced, the CRD's spec schema and how the
// validated object is recorded in the Set.
type kindInfo struct {
	group      string
	versions   []string
	namespaced bool
	spec       *schema
	record     func(d *decoder, c *common)
}

// kinds lists every decoded kind. The versions are the CRDs' served
// versions: a policy is accepted as v1 or v1alpha1, the legacy
// ImageContentSourcePolicy only exists as v1alpha1.
var kinds = map[Kind]kindInfo{
	KindClusterImagePolicy:       {group: groupConfig, versions: []string{"v1", "v1alpha1"}, spec: specSchema, record: (*decoder).recordPolicy},
	KindImagePolicy:              {group: groupConfig, versions: []string{"v1", "v1alpha1"}, namespaced: true, spec: specSchema, record: (*decoder).recordPolicy},
	KindImageDigestMirrorSet:     {group: groupConfig, versions: []string{"v1"}, spec: digestMirrorSetSpecSchema, record: (*decoder).recordMirrorSet},
	KindImageTagMirrorSet:        {group: groupConfig, versions: []string{"v1"}, spec: tagMirrorSetSpecSchema, record: (*decoder).recordMirrorSet},
	KindImageContentSourcePolicy: {group: groupOperator, versions: []string{"v1alpha1"}, spec: contentSourcePolicySpecSchema, record: (*decoder).recordMirrorSet},
	KindImage:                    {group: groupConfig, versions: []string{"v1"}, spec: imageSpecSchema, record: (*decoder).recordImage},
}

func (k kindInfo) serves(version string) bool { return slices.Contains(k.versions, version) }
