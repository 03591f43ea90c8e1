package s3

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// Browser POST uploads (RESTObjectPOST) are implemented here rather than by
// gofakes3, which parses the whole form into memory and ignores the policy.
// The form is streamed: the fields before the file part are read and the
// policy is checked before a byte of the file is read; the file is then
// copied to a temporary file with the size limit enforced during the copy,
// because the backends need the exact size before they accept a body.

const (
	// maxPostFieldsSize bounds the fields before the file part. S3 documents
	// 20 KB; the extra room only makes local runs less brittle.
	maxPostFieldsSize = 256 << 10
	// maxPostObjectSize is S3's limit for a POST upload without a
	// content-length-range condition.
	maxPostObjectSize = 5 << 30
	// maxPostDrain bounds how much of a rejected upload is read and thrown
	// away, so that browsers see the error instead of a reset connection.
	maxPostDrain = 256 << 20
)

// isPostUpload reports whether r is a browser form upload to a bucket.
func isPostUpload(r *http.Request, key string) bool {
	if r.Method != http.MethodPost || key != "" {
		return false
	}
	q := r.URL.Query()
	if q.Has("delete") || q.Has("uploads") || q.Has("uploadId") {
		return false
	}
	return strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/form-data")
}

// postObject stores the file of a browser form upload after checking its
// policy. It returns NoSuchBucket, MalformedPOSTRequest, InvalidArgument,
// AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, EntityTooLarge,
// EntityTooSmall, KeyTooLongError or IncompleteBody errors.
func (s *Server) postObject(w http.ResponseWriter, r *http.Request, bucket string) (err error) {
	defer func() {
		if err != nil {
			// Read what the client is still sending so that it gets to read
			// the error response.
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxPostDrain))
		}
	}()
	exists, err := s.backend.BucketExists(bucket)
	if err != nil {
		return fmt.Errorf("post object: check bucket %s: %w", bucket, err)
	}
	if !exists {
		return errNoSuchBucket(bucket)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return errMalformedPOST()
	}
	fields, file, err := readPostFields(mr)
	if err != nil {
		return err
	}
	if file == nil {
		return &apiError{Code: "InvalidArgument", Message: "POST requires exactly one file upload per request.",
			Fields: []errorField{{"ArgumentName", "file"}, {"ArgumentValue", "0"}}}
	}
	key, ok := fields["key"]
	if !ok {
		return &apiError{Code: "InvalidArgument",
			Message: "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
			Fields:  []errorField{{"ArgumentName", "key"}, {"ArgumentValue", ""}}}
	}
	limits, err := s.checkPostPolicy(bucket, fields)
	if err != nil {
		return err
	}

	key = strings.ReplaceAll(key, "${filename}", file.FileName())
	if key == "" {
		return &apiError{Code: "InvalidArgument", Message: "User key must have a length greater than 0.",
			Fields: []errorField{{"ArgumentName", "key"}, {"ArgumentValue", ""}}}
	}
	if len(key) > gofakes3.KeySizeLimit {
		return &apiError{Code: "KeyTooLongError", Message: "Your key is too long"}
	}

	spool, size, sum, err := spoolPart(file, limits.max)
	if spool != nil {
		defer func() {
			spool.Close()
			os.Remove(spool.Name())
		}()
	}
	if err != nil {
		return err
	}
	if size > limits.max {
		return &apiError{Code: "EntityTooLarge", Message: "Your proposed upload exceeds the maximum allowed size",
			Fields: []errorField{{"ProposedSize", strconv.FormatInt(size, 10)}, {"MaxSizeAllowed", strconv.FormatInt(limits.max, 10)}}}
	}
	if size < limits.min {
		return &apiError{Code: "EntityTooSmall", Message: "Your proposed upload is smaller than the minimum allowed size",
			Fields: []errorField{{"ProposedSize", strconv.FormatInt(size, 10)}, {"MinSizeAllowed", strconv.FormatInt(limits.min, 10)}}}
	}

	result, err := s.backend.PutObject(bucket, key, postMetadata(fields, s.now()), spool, size, nil)
	if err != nil {
		return fmt.Errorf("post object %s/%s: %w", bucket, key, err)
	}
	etag := `"` + hex.EncodeToString(sum) + `"`
	location := objectURL(r, bucket, key)
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Location", location)
	if result.VersionID != "" {
		h.Set("X-Amz-Version-Id", string(result.VersionID))
	}

	if redirect := fields["success_action_redirect"]; redirect != "" {
		if u, err := url.Parse(redirect); err == nil && u.Scheme != "" && u.Host != "" {
			q := u.Query()
			q.Set("bucket", bucket)
			q.Set("key", key)
			q.Set("etag", etag)
			u.RawQuery = q.Encode()
			h.Set("Location", u.String())
			w.WriteHeader(http.StatusSeeOther)
			return nil
		}
	}
	switch fields["success_action_status"] {
	case "200":
		w.WriteHeader(http.StatusOK)
	case "201":
		return writeXML(w, http.StatusCreated, &postResponse{Location: location, Bucket: bucket, Key: key, ETag: etag})
	default:
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// postResponse is the body S3 sends for success_action_status 201.
type postResponse struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string
	Bucket   string
	Key      string
	ETag     string
}

