package sdk

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"testing"

	executorv1 "github.com/bilancio-go/bilancio/sdk/proto"
)

// TestBatchedEvents: a host that asks for batched events (as this SDK's
// client does) gets every event in order, several in a message when they
// come faster than they are sent; a host that does not ask (protocol x1.1)
// gets one event a message, as before.
func TestBatchedEvents(t *testing.T) {
	const runs = 300
	batch := &Batch{ExperimentID: "exp1", OutRoot: "/tmp/out"}
	var events []RunEvent
	for i := range runs {
		id := fmt.Sprintf("grid_%03d", i)
		batch.Runs = append(batch.Runs, RunSpec{RunID: id, Scenario: []byte("x")})
		events = append(events, RunEvent{RunID: id, Type: EventQueued, Time: at(1)})
	}
	for i := range runs {
		id := batch.Runs[i].RunID
		events = append(events,
			RunEvent{RunID: id, Type: EventStarted, Time: at(2), Attempt: 1},
			RunEvent{RunID: id, Type: EventCompleted, Time: at(3), Attempt: 1, Result: &RunResult{
				RunID: id, Dir: "/tmp/out/" + id, ManifestSHA256: "beef", Fingerprint: "f00d", Manifest: []byte(`{"run_id":"` + id + `"}`)}})
	}
	ex, _ := connect(t, &fake{info: &Info{Name: "fake"}, events: events})

	// Through the client: the events as emitted.
	var got []RunEvent
	if err := ex.Execute(context.Background(), batch, func(ev RunEvent) error { got = append(got, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, events) {
		t.Fatalf("the client got %d events, not the %d emitted in order", len(got), len(events))
	}

	// On the wire, with and without asking.
	stub := ex.(*client).stub
	for _, batched := range []bool{false, true} {
		stream, err := stub.Execute(context.Background(), &executorv1.ExecuteRequest{Batch: batchToProto(batch), BatchEvents: batched})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		msgs := 0
		for {
			m, err := stream.Recv()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			msgs++
			if !batched && len(m.GetMore()) > 0 {
				t.Fatalf("a host that did not ask got %d events in a message", 1+len(m.GetMore()))
			}
			for i, e := range append([]*executorv1.RunEvent{m}, m.GetMore()...) {
				if i > 0 && len(e.GetMore()) > 0 {
					t.Fatal("an event of a message's more has more")
				}
				ids = append(ids, e.GetRunId()+" "+e.GetType().String())
			}
		}
		if len(ids) != len(events) {
			t.Fatalf("batched %v: %d events on the wire, want %d", batched, len(ids), len(events))
		}
		for i, ev := range events {
			pt, err := eventTypeToProto(ev.Type)
			if err != nil {
				t.Fatal(err)
			}
			if want := ev.RunID + " " + pt.String(); ids[i] != want {
				t.Fatalf("batched %v: event %d is %s, want %s", batched, i, ids[i], want)
			}
		}
		t.Logf("batched %v: %d events in %d messages", batched, len(events), msgs)
		if batched && msgs == len(events) {
			// 900 events emitted in a loop, each sent before the next came:
			// nothing was put together.
			t.Errorf("batched: %d events in as many messages", msgs)
		}
	}
}
