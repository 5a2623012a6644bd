package policy

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"slices"
	"strings"
	"testing"
)

// TestOpenShiftDefaultPolicy pins the default policy to the facts of
// cluster-update-keys (see defaultpolicy.go): the key is Red Hat's RSA 4096
// release key, identified by the SHA-256 of its DER encoding as computed
// from the upstream manifest, and the scopes are the three release
// repositories.
func TestOpenShiftDefaultPolicy(t *testing.T) {
	p := OpenShiftDefaultPolicy()
	block, rest := pem.Decode(p.Spec.Policy.RootOfTrust.PublicKey.KeyData)
	if block == nil || len(rest) != 0 || block.Type != "PUBLIC KEY" {
		t.Fatalf("key data is not one PEM public key")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if rk, ok := key.(*rsa.PublicKey); !ok || rk.N.BitLen() != 4096 {
		t.Errorf("key %T, want RSA 4096", key)
	}
	sum := sha256.Sum256(block.Bytes)
	if got := hex.EncodeToString(sum[:]); got != "ba9d26350d78893a20f337e2153a113108bfcf064085afaee60d446e63405576" {
		t.Errorf("key fingerprint %s", got)
	}
	var scopes []string
	for _, s := range p.Spec.Scopes {
		scopes = append(scopes, string(s))
	}
	if !slices.Equal(scopes, []string{"quay.io/openshift-release-dev/ocp-release", "quay.io/openshift-release-dev/ocp-v4.0-art-dev", "quay.io/openshift-release-dev/ocp-v5.0-art-dev"}) {
		t.Errorf("scopes %q", scopes)
	}
	if p.Name != "openshift" || p.Spec.Policy.SignedIdentity != nil {
		t.Errorf("name %q, signedIdentity %v", p.Name, p.Spec.Policy.SignedIdentity)
	}
}

func TestIncludeOpenShiftDefault(t *testing.T) {
	opts := LoadOptions{IncludeOpenShiftDefault: true}
	set, err := LoadReader("in.yaml", strings.NewReader(idms("release", "quay.io/openshift-release-dev=mirror.example.net/ocp")), opts)
	if err != nil {
		t.Fatal(err)
	}
	if errs := set.Validate(); len(errs) > 0 || len(set.Objects) != 1 {
		t.Fatalf("errors %v, objects %d", errs, len(set.Objects))
	}
	o := set.Objects[0]
	if !o.BuiltIn || o.Ref() != "openshift" || !strings.Contains(o.Source.String(), "built-in") || len(o.TrustMaterialErrors()) > 0 {
		t.Fatalf("object %+v", o)
	}
	if !o.ReservedName() || o.UserReservedName() {
		t.Errorf("reserved %v, user-made reserved %v", o.ReservedName(), o.UserReservedName())
	}
	// The release repositories are then verified, and read from the mirror.
	r, err := Render(set, RenderOptions{Now: goldenTime})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mirror.example.net/ocp/ocp-release:", "quay.io/openshift-release-dev/ocp-v5.0-art-dev:"} {
		if !strings.Contains(string(r.RegistriesD), want) {
			t.Errorf("registries.d lacks %s:\n%s", want, r.RegistriesD)
		}
	}

	// Inputs that define the policy win.
	set, err = LoadReader("in.yaml", strings.NewReader(cip("openshift", "quay.io/openshift-release-dev/ocp-release")), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Objects) != 1 || set.Objects[0].BuiltIn || len(set.Notes) != 1 {
		t.Fatalf("objects %d, notes %v", len(set.Objects), set.Notes)
	}
	if !set.Objects[0].UserReservedName() {
		t.Error("a user's openshift policy is not flagged")
	}
	// Nothing at all is still no input.
	if _, err := LoadReader("in.yaml", strings.NewReader("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), opts); err != ErrNoObjects {
		t.Errorf("err = %v, want ErrNoObjects", err)
	}
}

func TestReservedNames(t *testing.T) {
	released := strings.Replace(cip("openshift-extra", "example.com"), "  name: openshift-extra\n",
		"  name: openshift-extra\n  annotations:\n    include.release.openshift.io/self-managed-high-availability: \"true\"\n", 1)
	set := loadValid(t, docs(cip("openshift-mine", "example.com"), released, cip("my-openshift", "quay.io"), ip("ns", "openshift-x", "quay.io/x")))
	for i, want := range []struct{ reserved, user bool }{{true, true}, {true, false}, {false, false}, {false, false}} {
		o := set.Objects[i]
		if o.ReservedName() != want.reserved || o.UserReservedName() != want.user {
			t.Errorf("%s %s: reserved %v, user-made reserved %v; want %v, %v", o.Kind, o.Ref(), o.ReservedName(), o.UserReservedName(), want.reserved, want.user)
		}
	}
}
