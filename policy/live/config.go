package live

import (
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Config loads the client configuration as kubectl does. kubeconfig is a
// file to use instead of the usual ones: the files listed in $KUBECONFIG,
// else ~/.kube/config; without any, a process running in a pod uses its
// service account (in-cluster configuration). context replaces the
// kubeconfig's current-context; empty keeps it. The error matches ErrConfig.
func Config(kubeconfig, context string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: context}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return cfg, nil
}
