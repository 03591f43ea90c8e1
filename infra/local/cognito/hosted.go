package cognito

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Lifetimes Cognito gives what the hosted sign-in hands out.
const (
	// CodeTTL is how long an authorization code may be exchanged (once).
	CodeTTL = 5 * time.Minute
	// SessionTTL is how long the sign-in session cookie lets a browser
	// through /oauth2/authorize without the sign-in page.
	SessionTTL = time.Hour
)

// Client is an app client as the hosted sign-in sees it.
type Client struct {
	ID string
	// Secret marks a confidential client: the local pool does not know its
	// secret, so the token endpoint refuses it (invalid_client).
	Secret bool
	// OAuth is AllowedOAuthFlowsUserPoolClient; without it the hosted
	// sign-in does not serve the client.
	OAuth bool
	// Flows (AllowedOAuthFlows: code, implicit, client_credentials) and
	// Scopes (AllowedOAuthScopes).
	Flows  []string
	Scopes []string
	// IdentityProviders are SupportedIdentityProviders (COGNITO).
	IdentityProviders []string
	// CallbackURLs and LogoutURLs are the only places the browser is sent
	// back to, compared exactly.
	CallbackURLs []string
	LogoutURLs   []string
	// Token lifetimes; zero takes Cognito's defaults (an hour, an hour, 30 days).
	IDTokenTTL, AccessTokenTTL, RefreshTokenTTL time.Duration
	// TokenRevocation is EnableTokenRevocation.
	TokenRevocation bool
	// ReadAttributes are the attributes its ID tokens carry; nil for all.
	ReadAttributes []string
}

// User is a user of the pool: a demo user the sign-in page offers, or one
// typed into it.
type User struct {
	Username   string
	Email      string
	Groups     []string
	Attributes map[string]string
}

