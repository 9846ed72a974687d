package config

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/bilancio-go/bilancio/sdk"
)

// update rewrites the golden files: go test ./config -update.
var update = flag.Bool("update", false, "rewrite the golden files")

// modalTokenEnv is the environment variable of the test modal schema's
// required token.
const modalTokenEnv = "BILANCIO_TEST_MODAL_TOKEN"

// testSchemas are fixed executor schemas: the local executor's (as
// plugins/local declares it) and a modal-like one with every attribute type
// and a required attribute that the environment may set.
func testSchemas(ctx context.Context, name string) ([]sdk.ConfigAttribute, error) {
	switch name {
	case "local":
		return []sdk.ConfigAttribute{
			{Name: "parallel", Type: sdk.TypeNumber, Description: "how many runs to execute at once"},
			{Name: "root", Type: sdk.TypeString, Description: "artifact root", Default: `"."`},
		}, nil
	case "modal":
		return []sdk.ConfigAttribute{
			{Name: "cpu", Type: sdk.TypeNumber, Description: "CPUs per sandbox", Default: "1"},
			{Name: "memory_mib", Type: sdk.TypeNumber, Description: "memory per sandbox"},
			{Name: "gpu", Type: sdk.TypeBool, Description: "use a GPU"},
			{Name: "regions", Type: sdk.TypeListString, Description: "regions to run in"},
			{Name: "token", Type: sdk.TypeString, Description: "the API token", Required: true, Env: modalTokenEnv},
		}, nil
	}
	return nil, fmt.Errorf("no executor plugin %q found", name)
}

// testOptions are Options with the test schemas, no environment, and a
// Files map.
func testOptions() Options {
	return Options{SchemaFor: testSchemas, Files: map[string]*hcl.File{}}
}

// envMap is a LookupEnv over a map.
func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// checkGolden compares got with the golden file path, or rewrites it with
// -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./config -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs (go test ./config -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
