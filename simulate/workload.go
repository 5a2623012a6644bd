package simulate

import "github.com/sigpolicy/sigpolicy/policy"

// DefaultNamespace is the namespace of a workload whose manifest names none,
// as kubectl applies it without --namespace.
const DefaultNamespace = "default"

// ContainerKind says which list of the pod spec a container comes from.
type ContainerKind string

// The three container lists of a pod spec.
const (
	RegularContainer   ContainerKind = "container"
	InitContainer      ContainerKind = "initContainer"
	EphemeralContainer ContainerKind = "ephemeralContainer"
)

// Workload is one object that runs pods.
type Workload struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind"`
	Namespace  string        `json:"namespace"`
	Name       string        `json:"name"`
	Source     policy.Source `json:"-"`
}

// Ref is "Kind/name", as kubectl names objects.
func (w Workload) Ref() string { return w.Kind + "/" + w.Name }

// Container is one image a workload pulls.
type Container struct {
	Workload Workload      `json:"workload"`
	Name     string        `json:"container"`
	Kind     ContainerKind `json:"containerKind"`
	Image    string        `json:"image"`
}

// Inventory is every container read from the inputs, in input order, with
// notes on the documents that were skipped.
type Inventory struct {
	Containers []Container
	Notes      []policy.Note
}
