package report

// For the tests of package report_test (figures_test.go).

func TinyDashboard() *Dashboard              { return tinyDashboard() }
func LHSDashboard() *Dashboard               { return lhsDashboard() }
func SyntheticPairs(trades bool) []PairedRow { return syntheticPairs(trades) }

const BinsFacet = binsFacet
