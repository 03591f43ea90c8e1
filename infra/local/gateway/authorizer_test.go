package gateway

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/local/cognito"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

// forge signs claims with an arbitrary method and key under the test
// issuer's kid, as an attacker would.
func forge(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = testIssuer().KeyID()
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("forge %s token: %v", method.Alg(), err)
	}
	return s
}

// validClaims are the claims of a valid ID token at testNow.
func validClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"sub": "u-1", "iss": testIssuerURL, "aud": testClientID, "token_use": "id",
		"iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix(),
	}
}

func TestJWTAuthorizer(t *testing.T) {
	// The HS256 attack uses the verifier's own public key as the secret.
	issuerPub, _ := testIssuer().PublicKey(testIssuer().KeyID())
	issuerPubDER, _ := x509.MarshalPKIXPublicKey(issuerPub)
	issuerPubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: issuerPubDER})
	otherIssuer := cognito.NewIssuer(otherKey(), testIssuerURL, testClientID)
	otherToken, err := otherIssuer.Token(cognito.TokenRequest{Subject: "u-1"}, testNow)
	if err != nil {
		t.Fatal(err)
	}

	unauthorized := func(description string) result {
		challenge := []string{"Bearer"}
		if description != "" {
			challenge = []string{`Bearer scope="" error="invalid_token" error_description="` + description + `"`}
		}
		return result{Status: 401, Body: `{"message":"Unauthorized"}`, Headers: map[string][]string{
			"Content-Type": {"application/json"}, "Www-Authenticate": challenge,
		}}
	}
	ok := result{Status: 200, Body: `{"ok":true}`, Headers: map[string][]string{"Content-Type": {"application/json"}}}

	tests := []struct {
		name   string
		route  string // path of the route to call
		header [2]string
		want   result
	}{
		{"valid ID token with Bearer", "/me", [2]string{"Authorization", "Bearer " + token(t, cognito.TokenRequest{})}, ok},
		{"valid ID token without Bearer", "/me", [2]string{"Authorization", token(t, cognito.TokenRequest{})}, ok},
		{"lower-case bearer", "/me", [2]string{"Authorization", "bearer " + token(t, cognito.TokenRequest{})}, ok},
		{"valid access token via client_id", "/me", [2]string{"Authorization", "Bearer " + token(t, cognito.TokenRequest{Use: "access"})}, ok},
		{"access token with a required scope", "/write", [2]string{"Authorization", token(t, cognito.TokenRequest{Use: "access", Scopes: []string{"openid", "orders/write"}})}, ok},
		{"custom identity source header", "/custom", [2]string{"X-Api-Token", token(t, cognito.TokenRequest{})}, ok},
		{"missing header", "/me", [2]string{}, unauthorized("")},
		{"empty Bearer", "/me", [2]string{"Authorization", "Bearer "}, unauthorized("")},
		{"token in the wrong header", "/custom", [2]string{"Authorization", token(t, cognito.TokenRequest{})}, unauthorized("")},
		{"garbage", "/me", [2]string{"Authorization", "Bearer not-a-jwt"}, unauthorized("the token is malformed")},
		{"garbage segments", "/me", [2]string{"Authorization", "Bearer a.b.c"}, unauthorized("the token is malformed")},
		{"alg none", "/me", [2]string{"Authorization", forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, validClaims())}, unauthorized(`the token has an unsupported signing algorithm "none"`)},
		{"HS256 keyed with the public key", "/me", [2]string{"Authorization", forge(t, jwt.SigningMethodHS256, issuerPubPEM, validClaims())}, unauthorized(`the token has an unsupported signing algorithm "HS256"`)},
		{"RS256 signed by another key", "/me", [2]string{"Authorization", forge(t, jwt.SigningMethodRS256, otherKey(), validClaims())}, unauthorized("the token has an invalid signature")},
		{"unknown kid", "/me", [2]string{"Authorization", otherToken}, unauthorized("the token's key id is not in the issuer's key set")},
		{"tampered payload", "/me", [2]string{"Authorization", tamper(t, token(t, cognito.TokenRequest{}), "cognito:groups", []string{"admins"})}, unauthorized("the token has an invalid signature")},
		{"wrong issuer", "/me", [2]string{"Authorization", token(t, cognito.TokenRequest{Extra: map[string]any{"iss": "https://cognito-idp.eu-west-1.amazonaws.com/other"}})}, unauthorized("the token does not have a valid issuer")},
		{"wrong audience", "/me", [2]string{"Authorization", token(t, cognito.TokenRequest{Extra: map[string]any{"aud": "otherclient"}})}, unauthorized("the token does not have a valid audience")},
		{"aud wins over a matching client_id", "/me", [2]string{"Authorization", token(t, cognito.TokenRequest{Extra: map[string]any{"aud": "otherclient", "client_id": testClientID}})}, unauthorized("the token does not have a valid audience")},
		{"access token with wrong client_id", "/me", [2]string{"Authorization", token(t, cognito.TokenRequest{Use: "access", Extra: map[string]any{"client_id": "otherclient"}})}, unauthorized("the token does not have a valid audience")},
		{"expired", "/me", [2]string{"Authorization", token(t, cognito.TokenRequest{Extra: map[string]any{"exp": testNow.Unix()}})}, unauthorized("the token has expired")},
		{"no exp", "/me", [2]string{"Authorization", token(t, cognito.TokenRequest{Extra: map[string]any{"exp": nil}})}, unauthorized("the token has no valid expiry")},
		{"nbf in the future", "/me", [2]string{"Authorization", token(t, cognito.TokenRequest{Extra: map[string]any{"nbf": testNow.Unix() + 1}})}, unauthorized("the token is not valid yet")},
		{"iat in the future", "/me", [2]string{"Authorization", token(t, cognito.TokenRequest{Extra: map[string]any{"iat": testNow.Unix() + 1}})}, unauthorized("the token was issued in the future")},
		{"missing scope", "/write", [2]string{"Authorization", token(t, cognito.TokenRequest{Use: "access", Scopes: []string{"orders/read"}})}, result{
			Status: 403, Body: `{"message":"Forbidden"}`, Headers: map[string][]string{
				"Content-Type":     {"application/json"},
				"Www-Authenticate": {`Bearer scope="orders/write orders/admin" error="insufficient_scope" error_description="the token does not have the required scopes"`},
			},
		}},
		{"ID token on a scoped route", "/write", [2]string{"Authorization", token(t, cognito.TokenRequest{})}, result{
			Status: 403, Body: `{"message":"Forbidden"}`, Headers: map[string][]string{
				"Content-Type":     {"application/json"},
				"Www-Authenticate": {`Bearer scope="orders/write orders/admin" error="insufficient_scope" error_description="the token does not have the required scopes"`},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			g := newTestGateway(t, inv, func(c *Config) {
				c.Authorizers["custom"] = JWTAuthorizer{
					IdentitySource: "$request.header.X-Api-Token", Issuer: testIssuerURL,
					Audience: []string{testClientID}, Keys: testIssuer(),
				}
				c.Routes = []Route{
					{Method: "GET", Path: "/me", Function: "f", Authorizer: "cognito"},
					{Method: "GET", Path: "/write", Function: "f", Authorizer: "cognito", Scopes: []string{"orders/write", "orders/admin"}},
					{Method: "GET", Path: "/custom", Function: "f", Authorizer: "custom"},
				}
			})
			rq := request{target: tt.route}
			if tt.header[0] != "" {
				rq.headers = [][2]string{tt.header}
			}
			w := serve(g, rq.build())
			got := observe(w, []string{"Content-Type", "Www-Authenticate"})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
			wantCalls := 0
			if tt.want.Status == 200 {
				wantCalls = 1
			}
			if diff := cmp.Diff(wantCalls, inv.callCount()); diff != "" {
				t.Errorf("invoke count mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// tamper replaces one claim of a signed token, keeping the signature.
func tamper(t *testing.T, tok, claim string, value any) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	claims[claim] = value
	raw, _ = json.Marshal(claims)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

// TestJWTClaimsInEvent checks the exact claims map and scopes a function
// receives for Cognito ID and access tokens.
func TestJWTClaimsInEvent(t *testing.T) {
	iat := "1773342238"
	tests := []struct {
		name       string
		req        cognito.TokenRequest
		wantClaims map[string]string
		wantScopes any
	}{
		{
			name: "ID token",
			req: cognito.TokenRequest{Subject: "u-1", Username: "alice", Email: "alice@example.com", Attributes: map[string]string{"custom:tenant_id": "T-9"}, Groups: []string{"editors"},
				Extra: map[string]any{"jti": "j", "origin_jti": "o", "event_id": "e"}},
			wantClaims: map[string]string{
				"sub": "u-1", "cognito:groups": "[editors]", "cognito:username": "alice", "email": "alice@example.com",
				"email_verified": "true", "custom:tenant_id": "T-9", "iss": testIssuerURL, "aud": testClientID,
				"token_use": "id", "auth_time": iat, "iat": iat, "exp": "1773345838", "jti": "j", "origin_jti": "o", "event_id": "e",
			},
			wantScopes: nil,
		},
		{
			name: "access token",
			req: cognito.TokenRequest{Subject: "u-2", Username: "bob", Use: "access", Groups: []string{"readers", "editors"}, Scopes: []string{"openid", "orders/read"},
				Extra: map[string]any{"jti": "j", "origin_jti": "o", "event_id": "e"}},
			wantClaims: map[string]string{
				"sub": "u-2", "cognito:groups": "[readers editors]", "username": "bob", "client_id": testClientID,
				"scope": "openid orders/read", "token_use": "access", "iss": testIssuerURL,
				"auth_time": iat, "iat": iat, "exp": "1773345838", "jti": "j", "origin_jti": "o", "event_id": "e",
			},
			wantScopes: []any{"openid", "orders/read"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			g := newTestGateway(t, inv, func(c *Config) {
				c.Routes = []Route{{Method: "GET", Path: "/me", Function: "f", Authorizer: "cognito"}}
			})
			// Twice: the second request is served from the token cache.
			for range 2 {
				w := serve(g, request{target: "/me", headers: [][2]string{{"Authorization", token(t, tt.req)}}}.build())
				if w.Code != 200 {
					t.Fatalf("status %d: %s", w.Code, w.Body)
				}
				jwtCtx := lookup(inv.lastEvent(t), "requestContext.authorizer.jwt").(map[string]any)
				got := map[string]string{}
				for k, v := range jwtCtx["claims"].(map[string]any) {
					got[k] = v.(string)
				}
				if diff := cmp.Diff(tt.wantClaims, got); diff != "" {
					t.Errorf("claims mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.wantScopes, jwtCtx["scopes"]); diff != "" {
					t.Errorf("scopes mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestClaimString(t *testing.T) {
	tests := []struct {
		json string
		want string
	}{
		{`"plain"`, "plain"},
		{`1700000000`, "1700000000"},
		{`1.7e9`, "1700000000"},
		{`1.5`, "1.5"},
		{`-2.5E-3`, "-0.0025"},
		{`true`, "true"},
		{`false`, "false"},
		{`null`, ""},
		{`["editors"]`, "[editors]"},
		{`["a","b",3,true]`, "[a b 3 true]"},
		{`[]`, "[]"},
		{`{"b":1,"a":"x"}`, `{"a":"x","b":1}`},
		{`[{"k":"v"}]`, `[{"k":"v"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(tt.json))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, claimString(v)); diff != "" {
				t.Errorf("claimString mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTokenCacheRechecksTime makes sure a cached token still expires.
func TestTokenCacheRechecksTime(t *testing.T) {
	now := testNow
	inv := &fakeInvoker{}
	g := newTestGateway(t, inv, func(c *Config) {
		c.Routes = []Route{{Method: "GET", Path: "/me", Function: "f", Authorizer: "cognito"}}
		c.Now = func() time.Time { return now }
	})
	tok := token(t, cognito.TokenRequest{TTL: time.Minute})
	var got []int
	for _, at := range []time.Duration{0, 59 * time.Second, time.Minute} {
		now = testNow.Add(at)
		got = append(got, serve(g, request{target: "/me", headers: [][2]string{{"Authorization", tok}}}.build()).Code)
	}
	if diff := cmp.Diff([]int{200, 200, 401}, got); diff != "" {
		t.Errorf("status mismatch (-want +got):\n%s", diff)
	}
}
