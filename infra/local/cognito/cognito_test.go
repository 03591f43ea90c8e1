package cognito

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

var testNow = time.Date(2026, 3, 12, 19, 3, 58, 0, time.UTC)

// testKey is shared by the tests because generating RSA keys is slow.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

const (
	testIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_LOCAL"
	testClient = "localclient"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// decodeSegment decodes one base64url JWT segment into a generic map.
func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("decode segment: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("unmarshal segment: %v", err)
	}
	return m
}

func TestTokenClaims(t *testing.T) {
	iss := NewIssuer(testKey(), testIssuer, testClient)
	iat := float64(testNow.Unix())
	tests := []struct {
		name string
		req  TokenRequest
		want map[string]any // jti, origin_jti and event_id are checked separately
	}{
		{
			name: "id token with everything",
			req:  TokenRequest{Subject: "u-1", Username: "alice", Email: "alice@example.com", Attributes: map[string]string{"custom:team": "T-7", "custom:floor": ""}, Groups: []string{"editors", "readers"}},
			want: map[string]any{
				"sub": "u-1", "cognito:groups": []any{"editors", "readers"}, "cognito:username": "alice",
				"email": "alice@example.com", "email_verified": true, "custom:team": "T-7",
				"iss": testIssuer, "aud": testClient, "token_use": "id",
				"auth_time": iat, "iat": iat, "exp": iat + 3600,
			},
		},
		{
			name: "id token without groups, attributes or email",
			req:  TokenRequest{Subject: "u-2", TTL: 10 * time.Minute},
			want: map[string]any{
				"sub": "u-2", "cognito:username": "u-2", "iss": testIssuer, "aud": testClient,
				"token_use": "id", "auth_time": iat, "iat": iat, "exp": iat + 600,
			},
		},
		{
			name: "access token with scopes",
			req:  TokenRequest{Subject: "u-3", Username: "bob", Use: "access", Scopes: []string{"notes/read", "notes/write"}, Groups: []string{"admins"}},
			want: map[string]any{
				"sub": "u-3", "cognito:groups": []any{"admins"}, "username": "bob", "client_id": testClient,
				"scope": "notes/read notes/write", "token_use": "access", "iss": testIssuer,
				"auth_time": iat, "iat": iat, "exp": iat + 3600,
			},
		},
		{
			name: "access token default scope and capped TTL",
			req:  TokenRequest{Subject: "u-4", Use: "access", TTL: 48 * time.Hour},
			want: map[string]any{
				"sub": "u-4", "username": "u-4", "client_id": testClient, "scope": "aws.cognito.signin.user.admin",
				"token_use": "access", "iss": testIssuer, "auth_time": iat, "iat": iat, "exp": iat + 86400,
			},
		},
		{
			name: "extra claims override and remove",
			req:  TokenRequest{Subject: "u-5", Extra: map[string]any{"iss": "https://elsewhere", "auth_time": nil, "tenant": "t1"}},
			want: map[string]any{
				"sub": "u-5", "cognito:username": "u-5", "iss": "https://elsewhere", "aud": testClient,
				"token_use": "id", "iat": iat, "exp": iat + 3600, "tenant": "t1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := iss.Token(tt.req, testNow)
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			parts := strings.Split(tok, ".")
			if len(parts) != 3 {
				t.Fatalf("token has %d parts", len(parts))
			}
			if diff := cmp.Diff(map[string]any{"alg": "RS256", "kid": iss.KeyID()}, decodeSegment(t, parts[0])); diff != "" {
				t.Errorf("header mismatch (-want +got):\n%s", diff)
			}
			got := decodeSegment(t, parts[1])
			for _, k := range []string{"jti", "origin_jti", "event_id"} {
				v, _ := got[k].(string)
				if !uuidPattern.MatchString(v) {
					t.Errorf("%s = %q, want a v4 UUID", k, v)
				}
				delete(got, k)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("claims mismatch (-want +got):\n%s", diff)
			}

			// The token verifies against the published JWKS.
			parsed, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) {
				return jwksKey(t, iss.JWKS(), tk.Header["kid"].(string)), nil
			}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return testNow }))
			if err != nil || !parsed.Valid {
				t.Errorf("verify with JWKS: %v", err)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	iss := NewIssuer(testKey(), testIssuer, testClient)
	tests := []struct {
		name string
		req  TokenRequest
		want string
	}{
		{"no subject", TokenRequest{}, "issue token: no subject"},
		{"unknown use", TokenRequest{Subject: "u", Use: "refresh"}, `issue token: unknown token use "refresh"`},
		{"standard claim as an attribute", TokenRequest{Subject: "u", Attributes: map[string]string{"sub": "someone-else"}},
			`issue token: attribute "sub" is not a custom attribute (custom:<name>)`},
		{"custom attribute without a name", TokenRequest{Subject: "u", Attributes: map[string]string{"custom:": "x"}},
			`issue token: attribute "custom:" is not a custom attribute (custom:<name>)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := iss.Token(tt.req, testNow)
			if err == nil {
				t.Fatal("Token succeeded, want an error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// jwksKey extracts the RSA key with kid from a JWKS document.
func jwksKey(t *testing.T, jwks []byte, kid string) *rsa.PublicKey {
	t.Helper()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("unmarshal JWKS: %v", err)
	}
	for _, k := range set.Keys {
		if k["kid"] != kid {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k["n"])
		e, err2 := base64.RawURLEncoding.DecodeString(k["e"])
		if err1 != nil || err2 != nil {
			t.Fatalf("decode JWK: %v %v", err1, err2)
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	t.Fatalf("kid %q not in JWKS %s", kid, jwks)
	return nil
}

func TestJWKSAndKeyID(t *testing.T) {
	key := testKey()
	iss := NewIssuer(key, testIssuer, testClient)

	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(iss.JWKS(), &set); err != nil {
		t.Fatalf("unmarshal JWKS: %v", err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	got := set.Keys[0]
	want := map[string]string{
		"kty": "RSA", "kid": iss.KeyID(), "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()), "e": "AQAB",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JWK mismatch (-want +got):\n%s", diff)
	}

	// RFC 7638: SHA-256 over the required members with sorted keys, which
	// is what encoding/json produces for a map.
	canonical, err := json.Marshal(map[string]string{"e": got["e"], "kty": "RSA", "n": got["n"]})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(canonical)
	if diff := cmp.Diff(base64.RawURLEncoding.EncodeToString(sum[:]), iss.KeyID()); diff != "" {
		t.Errorf("kid mismatch (-want +got):\n%s", diff)
	}

	if pk, ok := iss.PublicKey(iss.KeyID()); !ok || pk.N.Cmp(key.N) != 0 {
		t.Errorf("PublicKey(own kid) = %v, %v; want the issuer's key", pk, ok)
	}
	if _, ok := iss.PublicKey("other"); ok {
		t.Error("PublicKey(other) found a key")
	}
	if iss.IssuerURL() != testIssuer || iss.ClientID() != testClient {
		t.Errorf("IssuerURL, ClientID = %q, %q", iss.IssuerURL(), iss.ClientID())
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "signing.pem")
	first, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if first.N.BitLen() != 2048 {
		t.Errorf("key has %d bits, want 2048", first.N.BitLen())
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(os.FileMode(0o600), info.Mode().Perm()); diff != "" {
		t.Errorf("mode mismatch (-want +got):\n%s", diff)
	}
	again, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !first.Equal(again) {
		t.Error("second load returned a different key")
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

// TestLoadOrCreateKeyConcurrent races several creators on one path; they
// must all end up with the key that is on disk.
func TestLoadOrCreateKeyConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.pem")
	const n = 4
	keys := make([]*rsa.PrivateKey, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadOrCreateKey(path) })
	}
	wg.Wait()
	onDisk, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("creator %d: %v", i, errs[i])
		}
		if !keys[i].Equal(onDisk) {
			t.Errorf("creator %d got a key that is not the one on disk", i)
		}
	}
}

func TestLoadOrCreateKeyFormats(t *testing.T) {
	key := testKey()
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte
		wantErr string // "" means the key loads
	}{
		{"pkcs1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), ""},
		{"pkcs8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), ""},
		{"not pem", []byte("hello"), "no PEM block"},
		{"wrong block", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), `unexpected PEM block "CERTIFICATE"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.pem")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadOrCreateKey(path)
			if tt.wantErr == "" {
				if err != nil || !got.Equal(key) {
					t.Fatalf("LoadOrCreateKey = %v; want the stored key", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadOrCreateKey error = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

// TestLoadOrCreateKeyTwoProcesses starts two processes that create the key
// at the same moment; both must report the key that ends up on disk.
func TestLoadOrCreateKeyTwoProcesses(t *testing.T) {
	if path := os.Getenv("COGNITO_KEY_HELPER_PATH"); path != "" {
		key, err := LoadOrCreateKey(path)
		if err != nil {
			os.Stdout.WriteString("error: " + err.Error())
			os.Exit(1)
		}
		os.Stdout.WriteString(key.N.Text(16))
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "signing.pem")
	outs := make([][]byte, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestLoadOrCreateKeyTwoProcesses$")
			cmd.Env = append(os.Environ(), "COGNITO_KEY_HELPER_PATH="+path)
			outs[i], errs[i] = cmd.Output()
		})
	}
	wg.Wait()
	onDisk, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range outs {
		if errs[i] != nil {
			t.Fatalf("process %d: %v: %s", i, errs[i], outs[i])
		}
		if diff := cmp.Diff(onDisk.N.Text(16), string(outs[i])); diff != "" {
			t.Errorf("process %d modulus mismatch (-want +got):\n%s", i, diff)
		}
	}
}
