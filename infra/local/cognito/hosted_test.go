package cognito

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	cabinetClient = "cabinetclient"
	callbackURL   = "https://app.example/cabinet/"
	logoutURL     = "https://app.example/cabinet/?signed-out"
	// verifier is a valid PKCE code verifier (43 unreserved characters).
	verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)

func challengeOf(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// fakeClock is the hosted sign-in's clock, moved by the tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// hostedEnv is a hosted sign-in served below a path, as the local stack
// serves it, and a browser with cookies that does not follow redirects.
type hostedEnv struct {
	base    string
	clock   *fakeClock
	browser *http.Client
	issuer  *Issuer
}

func newHostedEnv(t *testing.T) *hostedEnv {
	t.Helper()
	clock := &fakeClock{now: testNow}
	iss := NewIssuer(testKey(), testIssuer, testClient)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base := srv.URL + "/_cognito/pool-1"
	ui, err := NewHostedUI(HostedUIConfig{
		Issuer: iss, BaseURL: base, Now: clock.Now,
		Clients: []Client{
			{ID: testClient, ReadAttributes: []string{"email", "custom:dealer_id"}},
			{ID: cabinetClient, OAuth: true, Flows: []string{"code"}, Scopes: []string{"openid", "email", "profile"}, IdentityProviders: []string{"COGNITO"},
				CallbackURLs: []string{callbackURL}, LogoutURLs: []string{logoutURL}, RefreshTokenTTL: 12 * time.Hour, TokenRevocation: true,
				ReadAttributes: []string{"email", "email_verified", "custom:dealer_id"}},
		},
		Users:      []User{{Username: "dealer-1", Email: "dealer-1@dealers.example", Groups: []string{"dealers"}, Attributes: map[string]string{"custom:dealer_id": "DLR-001"}}},
		Groups:     []string{"dealers", "managers"},
		Attributes: []string{"custom:dealer_id", "custom:team"},
		Labels:     map[string]string{"custom:dealer_id": "dealer"},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/_cognito/pool-1/", http.StripPrefix("/_cognito/pool-1", ui))
	jar, _ := cookiejar.New(nil)
	return &hostedEnv{base: base, clock: clock, issuer: iss, browser: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// authParams are a good authorize request of the cabinet's.
func authParams(mut ...func(url.Values)) url.Values {
	q := url.Values{"response_type": {"code"}, "client_id": {cabinetClient}, "redirect_uri": {callbackURL}, "state": {"st-42"},
		"scope": {"openid email profile"}, "code_challenge": {challengeOf(verifier)}, "code_challenge_method": {"S256"}, "nonce": {"n-1"}}
	for _, m := range mut {
		m(q)
	}
	return q
}

func (e *hostedEnv) get(t *testing.T, path string, q url.Values) *http.Response {
	t.Helper()
	u := e.base + path
	if q != nil {
		u += "?" + q.Encode()
	}
	resp, err := e.browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (e *hostedEnv) post(t *testing.T, rawURL string, form url.Values, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// loginPage follows authorize to the sign-in page and returns its form's
// action and CSRF token.
func (e *hostedEnv) loginPage(t *testing.T, q url.Values) (action, csrf string) {
	t.Helper()
	resp := e.get(t, "/oauth2/authorize", q)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, e.base+"/login?") {
		t.Fatalf("authorize = %d Location %q, want 302 to the login page", resp.StatusCode, loc)
	}
	page, err := e.browser.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	defer page.Body.Close()
	html := body(t, page)
	m := csrfField.FindStringSubmatch(html)
	if page.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("login page = %d, no CSRF field:\n%s", page.StatusCode, html)
	}
	return loc, m[1]
}

// signIn signs in through the page with the form fields and returns where
// the browser is sent.
func (e *hostedEnv) signIn(t *testing.T, q url.Values, form url.Values) *url.URL {
	t.Helper()
	action, csrf := e.loginPage(t, q)
	form.Set("_csrf", csrf)
	resp := e.post(t, action, form)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("POST /login = %d:\n%s", resp.StatusCode, body(t, resp))
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// codeOf checks a redirect to the callback with a code and the state.
func codeOf(t *testing.T, u *url.URL) string {
	t.Helper()
	q := u.Query()
	if got := u.Scheme + "://" + u.Host + u.Path; got != callbackURL || q.Get("state") != "st-42" || q.Get("code") == "" {
		t.Fatalf("sent to %s, want %s with a code and state st-42", u, callbackURL)
	}
	return q.Get("code")
}

type tokenResponse struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Error        string `json:"error"`
}

func (e *hostedEnv) token(t *testing.T, form url.Values) (int, tokenResponse) {
	t.Helper()
	resp := e.post(t, e.base+"/oauth2/token", form)
	var out tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("token response: %v", err)
	}
	return resp.StatusCode, out
}

func exchange(code string, mut ...func(url.Values)) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "client_id": {cabinetClient}, "code": {code}, "redirect_uri": {callbackURL}, "code_verifier": {verifier}}
	for _, m := range mut {
		m(f)
	}
	return f
}

func claimsOf(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	return decodeSegment(t, parts[1])
}

func TestHostedSignInCodeFlowWithPKCE(t *testing.T) {
	e := newHostedEnv(t)
	code := codeOf(t, e.signIn(t, authParams(), url.Values{"user": {"dealer-1"}}))
	e.clock.Advance(time.Minute)
	status, tok := e.token(t, exchange(code))
	if status != http.StatusOK || tok.IDToken == "" || tok.AccessToken == "" || tok.RefreshToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 {
		t.Fatalf("token = %d %+v", status, tok)
	}
	id, access := claimsOf(t, tok.IDToken), claimsOf(t, tok.AccessToken)
	signedIn, issued := float64(testNow.Unix()), float64(testNow.Add(time.Minute).Unix())
	wantID := map[string]any{"token_use": "id", "aud": cabinetClient, "sub": "dealer-1", "cognito:username": "dealer-1", "cognito:groups": []any{"dealers"},
		"custom:dealer_id": "DLR-001", "email": "dealer-1@dealers.example", "email_verified": true, "nonce": "n-1", "auth_time": signedIn, "iat": issued,
		"exp": issued + 3600, "iss": testIssuer}
	for k, want := range wantID {
		if diff := cmp.Diff(want, id[k]); diff != "" {
			t.Errorf("ID token %s (-want +got):\n%s", k, diff)
		}
	}
	wantAccess := map[string]any{"token_use": "access", "client_id": cabinetClient, "username": "dealer-1", "scope": "openid email profile",
		"cognito:groups": []any{"dealers"}, "auth_time": signedIn, "origin_jti": id["origin_jti"]}
	for k, want := range wantAccess {
		if diff := cmp.Diff(want, access[k]); diff != "" {
			t.Errorf("access token %s (-want +got):\n%s", k, diff)
		}
	}
	if _, ok := access["custom:dealer_id"]; ok {
		t.Error("the access token carries custom attributes; Cognito's does not")
	}

	// The session cookie signs the browser in again without the page.
	resp := e.get(t, "/oauth2/authorize", authParams())
	u, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("second authorize = %d", resp.StatusCode)
	}
	again := codeOf(t, u)
	if status, tok := e.token(t, exchange(again)); status != 200 || claimsOf(t, tok.IDToken)["auth_time"] != signedIn {
		t.Errorf("code from the session = %d, auth_time %v, want the first sign-in's", status, claimsOf(t, tok.IDToken)["auth_time"])
	}
	// prompt=login shows the page even so.
	e.loginPage(t, authParams(func(q url.Values) { q.Set("prompt", "login") }))
}

func TestHostedSignInTypedUser(t *testing.T) {
	e := newHostedEnv(t)
	code := codeOf(t, e.signIn(t, authParams(), url.Values{"username": {"d-42"}, "group": {"dealers", "managers"},
		"custom:dealer_id": {"DLR-042"}, "custom:team": {"north"}}))
	status, tok := e.token(t, exchange(code))
	if status != 200 {
		t.Fatalf("token = %d %+v", status, tok)
	}
	id := claimsOf(t, tok.IDToken)
	if id["sub"] != "d-42" || id["custom:dealer_id"] != "DLR-042" || id["email"] != "d-42@users.example" || !cmp.Equal(id["cognito:groups"], []any{"dealers", "managers"}) {
		t.Errorf("ID token = %v", id)
	}
	if _, ok := id["custom:team"]; ok {
		t.Error("the ID token carries custom:team, which the client's ReadAttributes leave out")
	}
}

func TestHostedSignInPageRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		form  url.Values
		csrf  bool
		field string
	}{
		{"no username", url.Values{"username": {""}}, true, "username"},
		{"unknown group", url.Values{"username": {"u"}, "group": {"wizards"}}, true, "group: wizards"},
		{"unknown demo user", url.Values{"user": {"nobody"}}, true, "user: nobody"},
		{"no CSRF token", url.Values{"user": {"dealer-1"}}, false, "_csrf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newHostedEnv(t)
			action, csrf := e.loginPage(t, authParams())
			if tc.csrf {
				tc.form.Set("_csrf", csrf)
			}
			resp := e.post(t, action, tc.form)
			html := body(t, resp)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html, `role="alert"`) || !strings.Contains(html, tc.field) {
				t.Errorf("POST /login = %d, want 400 with an alert naming %q:\n%s", resp.StatusCode, tc.field, html)
			}
		})
	}
}

