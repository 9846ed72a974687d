package pluginhost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// describeTimeout bounds `PATH describe`.
const describeTimeout = 10 * time.Second

// maxDescribeOutput bounds what `PATH describe` may print.
const maxDescribeOutput = 1 << 20

// ProtocolError reports a plugin that speaks no protocol version this
// bilancio speaks. It wraps sdk.ErrIncompatibleProtocol.
type ProtocolError struct {
	// Plugin is the binary's file name.
	Plugin string
	// PluginVersions are the versions the plugin speaks (as far as known),
	// HostVersions those of this bilancio.
	PluginVersions, HostVersions []int
}

// Error implements error.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("plugin %s speaks protocol versions %v; this bilancio speaks %v (install a version of the plugin built for this bilancio, or upgrade bilancio)",
		e.Plugin, e.PluginVersions, e.HostVersions)
}

// Unwrap makes errors.Is(err, sdk.ErrIncompatibleProtocol) hold.
func (e *ProtocolError) Unwrap() error { return sdk.ErrIncompatibleProtocol }

// checkProtocol returns a *ProtocolError when info shares no protocol
// version with the host.
func checkProtocol(path string, info *sdk.Info) error {
	if _, err := sdk.NegotiateProtocol(info.ProtocolVersions); err != nil {
		return &ProtocolError{Plugin: filepath.Base(path), PluginVersions: info.ProtocolVersions, HostVersions: sdk.ProtocolVersions()}
	}
	return nil
}

// DescribeBinary runs `PATH describe` — no handshake, no server — and
// returns the Info the plugin prints as JSON. It is how `bilancio plugins
// install` learns a binary's name before it has a checksum; it does not
// verify a checksum itself. The plugin runs with the minimal environment
// Open gives plugins, plus env ("KEY=value").
func DescribeBinary(ctx context.Context, path string, env ...string) (*sdk.Info, error) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // never looked up in $PATH
	}
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "describe")
	cmd.Env = append(pluginEnv(nil), env...)
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = time.Second
	var stdout limitedBuffer
	stdout.limit = maxDescribeOutput
	var stderr stderrTail
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("running %s describe: %w", path, ctxErr)
	}
	if err != nil {
		if msg := strings.Join(stderr.summary(), "; "); msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return nil, fmt.Errorf("running %s describe: %w", path, err)
	}
	if stdout.overflow {
		return nil, fmt.Errorf("running %s describe: more than %d bytes of output", path, maxDescribeOutput)
	}
	var info sdk.Info
	dec := json.NewDecoder(bytes.NewReader(stdout.buf.Bytes()))
	if err := dec.Decode(&info); err != nil {
		return nil, fmt.Errorf("running %s describe: its output is not an executor description: %w", path, err)
	}
	if info.Name == "" {
		return nil, fmt.Errorf("running %s describe: the description has no name", path)
	}
	return &info, nil
}

// limitedBuffer is a bytes.Buffer that keeps at most limit bytes.
type limitedBuffer struct {
	buf      bytes.Buffer
	limit    int
	overflow bool
}

// Write implements io.Writer; it never fails, so the child never blocks.
func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.buf.Len(); len(p) > room {
		b.overflow = true
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}
