package policy

import (
	configv1 "github.com/openshift/api/config/v1"
	operatorv1alpha1 "github.com/openshift/api/operator/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MirrorSet is one decoded ImageDigestMirrorSet, ImageTagMirrorSet or
// ImageContentSourcePolicy. The field of its kind holds the spec after
// pruning (the others are nil); it is meaningful only when Valid reports
// true.
type MirrorSet struct {
	Source     Source
	Kind       Kind
	APIVersion string
	Meta       metav1.ObjectMeta
	// DigestMirrors is spec.imageDigestMirrors of an ImageDigestMirrorSet.
	DigestMirrors []configv1.ImageDigestMirrors
	// TagMirrors is spec.imageTagMirrors of an ImageTagMirrorSet.
	TagMirrors []configv1.ImageTagMirrors
	// RepositoryDigestMirrors is spec.repositoryDigestMirrors of an
	// ImageContentSourcePolicy.
	RepositoryDigestMirrors []operatorv1alpha1.RepositoryDigestMirrors
	errs                    field.ErrorList
}

// Valid reports whether the object passed every validation rule.
func (ms *MirrorSet) Valid() bool { return len(ms.errs) == 0 }

// Ref is the object's name (all three kinds are cluster-scoped).
func (ms *MirrorSet) Ref() string { return objectRef("", ms.Meta.Name) }

// Errors returns the object's validation failures.
func (ms *MirrorSet) Errors() []*FieldError {
	return fieldErrors(ms.Source, string(ms.Kind), "", ms.Meta.Name, ms.apiObject, ms.errs)
}

// ImageDigestMirrorSet returns the object as the API type (kind ImageDigestMirrorSet only).
func (ms *MirrorSet) ImageDigestMirrorSet() *configv1.ImageDigestMirrorSet {
	return &configv1.ImageDigestMirrorSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: ms.APIVersion, Kind: string(ms.Kind)},
		ObjectMeta: ms.Meta,
		Spec:       configv1.ImageDigestMirrorSetSpec{ImageDigestMirrors: ms.DigestMirrors},
	}
}

// ImageTagMirrorSet returns the object as the API type (kind ImageTagMirrorSet only).
func (ms *MirrorSet) ImageTagMirrorSet() *configv1.ImageTagMirrorSet {
	return &configv1.ImageTagMirrorSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: ms.APIVersion, Kind: string(ms.Kind)},
		ObjectMeta: ms.Meta,
		Spec:       configv1.ImageTagMirrorSetSpec{ImageTagMirrors: ms.TagMirrors},
	}
}

// ImageContentSourcePolicy returns the object as the API type (kind ImageContentSourcePolicy only).
func (ms *MirrorSet) ImageContentSourcePolicy() *operatorv1alpha1.ImageContentSourcePolicy {
	return &operatorv1alpha1.ImageContentSourcePolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: ms.APIVersion, Kind: string(ms.Kind)},
		ObjectMeta: ms.Meta,
		Spec:       operatorv1alpha1.ImageContentSourcePolicySpec{RepositoryDigestMirrors: ms.RepositoryDigestMirrors},
	}
}

// apiObject is the mirror set as its API type.
func (ms *MirrorSet) apiObject() any {
	switch ms.Kind {
	case KindImageDigestMirrorSet:
		return ms.ImageDigestMirrorSet()
	case KindImageTagMirrorSet:
		return ms.ImageTagMirrorSet()
	}
	return ms.ImageContentSourcePolicy()
}

// recordMirrorSet records a decoded mirror set of any of the three kinds.
func (d *decoder) recordMirrorSet(c *common) {
	ms := &MirrorSet{Source: c.src, Kind: c.kind, APIVersion: c.apiVersion, Meta: c.meta}
	switch c.kind {
	case KindImageDigestMirrorSet:
		var spec configv1.ImageDigestMirrorSetSpec
		c.decodeSpec(&spec)
		ms.DigestMirrors = spec.ImageDigestMirrors
	case KindImageTagMirrorSet:
		var spec configv1.ImageTagMirrorSetSpec
		c.decodeSpec(&spec)
		ms.TagMirrors = spec.ImageTagMirrors
	case KindImageContentSourcePolicy:
		var spec operatorv1alpha1.ImageContentSourcePolicySpec
		c.decodeSpec(&spec)
		ms.RepositoryDigestMirrors = spec.RepositoryDigestMirrors
	}
	d.checkDuplicate(c)
	ms.errs = c.errs
	d.set.MirrorSets = append(d.set.MirrorSets, ms)
}
