package modalemu

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	pb "github.com/modal-labs/modal-client/go/proto/modal_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// image is one image layer: a Dockerfile fragment on top of its base. Its
// build takes Options.ImageBuild; with isolated sandboxes its RUN
// instructions really run, in a container of their own whose changes
// become the layer (layerDir), so a later sandbox sees what they wrote.
type image struct {
	id       string
	key      string
	base     *image
	commands []string
	// env and workdir come from ENV and WORKDIR instructions (and the
	// base's).
	env      map[string]string
	layerDir string // isolated only: the layer's files ("" when none)

	mu     sync.Mutex
	logs   []string
	result *pb.GenericResult // nil while building
	done   chan struct{}
}

// layers returns the image's layer folders, the top one first.
func (im *image) layers() []string {
	var dirs []string
	for x := im; x != nil; x = x.base {
		if x.layerDir != "" {
			dirs = append(dirs, x.layerDir)
		}
	}
	return dirs
}

// imageEnv returns the variables set by ENV instructions down the chain.
func (im *image) imageEnv() map[string]string {
	env := map[string]string{}
	var chain []*image
	for x := im; x != nil; x = x.base {
		chain = append(chain, x)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for k, v := range chain[i].env {
			env[k] = v
		}
	}
	return env
}

// imageResult returns the build result, or nil while building.
func (im *image) imageResult() *pb.GenericResult {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.result
}

// log appends a build log line.
func (im *image) log(line string) {
	im.mu.Lock()
	defer im.mu.Unlock()
	im.logs = append(im.logs, line)
}

// finish records the build's outcome.
func (im *image) finish(res *pb.GenericResult) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.result == nil {
		im.result = res
		close(im.done)
	}
}

// ImageGetOrCreate returns the image of a definition: a cached one, or a
// new one whose build starts now. While it builds the response carries no
// result and the SDK follows ImageJoinStreaming (image.go:449-465).
func (c *controlPlane) ImageGetOrCreate(ctx context.Context, req *pb.ImageGetOrCreateRequest) (*pb.ImageGetOrCreateResponse, error) {
	s := c.s
	if _, err := s.appByID(req.GetAppId()); err != nil {
		return nil, err
	}
	def := req.GetImage()
	cmds := def.GetDockerfileCommands()
	if len(cmds) == 0 {
		return nil, status.Error(codes.InvalidArgument, "image definition has no Dockerfile commands")
	}
	var base *image
	from, _ := strings.CutPrefix(strings.TrimSpace(cmds[0]), "FROM ")
	if from == cmds[0] {
		return nil, status.Errorf(codes.InvalidArgument, "the first Dockerfile command must be FROM, got %q", cmds[0])
	}
	for _, b := range def.GetBaseImages() {
		if b.GetDockerTag() == strings.TrimSpace(from) {
			var err error
			if base, err = s.imageByID(b.GetImageId()); err != nil {
				return nil, err
			}
		}
	}
	key := fmt.Sprintf("%s\x00%q\x00%q", req.GetBuilderVersion(), cmds, def.GetSecretIds())
	if base != nil {
		key += "\x00" + base.id
	}
	s.mu.Lock()
	im, ok := s.images[key]
	if ok && req.GetForceBuild() {
		delete(s.imageIDs, im.id)
		ok = false
	}
	if !ok {
		im = &image{id: newID("im"), key: key, base: base, commands: cmds, env: map[string]string{}, done: make(chan struct{})}
		s.images[key], s.imageIDs[im.id] = im, im
	}
	s.mu.Unlock()
	if !ok {
		go s.buildImage(im, def.GetSecretIds())
	}
	return pb.ImageGetOrCreateResponse_builder{ImageId: im.id, Result: im.imageResult()}.Build(), nil
}

// buildImage runs an image layer's build: the configured build time, then
// its instructions.
func (s *Server) buildImage(im *image, secretIDs []string) {
	im.log("Building image " + im.id)
	if d := s.opts.ImageBuild; d > 0 {
		select {
		case <-time.After(d):
		case <-s.ctx.Done():
			im.finish(pb.GenericResult_builder{Status: pb.GenericResult_GENERIC_STATUS_TERMINATED}.Build())
			return
		}
	}
	if im.base != nil {
		<-im.base.done
		if im.base.imageResult().GetStatus() != pb.GenericResult_GENERIC_STATUS_SUCCESS {
			im.finish(pb.GenericResult_builder{Status: pb.GenericResult_GENERIC_STATUS_FAILURE, Exception: "the base image " + im.base.id + " failed to build"}.Build())
			return
		}
	}
	env, err := s.secretEnv(secretIDs, nil)
	if err == nil {
		err = s.runInstructions(im, env)
	}
	if err != nil {
		im.log(err.Error())
		im.finish(pb.GenericResult_builder{Status: pb.GenericResult_GENERIC_STATUS_FAILURE, Exception: err.Error()}.Build())
		return
	}
	im.log("Built image " + im.id)
	im.finish(pb.GenericResult_builder{Status: pb.GenericResult_GENERIC_STATUS_SUCCESS}.Build())
}

