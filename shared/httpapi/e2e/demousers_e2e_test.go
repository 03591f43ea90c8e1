package e2e_test

import (
	"slices"
	"testing"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// TestDemoUsersSignIn: the demo users of local-stack.yaml, whose tokens
// `make run` prints and `make token ROLE=<group>` issues, pass the JWT
// authorizer and are, to the API, who the configuration says: their ID,
// their groups as roles, their dealer from custom:dealer_id.
func TestDemoUsersSignIn(t *testing.T) {
	if len(local.App.Users) == 0 {
		t.Fatal("the stack has no demo users: is local-stack.yaml read?")
	}
	for _, u := range local.App.Users {
		t.Run(u.Username, func(t *testing.T) {
			var me struct {
				UserID   string   `json:"userId"`
				Email    string   `json:"email"`
				Roles    []string `json:"roles"`
				DealerID string   `json:"dealerId"`
			}
			r := (&user{token: st.Token(t, local, u.Groups[0])}).do(t, "GET", "/v1/me", nil)
			r.JSON(t, &me)
			if r.Status != 200 || me.UserID != u.Username || me.Email != u.Email || !slices.Equal(me.Roles, u.Groups) || me.DealerID != u.Attributes["custom:dealer_id"] {
				t.Errorf("GET /v1/me = %d %+v, want %+v", r.Status, me, u)
			}
		})
	}
	if dealer, _ := local.App.UserOf("dealers"); dealer.Attributes["custom:dealer_id"] == "" {
		t.Error("the demo dealer has no custom:dealer_id")
	}
}
