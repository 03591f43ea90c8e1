package s3

import (
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// corsConfiguration is a bucket's CORS configuration, in the XML shape of
// PutBucketCors and GetBucketCors and persisted as JSON.
type corsConfiguration struct {
	XMLName xml.Name   `xml:"CORSConfiguration" json:"-"`
	Xmlns   string     `xml:"xmlns,attr,omitempty" json:"-"`
	Rules   []corsRule `xml:"CORSRule" json:"rules"`
}

// corsRule is one CORSRule element.
type corsRule struct {
	ID             string   `xml:"ID,omitempty" json:"id,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader" json:"allowedHeaders,omitempty"`
	AllowedMethods []string `xml:"AllowedMethod" json:"allowedMethods"`
	AllowedOrigins []string `xml:"AllowedOrigin" json:"allowedOrigins"`
	ExposeHeaders  []string `xml:"ExposeHeader" json:"exposeHeaders,omitempty"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds" json:"maxAgeSeconds,omitempty"`
}

const s3Xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"

// maxCORSRules is S3's limit on rules per configuration.
const maxCORSRules = 100

// corsMethods are the only methods S3 allows in AllowedMethod.
var corsMethods = map[string]bool{"GET": true, "PUT": true, "HEAD": true, "POST": true, "DELETE": true}

// parseCORSConfiguration decodes and validates a PutBucketCors body. It
// returns MalformedXML or InvalidRequest errors as S3 does.
func parseCORSConfiguration(body io.Reader) (*corsConfiguration, error) {
	var cfg corsConfiguration
	if err := xml.NewDecoder(body).Decode(&cfg); err != nil {
		return nil, errMalformedXML()
	}
	if len(cfg.Rules) == 0 || len(cfg.Rules) > maxCORSRules {
		return nil, errMalformedXML()
	}
	for i := range cfg.Rules {
		rule := &cfg.Rules[i]
		if len(rule.AllowedMethods) == 0 || len(rule.AllowedOrigins) == 0 {
			return nil, errMalformedXML()
		}
		for _, m := range rule.AllowedMethods {
			if !corsMethods[m] {
				return nil, &apiError{Code: "InvalidRequest",
					Message: "Found unsupported HTTP method in CORS config. Unsupported method is " + m}
			}
		}
		for _, o := range rule.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return nil, &apiError{Code: "InvalidRequest",
					Message: `AllowedOrigin "` + o + `" can not have more than one wildcard.`}
			}
		}
		for _, h := range rule.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return nil, &apiError{Code: "InvalidRequest",
					Message: `AllowedHeader "` + h + `" can not have more than one wildcard.`}
			}
		}
		if rule.MaxAgeSeconds != nil && *rule.MaxAgeSeconds < 0 {
			return nil, errMalformedXML()
		}
	}
	cfg.XMLName = xml.Name{}
	cfg.Xmlns = ""
	return &cfg, nil
}

// match returns the first rule allowing origin, method and every requested
// header, following S3's evaluation order.
func (c *corsConfiguration) match(origin, method string, requestHeaders []string) (*corsRule, bool) {
	if c == nil {
		return nil, false
	}
	for i := range c.Rules {
		rule := &c.Rules[i]
		if rule.allowsOrigin(origin) && rule.allowsMethod(method) && rule.allowsHeaders(requestHeaders) {
			return rule, true
		}
	}
	return nil, false
}

func (r *corsRule) allowsOrigin(origin string) bool {
	for _, o := range r.AllowedOrigins {
		if wildcardMatch(o, origin, false) {
			return true
		}
	}
	return false
}

func (r *corsRule) allowsMethod(method string) bool {
	for _, m := range r.AllowedMethods {
		if m == method {
			return true
		}
	}
	return false
}

func (r *corsRule) allowsHeaders(headers []string) bool {
	for _, h := range headers {
		allowed := false
		for _, pattern := range r.AllowedHeaders {
			if wildcardMatch(pattern, h, true) {
				allowed = true
				break
			}
		}
		if !allowed {
			return false
		}
	}
	return true
}

