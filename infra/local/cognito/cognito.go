// Package cognito is the local stand-in for an Amazon Cognito user pool: it
// keeps an RSA signing key on disk, issues ID and access tokens shaped like
// Cognito's, and publishes the matching JWKS so that the local API gateway's
// JWT authorizer can verify them exactly as production verifies Cognito's.
//
// HostedUI serves the pool's hosted sign-in: Cognito's OAuth 2.0 endpoints
// (authorize with a sign-in page for any user the developer names, token
// with the authorization code and PKCE or a refresh token, revoke, logout,
// userInfo, JWKS and the OpenID configuration). It does not implement
// Cognito's user management: there are no passwords. Tokens carry the
// user's custom attributes (custom:*) generically, whatever the
// application names them. It must not import AWS
// SDK clients, any code of the application it serves, or the gateway package
// (the gateway depends on it through its KeySource interface, never the
// reverse).
//
// Layer: local.
package cognito

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token lifetimes. Cognito defaults ID and access tokens to one hour and
// allows at most one day.
const (
	DefaultTTL = time.Hour
	MaxTTL     = 24 * time.Hour
)

// defaultAccessScope is the scope Cognito puts in access tokens obtained
// through the user-pool API (InitiateAuth) rather than the hosted UI.
const defaultAccessScope = "aws.cognito.signin.user.admin"

// Issuer signs tokens for one user pool and app client.
type Issuer struct {
	key       *rsa.PrivateKey
	kid       string
	issuerURL string
	clientID  string
	jwks      []byte
}

// NewIssuer returns an Issuer that signs with key. issuerURL becomes the
// tokens' "iss" (for parity with production, the Cognito form
// https://cognito-idp.<region>.amazonaws.com/<pool-id>) and clientID the ID
// tokens' "aud" and the access tokens' "client_id". The key ID is the RFC
// 7638 thumbprint of the public key, so it is stable for a given key file.
func NewIssuer(key *rsa.PrivateKey, issuerURL, clientID string) *Issuer {
	i := &Issuer{key: key, issuerURL: issuerURL, clientID: clientID}
	n := base64.RawURLEncoding.EncodeToString(key.N.Bytes())
	e := base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())
	// RFC 7638: the required members in lexicographic order, no whitespace.
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	i.kid = base64.RawURLEncoding.EncodeToString(sum[:])
	type jwk struct {
		Kty string `json:"kty"`
		Kid string `json:"kid"`
		Use string `json:"use"`
		Alg string `json:"alg"`
		N   string `json:"n"`
		E   string `json:"e"`
	}
	// Marshalling fixed string fields cannot fail.
	i.jwks, _ = json.Marshal(struct {
		Keys []jwk `json:"keys"`
	}{[]jwk{{Kty: "RSA", Kid: i.kid, Use: "sig", Alg: "RS256", N: n, E: e}}})
	return i
}

// IssuerURL returns the "iss" value of the tokens.
func (i *Issuer) IssuerURL() string { return i.issuerURL }

// ClientID returns the app client ID the tokens are issued for.
func (i *Issuer) ClientID() string { return i.clientID }

// KeyID returns the "kid" the tokens carry.
func (i *Issuer) KeyID() string { return i.kid }

// JWKS returns the JSON Web Key Set a user pool publishes at
// /.well-known/jwks.json.
func (i *Issuer) JWKS() []byte { return append([]byte(nil), i.jwks...) }

// PublicKey returns the verification key for kid; it satisfies the local
// gateway's KeySource.
func (i *Issuer) PublicKey(kid string) (*rsa.PublicKey, bool) {
	if kid != i.kid {
		return nil, false
	}
	return &i.key.PublicKey, true
}

