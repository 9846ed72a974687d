package pluginhost

import (
	"os"
	"runtime"
)

// passedEnv are the host's environment variables a plugin inherits; all
// others (credentials of other executors above all) stay behind unless
// passed explicitly with WithEnv.
func passedEnv() []string {
	keys := []string{
		"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "TZ", "LANG", "LC_ALL", "LC_CTYPE",
		"SSL_CERT_FILE", "SSL_CERT_DIR",
		"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
		"BILANCIO_LOG", "BILANCIO_LOG_PLUGIN",
	}
	if runtime.GOOS == "windows" {
		keys = append(keys, "SystemRoot", "SYSTEMROOT", "TEMP", "TMP", "APPDATA", "LOCALAPPDATA", "USERPROFILE", "PATHEXT", "ComSpec")
	}
	return keys
}

// pluginEnv is the environment a plugin process starts with: the allowed
// variables of the host's environment, then extra ("KEY=value", which win).
func pluginEnv(extra []string) []string {
	var env []string
	for _, k := range passedEnv() {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}