// HostedUIConfig configures a HostedUI.
type HostedUIConfig struct {
	// Issuer signs the tokens.
	Issuer *Issuer
	// BaseURL is where the endpoints are served, the local stand-in for
	// https://<domain>.auth.<region>.amazoncognito.com; the OpenID
	// configuration names the endpoints under it, and the session cookie
	// is scoped to its path.
	BaseURL string
	// Clients are the pool's app clients.
	Clients []Client
	// Users are offered on the sign-in page, one button each.
	Users []User
	// Groups are the pool's groups: a typed user may be in these only.
	Groups []string
	// Attributes are the pool's custom attributes ("custom:<name>"): the
	// page has a field for each.
	Attributes []string
	// Labels name attributes on the page ("custom:dealer_id" -> "dealer").
	Labels map[string]string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// HostedUI serves a user pool's hosted sign-in endpoints, as Cognito serves
// them on the pool's domain: GET /oauth2/authorize, GET and POST /login,
// POST /oauth2/token, POST /oauth2/revoke, GET /logout, GET and POST
// /oauth2/userInfo, GET /error, and the pool's GET /.well-known/jwks.json
// and /.well-known/openid-configuration. Codes, refresh tokens and sessions
// live in memory: a restart signs everyone out.
//
// It is stricter than Cognito in one respect: a public client must use PKCE
// (S256); Cognito lets a public client go without it.
type HostedUI struct {
	cfg        HostedUIConfig
	cookiePath string

	mu       sync.Mutex
	codes    map[string]*authCode
	grants   map[string]*grant // by refresh token
	signins  map[string]*grant // by origin_jti
	sessions map[string]*session
}

type authCode struct {
	client, redirectURI, challenge, nonce string
	scopes                                []string
	user                                  User
	authTime, expires                     time.Time
}

type grant struct {
	client    string
	user      User
	scopes    []string
	authTime  time.Time
	originJTI string
	expires   time.Time
	revoked   bool
}

type session struct {
	user              User
	authTime, expires time.Time
}

// NewHostedUI returns the hosted sign-in of cfg's pool.
func NewHostedUI(cfg HostedUIConfig) (*HostedUI, error) {
	if cfg.Issuer == nil {
		return nil, errors.New("hosted sign-in: no issuer")
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("hosted sign-in: base URL %q is not an absolute URL", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	for i := range cfg.Clients {
		c := &cfg.Clients[i]
		if c.IDTokenTTL <= 0 {
			c.IDTokenTTL = DefaultTTL
		}
		if c.AccessTokenTTL <= 0 {
			c.AccessTokenTTL = DefaultTTL
		}
		if c.RefreshTokenTTL <= 0 {
			c.RefreshTokenTTL = 30 * 24 * time.Hour
		}
	}
	path := strings.TrimSuffix(base.Path, "/")
	if path == "" {
		path = "/"
	}
	return &HostedUI{cfg: cfg, cookiePath: path, codes: map[string]*authCode{}, grants: map[string]*grant{},
		signins: map[string]*grant{}, sessions: map[string]*session{}}, nil
}

// BaseURL returns where the endpoints are served.
func (h *HostedUI) BaseURL() string { return h.cfg.BaseURL }

func (h *HostedUI) client(id string) (*Client, bool) {
	for i := range h.cfg.Clients {
		if h.cfg.Clients[i].ID == id {
			return &h.cfg.Clients[i], true
		}
	}
	return nil, false
}

// ServeHTTP routes a request by its path below BaseURL's.
func (h *HostedUI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/oauth2/authorize":
		h.only(w, r, h.authorize, http.MethodGet)
	case "/login":
		h.only(w, r, h.login, http.MethodGet, http.MethodPost)
	case "/oauth2/token":
		h.cors(w, r, h.token, http.MethodPost)
	case "/oauth2/revoke":
		h.cors(w, r, h.revoke, http.MethodPost)
	case "/oauth2/userInfo":
		h.cors(w, r, h.userInfo, http.MethodGet, http.MethodPost)
	case "/logout":
		h.only(w, r, h.logout, http.MethodGet)
	case "/error":
		h.only(w, r, func(w http.ResponseWriter, r *http.Request) {
			h.errorPage(w, r.URL.Query().Get("error"))
		}, http.MethodGet)
	case "/.well-known/jwks.json":
		h.cors(w, r, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(h.cfg.Issuer.JWKS())
		}, http.MethodGet)
	case "/.well-known/openid-configuration":
		h.cors(w, r, h.discovery, http.MethodGet)
	default:
		http.NotFound(w, r)
	}
}

func (h *HostedUI) only(w http.ResponseWriter, r *http.Request, f http.HandlerFunc, methods ...string) {
	if !slices.Contains(methods, r.Method) {
		w.Header().Set("Allow", strings.Join(methods, ", "))
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f(w, r)
}

// cors serves an endpoint a page calls with fetch from its own origin, as
// Cognito's token, revoke and userInfo endpoints allow.
func (h *HostedUI) cors(w http.ResponseWriter, r *http.Request, f http.HandlerFunc, methods ...string) {
	if origin := r.Header.Get("Origin"); origin != "" {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Add("Vary", "Origin")
	}
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", strings.Join(append(methods, http.MethodOptions), ", "))
		w.Header().Set("Access-Control-Allow-Headers", "authorization, content-type")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.only(w, r, f, methods...)
}

// authRequest is a validated /oauth2/authorize (or /login) request.
type authRequest struct {
	client                               *Client
	redirectURI, state, challenge, nonce string
	scopes                               []string
	forceLogin                           bool
	rawQuery                             string
}

// errRedirect is a refusal sent back to the (registered) redirect URI.
type errRedirect struct{ code, description string }

func (e *errRedirect) Error() string { return e.code + ": " + e.description }

// parseAuth validates an authorize request. An unknown client or a
// redirect URI the client did not register gives the error page
// (pageErr); every other refusal goes back to the redirect URI (redirErr).
func (h *HostedUI) parseAuth(q url.Values) (req *authRequest, pageErr string, redirErr *errRedirect) {
	c, ok := h.client(q.Get("client_id"))
	if !ok || !c.OAuth {
		return nil, "invalid_request: client_id: no such client, or the client is not enabled for the hosted sign-in", nil
	}
	req = &authRequest{client: c, redirectURI: q.Get("redirect_uri"), state: q.Get("state"), nonce: q.Get("nonce"), rawQuery: q.Encode()}
	if req.redirectURI == "" || !slices.Contains(c.CallbackURLs, req.redirectURI) {
		return nil, "redirect_mismatch: redirect_uri is not one of the client's callback URLs", nil
	}
	switch rt := q.Get("response_type"); {
	case rt == "":
		return req, "", &errRedirect{"invalid_request", "response_type is missing"}
	case rt != "code" && rt != "token":
		return req, "", &errRedirect{"unsupported_response_type", "response_type must be code or token"}
	case rt == "code" && !slices.Contains(c.Flows, "code"), rt == "token" && !slices.Contains(c.Flows, "implicit"):
		return req, "", &errRedirect{"unauthorized_client", "the client may not use response_type " + rt}
	case rt == "token":
		return req, "", &errRedirect{"unsupported_response_type", "the local sign-in serves the authorization code flow only"}
	}
	if idp := q.Get("identity_provider"); idp != "" && (idp != "COGNITO" || !slices.Contains(c.IdentityProviders, "COGNITO")) {
		return req, "", &errRedirect{"invalid_request", "identity_provider: only COGNITO is served locally"}
	}
	if raw := q.Get("scope"); raw != "" {
		for _, s := range strings.Fields(raw) {
			if !slices.Contains(c.Scopes, s) {
				return req, "", &errRedirect{"invalid_scope", "scope " + s + " is not allowed for the client"}
			}
		}
		// The client's order, as Cognito writes the access token's scope.
		for _, s := range c.Scopes {
			if slices.Contains(strings.Fields(raw), s) {
				req.scopes = append(req.scopes, s)
			}
		}
	} else {
		req.scopes = slices.Clone(c.Scopes)
	}
	req.challenge = q.Get("code_challenge")
	method := q.Get("code_challenge_method")
	switch {
	case req.challenge == "" && method == "" && !c.Secret:
		return req, "", &errRedirect{"invalid_request", "code_challenge: a public client must use PKCE (S256)"}
	case req.challenge != "" && method == "":
		return req, "", &errRedirect{"invalid_request", "code_challenge_method is missing"}
	case method != "" && method != "S256":
		return req, "", &errRedirect{"invalid_request", "code_challenge_method must be S256"}
	case method != "" && !validChallenge(req.challenge):
		return req, "", &errRedirect{"invalid_request", "code_challenge must be 43 base64url characters (the SHA-256 of the verifier)"}
	}
	req.forceLogin = q.Get("prompt") == "login"
	return req, "", nil
}

func validChallenge(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// redirectError sends a refusal back to the validated redirect URI.
func redirectError(w http.ResponseWriter, r *http.Request, req *authRequest, e *errRedirect) {
	http.Redirect(w, r, withQuery(req.redirectURI, "error", e.code, "error_description", e.description, "state", req.state), http.StatusFound)
}

// withQuery adds parameters (pairs of name and value; an empty value is
// left out) to a URL's query.
func withQuery(raw string, kv ...string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// errorPage sends the browser to the sign-in's own error page: what
// Cognito does when it may not redirect to the app.
func (h *HostedUI) toErrorPage(w http.ResponseWriter, r *http.Request, msg string) {
	http.Redirect(w, r, h.cfg.BaseURL+"/error?"+url.Values{"error": {msg}}.Encode(), http.StatusFound)
}

// authRequest reads an authorization request from the query; when it is
// refused, the browser has been sent to the error page, or back to the
// app with the error, and ok is false.
func (h *HostedUI) authRequest(w http.ResponseWriter, r *http.Request) (req *authRequest, ok bool) {
	req, pageErr, redirErr := h.parseAuth(r.URL.Query())
	switch {
	case pageErr != "":
		h.toErrorPage(w, r, pageErr)
		return req, false
	case redirErr != nil:
		redirectError(w, r, req, redirErr)
		return req, false
	}
	return req, true
}

func (h *HostedUI) authorize(w http.ResponseWriter, r *http.Request) {
	req, ok := h.authRequest(w, r)
	if !ok {
		return
	}
	if !req.forceLogin {
		if s, ok := h.session(r); ok {
			h.complete(w, r, req, s.user, s.authTime)
			return
		}
	}
	http.Redirect(w, r, h.cfg.BaseURL+"/login?"+req.rawQuery, http.StatusFound)
}

func (h *HostedUI) session(r *http.Request) (*session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.sessions[c.Value]
	if !ok || !h.cfg.Now().Before(s.expires) {
		delete(h.sessions, c.Value)
		return nil, false
	}
	return s, true
}

// Cookie names of the hosted sign-in.
const (
	sessionCookie = "cognito"
	csrfCookie    = "XSRF-TOKEN"
)

func (h *HostedUI) login(w http.ResponseWriter, r *http.Request) {
	req, ok := h.authRequest(w, r)
	if !ok {
		return
	}
	if r.Method == http.MethodGet {
		h.renderLogin(w, req, http.StatusOK, signInForm{})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.renderLogin(w, req, http.StatusBadRequest, signInForm{Error: "The form could not be read: " + err.Error()})
		return
	}
	cookie, err := r.Cookie(csrfCookie)
	if form := r.PostForm.Get("_csrf"); err != nil || form == "" || subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(form)) != 1 {
		h.renderLogin(w, req, http.StatusBadRequest, signInForm{Error: "The sign-in form expired or came from elsewhere (_csrf): sign in again."})
		return
	}
	u, form := h.formUser(r.PostForm)
	if form.Error != "" {
		h.renderLogin(w, req, http.StatusBadRequest, form)
		return
	}
	now := h.cfg.Now()
	sid, err := randomToken()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.mu.Lock()
	h.pruneLocked(now)
	h.sessions[sid] = &session{user: u, authTime: now, expires: now.Add(SessionTTL)}
	h.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: h.cookiePath, HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(SessionTTL / time.Second)})
	h.complete(w, r, req, u, now)
}

// formUser reads the user the sign-in form names: a demo user (user=<name>)
// or the typed username, email, groups and attributes.
func (h *HostedUI) formUser(f url.Values) (User, signInForm) {
	if name := f.Get("user"); name != "" {
		for _, u := range h.cfg.Users {
			if u.Username == name {
				return u, signInForm{}
			}
		}
		return User{}, signInForm{Error: "user: " + name + " is not a demo user"}
	}
	form := signInForm{Username: strings.TrimSpace(f.Get("username")), Email: strings.TrimSpace(f.Get("email")), Groups: f["group"], Values: map[string]string{}}
	u := User{Username: form.Username, Email: form.Email, Attributes: map[string]string{}}
	switch {
	case u.Username == "":
		form.Error, form.Field = "username: enter a username", "username"
		return User{}, form
	case len(u.Username) > 128 || strings.ContainsAny(u.Username, " \t\r\n"):
		form.Error, form.Field = "username: at most 128 characters, no spaces", "username"
		return User{}, form
	case u.Email != "" && (len(u.Email) > 254 || !strings.Contains(u.Email, "@")):
		form.Error, form.Field = "email: not an email address", "email"
		return User{}, form
	}
	for _, g := range form.Groups {
		if !slices.Contains(h.cfg.Groups, g) {
			form.Error, form.Field = "group: "+g+" is not a group of the user pool", "group"
			return User{}, form
		}
		if !slices.Contains(u.Groups, g) {
			u.Groups = append(u.Groups, g)
		}
	}
	for _, a := range h.cfg.Attributes {
		v := strings.TrimSpace(f.Get(a))
		form.Values[a] = v
		if len(v) > 2048 {
			form.Error, form.Field = a+": at most 2048 characters", a
			return User{}, form
		}
		if v != "" {
			u.Attributes[a] = v
		}
	}
	if u.Email == "" {
		u.Email = u.Username + "@users.example"
	}
	return u, signInForm{}
}

// complete hands the browser back to the app with a code.
func (h *HostedUI) complete(w http.ResponseWriter, r *http.Request, req *authRequest, u User, authTime time.Time) {
	code, err := randomToken()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	now := h.cfg.Now()
	h.mu.Lock()
	h.pruneLocked(now)
	h.codes[code] = &authCode{client: req.client.ID, redirectURI: req.redirectURI, challenge: req.challenge, nonce: req.nonce,
		scopes: req.scopes, user: u, authTime: authTime, expires: now.Add(CodeTTL)}
	h.mu.Unlock()
	http.Redirect(w, r, withQuery(req.redirectURI, "code", code, "state", req.state), http.StatusFound)
}

// pruneLocked forgets expired codes, sessions and refresh tokens.
func (h *HostedUI) pruneLocked(now time.Time) {
	for k, c := range h.codes {
		if !now.Before(c.expires) {
			delete(h.codes, k)
		}
	}
	for k, s := range h.sessions {
		if !now.Before(s.expires) {
			delete(h.sessions, k)
		}
	}
	for k, g := range h.grants {
		if !now.Before(g.expires) {
			delete(h.grants, k)
			delete(h.signins, g.originJTI)
		}
	}
}

// oauthError is the token, revoke and userInfo endpoints' JSON refusal.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error=%q, error_description=%q`, code, description))
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// tokenClient finds and authenticates the client of a token or revoke
// request (a public client names itself with client_id).
func (h *HostedUI) tokenClient(w http.ResponseWriter, r *http.Request) (*Client, bool) {
	id := r.PostForm.Get("client_id")
	if basic, _, ok := r.BasicAuth(); ok {
		id = basic
	}
	if id == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_id is missing")
		return nil, false
	}
	c, ok := h.client(id)
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_client", "client_id: no such client")
		return nil, false
	}
	if c.Secret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "the client has a secret, which the local user pool does not know")
		return nil, false
	}
	return c, true
}

