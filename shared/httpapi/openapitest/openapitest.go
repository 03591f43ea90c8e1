// Package openapitest checks HTTP exchanges against the API's OpenAPI
// description (httpapi.OpenAPI), so that tests which call the API — the
// end-to-end tests on the local stack above all — also prove that the
// published contract describes what the handlers really do.
//
// It is for tests only: it imports package testing and must not be imported
// by functions or by non-test code of the shared packages.
//
// Layer: testing.
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/claimsdesk/backend/shared/httpapi"
)

// Validator checks requests and responses against the embedded spec. It is
// safe for concurrent use.
type Validator struct {
	router routers.Router
}

// spec loads the document and its router once per test binary.
var spec = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	// Match paths whatever host the test talks to (the local stack listens
	// on a random port): without servers the router looks at the path only.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	// The pages, SVG images and the cabinet's script and stylesheet are text
	// without a structure to check; read them as plain text so that their
	// content type is still checked.
	for _, ct := range []string{"text/html", "image/svg+xml", "text/javascript", "text/css"} {
		if openapi3filter.RegisteredBodyDecoder(ct) == nil {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
		}
	}
	return router, nil
})

// New returns a Validator for the embedded spec; it fails the test when the
// spec does not load.
func New(t testing.TB) *Validator {
	t.Helper()
	router, err := spec()
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	return &Validator{router: router}
}

// Response validates one exchange: that the spec documents the operation
// and the status, that the required response headers are there and match,
// that the content type is one the spec lists for that status, and that a
// JSON body matches the schema. A 404 for a route the spec does not have
// must be the gateway's {"message":"Not Found"}. path is the request's path
// as sent (escaped), optionally with its query; a full URL is accepted too,
// and its host ignored. It fails the test with a readable message.
func (v *Validator) Response(t testing.TB, method, path string, status int, header http.Header, body []byte) {
	t.Helper()
	if err := v.checkResponse(method, path, status, header, body); err != nil {
		t.Errorf("openapitest: response %s %s → %d does not match openapi.yaml:\n%s\nbody: %s",
			method, path, status, err, excerpt(header, body))
	}
}

// Request validates a request the test is about to send (for the cases that
// should be well formed): path and query parameters, headers, and the body
// against the operation's schema. Authentication is not checked. It fails
// the test with a readable message.
func (v *Validator) Request(t testing.TB, method, path string, header http.Header, body []byte) {
	t.Helper()
	if err := v.checkRequest(method, path, header, body); err != nil {
		t.Errorf("openapitest: request %s %s does not match openapi.yaml:\n%s\nbody: %s",
			method, path, err, excerpt(header, body))
	}
}

func (v *Validator) checkResponse(method, path string, status int, header http.Header, body []byte) error {
	in, err := v.input(method, path, nil, nil)
	if errors.Is(err, errNoOperation) && status == http.StatusNotFound {
		// The gateway's answer to a route the API does not have.
		return v.checkGatewayNotFound(header, body)
	}
	if err != nil {
		return err
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 canonical(header),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return errors.New(describe(err))
	}
	return nil
}

func (v *Validator) checkRequest(method, path string, header http.Header, body []byte) error {
	in, err := v.input(method, path, header, body)
	if err != nil {
		return err
	}
	in.Options = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return errors.New(describe(err))
	}
	return nil
}

var errNoOperation = errors.New("no such operation in the spec")

// input finds the operation of method and path.
func (v *Validator) input(method, path string, header http.Header, body []byte) (*openapi3filter.RequestValidationInput, error) {
	req, err := http.NewRequest(method, path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("not a request: %w", err)
	}
	req.Header = canonical(header)
	// Route on the path as sent, like the gateway: an escaped slash
	// ("%2F") stays inside its segment.
	if req.URL.RawPath != "" {
		req.URL.Path, req.URL.RawPath = req.URL.RawPath, ""
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s (%v)", errNoOperation, method, req.URL.Path, err)
	}
	return &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}, nil
}

// checkGatewayNotFound checks the gateway's 404 for an unknown route: a
// GatewayError saying "Not Found".
func (v *Validator) checkGatewayNotFound(header http.Header, body []byte) error {
	if ct := canonical(header).Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("%w; a 404 for it must be the gateway's JSON, got content type %q", errNoOperation, ct)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil || len(got) != 1 || got["message"] != "Not Found" {
		return fmt.Errorf(`%w; a 404 for it must be the gateway's {"message":"Not Found"}`, errNoOperation)
	}
	return nil
}

// canonical copies h with canonical names: Lambda responses and the
// gateway's events use lower-case ones, which http.Header.Get misses.
func canonical(h http.Header) http.Header {
	out := http.Header{}
	for k, vs := range h {
		for _, v := range vs {
			out.Add(k, v)
		}
	}
	return out
}

// describe turns kin-openapi's errors into one line per problem: where
// (a JSON pointer into the body, or the parameter) and why, without the
// schema dumps its messages carry.
func describe(err error) string {
	var lines []string
	var walk func(prefix string, err error)
	walk = func(prefix string, err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, inner := range e {
				walk(prefix, inner)
			}
			return
		case *openapi3filter.ResponseError:
			if e.Err == nil {
				lines = append(lines, prefix+e.Reason)
				return
			}
			walk(prefix+e.Reason+": ", e.Err)
			return
		case *openapi3filter.RequestError:
			where := ""
			switch {
			case e.Parameter != nil:
				where = fmt.Sprintf("%s parameter %q: ", e.Parameter.In, e.Parameter.Name)
			case e.RequestBody != nil:
				where = "body: "
			}
			if e.Err == nil {
				lines = append(lines, prefix+where+e.Reason)
				return
			}
			if e.Reason != "" {
				where += e.Reason + ": "
			}
			walk(prefix+where, e.Err)
			return
		}
		var schemaErr *openapi3.SchemaError
		if errors.As(err, &schemaErr) {
			line := fmt.Sprintf("%sat /%s: %s", prefix, strings.Join(schemaErr.JSONPointer(), "/"), schemaErr.Reason)
			if schemaErr.Origin != nil {
				line += " (" + firstLine(schemaErr.Origin.Error()) + ")"
			}
			lines = append(lines, line)
			return
		}
		lines = append(lines, prefix+firstLine(err.Error()))
	}
	walk("", err)
	return "  - " + strings.Join(lines, "\n  - ")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// excerpt shows the start of a body for a failure message.
func excerpt(header http.Header, body []byte) string {
	ct := canonical(header).Get("Content-Type")
	switch {
	case len(body) == 0:
		return "(empty)"
	case ct != "" && !strings.Contains(ct, "json") && !strings.HasPrefix(ct, "text/"):
		return fmt.Sprintf("(%d bytes of %s)", len(body), ct)
	case len(body) > 600:
		return string(body[:600]) + "…"
	}
	return string(body)
}
