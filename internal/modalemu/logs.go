package modalemu

import (
	"strconv"
	"strings"

	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// SandboxGetLogs streams the stdout or stderr of a sandbox's entrypoint, one
// batch per chunk after last_entry_id. Entry ids are "<n>-0", n counting
// chunks, so "0-0" is the start. When the sandbox has ended and everything
// was sent, a batch with eof ends the SDK's reader; otherwise the stream
// ends after the request's timeout and the SDK reconnects.
func (s *Server) SandboxGetLogs(req *pb.SandboxGetLogsRequest, stream grpc.ServerStreamingServer[pb.TaskLogsBatch]) error {
	sb, err := s.sandboxByID(req.GetSandboxId())
	if err != nil {
		return err
	}
	var log *outputLog
	switch fd := req.GetFileDescriptor(); fd {
	case pb.FileDescriptor_FILE_DESCRIPTOR_STDOUT:
		log = sb.stdout
	case pb.FileDescriptor_FILE_DESCRIPTOR_STDERR:
		log = sb.stderr
	default:
		return status.Errorf(codes.InvalidArgument, "unsupported file descriptor %v", fd)
	}
	from, err := parseEntryID(req.GetLastEntryId())
	if err != nil {
		return err
	}
	last, ended, err := log.follow(stream.Context(), s.ctx.Done(), from, secondsDuration(req.GetTimeout()),
		func(c []byte, index uint64) error {
			return stream.Send(pb.TaskLogsBatch_builder{
				TaskId:  sb.taskID,
				EntryId: entryID(index),
				Items: []*pb.TaskLogs{pb.TaskLogs_builder{
					Data:           strings.ToValidUTF8(string(c), "\uFFFD"),
					FileDescriptor: req.GetFileDescriptor(),
				}.Build()},
			}.Build())
		})
	if err != nil || !ended {
		return err
	}
	return stream.Send(pb.TaskLogsBatch_builder{TaskId: sb.taskID, EntryId: entryID(last), Eof: true}.Build())
}

// entryID formats the log entry id of the n-th chunk.
func entryID(n uint64) string { return strconv.FormatUint(n, 10) + "-0" }

// parseEntryID reads an entry id made by entryID; "" counts as "0-0".
func parseEntryID(id string) (uint64, error) {
	if id == "" {
		return 0, nil
	}
	n, _, _ := strings.Cut(id, "-")
	v, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		return 0, status.Errorf(codes.InvalidArgument, "invalid last_entry_id %q", id)
	}
	return v, nil
}
