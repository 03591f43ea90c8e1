package notify_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/notify"
)

// TestNewRefusesEachMissingDependency: without a mailer, the delivery
// records or the keys (typed nils included) the notifier is never built,
// and a webhook channel with only one of its halves is refused rather than
// silently off.
func TestNewRefusesEachMissingDependency(t *testing.T) {
	f := newFixture(t)
	full := func() notify.Config {
		return notify.Config{Mailer: f.mail, Deliveries: f.deliveries, Keys: f.keys, Targets: f.targets, Poster: f.poster}
	}
	var (
		nilMailer     *mailer
		nilDeliveries *deliveries
		nilKeys       *keys.Keys
		nilPoster     *poster
	)
	tests := []struct {
		missing string
		drop    func(*notify.Config)
	}{
		{"Mailer", func(c *notify.Config) { c.Mailer = nil }},
		{"Mailer", func(c *notify.Config) { c.Mailer = nilMailer }},
		{"Deliveries", func(c *notify.Config) { c.Deliveries = nilDeliveries }},
		{"Keys", func(c *notify.Config) { c.Keys = nilKeys }},
		{"Poster", func(c *notify.Config) { c.Poster = nil }},
		{"Poster", func(c *notify.Config) { c.Poster = nilPoster }},
		{"Targets", func(c *notify.Config) { c.Targets = nil }},
	}
	for _, tt := range tests {
		cfg := full()
		tt.drop(&cfg)
		n, err := notify.New(cfg)
		if e, ok := apperr.As(err); n != nil || !ok || e.Code != apperr.Internal || len(e.Fields) != 1 || e.Fields[0].Field != tt.missing {
			t.Errorf("New without %s = %v, %v; want an Internal error naming it", tt.missing, n, err)
		}
	}
	if _, err := notify.New(full()); err != nil {
		t.Errorf("New with every dependency = %v", err)
	}
}

// TestTypedNilChannelsAreOff: optional channels given as typed nils (no
// roster, no notes, no webhooks) are off: the claimant still gets mail and
// nothing panics.
func TestTypedNilChannelsAreOff(t *testing.T) {
	var (
		noRoster  roster
		noNotes   *notes
		noTargets *targets
		noPoster  *poster
	)
	f := newFixtureWith(t, func(c *notify.Config) {
		c.Roster, c.Notes, c.Targets, c.Poster = noRoster, noNotes, noTargets, noPoster
	})
	plan, err := f.n.Plan(context.Background(), event(t, events.ClaimReceived, received("anna@example.com", "m-1")))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range plan {
		got = append(got, d.Key)
	}
	if diff := cmp.Diff([]string{notify.KeyClaimantMail}, got); diff != "" {
		t.Errorf("deliveries mismatch (-want +got):\n%s", diff)
	}
}

// TestNewInboxRefusesEachMissingDependency: an inbox without its store or
// its cursor key is never built.
func TestNewInboxRefusesEachMissingDependency(t *testing.T) {
	var nilStore *inboxStore
	for _, tt := range []struct {
		missing string
		cfg     notify.InboxConfig
	}{
		{"Store", notify.InboxConfig{CursorKey: []byte("k")}},
		{"Store", notify.InboxConfig{Store: nilStore, CursorKey: []byte("k")}},
		{"CursorKey", notify.InboxConfig{Store: &inboxStore{}}},
	} {
		in, err := notify.NewInbox(tt.cfg)
		if e, ok := apperr.As(err); in != nil || !ok || e.Code != apperr.Internal || len(e.Fields) != 1 || e.Fields[0].Field != tt.missing {
			t.Errorf("NewInbox without %s = %v, %v; want an Internal error naming it", tt.missing, in, err)
		}
	}
}
