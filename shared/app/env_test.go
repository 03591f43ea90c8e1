package app_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/keys"
)

// TestEnvNamesEveryBadVariable: one error names every variable that is
// missing or malformed (not the first one only), and well-formed values
// and defaults come through.
func TestEnvNamesEveryBadVariable(t *testing.T) {
	t.Setenv("TABLE_NAME", "claims-Table")
	t.Setenv("APP_SECRET", "")
	t.Setenv("RETRY_SECONDS", "thirty")
	t.Setenv("GRACE_SECONDS", "5")
	t.Setenv("LIMIT", "-1")
	t.Setenv("ZONE", "Mars/Olympus")
	t.Setenv("HOME_ZONE", "Europe/Moscow")
	env := app.NewEnv()
	table := env.Required("TABLE_NAME")
	env.Required("APP_SECRET")
	retry := env.Seconds("RETRY_SECONDS", 30*time.Second)
	grace := env.Seconds("GRACE_SECONDS", time.Minute)
	timeout := env.Seconds("UNSET_SECONDS", 10*time.Second)
	env.Int("LIMIT", 10)
	zone := env.Location("ZONE")
	home := env.Location("HOME_ZONE")
	site := env.Optional("UNSET_SITE", "")
	if table != "claims-Table" || retry != 30*time.Second || grace != 5*time.Second || timeout != 10*time.Second ||
		zone != time.UTC || home.String() != "Europe/Moscow" || site != "" {
		t.Errorf("values: %q %s %s %s %s %s %q", table, retry, grace, timeout, zone, home, site)
	}
	e, ok := apperr.As(env.Err())
	if !ok || e.Code != apperr.Invalid {
		t.Fatalf("Err = %v, want an Invalid error", env.Err())
	}
	want := []apperr.FieldError{
		{Field: "APP_SECRET", Message: "not set"},
		{Field: "RETRY_SECONDS", Message: `"thirty" is not a number of seconds`},
		{Field: "LIMIT", Message: `"-1" is not a non-negative number`},
		{Field: "ZONE", Message: `"Mars/Olympus" is not a time zone`},
	}
	if diff := cmp.Diff(want, e.Fields); diff != "" {
		t.Errorf("fields mismatch (-want +got):\n%s", diff)
	}
	wantRead := []string{"TABLE_NAME", "APP_SECRET", "RETRY_SECONDS", "GRACE_SECONDS", "UNSET_SECONDS", "LIMIT", "ZONE", "HOME_ZONE", "UNSET_SITE"}
	if diff := cmp.Diff(wantRead, env.Read()); diff != "" {
		t.Errorf("variables read mismatch (-want +got):\n%s", diff)
	}
}

// TestParseNamesTheVariable: a value its parser refuses (a secret too
// short to derive keys from) is recorded under the variable's name.
func TestParseNamesTheVariable(t *testing.T) {
	t.Setenv("APP_SECRET", "short")
	t.Setenv("PORTS", "80")
	env := app.NewEnv()
	app.Parse(env, "APP_SECRET", keys.Derive)
	if got := app.Parse(env, "PORTS", strconv.Atoi); got != 80 {
		t.Errorf("Parse(PORTS) = %d", got)
	}
	e, ok := apperr.As(env.Err())
	if !ok || len(e.Fields) != 1 || e.Fields[0].Field != "APP_SECRET" || !strings.Contains(e.Fields[0].Message, "at least 32 bytes") {
		t.Errorf("Err = %v, want APP_SECRET named with the reason", env.Err())
	}
}

// TestEnvWithEverythingIsFine: no error when every variable is good.
func TestEnvWithEverythingIsFine(t *testing.T) {
	t.Setenv("TABLE_NAME", "claims-Table")
	env := app.NewEnv()
	env.Required("TABLE_NAME")
	env.Check("WEBHOOK_INTERNAL_HOSTS", nil)
	if err := env.Err(); err != nil {
		t.Errorf("Err = %v, want nil", err)
	}
}
