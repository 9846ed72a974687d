package modalemu

import (
	"context"
	"os"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// outputBuffer keeps a process's whole output stream, so that a reader can
// (re)start at any byte offset (exec and V2 sandbox stdio,
// task_command_router_client.go:1146-1284) or after any chunk (V1 sandbox
// logs, whose entry ids count chunks), and wakes readers on every change.
// It keeps what it received after the process ended, so the output stays
// readable after a terminate (test/sandbox_test.go,
// TestSandboxStdoutStaysReadableAfterTerminate).
type outputBuffer struct {
	mu      sync.Mutex
	data    []byte
	ends    []int // end offset of each chunk
	closed  bool
	discard bool
	changed chan struct{}
}

// newOutputBuffer returns an open buffer; a discarding one keeps nothing
// (an exec's stdout_config DEVNULL).
func newOutputBuffer(discard bool) *outputBuffer {
	return &outputBuffer{changed: make(chan struct{}), discard: discard}
}

// Write appends p as one chunk.
func (b *outputBuffer) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.discard || b.closed {
		return len(p), nil
	}
	b.data = append(b.data, p...)
	b.ends = append(b.ends, len(b.data))
	b.notifyLocked()
	return len(p), nil
}

// Close marks the end of the stream.
func (b *outputBuffer) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		b.notifyLocked()
	}
}

func (b *outputBuffer) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// String returns everything received so far.
func (b *outputBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.data)
}

// maxChunk caps one streamed message (the SDK's limit is 100 MB).
const maxChunk = 1 << 20

// followBytes sends the stream from byte offset off, one message of at
// most maxChunk bytes at a time, until it has sent everything and the
// stream ended (nil), or ctx or stop is done.
func (b *outputBuffer) followBytes(ctx context.Context, stop <-chan struct{}, off uint64, send func(data []byte, start uint64) error) error {
	for {
		b.mu.Lock()
		var chunk []byte
		if off < uint64(len(b.data)) {
			chunk = b.data[off:min(uint64(len(b.data)), off+maxChunk)]
		}
		closed, changed := b.closed, b.changed
		b.mu.Unlock()
		if len(chunk) > 0 {
			if err := send(chunk, off); err != nil {
				return err
			}
			off += uint64(len(chunk))
			continue
		}
		if closed {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-stop:
			return status.Error(codes.Unavailable, "modalemu: shutting down")
		}
	}
}

// chunksAfter returns the chunks after the first n, whether the stream
// ended, and a channel closed at the next change.
func (b *outputBuffer) chunksAfter(n int) (chunks [][]byte, closed bool, changed <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := n; i < len(b.ends); i++ {
		start := 0
		if i > 0 {
			start = b.ends[i-1]
		}
		chunks = append(chunks, b.data[start:b.ends[i]])
	}
	return chunks, b.closed, b.changed
}

// stdinSink is a process's standard input written at byte offsets, as the
// router's stdin calls do: a retried write that starts before what was
// already accepted is trimmed, one that starts past it is refused
// (task_command_router_client_test.go:620-630), and EOF closes the pipe.
// The pipe is an OS pipe, so a process that never reads it does not keep
// its Wait from returning.
type stdinSink struct {
	mu      sync.Mutex
	r, w    *os.File
	written uint64
	closed  bool
}

// newStdinSink returns an open sink.
func newStdinSink() (*stdinSink, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	return &stdinSink{r: r, w: w}, nil
}

// reader is what the process reads; the caller closes it once the
// process started (started).
func (s *stdinSink) reader() *os.File { return s.r }

// abort makes the reader's next read fail (the file helper's, whose
// exec is killed).
func (s *stdinSink) abort() { _ = s.r.Close() }

// started drops this process's copy of the read end.
func (s *stdinSink) started() { _ = s.r.Close() }

// write accepts data at offset, then closes stdin when eof.
func (s *stdinSink) write(offset uint64, data []byte, eof bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if offset > s.written {
		return status.Errorf(codes.InvalidArgument, "stdin offset %d is past the %d bytes written", offset, s.written)
	}
	if skip := s.written - offset; skip < uint64(len(data)) && !s.closed {
		data = data[skip:]
		if _, err := s.w.Write(data); err != nil {
			return status.Errorf(codes.FailedPrecondition, "the process no longer reads its input: %v", err)
		}
		s.written += uint64(len(data))
	}
	if eof && !s.closed {
		s.closed = true
		_ = s.w.Close()
	}
	return nil
}

// state reports the bytes accepted and whether stdin is closed.
func (s *stdinSink) state() (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.written, s.closed
}

// close ends the input for good (the process ended).
func (s *stdinSink) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		_ = s.w.Close()
	}
}
