package gateway

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// corsPolicy is a CORS configuration compiled for per-request checks.
type corsPolicy struct {
	anyOrigin, anyMethod, anyHeader bool
	origins                         map[string]bool // lower-case
	methods                         map[string]bool // upper-case
	headers                         map[string]bool // lower-case
	allowMethods, allowHeaders      string
	expose                          string
	maxAge                          string
	credentials                     bool
}

func compileCORS(c *CORS) (*corsPolicy, error) {
	if c == nil {
		return nil, nil
	}
	p := &corsPolicy{
		origins:     map[string]bool{},
		methods:     map[string]bool{},
		headers:     map[string]bool{},
		credentials: c.AllowCredentials,
	}
	for _, o := range c.AllowOrigins {
		if o == "*" {
			p.anyOrigin = true
			continue
		}
		p.origins[strings.ToLower(o)] = true
	}
	// HTTP API refuses this combination when the API is deployed; failing
	// here keeps a template that cannot deploy from working locally.
	if p.anyOrigin && c.AllowCredentials {
		return nil, fmt.Errorf("cors: AllowCredentials cannot be combined with AllowOrigins \"*\"")
	}
	methods := make([]string, 0, len(c.AllowMethods))
	for _, m := range c.AllowMethods {
		m = strings.ToUpper(m)
		if m == "*" {
			p.anyMethod = true
		}
		p.methods[m] = true
		methods = append(methods, m)
	}
	p.allowMethods = strings.Join(methods, ",")
	headers := make([]string, 0, len(c.AllowHeaders))
	for _, h := range c.AllowHeaders {
		h = strings.ToLower(h)
		if h == "*" {
			p.anyHeader = true
		}
		p.headers[h] = true
		headers = append(headers, h)
	}
	p.allowHeaders = strings.Join(headers, ",")
	expose := make([]string, 0, len(c.ExposeHeaders))
	for _, h := range c.ExposeHeaders {
		expose = append(expose, strings.ToLower(h))
	}
	p.expose = strings.Join(expose, ",")
	if c.MaxAge > 0 {
		p.maxAge = strconv.Itoa(c.MaxAge)
	}
	return p, nil
}

// allowedOrigin returns the access-control-allow-origin value for origin,
// or "" when the origin is not allowed.
func (p *corsPolicy) allowedOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	if p.anyOrigin {
		return "*"
	}
	if p.origins[strings.ToLower(origin)] {
		return origin
	}
	return ""
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions &&
		r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight writes the CORS headers for an allowed preflight into h and
// reports whether the preflight was allowed. HTTP API answers every
// preflight itself, allowed or not, without calling the integration.
func (p *corsPolicy) preflight(r *http.Request, h http.Header) bool {
	allowOrigin := p.allowedOrigin(r.Header.Get("Origin"))
	if allowOrigin == "" {
		return false
	}
	method := strings.ToUpper(strings.TrimSpace(r.Header.Get("Access-Control-Request-Method")))
	if !p.anyMethod && !p.methods[method] {
		return false
	}
	var requested []string
	for _, v := range r.Header.Values("Access-Control-Request-Headers") {
		for _, name := range strings.Split(v, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			if !p.anyHeader && !p.headers[name] {
				return false
			}
			requested = append(requested, name)
		}
	}
	h.Set("Access-Control-Allow-Origin", allowOrigin)
	h.Set("Access-Control-Allow-Methods", p.allowMethods)
	if p.anyHeader {
		// "*" is not honoured by browsers on credentialed requests, so
		// name the requested headers instead.
		if len(requested) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(requested, ","))
		}
	} else if p.allowHeaders != "" {
		h.Set("Access-Control-Allow-Headers", p.allowHeaders)
	}
	if p.maxAge != "" {
		h.Set("Access-Control-Max-Age", p.maxAge)
	}
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	return true
}

// decorate applies the policy to an actual (non-preflight) response. HTTP
// API ignores CORS headers returned by the integration once the API has a
// CORS configuration, so they are removed whatever the origin.
func (p *corsPolicy) decorate(r *http.Request, h http.Header) {
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	allowOrigin := p.allowedOrigin(r.Header.Get("Origin"))
	if allowOrigin == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", allowOrigin)
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if p.expose != "" {
		h.Set("Access-Control-Expose-Headers", p.expose)
	}
}
