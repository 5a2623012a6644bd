// Package node reads what a node enforces: containers-policy.json (parsed as
// strictly as the containers image library parses it), registries.d
// directories, and the scope resolution that picks the requirements for one
// image reference.
package node
