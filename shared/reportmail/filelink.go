package reportmail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/keys"
)

// FileLink is a report mail's file behind a signed link: the mail links
// files too large to attach to the API's /report-files/{token}, which
// checks the signature and the expiry and redirects to a fresh presigned
// download (a presigned URL made by a function's role would die with the
// role's session, long before 7 days).
type FileLink struct {
	Key         string    `json:"k"`
	FileName    string    `json:"n"`
	ContentType string    `json:"t"`
	Expires     time.Time `json:"-"`
	ExpiresUnix int64     `json:"e"`
}

// FilesPrefix is where report mails' files are kept; a link names no other
// object.
const FilesPrefix = "reports/"

// FileLinkToken signs a link to f valid until f.Expires.
func FileLinkToken(k *keys.Keys, f FileLink) string {
	f.ExpiresUnix = f.Expires.Unix()
	b, _ := json.Marshal(f) // strings and a number always marshal
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + fileMAC(k, payload)
}

func fileMAC(k *keys.Keys, payload string) string {
	m := hmac.New(sha256.New, k.Files)
	m.Write([]byte("file:v1:" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// ParseFileLink checks a token at now: NotFound when it is forged, edited
// or names a file outside FilesPrefix; Gone when it has expired.
func ParseFileLink(k *keys.Keys, token string, now time.Time) (*FileLink, error) {
	invalid := apperr.Errorf(apperr.NotFound, "this download link is not valid")
	payload, mac, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(fileMAC(k, payload))) {
		return nil, invalid
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, invalid
	}
	var f FileLink
	if err := json.Unmarshal(b, &f); err != nil || !strings.HasPrefix(f.Key, FilesPrefix) || strings.Contains(f.Key, "..") {
		return nil, invalid
	}
	f.Expires = time.Unix(f.ExpiresUnix, 0).UTC()
	if !now.Before(f.Expires) {
		return nil, apperr.Errorf(apperr.Gone, "this download link expired on %s", f.Expires.Format(time.RFC3339))
	}
	return &f, nil
}
