package modalemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// maxReadBytes caps one read, as Modal's filesystem API does (modal.md §3.3).
const maxReadBytes = 100 * 1024 * 1024

// fileTable holds the files a sandbox has open through the filesystem API.
type fileTable struct {
	mu    sync.Mutex
	next  int
	files map[string]*os.File
}

// add registers f and returns its descriptor.
func (t *fileTable) add(f *os.File) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.files == nil {
		t.files = map[string]*os.File{}
	}
	t.next++
	fd := "fd-" + strconv.Itoa(t.next)
	t.files[fd] = f
	return fd
}

// get returns the open file with descriptor fd.
func (t *fileTable) get(fd string) (*os.File, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.files[fd]
	return f, ok
}

// remove forgets descriptor fd and returns its file.
func (t *fileTable) remove(fd string) (*os.File, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.files[fd]
	delete(t.files, fd)
	return f, ok
}

// closeAll closes every open file, as a finished container would.
func (t *fileTable) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for fd, f := range t.files {
		_ = f.Close()
		delete(t.files, fd)
	}
}

// openFlags translates a Python-style open mode (r, w, a, x, optionally
// with + and b) into os.OpenFile flags.
func openFlags(mode string) (int, error) {
	var base byte
	plus := false
	for i := 0; i < len(mode); i++ {
		switch c := mode[i]; c {
		case 'r', 'w', 'a', 'x':
			if base != 0 {
				return 0, fmt.Errorf("invalid mode %q", mode)
			}
			base = c
		case '+':
			plus = true
		case 'b', 't':
		default:
			return 0, fmt.Errorf("invalid mode %q", mode)
		}
	}
	access := os.O_WRONLY
	if plus {
		access = os.O_RDWR
	}
	switch base {
	case 'r':
		if plus {
			return os.O_RDWR, nil
		}
		return os.O_RDONLY, nil
	case 'w':
		return access | os.O_CREATE | os.O_TRUNC, nil
	case 'a':
		return access | os.O_CREATE | os.O_APPEND, nil
	case 'x':
		return access | os.O_CREATE | os.O_EXCL, nil
	}
	return 0, fmt.Errorf("invalid mode %q", mode)
}

// fsError converts a host error into the batch error the SDK turns into a
// modal.SandboxFilesystemError.
func fsError(err error) *pb.SystemErrorMessage {
	code := pb.SystemErrorCode_SYSTEM_ERROR_CODE_IO
	switch {
	case errors.Is(err, fs.ErrNotExist):
		code = pb.SystemErrorCode_SYSTEM_ERROR_CODE_NOENT
	case errors.Is(err, fs.ErrExist):
		code = pb.SystemErrorCode_SYSTEM_ERROR_CODE_EXIST
	case errors.Is(err, fs.ErrPermission):
		code = pb.SystemErrorCode_SYSTEM_ERROR_CODE_ACCES
	case errors.Is(err, syscall.EISDIR):
		code = pb.SystemErrorCode_SYSTEM_ERROR_CODE_ISDIR
	case errors.Is(err, syscall.ENOTDIR):
		code = pb.SystemErrorCode_SYSTEM_ERROR_CODE_NOTDIR
	case errors.Is(err, fs.ErrInvalid), errors.Is(err, errBadDescriptor):
		code = pb.SystemErrorCode_SYSTEM_ERROR_CODE_INVAL
	}
	return pb.SystemErrorMessage_builder{ErrorCode: code, ErrorMessage: err.Error()}.Build()
}

// errBadDescriptor reports an unknown file descriptor.
var errBadDescriptor = errors.New("unknown file descriptor")

// ContainerFilesystemExec performs one open, read, write, flush or close
// synchronously on the host file behind a container path, and stores the
// outcome for ContainerFilesystemExecGetOutput. Only the operations modal-go
// v0.6.3 uses are supported; others are Unimplemented.
func (s *Server) ContainerFilesystemExec(ctx context.Context, req *pb.ContainerFilesystemExecRequest) (*pb.ContainerFilesystemExecResponse, error) {
	sb, err := s.sandboxByTaskID(req.GetTaskId())
	if err != nil {
		return nil, err
	}
	if sb.currentResult() != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "Sandbox %s has already completed", sb.id)
	}
	var (
		out   [][]byte
		fd    *string
		opErr error
	)
	switch {
	case req.HasFileOpenRequest():
		r := req.GetFileOpenRequest()
		flags, err := openFlags(r.GetMode())
		if err != nil {
			opErr = fmt.Errorf("%w: %v", fs.ErrInvalid, err)
			break
		}
		host := filepath.Join(sb.workdir, filepath.FromSlash(r.GetPath()))
		if path.IsAbs(r.GetPath()) {
			host = sb.paths.Host(r.GetPath())
		}
		f, err := os.OpenFile(host, flags, 0o644)
		if err != nil {
			// Report the container path, not the host one.
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = &fs.PathError{Op: pe.Op, Path: r.GetPath(), Err: pe.Err}
			}
			opErr = err
			break
		}
		d := sb.files.add(f)
		fd = &d
	case req.HasFileReadRequest():
		r := req.GetFileReadRequest()
		f, ok := sb.files.get(r.GetFileDescriptor())
		if !ok {
			opErr = errBadDescriptor
			break
		}
		n := int(r.GetN())
		if !r.HasN() || n > maxReadBytes {
			n = maxReadBytes
		}
		buf := make([]byte, n)
		got, err := io.ReadFull(f, buf)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			opErr = err
			break
		}
		out = [][]byte{buf[:got]}
	case req.HasFileWriteRequest():
		r := req.GetFileWriteRequest()
		f, ok := sb.files.get(r.GetFileDescriptor())
		if !ok {
			opErr = errBadDescriptor
			break
		}
		_, opErr = f.Write(r.GetData())
	case req.HasFileFlushRequest():
		if _, ok := sb.files.get(req.GetFileFlushRequest().GetFileDescriptor()); !ok {
			opErr = errBadDescriptor
		}
	case req.HasFileCloseRequest():
		f, ok := sb.files.remove(req.GetFileCloseRequest().GetFileDescriptor())
		if !ok {
			opErr = errBadDescriptor
			break
		}
		opErr = f.Close()
	default:
		return nil, status.Error(codes.Unimplemented, "modalemu: only open, read, write, flush and close are emulated")
	}

	batch := pb.FilesystemRuntimeOutputBatch_builder{Output: out, Eof: true, BatchIndex: 1}
	if opErr != nil {
		batch = pb.FilesystemRuntimeOutputBatch_builder{Error: fsError(opErr), BatchIndex: 1}
	}
	id := s.newID("fe")
	s.mu.Lock()
	s.fsResults[id] = batch.Build()
	s.mu.Unlock()
	return pb.ContainerFilesystemExecResponse_builder{ExecId: id, FileDescriptor: fd}.Build(), nil
}

// ContainerFilesystemExecGetOutput sends the stored outcome of a filesystem
// operation once, then forgets it.
func (s *Server) ContainerFilesystemExecGetOutput(req *pb.ContainerFilesystemExecGetOutputRequest, stream grpc.ServerStreamingServer[pb.FilesystemRuntimeOutputBatch]) error {
	s.mu.Lock()
	batch, ok := s.fsResults[req.GetExecId()]
	s.mu.Unlock()
	if !ok {
		return status.Errorf(codes.NotFound, "Filesystem exec with id '%s' not found", req.GetExecId())
	}
	if err := stream.Send(batch); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.fsResults, req.GetExecId())
	s.mu.Unlock()
	return nil
}