func (h *HostedUI) readForm(w http.ResponseWriter, r *http.Request) bool {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the form could not be read")
		return false
	}
	return true
}

func (h *HostedUI) token(w http.ResponseWriter, r *http.Request) {
	if !h.readForm(w, r) {
		return
	}
	c, ok := h.tokenClient(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	switch f.Get("grant_type") {
	case "authorization_code":
		h.exchangeCode(w, c, f)
	case "refresh_token":
		h.refresh(w, c, f)
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is missing")
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

func (h *HostedUI) exchangeCode(w http.ResponseWriter, c *Client, f url.Values) {
	if !c.OAuth || !slices.Contains(c.Flows, "code") {
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "the client may not use the authorization code grant")
		return
	}
	code, redirectURI, verifier := f.Get("code"), f.Get("redirect_uri"), f.Get("code_verifier")
	if code == "" || redirectURI == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "code and redirect_uri are required")
		return
	}
	now := h.cfg.Now()
	h.mu.Lock()
	ac, found := h.codes[code]
	// A code is spent by its first exchange, whatever becomes of it.
	delete(h.codes, code)
	h.mu.Unlock()
	switch {
	case !found:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the code is unknown or was already used")
		return
	case !now.Before(ac.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the code expired")
		return
	case ac.client != c.ID:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the code was issued to another client")
		return
	case ac.redirectURI != redirectURI:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorize request's")
		return
	}
	if ac.challenge != "" {
		sum := sha256.Sum256([]byte(verifier))
		if !validVerifier(verifier) || base64.RawURLEncoding.EncodeToString(sum[:]) != ac.challenge {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
			return
		}
	}
	refresh, err := randomToken()
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	originJTI, err := newUUID()
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	g := &grant{client: c.ID, user: ac.user, scopes: ac.scopes, authTime: ac.authTime, originJTI: originJTI, expires: now.Add(c.RefreshTokenTTL)}
	body, err := h.tokens(c, g, ac.nonce, now)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	body["refresh_token"] = refresh
	h.mu.Lock()
	h.grants[refresh] = g
	h.signins[originJTI] = g
	h.mu.Unlock()
	writeTokens(w, body)
}

// validVerifier: RFC 7636's 43 to 128 unreserved characters.
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, c := range v {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("-._~", c)) {
			return false
		}
	}
	return true
}

