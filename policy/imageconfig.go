package policy

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// clusterImageConfigName is the only Image object the MCO reads.
const clusterImageConfigName = "cluster"

func (d *decoder) decodeImageConfig(src Source, m map[string]any) {
	ic := &ImageConfig{Source: src}
	if err := decodeInto(m, &ic.Image, !d.opts.PruneUnknownFields); err != nil {
		ic.errs = append(ic.errs, field.Invalid(nil, "object", err.Error()))
	} else if ic.Image.Name != clusterImageConfigName {
		d.note(src, "skipped Image "+ic.Image.Name+": the MCO reads only the Image named \"cluster\"")
		return
	}
	if d.set.ImageConfig != nil {
		ic.errs = append(ic.errs, &field.Error{Type: field.ErrorTypeDuplicate, Field: "metadata.name", BadValue: ic.Image.Name,
			Detail: "the cluster image configuration is already defined at " + d.set.ImageConfig.Source.String()})
		d.set.ImageConfig.errs = append(d.set.ImageConfig.errs, ic.errs...)
		return
	}
	d.set.ImageConfig = ic
}
