package policy

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
	configv1 "github.com/openshift/api/config/v1"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
)

// RegistriesConfTemplate is /etc/containers/registries.conf as the MCO's
// base machine config writes it (templates/<role>/01-<role>-container-runtime/
// _base/files/container-registries.yaml, the same for every role). It stays
// on the node unchanged until some insecure or blocked registry or some
// mirror set makes the MCO rewrite the file.
const RegistriesConfTemplate = "unqualified-search-registries = ['registry.access.redhat.com', 'docker.io']\n"

// mirrorInputs are the mirror sets as the MCO passes them on: ICSPs, IDMSs
// and ITMSs, each in input order.
type mirrorInputs struct {
	icsp, idms, itms [][]mirrorRule
}

func mirrorInputsOf(sets []*MirrorSet) mirrorInputs {
	var in mirrorInputs
	for _, ms := range sets {
		var rules []mirrorRule
		switch ms.Kind {
		case KindImageDigestMirrorSet:
			for _, m := range ms.DigestMirrors {
				rules = append(rules, mirrorRule{source: m.Source, mirrors: mirrorStrings(m.Mirrors), policy: m.MirrorSourcePolicy})
			}
			in.idms = append(in.idms, rules)
		case KindImageTagMirrorSet:
			for _, m := range ms.TagMirrors {
				rules = append(rules, mirrorRule{source: m.Source, mirrors: mirrorStrings(m.Mirrors), policy: m.MirrorSourcePolicy})
			}
			in.itms = append(in.itms, rules)
		case KindImageContentSourcePolicy:
			for _, m := range ms.RepositoryDigestMirrors {
				rules = append(rules, mirrorRule{source: m.Source, mirrors: m.Mirrors})
			}
			in.icsp = append(in.icsp, rules)
		}
	}
	return in
}

func mirrorStrings(mirrors []configv1.ImageMirror) []string {
	out := make([]string, len(mirrors))
	for i, m := range mirrors {
		out[i] = string(m)
	}
	return out
}

// any reports whether some mirror set object exists: the MCO rewrites
// registries.conf for an object even when it holds no rule.
func (in mirrorInputs) any() bool { return len(in.icsp)+len(in.idms)+len(in.itms) > 0 }

// digestRules are the IDMS rules followed by the ICSP rules, as the MCO
// converts ICSPs into IDMSs (their source policy left unset).
func (in mirrorInputs) digestRules() []mirrorRule {
	var out []mirrorRule
	for _, rules := range in.idms {
		out = append(out, rules...)
	}
	for _, rules := range in.icsp {
		out = append(out, rules...)
	}
	return out
}

func (in mirrorInputs) tagRules() []mirrorRule {
	var out []mirrorRule
	for _, rules := range in.itms {
		out = append(out, rules...)
	}
	return out
}

// validateRegistriesConfScopes is the MCO's check of the registry lists and
// mirror rules before it edits registries.conf or policy.json. The source
// and mirror expressions are the IDMS CRD's patterns, which the MCO keeps
// for ImageContentSourcePolicies (their CRD checks no format).
func validateRegistriesConfScopes(insecure, blocked, allowed []string, in mirrorInputs) error {
	for _, list := range []struct {
		name    string
		entries []string
	}{{"insecure", insecure}, {"blocked", blocked}, {"allowed", allowed}} {
		for _, scope := range list.entries {
			if !isValidRegistriesConfScope(scope) {
				return fmt.Errorf("invalid entry for %s registries %q", list.name, scope)
			}
		}
	}
	policies := map[string]configv1.MirrorSourcePolicy{}
	check := func(r mirrorRule) error {
		if !sourcePattern().MatchString(r.source) {
			return fmt.Errorf("invalid format for source %q", r.source)
		}
		policy := r.policy
		if policy == "" {
			policy = configv1.AllowContactingSource
		}
		if p, ok := policies[r.source]; !ok {
			policies[r.source] = policy
		} else if p != policy {
			return fmt.Errorf("conflicting mirrorSourcePolicy is set for the same source %q in imagedigestmirrorsets, imagetagmirrorsets, or imagecontentsourcepolicies", r.source)
		}
		for _, m := range r.mirrors {
			if !mirrorPattern().MatchString(m) {
				return fmt.Errorf("invalid format for mirror %q", m)
			}
			if policy == configv1.NeverContactSource && m == r.source {
				return fmt.Errorf("cannot set mirrorSourcePolicy: NeverContactSource if the source %q is one of the mirrors", r.source)
			}
		}
		return nil
	}
	for _, r := range append(in.digestRules(), in.tagRules()...) {
		if err := check(r); err != nil {
			return err
		}
	}
	return nil
}

// registryScope is the scope an entry matches: its prefix, else its location.
func registryScope(reg *sysregistriesv2.Registry) string {
	if reg.Prefix != "" {
		return reg.Prefix
	}
	return reg.Location
}

