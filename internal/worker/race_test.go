//go:build race

package worker

import "time"

// cancelWithin is how soon a cancelled batch must return. The race detector
// slows the engine several times, its scenario loading (which does not
// check the context) too, so the limit is longer under it.
const cancelWithin = 3 * time.Second
