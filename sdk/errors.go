package sdk

import "errors"

// Errors that keep their identity across the plugin boundary: an executor
// returns (a wrapping of) one of them, and the host's errors.Is sees it
// again on its side of the gRPC connection.
var (
	// ErrNotSupported: the executor does not do this (List, Fetch and Remove
	// without the Artifacts capability, Estimate without Estimate, or an RPC
	// that a plugin built against an older protocol does not know).
	ErrNotSupported = errors.New("not supported by this executor")
	// ErrNotFound: Fetch or Remove named an artifact that does not exist.
	ErrNotFound = errors.New("artifact not found")
	// ErrInvalidConfig: Configure refused the configuration.
	ErrInvalidConfig = errors.New("invalid executor configuration")
)

// ErrPluginCrashed is what the host gets when the plugin process died or
// stopped answering during a call (Terraform's "the plugin encountered an
// error, and failed to respond to the X call").
var ErrPluginCrashed = errors.New("the executor plugin crashed")

// ErrIncompatibleProtocol is returned by NegotiateProtocol when the host and
// a plugin share no protocol version.
var ErrIncompatibleProtocol = errors.New("incompatible executor protocol")
