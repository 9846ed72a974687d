package sweep

import (
	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
)

// testBuiltins is the local executor built in, as the commands provide it.
func testBuiltins() Builtins {
	return Builtins{LocalExecutor: func() sdk.Executor { return local.New() }}
}
