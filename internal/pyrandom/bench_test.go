package pyrandom

import "testing"

func BenchmarkGammavariate(b *testing.B) {
	for _, alpha := range []float64{0.2, 1, 2} {
		b.Run("", func(b *testing.B) {
			r := New(42)
			for b.Loop() {
				if _, err := r.Gammavariate(alpha, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRandom(b *testing.B) {
	r := New(42)
	for b.Loop() {
		r.Random()
	}
}
