package sdk

import (
	"fmt"
	"slices"
)

// APIVersion is the protocol version as `describe` prints it and as plugin
// file names carry it (Packer style: x<major>.<minor>). The minor grows when
// optional fields or RPCs are added; Info.Capabilities says which of them a
// plugin has.
const APIVersion = "x1.2"

// ProtocolVersions returns the major protocol versions this SDK speaks,
// newest first. They are the keys of PluginSets and what the host offers a
// plugin in the go-plugin handshake (PLUGIN_PROTOCOL_VERSIONS).
//
// Negotiation: the plugin serves the newest version that both sides know. A
// plugin that knows none of the host's versions still answers the handshake,
// with its own version, and go-plugin's Client() fails at once with
// "incompatible API version with plugin. Plugin version: N, Client versions:
// [...]" — never a hang. The host should check a plugin's `describe` output
// with NegotiateProtocol before it starts the plugin (at install time), and
// wrap a Client() failure in an error naming the plugin.
func ProtocolVersions() []int { return []int{ProtocolVersion} }

// NegotiateProtocol returns the newest protocol version in both this SDK's
// ProtocolVersions and the plugin's (Info.ProtocolVersions), or an error
// wrapping ErrIncompatibleProtocol that names both lists.
func NegotiateProtocol(plugin []int) (int, error) {
	for _, v := range ProtocolVersions() {
		if slices.Contains(plugin, v) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: the plugin speaks protocol versions %v, this bilancio speaks %v; install a version of the plugin built for protocol %d",
		ErrIncompatibleProtocol, plugin, ProtocolVersions(), ProtocolVersion)
}
