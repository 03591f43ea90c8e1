package stacktest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/claimsdesk/backend/infra/local/stack"
)

// Tokens are what the hosted sign-in's token endpoint returns.
type Tokens struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Error        string `json:"error"`
}

// SignInBrowser walks a stack's hosted sign-in as a page and its user do:
// it keeps the sign-in's cookies and does not follow redirects.
type SignInBrowser struct {
	Stack *stack.Stack
	// Client is the app client's ID, RedirectURI its callback.
	Client, RedirectURI string
	http                *http.Client
}

// NewSignInBrowser returns a browser signing in to the app client of the
// stack's hosted sign-in with the logical ID client, sent back to
// redirectURI. It fails the test when the stack has no hosted sign-in or
// no such client.
func NewSignInBrowser(t testing.TB, s *stack.Stack, client, redirectURI string) *SignInBrowser {
	t.Helper()
	if s.SignIn == nil {
		t.Fatal("the stack has no hosted sign-in: does the template give its user pool a domain?")
	}
	id, ok := s.SignIn.Clients[client]
	if !ok {
		t.Fatalf("the hosted sign-in serves no client %s (it serves %v)", client, s.SignIn.Clients)
	}
	jar, _ := cookiejar.New(nil)
	return &SignInBrowser{Stack: s, Client: id, RedirectURI: redirectURI,
		http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// SignIn signs in with the sign-in page's form fields (user=<demo user>, or
// username, email, group and custom:<name> fields) through the
// authorization code flow with PKCE, and exchanges the code for tokens.
func (b *SignInBrowser) SignIn(t testing.TB, form url.Values) Tokens {
	t.Helper()
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	verifier := base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {b.Client}, "redirect_uri": {b.RedirectURI}, "state": {"test-state"},
		"scope": {"openid email profile"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	res := b.get(t, b.Stack.SignIn.URL+"/oauth2/authorize?"+q.Encode())
	login := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(login, b.Stack.SignIn.URL+"/login?") {
		t.Fatalf("authorize = %d to %q, want 302 to the sign-in page", res.StatusCode, login)
	}
	res = b.get(t, login)
	page := readAll(t, res)
	m := csrfField.FindStringSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("sign-in page = %d:\n%s", res.StatusCode, page)
	}
	form.Set("_csrf", m[1])
	req, _ := http.NewRequest(http.MethodPost, login, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, res)
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), b.RedirectURI) || back.Query().Get("code") == "" || back.Query().Get("state") != "test-state" {
		t.Fatalf("sign-in = %d to %q, want 302 to %s with a code and the state:\n%s", res.StatusCode, res.Header.Get("Location"), b.RedirectURI, body)
	}
	status, tok := b.Token(t, url.Values{"grant_type": {"authorization_code"}, "client_id": {b.Client}, "code": {back.Query().Get("code")},
		"redirect_uri": {b.RedirectURI}, "code_verifier": {verifier}})
	if status != http.StatusOK {
		t.Fatalf("token = %d %+v", status, tok)
	}
	return tok
}

// Token posts a form to the token endpoint.
func (b *SignInBrowser) Token(t testing.TB, form url.Values) (int, Tokens) {
	t.Helper()
	res, err := b.http.PostForm(b.Stack.SignIn.URL+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok Tokens
	if err := json.Unmarshal([]byte(readAll(t, res)), &tok); err != nil {
		t.Fatalf("token response %d: %v", res.StatusCode, err)
	}
	return res.StatusCode, tok
}

// Refresh exchanges a refresh token for new ID and access tokens.
func (b *SignInBrowser) Refresh(t testing.TB, refreshToken string) (int, Tokens) {
	t.Helper()
	return b.Token(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {b.Client}, "refresh_token": {refreshToken}})
}

func (b *SignInBrowser) get(t testing.TB, u string) *http.Response {
	t.Helper()
	res, err := b.http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func readAll(t testing.TB, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
