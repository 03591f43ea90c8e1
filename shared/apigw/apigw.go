// Package apigw is the HTTP edge of the functions behind API Gateway (HTTP API,
// payload format 2.0). It turns the gateway's event into a transport-neutral
// Request, routes it by route key to a Handler that returns (*Response, error),
// and adapts the result back, mapping application error codes to HTTP statuses
// in exactly one table. Unknown errors become 500 "internal error" and are
// logged with the request ID; their text never reaches the client.
//
// Only this package (and the functions' main packages) may import
// aws-lambda-go's events types.
//
// Layer: edge.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
)

// Request is an HTTP request as the handlers see it.
type Request struct {
	RequestID  string
	RouteKey   string
	Method     string
	Path       string
	PathParams map[string]string
	Query      url.Values
	// Headers has lower-case names; repeated headers are comma-joined.
	Headers   map[string]string
	Cookies   []string
	Body      []byte
	SourceIP  string
	UserAgent string
	// Principal is the signed-in caller, nil on public routes.
	Principal *auth.Principal
	// BaseURL is the scheme and host the client used, e.g. "https://api.example.com".
	BaseURL string
	Time    time.Time
}

// Header returns a header value by case-insensitive name.
func (r *Request) Header(name string) string { return r.Headers[strings.ToLower(name)] }

// Cookie returns the value of the named cookie, or "".
func (r *Request) Cookie(name string) string {
	for _, c := range r.Cookies {
		k, v, ok := strings.Cut(c, "=")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// MediaType returns the request's content type without parameters, lower-cased.
func (r *Request) MediaType() string {
	mt, _, err := mime.ParseMediaType(r.Header("content-type"))
	if err != nil {
		return ""
	}
	return mt
}

// Param returns a path parameter.
func (r *Request) Param(name string) string { return r.PathParams[name] }

// DecodeJSON decodes the body into v strictly: the content type must be JSON,
// the body at most maxBytes, unknown fields and trailing data are refused. It
// returns Invalid, TooLarge or UnsupportedMedia errors that name the field.
func (r *Request) DecodeJSON(v any, maxBytes int) error {
	if mt := r.MediaType(); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return apperr.Errorf(apperr.UnsupportedMedia, "the body must be application/json")
	}
	if len(r.Body) > maxBytes {
		return apperr.Errorf(apperr.TooLarge, "the body is larger than %d bytes", maxBytes)
	}
	return DecodeJSON(r.Body, v)
}

// DecodeJSON decodes one JSON document strictly into v, turning decoder errors
// into Invalid errors naming the offending field.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.InvalidField("body", "a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return apperr.InvalidField("body", "unexpected data after the JSON document")
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.InvalidField("body", "unexpected data after the JSON document")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return apperr.InvalidField("body", fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return apperr.InvalidField(field, "must be "+jsonTypeName(typ.Type.Kind().String()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.InvalidField("body", "the JSON document is truncated")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.InvalidField(name, "unknown field")
	}
	var inv *apperr.Error
	if errors.As(err, &inv) {
		return inv
	}
	return apperr.InvalidField("body", "cannot be decoded as JSON")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "of another type"
}

// Form parses an application/x-www-form-urlencoded body of at most maxBytes.
func (r *Request) Form(maxBytes int) (url.Values, error) {
	if r.MediaType() != "application/x-www-form-urlencoded" {
		return nil, apperr.Errorf(apperr.UnsupportedMedia, "the body must be application/x-www-form-urlencoded")
	}
	if len(r.Body) > maxBytes {
		return nil, apperr.Errorf(apperr.TooLarge, "the form is larger than %d bytes", maxBytes)
	}
	v, err := url.ParseQuery(string(r.Body))
	if err != nil {
		return nil, apperr.InvalidField("body", "malformed form encoding")
	}
	return v, nil
}

// Response is what a handler returns.
type Response struct {
	Status  int
	Headers map[string]string
	Cookies []string
	Body    []byte
	// Binary marks a body that must travel base64-encoded (images, PDFs).
	Binary bool
}

// JSON returns a JSON response.
func JSON(status int, v any) *Response {
	b, err := json.Marshal(v)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, apperr.Internal, "internal error", nil, nil, "")
	}
	return &Response{Status: status, Headers: map[string]string{"content-type": "application/json"}, Body: b}
}

