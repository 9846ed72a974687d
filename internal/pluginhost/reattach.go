package pluginhost

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/bilancio-go/bilancio/sdk"
)

// Reattached reads sdk.ReattachEnv (BILANCIO_REATTACH_EXECUTORS): the
// executors someone started by hand with `bilancio-executor-NAME debug`
// (under a debugger, say), which the host connects to instead of starting
// them. getenv is os.Getenv when nil. It returns nil when the variable is
// not set.
func Reattached(getenv func(string) string) (map[string]sdk.Reattach, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	v := getenv(sdk.ReattachEnv)
	if v == "" {
		return nil, nil
	}
	m, err := sdk.ParseReattach(v)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("reading %s: %w", sdk.ReattachEnv, err)
		}
	}
	return m, nil
}

// OpenReattached connects to the running plugin of executor name that r
// describes (see Reattached). There is no checksum to verify and no AutoMTLS
// (neither applies to a process the host did not start), and the protocol
// version is r's (reattaching skips negotiation). Close disconnects; a
// plugin served in debug mode keeps running, one that is not is shut down.
func OpenReattached(ctx context.Context, name string, r sdk.Reattach, opts ...OpenOption) (*Plugin, error) {
	cfg := openConfig{startTimeout: DefaultStartTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = hclog.NewNullLogger()
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	rc, err := r.Config()
	if err != nil {
		return nil, fmt.Errorf("reattaching the %s executor: %w", name, err)
	}
	set, ok := sdk.PluginSets[rc.ProtocolVersion]
	if !ok {
		return nil, &ProtocolError{Plugin: fmt.Sprintf("%s (reattached, pid %d)", BinaryName(name), r.Pid),
			PluginVersions: []int{rc.ProtocolVersion}, HostVersions: sdk.ProtocolVersions()}
	}
	p := &Plugin{
		name: name, path: fmt.Sprintf("%s (reattached, pid %d)", BinaryName(name), r.Pid),
		pid: r.Pid, tail: &stderrTail{}, reattached: true, startTimeout: cfg.startTimeout, liveness: cfg.liveness,
		log: cfg.logger.Named("executor." + name), lifeCancel: func() {},
	}
	p.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          set,
		Reattach:         rc,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           p.log,
		StartTimeout:     cfg.startTimeout,
	})
	rpc, err := p.client.Client()
	if err == nil {
		err = p.dispense(ctx, rpc)
	}
	if err != nil {
		_ = p.Close()
		return nil, fmt.Errorf("reattaching the %s executor: %w", name, err)
	}
	return p, nil
}

// disconnect closes the connection to a reattached plugin (go-plugin's Kill
// shuts down one that is not in debug mode), within closeTimeout.
func (p *Plugin) disconnect() error {
	done := make(chan struct{})
	go func() {
		// Kill shuts down a plugin not in debug mode and does nothing to
		// one in debug mode, whose connection is then closed here: only
		// the connection, as the client's Close would also shut it down,
		// and the plugin under the debugger should outlive this bilancio.
		p.client.Kill()
		if g, ok := p.rpc.(*plugin.GRPCClient); ok {
			_ = g.Conn.Close()
		}
		close(done)
	}()
	t := time.NewTimer(closeTimeout)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		return fmt.Errorf("disconnecting from %s: still busy after %s", p.path, closeTimeout)
	}
}
