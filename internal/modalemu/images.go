package modalemu

import (
	"context"
	"strings"

	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
)

// ImageGetOrCreate "builds" an image at once: the host is the image, so the
// definition is ignored apart from giving identical definitions the same id.
// It always answers with result SUCCESS so the SDK never needs
// ImageJoinStreaming (modal.md §8.6, §8.7).
func (s *Server) ImageGetOrCreate(ctx context.Context, req *pb.ImageGetOrCreateRequest) (*pb.ImageGetOrCreateResponse, error) {
	img := req.GetImage()
	var key strings.Builder
	key.WriteString(strings.Join(img.GetDockerfileCommands(), "\n"))
	for _, b := range img.GetBaseImages() {
		key.WriteString("\x00" + b.GetDockerTag() + "=" + b.GetImageId())
	}
	s.mu.Lock()
	id, ok := s.images[key.String()]
	if !ok {
		id = s.newID("im")
		s.images[key.String()] = id
	}
	s.mu.Unlock()
	return pb.ImageGetOrCreateResponse_builder{
		ImageId: id,
		Result:  pb.GenericResult_builder{Status: pb.GenericResult_GENERIC_STATUS_SUCCESS}.Build(),
	}.Build(), nil
}
