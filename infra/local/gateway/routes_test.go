package gateway

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRouteSelection(t *testing.T) {
	routes := []Route{
		{Method: "GET", Path: "/", Function: "root"},
		{Method: "GET", Path: "/pets/dog", Function: "f"},
		{Method: "GET", Path: "/pets/{id}", Function: "f"},
		{Method: "ANY", Path: "/pets/{id}", Function: "f"},
		{Method: "POST", Path: "/pets/{id}/toys", Function: "f"},
		{Method: "ANY", Path: "/pets/{proxy+}", Function: "f"},
		{Method: "GET", Path: "/a/b/c", Function: "f"},
		{Method: "GET", Path: "/a/{x}/d", Function: "f"},
		{Method: "GET", Path: "/only-get", Function: "f"},
		{Method: "GET", Path: "/v1/{proxy+}", Function: "f"},
	}
	tests := []struct {
		method, path string
		wantKey      string // "" means no route
		wantValues   []string
	}{
		{"GET", "/", "GET /", nil},
		{"GET", "/pets/dog", "GET /pets/dog", nil},
		{"POST", "/pets/dog", "ANY /pets/{id}", []string{"dog"}},   // literal has no POST: fall back to the variable
		{"GET", "/pets/cat", "GET /pets/{id}", []string{"cat"}},    // specific method beats ANY
		{"DELETE", "/pets/cat", "ANY /pets/{id}", []string{"cat"}}, // ANY when no specific method
		{"POST", "/pets/cat/toys", "POST /pets/{id}/toys", []string{"cat"}},
		{"GET", "/pets/cat/toys", "ANY /pets/{proxy+}", []string{"cat/toys"}}, // greedy catches what the variable route cannot
		{"GET", "/pets/a/b/c/", "ANY /pets/{proxy+}", []string{"a/b/c/"}},
		{"GET", "/pets/", "", nil}, // a variable needs a non-empty segment
		{"GET", "/pets", "", nil},  // greedy needs at least one segment
		{"GET", "/a/b/c", "GET /a/b/c", nil},
		{"GET", "/a/b/d", "GET /a/{x}/d", []string{"b"}}, // backtracks from the literal b
		{"HEAD", "/only-get", "", nil},                   // HEAD is not GET
		{"GET", "/only-get/", "", nil},                   // trailing slash is another path
		{"GET", "/v1/orders/1/notes", "GET /v1/{proxy+}", []string{"orders/1/notes"}},
		{"GET", "/V1/orders", "", nil}, // paths are case-sensitive
	}
	table, err := buildRouteTable(routes, nil, ThrottleSettings{})
	if err != nil {
		t.Fatalf("buildRouteTable: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			m, ok := table.match(tt.method, tt.path)
			gotKey := ""
			var gotValues []string
			if ok {
				gotKey = m.route.key
				gotValues = m.values
				if len(gotValues) == 0 {
					gotValues = nil
				}
			}
			if diff := cmp.Diff(tt.wantKey, gotKey); diff != "" {
				t.Errorf("route mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantValues, gotValues); diff != "" {
				t.Errorf("values mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	inv := &fakeInvoker{}
	g := newTestGateway(t, inv, func(c *Config) {
		c.Routes = []Route{{Method: "GET", Path: "/v1/orders", Function: "f"}}
	})
	for _, rq := range []request{{target: "/v1/other"}, {method: "HEAD", target: "/v1/orders"}, {method: "OPTIONS", target: "/v1/orders"}} {
		w := serve(g, rq.build())
		got := [3]string{w.Result().Status, w.Header().Get("Content-Type"), w.Body.String()}
		want := [3]string{"404 Not Found", "application/json", `{"message":"Not Found"}`}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s %s mismatch (-want +got):\n%s", rq.method, rq.target, diff)
		}
	}
	if n := inv.callCount(); n != 0 {
		t.Errorf("function invoked %d times", n)
	}
}

func TestNewValidation(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{"duplicate route key", func(c *Config) {
			c.Routes = []Route{{Method: "GET", Path: "/a", Function: "f"}, {Method: "get", Path: "/a", Function: "g"}}
		}, `duplicate route key "GET /a"`},
		{"conflicting variables", func(c *Config) {
			c.Routes = []Route{{Method: "GET", Path: "/a/{id}", Function: "f"}, {Method: "GET", Path: "/a/{name}", Function: "g"}}
		}, `conflicts with "GET /a/{id}"`},
		{"two default routes", func(c *Config) {
			c.Routes = []Route{{Path: "$default", Function: "f"}, {Method: "ANY", Path: "$default", Function: "g"}}
		}, `duplicate route key "$default"`},
		{"greedy not last", func(c *Config) { c.Routes = []Route{{Method: "GET", Path: "/a/{p+}/b", Function: "f"}} }, "must be the last segment"},
		{"no leading slash", func(c *Config) { c.Routes = []Route{{Method: "GET", Path: "a", Function: "f"}} }, "must start with /"},
		{"empty segment", func(c *Config) { c.Routes = []Route{{Method: "GET", Path: "/a//b", Function: "f"}} }, "empty segment"},
		{"mixed segment", func(c *Config) { c.Routes = []Route{{Method: "GET", Path: "/a/x{id}", Function: "f"}} }, "mixes literal text"},
		{"repeated variable", func(c *Config) { c.Routes = []Route{{Method: "GET", Path: "/{id}/{id}", Function: "f"}} }, "appears twice"},
		{"unknown method", func(c *Config) { c.Routes = []Route{{Method: "FETCH", Path: "/a", Function: "f"}} }, `unsupported method "FETCH"`},
		{"unknown authorizer", func(c *Config) { c.Routes = []Route{{Method: "GET", Path: "/a", Function: "f", Authorizer: "nope"}} }, `unknown authorizer "nope"`},
		{"scopes without authorizer", func(c *Config) {
			c.Routes = []Route{{Method: "GET", Path: "/a", Function: "f", Scopes: []string{"s"}}}
		}, "need an authorizer"},
		{"no function", func(c *Config) { c.Routes = []Route{{Method: "GET", Path: "/a"}} }, "no function"},
		{"bad identity source", func(c *Config) {
			a := c.Authorizers["cognito"]
			a.IdentitySource = "$request.querystring.token"
			c.Authorizers["cognito"] = a
		}, "is not a single $request.header.<name>"},
		{"credentials with any origin", func(c *Config) {
			c.CORS = &CORS{AllowOrigins: []string{"*"}, AllowCredentials: true}
		}, "AllowCredentials cannot be combined"},
		{"no invoker", func(c *Config) { c.Invoker = nil }, "no invoker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{
				Invoker: &fakeInvoker{},
				Authorizers: map[string]JWTAuthorizer{"cognito": {
					Issuer: testIssuerURL, Audience: []string{testClientID}, Keys: testIssuer(),
				}},
			}
			tt.edit(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestSetRoutes(t *testing.T) {
	inv := &fakeInvoker{}
	g := newTestGateway(t, inv, func(c *Config) { c.Routes = []Route{{Method: "GET", Path: "/old", Function: "old"}} })
	if err := g.SetRoutes([]Route{{Method: "GET", Path: "/new", Function: "new"}}); err != nil {
		t.Fatalf("SetRoutes: %v", err)
	}
	// An invalid table is refused and the current one stays.
	if err := g.SetRoutes([]Route{{Method: "GET", Path: "broken", Function: "x"}}); err == nil {
		t.Fatal("SetRoutes accepted an invalid route")
	}
	got := []int{serve(g, request{target: "/old"}.build()).Code, serve(g, request{target: "/new"}.build()).Code}
	if diff := cmp.Diff([]int{404, 200}, got); diff != "" {
		t.Errorf("status mismatch (-want +got):\n%s", diff)
	}
}