func TestHostedAuthorizeRefusals(t *testing.T) {
	foreign := "https://evil.example/cabinet/"
	for _, tc := range []struct {
		name string
		mut  func(url.Values)
		// toErrorPage: refused on the sign-in's own error page, never at
		// the redirect URI; else the error sent to the callback.
		toErrorPage bool
		err         string
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "nope") }, true, "invalid_request"},
		{"client without the hosted sign-in", func(q url.Values) { q.Set("client_id", testClient) }, true, "invalid_request"},
		{"foreign redirect URI", func(q url.Values) { q.Set("redirect_uri", foreign) }, true, "redirect_mismatch"},
		{"redirect URI without its slash", func(q url.Values) { q.Set("redirect_uri", strings.TrimSuffix(callbackURL, "/")) }, true, "redirect_mismatch"},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, false, "invalid_request"},
		{"challenge without method", func(q url.Values) { q.Del("code_challenge_method") }, false, "invalid_request"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, false, "invalid_request"},
		{"malformed challenge", func(q url.Values) { q.Set("code_challenge", "short") }, false, "invalid_request"},
		{"no response type", func(q url.Values) { q.Del("response_type") }, false, "invalid_request"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "token") }, false, "unauthorized_client"},
		{"scope not allowed", func(q url.Values) { q.Set("scope", "openid aws.cognito.signin.user.admin") }, false, "invalid_scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newHostedEnv(t)
			for _, path := range []string{"/oauth2/authorize", "/login"} {
				resp := e.get(t, path, authParams(tc.mut))
				loc := resp.Header.Get("Location")
				if resp.StatusCode != http.StatusFound {
					t.Fatalf("%s = %d, want 302", path, resp.StatusCode)
				}
				if tc.toErrorPage {
					if !strings.HasPrefix(loc, e.base+"/error?") || !strings.Contains(loc, tc.err) {
						t.Fatalf("%s sent to %q, want the error page with %s", path, loc, tc.err)
					}
					page := e.get(t, "/error", mustQuery(t, loc))
					if html := body(t, page); page.StatusCode != http.StatusBadRequest || !strings.Contains(html, tc.err) {
						t.Errorf("error page = %d:\n%s", page.StatusCode, html)
					}
					continue
				}
				u, _ := url.Parse(loc)
				if got := u.Scheme + "://" + u.Host + u.Path; got != callbackURL || u.Query().Get("error") != tc.err || u.Query().Get("state") != "st-42" || u.Query().Get("code") != "" {
					t.Errorf("%s sent to %q, want %s?error=%s&state=st-42", path, loc, callbackURL, tc.err)
				}
			}
		})
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestHostedTokenRefusals(t *testing.T) {
	t.Run("wrong verifier spends the code", func(t *testing.T) {
		e := newHostedEnv(t)
		code := codeOf(t, e.signIn(t, authParams(), url.Values{"user": {"dealer-1"}}))
		wrong := strings.Repeat("x", 43)
		if status, tok := e.token(t, exchange(code, func(f url.Values) { f.Set("code_verifier", wrong) })); status != 400 || tok.Error != "invalid_grant" {
			t.Errorf("wrong verifier = %d %+v, want 400 invalid_grant", status, tok)
		}
		if status, tok := e.token(t, exchange(code)); status != 400 || tok.Error != "invalid_grant" {
			t.Errorf("the code after a failed exchange = %d %+v, want 400 invalid_grant", status, tok)
		}
	})
	t.Run("no verifier", func(t *testing.T) {
		e := newHostedEnv(t)
		code := codeOf(t, e.signIn(t, authParams(), url.Values{"user": {"dealer-1"}}))
		if status, tok := e.token(t, exchange(code, func(f url.Values) { f.Del("code_verifier") })); status != 400 || tok.Error != "invalid_grant" {
			t.Errorf("no verifier = %d %+v, want 400 invalid_grant", status, tok)
		}
	})
	t.Run("code used twice", func(t *testing.T) {
		e := newHostedEnv(t)
		code := codeOf(t, e.signIn(t, authParams(), url.Values{"user": {"dealer-1"}}))
		if status, _ := e.token(t, exchange(code)); status != 200 {
			t.Fatalf("first exchange = %d", status)
		}
		if status, tok := e.token(t, exchange(code)); status != 400 || tok.Error != "invalid_grant" || tok.IDToken != "" {
			t.Errorf("second exchange = %d %+v, want 400 invalid_grant", status, tok)
		}
	})
	t.Run("code expired", func(t *testing.T) {
		e := newHostedEnv(t)
		code := codeOf(t, e.signIn(t, authParams(), url.Values{"user": {"dealer-1"}}))
		e.clock.Advance(CodeTTL)
		if status, tok := e.token(t, exchange(code)); status != 400 || tok.Error != "invalid_grant" {
			t.Errorf("expired code = %d %+v, want 400 invalid_grant", status, tok)
		}
	})
	t.Run("another redirect URI", func(t *testing.T) {
		e := newHostedEnv(t)
		code := codeOf(t, e.signIn(t, authParams(), url.Values{"user": {"dealer-1"}}))
		if status, tok := e.token(t, exchange(code, func(f url.Values) { f.Set("redirect_uri", "https://evil.example/") })); status != 400 || tok.Error != "invalid_grant" {
			t.Errorf("another redirect_uri = %d %+v, want 400 invalid_grant", status, tok)
		}
	})
	for _, tc := range []struct {
		name, err string
		status    int
		mut       func(url.Values)
	}{
		{"unknown client", "invalid_client", 400, func(f url.Values) { f.Set("client_id", "nope") }},
		{"no client", "invalid_request", 400, func(f url.Values) { f.Del("client_id") }},
		{"client without the code grant", "unauthorized_client", 400, func(f url.Values) { f.Set("client_id", testClient) }},
		{"password grant", "unsupported_grant_type", 400, func(f url.Values) { f.Set("grant_type", "password") }},
		{"no grant type", "invalid_request", 400, func(f url.Values) { f.Del("grant_type") }},
		{"no code", "invalid_request", 400, func(f url.Values) { f.Del("code") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newHostedEnv(t)
			if status, tok := e.token(t, exchange("some-code", tc.mut)); status != tc.status || tok.Error != tc.err {
				t.Errorf("token = %d %+v, want %d %s", status, tok, tc.status, tc.err)
			}
		})
	}
}

