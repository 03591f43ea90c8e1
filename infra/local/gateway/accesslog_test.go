package gateway

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	g := newTestGateway(t, &fakeInvoker{}, func(c *Config) {
		c.Logger = jsonLogger(&buf)
		c.Routes = []Route{
			{Method: "GET", Path: "/public", Function: "f"},
			{Method: "GET", Path: "/me", Function: "f", Authorizer: "cognito"},
		}
	})
	ids := []string{
		serve(g, request{target: "/public"}.build()).Header().Get("Apigw-Requestid"),
		serve(g, request{target: "/me", headers: [][2]string{{"Authorization", "Bearer x.y.z"}}}.build()).Header().Get("Apigw-Requestid"),
		serve(g, request{method: "POST", target: "/missing"}.build()).Header().Get("Apigw-Requestid"),
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var got []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		for _, k := range []string{"time", "latency", "integrationLatency"} {
			if _, ok := m[k]; !ok {
				t.Errorf("log line lacks %s: %s", k, l)
			}
		}
		got = append(got, m)
	}
	base := func(id, method, routeKey string, status, length float64) map[string]any {
		return map[string]any{"level": "INFO", "msg": "request", "requestId": id, "ip": "192.0.2.10",
			"method": method, "routeKey": routeKey, "status": status, "responseLength": length}
	}
	want := []map[string]any{
		base(ids[0], "GET", "GET /public", 200, 11),
		base(ids[1], "GET", "GET /me", 401, 26),
		base(ids[2], "POST", "-", 404, 23),
	}
	want[1]["authorizerError"] = "the token is malformed"
	ignore := cmpopts.IgnoreMapEntries(func(k string, _ any) bool {
		return k == "time" || k == "latency" || k == "integrationLatency"
	})
	if diff := cmp.Diff(want, got, ignore); diff != "" {
		t.Errorf("access log mismatch (-want +got):\n%s", diff)
	}
}
