package s3

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// This file holds the pieces of AWS Signature Version 4 that S3 uses to check
// presigned URLs and browser POST policies. It is kept free of HTTP types so
// that it can be tested directly against the example vectors AWS publishes.

const (
	sigV4Algorithm  = "AWS4-HMAC-SHA256"
	sigV4Terminator = "aws4_request"
	sigV4Service    = "s3"

	// unsignedPayload is the payload hash S3 uses for presigned URLs, whose
	// body is unknown when the URL is signed.
	unsignedPayload = "UNSIGNED-PAYLOAD"

	// amzDateLayout is the ISO 8601 basic format of X-Amz-Date.
	amzDateLayout = "20060102T150405Z"
	// scopeDateLayout is the date part of a credential scope.
	scopeDateLayout = "20060102"
)

// signingKey derives the SigV4 signing key for one day, region and service
// from a secret access key.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, sigV4Terminator)
}

// credentialScope returns "<date>/<region>/<service>/aws4_request".
func credentialScope(date, region, service string) string {
	return date + "/" + region + "/" + service + "/" + sigV4Terminator
}

// stringToSign builds the SigV4 string to sign from the request time
// (X-Amz-Date), the credential scope and the canonical request.
func stringToSign(amzDate, scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return sigV4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// signature returns the hex HMAC-SHA256 of data under the signing key; data is
// a string to sign for requests and the base64 policy for POST uploads.
func signature(key []byte, data string) string {
	return hex.EncodeToString(hmacSHA256(key, data))
}

// canonicalRequest joins the parts of a SigV4 canonical request. uri must
// already be escaped (S3 signs the path as sent, without double encoding),
// query must come from canonicalQuery, and headers must hold the lowercase
// signed header names mapped to their values.
func canonicalRequest(method, uri, query string, headers map[string]string, signedHeaders []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte('\n')
	if uri == "" {
		uri = "/"
	}
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(headers[name]))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// queryParam is one decoded query-string parameter.
type queryParam struct {
	Key, Value string
}

// canonicalQuery encodes decoded parameters the SigV4 way: every byte but the
// unreserved characters percent-encoded, sorted by key and then value.
func canonicalQuery(params []queryParam) string {
	encoded := make([]queryParam, len(params))
	for i, p := range params {
		encoded[i] = queryParam{Key: uriEncode(p.Key, true), Value: uriEncode(p.Value, true)}
	}
	sort.Slice(encoded, func(i, j int) bool {
		if encoded[i].Key != encoded[j].Key {
			return encoded[i].Key < encoded[j].Key
		}
		return encoded[i].Value < encoded[j].Value
	})
	parts := make([]string, len(encoded))
	for i, p := range encoded {
		parts[i] = p.Key + "=" + p.Value
	}
	return strings.Join(parts, "&")
}

// canonicalHeaderValue trims a header value and collapses inner runs of
// spaces, as SigV4 requires.
func canonicalHeaderValue(v string) string {
	return strings.Join(strings.Fields(v), " ")
}

// uriEncode percent-encodes s as SigV4 defines it: A-Z, a-z, 0-9, '-', '.',
// '_' and '~' stay, every other byte becomes %XX with upper-case hex. Slashes
// stay when encodeSlash is false, which is how object key paths are encoded.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		case c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0x0f])
		}
	}
	return b.String()
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
