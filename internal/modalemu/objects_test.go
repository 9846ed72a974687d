package modalemu

import (
	"errors"
	"os"
	"testing"

	modal "github.com/modal-labs/libmodal/modal-go"
)

func TestAppFromName(t *testing.T) {
	srv := startEmulator(t, nil)
	c := mustClient(t, srv)
	ctx := t.Context()

	if _, err := c.Apps.FromName(ctx, "bilancio-simulations", nil); !errors.As(err, &modal.NotFoundError{}) {
		t.Fatalf("lookup of a missing app: err = %v, want NotFoundError", err)
	}
	app, err := c.Apps.FromName(ctx, "bilancio-simulations", &modal.AppFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	if app.AppID == "" || app.Name != "bilancio-simulations" {
		t.Fatalf("app = %+v", app)
	}
	again, err := c.Apps.FromName(ctx, "bilancio-simulations", nil)
	if err != nil || again.AppID != app.AppID {
		t.Fatalf("lookup after create = %+v, %v; want id %s", again, err, app.AppID)
	}
	other, err := c.Apps.FromName(ctx, "bilancio-simulations", &modal.AppFromNameParams{Environment: "staging", CreateIfMissing: true})
	if err != nil || other.AppID == app.AppID {
		t.Fatalf("app in another environment = %+v, %v; want a distinct id", other, err)
	}
}

func TestVolumeFromName(t *testing.T) {
	srv := startEmulator(t, nil)
	c := mustClient(t, srv)
	ctx := t.Context()

	if _, err := c.Volumes.FromName(ctx, "bilancio-results", nil); !errors.As(err, &modal.NotFoundError{}) {
		t.Fatalf("lookup of a missing volume: err = %v, want NotFoundError", err)
	}
	vol, err := c.Volumes.FromName(ctx, "bilancio-results", &modal.VolumeFromNameParams{CreateIfMissing: true})
	if err != nil {
		t.Fatalf("create volume: %v", err)
	}
	again, err := c.Volumes.FromName(ctx, "bilancio-results", nil)
	if err != nil || again.VolumeID != vol.VolumeID {
		t.Fatalf("lookup after create = %+v, %v; want id %s", again, err, vol.VolumeID)
	}
	dir, err := srv.VolumeDir("", "bilancio-results")
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("volume folder %s: %v", dir, err)
	}
}

func TestEphemeralVolume(t *testing.T) {
	srv := startEmulator(t, nil)
	c := mustClient(t, srv)
	a, err := c.Volumes.Ephemeral(t.Context(), nil)
	if err != nil {
		t.Fatalf("Ephemeral: %v", err)
	}
	defer a.CloseEphemeral()
	b, err := c.Volumes.Ephemeral(t.Context(), nil)
	if err != nil {
		t.Fatalf("Ephemeral: %v", err)
	}
	defer b.CloseEphemeral()
	if a.VolumeID == b.VolumeID {
		t.Fatalf("two ephemeral volumes share id %s", a.VolumeID)
	}
}
