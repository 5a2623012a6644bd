// Package simulate decides, before rollout, every image pull that a set of
// Kubernetes workloads would make under a set of ClusterImagePolicy and
// ImagePolicy resources, namespace by namespace, as CRI-O on a node would.
//
// Workloads ([LoadWorkloads], [ReadWorkloads]) are read from YAML or JSON
// manifests: several documents per file, directories (recursively,
// *.yaml, *.yml and *.json, in lexical order), "-" for standard input and
// List kinds (any kind ending in "List" with items). The kinds understood
// are Pod and ReplicationController (core), Deployment, StatefulSet,
// DaemonSet and ReplicaSet (apps, and the older extensions group), Job and
// CronJob (batch) and DeploymentConfig (apps.openshift.io). Every image of
// containers, initContainers and ephemeralContainers is taken, with the
// workload's metadata.namespace, or the default namespace when it has none
// (default "default"). Other kinds are skipped with a note; a container
// without an image, or a document that is not an object, is an error.
// Decoding is lenient about fields it does not read: real manifest folders
// come from many tools and API versions.
//
// [Run] decides the pulls under a compiled cluster configuration (package
// cluster: rendered objects or a node's files, compiled once). The rule for
// choosing the policy is CRI-O's: a namespace with its own
// /etc/crio/policies/<namespace>.json is decided under it, every other
// namespace under the cluster's /etc/containers/policy.json. Namespaces that share the
// cluster file therefore share one engine, and each distinct image is
// decided once per policy file however many containers name it. Every
// policy file's decisions run at once within one budget of decisions in
// flight, through one registry client, so concurrent identical fetches are
// shared. The MCO findings (a tag or digest
// ImagePolicy scope that silently overrides a ClusterImagePolicy) are
// reported on the namespaces they affect.
//
// A [Report] is written as a table, as JSON ([Report] is the schema) or as
// JUnit XML for CI: one testsuite per namespace, one testcase per container
// image, a failure for a denial and an error for a pull that could not be
// decided or was invalid.
package simulate