func (e *hostedEnv) signedIn(t *testing.T) tokenResponse {
	t.Helper()
	code := codeOf(t, e.signIn(t, authParams(), url.Values{"user": {"dealer-1"}}))
	status, tok := e.token(t, exchange(code))
	if status != 200 {
		t.Fatalf("token = %d %+v", status, tok)
	}
	return tok
}

func refreshForm(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {cabinetClient}, "refresh_token": {rt}}
}

func TestHostedRefresh(t *testing.T) {
	e := newHostedEnv(t)
	first := e.signedIn(t)
	e.clock.Advance(2 * time.Hour) // the first tokens have expired
	status, tok := e.token(t, refreshForm(first.RefreshToken))
	if status != 200 || tok.IDToken == "" || tok.AccessToken == "" || tok.RefreshToken != "" || tok.ExpiresIn != 3600 {
		t.Fatalf("refresh = %d %+v, want new ID and access tokens and no refresh token", status, tok)
	}
	before, after := claimsOf(t, first.IDToken), claimsOf(t, tok.IDToken)
	if after["iat"] != float64(testNow.Add(2*time.Hour).Unix()) || after["auth_time"] != before["auth_time"] || after["origin_jti"] != before["origin_jti"] ||
		after["custom:dealer_id"] != "DLR-001" || after["jti"] == before["jti"] {
		t.Errorf("refreshed ID token = %v, first %v", after, before)
	}
	if status, tok := e.token(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {testClient}, "refresh_token": {first.RefreshToken}}); status != 400 || tok.Error != "invalid_grant" {
		t.Errorf("refresh by another client = %d %+v, want 400 invalid_grant", status, tok)
	}
	e.clock.Advance(10 * time.Hour) // 12 h after the sign-in: the refresh token's validity
	if status, tok := e.token(t, refreshForm(first.RefreshToken)); status != 400 || tok.Error != "invalid_grant" {
		t.Errorf("expired refresh token = %d %+v, want 400 invalid_grant", status, tok)
	}
}

