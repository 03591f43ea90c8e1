package s3

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// maxPresignExpiry is S3's limit on X-Amz-Expires: seven days.
	maxPresignExpiry = 7 * 24 * time.Hour
	// maxClockSkew is how far a request time may be from the server's clock.
	maxClockSkew = 15 * time.Minute
)

// credential is a parsed X-Amz-Credential value:
// <access key>/<yyyymmdd>/<region>/<service>/aws4_request.
type credential struct {
	AccessKey, Date, Region, Service, Terminator string
}

func (c credential) scope() string { return credentialScope(c.Date, c.Region, c.Service) }

// parseCredential splits and checks a credential. The returned error text is
// the part S3 puts after "Error parsing the X-Amz-Credential parameter; ".
func (s *Server) parseCredential(v string) (credential, string) {
	parts := strings.Split(v, "/")
	if len(parts) != 5 || parts[0] == "" {
		return credential{}, `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
	}
	c := credential{AccessKey: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], Terminator: parts[4]}
	if _, err := time.Parse(scopeDateLayout, c.Date); err != nil {
		return c, fmt.Sprintf(`incorrect date format %q. This date in the credential must be in the format "yyyyMMdd".`, c.Date)
	}
	if s.region != "" && c.Region != s.region {
		return c, fmt.Sprintf("the region '%s' is wrong; expecting '%s'", c.Region, s.region)
	}
	if c.Service != sigV4Service {
		return c, fmt.Sprintf(`incorrect service %q. This endpoint belongs to "s3".`, c.Service)
	}
	if c.Terminator != sigV4Terminator {
		return c, fmt.Sprintf(`incorrect terminal %q. This endpoint uses "aws4_request".`, c.Terminator)
	}
	return c, ""
}

// authenticate admits a request that is presigned with a valid query-string
// signature or that carries an Authorization header naming a known access
// key. Everything else is anonymous and denied, as on a bucket whose public
// access is blocked. It returns AuthorizationQueryParametersError,
// AuthorizationHeaderMalformed, InvalidAccessKeyId, SignatureDoesNotMatch,
// RequestTimeTooSkewed or AccessDenied errors.
func (s *Server) authenticate(r *http.Request) error {
	q := r.URL.Query()
	if q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Signature") || q.Has("X-Amz-Credential") {
		return s.verifyPresigned(r, q)
	}
	if h := r.Header.Get("Authorization"); h != "" {
		return s.checkAuthorizationHeader(r, h)
	}
	return errAccessDenied()
}

// checkAuthorizationHeader only checks that the access key in a header-signed
// request is known and that the request time is close to the server's. It
// deliberately does not recompute the signature: the SDK streams bodies as
// aws-chunked with trailing checksums, signs them with chunk and trailer
// signatures, and rewrites headers in ways that make an exact recomputation
// fragile, while the point of this server is to run the app locally, not to
// police the SDK's signer.
func (s *Server) checkAuthorizationHeader(r *http.Request, header string) error {
	var accessKey string
	switch {
	case strings.HasPrefix(header, "AWS4-"): // SigV4 and SigV4a
		_, params, _ := strings.Cut(header, " ")
		for _, p := range strings.Split(params, ",") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "Credential="); ok {
				accessKey, _, _ = strings.Cut(v, "/")
			}
		}
	case strings.HasPrefix(header, "AWS "): // SigV2
		accessKey, _, _ = strings.Cut(strings.TrimPrefix(header, "AWS "), ":")
	default:
		return &apiError{Code: "InvalidArgument", Message: "Unsupported Authorization Type",
			Fields: []errorField{{"ArgumentName", "Authorization"}, {"ArgumentValue", header}}}
	}
	if accessKey == "" {
		return &apiError{Code: "AuthorizationHeaderMalformed",
			Message: `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`}
	}
	if _, ok := s.credentials[accessKey]; !ok {
		return errInvalidAccessKeyID(accessKey)
	}
	if v := r.Header.Get("X-Amz-Date"); v != "" {
		at, err := time.Parse(amzDateLayout, v)
		if err != nil {
			return &apiError{Code: "AccessDenied", Message: "AWS authentication requires a valid Date or x-amz-date header"}
		}
		now := s.now()
		if skew := now.Sub(at); skew > maxClockSkew || skew < -maxClockSkew {
			return &apiError{Code: "RequestTimeTooSkewed",
				Message: "The difference between the request time and the current time is too large.",
				Fields: []errorField{
					{"RequestTime", v},
					{"ServerTime", now.UTC().Format(time.RFC3339)},
					{"MaxAllowedSkewMilliseconds", strconv.FormatInt(maxClockSkew.Milliseconds(), 10)},
				}}
		}
	}
	return nil
}

// verifyPresigned checks a query-string (presigned URL) SigV4 signature the
// way S3 does: it rebuilds the canonical request from the path as sent, the
// sorted query without X-Amz-Signature, the signed headers and the
// UNSIGNED-PAYLOAD hash, and signs it with the secret of the access key.
func (s *Server) verifyPresigned(r *http.Request, q url.Values) error {
	queryErr := func(msg string) error {
		return &apiError{Code: "AuthorizationQueryParametersError", Message: msg}
	}
	if q.Get("X-Amz-Algorithm") != sigV4Algorithm {
		return queryErr(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
	}
	for _, name := range []string{"X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		if q.Get(name) == "" {
			return queryErr("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	amzDate := q.Get("X-Amz-Date")
	signedAt, err := time.Parse(amzDateLayout, amzDate)
	if err != nil {
		return queryErr(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
	}
	expiresIn, err := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	switch {
	case err != nil:
		return queryErr("X-Amz-Expires should be a number")
	case expiresIn < 0:
		return queryErr("X-Amz-Expires must be non-negative")
	case time.Duration(expiresIn)*time.Second > maxPresignExpiry:
		return queryErr("X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	cred, problem := s.parseCredential(q.Get("X-Amz-Credential"))
	if problem != "" {
		return queryErr("Error parsing the X-Amz-Credential parameter; " + problem)
	}
	if cred.Date != signedAt.Format(scopeDateLayout) {
		return queryErr("Error parsing the X-Amz-Credential parameter; the credential date does not match X-Amz-Date")
	}
	secret, ok := s.credentials[cred.AccessKey]
	if !ok {
		return errInvalidAccessKeyID(cred.AccessKey)
	}

	now := s.now()
	if signedAt.Sub(now) > maxClockSkew {
		return &apiError{Code: "AccessDenied", Message: "Request is not valid yet"}
	}
	expiresAt := signedAt.Add(time.Duration(expiresIn) * time.Second)
	if now.After(expiresAt) {
		return &apiError{Code: "AccessDenied", Message: "Request has expired", Fields: []errorField{
			{"X-Amz-Expires", q.Get("X-Amz-Expires")},
			{"Expires", expiresAt.UTC().Format(time.RFC3339)},
			{"ServerTime", now.UTC().Format(time.RFC3339)},
		}}
	}

	signedHeaders := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	signed := make(map[string]bool, len(signedHeaders))
	for _, h := range signedHeaders {
		signed[h] = true
	}
	if !signed["host"] {
		return queryErr("Query-string authentication version 4 requires the X-Amz-SignedHeaders parameter to include host")
	}
	var unsigned []string
	for name := range r.Header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-amz-") && !signed[lower] {
			unsigned = append(unsigned, lower)
		}
	}
	if len(unsigned) > 0 {
		return &apiError{Code: "AccessDenied", Message: "There were headers present in the request which were not signed",
			Fields: []errorField{{"HeadersNotSigned", strings.Join(unsigned, ", ")}}}
	}

	headers := make(map[string]string, len(signedHeaders))
	for _, name := range signedHeaders {
		headers[name] = signedHeaderValue(r, name)
	}
	var params []queryParam
	for _, p := range parseRawQuery(r.URL.RawQuery) {
		if p.Key != "X-Amz-Signature" {
			params = append(params, p)
		}
	}
	payload := unsignedPayload
	if v := q.Get("X-Amz-Content-Sha256"); v != "" {
		payload = v
	}
	creq := canonicalRequest(r.Method, requestPath(r), canonicalQuery(params), headers, signedHeaders, payload)
	sts := stringToSign(amzDate, cred.scope(), creq)
	want := signature(signingKey(secret, cred.Date, cred.Region, cred.Service), sts)
	got := q.Get("X-Amz-Signature")
	if !hmac.Equal([]byte(want), []byte(got)) {
		return errSignatureDoesNotMatch(cred.AccessKey, sts, got, creq)
	}
	return nil
}

// signedHeaderValue returns the value a client signed for a header. Go moves
// Host out of the header map and may drop Content-Length, so both are read
// from the request itself.
func signedHeaderValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return v
		}
		if r.ContentLength >= 0 {
			return strconv.FormatInt(r.ContentLength, 10)
		}
		return ""
	}
	values := r.Header.Values(name)
	trimmed := make([]string, len(values))
	for i, v := range values {
		trimmed[i] = canonicalHeaderValue(v)
	}
	return strings.Join(trimmed, ",")
}

// requestPath returns the path exactly as the client sent it, which is what
// the client signed: re-escaping a decoded path would change keys holding
// characters that have more than one valid encoding.
func requestPath(r *http.Request) string {
	if uri := r.RequestURI; strings.HasPrefix(uri, "/") {
		path, _, _ := strings.Cut(uri, "?")
		return path
	}
	return r.URL.EscapedPath()
}

// parseRawQuery decodes a query string keeping every parameter, in order.
func parseRawQuery(raw string) []queryParam {
	var params []queryParam
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		params = append(params, queryParam{Key: k, Value: v})
	}
	return params
}

func errInvalidAccessKeyID(accessKey string) error {
	return &apiError{Code: "InvalidAccessKeyId",
		Message: "The AWS Access Key Id you provided does not exist in our records.",
		Fields:  []errorField{{"AWSAccessKeyId", accessKey}}}
}

func errSignatureDoesNotMatch(accessKey, stringToSign, provided, canonical string) error {
	fields := []errorField{{"AWSAccessKeyId", accessKey}, {"StringToSign", stringToSign}, {"SignatureProvided", provided}}
	if canonical != "" {
		fields = append(fields, errorField{"CanonicalRequest", canonical})
	}
	return &apiError{Code: "SignatureDoesNotMatch",
		Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
		Fields:  fields}
}
