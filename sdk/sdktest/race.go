//go:build race

package sdktest

// raceEnabled: the race detector slows code down several times, so the
// suite's default time limits are longer.
const raceEnabled = true