// runInstructions interprets the layer's Dockerfile commands after FROM:
// ENV and WORKDIR are recorded, RUN runs (isolated sandboxes only; with
// mapped paths a RUN could write to the host, so it is logged and
// skipped), COPY --from and the metadata instructions are accepted, and an
// unknown instruction fails the build.
func (s *Server) runInstructions(im *image, secrets map[string]string) error {
	for i, line := range im.commands[1:] {
		step := fmt.Sprintf("Step %d/%d : %s", i+2, len(im.commands), line)
		im.log(step)
		instr, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(instr) {
		case "RUN":
			if !s.runtime.isolated() {
				im.log("modalemu: RUN skipped (sandboxes are not isolated on this host)")
				continue
			}
			if im.layerDir == "" {
				im.layerDir = filepath.Join(s.root, "images", im.id)
				if err := os.MkdirAll(im.layerDir, 0o755); err != nil {
					return err
				}
			}
			env := im.base.imageEnvOrNil()
			for k, v := range im.env {
				env[k] = v
			}
			for k, v := range secrets {
				env[k] = v
			}
			out, err := s.runtime.build(s.ctx, im, env, rest)
			for l := range strings.SplitSeq(strings.TrimRight(string(out), "\n"), "\n") {
				if l != "" {
					im.log(l)
				}
			}
			if err != nil {
				return fmt.Errorf("%s: %w", step, err)
			}
		case "ENV":
			k, v, ok := strings.Cut(rest, "=")
			if !ok {
				k, v, _ = strings.Cut(rest, " ")
			}
			if v, err := strconv.Unquote(v); err == nil {
				im.env[k] = v
			} else {
				im.env[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		case "WORKDIR", "COPY", "ARG", "LABEL", "SHELL", "USER", "EXPOSE", "ENTRYPOINT", "CMD", "VOLUME", "STOPSIGNAL", "HEALTHCHECK", "ONBUILD":
		default:
			return fmt.Errorf("%s: unknown instruction %q", step, instr)
		}
	}
	return nil
}

// imageEnvOrNil is imageEnv for a possibly nil image.
func (im *image) imageEnvOrNil() map[string]string {
	if im == nil {
		return map[string]string{}
	}
	return im.imageEnv()
}

// imageByID returns an image, or NotFound.
func (s *Server) imageByID(id string) (*image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	im, ok := s.imageIDs[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Image %s not found", id)
	}
	return im, nil
}

// ImageJoinStreaming streams an image's build logs after last_entry_id and
// ends with its result, or without one when the timeout elapses first
// (image.go:315-348).
func (c *controlPlane) ImageJoinStreaming(req *pb.ImageJoinStreamingRequest, stream grpc.ServerStreamingServer[pb.ImageJoinStreamingResponse]) error {
	im, err := c.s.imageByID(req.GetImageId())
	if err != nil {
		return err
	}
	next, _ := strconv.Atoi(req.GetLastEntryId())
	timeout := time.NewTimer(secondsDuration(req.GetTimeout(), 55*time.Second))
	defer timeout.Stop()
	for {
		im.mu.Lock()
		lines, res := im.logs[min(next, len(im.logs)):], im.result
		im.mu.Unlock()
		for _, l := range lines {
			next++
			item := pb.ImageJoinStreamingResponse_builder{
				EntryId:  strconv.Itoa(next),
				TaskLogs: []*pb.TaskLogs{pb.TaskLogs_builder{Data: l + "\n", FileDescriptor: pb.FileDescriptor_FILE_DESCRIPTOR_INFO}.Build()},
			}.Build()
			if err := stream.Send(item); err != nil {
				return err
			}
		}
		if res != nil {
			return stream.Send(pb.ImageJoinStreamingResponse_builder{Result: res, EntryId: strconv.Itoa(next), Eof: true}.Build())
		}
		select {
		case <-im.done:
		case <-time.After(50 * time.Millisecond):
		case <-timeout.C:
			return nil
		case <-stream.Context().Done():
			return status.FromContextError(stream.Context().Err()).Err()
		}
	}
}

// ImageFromId looks an image up by id (image.go:204-215).
func (c *controlPlane) ImageFromId(ctx context.Context, req *pb.ImageFromIdRequest) (*pb.ImageFromIdResponse, error) {
	im, err := c.s.imageByID(req.GetImageId())
	if err != nil {
		return nil, err
	}
	return pb.ImageFromIdResponse_builder{ImageId: im.id}.Build(), nil
}

// ImageDelete forgets an image: it is no longer found by id, and building
// the same definition again makes a new one (test/image_test.go, TestImageDelete).
func (c *controlPlane) ImageDelete(ctx context.Context, req *pb.ImageDeleteRequest) (*emptypb.Empty, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	im, ok := s.imageIDs[req.GetImageId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Image %s not found", req.GetImageId())
	}
	delete(s.imageIDs, im.id)
	if s.images[im.key] == im {
		delete(s.images, im.key)
	}
	return &emptypb.Empty{}, nil
}

// secondsDuration converts a request's timeout in seconds, def when 0.
func secondsDuration(secs float32, def time.Duration) time.Duration {
	if secs <= 0 {
		return def
	}
	return time.Duration(float64(secs) * float64(time.Second))
}
