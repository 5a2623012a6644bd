package bench

import "os"

// tempDir holds the catalogue for the whole benchmark run; the OS cleans it.
func tempDir() (string, error) { return os.MkdirTemp("", "sigpolicy-bench-") }
