package node

// Config is what CRI-O enforces for one namespace's pulls on a node: the
// policy (/etc/crio/policies/<namespace>.json when it exists, else
// /etc/containers/policy.json), registries.d and registries.conf. It is
// built once and shared; nothing in it is modified after construction.
type Config struct {
	// PolicyName says where Policy came from (a path, or the node path of a
	// rendered file), for traces and messages.
	PolicyName string
	// Policy is the parsed policy.json. Required.
	Policy *Policy
	// RegistriesD decides where signatures are read; nil is an empty
	// configuration (no registry uses sigstore attachments).
	RegistriesD *Registries
	// RegistriesConf gives mirrors, blocked and insecure registries; nil
	// when there is none (every image is read from its own registry).
	RegistriesConf *RegistriesConf
}
