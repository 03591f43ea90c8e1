package main

import (
	"log/slog"
	"testing"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/app/apptest"
)

var discard = slog.New(slog.DiscardHandler)

// TestWireTakesTheTemplatesVariables: with what template.yaml gives the
// AnalyticsFunction the consumer is built, and it reads exactly those
// variables.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	apptest.WiresFromTheTemplate(t, "AnalyticsFunction", []string{"ANALYTICS_QUEUE_URL", "ANALYTICS_RETRY_BASE_SECONDS", "CATALOG_CACHE_SECONDS",
		"COMPANY_TIME_ZONE", "EVENTS_TOPIC_ARN", "TABLE_NAME"},
		func(env *app.Env) (any, error) { return wire(env, discard) })
}
