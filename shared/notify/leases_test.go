package notify_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/webhook"
)

// retryAfter returns the RetryAfter an error (or one it wraps or joins)
// carries, as the queue's backoff reads it.
func retryAfter(err error) time.Duration {
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) {
		return r.RetryAfter()
	}
	return 0
}

// TestCrashedDeliveryIsTakenOverAfterItsLease: a delivery left "sending" by
// an attempt that died is not touched while its lease runs (the message
// waits until it runs out), then made again as a counted repeat, with the
// same delivery ID.
func TestCrashedDeliveryIsTakenOverAfterItsLease(t *testing.T) {
	const lease = 35 * time.Second
	f := newFixtureWith(t, func(c *notify.Config) { c.Lease = lease })
	e := event(t, events.ClaimReceived, received("crash@example.com", "m-1"))
	f.deliveries.hold(e.ID, notify.KeyClaimantMail, f.clock.Now().Add(lease))

	err := f.n.Deliver(context.Background(), body(t, e))
	if !errors.Is(err, notify.ErrBusy) {
		t.Fatalf("Deliver while the dead attempt's lease runs = %v, want ErrBusy", err)
	}
	if got := retryAfter(err); got < lease || got > lease+2*time.Second {
		t.Errorf("RetryAfter = %s, want the lease's remaining %s (plus a second)", got, lease)
	}
	if got := f.mail.to("crash@example.com"); len(got) != 0 {
		t.Fatalf("the held mail was sent while its lease ran: %v", got)
	}
	// The other deliveries were made meanwhile.
	if diff := cmp.Diff([]string{"mail:manager:m-1", "note:user:m-1"}, f.deliveries.keys(e.ID)); diff != "" {
		t.Errorf("done while the mail is held (-want +got):\n%s", diff)
	}

	f.clock.advance(lease + time.Second)
	if err := f.n.Deliver(context.Background(), body(t, e)); err != nil {
		t.Fatalf("Deliver after the lease ran out: %v", err)
	}
	mails := f.mail.mails("crash@example.com")
	if len(mails) != 1 || mails[0].DeliveryID != e.ID+"/"+notify.KeyClaimantMail {
		t.Fatalf("mails after the takeover = %+v, want one with delivery ID %s/%s", mails, e.ID, notify.KeyClaimantMail)
	}
	if r := f.deliveries.get(e.ID, notify.KeyClaimantMail); r.status != "done" || r.repeats != 1 {
		t.Errorf("record = %+v, want done with one repeat counted", r)
	}
	// Done now: a redelivery makes nothing.
	if err := f.n.Deliver(context.Background(), body(t, e)); err != nil || len(f.mail.to("crash@example.com")) != 1 {
		t.Errorf("redelivery: %v, %d mails; want none more", err, len(f.mail.to("crash@example.com")))
	}
}

// TestMailOfUnknownOutcomeIsRepeatedAndCounted: a send whose answer is lost
// (the provider took the mail, the caller saw a timeout) gives the lease up
// as Unknown; the retry sends the mail again, with the same delivery ID,
// counted as a repeat. A mail the provider refused is retried as a first.
func TestMailOfUnknownOutcomeIsRepeatedAndCounted(t *testing.T) {
	f := newFixture(t)
	f.mail.lostFor["lost@example.com"] = 1
	f.mail.failFor["refused@example.com"] = 1
	lost := event(t, events.StageChanged, stage("closed", "lost@example.com"))
	refused := event(t, events.StageChanged, stage("closed", "refused@example.com"))
	for _, e := range []events.Event{lost, refused} {
		if err := f.n.Deliver(context.Background(), body(t, e)); err == nil {
			t.Fatalf("first attempt of %s succeeded, want the send's failure", e.ID)
		}
		if err := f.n.Deliver(context.Background(), body(t, e)); err != nil {
			t.Fatalf("retry of %s: %v", e.ID, err)
		}
	}
	got := f.mail.mails("lost@example.com")
	if len(got) != 2 || got[0].DeliveryID != got[1].DeliveryID || got[0].DeliveryID != lost.ID+"/mail:claimant" {
		t.Errorf("lost answer: %d mails with delivery IDs %v; want the same mail twice", len(got), deliveryIDs(got))
	}
	if r := f.deliveries.get(lost.ID, notify.KeyClaimantMail); r.status != "done" || r.repeats != 1 {
		t.Errorf("lost answer: record %+v, want done with the repeat counted", r)
	}
	if got := f.mail.mails("refused@example.com"); len(got) != 1 {
		t.Errorf("refused: %d mails, want the one the retry sent", len(got))
	}
	if r := f.deliveries.get(refused.ID, notify.KeyClaimantMail); r.status != "done" || r.repeats != 0 {
		t.Errorf("refused: record %+v, want done with no repeat (it was never sent)", r)
	}
}

func deliveryIDs(ms []notify.Mail) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.DeliveryID)
	}
	return out
}

