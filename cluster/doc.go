// Package cluster is sigpolicy's one compile step: from what configures a
// cluster's nodes to the node configuration CRI-O enforces in each
// namespace ([node.Config]), computed once and shared.
//
// A [Compiled] comes from one of:
//   - cluster objects ([Compile]): a validated [policy.Set] — the image
//     policies, mirror sets and the cluster Image configuration — rendered
//     as the Machine Config Operator renders them, every rendered file then
//     parsed as CRI-O parses it;
//   - a node's files ([FromRoot]): ROOT/etc/containers/policy.json, every
//     ROOT/etc/crio/policies/<namespace>.json, ROOT/etc/containers/registries.d
//     and ROOT/etc/containers/registries.conf with its drop-ins;
//   - one policy.json and an optional registries.d directory ([FromPolicyFile]).
//
// [Compiled.Node] then gives a namespace's configuration: its own policy
// file when it has one, else the cluster's, always with the cluster's
// registries.d and registries.conf. A Compiled is immutable and safe for
// concurrent use; engines (package verify) are built from its values.
//
// [Load] picks the source from a [Source]; its errors name no command-line
// flags.
package cluster
