package claims

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestSealIsStable pins the digest of two chained entries: stored chains
// must verify whatever the Event type's own JSON encoding leaves out (views
// without the chain omit the hashes).
func TestSealIsStable(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	e1 := Event{Seq: 1, Type: EventCreated, Actor: "dealers:d1", At: at, After: map[string]any{"stage": "new", "n": 2}}
	if err := e1.Seal(""); err != nil {
		t.Fatal(err)
	}
	e2 := Event{Seq: 2, Type: "stage.changed", Actor: "managers:m1", At: at.Add(time.Hour),
		Before: map[string]any{"stage": "new"}, After: map[string]any{"stage": "information_check"}, Note: "x"}
	if err := e2.Seal(e1.Hash); err != nil {
		t.Fatal(err)
	}
	const want1 = "44928697970f1dccaf4f322d0b065c43ae69ee965906e70f37b86f8e58828ac9"
	const want2 = "b0166498fa67905a665da1c1b226554470c3976dfc909896191344a6067fb3f4"
	if e1.Hash != want1 || e2.Hash != want2 {
		t.Fatalf("hashes %s, %s; want %s, %s", e1.Hash, e2.Hash, want1, want2)
	}
	// A round trip through the JSON encoding (storage keeps entries as JSON)
	// still verifies, although the first entry's empty prevHash is left out.
	var back []Event
	b, err := json.Marshal([]Event{e1, e2})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"prevHash":""`) {
		t.Errorf("the first entry's empty prevHash is written: %s", b)
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if seq, ok := VerifyChain(back); !ok {
		t.Errorf("the chain breaks at %d after a JSON round trip", seq)
	}
	back[1].After["stage"] = "closed"
	if seq, ok := VerifyChain(back); ok || seq != 2 {
		t.Errorf("an edited entry verifies (%d, %v)", seq, ok)
	}
}
