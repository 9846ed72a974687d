//go:build !race

package worker

import "time"

// cancelWithin is how soon a cancelled batch must return.
const cancelWithin = time.Second