// editRegistriesConf applies runtime-utils' EditRegistriesConfig rules to
// conf, in place:
//   - one entry per mirrored source, digest sources first, then tag
//     sources, each sorted; a wildcard source is a prefix entry, others a
//     location entry; merged mirrors are appended with pull-from-mirror
//     "digest-only" (digest sets) or "tag-only" (tag sets); a source that
//     must never be contacted is blocked;
//   - an entry per blocked scope, then per insecure scope, unless one exists;
//   - each insecure scope marks insecure every entry and every mirror
//     nested inside it; each blocked scope blocks every entry nested inside
//     it;
//   - an entry nested strictly inside a mirrored source that has no mirror
//     of its own gets the source's mirrors with the extra path appended
//     (only the most specific entry applies to an image). A wildcard
//     source with such a nested entry is refused, as runtime-utils does.
func editRegistriesConf(conf *sysregistriesv2.V2RegistriesConf, insecure, blocked []string, in mirrorInputs) error {
	entry := func(scope string) *sysregistriesv2.Registry {
		for i := range conf.Registries {
			if registryScope(&conf.Registries[i]) == scope {
				return &conf.Registries[i]
			}
		}
		reg := sysregistriesv2.Registry{}
		if strings.HasPrefix(scope, "*.") {
			reg.Prefix = scope
		} else {
			reg.Location = scope
		}
		conf.Registries = append(conf.Registries, reg)
		return &conf.Registries[len(conf.Registries)-1]
	}
	digest, err := mergeMirrorRules(in.digestRules())
	if err != nil {
		return err
	}
	tag, err := mergeMirrorRules(in.tagRules())
	if err != nil {
		return err
	}
	addMirrors := func(sets []mergedMirrors, pullFrom string) {
		for _, s := range sets {
			reg := entry(s.source)
			if s.blockSource {
				reg.Blocked = true
			}
			for _, m := range s.mirrors {
				reg.Mirrors = append(reg.Mirrors, sysregistriesv2.Endpoint{Location: m, PullFromMirror: pullFrom})
			}
		}
	}
	addMirrors(digest, sysregistriesv2.MirrorByDigestOnly)
	addMirrors(tag, sysregistriesv2.MirrorByTagOnly)

	// Blocked entries exist before the insecure pass, so that a blocked
	// scope nested inside an insecure one is marked insecure too.
	for _, scope := range blocked {
		entry(scope)
	}
	for _, scope := range insecure {
		entry(scope).Insecure = true
		for i := range conf.Registries {
			reg := &conf.Registries[i]
			if scopeIsNestedInsideScope(registryScope(reg), scope) {
				reg.Insecure = true
			}
			for j := range reg.Mirrors {
				if scopeIsNestedInsideScope(reg.Mirrors[j].Location, scope) {
					reg.Mirrors[j].Insecure = true
				}
			}
		}
	}
	for _, scope := range blocked {
		entry(scope).Blocked = true
		for i := range conf.Registries {
			if scopeIsNestedInsideScope(registryScope(&conf.Registries[i]), scope) {
				conf.Registries[i].Blocked = true
			}
		}
	}

	for _, s := range append(digest, tag...) {
		parent := entry(s.source)
		parentScope := registryScope(parent)
		for i := range conf.Registries {
			reg := &conf.Registries[i]
			scope := registryScope(reg)
			if scope == parentScope || !scopeIsNestedInsideScope(scope, parentScope) || len(reg.Mirrors) > 0 {
				continue
			}
			if strings.HasPrefix(parentScope, "*.") {
				return fmt.Errorf("internal error: mirrorsAdjustedForNestedScope for a wildcard scope %#v", parentScope)
			}
			suffix := scope[len(parentScope):]
			for _, m := range parent.Mirrors {
				m.Location += suffix
				reg.Mirrors = append(reg.Mirrors, m)
			}
		}
	}
	return nil
}

// registriesConf is the MCO's updateRegistriesConfig: the template decoded,
// the registry lists and mirror sets checked and applied, and the result
// encoded with the TOML encoder and the library's types the MCO uses.
func registriesConf(insecure, blocked []string, in mirrorInputs) ([]byte, *sysregistriesv2.V2RegistriesConf, error) {
	conf, err := parseRegistriesConf(RegistriesConfTemplate)
	if err != nil {
		return nil, nil, err
	}
	if err := validateRegistriesConfScopes(insecure, blocked, nil, in); err != nil {
		return nil, nil, err
	}
	if err := editRegistriesConf(conf, insecure, blocked, in); err != nil {
		return nil, nil, err
	}
	data, err := encodeTOML(conf)
	return data, conf, err
}

func parseRegistriesConf(data string) (*sysregistriesv2.V2RegistriesConf, error) {
	conf := &sysregistriesv2.V2RegistriesConf{}
	if _, err := toml.Decode(data, conf); err != nil {
		return nil, fmt.Errorf("error unmarshalling registries config: %w", err)
	}
	return conf, nil
}

func encodeTOML(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// searchRegistriesDropIn is the MCO's updateSearchRegistriesConfig: a
// registries.conf holding only the unqualified-search registries.
func searchRegistriesDropIn(registries []string) ([]byte, error) {
	return encodeTOML(sysregistriesv2.V2RegistriesConf{UnqualifiedSearchRegistries: registries})
}
