package policy

import (
	"fmt"
	"slices"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Kind names a policy resource.
type Kind string

// The two policy kinds.
const (
	KindClusterImagePolicy Kind = "ClusterImagePolicy"
	KindImagePolicy        Kind = "ImagePolicy"
)

// Object is one decoded ClusterImagePolicy or ImagePolicy. Its Scopes and
// Policy are the config/v1 spec after pruning; they are meaningful only when
// Valid reports true.
type Object struct {
	Source     Source
	Kind       Kind
	APIVersion string
	Meta       metav1.ObjectMeta
	Scopes     []configv1.ImageScope
	Policy     configv1.ImageSigstoreVerificationPolicy
	// BuiltIn marks the default ClusterImagePolicy added by
	// LoadOptions.IncludeOpenShiftDefault.
	BuiltIn bool
	errs    field.ErrorList
}

// Valid reports whether the object passed every validation rule.
func (o *Object) Valid() bool { return len(o.errs) == 0 }

// Ref is "name" for a ClusterImagePolicy and "namespace/name" for an ImagePolicy.
func (o *Object) Ref() string { return objectRef(o.Meta.Namespace, o.Meta.Name) }

// Errors returns the object's validation failures.
func (o *Object) Errors() []*FieldError {
	return fieldErrors(o.Source, string(o.Kind), o.Meta.Namespace, o.Meta.Name, o.apiObject, o.errs)
}

// apiObject is the object as its API type.
func (o *Object) apiObject() any {
	if o.Kind == KindImagePolicy {
		return o.ImagePolicy()
	}
	return o.ClusterImagePolicy()
}

// ClusterImagePolicy returns the object as the API type (kind ClusterImagePolicy only).
func (o *Object) ClusterImagePolicy() *configv1.ClusterImagePolicy {
	return &configv1.ClusterImagePolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: o.APIVersion, Kind: string(o.Kind)},
		ObjectMeta: o.Meta,
		Spec:       configv1.ClusterImagePolicySpec{Scopes: o.Scopes, Policy: o.Policy},
	}
}

// ImagePolicy returns the object as the API type (kind ImagePolicy only).
func (o *Object) ImagePolicy() *configv1.ImagePolicy {
	return &configv1.ImagePolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: o.APIVersion, Kind: string(o.Kind)},
		ObjectMeta: o.Meta,
		Spec:       configv1.ImagePolicySpec{Scopes: o.Scopes, Policy: o.Policy},
	}
}

// recordPolicy records a decoded ClusterImagePolicy or ImagePolicy, valid
// or not.
func (d *decoder) recordPolicy(c *common) {
	var spec configv1.ImagePolicySpec
	c.decodeSpec(&spec)
	d.checkDuplicate(c)
	d.set.Objects = append(d.set.Objects, &Object{Source: c.src, Kind: c.kind, APIVersion: c.apiVersion, Meta: c.meta,
		Scopes: spec.Scopes, Policy: spec.Policy, errs: c.errs})
}

// Set is everything decoded from the inputs, each list in input order.
type Set struct {
	// Objects are the ClusterImagePolicies and ImagePolicies.
	Objects []*Object
	// MirrorSets are the ImageDigestMirrorSets, ImageTagMirrorSets and
	// ImageContentSourcePolicies.
	MirrorSets []*MirrorSet
	// Images are every decoded Image object, named "cluster" or not.
	Images []*ImageConfig
	// ImageConfig is the cluster image configuration that Render reads: the
	// Image named "cluster" among Images, or one set by the caller.
	ImageConfig *ImageConfig
	// ReleaseImage is the cluster's release payload, from the ClusterVersion
	// named "version" (status.desired.image) when the inputs hold it; the
	// MCO never blocks the registry that serves it. Empty when unknown.
	ReleaseImage string
	Notes        []Note
}

// Validate returns every validation failure, kind by kind in input order;
// none means every object is valid.
func (s *Set) Validate() []*FieldError {
	var out []*FieldError
	for _, o := range s.Objects {
		out = append(out, o.Errors()...)
	}
	for _, ms := range s.MirrorSets {
		out = append(out, ms.Errors()...)
	}
	for _, ic := range s.Images {
		out = append(out, ic.Errors()...)
	}
	if s.ImageConfig != nil && !slices.Contains(s.Images, s.ImageConfig) {
		out = append(out, s.ImageConfig.Errors()...)
	}
	return out
}

func (s *Set) requireValid() error {
	if errs := s.Validate(); len(errs) > 0 {
		return fmt.Errorf("%w: %d validation error(s), first: %v", ErrInvalid, len(errs), errs[0])
	}
	return nil
}
