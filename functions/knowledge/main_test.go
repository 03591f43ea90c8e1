package main

import (
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/app/apptest"
)

var discard = slog.New(slog.DiscardHandler)

// TestWireTakesTheTemplatesVariables: with what template.yaml gives the
// KnowledgeFunction the routes are built, and it reads exactly those
// variables.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	apptest.WiresFromTheTemplate(t, "KnowledgeFunction", []string{"BUCKET_NAME", "CATALOG_CACHE_SECONDS", "COMPANY_TIME_ZONE", "TABLE_NAME"},
		func(env *app.Env) (any, error) { return wire(env, discard) })
}

// TestWireNamesWhatIsMissing: without its table or bucket the function
// does not start and says which variables.
func TestWireNamesWhatIsMissing(t *testing.T) {
	apptest.Setenv(t, map[string]string{"COMPANY_TIME_ZONE": "Europe/Moscow"})
	_, err := wire(app.NewEnv(), discard)
	want := []string{"TABLE_NAME", "BUCKET_NAME"}
	if diff := cmp.Diff(want, apptest.Fields(t, err)); diff != "" {
		t.Errorf("variables named mismatch (-want +got):\n%s", diff)
	}
}