// TokenRequest describes the user and the token to issue.
type TokenRequest struct {
	// Subject is the user's "sub" (required).
	Subject string
	// Username defaults to Subject, as it does for pools that sign users in
	// by email.
	Username string
	Email    string
	// Attributes are the user's custom attributes, by their claim name
	// ("custom:<name>"), which ID tokens carry; an empty value is left out,
	// as Cognito leaves out attributes the user does not have.
	Attributes map[string]string
	// Groups become "cognito:groups"; Cognito omits the claim when the user
	// is in no group.
	Groups []string
	// TTL defaults to one hour and is capped at 24 hours.
	TTL time.Duration
	// Use is "id" (the default) or "access".
	Use string
	// Scopes go into an access token's "scope"; none means Cognito's
	// aws.cognito.signin.user.admin.
	Scopes []string
	// ClientID is the app client the token is for (its "aud" or
	// "client_id"); "" for the Issuer's own.
	ClientID string
	// AuthTime is when the user signed in ("auth_time"); zero for now.
	// Tokens refreshed from one sign-in keep its time.
	AuthTime time.Time
	// OriginJTI ties the tokens of one sign-in together ("origin_jti"): a
	// refresh keeps it, and revoking the refresh token revokes them all;
	// "" for a new one.
	OriginJTI string
	// Extra claims are applied last and override the standard ones; a nil
	// value removes a claim. Tests use it to forge expired, future or
	// foreign tokens.
	Extra map[string]any
}

// Token issues an RS256-signed token for req at now. It fails when the
// subject is missing, Use is neither "id" nor "access", or an attribute is
// not a custom one ("custom:<name>").
func (i *Issuer) Token(req TokenRequest, now time.Time) (string, error) {
	if req.Subject == "" {
		return "", fmt.Errorf("issue token: no subject")
	}
	for name := range req.Attributes {
		if !IsCustomAttribute(name) {
			return "", fmt.Errorf("issue token: attribute %q is not a custom attribute (custom:<name>)", name)
		}
	}
	ttl := req.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	ttl = min(ttl, MaxTTL)
	username := req.Username
	if username == "" {
		username = req.Subject
	}
	jti, err := newUUID()
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	originJTI := req.OriginJTI
	if originJTI == "" {
		if originJTI, err = newUUID(); err != nil {
			return "", fmt.Errorf("issue token: %w", err)
		}
	}
	eventID, err := newUUID()
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	iat := now.Unix()
	authTime := iat
	if !req.AuthTime.IsZero() {
		authTime = req.AuthTime.Unix()
	}
	clientID := req.ClientID
	if clientID == "" {
		clientID = i.clientID
	}
	claims := jwt.MapClaims{
		"sub":        req.Subject,
		"iss":        i.issuerURL,
		"auth_time":  authTime,
		"iat":        iat,
		"exp":        now.Add(ttl).Unix(),
		"jti":        jti,
		"origin_jti": originJTI,
		"event_id":   eventID,
	}
	if len(req.Groups) > 0 {
		claims["cognito:groups"] = append([]string(nil), req.Groups...)
	}
	switch req.Use {
	case "", "id":
		claims["token_use"] = "id"
		claims["aud"] = clientID
		claims["cognito:username"] = username
		if req.Email != "" {
			claims["email"] = req.Email
			claims["email_verified"] = true
		}
		for name, v := range req.Attributes {
			if v != "" {
				claims[name] = v
			}
		}
	case "access":
		claims["token_use"] = "access"
		claims["client_id"] = clientID
		claims["username"] = username
		scope := strings.Join(req.Scopes, " ")
		if scope == "" {
			scope = defaultAccessScope
		}
		claims["scope"] = scope
	default:
		return "", fmt.Errorf("issue token: unknown token use %q", req.Use)
	}
	for k, v := range req.Extra {
		if v == nil {
			delete(claims, k)
			continue
		}
		claims[k] = v
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	// Cognito's header is exactly {"kid","alg"}.
	tok.Header = map[string]any{"kid": i.kid, "alg": "RS256"}
	signed, err := tok.SignedString(i.key)
	if err != nil {
		return "", fmt.Errorf("sign %s token for %s: %w", claims["token_use"], req.Subject, err)
	}
	return signed, nil
}

// IsCustomAttribute reports whether name is a custom attribute's claim
// name: "custom:" and a name Cognito accepts (1 to 20 characters).
func IsCustomAttribute(name string) bool {
	rest, ok := strings.CutPrefix(name, "custom:")
	return ok && rest != "" && len(rest) <= 20 && !strings.ContainsAny(rest, " \t\n:")
}

// newUUID returns a random (version 4) UUID, the form of Cognito's jti,
// origin_jti and event_id.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random UUID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
