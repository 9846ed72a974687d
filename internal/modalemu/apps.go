package modalemu

import (
	"context"

	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// AppGetOrCreate looks an App up by environment and name, creating it when
// the request asks for CREATE_IF_MISSING; otherwise an unknown name is
// NotFound, which the SDK maps to modal.NotFoundError.
func (s *Server) AppGetOrCreate(ctx context.Context, req *pb.AppGetOrCreateRequest) (*pb.AppGetOrCreateResponse, error) {
	if req.GetAppName() == "" {
		return nil, status.Error(codes.InvalidArgument, "app name is empty")
	}
	key := objectKey{req.GetEnvironmentName(), req.GetAppName()}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.apps[key]
	if !ok {
		if req.GetObjectCreationType() != pb.ObjectCreationType_OBJECT_CREATION_TYPE_CREATE_IF_MISSING {
			return nil, status.Errorf(codes.NotFound, "App '%s' not found", req.GetAppName())
		}
		id = s.newID("ap")
		s.apps[key] = id
	}
	return pb.AppGetOrCreateResponse_builder{AppId: id}.Build(), nil
}

// hasApp reports whether id names an App of this server.
func (s *Server) hasApp(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, appID := range s.apps {
		if appID == id {
			return true
		}
	}
	return false
}