func (h *HostedUI) refresh(w http.ResponseWriter, c *Client, f url.Values) {
	rt := f.Get("refresh_token")
	if rt == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "refresh_token is missing")
		return
	}
	now := h.cfg.Now()
	h.mu.Lock()
	var g grant
	stored, ok := h.grants[rt]
	if ok {
		g = *stored // revoke changes it under the lock
	}
	h.mu.Unlock()
	switch {
	case !ok || g.client != c.ID:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid Refresh Token")
		return
	case g.revoked:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Refresh Token has been revoked")
		return
	case !now.Before(g.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Refresh Token has expired")
		return
	}
	body, err := h.tokens(c, &g, "", now)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	writeTokens(w, body)
}

// tokens issues the ID token (when the scopes include openid) and the
// access token of a sign-in.
func (h *HostedUI) tokens(c *Client, g *grant, nonce string, now time.Time) (map[string]any, error) {
	attrs := map[string]string{}
	for name, v := range g.user.Attributes {
		if c.ReadAttributes == nil || slices.Contains(c.ReadAttributes, name) {
			attrs[name] = v
		}
	}
	email := g.user.Email
	if c.ReadAttributes != nil && !slices.Contains(c.ReadAttributes, "email") {
		email = ""
	}
	base := TokenRequest{Subject: g.user.Username, Username: g.user.Username, Groups: g.user.Groups, ClientID: c.ID,
		AuthTime: g.authTime, OriginJTI: g.originJTI}
	access := base
	access.Use, access.TTL, access.Scopes = "access", c.AccessTokenTTL, g.scopes
	at, err := h.cfg.Issuer.Token(access, now)
	if err != nil {
		return nil, err
	}
	body := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(c.AccessTokenTTL / time.Second)}
	if slices.Contains(g.scopes, "openid") {
		id := base
		id.Use, id.TTL, id.Email, id.Attributes = "id", c.IDTokenTTL, email, attrs
		if nonce != "" {
			id.Extra = map[string]any{"nonce": nonce}
		}
		it, err := h.cfg.Issuer.Token(id, now)
		if err != nil {
			return nil, err
		}
		body["id_token"] = it
	}
	return body, nil
}

