// Command bilancio-executor-modal is bilancio's Modal executor plugin: it
// runs batches of simulations in Modal sandboxes (see package modal).
// bilancio starts it; `bilancio-executor-modal describe` prints what it is.
package main

import (
	"os"

	"github.com/bilancio-go/bilancio/plugins/modal"
	"github.com/bilancio-go/bilancio/sdk"
)

func main() {
	ex := modal.New()
	if len(os.Args) > 1 && os.Args[1] != "serve" {
		sdk.Main(ex) // describe, debug: it exits
	}
	sdk.Serve(ex)
	// The host shut the plugin down: end the sandbox kept between calls.
	ex.Close()
}
