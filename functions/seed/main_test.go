package main

import (
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/app/apptest"
)

var discard = slog.New(slog.DiscardHandler)

// TestWireTakesTheTemplatesVariables: the SeedFunction gets the table and
// nothing else from template.yaml, and that is all its wiring reads.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	apptest.WiresFromTheTemplate(t, "SeedFunction", []string{"TABLE_NAME"},
		func(env *app.Env) (any, error) { return wire(env, discard) })
}

// TestWireNamesWhatIsMissing: without a table or AWS credentials the seed
// does not start and says so.
func TestWireNamesWhatIsMissing(t *testing.T) {
	apptest.Setenv(t, map[string]string{"AWS_ACCESS_KEY_ID": ""})
	_, err := wire(app.NewEnv(), discard)
	if diff := cmp.Diff([]string{"TABLE_NAME", "AWS"}, apptest.Fields(t, err)); diff != "" {
		t.Errorf("variables named mismatch (-want +got):\n%s", diff)
	}
}