func writeTokens(w http.ResponseWriter, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(body)
}

// revoke revokes a refresh token and, with it, the access tokens issued
// from it (userInfo refuses them); the JWT authorizer, as API Gateway's,
// checks signatures and expiry only.
func (h *HostedUI) revoke(w http.ResponseWriter, r *http.Request) {
	if !h.readForm(w, r) {
		return
	}
	c, ok := h.tokenClient(w, r)
	if !ok {
		return
	}
	tok := r.PostForm.Get("token")
	switch {
	case tok == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "token is missing")
		return
	case !c.TokenRevocation:
		oauthError(w, http.StatusBadRequest, "invalid_request", "token revocation is not enabled for the client")
		return
	case strings.Count(tok, ".") == 2:
		oauthError(w, http.StatusBadRequest, "unsupported_token_type", "only refresh tokens can be revoked")
		return
	}
	h.mu.Lock()
	g, ok := h.grants[tok]
	mine := !ok || g.client == c.ID
	// An unknown token is no error (RFC 7009): it cannot be used either way.
	if ok && mine {
		g.revoked = true
	}
	h.mu.Unlock()
	if !mine {
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "the token was issued to another client")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// logout ends the session and sends the browser to logout_uri, or back to
// the sign-in page when the request names redirect_uri and response_type.
func (h *HostedUI) logout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, ok := h.client(q.Get("client_id"))
	if !ok || !c.OAuth {
		h.toErrorPage(w, r, "invalid_request: client_id: no such client, or the client is not enabled for the hosted sign-in")
		return
	}
	var target string
	if lu := q.Get("logout_uri"); lu != "" {
		if !slices.Contains(c.LogoutURLs, lu) {
			h.toErrorPage(w, r, "redirect_mismatch: logout_uri is not one of the client's sign-out URLs")
			return
		}
		target = lu
	} else {
		req, pageErr, redirErr := h.parseAuth(q)
		switch {
		case q.Get("redirect_uri") == "":
			h.toErrorPage(w, r, "invalid_request: logout_uri or redirect_uri is required")
			return
		case pageErr != "":
			h.toErrorPage(w, r, pageErr)
			return
		case redirErr != nil:
			redirectError(w, r, req, redirErr)
			return
		}
		target = h.cfg.BaseURL + "/login?" + req.rawQuery
	}
	if ck, err := r.Cookie(sessionCookie); err == nil {
		h.mu.Lock()
		delete(h.sessions, ck.Value)
		h.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: h.cookiePath, HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, target, http.StatusFound)
}

