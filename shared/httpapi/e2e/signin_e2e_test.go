package e2e_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// me is GET /v1/me's answer.
type me struct {
	UserID   string   `json:"userId"`
	Email    string   `json:"email"`
	Roles    []string `json:"roles"`
	DealerID string   `json:"dealerId"`
}

func whoAmI(t *testing.T, token string) (int, me) {
	t.Helper()
	var out me
	r := (&user{token: token}).do(t, "GET", "/v1/me", nil)
	if r.Status == http.StatusOK {
		r.JSON(t, &out)
	}
	return r.Status, out
}

// TestHostedSignInTokensPassTheAuthorizer: a dealer signs in through the
// stack's hosted sign-in as the cabinet will (authorization code with PKCE,
// back to the cabinet's page on the API), and the API's JWT authorizer
// takes the ID token: GET /v1/me is the dealer, with their dealer ID; so it
// is for a user typed into the sign-in page, and for the tokens a refresh
// gives. A foreign redirect URI gets the sign-in's error page.
func TestHostedSignInTokensPassTheAuthorizer(t *testing.T) {
	cabinet := local.APIURL + "/cabinet"
	dealer, ok := local.App.UserOf("dealers")
	if !ok {
		t.Fatal("no demo dealer in local-stack.yaml")
	}
	browser := st.NewSignInBrowser(t, local, "CabinetClient", cabinet)
	tok := browser.SignIn(t, url.Values{"user": {dealer.Username}})
	status, got := whoAmI(t, tok.IDToken)
	if status != http.StatusOK || got.UserID != dealer.Username || got.Email != dealer.Email || !slices.Equal(got.Roles, dealer.Groups) || got.DealerID != dealer.Attributes["custom:dealer_id"] {
		t.Errorf("GET /v1/me with the hosted sign-in's ID token = %d %+v, want %+v", status, got, dealer)
	}

	status, fresh := browser.Refresh(t, tok.RefreshToken)
	if status != http.StatusOK || fresh.IDToken == "" || fresh.RefreshToken != "" {
		t.Fatalf("refresh = %d %+v", status, fresh)
	}
	if status, got := whoAmI(t, fresh.IDToken); status != http.StatusOK || got.DealerID != dealer.Attributes["custom:dealer_id"] {
		t.Errorf("GET /v1/me with the refreshed ID token = %d %+v", status, got)
	}

	typed := st.NewSignInBrowser(t, local, "CabinetClient", cabinet).SignIn(t, url.Values{"username": {"d-signin-7"}, "group": {"dealers"}, "custom:dealer_id": {"DLR-777"}})
	if status, got := whoAmI(t, typed.IDToken); status != http.StatusOK || got.UserID != "d-signin-7" || got.DealerID != "DLR-777" || !slices.Equal(got.Roles, []string{"dealers"}) {
		t.Errorf("GET /v1/me of a typed user = %d %+v, want d-signin-7 of dealer DLR-777", status, got)
	}

	foreign := url.Values{"response_type": {"code"}, "client_id": {browser.Client}, "redirect_uri": {"https://evil.example/cabinet/"},
		"code_challenge": {strings.Repeat("A", 43)}, "code_challenge_method": {"S256"}}
	r := st.Do(t, "GET", local.SignIn.URL+"/oauth2/authorize?"+foreign.Encode(), "", nil)
	if loc := r.Header.Get("Location"); r.Status != http.StatusFound || !strings.HasPrefix(loc, local.SignIn.URL+"/error?") {
		t.Errorf("authorize with a foreign redirect URI = %d to %q, want the sign-in's error page", r.Status, loc)
	}
}
