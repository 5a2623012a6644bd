package policy

import (
	"errors"
	"fmt"
	"sync"

	configv1 "github.com/openshift/api/config/v1"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
)

// errParsingReference is the MCO's refusal of an unparsable release image.
var errParsingReference = errors.New("error parsing reference of release image")

// registryLists are the Image config's lists as the MCO uses them: blocked
// entries for registries.conf and for policy.json may differ when the
// release payload's registry is blocked.
type registryLists struct {
	payload        string // the release payload's repository, "" when unknown
	insecure       []string
	registriesConf []string // blocked in registries.conf
	policyBlocked  []string // blocked in policy.json
	allowed        []string
	search         []string
}

// registryListsFor is the MCO's getValidBlockedAndAllowedRegistries. A
// blocked scope holding the release payload's repository is kept only when
// the payload can still be pulled by digest from a mirror that no blocked
// scope covers: then it is blocked in registries.conf (the source is never
// contacted), blocked in policy.json only if it is not the payload
// repository itself, and the payload repository is allowed. Otherwise it is
// dropped and reported, and rendering goes on without it, as the MCO does
// (it logs the error and continues). An error in that mirror check makes
// the MCO go on with no blocked and no allowed registry at all; that too is
// reproduced and reported. Without a release image (sigpolicy's default)
// no blocked scope is treated as the payload's.
func registryListsFor(spec *configv1.ImageSpec, releaseImage string, in mirrorInputs) (registryLists, []string, error) {
	var payload reference.Named
	if releaseImage != "" {
		ref, err := reference.ParseNamed(releaseImage)
		if err != nil {
			return registryLists{}, nil, fmt.Errorf("%w %q: %v", errParsingReference, releaseImage, err)
		}
		payload = ref
	}
	lists := registryLists{}
	if payload != nil {
		lists.payload = payload.Name()
	}
	if spec == nil {
		return lists, nil, nil
	}
	src := spec.RegistrySources
	lists.insecure, lists.search = src.InsecureRegistries, src.ContainerRuntimeSearchRegistries
	var unblockable []string
	// The mirror check does not depend on the blocked entry at hand: run it
	// once, and only when some entry covers the payload.
	hasUnblockedMirror := sync.OnceValues(func() (bool, error) { return payloadHasUnblockedMirror(payload, spec, in) })
	for _, reg := range src.BlockedRegistries {
		if payload == nil || !scopeIsNestedInsideScope(payload.Name(), reg) {
			lists.registriesConf = append(lists.registriesConf, reg)
			lists.policyBlocked = append(lists.policyBlocked, reg)
			continue
		}
		mirrored, err := hasUnblockedMirror()
		if err != nil {
			lists.registriesConf, lists.policyBlocked, lists.allowed = nil, nil, nil
			return lists, []string{fmt.Sprintf("%v: all blockedRegistries and allowedRegistries ignored, as the MCO does", err)}, nil
		}
		if !mirrored {
			unblockable = append(unblockable, reg)
			continue
		}
		lists.registriesConf = append(lists.registriesConf, reg)
		if reg != payload.Name() {
			lists.policyBlocked = append(lists.policyBlocked, reg)
		}
		lists.allowed = append(lists.allowed, payload.Name())
	}
	lists.allowed = append(lists.allowed, src.AllowedRegistries...)
	var warnings []string
	if len(unblockable) > 0 {
		warnings = append(warnings, fmt.Sprintf("error adding %q to blocked registries, cannot block the repository being used by the payload, skipping....", unblockable))
	}
	return lists, warnings, nil
}

// payloadHasUnblockedMirror is the MCO's payloadRepoHasUnblockedMirror:
// with a registries.conf made of the Image config's insecure and blocked
// lists and the digest mirror sets only (a release is pulled by digest), is
// some pull source of the payload outside every blocked scope?
func payloadHasUnblockedMirror(payload reference.Named, spec *configv1.ImageSpec, in mirrorInputs) (bool, error) {
	conf := &sysregistriesv2.V2RegistriesConf{}
	digestOnly := mirrorInputs{icsp: in.icsp, idms: in.idms}
	blocked := spec.RegistrySources.BlockedRegistries
	if err := editRegistriesConf(conf, spec.RegistrySources.InsecureRegistries, blocked, digestOnly); err != nil {
		return false, err
	}
	reg := newRegistryTable(conf.Registries).find(payload.Name())
	if reg == nil {
		return false, nil
	}
	sources, err := reg.PullSourcesFromReference(payload)
	if err != nil {
		return false, err
	}
	for _, s := range sources {
		usable := true
		for _, b := range blocked {
			if scopeIsNestedInsideScope(s.Reference.Name(), b) {
				usable = false
			}
		}
		if usable {
			return true, nil
		}
	}
	return false, nil
}
