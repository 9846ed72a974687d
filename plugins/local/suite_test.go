package local_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/bilancio-go/bilancio/plugins/local"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/sdktest"
)

// The executor passes the conformance suite called directly, through the
// plugin protocol in process, and as the plugin binary started as bilancio
// starts it. Its storage is its root directory, so the batches land in
// <root>/<experiment>/runs, as the host lands them.
func TestConformance(t *testing.T) {
	for _, c := range []struct {
		name    string
		connect func(*testing.T) sdk.Executor
	}{
		{"inprocess", func(*testing.T) sdk.Executor { return local.New() }},
		{"grpc", func(t *testing.T) sdk.Executor { return sdktest.GRPC(t, local.New()) }},
		{"subprocess", func(t *testing.T) sdk.Executor { return subprocess(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			cfg, err := json.Marshal(map[string]any{"root": root, "parallel": 2})
			if err != nil {
				t.Fatal(err)
			}
			s := &sdktest.Suite{
				New:    c.connect,
				Config: cfg,
				OutRoot: func(_ *testing.T, experimentID string) string {
					return filepath.Join(root, filepath.FromSlash(experimentID), "runs")
				},
			}
			s.RunTests(t)
		})
	}
}
