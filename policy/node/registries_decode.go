package node

import "go.yaml.in/yaml/v3"

// decodeRegistriesFile is yaml.Unmarshal(contents, &registriesFile{}), as the
// library decodes a registries.d file, in linear time: yaml.v3 checks every
// mapping for duplicate keys by comparing each key with every later one,
// which makes a file with thousands of scopes quadratic. Plain documents —
// a mapping of string keys, no anchors, aliases or merge keys at the top
// two levels, no duplicate key — are decoded entry by entry with a linear
// duplicate check; anything else, and any error, goes through
// yaml.Unmarshal itself, so acceptance, results and error text are the
// library's.
func decodeRegistriesFile(contents []byte) (registriesFile, error) {
	if file, ok := decodePlainRegistriesFile(contents); ok {
		return file, nil
	}
	var file registriesFile
	err := yaml.Unmarshal(contents, &file)
	return file, err
}

func decodePlainRegistriesFile(contents []byte) (registriesFile, bool) {
	var file registriesFile
	var doc yaml.Node
	if yaml.Unmarshal(contents, &doc) != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return file, false
	}
	top := doc.Content[0]
	if !plainMapping(top) {
		return file, false
	}
	for i := 0; i < len(top.Content); i += 2 {
		value := top.Content[i+1]
		switch top.Content[i].Value {
		case "default-docker":
			if value.Kind != yaml.MappingNode || value.Anchor != "" || value.Decode(&file.DefaultDocker) != nil {
				return file, false
			}
		case "docker":
			if !plainMapping(value) {
				return file, false
			}
			file.Docker = make(map[string]RegistryNamespace, len(value.Content)/2)
			for j := 0; j < len(value.Content); j += 2 {
				entry := value.Content[j+1]
				var ns RegistryNamespace
				if entry.Kind != yaml.MappingNode || entry.Anchor != "" || entry.Decode(&ns) != nil {
					return file, false
				}
				file.Docker[value.Content[j].Value] = ns
			}
		}
	}
	return file, true
}

// plainMapping reports whether n is a mapping without anchor whose keys are
// distinct plain strings (no merge key), checked in linear time.
func plainMapping(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode || n.Anchor != "" || n.Tag != "!!map" {
		return false
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" || k.Anchor != "" || k.Value == "<<" || seen[k.Value] {
			return false
		}
		seen[k.Value] = true
	}
	return true
}
