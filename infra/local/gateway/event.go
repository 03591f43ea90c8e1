package gateway

import (
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// eventInput is everything the payload format 2.0 event is built from.
type eventInput struct {
	r          *http.Request
	routeKey   string
	rawPath    string
	params     [][2]string
	authorizer []byte // pre-rendered requestContext.authorizer, or nil
	body       []byte
	requestID  string
	sourceIP   string
	now        time.Time
}

// Request headers that do not reach the function as sent. Cookie goes to
// "cookies"; Content-Length is recomputed from the body actually read;
// Host and X-Forwarded-* are written by the gateway (X-Forwarded-For merged);
// hop-by-hop headers end at the gateway, which terminates the connection.
var gatewayOwnedHeaders = map[string]bool{
	"Cookie":            true,
	"Content-Length":    true,
	"Host":              true,
	"X-Forwarded-For":   true,
	"X-Forwarded-Port":  true,
	"X-Forwarded-Proto": true,
	"Connection":        true,
	"Keep-Alive":        true,
	"Proxy-Connection":  true,
	"Te":                true,
	"Upgrade":           true,
}

const timeLayout = "02/Jan/2006:15:04:05 -0700"

// appendEvent appends the payload format 2.0 event for in to buf. Fields
// that production omits when empty (cookies, queryStringParameters,
// pathParameters, stageVariables, body) are omitted here too.
func (g *Gateway) appendEvent(buf []byte, in *eventInput) []byte {
	r := in.r
	buf = append(buf, `{"version":"2.0","routeKey":`...)
	buf = appendJSONString(buf, in.routeKey)
	buf = append(buf, `,"rawPath":`...)
	buf = appendJSONString(buf, in.rawPath)
	buf = append(buf, `,"rawQueryString":`...)
	buf = appendJSONString(buf, r.URL.RawQuery)

	if cookies := r.Header["Cookie"]; len(cookies) > 0 {
		n := 0
		for _, line := range cookies {
			for c := range strings.SplitSeq(line, ";") {
				c = strings.TrimSpace(c)
				if c == "" {
					continue
				}
				if n == 0 {
					buf = append(buf, `,"cookies":[`...)
				} else {
					buf = append(buf, ',')
				}
				buf = appendJSONString(buf, c)
				n++
			}
		}
		if n > 0 {
			buf = append(buf, ']')
		}
	}

	buf = append(buf, `,"headers":{`...)
	first := true
	var traceSeen bool
	for name, values := range r.Header {
		if gatewayOwnedHeaders[name] {
			continue
		}
		if name == "X-Amzn-Trace-Id" {
			traceSeen = true
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = appendLowerJSONString(buf, name)
		buf = append(buf, ':', '"')
		for i, v := range values {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONContent(buf, v)
		}
		buf = append(buf, '"')
	}
	if !first {
		buf = append(buf, ',')
	}
	buf = append(buf, `"content-length":"`...)
	buf = appendInt(buf, int64(len(in.body)))
	buf = append(buf, `","host":`...)
	buf = appendJSONString(buf, r.Host)
	buf = append(buf, `,"x-forwarded-for":"`...)
	// Production appends the caller's address to any list the caller sent.
	if fwd := r.Header["X-Forwarded-For"]; len(fwd) > 0 {
		for _, v := range fwd {
			buf = appendJSONContent(buf, v)
			buf = append(buf, ',', ' ')
		}
	}
	buf = appendJSONContent(buf, in.sourceIP)
	buf = append(buf, `","x-forwarded-port":`...)
	buf = appendJSONString(buf, localPort(r))
	if r.TLS != nil {
		buf = append(buf, `,"x-forwarded-proto":"https"`...)
	} else {
		buf = append(buf, `,"x-forwarded-proto":"http"`...)
	}
	if !traceSeen {
		buf = append(buf, `,"x-amzn-trace-id":`...)
		buf = appendJSONString(buf, traceID(in.now))
	}
	buf = append(buf, '}')

	buf = appendQueryParameters(buf, r.URL.RawQuery)

	if len(in.params) > 0 {
		buf = append(buf, `,"pathParameters":{`...)
		for i, p := range in.params {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, p[0])
			buf = append(buf, ':')
			buf = appendJSONString(buf, p[1])
		}
		buf = append(buf, '}')
	}

	host := r.Host
	buf = append(buf, `,"requestContext":{"accountId":`...)
	buf = appendJSONString(buf, g.accountID)
	buf = append(buf, `,"apiId":`...)
	buf = appendJSONString(buf, g.apiID)
	if in.authorizer != nil {
		buf = append(buf, `,"authorizer":`...)
		buf = append(buf, in.authorizer...)
	}
	buf = append(buf, `,"domainName":`...)
	buf = appendJSONString(buf, host)
	buf = append(buf, `,"domainPrefix":`...)
	buf = appendJSONString(buf, domainPrefix(host))
	buf = append(buf, `,"http":{"method":`...)
	buf = appendJSONString(buf, r.Method)
	buf = append(buf, `,"path":`...)
	buf = appendJSONString(buf, in.rawPath)
	buf = append(buf, `,"protocol":"HTTP/1.1","sourceIp":`...)
	buf = appendJSONString(buf, in.sourceIP)
	buf = append(buf, `,"userAgent":`...)
	buf = appendJSONString(buf, r.Header.Get("User-Agent"))
	buf = append(buf, `},"requestId":`...)
	buf = appendJSONString(buf, in.requestID)
	buf = append(buf, `,"routeKey":`...)
	buf = appendJSONString(buf, in.routeKey)
	buf = append(buf, `,"stage":`...)
	buf = appendJSONString(buf, g.stage)
	buf = append(buf, `,"time":"`...)
	buf = in.now.UTC().AppendFormat(buf, timeLayout)
	buf = append(buf, `","timeEpoch":`...)
	buf = appendInt(buf, in.now.UnixMilli())
	buf = append(buf, '}')

	if len(in.body) > 0 {
		buf = append(buf, `,"body":`...)
		if isTextContentType(r.Header.Get("Content-Type")) {
			buf = appendJSONBytes(buf, in.body)
			buf = append(buf, `,"isBase64Encoded":false}`...)
		} else {
			buf = append(buf, '"')
			buf = base64.StdEncoding.AppendEncode(buf, in.body)
			buf = append(buf, `","isBase64Encoded":true}`...)
		}
		return buf
	}
	return append(buf, `,"isBase64Encoded":false}`...)
}

// eventSizeEstimate bounds the body's contribution to the event, so an
// event that cannot fit is refused before it is built.
func eventSizeEstimate(r *http.Request, body []byte) int {
	if isTextContentType(r.Header.Get("Content-Type")) {
		return len(body)
	}
	return base64.StdEncoding.EncodedLen(len(body))
}

// appendQueryParameters writes queryStringParameters: decoded keys and
// values, repeated keys joined with commas in the order sent. The field is
// absent when there is no query.
func appendQueryParameters(buf []byte, raw string) []byte {
	if raw == "" {
		return buf
	}
	type param struct{ key, value string }
	var small [8]param
	params := small[:0]
	var index map[string]int
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		if k == "" {
			continue
		}
		i := -1
		if index != nil {
			if j, ok := index[k]; ok {
				i = j
			}
		} else {
			for j := range params {
				if params[j].key == k {
					i = j
					break
				}
			}
		}
		if i >= 0 {
			params[i].value += "," + v
			continue
		}
		params = append(params, param{k, v})
		if index == nil && len(params) > len(small) {
			index = make(map[string]int, 2*len(params))
			for j, p := range params {
				index[p.key] = j
			}
		} else if index != nil {
			index[k] = len(params) - 1
		}
	}
	if len(params) == 0 {
		return buf
	}
	buf = append(buf, `,"queryStringParameters":{`...)
	for i, p := range params {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, p.key)
		buf = append(buf, ':')
		buf = appendJSONString(buf, p.value)
	}
	return append(buf, '}')
}

func queryUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// isTextContentType reports whether HTTP API passes a body of this type as
// text. Everything else, including a missing type, arrives base64-encoded.
func isTextContentType(ct string) bool {
	if ct == "" {
		return false
	}
	mt := ct
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		mt = ct[:i]
	}
	mt = strings.ToLower(strings.TrimSpace(mt))
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return false
}

// sourceIP is the address of the immediate caller, as production reports
// it in requestContext.http.sourceIp.
func sourceIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// localPort is the port the request arrived on, for x-forwarded-port.
func localPort(r *http.Request) string {
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(addr.String()); err == nil {
			return port
		}
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil && port != "" {
		return port
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}

// domainPrefix is the first label of the host name, without any port.
func domainPrefix(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if i := strings.IndexByte(host, '.'); i >= 0 {
		return host[:i]
	}
	return host
}
