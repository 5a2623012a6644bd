package policy

import "regexp"

// schema is the subset of an OpenAPI v3 structural schema that the decoded
// CRDs use, plus their x-kubernetes-validations rules compiled to Go.
type schema struct {
	typ        string // "object", "array", "string" or "boolean"
	props      []property
	required   []string
	enum       []string
	byteFormat bool                  // format: byte — base64 text, rules see the decoded bytes
	pattern    func() *regexp.Regexp // nil: none
	minLength  int                   // 0: none
	maxLength  int                   // 0: none
	minItems   int                   // 0: none
	maxItems   int                   // 0: none
	listSet    bool                  // x-kubernetes-list-type: set
	items      *schema
	rules      []rule
}

type property struct {
	name   string
	schema *schema
}

// rule is one x-kubernetes-validations entry: holds reports whether the value
// (a map for objects, the string — decoded for byte format — for strings)
// satisfies it.
type rule struct {
	message string
	holds   func(v any) bool
}

func (s *schema) property(name string) *schema {
	for _, p := range s.props {
		if p.name == name {
			return p.schema
		}
	}
	return nil
}

func obj(required []string, rules []rule, props ...property) *schema {
	return &schema{typ: "object", props: props, required: required, rules: rules}
}

func prop(name string, s *schema) property { return property{name: name, schema: s} }

func str(maxLength int, rules ...rule) *schema {
	return &schema{typ: "string", maxLength: maxLength, rules: rules}
}

func boundedStr(minLength, maxLength int, rules ...rule) *schema {
	return &schema{typ: "string", minLength: minLength, maxLength: maxLength, rules: rules}
}

func patternStr(re func() *regexp.Regexp) *schema { return &schema{typ: "string", pattern: re} }

func list(items *schema) *schema { return &schema{typ: "array", items: items} }

var boolean = &schema{typ: "boolean"}

func byteStr(minLength, maxLength int, rules ...rule) *schema {
	return &schema{typ: "string", byteFormat: true, minLength: minLength, maxLength: maxLength, rules: rules}
}

func enum(values ...string) *schema { return &schema{typ: "string", enum: values} }

// specSchema is spec of both ClusterImagePolicy and ImagePolicy, transcribed
// from the CRDs in testdata/openshift-api/crds (properties in the CRD's
// order; TestSchemasMatchCRDs compares them).
var specSchema = obj([]string{"policy", "scopes"}, nil,
	prop("policy", obj([]string{"rootOfTrust"}, nil,
		prop("rootOfTrust", obj([]string{"policyType"}, rootOfTrustRules,
			prop("fulcioCAWithRekor", obj([]string{"fulcioCAData", "fulcioSubject", "rekorKeyData"}, nil,
				prop("fulcioCAData", byteStr(0, 8192, pemRules("fulcioCAData", "CERTIFICATE")...)),
				prop("fulcioSubject", obj([]string{"oidcIssuer", "signedEmail"}, nil,
					prop("oidcIssuer", str(2048, urlRule)),
					prop("signedEmail", str(320, emailRule)),
				)),
				prop("rekorKeyData", byteStr(0, 8192, pemRules("rekorKeyData", "PUBLIC KEY")...)),
			)),
			prop("pki", obj([]string{"caRootsData", "pkiCertificateSubject"}, nil,
				prop("caIntermediatesData", byteStr(72, 8192, bundleRules("caIntermediatesData")...)),
				prop("caRootsData", byteStr(72, 8192, bundleRules("caRootsData")...)),
				prop("pkiCertificateSubject", obj(nil, []rule{subjectRule},
					prop("email", str(320, emailRule)),
					prop("hostname", str(253, hostnameRule)),
				)),
			)),
			prop("policyType", enum("PublicKey", "FulcioCAWithRekor", "PKI")),
			prop("publicKey", obj([]string{"keyData"}, nil,
				prop("keyData", byteStr(68, 8192, pemRules("keyData", "PUBLIC KEY")...)),
				prop("rekorKeyData", byteStr(0, 8192, pemRules("rekorKeyData", "PUBLIC KEY")...)),
			)),
		)),
		prop("signedIdentity", obj([]string{"matchPolicy"}, signedIdentityRules,
			prop("exactRepository", obj([]string{"repository"}, nil,
				prop("repository", str(512, identityRules...)),
			)),
			prop("matchPolicy", enum("MatchRepoDigestOrExact", "MatchRepository", "ExactRepository", "RemapIdentity")),
			prop("remapIdentity", obj([]string{"prefix", "signedPrefix"}, nil,
				prop("prefix", str(512, identityRules...)),
				prop("signedPrefix", str(512, identityRules...)),
			)),
		)),
	)),
	prop("scopes", &schema{typ: "array", maxItems: 256, listSet: true, items: str(512, scopeRules...)}),
)

// The mirror source and mirror patterns of ImageDigestMirrorSet and
// ImageTagMirrorSet. The MCO checks the sources and mirrors of
// ImageContentSourcePolicies, whose CRD has no pattern, with the same two
// expressions; sourcePattern is also the CEL rule of the Image config's
// registry lists.
var (
	sourcePattern = lazyRegexp(`^\*(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+$|^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+)?(?::[0-9]+)?)(?:(?:/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?$`)
	mirrorPattern = lazyRegexp(`^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+)?(?::[0-9]+)?)(?:(?:/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?$`)
)

// mirrorSetSpec is spec of ImageDigestMirrorSet (listField
// imageDigestMirrors) and ImageTagMirrorSet (imageTagMirrors).
func mirrorSetSpec(listField string) *schema {
	return obj(nil, nil,
		prop(listField, list(obj([]string{"source"}, nil,
			prop("mirrorSourcePolicy", enum("NeverContactSource", "AllowContactingSource")),
			prop("mirrors", &schema{typ: "array", listSet: true, items: patternStr(mirrorPattern)}),
			prop("source", patternStr(sourcePattern)),
		))),
	)
}

var (
	digestMirrorSetSpecSchema = mirrorSetSpec("imageDigestMirrors")
	tagMirrorSetSpecSchema    = mirrorSetSpec("imageTagMirrors")
)

// contentSourcePolicySpecSchema is spec of ImageContentSourcePolicy: its CRD
// checks no format.
var contentSourcePolicySpecSchema = obj(nil, nil,
	prop("repositoryDigestMirrors", list(obj([]string{"source"}, nil,
		prop("mirrors", list(str(0))),
		prop("source", str(0)),
	))),
)

// registryList is allowedRegistries, blockedRegistries and
// insecureRegistries of the Image config.
func registryList() *schema {
	return &schema{typ: "array", maxItems: 1024, items: boundedStr(1, 256, registryRule)}
}

// imageSpecSchema is spec of the Image config. Its
// containerRuntimeSearchRegistries carries "format: hostname" on the array,
// which the API server's validator applies to strings only: no check.
var imageSpecSchema = obj(nil, nil,
	prop("additionalTrustedCA", obj([]string{"name"}, nil, prop("name", str(0)))),
	prop("allowedRegistriesForImport", list(obj(nil, nil,
		prop("domainName", str(0)),
		prop("insecure", boolean),
	))),
	prop("externalRegistryHostnames", list(str(0))),
	prop("imageStreamImportMode", enum("", "Legacy", "PreserveOriginal")),
	prop("registrySources", obj(nil, []rule{registrySourcesRule},
		prop("allowedRegistries", registryList()),
		prop("blockedRegistries", registryList()),
		prop("containerRuntimeSearchRegistries", &schema{typ: "array", minItems: 1, listSet: true, items: str(0)}),
		prop("insecureRegistries", registryList()),
	)),
)
