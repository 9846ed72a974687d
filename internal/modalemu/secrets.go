package modalemu

import (
	"context"
	"maps"

	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// SecretGetOrCreate stores the environment variables of a Secret. The SDK
// calls it with EPHEMERAL for every non-empty Env map on Sandboxes.Create
// (modal.md §3.4); named secrets are not emulated yet.
func (s *Server) SecretGetOrCreate(ctx context.Context, req *pb.SecretGetOrCreateRequest) (*pb.SecretGetOrCreateResponse, error) {
	if req.GetObjectCreationType() != pb.ObjectCreationType_OBJECT_CREATION_TYPE_EPHEMERAL {
		return nil, status.Errorf(codes.NotFound, "Secret '%s' not found (the emulator has only ephemeral secrets)", req.GetDeploymentName())
	}
	id := s.newID("st")
	s.mu.Lock()
	s.secrets[id] = maps.Clone(req.GetEnvDict())
	s.mu.Unlock()
	return pb.SecretGetOrCreateResponse_builder{SecretId: id}.Build(), nil
}

// secretEnv returns the environment variables of the given secrets, later
// secrets overriding earlier ones, or NotFound for an unknown id.
func (s *Server) secretEnv(ids []string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	env := map[string]string{}
	for _, id := range ids {
		kv, ok := s.secrets[id]
		if !ok {
			return nil, status.Errorf(codes.NotFound, "Secret with id '%s' not found", id)
		}
		maps.Copy(env, kv)
	}
	return env, nil
}