// HTML returns an HTML page with a strict content security policy: pages
// load only their own inline assets and post and connect only to this site
// and the listed origins (the upload bucket).
func HTML(status int, body string, connectOrigins ...string) *Response {
	connect := "'self'"
	for _, o := range connectOrigins {
		connect += " " + o
	}
	return &Response{Status: status, Headers: map[string]string{
		"content-type":            "text/html; charset=utf-8",
		"content-security-policy": "default-src 'none'; img-src 'self' data: blob:" + strings.TrimPrefix(connect, "'self'") + "; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action " + connect + "; connect-src " + connect + "; base-uri 'none'; frame-ancestors 'none'",
		"x-frame-options":         "DENY",
	}, Body: []byte(body)}
}

// Bytes returns a binary response of the given content type.
func Bytes(status int, contentType string, body []byte) *Response {
	return &Response{Status: status, Headers: map[string]string{"content-type": contentType}, Body: body, Binary: true}
}

// Text returns a plain-text or other textual response.
func Text(status int, contentType, body string) *Response {
	return &Response{Status: status, Headers: map[string]string{"content-type": contentType}, Body: []byte(body)}
}

// Redirect returns a redirect to location.
func Redirect(status int, location string) *Response {
	return &Response{Status: status, Headers: map[string]string{"location": location}}
}

// Handler serves one route.
type Handler func(ctx context.Context, req *Request) (*Response, error)

// Router dispatches events to handlers by route key ("GET /v1/claims/{id}").
type Router struct {
	routes map[string]route
	logger *slog.Logger
	// ErrorPage, when set, renders errors of routes whose key it accepts (the
	// public HTML pages) instead of the JSON error body.
	ErrorPage func(req *Request, status int, e *apperr.Error) (*Response, bool)
}

// NewRouter returns an empty router logging to logger.
func NewRouter(logger *slog.Logger) *Router {
	return &Router{routes: map[string]route{}, logger: logger}
}

// route is a registered handler with the query parameters it accepts.
type route struct {
	h      Handler
	params []Param
}

// Handle registers h for routeKey, which must match the template's event
// (method and path, or "$default"), with the query parameters the route
// accepts: any other parameter, or a declared one whose value fails its
// check, is refused with 400 before h runs (see CheckQuery).
func (rt *Router) Handle(routeKey string, h Handler, params ...Param) {
	if _, dup := rt.routes[routeKey]; dup {
		panic("apigw: route registered twice: " + routeKey)
	}
	rt.routes[routeKey] = route{h: h, params: params}
}

// Params returns the query parameters a route accepts.
func (rt *Router) Params(routeKey string) []Param { return rt.routes[routeKey].params }

