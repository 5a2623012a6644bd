// Package live reads, read-only, the cluster objects the MCO renders from,
// from a live API server.
//
// [Read] discovers which versions the server serves, then lists (or, for the
// cluster Image config and the ClusterVersion, gets) every input of the MCO's container runtime
// config controller — never a write, watch or create:
//
//	kind                      API                               not served means
//	ClusterImagePolicy        config.openshift.io v1, v1alpha1  error: sigstore image policies are not enabled
//	ImagePolicy               config.openshift.io v1, v1alpha1  note: the cluster has no namespace policies
//	ImageDigestMirrorSet      config.openshift.io v1            note: the cluster has no digest mirror sets
//	ImageTagMirrorSet         config.openshift.io v1            note: the cluster has no tag mirror sets
//	ImageContentSourcePolicy  operator.openshift.io v1alpha1    note: the cluster has no legacy mirror policies
//	Image (name "cluster")    config.openshift.io v1            error: not an OpenShift 4 cluster
//	ClusterVersion ("version") config.openshift.io v1           note: the release image stays unknown
//
// The policy kinds are read in v1 and, when the server serves them only in
// v1alpha1 (clusters that offered sigstore policies as a technology
// preview), in v1alpha1. A missing Image "cluster" object is a note: the MCO
// renders nothing until it exists. The ClusterVersion gives the release
// image (status.desired.image), whose registry the MCO never blocks.
//
// The objects are fed, as one v1 List named "cluster:<server URL>", to
// [policy.LoadReader], so that validation and rendering are exactly those
// applied to files; kinds the decoder does not know are reported by it as
// notes. The notes of this package are appended to the Set's.
//
// [Options.Namespace] chooses the ImagePolicies read: all namespaces when
// empty (what rendering every namespace's file needs), else only that
// namespace's. Cluster-scoped kinds are always read in full, so a
// one-namespace Set renders that namespace's file and the cluster files
// exactly as an all-namespaces Set would; only other namespaces' files are
// missing.
//
// Failures are [*Error] values that match, with errors.Is, one of
// [ErrUnreachable] (and [ErrTimeout]), [ErrUnauthorized], [ErrForbidden],
// [ErrNotServed] or [ErrBadResponse]; configuration problems match
// [ErrConfig]. Text that the server controls (status messages, warnings,
// TLS names) is stripped of control characters and capped in length before
// it reaches an error or a note.
package live
