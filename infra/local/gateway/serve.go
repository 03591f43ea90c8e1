package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Bodies of the responses the gateway produces itself, as HTTP API words
// them.
const (
	msgNotFound        = `{"message":"Not Found"}`
	msgUnauthorized    = `{"message":"Unauthorized"}`
	msgForbidden       = `{"message":"Forbidden"}`
	msgTooLarge        = `{"message":"Request Entity Too Large"}`
	msgTooManyRequests = `{"message":"Too Many Requests"}`
	msgInternal        = `{"message":"Internal Server Error"}`
	msgUnavailable     = `{"message":"Service Unavailable"}`
)

// Response headers from a function that the gateway does not pass on:
// framing is the gateway's business, not the function's.
var droppedResponseHeaders = map[string]bool{
	"Content-Length":    true,
	"Transfer-Encoding": true,
	"Connection":        true,
}

var errBodyTooLarge = errors.New("request body exceeds 10 MB")

// accessEntry collects one access log line.
type accessEntry struct {
	requestID          string
	ip                 string
	method             string
	routeKey           string
	status             int
	responseLength     int
	integrationLatency time.Duration
	authorizerError    string
}

type invokeOutcome struct {
	res InvokeResult
	err error
}

// ServeHTTP handles one request the way the HTTP API stage would: CORS
// preflight, route selection, throttling, JWT authorization, payload
// limits, the Lambda invoke with the route's integration timeout, and the
// mapping of the function's response.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	now := g.now()
	entry := accessEntry{requestID: g.ids.next(), ip: sourceIP(r), method: r.Method, routeKey: "-"}
	defer g.logAccess(&entry, start)

	h := w.Header()
	h.Set("Apigw-Requestid", entry.requestID)
	h.Set("Date", now.UTC().Format(http.TimeFormat))

	if g.cors != nil && isPreflight(r) {
		g.cors.preflight(r, h)
		entry.status = http.StatusNoContent
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.ContentLength > MaxRequestBody {
		g.fail(w, r, &entry, http.StatusRequestEntityTooLarge, msgTooLarge)
		return
	}

	rawPath := r.URL.EscapedPath()
	m, ok := g.table.Load().match(r.Method, rawPath)
	if !ok {
		g.fail(w, r, &entry, http.StatusNotFound, msgNotFound)
		return
	}
	route := m.route
	entry.routeKey = route.key

	if !route.bucket.allow(now) {
		g.fail(w, r, &entry, http.StatusTooManyRequests, msgTooManyRequests)
		return
	}

	var authorizerJS []byte
	if route.authorizer != nil {
		vt, aerr := route.authorizer.authorize(r, now, route.route.Scopes)
		if aerr != nil {
			entry.authorizerError = aerr.reason
			h.Set("Www-Authenticate", aerr.challenge)
			msg := msgUnauthorized
			if aerr.status == http.StatusForbidden {
				msg = msgForbidden
			}
			g.fail(w, r, &entry, aerr.status, msg)
			return
		}
		authorizerJS = vt.authorizerJS
	}

	bodyBuf := g.getBuf()
	body, err := readBody(r.Body, *bodyBuf, r.ContentLength)
	*bodyBuf = body[:0]
	if err != nil {
		g.putBuf(bodyBuf)
		if errors.Is(err, errBodyTooLarge) {
			g.fail(w, r, &entry, http.StatusRequestEntityTooLarge, msgTooLarge)
		} else {
			// The client went away or sent a broken body; production never
			// reaches the integration either.
			g.fail(w, r, &entry, http.StatusBadRequest, `{"message":"Bad Request"}`)
		}
		return
	}
	if eventSizeEstimate(r, body) > MaxInvokePayload {
		g.putBuf(bodyBuf)
		g.fail(w, r, &entry, http.StatusRequestEntityTooLarge, msgTooLarge)
		return
	}

	eventBuf := g.getBuf()
	event := g.appendEvent((*eventBuf)[:0], &eventInput{
		r:          r,
		routeKey:   route.key,
		rawPath:    rawPath,
		params:     m.pathParameters(),
		authorizer: authorizerJS,
		body:       body,
		requestID:  entry.requestID,
		sourceIP:   entry.ip,
		now:        now,
	})
	*eventBuf = event[:0]
	g.putBuf(bodyBuf)
	if len(event) > MaxInvokePayload {
		g.putBuf(eventBuf)
		g.fail(w, r, &entry, http.StatusRequestEntityTooLarge, msgTooLarge)
		return
	}

	resp, status := g.invoke(r.Context(), route, event, eventBuf, &entry)
	if status != 0 {
		msg := msgInternal
		if status == http.StatusServiceUnavailable {
			msg = msgUnavailable
		}
		g.fail(w, r, &entry, status, msg)
		return
	}
	g.writeFunctionResponse(w, r, &entry, resp)
}

