package main

import (
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/app/apptest"
	"github.com/claimsdesk/backend/shared/notify"
)

var discard = slog.New(slog.DiscardHandler)

// TestWireTakesTheTemplatesVariables: with what template.yaml gives the
// NotifierFunction the consumer is built, and it reads exactly
// those variables.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	apptest.WiresFromTheTemplate(t, "NotifierFunction", []string{"APP_SECRET", "BUCKET_NAME", "CATALOG_CACHE_SECONDS", "COMPANY_TIME_ZONE", "FUNCTION_TIMEOUT_SECONDS", "MAIL_FROM", "NOTIFICATIONS_QUEUE_URL", "NOTIFY_RETRY_BASE_SECONDS",
		"PUBLIC_BASE_URL", "QUALITY_EMAIL", "ROSTER_CACHE_SECONDS", "SUPERVISORS_EMAIL", "TABLE_NAME", "WEBHOOK_INTERNAL_HOSTS", "WEBHOOK_TIMEOUT_SECONDS"},
		func(env *app.Env) (any, error) { return wire(env, discard) })
}

// TestWireNamesWhatIsWrong: a notifier whose timeout is not a number of
// seconds, whose secret is too short, whose sender is not an address or
// whose internal hosts do not parse stops at start, naming each variable.
func TestWireNamesWhatIsWrong(t *testing.T) {
	vars := apptest.FunctionEnv(t, "NotifierFunction", nil)
	vars["FUNCTION_TIMEOUT_SECONDS"] = "thirty"
	vars["APP_SECRET"] = "short"
	vars["WEBHOOK_INTERNAL_HOSTS"] = "erp.corp.example, 10.0.0.0/99"
	apptest.Setenv(t, vars)
	_, err := wire(app.NewEnv(), discard)
	want := []string{"APP_SECRET", "WEBHOOK_INTERNAL_HOSTS", "FUNCTION_TIMEOUT_SECONDS"}
	if diff := cmp.Diff(want, apptest.Fields(t, err)); diff != "" {
		t.Errorf("variables named mismatch (-want +got):\n%s", diff)
	}
	vars = apptest.FunctionEnv(t, "NotifierFunction", map[string]string{"MailFrom": "claims at example"})
	apptest.Setenv(t, vars)
	_, err = wire(app.NewEnv(), discard)
	if diff := cmp.Diff([]string{"From"}, apptest.Fields(t, err)); diff != "" {
		t.Errorf("a MailFrom that is no address: fields mismatch (-want +got):\n%s", diff)
	}
}

// TestLeaseOutlastsTheTimeout: the template gives the notifier its timeout
// in FUNCTION_TIMEOUT_SECONDS (the same parameter as its Timeout, with the
// default and with an operator's value), the lease the notifier derives
// from it is longer, and the queue hides a message at least that long.
func TestLeaseOutlastsTheTimeout(t *testing.T) {
	for _, override := range []string{"", "12", "60"} {
		params := map[string]string{}
		if override != "" {
			params["NotifierTimeout"] = override
		}
		fn := apptest.Function(t, "NotifierFunction", params)
		secs, err := strconv.Atoi(fn.Env["FUNCTION_TIMEOUT_SECONDS"])
		if err != nil || time.Duration(secs)*time.Second != fn.Timeout {
			t.Errorf("NotifierTimeout=%q: FUNCTION_TIMEOUT_SECONDS %q, Timeout %s; want the same", override, fn.Env["FUNCTION_TIMEOUT_SECONDS"], fn.Timeout)
		}
		if lease := notify.LeaseFor(fn.Timeout); lease <= fn.Timeout {
			t.Errorf("lease %s does not outlast the timeout %s", lease, fn.Timeout)
		}
		q := apptest.Queue(t, "NotificationsQueue", params)
		if vt, _ := strconv.Atoi(q.Attributes["VisibilityTimeout"]); time.Duration(vt)*time.Second < fn.Timeout {
			t.Errorf("queue visibility %d s is shorter than the timeout %s", vt, fn.Timeout)
		}
	}
}
