package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// How errors cross the plugin boundary. The plugin side turns an executor's
// error into a gRPC status whose code stands for the sentinel it wraps and
// whose message is the error's text; the host side turns the status back
// into an error with the same text that errors.Is matches against the same
// sentinel. Statuses that the executor's error itself wraps (a cloud SDK's
// gRPC errors) are not forwarded as they are: their codes would be mistaken
// for the state of the plugin connection.

// sentinels are the errors that keep their identity across the boundary, in
// the order they are looked for.
func sentinels() []error {
	return []error{context.Canceled, context.DeadlineExceeded, ErrNotSupported, ErrNotFound, ErrInvalidConfig}
}

// codeOf is the status code that stands for a sentinel error.
func codeOf(sentinel error) codes.Code {
	switch sentinel {
	case context.Canceled:
		return codes.Canceled
	case context.DeadlineExceeded:
		return codes.DeadlineExceeded
	case ErrNotSupported:
		return codes.Unimplemented
	case ErrNotFound:
		return codes.NotFound
	case ErrInvalidConfig:
		return codes.InvalidArgument
	}
	return codes.Unknown
}

// sentinelOf is the sentinel error a status code stands for (nil for none).
func sentinelOf(code codes.Code) error {
	for _, s := range sentinels() {
		if codeOf(s) == code {
			return s
		}
	}
	return nil
}

// toStatus is the plugin-side conversion of an executor's error.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	code := codes.Unknown
	for _, s := range sentinels() {
		if errors.Is(err, s) {
			code = codeOf(s)
			break
		}
	}
	return status.Error(code, err.Error())
}

// remoteError is an executor's error as the host sees it: the plugin's text,
// matching the sentinel its status code stands for.
type remoteError struct {
	msg  string
	kind error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }

// crashWait is how long the host waits for the plugin-lifetime context to
// close before it decides that a broken call is not a crash.
const crashWait = 250 * time.Millisecond

// callError turns the error of a gRPC call (doing says what it was doing,
// method names the RPC) into the error the host's caller sees:
//   - the caller's ctx.Err() when the caller's context is done;
//   - an error wrapping ErrPluginCrashed when the connection broke
//     (Unavailable) or the call was cut while the plugin process exited;
//   - otherwise the executor's own error, wrapped with what was being done.
func callError(ctx, pluginCtx context.Context, doing, method string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	st, ok := status.FromError(err)
	if !ok {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return crashed(method, err.Error())
		}
		return fmt.Errorf("%s: %w", doing, err)
	}
	switch st.Code() {
	case codes.Unavailable:
		return crashed(method, st.Message())
	case codes.Canceled:
		// Cancelled without the caller asking: the plugin side went away,
		// unless its process is still alive (then it is the executor's own
		// cancellation). Give the plugin's exit a moment to be noticed.
		t := time.NewTimer(crashWait)
		defer t.Stop()
		select {
		case <-pluginCtx.Done():
		case <-t.C:
		}
		if pluginCtx.Err() != nil {
			return crashed(method, st.Message())
		}
	}
	return fmt.Errorf("%s: %w", doing, &remoteError{msg: st.Message(), kind: sentinelOf(st.Code())})
}

func crashed(method, detail string) error {
	return fmt.Errorf("%w: it failed to respond to the %s call (%s); its log above may say why", ErrPluginCrashed, method, detail)
}
