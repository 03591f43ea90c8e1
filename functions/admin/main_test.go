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
// AdminFunction (no bucket, no notifications queue) the routes are built,
// and it reads exactly those variables.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	apptest.WiresFromTheTemplate(t, "AdminFunction", []string{"APP_SECRET", "CATALOG_CACHE_SECONDS", "COMPANY_TIME_ZONE", "DEAD_LETTER_QUEUE_ARN", "DEAD_LETTER_QUEUE_URL",
		"PUBLIC_BASE_URL", "TABLE_NAME", "WEBHOOK_INTERNAL_HOSTS"},
		func(env *app.Env) (any, error) { return wire(env, discard) })
}

// TestWireNamesWhatIsMissing: without its secret or the dead-letter queue
// the function does not start (the dead-letter routes would answer 500),
// and says which variables.
func TestWireNamesWhatIsMissing(t *testing.T) {
	vars := apptest.FunctionEnv(t, "AdminFunction", nil)
	delete(vars, "APP_SECRET")
	delete(vars, "DEAD_LETTER_QUEUE_ARN")
	apptest.Setenv(t, vars)
	_, err := wire(app.NewEnv(), discard)
	if diff := cmp.Diff([]string{"APP_SECRET", "DEAD_LETTER_QUEUE_ARN"}, apptest.Fields(t, err)); diff != "" {
		t.Errorf("variables named mismatch (-want +got):\n%s", diff)
	}
}
