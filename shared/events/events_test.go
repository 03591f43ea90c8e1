package events_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/events"
)

var at = time.Date(2026, 12, 7, 10, 30, 0, 0, time.FixedZone("MSK", 3*3600))

func TestNewAndDecode(t *testing.T) {
	want := events.StageChange{From: "diagnostics", To: "waiting_for_customer", Reason: "Пришлите фото шильдика", Number: "RC-2026-000001", Language: "ru"}
	e, err := events.New("RC-2026-000001", "managers:m-1", at, want)
	if err != nil {
		t.Fatal(err)
	}
	if e.Type != events.StageChanged || e.Version != events.SchemaVersion || e.ClaimID != "RC-2026-000001" || !e.At.Equal(at) || e.At.Location() != time.UTC || len(e.ID) != 28 {
		t.Errorf("envelope %+v", e)
	}
	// Through the queue and back.
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var round events.Event
	if err := json.Unmarshal(b, &round); err != nil {
		t.Fatal(err)
	}
	var got events.StageChange
	if err := round.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payload mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeRefuses(t *testing.T) {
	e, _ := events.New("RC-2026-000001", "system", at, events.SLA{Number: "RC-2026-000001", Clock: "resolution", Level: 1})
	if err := e.Decode(&events.Escalation{}); err == nil || !strings.Contains(err.Error(), "not a claim.escalated") {
		t.Errorf("decoding a warning as an escalation: %v", err)
	}
	future := e
	future.Version = events.SchemaVersion + 1
	if err := future.Decode(&events.SLA{}); err == nil {
		t.Error("a payload of a newer schema version was read")
	}
	old := e
	old.Version = 0 // written before versions were recorded
	var s events.SLA
	if err := old.Decode(&s); err != nil || s.Level != 1 {
		t.Errorf("an unversioned event: %v %+v", err, s)
	}
}

// TestTypesAreACatalogue: every event type has one payload, listed once, and
// the escalation shares the warning's fields under its own type.
func TestTypesAreACatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range events.Types {
		if seen[p.EventType()] {
			t.Errorf("%s listed twice", p.EventType())
		}
		seen[p.EventType()] = true
	}
	for _, typ := range []string{events.ClaimReceived, events.StageChanged, events.Assigned, events.DecisionRecorded,
		events.OrderCreated, events.MessagePosted, events.Updated, events.SLAWarning, events.Escalated} {
		if !seen[typ] {
			t.Errorf("%s has no payload in Types", typ)
		}
	}
	if len(events.TypeNames()) != len(events.Types) {
		t.Error("TypeNames and Types differ")
	}
}
