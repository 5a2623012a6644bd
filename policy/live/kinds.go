package live

const (
	groupConfig   = "config.openshift.io"
	groupOperator = "operator.openshift.io"
)

// kind is one input of the MCO's container runtime config controller and
// what its absence from the server means.
type kind struct {
	name     string   // Kind
	group    string   // API group
	versions []string // served versions tried, preferred first
	resource string   // plural resource name
	object   string   // non-empty: get this one object instead of listing
	// required kinds fail the read when not served; the others are a note.
	required bool
	// absent says what the kind not being served means for the result.
	absent string
	// missing says what the object (kinds read by name) not existing means.
	missing string
}

// kinds are read in this order, which is the order of the List fed to the
// decoder.
var kinds = []kind{
	{name: "ClusterImagePolicy", group: groupConfig, versions: []string{"v1", "v1alpha1"}, resource: "clusterimagepolicies", required: true,
		absent: "sigstore image policies are not enabled on this cluster (feature SigstoreImageVerification): it verifies no signatures"},
	{name: "ImagePolicy", group: groupConfig, versions: []string{"v1", "v1alpha1"}, resource: "imagepolicies",
		absent: "the cluster has no namespace image policies"},
	{name: "ImageDigestMirrorSet", group: groupConfig, versions: []string{"v1"}, resource: "imagedigestmirrorsets",
		absent: "the cluster (OpenShift before 4.13) has no digest mirror sets"},
	{name: "ImageTagMirrorSet", group: groupConfig, versions: []string{"v1"}, resource: "imagetagmirrorsets",
		absent: "the cluster (OpenShift before 4.13) has no tag mirror sets"},
	{name: "ImageContentSourcePolicy", group: groupOperator, versions: []string{"v1alpha1"}, resource: "imagecontentsourcepolicies",
		absent: "the cluster has no legacy mirror policies"},
	{name: "Image", group: groupConfig, versions: []string{"v1"}, resource: "images", object: "cluster", required: true,
		absent:  "every OpenShift 4 cluster serves it: this is not an OpenShift 4 cluster",
		missing: "the MCO renders nothing until it does"},
	{name: "ClusterVersion", group: groupConfig, versions: []string{"v1"}, resource: "clusterversions", object: "version",
		absent:  "the release image stays unknown: no blocked registry is treated as the payload's",
		missing: "the release image stays unknown: no blocked registry is treated as the payload's"},
}

// groupAbsent says what a whole API group missing from discovery means; a
// group not listed here is treated kind by kind.
var groupAbsent = map[string]string{
	groupConfig: "not an OpenShift 4 cluster",
}
