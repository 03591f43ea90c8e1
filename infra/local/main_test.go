package main

import (
	"flag"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/infra/local/appconfig"
)

// TestDemoUserLabel: the banner names each demo user with their attributes,
// by the short names of the configuration where it has them.
func TestDemoUserLabel(t *testing.T) {
	app := &appconfig.Config{ClaimNames: map[string]string{"table": "custom:table_no"}}
	tests := []struct {
		user appconfig.User
		want string
	}{
		{appconfig.User{Username: "host-1"}, "host-1"},
		{appconfig.User{Username: "guest-1", Attributes: map[string]string{"custom:table_no": "7"}}, "guest-1 (table 7)"},
		{appconfig.User{Username: "guest-2", Attributes: map[string]string{"custom:table_no": "8", "custom:diet": "vegan", "custom:note": ""}}, "guest-2 (custom:diet vegan, table 8)"},
	}
	for _, tt := range tests {
		if got := demoUserLabel(app, tt.user); got != tt.want {
			t.Errorf("demoUserLabel(%s) = %q, want %q", tt.user.Username, got, tt.want)
		}
	}
}

// TestClaimFlags: -claim is repeatable, name=value, the value may hold "="
// or be empty; anything else is refused.
func TestClaimFlags(t *testing.T) {
	claims := claimFlags{}
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(claims, "claim", "")
	if err := fs.Parse([]string{"-claim", "table=12", "-claim", "custom:note=a=b", "-claim", "custom:diet="}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(claimFlags{"table": "12", "custom:note": "a=b", "custom:diet": ""}, claims); diff != "" {
		t.Errorf("claims mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"table", "=12"} {
		if err := fs.Parse([]string{"-claim", bad}); err == nil {
			t.Errorf("-claim %q accepted", bad)
		}
	}
}