// wildcardMatch matches s against a pattern holding at most one '*', which
// stands for any run of characters.
func wildcardMatch(pattern, s string, foldCase bool) bool {
	if foldCase {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	before, after, found := strings.Cut(pattern, "*")
	if !found {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

// corsVary is sent whenever a bucket has CORS rules, because the response
// then depends on these request headers.
const corsVary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// responseHeaders returns the headers S3 sends for a request matched by rule.
// requestHeaders is nil for actual (non-preflight) requests.
func (r *corsRule) responseHeaders(origin string, requestHeaders []string) http.Header {
	h := http.Header{}
	if r.allowsAnyOrigin() {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(r.AllowedMethods, ", "))
	if len(requestHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(requestHeaders, ", "))
	}
	if len(r.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(r.ExposeHeaders, ", "))
	}
	if r.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", strconv.Itoa(*r.MaxAgeSeconds))
	}
	h.Set("Vary", corsVary)
	return h
}

func (r *corsRule) allowsAnyOrigin() bool {
	for _, o := range r.AllowedOrigins {
		if o == "*" {
			return true
		}
	}
	return false
}

// requestedHeaders splits Access-Control-Request-Headers into lowercase names.
func requestedHeaders(v string) []string {
	var names []string
	for _, name := range strings.Split(v, ",") {
		if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
			names = append(names, name)
		}
	}
	return names
}

// preflight answers a CORS preflight OPTIONS request from the bucket's rules.
// It returns BadRequest when Origin or Access-Control-Request-Method is
// missing and CORSResponse when no rule allows the request.
func (s *Server) preflight(w *responseWriter, r *http.Request, bucket string) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return &apiError{Code: "BadRequest", Message: "Insufficient information. Origin request header needed."}
	}
	method := r.Header.Get("Access-Control-Request-Method")
	if method == "" {
		return &apiError{Code: "BadRequest", Message: "Invalid Access-Control-Request-Method: null"}
	}
	cfg := s.settings.cors(bucket)
	if cfg == nil {
		return &apiError{Code: "CORSResponse", Message: "CORS is not enabled for this bucket."}
	}
	headers := requestedHeaders(r.Header.Get("Access-Control-Request-Headers"))
	rule, ok := cfg.match(origin, method, headers)
	if !ok {
		w.Header().Set("Vary", corsVary)
		return &apiError{Code: "CORSResponse",
			Message: "This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."}
	}
	w.cors = rule.responseHeaders(origin, headers)
	w.WriteHeader(http.StatusOK)
	return nil
}

// actualRequestCORS returns the CORS headers for a non-preflight request, or
// nil when the request has no Origin or no rule allows it.
func (s *Server) actualRequestCORS(r *http.Request, bucket string) http.Header {
	origin := r.Header.Get("Origin")
	if origin == "" || bucket == "" {
		return nil
	}
	cfg := s.settings.cors(bucket)
	if cfg == nil {
		return nil
	}
	rule, ok := cfg.match(origin, r.Method, nil)
	if !ok {
		return http.Header{"Vary": {corsVary}}
	}
	return rule.responseHeaders(origin, nil)
}

// getBucketCORS, putBucketCORS and deleteBucketCORS serve ?cors.
func (s *Server) getBucketCORS(w http.ResponseWriter, bucket string) error {
	cfg := s.settings.cors(bucket)
	if cfg == nil {
		return &apiError{Code: "NoSuchCORSConfiguration", Message: "The CORS configuration does not exist",
			Fields: []errorField{{"BucketName", bucket}}}
	}
	out := *cfg
	out.Xmlns = s3Xmlns
	return writeXML(w, http.StatusOK, &out)
}

func (s *Server) putBucketCORS(w http.ResponseWriter, r *http.Request, bucket string) error {
	cfg, err := parseCORSConfiguration(r.Body)
	if err != nil {
		return err
	}
	if err := s.settings.setCORS(bucket, cfg); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) deleteBucketCORS(w http.ResponseWriter, bucket string) error {
	if err := s.settings.setCORS(bucket, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
