package sweep

import (
	"context"
	"testing"
	"time"
)

func TestPilotSeconds(t *testing.T) {
	for _, c := range []struct {
		wall, busy time.Duration
		runs       int
		want       float64
	}{
		{time.Second, 800 * time.Millisecond, 4, 0.25}, // runs one at a time: the wall time, overhead included
		{time.Second, 2 * time.Second, 4, 0.5},         // two arms at once: the runs' own time
		{0, 0, 1, 0},
	} {
		if got := pilotSeconds(c.wall, c.busy, c.runs); got != c.want {
			t.Errorf("pilotSeconds(%v, %v, %d) = %v, want %v", c.wall, c.busy, c.runs, got, c.want)
		}
	}
}

// A pilot of a paired sweep times the first points of both arms.
func TestPilotPaired(t *testing.T) {
	spec := smallPaired(t.TempDir(), KindComparison)
	secs, ran, err := Pilot(context.Background(), spec, 2, t.TempDir(), inProcess(t))
	if err != nil {
		t.Fatal(err)
	}
	if ran != 4 || secs <= 0 {
		t.Errorf("pilot ran %d runs at %v s each, want 4 runs (2 points × 2 arms)", ran, secs)
	}
}