func errMalformedPOST() error {
	return &apiError{Code: "MalformedPOSTRequest", Message: "The body of your POST request is not well-formed multipart/form-data."}
}

// readPostFields reads the form fields up to the file part, lowercasing
// their names because S3 matches form fields case-insensitively. Fields
// after the file part are ignored, as on S3.
func readPostFields(mr *multipart.Reader) (map[string]string, *multipart.Part, error) {
	fields := map[string]string{}
	total := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return fields, nil, nil
		}
		if err != nil {
			return nil, nil, errMalformedPOST()
		}
		name := part.FormName()
		if strings.EqualFold(name, "file") {
			return fields, part, nil
		}
		if name == "" {
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, int64(maxPostFieldsSize-total+1)))
		if err != nil {
			return nil, nil, errMalformedPOST()
		}
		total += len(name) + len(value)
		if total > maxPostFieldsSize {
			return nil, nil, &apiError{Code: "MaxPostPreDataLengthExceededError",
				Message: "Your POST request fields preceeding the upload file was too large."}
		}
		lower := strings.ToLower(name)
		if _, dup := fields[lower]; !dup {
			fields[lower] = string(value)
		}
	}
}

// spoolPart copies at most limit+1 bytes of part to a temporary file and
// returns it rewound with the part's size and MD5. When the part is larger
// than limit, the rest is counted without being stored, so that the size is
// exact for EntityTooLarge.
func spoolPart(part io.Reader, limit int64) (*os.File, int64, []byte, error) {
	f, err := os.CreateTemp("", "s3-post-*")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("post object: create temporary file: %w", err)
	}
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(part, limit+1))
	if err != nil {
		if pathErr := (*os.PathError)(nil); errors.As(err, &pathErr) {
			return f, 0, nil, fmt.Errorf("post object: write %s: %w", f.Name(), err)
		}
		return f, 0, nil, errIncompleteBody()
	}
	if n > limit {
		rest, err := io.Copy(io.Discard, part)
		if err != nil {
			return f, 0, nil, errIncompleteBody()
		}
		return f, n + rest, nil, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return f, 0, nil, fmt.Errorf("post object: rewind %s: %w", f.Name(), err)
	}
	return f, n, h.Sum(nil), nil
}

func errIncompleteBody() error {
	return &apiError{Code: "IncompleteBody", Message: "The request body terminated unexpectedly"}
}

// postMetadata builds the object metadata from the form fields, in the
// canonical header form gofakes3 stores and echoes on GET.
func postMetadata(fields map[string]string, now time.Time) map[string]string {
	meta := map[string]string{
		"Content-Type":  "binary/octet-stream",
		"Last-Modified": now.UTC().Format(http.TimeFormat),
	}
	for name, value := range fields {
		switch name {
		case "content-type", "cache-control", "content-disposition", "content-encoding", "content-language", "expires":
			if value != "" {
				meta[http.CanonicalHeaderKey(name)] = value
			}
		default:
			if strings.HasPrefix(name, "x-amz-meta-") {
				meta[http.CanonicalHeaderKey(name)] = value
			}
		}
	}
	return meta
}

// objectURL is the path-style URL of an object as the client addressed us.
func objectURL(r *http.Request, bucket, key string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/" + uriEncode(bucket, false) + "/" + uriEncode(key, false)
}

// sizeLimits is the content-length-range a policy allows, inclusive.
type sizeLimits struct {
	min, max int64
}

