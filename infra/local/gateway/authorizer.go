package gateway

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxCachedTokens bounds the verified-token cache; beyond it, expired
// entries are swept and, failing that, the cache starts over.
const maxCachedTokens = 10000

// authError is a refused authorization: the status and www-authenticate
// challenge the client sees, and the reason the access log records.
type authError struct {
	status    int
	challenge string
	reason    string
}

func (e *authError) Error() string { return e.reason }

// invalidToken builds a 401 whose challenge follows the one HTTP API is
// documented to send ("Bearer scope=\"\" error=\"invalid_token\"
// error_description=\"the token does not have a valid audience\""). Only
// that description is documented; the others follow its wording.
func invalidToken(description string) *authError {
	return &authError{
		status:    http.StatusUnauthorized,
		challenge: `Bearer scope="" error="invalid_token" error_description="` + description + `"`,
		reason:    description,
	}
}

var errNoToken = &authError{status: http.StatusUnauthorized, challenge: "Bearer", reason: "no token in the identity source"}

// verifiedToken is what a token's signature, issuer and audience check
// yields. It is cached by token hash; time-based checks are repeated on
// every request because they change while the entry is cached.
type verifiedToken struct {
	exp          float64
	nbf, iat     float64
	hasNbf       bool
	hasIat       bool
	scopes       []string
	authorizerJS []byte // the pre-rendered requestContext.authorizer value
}

// jwtAuthorizer is a compiled JWTAuthorizer.
type jwtAuthorizer struct {
	header   string // canonical request header name holding the token
	issuer   string
	audience []string
	keys     KeySource

	mu    sync.RWMutex
	cache map[[sha256.Size]byte]*verifiedToken
}

func compileAuthorizer(name string, a JWTAuthorizer) (*jwtAuthorizer, error) {
	src := a.IdentitySource
	if src == "" {
		src = "$request.header.Authorization"
	}
	header, ok := strings.CutPrefix(src, "$request.header.")
	if !ok || header == "" || strings.ContainsAny(header, ", ") {
		return nil, fmt.Errorf("authorizer %q: identity source %q is not a single $request.header.<name>", name, a.IdentitySource)
	}
	if a.Issuer == "" {
		return nil, fmt.Errorf("authorizer %q: no issuer", name)
	}
	if len(a.Audience) == 0 {
		return nil, fmt.Errorf("authorizer %q: no audience", name)
	}
	if a.Keys == nil {
		return nil, fmt.Errorf("authorizer %q: no key source", name)
	}
	return &jwtAuthorizer{
		header:   http.CanonicalHeaderKey(header),
		issuer:   a.Issuer,
		audience: slices.Clone(a.Audience),
		keys:     a.Keys,
		cache:    map[[sha256.Size]byte]*verifiedToken{},
	}, nil
}

// authorize checks the request's token and the route's scopes the way the
// HTTP API JWT authorizer does: the identity source holds the token with or
// without "Bearer ", the token must be RS256-signed by a known key, carry
// the exact issuer, an audience ("aud", or "client_id" when there is no
// "aud") the authorizer accepts, not be expired, and "nbf"/"iat" must not be
// in the future. No clock skew is allowed because AWS documents none.
func (a *jwtAuthorizer) authorize(r *http.Request, now time.Time, scopes []string) (*verifiedToken, *authError) {
	raw := strings.TrimSpace(strings.Join(r.Header.Values(a.header), ","))
	if len(raw) >= 6 && strings.EqualFold(raw[:6], "bearer") && (len(raw) == 6 || raw[6] == ' ') {
		raw = strings.TrimSpace(raw[6:])
	}
	if raw == "" {
		return nil, errNoToken
	}
	sum := sha256.Sum256([]byte(raw))
	a.mu.RLock()
	vt := a.cache[sum]
	a.mu.RUnlock()
	if vt == nil {
		var aerr *authError
		vt, aerr = a.verify(raw)
		if aerr != nil {
			return nil, aerr
		}
		a.remember(sum, vt, now)
	}
	nowSec := float64(now.UnixNano()) / 1e9
	if nowSec >= vt.exp {
		return nil, invalidToken("the token has expired")
	}
	if vt.hasNbf && nowSec < vt.nbf {
		return nil, invalidToken("the token is not valid yet")
	}
	if vt.hasIat && nowSec < vt.iat {
		return nil, invalidToken("the token was issued in the future")
	}
	// AWS: "If you configure scopes for a route, the token must include
	// at least one of the route's scopes."
	if len(scopes) > 0 && !slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(vt.scopes, s) }) {
		return nil, &authError{
			status:    http.StatusForbidden,
			challenge: `Bearer scope="` + strings.Join(scopes, " ") + `" error="insufficient_scope" error_description="the token does not have the required scopes"`,
			reason:    "the token does not have the required scopes",
		}
	}
	return vt, nil
}

