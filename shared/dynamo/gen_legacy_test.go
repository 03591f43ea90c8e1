package dynamo

import (
	"os"
	"testing"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// TestWriteLegacyFixture writes the items of writeEveryEntity as this
// code stores them to $DYNAMO_LEGACY_FIXTURE (run once, before the
// storage schema of issue #9).
func TestWriteLegacyFixture(t *testing.T) {
	out := os.Getenv("DYNAMO_LEGACY_FIXTURE")
	if out == "" {
		t.Skip("DYNAMO_LEGACY_FIXTURE not set")
	}
	p := st.Services(t)
	s := New(p.Clients.DynamoDB, "claims-Table")
	writeEveryEntity(t, s)
	b, err := itemsJSON(tableItems(t, p.Clients.DynamoDB, "claims-Table"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
