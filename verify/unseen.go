package verify

import (
	"fmt"

	"github.com/sigpolicy/sigpolicy/fetch"
)

// unseenNotes words what fetch found beside a missing `.sig` attachment.
func unseenNotes(u *fetch.Unseen) []string {
	if u == nil {
		return nil
	}
	var notes []string
	for _, r := range u.Referrers {
		kind := "a cosign bundle signature"
		if r.ArtifactType == "application/vnd.dev.cosign.artifact.sig.v1+json" {
			kind = "a cosign signature stored as an OCI referrer"
		}
		notes = append(notes, fmt.Sprintf("%s exists, but CRI-O reads only .sig attachments (%s@%s, found through the %s)", kind, r.Repository, r.Digest, r.Via))
	}
	if u.IndexSignature != "" {
		notes = append(notes, fmt.Sprintf("the manifest list is signed (%s), but CRI-O checks the signature of the platform image it pulls, which has none", u.IndexSignature))
	}
	if u.OriginSignature != "" {
		notes = append(notes, fmt.Sprintf("the origin has a signature (%s) that the mirror serving the image does not", u.OriginSignature))
	}
	return notes
}
