// Command bilancio-executor-modal is bilancio's Modal executor plugin: it
// runs batches of simulations in Modal sandboxes (see package modal).
// bilancio starts it; `bilancio-executor-modal describe` prints what it is.
package main

import (
	"github.com/bilancio-go/bilancio/plugins/modal"
	"github.com/bilancio-go/bilancio/sdk"
)

func main() {
	sdk.Main(modal.New())
}