func (a *jwtAuthorizer) remember(sum [sha256.Size]byte, vt *verifiedToken, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= maxCachedTokens {
		nowSec := float64(now.Unix())
		for k, v := range a.cache {
			if nowSec >= v.exp {
				delete(a.cache, k)
			}
		}
		if len(a.cache) >= maxCachedTokens {
			clear(a.cache)
		}
	}
	a.cache[sum] = vt
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// verify checks everything about a token that does not depend on the time.
func (a *jwtAuthorizer) verify(token string) (*verifiedToken, *authError) {
	h64, rest, ok1 := strings.Cut(token, ".")
	p64, s64, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s64, ".") {
		return nil, invalidToken("the token is malformed")
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(h64)
	pb, err2 := base64.RawURLEncoding.DecodeString(p64)
	sig, err3 := base64.RawURLEncoding.DecodeString(s64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, invalidToken("the token is malformed")
	}
	var hdr jwtHeader
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return nil, invalidToken("the token is malformed")
	}
	// HTTP API verifies only RSA signatures, and Cognito signs with RS256.
	// Checking the algorithm before looking at the key is what defeats
	// "alg":"none" and HS256 tokens keyed with the public key.
	if hdr.Alg != "RS256" {
		return nil, invalidToken("the token has an unsupported signing algorithm " + strconv.Quote(hdr.Alg))
	}
	key, ok := a.keys.PublicKey(hdr.Kid)
	if !ok || key == nil {
		return nil, invalidToken("the token's key id is not in the issuer's key set")
	}
	digest := sha256.Sum256([]byte(token[:len(h64)+1+len(p64)]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return nil, invalidToken("the token has an invalid signature")
	}

	dec := json.NewDecoder(bytes.NewReader(pb))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, invalidToken("the token is malformed")
	}
	if iss, _ := claims["iss"].(string); iss != a.issuer {
		return nil, invalidToken("the token does not have a valid issuer")
	}
	if !a.audienceOK(claims) {
		return nil, invalidToken("the token does not have a valid audience")
	}
	vt := &verifiedToken{}
	var ok3 bool
	if vt.exp, ok3 = numericClaim(claims["exp"]); !ok3 {
		return nil, invalidToken("the token has no valid expiry")
	}
	if v, present := claims["nbf"]; present {
		if vt.nbf, vt.hasNbf = numericClaim(v); !vt.hasNbf {
			return nil, invalidToken("the token is malformed")
		}
	}
	if v, present := claims["iat"]; present {
		if vt.iat, vt.hasIat = numericClaim(v); !vt.hasIat {
			return nil, invalidToken("the token is malformed")
		}
	}
	vt.scopes = tokenScopes(claims)
	vt.authorizerJS = renderAuthorizer(claims, vt.scopes)
	return vt, nil
}

// audienceOK applies AWS's rule: "API Gateway validates client_id only if
// aud is not present. When both aud and client_id are present, API Gateway
// evaluates aud."
func (a *jwtAuthorizer) audienceOK(claims map[string]any) bool {
	if aud, present := claims["aud"]; present {
		switch v := aud.(type) {
		case string:
			return slices.Contains(a.audience, v)
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok && slices.Contains(a.audience, s) {
					return true
				}
			}
		}
		return false
	}
	cid, _ := claims["client_id"].(string)
	return cid != "" && slices.Contains(a.audience, cid)
}

func numericClaim(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

// tokenScopes reads the space-separated "scope" claim, or "scp" (a string
// or an array) from providers that use that name.
func tokenScopes(claims map[string]any) []string {
	switch v := claims["scope"].(type) {
	case string:
		if f := strings.Fields(v); len(f) > 0 {
			return f
		}
		return nil
	}
	switch v := claims["scp"].(type) {
	case string:
		if f := strings.Fields(v); len(f) > 0 {
			return f
		}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// renderAuthorizer pre-renders requestContext.authorizer, so a cached token
// costs one copy per request. Claim keys are sorted to keep events stable.
func renderAuthorizer(claims map[string]any, scopes []string) []byte {
	keys := make([]string, 0, len(claims))
	for k := range claims {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf := append([]byte(nil), `{"jwt":{"claims":{`...)
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, k)
		buf = append(buf, ':')
		buf = appendJSONString(buf, claimString(claims[k]))
	}
	buf = append(buf, `},"scopes":`...)
	if len(scopes) == 0 {
		buf = append(buf, "null"...)
	} else {
		buf = append(buf, '[')
		for i, s := range scopes {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, s)
		}
		buf = append(buf, ']')
	}
	return append(buf, "}}"...)
}

// claimString flattens a claim value the way HTTP API does in
// requestContext.authorizer.jwt.claims: strings as they are, numbers in
// plain decimal, booleans as "true"/"false", arrays as "[a b]" and objects
// as compact JSON.
func claimString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return plainDecimal(t.String())
	case bool:
		return strconv.FormatBool(t)
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = claimString(x)
		}
		return "[" + strings.Join(parts, " ") + "]"
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return ""
		}
		return string(b)
	}
}
