package main

import (
	"log/slog"
	"testing"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/app/apptest"
)

var discard = slog.New(slog.DiscardHandler)

// TestWireTakesTheTemplatesVariables: with what template.yaml gives the
// ExportsFunction the consumer is built, and it reads exactly those
// variables.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	apptest.WiresFromTheTemplate(t, "ExportsFunction", []string{"BUCKET_NAME", "COMPANY_TIME_ZONE", "EXPORTS_QUEUE_URL",
		"EXPORTS_RETRY_BASE_SECONDS", "TABLE_NAME"},
		func(env *app.Env) (any, error) { return wire(env, discard) })
}
