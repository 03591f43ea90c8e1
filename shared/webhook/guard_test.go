package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/webhook"
)

func TestForbiddenAddresses(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "::1": true, "169.254.169.254": true, "fe80::1": true,
		"10.0.0.7": true, "172.16.5.4": true, "172.31.255.255": true, "192.168.1.1": true, "fd00:ec2::254": true,
		"100.64.0.1": true, "0.0.0.0": true, "0.1.2.3": true, "::": true, "224.0.0.1": true, "255.255.255.255": true,
		"::ffff:127.0.0.1": true, "::ffff:169.254.169.254": true,
		"93.184.216.34": false, "172.32.0.1": false, "8.8.8.8": false, "2a00:1450:4010::65": false, "100.128.0.1": false,
	} {
		if got := webhook.Forbidden(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Forbidden(%s) = %v, want %v", addr, got, want)
		}
	}
}

type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := f[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func TestGuardCheckTarget(t *testing.T) {
	internal, err := webhook.ParseInternal(" erp.corp.example , 10.20.0.0/16,192.168.7.7")
	if err != nil {
		t.Fatal(err)
	}
	g := &webhook.Guard{Internal: internal, Resolver: fakeResolver{
		"crm.example.com":      {"93.184.216.34"},
		"rebind.example.com":   {"93.184.216.34", "169.254.169.254"},
		"erp.corp.example":     {"10.1.1.1"},
		"intranet.example.com": {"10.20.3.4"},
	}}
	for url, refused := range map[string]bool{
		"https://crm.example.com/hook":            false,
		"https://unresolvable.example.com/hook":   false, // checked again on every delivery
		"http://127.0.0.1:8080/hook":              true,
		"http://[::1]/hook":                       true,
		"http://169.254.169.254/latest/meta-data": true,
		"http://10.0.0.5/hook":                    true,
		"http://localhost/hook":                   true,
		"http://api.localhost/hook":               true,
		"https://rebind.example.com/hook":         true,
		"https://erp.corp.example/hook":           false, // listed by name
		"https://ERP.corp.example./hook":          false,
		"http://10.20.9.9/hook":                   false, // listed prefix
		"https://intranet.example.com/hook":       false, // resolves into a listed prefix
		"http://192.168.7.7/hook":                 false, // listed address
		"http://192.168.7.8/hook":                 true,
	} {
		if msg := g.CheckTarget(context.Background(), url); (msg != "") != refused {
			t.Errorf("CheckTarget(%s) = %q, want refused=%v", url, msg, refused)
		}
	}
	if _, err := webhook.ParseInternal("10.0.0.0/33"); err == nil {
		t.Error("ParseInternal accepted a bad prefix")
	}
}

// TestClientRefusesInternalAddresses: a delivery to a receiver on loopback
// is refused at the connection unless the host is listed as internal (a
// registered name that later resolves inside is caught the same way).
func TestClientRefusesInternalAddresses(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	defer srv.Close()
	target := webhook.Target{ID: "crm", URL: srv.URL + "/hook", Events: []string{"*"}, Active: true}
	e, err := events.NewRaw(events.ClaimReceived, "RC-2026-000001", "public", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), map[string]string{"number": "RC-2026-000001"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := webhook.NewDelivery(e, target)
	if err != nil {
		t.Fatal(err)
	}
	guarded, err := webhook.NewClient(webhook.ClientConfig{Key: []byte("k"), Guard: &webhook.Guard{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := guarded.Post(context.Background(), target, d); !errors.Is(err, webhook.ErrForbiddenAddress) {
		t.Errorf("post to loopback = %v, want ErrForbiddenAddress", err)
	}
	if calls != 0 {
		t.Errorf("the receiver was called %d times", calls)
	}
	allowed, err := webhook.NewClient(webhook.ClientConfig{Key: []byte("k"), Guard: &webhook.Guard{Internal: []string{"127.0.0.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := allowed.Post(context.Background(), target, d); err != nil || calls != 1 {
		t.Errorf("post to a listed host = %v (calls %d), want delivered once", err, calls)
	}
}

// TestNewClientRefusesNoKeyOrNoGuard: a client that could not sign, or that
// would post wherever a target points, is never built.
func TestNewClientRefusesNoKeyOrNoGuard(t *testing.T) {
	var nilGuard *webhook.Guard
	for _, tt := range []struct {
		missing string
		cfg     webhook.ClientConfig
	}{
		{"Key", webhook.ClientConfig{Guard: &webhook.Guard{}}},
		{"Key", webhook.ClientConfig{Key: []byte{}, Guard: &webhook.Guard{}}},
		{"Guard", webhook.ClientConfig{Key: []byte("k")}},
		{"Guard", webhook.ClientConfig{Key: []byte("k"), Guard: nilGuard}},
	} {
		c, err := webhook.NewClient(tt.cfg)
		if e, ok := apperr.As(err); c != nil || !ok || e.Code != apperr.Internal || len(e.Fields) != 1 || e.Fields[0].Field != tt.missing {
			t.Errorf("NewClient without %s = %v, %v; want an Internal error naming it", tt.missing, c, err)
		}
	}
}
