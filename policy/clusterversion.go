package policy

import "fmt"

// clusterVersionKind is the kind whose object "version" names the release
// payload the cluster runs (status.desired.image); the MCO reads it to keep
// the payload's registry from being blocked.
const (
	clusterVersionKind = "ClusterVersion"
	clusterVersionName = "version"
)

// recordClusterVersion takes the release image from the ClusterVersion
// "version" (as "oc get clusterversion version -o yaml" prints it). Only
// status.desired.image is read: nothing else of the object is an input of
// the MCO's image configuration, so nothing else is validated. Two of them
// naming different images are an error: which blocked registries the MCO
// keeps depends on it.
func (d *decoder) recordClusterVersion(src Source, m map[string]any) error {
	meta, _ := m["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if name != clusterVersionName {
		d.note(src, fmt.Sprintf("skipped ClusterVersion %q: the cluster's is named %q", name, clusterVersionName))
		return nil
	}
	status, _ := m["status"].(map[string]any)
	desired, _ := status["desired"].(map[string]any)
	image, _ := desired["image"].(string)
	const key = clusterVersionKind + "//" + clusterVersionName
	switch {
	case image == "":
		d.note(src, "ClusterVersion version has no status.desired.image: the release image stays unknown")
	case d.set.ReleaseImage != "" && d.set.ReleaseImage != image:
		return fmt.Errorf("%s: ClusterVersion version names release image %q, the one at %s names %q", src, image, d.seen[key], d.set.ReleaseImage)
	default:
		if d.set.ReleaseImage == "" {
			d.seen[key] = src
		}
		d.set.ReleaseImage = image
		d.note(src, "read the release image from ClusterVersion version: "+image)
	}
	return nil
}
