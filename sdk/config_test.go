package sdk

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	executorv1 "github.com/bilancio-go/bilancio/sdk/proto"
)

func TestConfigDecode(t *testing.T) {
	schema := []ConfigAttribute{
		{Name: "parallel", Type: TypeNumber, Description: "runs at once", Default: "2", Env: "SDK_TEST_PARALLEL"},
		{Name: "region", Type: TypeString, Description: "where", Env: "SDK_TEST_REGION"},
		{Name: "gpu", Type: TypeBool, Description: "use a GPU"},
		{Name: "tags", Type: TypeListString, Description: "labels", Env: "SDK_TEST_TAGS"},
		{Name: "token", Type: TypeString, Description: "a secret", Required: true},
	}
	type conf struct {
		Parallel int      `json:"parallel"`
		Region   string   `json:"region"`
		GPU      bool     `json:"gpu"`
		Tags     []string `json:"tags"`
		Token    string   `json:"token"`
	}
	cases := []struct {
		name   string
		json   string
		env    map[string]string
		want   conf
		errHas string // empty: no error
	}{
		{name: "defaults", json: `{"token":"t"}`, want: conf{Parallel: 2, Token: "t"}},
		{name: "all given", json: `{"token":"t","parallel":8,"region":"eu","gpu":true,"tags":["a","b"]}`,
			want: conf{Parallel: 8, Region: "eu", GPU: true, Tags: []string{"a", "b"}, Token: "t"}},
		{name: "env over default", json: `{"token":"t"}`, env: map[string]string{"SDK_TEST_PARALLEL": "5", "SDK_TEST_REGION": "us", "SDK_TEST_TAGS": "x, y,"},
			want: conf{Parallel: 5, Region: "us", Tags: []string{"x", "y"}, Token: "t"}},
		{name: "given over env", json: `{"token":"t","parallel":3}`, env: map[string]string{"SDK_TEST_PARALLEL": "5"},
			want: conf{Parallel: 3, Token: "t"}},
		{name: "malformed", json: `{"token":`, errHas: "JSON object"},
		{name: "not an object", json: `[1]`, errHas: "JSON object"},
		{name: "null", json: `null`, errHas: "JSON object"},
		{name: "unknown attribute", json: `{"token":"t","colour":"red"}`, errHas: `unknown attribute "colour"`},
		{name: "missing required", json: `{}`, errHas: `"token" is required`},
		{name: "empty is {}", json: ``, errHas: `"token" is required`},
		{name: "wrong type", json: `{"token":"t","parallel":"many"}`, errHas: `attribute "parallel"`},
		{name: "null value", json: `{"token":null}`, errHas: `attribute "token"`},
		{name: "bad env", json: `{"token":"t"}`, env: map[string]string{"SDK_TEST_PARALLEL": "lots"}, errHas: "SDK_TEST_PARALLEL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"SDK_TEST_PARALLEL", "SDK_TEST_REGION", "SDK_TEST_TAGS"} {
				t.Setenv(k, tc.env[k])
			}
			var got conf
			err := (&Config{JSON: []byte(tc.json)}).Decode(schema, &got)
			if tc.errHas != "" {
				if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.errHas) {
					t.Errorf("Decode(%s) = %v, want ErrInvalidConfig mentioning %q", tc.json, err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%s): %v", tc.json, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Decode(%s) = %+v, want %+v", tc.json, got, tc.want)
			}
		})
	}
}

// TestConvertZeroValues: zero values (nil results, zero times, empty
// batches) survive the protobuf round trip.
func TestConvertZeroValues(t *testing.T) {
	ev := RunEvent{RunID: "r", Type: EventQueued}
	m, err := eventToProto(&ev)
	if err != nil {
		t.Fatal(err)
	}
	back, err := eventFromProto(m)
	if err != nil || !reflect.DeepEqual(back, ev) {
		t.Errorf("event round trip: %+v, %v", back, err)
	}
	if b := batchFromProto(batchToProto(&Batch{})); b.Worker != nil || len(b.Runs) != 0 {
		t.Errorf("empty batch round trip: %+v", b)
	}
	if got := entriesFromProto(entriesToProto([]Entry{{Path: "p"}})); !got[0].ModTime.Equal(time.Time{}) {
		t.Errorf("zero ModTime came back as %v", got[0].ModTime)
	}
	if _, err := eventFromProto(&executorv1.RunEvent{RunId: "r"}); err == nil {
		t.Error("an event of unspecified type was accepted")
	}
	for _, typ := range []EventType{EventQueued, EventStarted, EventProgress, EventCompleted, EventFailed, EventCancelled} {
		p, err := eventTypeToProto(typ)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := eventTypeFromProto(p); err != nil || back != typ {
			t.Errorf("%s came back as %s, %v", typ, back, err)
		}
	}
}
