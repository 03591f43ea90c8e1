package main

import (
	"log/slog"
	"testing"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/app/apptest"
)

var discard = slog.New(slog.DiscardHandler)

// TestWireTakesTheTemplatesVariables: with what template.yaml gives the
// ReportsFunction (a table, its secret, the time zone, the bucket, the
// topic, the public site) the routes are
// built, and it reads exactly those variables.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	apptest.WiresFromTheTemplate(t, "ReportsFunction", []string{"APP_SECRET", "BUCKET_NAME", "CATALOG_CACHE_SECONDS", "COMPANY_TIME_ZONE", "EVENTS_TOPIC_ARN",
		"PUBLIC_BASE_URL", "REPORT_MAX_ATTACHMENT_BYTES", "TABLE_NAME"},
		func(env *app.Env) (any, error) { return wire(env, discard) })
}
