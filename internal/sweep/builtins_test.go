package sweep

import (
	"context"
	"testing"

	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
)

// inProcess opens the local executor in this process, configured by
// default, as the commands do for a sweep without an executor block.
func inProcess(t testing.TB) ExecutorOpener {
	t.Helper()
	return func(ctx context.Context) (sdk.Executor, func() error, error) {
		ex := local.New()
		if err := ex.Configure(ctx, &sdk.Config{}); err != nil {
			return nil, nil, err
		}
		return ex, func() error { return nil }, nil
	}
}
