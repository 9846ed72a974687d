package modalemu

import (
	"testing"

	modal "github.com/modal-labs/libmodal/modal-go"
	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// TestInjectedClient wires the SDK through ClientParams.ControlPlaneClient
// (modal.md §8.5b): no environment, no SDK interceptors, hence no
// credential metadata, which AllowMissingCredentials accepts.
func TestInjectedClient(t *testing.T) {
	srv, err := Start(t.Context(), Options{TokenID: testTokenID, TokenSecret: testTokenSecret, Root: t.TempDir(), AllowMissingCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	pointSDKAt(t, srv) // only to keep ~/.modal.toml out of the test
	conn, err := grpc.NewClient(srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	c, err := modal.NewClientWithOptions(&modal.ClientParams{
		TokenID: "unused", TokenSecret: "unused",
		ControlPlaneClient: pb.NewModalClientClient(conn), ControlPlaneConn: conn,
	})
	if err != nil {
		t.Fatalf("NewClientWithOptions: %v", err)
	}
	defer c.Close()
	app, err := c.Apps.FromName(t.Context(), "bilancio-simulations", &modal.AppFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := c.Sandboxes.Create(t.Context(), app, c.Images.FromRegistry("debian:bookworm-slim", nil), &modal.SandboxCreateParams{Command: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	wait(t, sb, 0)
}
