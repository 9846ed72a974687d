package sweep

import (
	"slices"

	"github.com/bilancio-go/bilancio/internal/atomicfile"
)

// writeFileAtomic writes data to path through a temporary file in the same
// folder, synced and renamed into place: a reader (or a sweep killed
// half-way) sees the old file or the new one, never a part of one.
func writeFileAtomic(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o644)
}

// sortedKeys returns a map's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