// checkPostPolicy authenticates a POST form by its policy signature and checks
// the form against the policy: expiration, every condition, and that every
// field is covered by a condition.
func (s *Server) checkPostPolicy(bucket string, fields map[string]string) (sizeLimits, error) {
	limits := sizeLimits{min: 0, max: maxPostObjectSize}
	policyB64 := fields["policy"]
	if policyB64 == "" {
		// Without a policy the upload is anonymous, which a bucket with
		// blocked public access refuses.
		return limits, errAccessDenied()
	}
	argErr := func(name, msg string) error {
		return &apiError{Code: "InvalidArgument", Message: msg,
			Fields: []errorField{{"ArgumentName", name}, {"ArgumentValue", fields[name]}}}
	}
	if fields["x-amz-algorithm"] != sigV4Algorithm {
		return limits, argErr("x-amz-algorithm", `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
	}
	cred, problem := s.parseCredential(fields["x-amz-credential"])
	if problem != "" {
		return limits, argErr("x-amz-credential", "Error parsing the X-Amz-Credential parameter; "+problem)
	}
	if _, err := time.Parse(amzDateLayout, fields["x-amz-date"]); err != nil {
		return limits, argErr("x-amz-date", `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
	}
	secret, ok := s.credentials[cred.AccessKey]
	if !ok {
		return limits, errInvalidAccessKeyID(cred.AccessKey)
	}
	want := signature(signingKey(secret, cred.Date, cred.Region, cred.Service), policyB64)
	if got := fields["x-amz-signature"]; !hmac.Equal([]byte(want), []byte(got)) {
		return limits, errSignatureDoesNotMatch(cred.AccessKey, policyB64, got, "")
	}

	policyErr := func(msg string) error {
		return argErr("policy", "Invalid Policy: "+msg)
	}
	raw, err := base64.StdEncoding.DecodeString(policyB64)
	if err != nil {
		return limits, policyErr("Invalid Base64 Encoding.")
	}
	var doc struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return limits, policyErr("Invalid JSON.")
	}
	if doc.Expiration == nil {
		return limits, policyErr("Policy missing expiration.")
	}
	expiration, err := time.Parse(time.RFC3339Nano, *doc.Expiration)
	if err != nil {
		return limits, policyErr("Invalid 'expiration' value: '" + *doc.Expiration + "'")
	}
	if doc.Conditions == nil {
		return limits, policyErr("Policy missing conditions.")
	}
	conditions := make([]policyCondition, 0, len(doc.Conditions))
	for _, raw := range doc.Conditions {
		c, err := parsePolicyCondition(raw)
		if err != nil {
			return limits, policyErr(err.Error())
		}
		conditions = append(conditions, c)
	}

	if !s.now().Before(expiration) {
		return limits, policyDenied("Policy expired.")
	}
	covered := map[string]bool{}
	for _, c := range conditions {
		if c.op == "content-length-range" {
			limits.min = max(limits.min, c.min)
			limits.max = min(limits.max, c.max)
			continue
		}
		covered[c.field] = true
		actual := fields[c.field]
		if c.field == "bucket" {
			actual = bucket
		}
		if !c.matches(actual) {
			return limits, policyDenied("Policy Condition failed: " + c.String())
		}
	}
	var extra []string
	for name := range fields {
		switch {
		case name == "policy", name == "x-amz-signature", name == "file", strings.HasPrefix(name, "x-ignore-"):
		case !covered[name]:
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return limits, policyDenied("Extra input fields: " + strings.Join(extra, ", "))
	}
	return limits, nil
}

func policyDenied(msg string) error {
	return &apiError{Code: "AccessDenied", Message: "Invalid according to Policy: " + msg}
}

// policyCondition is one entry of a POST policy's conditions.
type policyCondition struct {
	op       string // "eq", "starts-with" or "content-length-range"
	field    string // lowercase form field name without '$'
	name     string // the variable as written in the policy, for messages
	value    string
	min, max int64
}

// parsePolicyCondition accepts {"field": "value"}, ["eq"|"starts-with",
// "$field", "value"] and ["content-length-range", min, max].
func parsePolicyCondition(raw json.RawMessage) (policyCondition, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return policyCondition{}, fmt.Errorf("Invalid Condition: %s", raw)
	}
	switch c := v.(type) {
	case map[string]any:
		if len(c) != 1 {
			return policyCondition{}, fmt.Errorf("Invalid Simple-Condition: %s", raw)
		}
		for name, value := range c {
			s, ok := scalarString(value)
			if !ok {
				return policyCondition{}, fmt.Errorf("Invalid Simple-Condition: value must be a string.")
			}
			return policyCondition{op: "eq", field: strings.ToLower(name), name: "$" + name, value: s}, nil
		}
	case []any:
		if len(c) != 3 {
			return policyCondition{}, fmt.Errorf("Invalid Condition: %s", raw)
		}
		op, _ := c[0].(string)
		switch op = strings.ToLower(op); op {
		case "eq", "starts-with":
			name, ok := c[1].(string)
			if !ok || !strings.HasPrefix(name, "$") {
				return policyCondition{}, fmt.Errorf("Invalid Condition: field name must start with '$': %s", raw)
			}
			value, ok := scalarString(c[2])
			if !ok {
				return policyCondition{}, fmt.Errorf("Invalid Condition: value must be a string: %s", raw)
			}
			return policyCondition{op: op, field: strings.ToLower(name[1:]), name: name, value: value}, nil
		case "content-length-range":
			lo, okLo := integer(c[1])
			hi, okHi := integer(c[2])
			if !okLo || !okHi || lo < 0 || hi < lo {
				return policyCondition{}, fmt.Errorf("Invalid content-length-range: %s", raw)
			}
			return policyCondition{op: op, min: lo, max: hi}, nil
		}
	}
	return policyCondition{}, fmt.Errorf("Invalid Condition: %s", raw)
}

// matches applies an eq or starts-with condition to a field value. For
// Content-Type, S3 checks every value of a comma-separated list.
func (c policyCondition) matches(actual string) bool {
	if c.op == "eq" {
		return actual == c.value
	}
	if c.field == "content-type" && c.value != "" {
		for _, v := range strings.Split(actual, ",") {
			if !strings.HasPrefix(strings.TrimSpace(v), c.value) {
				return false
			}
		}
		return true
	}
	return strings.HasPrefix(actual, c.value)
}

// String formats the condition the way S3 quotes it in error messages.
func (c policyCondition) String() string {
	return "[" + jsonString(c.op) + ", " + jsonString(c.name) + ", " + jsonString(c.value) + "]"
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func scalarString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	}
	return "", false
}

func integer(v any) (int64, bool) {
	switch v := v.(type) {
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}