func (e *hostedEnv) userInfo(t *testing.T, access string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.base+"/oauth2/userInfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := e.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]string{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestHostedRevokeAndUserInfo(t *testing.T) {
	e := newHostedEnv(t)
	tok := e.signedIn(t)
	status, info := e.userInfo(t, tok.AccessToken)
	want := map[string]string{"sub": "dealer-1", "username": "dealer-1", "email": "dealer-1@dealers.example", "email_verified": "true", "custom:dealer_id": "DLR-001"}
	if diff := cmp.Diff(want, info); status != 200 || diff != "" {
		t.Errorf("userInfo = %d (-want +got):\n%s", status, diff)
	}
	if status, _ := e.userInfo(t, tok.IDToken); status != http.StatusUnauthorized {
		t.Errorf("userInfo with the ID token = %d, want 401", status)
	}

	revoke := func(form url.Values) (int, string) {
		resp := e.post(t, e.base+"/oauth2/revoke", form)
		var out struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out.Error
	}
	if status, errCode := revoke(url.Values{"client_id": {cabinetClient}, "token": {tok.AccessToken}}); status != 400 || errCode != "unsupported_token_type" {
		t.Errorf("revoke an access token = %d %s, want 400 unsupported_token_type", status, errCode)
	}
	if status, errCode := revoke(url.Values{"client_id": {cabinetClient}}); status != 400 || errCode != "invalid_request" {
		t.Errorf("revoke without a token = %d %s, want 400 invalid_request", status, errCode)
	}
	if status, errCode := revoke(url.Values{"client_id": {cabinetClient}, "token": {tok.RefreshToken}}); status != 200 || errCode != "" {
		t.Fatalf("revoke = %d %s, want 200", status, errCode)
	}
	if status, tok := e.token(t, refreshForm(tok.RefreshToken)); status != 400 || tok.Error != "invalid_grant" {
		t.Errorf("refresh with a revoked token = %d %+v, want 400 invalid_grant", status, tok)
	}
	if status, _ := e.userInfo(t, tok.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("userInfo with an access token of a revoked sign-in = %d, want 401", status)
	}
	// Revoking again, or an unknown token, is no error.
	if status, errCode := revoke(url.Values{"client_id": {cabinetClient}, "token": {"unknown"}}); status != 200 {
		t.Errorf("revoke an unknown token = %d %s, want 200", status, errCode)
	}
}

