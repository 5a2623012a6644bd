// Package policy decodes, validates, reconciles and renders the inputs of
// the Machine Config Operator's (MCO) container-runtime-config controller
// exactly as the API server and the MCO do: OpenShift's sigstore image
// policies (ClusterImagePolicy and ImagePolicy, config.openshift.io), the
// mirror sets (ImageDigestMirrorSet and ImageTagMirrorSet,
// config.openshift.io/v1, and the legacy ImageContentSourcePolicy,
// operator.openshift.io/v1alpha1) and the cluster image configuration
// (Image, config.openshift.io/v1, named "cluster").
//
// # Decoding
//
// [Load] and [LoadReader] accept YAML or JSON, several documents per file,
// directories (recursively, *.yaml, *.yml and *.json, in lexical order, so
// must-gather trees work), "-" for standard input and List kinds ("oc get
// -o yaml" output), the kinds mixed freely. Policies decode as v1 or
// v1alpha1 into the github.com/openshift/api config/v1 types; the other
// kinds into their openshift/api types ([MirrorSet], [ImageConfig]). Kinds
// the MCO does not read are skipped with a [Note]; so is an Image not named
// "cluster", after validation. Decoding is strict: unknown fields and
// duplicate keys are errors, as with "kubectl apply" (server-side field
// validation Strict); the API server itself would prune unknown fields,
// which [LoadOptions.PruneUnknownFields] reproduces. An object defined twice
// is an error naming the first definition. [LoadOptions.IncludeOpenShiftDefault]
// adds the default ClusterImagePolicy "openshift" of current clusters
// ([OpenShiftDefaultPolicy]) unless the inputs define it;
// [Object.UserReservedName] tells a user's object that takes the reserved
// "openshift" prefix.
//
// # Validation
//
// [Set.Validate] applies every OpenAPI and CEL rule of the kinds'
// CustomResourceDefinitions, with the API server's field paths and messages
// (k8s.io/apimachinery field errors). As in the API server, CEL rules are
// only evaluated when no blocking schema error (required, type, enum,
// maximum length or item count) was found, and the status is dropped (every
// kind has a status subresource). The CRDs define no defaults: an omitted
// signedIdentity renders as matchRepoDigestOrExact.
// [Object.TrustMaterialErrors] goes one step further than the API server:
// it loads key and certificate data with the node library's own parsers,
// since data that merely has the right PEM markers denies every pull.
//
// # Rendering
//
// [Render] follows the MCO's registriesConfigIgnition. Policies are
// processed in name order (namespace, then name) so the output is stable;
// [Rendered] holds the files, [Rendered.Files] lists them by node path.
//
//   - Blocked registries: with [RenderOptions.ReleaseImage] set, a blocked
//     registry holding the release payload's repository is dropped, with the
//     MCO's warning, unless some digest mirror of the payload lies outside
//     every blocked registry; then it stays blocked in registries.conf, the
//     payload repository is allowed in policy.json and the registry is
//     blocked there only if it is not the payload repository itself.
//   - registries.conf ([RegistriesConfPath]) is the MCO's template
//     ([RegistriesConfTemplate]) unless insecure or blocked registries or
//     some mirror set object exist; then the template is decoded, the MCO's
//     checks applied (its messages: an invalid registry entry, source or
//     mirror, conflicting mirrorSourcePolicy values for one source,
//     NeverContactSource with the source among its mirrors) and
//     runtime-utils' rules: one entry per mirrored source (digest sources,
//     then tag sources, each sorted), mirrors of several rules merged per
//     source in a stable topological order, "pull-from-mirror" set to
//     "digest-only" for ImageDigestMirrorSets and
//     ImageContentSourcePolicies and "tag-only" for ImageTagMirrorSets,
//     "blocked" for NeverContactSource, an entry per blocked then insecure
//     registry, insecure marking every entry and mirror nested inside it,
//     blocked every entry nested inside it, and every entry nested inside
//     a mirrored source without mirrors of its own given that source's
//     mirrors with its extra path (a wildcard source with such an entry is
//     refused, as runtime-utils refuses it). It is encoded with the MCO's
//     TOML encoder and the containers library's types, byte for byte.
//   - The containerRuntimeSearchRegistries of the Image config go to the
//     drop-in [SearchRegistriesPath], alone in a registries.conf.
//   - policy.json ([PolicyJSONPath]) is the MCO's template
//     ([TemplatePolicyJSON]) unless allowed or blocked registries or a
//     ClusterImagePolicy change it: one sigstoreSigned requirement per
//     policy appended under transports.docker[scope] (several policies on
//     one scope are ANDed), scopes with fewer than three "/" copied under
//     transports.atomic, allowed registries turning the default into reject
//     and blocked registries adding reject entries; every policy scope must
//     be nested inside an allowed registry and outside every blocked one,
//     or rendering is refused with the MCO's message. JSON is indented by
//     two spaces with sorted keys and no trailing newline.
//   - Each namespace with surviving ImagePolicy scopes gets
//     /etc/crio/policies/<namespace>.json: the cluster policy.json with the
//     namespace's requirements appended. ImagePolicy scopes equal to or
//     nested inside a ClusterImagePolicy scope are dropped and reported in
//     a Pending condition.
//   - registries.d ([RegistriesDPath]) enables sigstore attachments for
//     every policy scope and for every place registries.conf pulls it from:
//     the pull sources, by digest and by tag, of the entry matching the
//     scope and of every entry nested inside it.
//
// The MCO's nesting rule misses tag and digest scopes: an ImagePolicy scope
// "example.com/ns/repo:tag" is not seen as nested under a ClusterImagePolicy
// scope "example.com/ns/repo" and silently overrides it in that namespace.
// Render reproduces that and reports each case as a [Finding].
//
// [Rendered.WriteDir] lays the files out as on a node, replacing each one
// atomically (temporary file and rename) and removing the namespace files,
// search-registries drop-in and registries.d file that a previous render
// left behind.
package policy
