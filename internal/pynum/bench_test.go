package pynum

import "testing"

// BenchmarkAppendAmountJSONMix prints the amounts of an event log as its JSON
// writers do: Decimals integral or not, ints.
func BenchmarkAppendAmountJSONMix(b *testing.B) {
	vals := []Amount{Dec(5000, 0), Dec(500, -1), Int(36), Dec(8333333333333334, -13), Dec(1250, 0), Dec(0, -2), Dec(-7, 0), Dec(12500, -2)}
	buf := make([]byte, 0, 64)
	for b.Loop() {
		for _, v := range vals {
			buf = AppendAmountJSON(buf[:0], v)
		}
	}
}
