package gateway

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

var corsHeaderNames = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
	"Access-Control-Max-Age", "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers",
}

func TestCORS(t *testing.T) {
	const origin = "https://portal.example.com"
	policy := &CORS{
		AllowOrigins:     []string{origin},
		AllowMethods:     []string{"GET", "POST", "OPTIONS"},
		AllowHeaders:     []string{"Authorization", "Content-Type"},
		ExposeHeaders:    []string{"ETag", "Location"},
		MaxAge:           600,
		AllowCredentials: true,
	}
	preflight := func(origin, method, headers string) request {
		h := [][2]string{{"Origin", origin}, {"Access-Control-Request-Method", method}}
		if headers != "" {
			h = append(h, [2]string{"Access-Control-Request-Headers", headers})
		}
		return request{method: "OPTIONS", target: "/v1/orders", headers: h}
	}
	functionSetsCORS := `{"statusCode":200,"headers":{"access-control-allow-origin":"*","access-control-allow-methods":"DELETE"},"body":"x"}`
	tests := []struct {
		name       string
		cors       *CORS
		req        request
		respond    string
		want       result
		wantInvoke bool
	}{
		{
			name: "allowed preflight",
			cors: policy,
			req:  preflight(origin, "POST", "content-type, authorization"),
			want: result{Status: 204, Headers: map[string][]string{
				"Access-Control-Allow-Origin":      {origin},
				"Access-Control-Allow-Methods":     {"GET,POST,OPTIONS"},
				"Access-Control-Allow-Headers":     {"authorization,content-type"},
				"Access-Control-Max-Age":           {"600"},
				"Access-Control-Allow-Credentials": {"true"},
			}},
		},
		{
			name: "preflight from another origin",
			cors: policy,
			req:  preflight("https://evil.example", "POST", ""),
			want: result{Status: 204, Headers: map[string][]string{}},
		},
		{
			name: "preflight for a method not allowed",
			cors: policy,
			req:  preflight(origin, "DELETE", ""),
			want: result{Status: 204, Headers: map[string][]string{}},
		},
		{
			name: "preflight for a header not allowed",
			cors: policy,
			req:  preflight(origin, "POST", "x-secret"),
			want: result{Status: 204, Headers: map[string][]string{}},
		},
		{
			name: "wildcard policy echoes requested headers",
			cors: &CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}},
			req:  preflight("https://any.example", "PATCH", "X-Custom"),
			want: result{Status: 204, Headers: map[string][]string{
				"Access-Control-Allow-Origin":  {"*"},
				"Access-Control-Allow-Methods": {"*"},
				"Access-Control-Allow-Headers": {"x-custom"},
			}},
		},
		{
			name:    "actual request from an allowed origin overrides the function",
			cors:    policy,
			req:     request{target: "/v1/orders", headers: [][2]string{{"Origin", origin}}},
			respond: functionSetsCORS,
			want: result{Status: 200, Body: "x", Headers: map[string][]string{
				"Access-Control-Allow-Origin":      {origin},
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Expose-Headers":    {"etag,location"},
			}},
			wantInvoke: true,
		},
		{
			name:       "actual request from another origin gets no CORS headers",
			cors:       policy,
			req:        request{target: "/v1/orders", headers: [][2]string{{"Origin", "https://evil.example"}}},
			respond:    functionSetsCORS,
			want:       result{Status: 200, Body: "x", Headers: map[string][]string{}},
			wantInvoke: true,
		},
		{
			name: "gateway errors carry CORS headers too",
			cors: policy,
			req:  request{target: "/nowhere", headers: [][2]string{{"Origin", origin}}},
			want: result{Status: 404, Body: `{"message":"Not Found"}`, Headers: map[string][]string{
				"Access-Control-Allow-Origin":      {origin},
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Expose-Headers":    {"etag,location"},
			}},
		},
		{
			name:    "without CORS configuration OPTIONS reaches the function",
			req:     preflight(origin, "POST", ""),
			respond: functionSetsCORS,
			want: result{Status: 200, Body: "x", Headers: map[string][]string{
				"Access-Control-Allow-Origin":  {"*"},
				"Access-Control-Allow-Methods": {"DELETE"},
			}},
			wantInvoke: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			if tt.respond != "" {
				inv.respond = respondWith(tt.respond)
			}
			g := newTestGateway(t, inv, func(c *Config) {
				c.CORS = tt.cors
				c.Routes = []Route{{Method: "ANY", Path: "/v1/orders", Function: "f"}}
			})
			got := observe(serve(g, tt.req.build()), corsHeaderNames)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
			if invoked := inv.callCount() > 0; invoked != tt.wantInvoke {
				t.Errorf("invoked = %v, want %v", invoked, tt.wantInvoke)
			}
		})
	}
}
