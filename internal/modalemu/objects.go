package modalemu

import (
	"context"
	"maps"
	"strings"

	pb "github.com/modal-labs/modal-client/go/proto/modal_proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// app is a named App of an environment.
type app struct {
	id, name, environment string
}

// environment resolves an environment name ("" is the default one): the
// default environment and those of Options.Environments exist; any other
// is NotFound, as on Modal.
func (s *Server) environment(name string) (string, error) {
	if name == "" || name == s.opts.Environment {
		return s.opts.Environment, nil
	}
	for _, e := range s.opts.Environments {
		if e == name {
			return name, nil
		}
	}
	return "", status.Errorf(codes.NotFound, "Environment '%s' not found", name)
}

// EnvironmentGetOrCreate reports the environment's image builder version,
// which the SDK reads before its first image build unless
// MODAL_IMAGE_BUILDER_VERSION is set (client.go:287-292,
// environment.go:217-295).
func (c *controlPlane) EnvironmentGetOrCreate(ctx context.Context, req *pb.EnvironmentGetOrCreateRequest) (*pb.EnvironmentGetOrCreateResponse, error) {
	s := c.s
	name, err := s.environment(req.GetDeploymentName())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	id, ok := s.envs[name]
	if !ok {
		id = newID("en")
		s.envs[name] = id
	}
	s.mu.Unlock()
	return pb.EnvironmentGetOrCreateResponse_builder{
		EnvironmentId: id,
		Metadata: pb.EnvironmentMetadata_builder{
			Name:     name,
			Settings: pb.EnvironmentSettings_builder{ImageBuilderVersion: s.opts.ImageBuilderVersion}.Build(),
		}.Build(),
	}.Build(), nil
}

// AppGetOrCreate finds an App by name, creating it with CREATE_IF_MISSING;
// a missing App is NotFound (app.go:191-216), a bad name InvalidArgument.
func (c *controlPlane) AppGetOrCreate(ctx context.Context, req *pb.AppGetOrCreateRequest) (*pb.AppGetOrCreateResponse, error) {
	s := c.s
	env, err := s.environment(req.GetEnvironmentName())
	if err != nil {
		return nil, err
	}
	name := req.GetAppName()
	if !validObjectName(name) {
		return nil, status.Error(codes.InvalidArgument, invalidNameMessage("App", name))
	}
	key := objectKey{env, name}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[key]
	if !ok {
		if req.GetObjectCreationType() != pb.ObjectCreationType_OBJECT_CREATION_TYPE_CREATE_IF_MISSING {
			return nil, status.Errorf(codes.NotFound, "App '%s' not found", name)
		}
		a = &app{id: newID("ap"), name: name, environment: env}
		s.apps[key], s.appIDs[a.id] = a, a
	}
	return pb.AppGetOrCreateResponse_builder{AppId: a.id}.Build(), nil
}

// appByID returns an App, or NotFound.
func (s *Server) appByID(id string) (*app, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.appIDs[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "App with id '%s' not found", id)
	}
	return a, nil
}

// SecretGetOrCreate creates an ephemeral secret from env_dict (V1 creates
// send Env this way, secret.go:101-114), creates a named one with
// CREATE_IF_MISSING, or looks a named one up (Options.Secrets seeds them);
// required_keys missing from it are refused.
func (c *controlPlane) SecretGetOrCreate(ctx context.Context, req *pb.SecretGetOrCreateRequest) (*pb.SecretGetOrCreateResponse, error) {
	s := c.s
	env, err := s.environment(req.GetEnvironmentName())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.GetObjectCreationType() == pb.ObjectCreationType_OBJECT_CREATION_TYPE_EPHEMERAL {
		id := newID("st")
		s.secrets[id] = maps.Clone(req.GetEnvDict())
		return pb.SecretGetOrCreateResponse_builder{SecretId: id}.Build(), nil
	}
	name := req.GetDeploymentName()
	if !validObjectName(name) {
		return nil, status.Error(codes.InvalidArgument, invalidNameMessage("Secret", name))
	}
	key := objectKey{env, name}
	id, ok := s.secretName[key]
	if !ok {
		if seeded, found := s.opts.Secrets[name]; found {
			id = newID("st")
			s.secrets[id], s.secretName[key] = maps.Clone(seeded), id
		} else if req.GetObjectCreationType() == pb.ObjectCreationType_OBJECT_CREATION_TYPE_CREATE_IF_MISSING {
			id = newID("st")
			s.secrets[id], s.secretName[key] = maps.Clone(req.GetEnvDict()), id
		} else {
			return nil, status.Errorf(codes.NotFound, "Secret '%s' not found", name)
		}
	}
	var missing []string
	for _, k := range req.GetRequiredKeys() {
		if _, ok := s.secrets[id][k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		// Not NOT_FOUND, which the SDK turns into "Secret '…' not found"
		// (secret.go:134); the message is the one Modal's test expects
		// (test/secret_test.go:46, TestSecretFromNameWithRequiredKeys).
		return nil, status.Errorf(codes.FailedPrecondition, "Secret is missing key(s): %s", strings.Join(missing, ", "))
	}
	return pb.SecretGetOrCreateResponse_builder{SecretId: id}.Build(), nil
}

// secretEnv merges the variables of secret sources in order: each is a
// secret id or an inline map, later ones winning (secret.go:211-235).
func (s *Server) secretEnv(ids []string, sources []*pb.SecretSource) (map[string]string, error) {
	env := map[string]string{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		vars, ok := s.secrets[id]
		if !ok {
			return nil, status.Errorf(codes.NotFound, "Secret with id '%s' not found", id)
		}
		maps.Copy(env, vars)
	}
	for _, src := range sources {
		if src.HasSecretId() {
			vars, ok := s.secrets[src.GetSecretId()]
			if !ok {
				return nil, status.Errorf(codes.NotFound, "Secret with id '%s' not found", src.GetSecretId())
			}
			maps.Copy(env, vars)
			continue
		}
		maps.Copy(env, src.GetEnv().GetContents())
	}
	return env, nil
}
