// Package lint reports what the Machine Config Operator and CRI-O will make
// of a set of cluster objects that validation alone does not say: objects
// the API server refuses, trust material the node cannot load, sets the MCO
// refuses to render, ImagePolicy scopes it drops or lets through its
// tag/digest nesting hole, scopes whose policies are ANDed, scopes that
// shadow broader ones, and identity rules that refuse common signatures.
//
// [Run] returns typed [Finding]s, most severe first (in the order of the
// checks within a severity); a finding of severity error or warning means the set does not
// do what it appears to.
package lint
