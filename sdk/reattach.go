package sdk

import (
	"encoding/json"
	"fmt"
	"net"

	"github.com/hashicorp/go-plugin"
)

// ReattachEnv names the environment variable that hands the host plugins
// already running, for debugging (Terraform's TF_REATTACH_PROVIDERS): a JSON
// object from executor name to Reattach. `bilancio-executor-NAME debug`
// serves the plugin in the foreground (under a debugger, say) and prints the
// line to paste into the host's shell.
const ReattachEnv = "BILANCIO_REATTACH_EXECUTORS"

// Reattach says where a running plugin listens.
type Reattach struct {
	Protocol        string       `json:"protocol"`
	ProtocolVersion int          `json:"protocol_version"`
	Pid             int          `json:"pid"`
	Test            bool         `json:"test"`
	Addr            ReattachAddr `json:"addr"`
}

// ReattachAddr is a network address in Reattach.
type ReattachAddr struct {
	Network string `json:"network"`
	String  string `json:"string"`
}

// ParseReattach reads the value of ReattachEnv.
func ParseReattach(value string) (map[string]Reattach, error) {
	var m map[string]Reattach
	if err := json.Unmarshal([]byte(value), &m); err != nil {
		return nil, fmt.Errorf("reading %s: %w", ReattachEnv, err)
	}
	return m, nil
}

// Config returns the go-plugin reattach configuration. The host connects
// with ClientConfig{Reattach: cfg, Plugins: PluginSets[cfg.ProtocolVersion]}
// (reattaching skips version negotiation) and without AutoMTLS or
// SecureConfig, which do not apply.
func (r Reattach) Config() (*plugin.ReattachConfig, error) {
	var addr net.Addr
	var err error
	switch r.Addr.Network {
	case "unix", "unixgram", "unixpacket":
		addr, err = net.ResolveUnixAddr(r.Addr.Network, r.Addr.String)
	case "tcp", "tcp4", "tcp6":
		addr, err = net.ResolveTCPAddr(r.Addr.Network, r.Addr.String)
	default:
		err = fmt.Errorf("unknown network %q", r.Addr.Network)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the address of a reattached plugin: %w", err)
	}
	if r.Protocol != string(plugin.ProtocolGRPC) {
		return nil, fmt.Errorf("reattaching a plugin: protocol %q, want %q", r.Protocol, plugin.ProtocolGRPC)
	}
	return &plugin.ReattachConfig{
		Protocol:        plugin.ProtocolGRPC,
		ProtocolVersion: r.ProtocolVersion,
		Addr:            addr,
		Pid:             r.Pid,
		Test:            r.Test,
	}, nil
}

// reattachFor is the Reattach of a running plugin.
func reattachFor(rc *plugin.ReattachConfig) Reattach {
	return Reattach{
		Protocol:        string(rc.Protocol),
		ProtocolVersion: rc.ProtocolVersion,
		Pid:             rc.Pid,
		Test:            rc.Test,
		Addr:            ReattachAddr{Network: rc.Addr.Network(), String: rc.Addr.String()},
	}
}