// TestEveryMailCarriesItsDeliveryID: each mail of a plan names its event and
// key, so that its repeat (if ever) is recognisable.
func TestEveryMailCarriesItsDeliveryID(t *testing.T) {
	f := newFixture(t)
	e := event(t, events.ClaimReceived, received("anna@example.com", "m-1"))
	plan, err := f.n.Plan(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	mails := 0
	for _, d := range plan {
		if d.Mail == nil {
			continue
		}
		mails++
		if d.Mail.DeliveryID != e.ID+"/"+d.Key {
			t.Errorf("%s: delivery ID %q, want %q", d.Key, d.Mail.DeliveryID, e.ID+"/"+d.Key)
		}
	}
	if mails != 2 {
		t.Errorf("%d mails planned, want the claimant's and the manager's", mails)
	}
}

// TestDeliveriesRunUnderADeadline: each delivery's context ends Reserve
// before the invocation's deadline and before its lease; with less than
// that left, nothing is taken and the message is retried.
func TestDeliveriesRunUnderADeadline(t *testing.T) {
	const reserve = 2 * time.Second
	t.Run("the invocation's deadline", func(t *testing.T) {
		f := newFixtureWith(t, func(c *notify.Config) { c.Reserve = reserve })
		invocation := time.Now().Add(20 * time.Second)
		ctx, cancel := context.WithDeadline(context.Background(), invocation)
		defer cancel()
		if err := f.n.Deliver(ctx, body(t, event(t, events.StageChanged, stage("closed", "a@example.com")))); err != nil {
			t.Fatal(err)
		}
		if len(f.mail.deadlines) != 1 || f.mail.deadlines[0].After(invocation.Add(-reserve)) || f.mail.deadlines[0].IsZero() {
			t.Errorf("send deadline %v, want at most %v", f.mail.deadlines, invocation.Add(-reserve))
		}
	})
	t.Run("the lease", func(t *testing.T) {
		f := newFixtureWith(t, func(c *notify.Config) { c.Reserve, c.Lease = reserve, 5*time.Second })
		before := time.Now()
		if err := f.n.Deliver(context.Background(), body(t, event(t, events.StageChanged, stage("closed", "a@example.com")))); err != nil {
			t.Fatal(err)
		}
		if len(f.mail.deadlines) != 1 || f.mail.deadlines[0].After(time.Now().Add(5*time.Second-reserve)) || f.mail.deadlines[0].Before(before) {
			t.Errorf("send deadline %v, want within the lease less the reserve", f.mail.deadlines)
		}
	})
	t.Run("no time left", func(t *testing.T) {
		f := newFixtureWith(t, func(c *notify.Config) { c.Reserve = reserve })
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(reserve/2))
		defer cancel()
		e := event(t, events.StageChanged, stage("closed", "late@example.com"))
		if err := f.n.Deliver(ctx, body(t, e)); !errors.Is(err, notify.ErrNoTime) {
			t.Fatalf("Deliver with %s left = %v, want ErrNoTime", reserve/2, err)
		}
		if r := f.deliveries.get(e.ID, notify.KeyClaimantMail); r.status != "" || len(f.mail.sent) != 0 {
			t.Errorf("record %+v, %d mails: want nothing taken, nothing sent", r, len(f.mail.sent))
		}
	})
}

// TestNewWebhookTargetGetsTheNextEvent: a target registered between two
// events gets the second (no cache hides it).
func TestNewWebhookTargetGetsTheNextEvent(t *testing.T) {
	f := newFixture(t)
	first := event(t, events.Assigned, map[string]any{"assignee": "m-3"})
	if err := f.n.Deliver(context.Background(), body(t, first)); err != nil {
		t.Fatal(err)
	}
	f.targets.put(webhook.Target{ID: "crm", URL: "https://crm.example/hook", Events: []string{webhook.AllEvents}, Active: true})
	second := event(t, events.Assigned, map[string]any{"assignee": "m-3"})
	if err := f.n.Deliver(context.Background(), body(t, second)); err != nil {
		t.Fatal(err)
	}
	if len(f.poster.posted) != 1 || !strings.HasPrefix(f.poster.posted[0].ID, second.ID) {
		t.Errorf("posted %+v, want the second event to the new target", f.poster.posted)
	}
}

// TestCopyWatchesTheHolderThatFinishes: a copy of an event that finds a
// delivery held by a live attempt watches it for a moment; when the holder
// records it, the copy succeeds without making it again.
func TestCopyWatchesTheHolderThatFinishes(t *testing.T) {
	f := newFixtureWith(t, func(c *notify.Config) { c.BusyWait = 30 * time.Second })
	e := event(t, events.StageChanged, stage("closed", "copy@example.com"))
	f.deliveries.hold(e.ID, notify.KeyClaimantMail, f.clock.Now().Add(time.Minute))
	// The holder ends once the copy has found it busy.
	var once sync.Once
	f.deliveries.onClaim = func(notify.Lease) { once.Do(func() { f.deliveries.finish(e.ID, notify.KeyClaimantMail) }) }
	if err := f.n.Deliver(context.Background(), body(t, e)); err != nil {
		t.Fatalf("Deliver = %v, want the holder's delivery found done", err)
	}
	if got := f.mail.to("copy@example.com"); len(got) != 0 {
		t.Errorf("the copy sent %d mails, want none (the holder made it)", len(got))
	}
}
