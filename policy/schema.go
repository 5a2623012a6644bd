package policy

// schema is the subset of an OpenAPI v3 structural schema that the policy
// CRDs use, plus their x-kubernetes-validations rules compiled to Go.
type schema struct {
	typ        string // "object", "array" or "string"
	props      []property
	required   []string
	enum       []string
	byteFormat bool // format: byte — base64 text, rules see the decoded bytes
	minLength  int  // 0: none
	maxLength  int  // 0: none
	maxItems   int  // 0: none
	listSet    bool // x-kubernetes-list-type: set
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

func byteStr(minLength, maxLength int, rules ...rule) *schema {
	return &schema{typ: "string", byteFormat: true, minLength: minLength, maxLength: maxLength, rules: rules}
}

func enum(values ...string) *schema { return &schema{typ: "string", enum: values} }

// specSchema is spec of both ClusterImagePolicy and ImagePolicy, transcribed
// from the CRDs in testdata/crds (properties in the CRD's order).
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
