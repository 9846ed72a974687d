package commands

import (
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
)

// builtinExecutors are the executors compiled into bilancio: the local one,
// which sweeps run in process unless asked to use its plugin binary.
func builtinExecutors() pluginhost.Builtins {
	return pluginhost.Builtins{local.Name: func() sdk.Executor { return local.New() }}
}
