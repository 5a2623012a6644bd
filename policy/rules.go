package policy

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"
)

// The CRDs' CEL rules, transcribed. CEL's matches() is an unanchored RE2
// search, which is what regexp.MatchString does. Each is compiled on first
// use: most runs of the command never validate an object.
var (
	wildcardScopeRE = lazyRegexp(`^\*(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+$`)
	scopeRE         = lazyRegexp(`^((((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+(?::[0-9]+)?)|(localhost(?::[0-9]+)?))(?:(?:/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?)(?::([\w][\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}))?$`)
	tagSuffixRE     = lazyRegexp(`.*:([\w][\w.-]{0,127})$`)
	localhostPortRE = lazyRegexp(`^(localhost:[0-9]+)$`)
	identityRE      = lazyRegexp(`^(((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+(?::[0-9]+)?)|(localhost(?::[0-9]+)?))(?:(?:/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?$`)
	emailRE         = lazyRegexp(`^\S+@\S+$`)
)

// lazyRegexp returns expr compiled once, on the first call.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// matches is a rule's test that s matches re.
func matches(re func() *regexp.Regexp) func(string) bool {
	return func(s string) bool { return re().MatchString(s) }
}

func stringRule(message string, holds func(string) bool) rule {
	return rule{message: message, holds: func(v any) bool {
		s, ok := v.(string)
		// CEL's string(bytes) fails on invalid UTF-8: the rule cannot hold.
		return ok && utf8.ValidString(s) && holds(s)
	}}
}

func objectRule(message string, holds func(map[string]any) bool) rule {
	return rule{message: message, holds: func(v any) bool {
		m, ok := v.(map[string]any)
		return ok && holds(m)
	}}
}

var scopeRules = []rule{
	stringRule("invalid image scope format, scope must contain a fully qualified domain name or 'localhost'", func(s string) bool {
		host := strings.Split(s, "/")[0]
		if len(strings.Split(host, ".")) != 1 {
			return true
		}
		return strings.Split(strings.Split(host, ".")[0], ":")[0] == "localhost"
	}),
	stringRule("invalid image scope with wildcard, a wildcard can only be at the start of the domain and is only supported for subdomain matching, not path matching", func(s string) bool {
		return !strings.Contains(s, "*") || wildcardScopeRE().MatchString(s)
	}),
	stringRule("invalid repository namespace or image specification in the image scope", func(s string) bool {
		return strings.Contains(s, "*") || scopeRE().MatchString(s)
	}),
}

var identityRules = []rule{
	stringRule("invalid repository or prefix in the signedIdentity, should not include the tag or digest", func(s string) bool {
		return !tagSuffixRE().MatchString(s) || localhostPortRE().MatchString(s)
	}),
	stringRule("invalid repository or prefix in the signedIdentity. The repository or prefix must starts with 'localhost' or a valid '.' separated domain. If contains registry paths, the path component names must start with at least one letter or number, with following parts able to be separated by one period, one or two underscore and multiple dashes.", matches(identityRE)),
}

var emailRule = stringRule("invalid email address", matches(emailRE))

var hostnameRule = stringRule("hostname must be a valid dns 1123 subdomain name, optionally prefixed by '*.'. It must consist only of lowercase alphanumeric characters, hyphens, periods and the optional preceding asterisk.", func(s string) bool {
	if strings.HasPrefix(s, "*.") {
		s = strings.Replace(s, "*.", "", 1)
	}
	return len(validation.IsDNS1123Subdomain(s)) == 0
})

// urlRule is CEL's isURL(), which the Kubernetes URL library implements
// with url.ParseRequestURI.
var urlRule = stringRule("oidcIssuer must be a valid URL", func(s string) bool {
	_, err := url.ParseRequestURI(s)
	return err == nil
})

// pemRules are the start/end marker rules on base64 PEM fields.
func pemRules(fieldName, label string) []rule {
	begin, end := "-----BEGIN "+label+"-----", "-----END "+label+"-----"
	return []rule{
		stringRule("the "+fieldName+" must start with base64 encoding of '"+begin+"'.", func(s string) bool {
			return strings.HasPrefix(s, begin)
		}),
		stringRule("the "+fieldName+" must end with base64 encoding of '"+end+"'.", func(s string) bool {
			return strings.HasSuffix(s, end+"\n") || strings.HasSuffix(s, end)
		}),
	}
}

// bundleRules are pemRules for certificate bundles plus the marker count rule.
func bundleRules(fieldName string) []rule {
	const begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
	return append(pemRules(fieldName, "CERTIFICATE"),
		stringRule(fieldName+" must be base64 encoding of valid PEM format data contain the same number of '"+begin+"' and '"+end+"' markers.", func(s string) bool {
			return strings.Count(s, begin) == strings.Count(s, end)
		}))
}

// unionRule is "has(self.selector) && self.selector == value ? has(self.member) : !has(self.member)".
func unionRule(message, selector, value, member string) rule {
	return objectRule(message, func(m map[string]any) bool {
		_, hasMember := m[member]
		if sel, ok := m[selector].(string); ok && sel == value {
			return hasMember
		}
		return !hasMember
	})
}

var rootOfTrustRules = []rule{
	unionRule("pki is required when policyType is PKI, and forbidden otherwise", "policyType", "PKI", "pki"),
	unionRule("publicKey is required when policyType is PublicKey, and forbidden otherwise", "policyType", "PublicKey", "publicKey"),
	unionRule("fulcioCAWithRekor is required when policyType is FulcioCAWithRekor, and forbidden otherwise", "policyType", "FulcioCAWithRekor", "fulcioCAWithRekor"),
}

var signedIdentityRules = []rule{
	unionRule("exactRepository is required when matchPolicy is ExactRepository, and forbidden otherwise", "matchPolicy", "ExactRepository", "exactRepository"),
	unionRule("remapIdentity is required when matchPolicy is RemapIdentity, and forbidden otherwise", "matchPolicy", "RemapIdentity", "remapIdentity"),
}

var subjectRule = objectRule("at least one of email or hostname must be set in pkiCertificateSubject", func(m map[string]any) bool {
	_, email := m["email"]
	_, hostname := m["hostname"]
	return email || hostname
})

// registryRule is the Image config's rule on each registry list entry.
var registryRule = stringRule("each registry must be a valid hostname[:port][/path] or wildcard *.hostname format without tags or digests", matches(sourcePattern))

// registrySourcesRule is "has(self.blockedRegistries) ? !has(self.allowedRegistries) : true".
var registrySourcesRule = objectRule("Only one of blockedRegistries or allowedRegistries may be set", func(m map[string]any) bool {
	_, blocked := m["blockedRegistries"]
	_, allowed := m["allowedRegistries"]
	return !blocked || !allowed
})
