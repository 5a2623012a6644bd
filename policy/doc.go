// Package policy decodes, validates, reconciles and renders OpenShift
// sigstore image policies (ClusterImagePolicy and ImagePolicy, API group
// config.openshift.io) exactly as the API server and the Machine Config
// Operator (MCO) do.
//
// Decoding ([Load], [LoadReader]) accepts YAML or JSON, several documents
// per file, directories (recursively, *.yaml, *.yml and *.json, in lexical
// order), "-" for standard input and List kinds. Versions v1 and v1alpha1
// both decode into the github.com/openshift/api config/v1 types. Other kinds
// are skipped with a [Note]; the cluster image configuration (kind Image,
// name "cluster") is kept for its allowed and blocked registries. Decoding is
// strict: unknown fields and duplicate keys are errors, as with
// "kubectl apply" (server-side field validation Strict); the API server
// itself would prune unknown fields, which [LoadOptions.PruneUnknownFields]
// reproduces.
//
// Validation ([Set.Validate]) applies every OpenAPI and CEL rule of the
// CustomResourceDefinitions, with the API server's field paths and messages
// (k8s.io/apimachinery field errors). As in the API server, CEL rules are
// only evaluated when no blocking schema error (required, type, enum,
// maximum length or item count) was found. The CRDs define no defaults: an
// omitted signedIdentity renders as matchRepoDigestOrExact.
// [Object.TrustMaterialErrors] goes one step further than the API server:
// it loads key and certificate data with the node library's own parsers,
// since data that merely has the right PEM markers denies every pull.
//
// Rendering ([Render]) follows the MCO: ImagePolicy scopes equal to or nested
// inside a ClusterImagePolicy scope are dropped and reported in a Pending
// condition; policy.json is the MCO template with one sigstoreSigned
// requirement per policy appended under transports.docker[scope] (several
// policies on one scope are ANDed), scopes with fewer than three "/" copied
// under transports.atomic, allowed registries turning the default into reject
// and blocked registries adding reject entries; JSON is indented by two
// spaces with sorted keys and no trailing newline; each namespace with
// surviving scopes gets its own file (the cluster file plus its scopes); and
// registries.d enables sigstore attachments for every scope. Policies are
// processed in name order (namespace, then name) so the output is stable.
//
// The MCO's nesting rule misses tag and digest scopes: an ImagePolicy scope
// "example.com/ns/repo:tag" is not seen as nested under a ClusterImagePolicy
// scope "example.com/ns/repo" and silently overrides it in that namespace.
// Render reproduces that and reports each case as a [Finding].
//
// [Rendered.WriteDir] lays the files out as on a node, replacing each one
// atomically (temporary file and rename) and removing namespace files that a
// previous render left behind.
package policy
