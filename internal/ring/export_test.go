package ring

// The test helpers the external tests (package ring_test) use.
var (
	MustDec     = mustDec
	CompareYAML = compareYAML
)
