// Package keys derives the application's secret keys from one master secret
// (the AppSecret template parameter): separate keys for QR code tags, claim
// tracking tokens and webhook signatures, so one leaked purpose cannot forge
// another.
//
// It imports only the standard library.
//
// Layer: leaf.
package keys

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// MinSecret is the shortest master secret accepted.
const MinSecret = 32

// Keys are the derived keys.
type Keys struct {
	QR       []byte
	Tracking []byte
	Webhook  []byte
	Cursor   []byte
	// Unsubscribe signs the one-click unsubscribe links of report mails.
	Unsubscribe []byte
	// Files signs the links to report mails' files too large to attach.
	Files []byte
}

// Derive returns the keys derived from secret. It fails when the secret is
// shorter than MinSecret bytes.
func Derive(secret string) (*Keys, error) {
	if len(secret) < MinSecret {
		return nil, fmt.Errorf("derive keys: the master secret must be at least %d bytes, got %d", MinSecret, len(secret))
	}
	d := func(purpose string) []byte {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("claimsdesk/" + purpose))
		return m.Sum(nil)
	}
	return &Keys{QR: d("qr"), Tracking: d("tracking"), Webhook: d("webhook"), Cursor: d("cursor"), Unsubscribe: d("unsubscribe"),
		Files: d("report-files")}, nil
}

// TrackingToken is the private token of a claim's tracking link. It is
// derived, never stored: the table keeps only TrackingHash of it.
func (k *Keys) TrackingToken(claimID string) string {
	m := hmac.New(sha256.New, k.Tracking)
	m.Write([]byte("track:v1:" + claimID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// TrackingHash is what the table stores to find a claim by its token.
func TrackingHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ValidTrackingToken reports whether s has the shape of a tracking token.
func ValidTrackingToken(s string) bool {
	if len(s) != 24 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// UnsubscribeToken is the token of the one-click unsubscribe link of one
// recipient of one report subscription: "<subscription>.<signature>". The
// address is not in the link; the signature is checked against each of the
// subscription's recipients (at most 50).
func (k *Keys) UnsubscribeToken(subscriptionID, email string) string {
	return subscriptionID + "." + k.unsubscribeMAC(subscriptionID, email)
}

// UnsubscribeRecipient returns which of recipients a token was made for,
// and its subscription; ok is false for a token of none of them (forged,
// edited, or of an address no longer subscribed).
func (k *Keys) UnsubscribeRecipient(token string, recipients []string) (email string, ok bool) {
	sub, mac, found := strings.Cut(token, ".")
	if !found || sub == "" {
		return "", false
	}
	for _, r := range recipients {
		if hmac.Equal([]byte(mac), []byte(k.unsubscribeMAC(sub, r))) {
			return r, true
		}
	}
	return "", false
}

// UnsubscribeSubscription returns the subscription a token names ("" when
// it has no shape of one).
func UnsubscribeSubscription(token string) string {
	sub, mac, found := strings.Cut(token, ".")
	if !found || len(mac) != 24 {
		return ""
	}
	return sub
}

func (k *Keys) unsubscribeMAC(subscriptionID, email string) string {
	m := hmac.New(sha256.New, k.Unsubscribe)
	m.Write([]byte("unsubscribe:v1:" + subscriptionID + ":" + strings.ToLower(strings.TrimSpace(email))))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}