func TestHostedLogout(t *testing.T) {
	e := newHostedEnv(t)
	e.signedIn(t)
	resp := e.get(t, "/logout", url.Values{"client_id": {cabinetClient}, "logout_uri": {"https://evil.example/"}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, e.base+"/error?") || !strings.Contains(loc, "redirect_mismatch") {
		t.Fatalf("logout to a foreign URI = %d %q, want the error page", resp.StatusCode, loc)
	}
	// Still signed in: authorize skips the page.
	if resp := e.get(t, "/oauth2/authorize", authParams()); !strings.HasPrefix(resp.Header.Get("Location"), callbackURL) {
		t.Fatalf("authorize after a refused logout sent to %q, want the callback", resp.Header.Get("Location"))
	}
	resp = e.get(t, "/logout", url.Values{"client_id": {cabinetClient}, "logout_uri": {logoutURL}})
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != logoutURL {
		t.Fatalf("logout = %d %q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), logoutURL)
	}
	// Signed out: authorize shows the page again.
	e.loginPage(t, authParams())

	// Sign out and back in: to the sign-in page with the authorize parameters.
	resp = e.get(t, "/logout", authParams(func(q url.Values) { q.Set("client_id", cabinetClient) }))
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, e.base+"/login?") {
		t.Errorf("logout with redirect_uri = %d %q, want the login page", resp.StatusCode, loc)
	}
}

func TestHostedDiscoveryAndJWKS(t *testing.T) {
	e := newHostedEnv(t)
	var doc map[string]any
	resp := e.get(t, "/.well-known/openid-configuration", nil)
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("openid-configuration = %d %v", resp.StatusCode, err)
	}
	for k, want := range map[string]string{"issuer": testIssuer, "authorization_endpoint": e.base + "/oauth2/authorize", "token_endpoint": e.base + "/oauth2/token",
		"revocation_endpoint": e.base + "/oauth2/revoke", "userinfo_endpoint": e.base + "/oauth2/userInfo", "end_session_endpoint": e.base + "/logout",
		"jwks_uri": e.base + "/.well-known/jwks.json"} {
		if doc[k] != want {
			t.Errorf("%s = %v, want %s", k, doc[k], want)
		}
	}
	jwks := e.get(t, "/.well-known/jwks.json", nil)
	if key := jwksKey(t, []byte(body(t, jwks)), e.issuer.KeyID()); key == nil {
		t.Error("the JWKS lacks the signing key")
	}
	// The token endpoint answers a page's CORS preflight.
	req, _ := http.NewRequest(http.MethodOptions, e.base+"/oauth2/token", nil)
	req.Header.Set("Origin", "https://app.example")
	pre, err := e.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pre.Body.Close()
	if pre.StatusCode != http.StatusNoContent || pre.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("preflight = %d %v", pre.StatusCode, pre.Header)
	}
}

// TestHostedCodeExchangedOnceUnderRace: of many exchanges of one code at
// the same time, exactly one gets tokens.
func TestHostedCodeExchangedOnceUnderRace(t *testing.T) {
	e := newHostedEnv(t)
	code := codeOf(t, e.signIn(t, authParams(), url.Values{"user": {"dealer-1"}}))
	const n = 16
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.PostForm(e.base+"/oauth2/token", exchange(code))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	if diff := cmp.Diff(map[int]int{200: 1, 400: n - 1}, got); diff != "" {
		t.Errorf("statuses mismatch (-want +got):\n%s", diff)
	}
}
