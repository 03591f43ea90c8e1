package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/webhook"
)

func fields(err error) []string {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	ok := func() webhook.Target {
		return webhook.Target{ID: "bitrix-hotline", URL: "https://acme.bitrix24.ru/rest/1/abc/task.add", Events: []string{events.MessagePosted}}
	}
	tests := []struct {
		name   string
		mut    func(*webhook.Target)
		fields []string
	}{
		{"valid", func(*webhook.Target) {}, nil},
		{"http", func(t *webhook.Target) { t.URL = "http://10.0.0.5:8080/hook" }, nil},
		{"all events", func(t *webhook.Target) { t.Events = []string{"*"} }, nil},
		{"dealer's system", func(t *webhook.Target) { t.DealerID = "DLR-7"; t.Events = []string{"*"} }, nil},
		{"bad ID", func(t *webhook.Target) { t.ID = "Bitrix 24" }, []string{"id"}},
		{"no URL", func(t *webhook.Target) { t.URL = "" }, []string{"url"}},
		{"relative URL", func(t *webhook.Target) { t.URL = "/hook" }, []string{"url"}},
		{"ftp", func(t *webhook.Target) { t.URL = "ftp://example.com/x" }, []string{"url"}},
		{"javascript", func(t *webhook.Target) { t.URL = "javascript:alert(1)" }, []string{"url"}},
		{"credentials", func(t *webhook.Target) { t.URL = "https://user:pw@example.com/x" }, []string{"url"}},
		{"bad port", func(t *webhook.Target) { t.URL = "https://example.com:99999/x" }, []string{"url"}},
		{"too long", func(t *webhook.Target) { t.URL = "https://example.com/" + strings.Repeat("a", 2000) }, []string{"url"}},
		{"bidirectional override in the URL", func(t *webhook.Target) { t.URL = "https://example.com/\u202Eexe.koob" }, []string{"url"}},
		{"space in the URL", func(t *webhook.Target) { t.URL = "https://example.com/a b" }, []string{"url"}},
		{"no events", func(t *webhook.Target) { t.Events = nil }, []string{"events"}},
		{"unknown event", func(t *webhook.Target) { t.Events = []string{events.StageChanged, "claim.deleted"} }, []string{"events[1]"}},
		{"internal event for a dealer", func(t *webhook.Target) { t.DealerID = "DLR-7"; t.Events = []string{events.Escalated} }, []string{"events[0]"}},
		{"bad dealer", func(t *webhook.Target) { t.DealerID = "DLR 7" }, []string{"dealerId"}},
		{"long description", func(t *webhook.Target) { t.Description = strings.Repeat("я", 501) }, []string{"description"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := ok()
			tt.mut(&tg)
			err := tg.Validate()
			if tt.fields == nil && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if tt.fields != nil && !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Validate = %v, want invalid", err)
			}
			if diff := cmp.Diff(tt.fields, fields(err)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
	tg := webhook.Target{ID: "crm", URL: " https://crm.example/hook ", Events: []string{events.StageChanged, "*", events.StageChanged},
		Description: " CRM\u202E \u2066sales\u2069\x00 "}
	if err := tg.Validate(); err != nil || tg.URL != "https://crm.example/hook" || !cmp.Equal(tg.Events, []string{"*"}) || tg.Description != "CRM sales" {
		t.Errorf("cleaned target = %+v, %v", tg, err)
	}
}

func TestWants(t *testing.T) {
	crm := webhook.Target{ID: "crm", Events: []string{events.StageChanged, events.Escalated}, Active: true}
	all := webhook.Target{ID: "all", Events: []string{"*"}, Active: true}
	dealer := webhook.Target{ID: "d", Events: []string{"*"}, DealerID: "DLR-7", Active: true}
	off := webhook.Target{ID: "off", Events: []string{"*"}}
	tests := []struct {
		t          webhook.Target
		typ, owner string
		want       bool
	}{
		{crm, events.StageChanged, "", true},
		{crm, events.ClaimReceived, "", false},
		{all, events.SLAWarning, "DLR-1", true},
		{dealer, events.StageChanged, "dlr-7", true},
		{dealer, events.StageChanged, "DLR-8", false},
		{dealer, events.StageChanged, "", false},
		{dealer, events.Assigned, "DLR-7", false},
		{off, events.ClaimReceived, "", false},
	}
	for _, tt := range tests {
		if got := tt.t.Wants(tt.typ, tt.owner); got != tt.want {
			t.Errorf("%s wants %s of %q = %v, want %v", tt.t.ID, tt.typ, tt.owner, got, tt.want)
		}
	}
}

func TestSecretAndSignature(t *testing.T) {
	key := []byte("application webhook key")
	s := webhook.Secret(key, "crm")
	if s != webhook.Secret(key, "crm") || s == webhook.Secret(key, "erp") || s == webhook.Secret([]byte("other key"), "crm") || len(s) != 64 {
		t.Errorf("secrets are not stable per target and key: %s", s)
	}
	body := []byte(`{"deliveryId":"e.crm","event":{}}`)
	sig := webhook.Sign(s, 1795428000, body)
	// What a receiver in any language computes.
	m := hmac.New(sha256.New, []byte(s))
	m.Write([]byte("1795428000." + string(body)))
	if want := "v1=" + hex.EncodeToString(m.Sum(nil)); sig != want {
		t.Errorf("signature %s, want %s", sig, want)
	}
	now := time.Unix(1795428000, 0).Add(time.Minute)
	if !webhook.Verify(s, sig, "1795428000", body, now, 5*time.Minute) {
		t.Error("a good signature does not verify")
	}
	for name, ok := range map[string]bool{
		"other body":      webhook.Verify(s, sig, "1795428000", []byte(`{}`), now, 5*time.Minute),
		"other timestamp": webhook.Verify(s, sig, "1795428001", body, now, 5*time.Minute),
		"other secret":    webhook.Verify(webhook.Secret(key, "erp"), sig, "1795428000", body, now, 5*time.Minute),
		"too old":         webhook.Verify(s, sig, "1795428000", body, now.Add(time.Hour), 5*time.Minute),
	} {
		if ok {
			t.Errorf("%s verifies", name)
		}
	}
}

// receiver is a target's server: it records what it got and answers with
// the next status of its script (then 200).
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []*http.Request
	bodies   [][]byte
	delay    time.Duration
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, req)
	r.bodies = append(r.bodies, b)
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	delay := r.delay
	r.mu.Unlock()
	time.Sleep(delay)
	if status == http.StatusFound {
		http.Redirect(w, req, "/elsewhere", status)
		return
	}
	w.WriteHeader(status)
}

func TestClientPost(t *testing.T) {
	rec := &receiver{statuses: []int{http.StatusInternalServerError, http.StatusFound}}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	key := []byte("application webhook key")
	now := time.Unix(1795428000, 0)
	// The receiver listens on loopback: listed as internal, as the
	// deployment lists its ERP.
	c, err := webhook.NewClient(webhook.ClientConfig{Key: key, Guard: &webhook.Guard{Internal: []string{"127.0.0.1"}},
		Timeout: 500 * time.Millisecond, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	target := webhook.Target{ID: "crm", URL: srv.URL + "/hook", Events: []string{"*"}, Active: true}
	e, err := events.NewRaw(events.StageChanged, "RC-2026-000001", "managers:m-1", now, map[string]string{"to": "closed"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := webhook.NewDelivery(e, target)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Post(ctx, target, d); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("a 500 answer = %v, want a failure", err)
	}
	if err := c.Post(ctx, target, d); err == nil {
		t.Error("a redirect counted as success")
	}
	if err := c.Post(ctx, target, d); err != nil {
		t.Errorf("a 200 answer = %v", err)
	}
	if len(rec.got) != 3 {
		t.Fatalf("the receiver got %d requests, want 3 (no redirect followed)", len(rec.got))
	}
	secret := webhook.Secret(key, "crm")
	for i, req := range rec.got {
		h := req.Header
		if req.Method != http.MethodPost || h.Get("Content-Type") != "application/json" || h.Get(webhook.HeaderEvent) != events.StageChanged ||
			h.Get(webhook.HeaderDelivery) != e.ID+".crm" || h.Get(webhook.HeaderTimestamp) != "1795428000" {
			t.Errorf("request %d: %s %v", i, req.Method, h)
		}
		if !webhook.Verify(secret, h.Get(webhook.HeaderSignature), h.Get(webhook.HeaderTimestamp), rec.bodies[i], now, time.Minute) {
			t.Errorf("request %d: the signature does not verify", i)
		}
	}
	var p webhook.Payload
	if err := json.Unmarshal(rec.bodies[2], &p); err != nil || p.DeliveryID != e.ID+".crm" || p.Event.ID != e.ID || p.Event.Type != events.StageChanged || string(p.Event.Data) != `{"to":"closed"}` {
		t.Errorf("payload %s: %v", rec.bodies[2], err)
	}

	// A target that does not answer in time fails.
	slow := &receiver{delay: 2 * time.Second}
	slowSrv := httptest.NewServer(slow)
	defer slowSrv.Close()
	start := time.Now()
	if err := c.Post(ctx, webhook.Target{ID: "slow", URL: slowSrv.URL}, d); err == nil || time.Since(start) > 1500*time.Millisecond {
		t.Errorf("a slow target = %v after %s, want a failure after the timeout", err, time.Since(start))
	}
	// Nobody listening fails.
	if err := c.Post(ctx, webhook.Target{ID: "gone", URL: "http://127.0.0.1:1/hook"}, d); err == nil {
		t.Error("a closed port counted as success")
	}
}
