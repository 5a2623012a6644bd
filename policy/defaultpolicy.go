package policy

import (
	"encoding/json"
	"strings"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The default ClusterImagePolicy that OpenShift release payloads install,
// built from the facts of openshift/cluster-update-keys,
// manifests.rhel/0000_90_openshift-cluster-image-policy.yaml as of commit
// d077ee336ede44c2cf5cff49f6e5780f12f62a40 (2026-02-12; repository HEAD
// 3b5c59cc6461663751bc510b4f9f1954ed8c9b50): its name, annotations, scopes
// and the public key (Red Hat's RSA 4096 release signing key) that must
// have signed every image under them. Clusters of earlier releases carry
// only the first two scopes.
const (
	OpenShiftPolicyName = "openshift"

	openShiftReleaseKey = `-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA0ASyuH2TLWvBUqPHZ4Ip
75g7EncBkgQHdJnjzxAW5KQTMh/siBoB/BoSrtiPMwnChbTCnQOIQeZuDiFnhuJ7
M/D3b7JoX0m123NcCSn67mAdjBa6Bg6kukZgCP4ZUZeESajWX/EjylFcRFOXW57p
RDCEN42J/jYlVqt+g9+Grker8Sz86H3l0tbqOdjbz/VxHYhwF0ctUMHsyVRDq2QP
tqzNXlmlMhS/PoFr6R4u/7HCn/K+LegcO2fAFOb40KvKSKKVD6lewUZErhop1CgJ
XjDtGmmO9dGMF71mf6HEfaKSdy+EE6iSF2A2Vv9QhBawMiq2kOzEiLg4nAdJT8wg
ZrMAmPCqGIsXNGZ4/Q+YTwwlce3glqb5L9tfNozEdSR9N85DESfQLQEdY3CalwKM
BT1OEhEX1wHRCU4drMOej6BNW0VtscGtHmCrs74jPezhwNT8ypkyS+T0zT4Tsy6f
VXkJ8YSHyenSzMB2Op2bvsE3grY+s74WhG9UIA6DBxcTie15NSzKwfzaoNWODcLF
p7BY8aaHE2MqFxYFX+IbjpkQRfaeQQsouDFdCkXEFVfPpbD2dk6FleaMTPuyxtIT
gjVEtGQK2qGCFGiQHFd4hfV+eCA63Jro1z0zoBM5BbIIQ3+eVFwt3AlZp5UVwr6d
secqki/yrmv3Y0dqZ9VOn3UCAwEAAQ==
-----END PUBLIC KEY-----`
)

var openShiftPolicyScopes = []configv1.ImageScope{
	"quay.io/openshift-release-dev/ocp-release",
	"quay.io/openshift-release-dev/ocp-v4.0-art-dev",
	"quay.io/openshift-release-dev/ocp-v5.0-art-dev",
}

// releaseAnnotationPrefix marks the manifests of a release payload; the
// cluster version operator keeps them on the objects it creates.
const releaseAnnotationPrefix = "include.release.openshift.io/"

// OpenShiftDefaultPolicy returns the default ClusterImagePolicy "openshift"
// that current OpenShift clusters carry: Red Hat's release key required for
// the release and art-dev repositories of quay.io/openshift-release-dev,
// with the default signedIdentity (matchRepoDigestOrExact).
func OpenShiftDefaultPolicy() *configv1.ClusterImagePolicy {
	return &configv1.ClusterImagePolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: configv1.GroupVersion.String(), Kind: string(KindClusterImagePolicy)},
		ObjectMeta: metav1.ObjectMeta{
			Name: OpenShiftPolicyName,
			Annotations: map[string]string{
				"kubernetes.io/description":                                "Require Red Hat signatures for quay.io/openshift-release-dev/ocp-release container images.",
				"exclude.release.openshift.io/internal-openshift-hosted":   "true",
				releaseAnnotationPrefix + "self-managed-high-availability": "true",
			},
		},
		Spec: configv1.ClusterImagePolicySpec{
			Scopes: append([]configv1.ImageScope(nil), openShiftPolicyScopes...),
			Policy: configv1.ImageSigstoreVerificationPolicy{
				RootOfTrust: configv1.PolicyRootOfTrust{
					PolicyType: configv1.PublicKeyRootOfTrust,
					PublicKey:  &configv1.ImagePolicyPublicKeyRootOfTrust{KeyData: []byte(openShiftReleaseKey)},
				},
			},
		},
	}
}

// builtInSource names the default policy in messages.
var builtInSource = Source{File: "(built-in default ClusterImagePolicy openshift)", Doc: 1, Item: -1}

// addOpenShiftDefault decodes the default policy like any input, unless the
// inputs define a ClusterImagePolicy of that name (as "oc get" output of a
// cluster does): that one stands, and a note says so.
func (d *decoder) addOpenShiftDefault() error {
	for _, o := range d.set.Objects {
		if o.Kind == KindClusterImagePolicy && o.Meta.Name == OpenShiftPolicyName {
			d.note(o.Source, "the inputs define ClusterImagePolicy openshift: the built-in default is not added")
			return nil
		}
	}
	data, err := json.Marshal(OpenShiftDefaultPolicy())
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	if err := d.decodeObject(builtInSource, m); err != nil {
		return err
	}
	d.set.Objects[len(d.set.Objects)-1].BuiltIn = true
	return nil
}

// ReservedName reports whether the object is a ClusterImagePolicy whose
// name begins with "openshift": the product reserves those names for the
// system.
func (o *Object) ReservedName() bool {
	return o.Kind == KindClusterImagePolicy && strings.HasPrefix(o.Meta.Name, "openshift")
}

// ReleaseManaged reports whether the object comes from the release payload:
// the built-in default, or an object carrying the payload's
// include.release.openshift.io/ annotations (as the cluster version operator
// leaves them on what it creates).
func (o *Object) ReleaseManaged() bool {
	if o.BuiltIn {
		return true
	}
	for k := range o.Meta.Annotations {
		if strings.HasPrefix(k, releaseAnnotationPrefix) {
			return true
		}
	}
	return false
}

// UserReservedName reports a user-made object with a reserved name: what
// lint flags.
func (o *Object) UserReservedName() bool { return o.ReservedName() && !o.ReleaseManaged() }