// RouteKeys lists the registered route keys, sorted.
func (rt *Router) RouteKeys() []string {
	keys := make([]string, 0, len(rt.routes))
	for k := range rt.routes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:          http.StatusBadRequest,
	apperr.Unprocessable:    http.StatusUnprocessableEntity,
	apperr.NotFound:         http.StatusNotFound,
	apperr.Gone:             http.StatusGone,
	apperr.Conflict:         http.StatusConflict,
	apperr.Forbidden:        http.StatusForbidden,
	apperr.Unauthorized:     http.StatusUnauthorized,
	apperr.TooLarge:         http.StatusRequestEntityTooLarge,
	apperr.UnsupportedMedia: http.StatusUnsupportedMediaType,
	apperr.RateLimited:      http.StatusTooManyRequests,
	apperr.Internal:         http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for err's code.
func StatusOf(err error) int {
	if s, ok := statusOf[apperr.CodeOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error struct {
		Code    apperr.Code         `json:"code"`
		Message string              `json:"message"`
		Fields  []apperr.FieldError `json:"fields,omitempty"`
		Details map[string]any      `json:"details,omitempty"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

func errorResponse(status int, code apperr.Code, msg string, fields []apperr.FieldError, details map[string]any, requestID string) *Response {
	var b ErrorBody
	b.Error.Code, b.Error.Message, b.Error.Fields, b.Error.Details = code, msg, fields, details
	b.RequestID = requestID
	body, _ := json.Marshal(b)
	return &Response{Status: status, Headers: map[string]string{"content-type": "application/json"}, Body: body}
}

// Serve is the Lambda handler: it adapts the event, calls the route's handler
// and adapts the result.
func (rt *Router) Serve(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	req, err := NewRequest(ev)
	var res *Response
	if err == nil {
		rte, ok := rt.routes[ev.RouteKey]
		switch {
		case !ok:
			err = apperr.Errorf(apperr.NotFound, "no such route: %s", ev.RouteKey)
		default:
			if err = CheckQuery(req.Query, rte.params); err == nil {
				res, err = rte.h(ctx, req)
			}
		}
	}
	if err != nil {
		res = rt.errorResponse(ctx, req, ev, err)
	}
	if res == nil {
		res = &Response{Status: http.StatusNoContent}
	}
	rt.logger.InfoContext(ctx, "request", "route", ev.RouteKey, "status", res.Status,
		"durationMs", float64(time.Since(start).Microseconds())/1000, "apiRequestId", ev.RequestContext.RequestID)
	return toEvent(res), nil
}

func (rt *Router) errorResponse(ctx context.Context, req *Request, ev events.APIGatewayV2HTTPRequest, err error) *Response {
	reqID := ev.RequestContext.RequestID
	e, ok := apperr.As(err)
	if !ok || e.Code == apperr.Internal {
		rt.logger.ErrorContext(ctx, "request failed", "route", ev.RouteKey, "apiRequestId", reqID, "error", err.Error())
		e = &apperr.Error{Code: apperr.Internal, Message: "internal error"}
	} else {
		rt.logger.InfoContext(ctx, "request refused", "route", ev.RouteKey, "apiRequestId", reqID, "code", string(e.Code), "error", e.Error())
	}
	status := statusOf[e.Code]
	res := errorResponse(status, e.Code, e.Message, e.Fields, e.Details, reqID)
	if rt.ErrorPage != nil && req != nil {
		if page, ok := rt.ErrorPage(req, status, e); ok {
			res = page
		}
	}
	if e.RetryAfter > 0 {
		res.Headers["retry-after"] = strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds())))
	}
	return res
}

// NewRequest converts a payload 2.0 event into a Request.
func NewRequest(ev events.APIGatewayV2HTTPRequest) (*Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, apperr.InvalidField("body", "not valid base64")
		}
		body = b
	}
	if len(ev.RawQueryString) > MaxQuery {
		return nil, apperr.InvalidField("query", fmt.Sprintf("the query string is longer than %d bytes", MaxQuery))
	}
	query, err := url.ParseQuery(ev.RawQueryString)
	if err != nil {
		return nil, apperr.InvalidField("query", "malformed query string")
	}
	headers := make(map[string]string, len(ev.Headers))
	for k, v := range ev.Headers {
		headers[strings.ToLower(k)] = v
	}
	proto := headers["x-forwarded-proto"]
	if proto == "" {
		proto = "https"
	}
	req := &Request{
		RequestID:  ev.RequestContext.RequestID,
		RouteKey:   ev.RouteKey,
		Method:     ev.RequestContext.HTTP.Method,
		Path:       ev.RawPath,
		PathParams: ev.PathParameters,
		Query:      query,
		Headers:    headers,
		Cookies:    ev.Cookies,
		Body:       body,
		SourceIP:   ev.RequestContext.HTTP.SourceIP,
		UserAgent:  ev.RequestContext.HTTP.UserAgent,
		BaseURL:    proto + "://" + ev.RequestContext.DomainName,
		Time:       time.UnixMilli(ev.RequestContext.TimeEpoch).UTC(),
	}
	if req.PathParams == nil {
		req.PathParams = map[string]string{}
	}
	if ev.RequestContext.TimeEpoch == 0 {
		req.Time = time.Now().UTC()
	}
	if a := ev.RequestContext.Authorizer; a != nil && a.JWT != nil {
		req.Principal = auth.FromClaims(a.JWT.Claims)
	}
	return req, nil
}

func toEvent(res *Response) events.APIGatewayV2HTTPResponse {
	headers := map[string]string{
		"x-content-type-options": "nosniff",
		"referrer-policy":        "no-referrer",
		"cache-control":          "no-store",
	}
	for k, v := range res.Headers {
		headers[strings.ToLower(k)] = v
	}
	out := events.APIGatewayV2HTTPResponse{StatusCode: res.Status, Headers: headers, Cookies: res.Cookies}
	if res.Binary {
		out.Body = base64.StdEncoding.EncodeToString(res.Body)
		out.IsBase64Encoded = true
	} else {
		out.Body = string(res.Body)
	}
	if len(res.Body) > 0 {
		headers["content-length"] = strconv.Itoa(len(res.Body))
	}
	return out
}
