package sdk

import (
	"os"

	"github.com/hashicorp/go-hclog"
)

// Environment variables that set a plugin's log level (trace, debug, info,
// warn, error, off). The host passes them on to the plugins it starts.
const (
	LogPluginEnv = "BILANCIO_LOG_PLUGIN"
	LogEnv       = "BILANCIO_LOG"
)

// NewLogger returns a logger for a plugin: hclog, one JSON object per line on
// stderr, which the host reads and re-emits under its own logger at each
// line's level. The level comes from BILANCIO_LOG_PLUGIN, else BILANCIO_LOG,
// else info. A plugin logs through it (or another hclog JSON logger on
// stderr) and never writes to stdout, which carries the go-plugin handshake.
func NewLogger(name string) hclog.Logger {
	level := hclog.Info
	for _, env := range []string{LogPluginEnv, LogEnv} {
		if v := os.Getenv(env); v != "" {
			if l := hclog.LevelFromString(v); l != hclog.NoLevel {
				level = l
				break
			}
		}
	}
	return hclog.New(&hclog.LoggerOptions{
		Name:       name,
		Level:      level,
		Output:     os.Stderr,
		JSONFormat: true,
	})
}