// invoke calls the route's function with the integration timeout and maps
// its result. A non-zero status is a gateway error to send instead.
func (g *Gateway) invoke(parent context.Context, route *compiledRoute, event []byte, eventBuf *[]byte, entry *accessEntry) (functionResponse, int) {
	ctx, cancel := context.WithTimeout(parent, route.timeout)
	defer cancel()
	done := make(chan invokeOutcome, 1)
	invokeStart := time.Now()
	// The invoke runs on its own goroutine so that an Invoker that ignores
	// its context still cannot hold the request past the timeout.
	go func() {
		res, err := g.invoker.Invoke(ctx, route.route.Function, event)
		done <- invokeOutcome{res, err}
	}()
	var out invokeOutcome
	select {
	case out = <-done:
		entry.integrationLatency = time.Since(invokeStart)
		g.putBuf(eventBuf)
	case <-ctx.Done():
		// The event buffer may still be in use by the invoke; it is left
		// to the garbage collector.
		entry.integrationLatency = time.Since(invokeStart)
		return functionResponse{}, http.StatusServiceUnavailable
	}
	switch {
	case out.err != nil:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return functionResponse{}, http.StatusServiceUnavailable
		}
		// API Gateway answers 500 when Lambda refuses the invoke,
		// including Lambda's own 429 throttling.
		g.log.LogAttrs(ctx, slog.LevelError, "invoke failed",
			slog.String("requestId", entry.requestID), slog.String("function", route.route.Function), slog.String("error", out.err.Error()))
		return functionResponse{}, http.StatusInternalServerError
	case out.res.FunctionError != "":
		return functionResponse{}, http.StatusInternalServerError
	}
	resp, err := mapResponse(out.res.Payload)
	if err != nil {
		g.log.LogAttrs(ctx, slog.LevelError, "malformed Lambda response",
			slog.String("requestId", entry.requestID), slog.String("function", route.route.Function), slog.String("error", err.Error()))
		return functionResponse{}, http.StatusInternalServerError
	}
	return resp, 0
}

func (g *Gateway) writeFunctionResponse(w http.ResponseWriter, r *http.Request, entry *accessEntry, resp functionResponse) {
	h := w.Header()
	for name, value := range resp.headers {
		key := http.CanonicalHeaderKey(name)
		if droppedResponseHeaders[key] {
			continue
		}
		if key == "Set-Cookie" {
			h.Add(key, value)
			continue
		}
		h[key] = []string{value}
	}
	for _, c := range resp.cookies {
		h.Add("Set-Cookie", c)
	}
	if _, ok := h["Content-Type"]; !ok {
		// A nil value stops net/http from sniffing a type the function
		// did not set; production adds none either.
		h["Content-Type"] = nil
	}
	if g.cors != nil {
		g.cors.decorate(r, h)
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	entry.status = resp.status
	entry.responseLength = len(resp.body)
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// fail writes a response generated by the gateway itself.
func (g *Gateway) fail(w http.ResponseWriter, r *http.Request, entry *accessEntry, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if g.cors != nil {
		g.cors.decorate(r, h)
	}
	entry.status = status
	entry.responseLength = len(body)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (g *Gateway) logAccess(e *accessEntry, start time.Time) {
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String("requestId", e.requestID),
		slog.String("ip", e.ip),
		slog.String("method", e.method),
		slog.String("routeKey", e.routeKey),
		slog.Int("status", e.status),
		slog.Int("responseLength", e.responseLength),
		slog.Float64("integrationLatency", milliseconds(e.integrationLatency)),
		slog.Float64("latency", milliseconds(time.Since(start))),
	)
	if e.authorizerError != "" {
		attrs = append(attrs, slog.String("authorizerError", e.authorizerError))
	}
	g.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// milliseconds keeps microsecond precision: local latencies are usually
// well below one millisecond.
func milliseconds(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// readBody reads at most MaxRequestBody bytes into buf, growing it once to
// the declared length when there is one.
func readBody(body io.Reader, buf []byte, declared int64) ([]byte, error) {
	if body == nil || body == http.NoBody {
		return buf[:0], nil
	}
	buf = buf[:0]
	if declared > 0 {
		buf = slices.Grow(buf, int(declared)+1)
	}
	limited := io.LimitReader(body, MaxRequestBody+1)
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(512, cap(buf)))
		}
		n, err := limited.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > MaxRequestBody {
			return buf, errBodyTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
