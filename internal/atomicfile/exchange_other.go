//go:build !linux

package atomicfile

// exchange swaps the folders a and b with two renames.
func exchange(a, b string) error { return renameAside(a, b) }
