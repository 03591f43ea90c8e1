package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/app/apptest"
)

var discard = slog.New(slog.DiscardHandler)

// TestWireTakesTheTemplatesVariables: with what template.yaml gives the
// PublicFunction (no mail, no dead letters) the routes are built, and it
// reads exactly those variables.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	apptest.WiresFromTheTemplate(t, "PublicFunction", []string{"APP_SECRET", "BUCKET_NAME", "CABINET_CLIENT_ID", "CATALOG_CACHE_SECONDS", "COMPANY_TIME_ZONE",
		"EVENTS_TOPIC_ARN", "LIMIT_CLAIMS_PER_ADDRESS_HOUR", "LIMIT_CLAIMS_PER_SERIAL_CODE_HOUR", "LIMIT_CLAIMS_PER_SHARED_CODE_HOUR",
		"LIMIT_MESSAGES_PER_ADDRESS_HOUR", "LIMIT_MESSAGES_PER_CLAIM_HOUR", "ROSTER_CACHE_SECONDS", "SIGNIN_URL", "TABLE_NAME"},
		func(env *app.Env) (any, error) { return wire(context.Background(), env, discard) })
}

// TestWireNamesWhatIsWrong: a bucket missing and a limit that is not a
// number stop the function at start, naming both (a limit was silently
// the default before).
func TestWireNamesWhatIsWrong(t *testing.T) {
	vars := apptest.FunctionEnv(t, "PublicFunction", nil)
	delete(vars, "BUCKET_NAME")
	vars["LIMIT_CLAIMS_PER_ADDRESS_HOUR"] = "ten"
	apptest.Setenv(t, vars)
	_, err := wire(context.Background(), app.NewEnv(), discard)
	if diff := cmp.Diff([]string{"BUCKET_NAME", "LIMIT_CLAIMS_PER_ADDRESS_HOUR"}, apptest.Fields(t, err)); diff != "" {
		t.Errorf("variables named mismatch (-want +got):\n%s", diff)
	}
}
