package modalemu

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// volume is a Modal Volume kept as a host folder under Root/volumes/<id>.
type volume struct {
	id        string
	name      string // empty for ephemeral volumes
	dir       string
	ephemeral bool
}

// VolumeGetOrCreate looks a Volume up by environment and name, creating its
// folder when the request asks for CREATE_IF_MISSING; an EPHEMERAL request
// always creates a fresh, unnamed volume.
func (s *Server) VolumeGetOrCreate(ctx context.Context, req *pb.VolumeGetOrCreateRequest) (*pb.VolumeGetOrCreateResponse, error) {
	creation := req.GetObjectCreationType()
	ephemeral := creation == pb.ObjectCreationType_OBJECT_CREATION_TYPE_EPHEMERAL
	if !ephemeral && req.GetDeploymentName() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume name is empty")
	}
	key := objectKey{req.GetEnvironmentName(), req.GetDeploymentName()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ephemeral {
		if v, ok := s.volumes[key]; ok {
			return pb.VolumeGetOrCreateResponse_builder{VolumeId: v.id}.Build(), nil
		}
		if creation != pb.ObjectCreationType_OBJECT_CREATION_TYPE_CREATE_IF_MISSING {
			return nil, status.Errorf(codes.NotFound, "Volume '%s' not found", req.GetDeploymentName())
		}
	}
	id := s.newID("vo")
	v := &volume{id: id, dir: filepath.Join(s.root, "volumes", id), ephemeral: ephemeral}
	if err := os.MkdirAll(v.dir, 0o755); err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "create volume folder: %v", err)
	}
	if !ephemeral {
		v.name = req.GetDeploymentName()
		s.volumes[key] = v
	}
	s.volumeIDs[id] = v
	return pb.VolumeGetOrCreateResponse_builder{VolumeId: id}.Build(), nil
}

// VolumeHeartbeat keeps an ephemeral volume alive; the emulator keeps every
// volume until Close, so it only checks that the volume exists.
func (s *Server) VolumeHeartbeat(ctx context.Context, req *pb.VolumeHeartbeatRequest) (*emptypb.Empty, error) {
	if _, err := s.volumeByID(req.GetVolumeId()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// volumeByID returns the volume with the given id, or NotFound.
func (s *Server) volumeByID(id string) (*volume, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.volumeIDs[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Volume with id '%s' not found", id)
	}
	return v, nil
}

// VolumeDir returns the host folder backing the named volume of the given
// environment ("" when MODAL_ENVIRONMENT is unset), so tests can seed or
// inspect its files.
func (s *Server) VolumeDir(environment, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.volumes[objectKey{environment, name}]
	if !ok {
		return "", fmt.Errorf("modalemu: no volume %q in environment %q", name, environment)
	}
	return v.dir, nil
}
