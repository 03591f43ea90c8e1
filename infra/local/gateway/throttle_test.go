package gateway

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestThrottling(t *testing.T) {
	now := testNow
	inv := &fakeInvoker{}
	g := newTestGateway(t, inv, func(c *Config) {
		c.Throttle = ThrottleSettings{BurstLimit: 2, RateLimit: 1}
		c.Now = func() time.Time { return now }
		c.Routes = []Route{
			{Method: "GET", Path: "/a", Function: "f"},
			{Method: "GET", Path: "/b", Function: "f"},
		}
	})
	steps := []struct {
		advance time.Duration
		path    string
		want    int
	}{
		{0, "/a", 200},
		{0, "/a", 200},
		{0, "/a", 429},                      // burst used up
		{0, "/b", 200},                      // buckets are per route
		{500 * time.Millisecond, "/a", 429}, // half a token
		{500 * time.Millisecond, "/a", 200}, // one token refilled
		{0, "/a", 429},
		{10 * time.Second, "/a", 200}, // refills only up to the burst
		{0, "/a", 200},
		{0, "/a", 429},
	}
	var got, want []int
	for _, s := range steps {
		now = now.Add(s.advance)
		w := serve(g, request{target: s.path}.build())
		got = append(got, w.Code)
		want = append(want, s.want)
		if w.Code == 429 {
			if diff := cmp.Diff(`{"message":"Too Many Requests"}`, w.Body.String()); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status sequence mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(6, inv.callCount()); diff != "" {
		t.Errorf("invoke count mismatch (-want +got):\n%s", diff)
	}
}

func TestNoThrottlingByDefault(t *testing.T) {
	inv := &fakeInvoker{}
	g := newTestGateway(t, inv, func(c *Config) { c.Routes = []Route{{Method: "GET", Path: "/a", Function: "f"}} })
	for range 1000 {
		if w := serve(g, request{target: "/a"}.build()); w.Code != 200 {
			t.Fatalf("status %d without throttle settings", w.Code)
		}
	}
}