// userInfo returns the signed-in user's attributes the access token's
// scopes allow.
func (h *HostedUI) userInfo(w http.ResponseWriter, r *http.Request) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		oauthError(w, http.StatusUnauthorized, "invalid_request", "Authorization: Bearer <access token> is missing")
		return
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if key, ok := h.cfg.Issuer.PublicKey(kid); ok {
			return key, nil
		}
		return nil, errors.New("unknown key")
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(h.cfg.Issuer.IssuerURL()), jwt.WithTimeFunc(h.cfg.Now), jwt.WithExpirationRequired())
	if err != nil {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "the access token is not valid: "+err.Error())
		return
	}
	if claims["token_use"] != "access" {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "not an access token")
		return
	}
	origin, _ := claims["origin_jti"].(string)
	h.mu.Lock()
	var g grant
	stored, ok := h.signins[origin]
	if ok {
		g = *stored
	}
	h.mu.Unlock()
	switch {
	case !ok:
		oauthError(w, http.StatusUnauthorized, "invalid_token", "the access token was not issued by the hosted sign-in")
		return
	case g.revoked:
		oauthError(w, http.StatusUnauthorized, "invalid_token", "Access Token has been revoked")
		return
	}
	scopes := strings.Fields(fmt.Sprint(claims["scope"]))
	if !slices.Contains(scopes, "openid") {
		oauthError(w, http.StatusBadRequest, "insufficient_scope", "the access token has no openid scope")
		return
	}
	out := map[string]string{"sub": g.user.Username, "username": g.user.Username}
	c, _ := h.client(g.client)
	readable := func(name string) bool {
		return c == nil || c.ReadAttributes == nil || slices.Contains(c.ReadAttributes, name)
	}
	if slices.Contains(scopes, "email") && g.user.Email != "" && readable("email") {
		out["email"], out["email_verified"] = g.user.Email, "true"
	}
	if slices.Contains(scopes, "profile") {
		for name, v := range g.user.Attributes {
			if readable(name) {
				out[name] = v
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

// discovery is the pool's OpenID configuration, naming the local endpoints.
func (h *HostedUI) discovery(w http.ResponseWriter, _ *http.Request) {
	b := h.cfg.BaseURL
	doc := map[string]any{
		"issuer":                                h.cfg.Issuer.IssuerURL(),
		"authorization_endpoint":                b + "/oauth2/authorize",
		"token_endpoint":                        b + "/oauth2/token",
		"revocation_endpoint":                   b + "/oauth2/revoke",
		"userinfo_endpoint":                     b + "/oauth2/userInfo",
		"end_session_endpoint":                  b + "/logout",
		"jwks_uri":                              b + "/.well-known/jwks.json",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "email", "phone", "profile"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"none"},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

// randomToken returns 32 random bytes, base64url: codes, refresh tokens,
// sessions, CSRF tokens.
func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
