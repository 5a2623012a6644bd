package policy

import (
	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// clusterImageConfigName is the only Image object the MCO reads.
const clusterImageConfigName = "cluster"

// ImageConfig is one decoded Image object (config.openshift.io/v1). The
// MCO reads the one named "cluster": its insecure, blocked and allowed
// registries and its container-runtime search registries. Image.Spec is
// meaningful only when Valid reports true; Image.Status is never decoded
// (the API server drops it on create).
type ImageConfig struct {
	Source Source
	Image  configv1.Image
	errs   field.ErrorList
}

// Valid reports whether the object passed every validation rule.
func (ic *ImageConfig) Valid() bool { return len(ic.errs) == 0 }

// Errors returns the object's validation failures.
func (ic *ImageConfig) Errors() []*FieldError {
	return fieldErrors(ic.Source, string(KindImage), "", ic.Image.Name, func() any { return &ic.Image }, ic.errs)
}

// recordImage records a decoded Image; the one named "cluster" becomes the
// set's ImageConfig, the others are noted as unused.
func (d *decoder) recordImage(c *common) {
	ic := &ImageConfig{Source: c.src, Image: configv1.Image{
		TypeMeta:   metav1.TypeMeta{APIVersion: c.apiVersion, Kind: string(KindImage)},
		ObjectMeta: c.meta,
	}}
	c.decodeSpec(&ic.Image.Spec)
	d.checkDuplicate(c)
	ic.errs = c.errs
	d.set.Images = append(d.set.Images, ic)
	switch {
	case c.meta.Name != clusterImageConfigName:
		d.note(c.src, "Image "+objectRef("", c.meta.Name)+" is validated but not used: the MCO reads only the Image named \"cluster\"")
	case d.set.ImageConfig == nil:
		d.set.ImageConfig = ic
	}
}
