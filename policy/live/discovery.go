package live

import (
	"context"
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// discovery reads the unaggregated discovery documents: /apis, then
// /apis/GROUP/VERSION for the few group versions needed. It is not
// client-go's discovery package, which registers every built-in API type
// (k8s.io/client-go/kubernetes/scheme): that alone made the binary 13 MB
// larger. The aggregated document is not asked for either: on OpenShift it
// describes every resource of every group in one large answer.
type discovery struct {
	rest rest.Interface
}

func (d discovery) groups(ctx context.Context) (*metav1.APIGroupList, error) {
	var list metav1.APIGroupList
	return &list, d.get(ctx, "/apis", &list)
}

func (d discovery) resources(ctx context.Context, groupVersion string) (*metav1.APIResourceList, error) {
	var list metav1.APIResourceList
	return &list, d.get(ctx, "/apis/"+groupVersion, &list)
}

func (d discovery) get(ctx context.Context, path string, into any) error {
	res := d.rest.Get().AbsPath(path).SetHeader("Accept", "application/json").Do(ctx)
	if err := res.Error(); err != nil {
		return err
	}
	body, err := res.Raw()
	if err != nil {
		return err
	}
	return json.Unmarshal(body, into)
}
