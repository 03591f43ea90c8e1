package app_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/local/template"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/notify"
)

// TestNotifierLeaseOutlastsItsTimeout: the template gives the notifier its
// timeout in FUNCTION_TIMEOUT_SECONDS (the same parameter as its Timeout,
// with the default and with an operator's value), and the lease the
// notifier derives from it is longer.
func TestNotifierLeaseOutlastsItsTimeout(t *testing.T) {
	root := filepath.Join("..", "..")
	tmpl, err := template.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, override := range []string{"", "12", "60"} {
		params := map[string]string{"AppSecret": strings.Repeat("s", 40)}
		if override != "" {
			params["NotifierTimeout"] = override
		}
		s, err := template.Build(tmpl, template.Env{StackName: "claims", Region: "eu-central-1", AccountID: "123456789012", Parameters: params}, root)
		if err != nil {
			t.Fatal(err)
		}
		fn := s.Function("NotifierFunction")
		secs, err := strconv.Atoi(fn.Env["FUNCTION_TIMEOUT_SECONDS"])
		if err != nil || time.Duration(secs)*time.Second != fn.Timeout {
			t.Errorf("NotifierTimeout=%q: FUNCTION_TIMEOUT_SECONDS %q, Timeout %s; want the same", override, fn.Env["FUNCTION_TIMEOUT_SECONDS"], fn.Timeout)
		}
		if lease := notify.LeaseFor(fn.Timeout); lease <= fn.Timeout {
			t.Errorf("lease %s does not outlast the timeout %s", lease, fn.Timeout)
		}
		q := s.Queue("NotificationsQueue")
		if vt, _ := strconv.Atoi(q.Attributes["VisibilityTimeout"]); time.Duration(vt)*time.Second < fn.Timeout {
			t.Errorf("queue visibility %d s is shorter than the timeout %s", vt, fn.Timeout)
		}
	}
}

// TestNotifierRefusesABadTimeout: a FUNCTION_TIMEOUT_SECONDS that is not a
// number of seconds stops the function at start, naming the variable.
func TestNotifierRefusesABadTimeout(t *testing.T) {
	t.Setenv("NOTIFICATIONS_QUEUE_URL", "http://127.0.0.1:1/000000000000/q")
	t.Setenv("FUNCTION_TIMEOUT_SECONDS", "thirty")
	a := &app.App{}
	if _, _, err := a.Notifier(nil); err == nil || !strings.Contains(err.Error(), "FUNCTION_TIMEOUT_SECONDS") {
		t.Errorf("Notifier with a bad timeout = %v, want an error naming FUNCTION_TIMEOUT_SECONDS", err)
	}
}
