package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/webhook"
)

func TestDeliveries(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	done, err := db.store.DoneDeliveries(ctx, "ev-1")
	if err != nil || len(done) != 0 {
		t.Fatalf("DoneDeliveries of a new event = %v, %v; want none", done, err)
	}
	deliver := func(event, key string) {
		t.Helper()
		l := notify.Lease{EventID: event, Key: key, Attempt: "a-" + key, Until: base.Add(time.Minute)}
		if c, err := db.store.ClaimDelivery(ctx, l, base); err != nil || !c.Taken {
			t.Fatalf("ClaimDelivery %s/%s = %+v, %v", event, key, c, err)
		}
		if err := db.store.MarkDeliveryDone(ctx, l, base); err != nil {
			t.Fatalf("MarkDeliveryDone %s/%s: %v", event, key, err)
		}
	}
	deliver("ev-1", "mail:claimant")
	deliver("ev-1", "webhook:crm")
	deliver("ev-2", "note:user:m-1")
	// One being made is not done.
	if c, err := db.store.ClaimDelivery(ctx, notify.Lease{EventID: "ev-1", Key: "note:user:m-1", Attempt: "x", Until: base.Add(time.Minute)}, base); err != nil || !c.Taken {
		t.Fatalf("ClaimDelivery = %+v, %v", c, err)
	}
	done, err = db.store.DoneDeliveries(ctx, "ev-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"mail:claimant": true, "webhook:crm": true}, done); diff != "" {
		t.Errorf("deliveries of ev-1 mismatch (-want +got):\n%s", diff)
	}
	it := db.item(t, "DELIVERY#ev-1", "webhook:crm")
	var rec struct {
		TTL int64 `json:"ttl"`
	}
	if err := unmarshalItem(it, &rec); err != nil || rec.TTL != base.Add(dynamoDeliveryTTL).Unix() {
		t.Errorf("delivery item ttl = %d (%v), want %d", rec.TTL, err, base.Add(dynamoDeliveryTTL).Unix())
	}
}

// TestDeliveryLeases: a delivery is taken by one attempt at a time; only
// the holder records it or gives it up; a lease that ran out while its
// delivery was being made is taken over as a counted repeat; a delivery
// given up as not made is taken again as a first.
func TestDeliveryLeases(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	const ev, k = "ev-lease", "mail:claimant"
	lease := func(attempt string, until time.Time) notify.Lease {
		return notify.Lease{EventID: ev, Key: k, Attempt: attempt, Until: until}
	}
	a1 := lease("a1", base.Add(time.Minute))
	if c, err := db.store.ClaimDelivery(ctx, a1, base); err != nil || c != (notify.Claim{Taken: true}) {
		t.Fatalf("first claim = %+v, %v", c, err)
	}
	// Another attempt while the lease runs: held, and until when.
	a2 := lease("a2", base.Add(3*time.Minute))
	if c, err := db.store.ClaimDelivery(ctx, a2, base.Add(30*time.Second)); err != nil || c.Taken || !c.HeldUntil.Equal(a1.Until) {
		t.Fatalf("claim during a1's lease = %+v, %v; want held until %v", c, err, a1.Until)
	}
	// a1 died: after its lease a2 takes over, not knowing whether a1 sent.
	c, err := db.store.ClaimDelivery(ctx, a2, base.Add(2*time.Minute))
	if err != nil || c != (notify.Claim{Taken: true, Repeat: true, Previous: "a1"}) {
		t.Fatalf("claim after a1's lease = %+v, %v; want a repeat taken over from a1", c, err)
	}
	// a1 (had it overrun) may neither record nor give up a2's lease.
	if err := db.store.MarkDeliveryDone(ctx, a1, base); !errors.Is(err, notify.ErrLeaseLost) {
		t.Errorf("a1 records a2's delivery: %v, want ErrLeaseLost", err)
	}
	if err := db.store.ReleaseDelivery(ctx, a1, notify.NotMade); !errors.Is(err, notify.ErrLeaseLost) {
		t.Errorf("a1 gives up a2's lease: %v, want ErrLeaseLost", err)
	}
	// a2's send times out: the outcome is unknown, the next attempt repeats
	// at once (no lease to wait for) and the repeat is counted.
	if err := db.store.ReleaseDelivery(ctx, a2, notify.Unknown); err != nil {
		t.Fatal(err)
	}
	a3 := lease("a3", base.Add(5*time.Minute))
	if c, err := db.store.ClaimDelivery(ctx, a3, base.Add(2*time.Minute+time.Second)); err != nil || !c.Repeat || c.Previous != "a2" {
		t.Fatalf("claim after an unknown outcome = %+v, %v; want a repeat", c, err)
	}
	// a3's send is refused: given up as not made, the next is a first.
	if err := db.store.ReleaseDelivery(ctx, a3, notify.NotMade); err != nil {
		t.Fatal(err)
	}
	if done, _ := db.store.DoneDeliveries(ctx, ev); done[k] {
		t.Errorf("a failed delivery counts as done")
	}
	a4 := lease("a4", base.Add(7*time.Minute))
	if c, err := db.store.ClaimDelivery(ctx, a4, base.Add(3*time.Minute)); err != nil || c != (notify.Claim{Taken: true}) {
		t.Fatalf("claim after a refusal = %+v, %v; want a first", c, err)
	}
	if err := db.store.MarkDeliveryDone(ctx, a4, base.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Made: nobody takes it again, not even after every lease.
	if c, err := db.store.ClaimDelivery(ctx, lease("a5", base.Add(time.Hour)), base.Add(30*time.Minute)); err != nil || c != (notify.Claim{Done: true}) {
		t.Errorf("claim of a made delivery = %+v, %v; want done", c, err)
	}
	recs, err := db.store.DeliveryRecords(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]dynamo.DeliveryRecord{k: {EventID: ev, Key: k, Status: "done", Attempt: "a4", Claims: 4, Repeats: 2}}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("records mismatch (-want +got):\n%s", diff)
	}
}

const dynamoDeliveryTTL = 30 * 24 * time.Hour

func note(at time.Time, event, recipient string) notify.Note {
	return notify.Note{
		ID: notify.NoteID(at, event, recipient), Recipient: recipient, ClaimID: "RC-2026-000001", EventType: "claim.assigned",
		EventID: event, Title: "Рекламация передана вам", Text: "Причина: отпуск", TitleEN: "Claim is yours", TextEN: "Reason: vacation", At: at,
	}
}

func TestInbox(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	const me, other = "user:m-1", "user:m-2"
	var all []notify.Note
	for i := range 5 {
		n := note(base.Add(time.Duration(i)*time.Minute), fmt.Sprintf("ev-%d", i), me)
		if err := db.store.PutNote(ctx, n); err != nil {
			t.Fatalf("PutNote: %v", err)
		}
		all = append([]notify.Note{n}, all...) // newest first
	}
	if err := db.store.PutNote(ctx, note(base, "ev-x", other)); err != nil {
		t.Fatal(err)
	}

	// A redelivered event writes the same note: nothing changes.
	before := db.itemCount(t)
	if err := db.store.PutNote(ctx, all[4]); err != nil {
		t.Errorf("PutNote again: %v", err)
	}
	if after := db.itemCount(t); after != before {
		t.Errorf("putting a note again changed the item count from %d to %d", before, after)
	}

	page, err := db.store.Notes(ctx, notify.NoteQuery{Recipient: me, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all[:3], page.Notes); diff != "" || !page.More {
		t.Errorf("first page mismatch (-want +got):\n%s (more %v)", diff, page.More)
	}
	page, err = db.store.Notes(ctx, notify.NoteQuery{Recipient: me, Limit: 3, Before: all[2].ID})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all[3:], page.Notes); diff != "" {
		t.Errorf("second page mismatch (-want +got):\n%s", diff)
	}

	read, err := db.store.MarkNoteRead(ctx, me, all[1].ID, base.Add(time.Hour))
	if err != nil {
		t.Fatalf("MarkNoteRead: %v", err)
	}
	want := all[1]
	want.Read, want.ReadAt = true, base.Add(time.Hour)
	if diff := cmp.Diff(want, *read); diff != "" {
		t.Errorf("read note mismatch (-want +got):\n%s", diff)
	}
	// Read again later: the first reading time stays.
	if again, err := db.store.MarkNoteRead(ctx, me, all[1].ID, base.Add(2*time.Hour)); err != nil || !again.ReadAt.Equal(base.Add(time.Hour)) {
		t.Errorf("reading again = %+v, %v; want the first reading time", again, err)
	}
	unread, err := db.store.Notes(ctx, notify.NoteQuery{Recipient: me, Unread: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	wantUnread := []notify.Note{all[0], all[2], all[3], all[4]}
	if diff := cmp.Diff(wantUnread, unread.Notes); diff != "" {
		t.Errorf("unread notes mismatch (-want +got):\n%s", diff)
	}

	// Another inbox's note is not found in mine.
	if _, err := db.store.MarkNoteRead(ctx, me, note(base, "ev-x", other).ID, base); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("marking another's note read = %v, want not found", err)
	}
	if _, err := db.store.Notes(ctx, notify.NoteQuery{Recipient: me, Limit: 3, Before: "nonsense"}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("a bad position = %v, want invalid", err)
	}
}

func TestWebhookTargets(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	if _, err := db.store.WebhookTarget(ctx, "crm"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown target = %v, want not found", err)
	}
	if got, err := db.store.WebhookTargets(ctx); err != nil || len(got) != 0 {
		t.Errorf("targets of an empty table = %v, %v", got, err)
	}
	crm := webhook.Target{ID: "crm", URL: "https://crm.example/hook", Events: []string{"*"}, Active: true,
		Description: "Битрикс24", UpdatedAt: base, UpdatedBy: "admin-1"}
	dealer := webhook.Target{ID: "dlr-7", URL: "http://dealer.example/in", Events: []string{"claim.stage_changed"}, DealerID: "DLR-7", Active: true,
		UpdatedAt: base, UpdatedBy: "admin-1"}
	for _, tg := range []webhook.Target{crm, dealer} {
		created, err := db.store.PutWebhookTarget(ctx, tg)
		if err != nil || !created {
			t.Fatalf("PutWebhookTarget %s = %v, %v; want created", tg.ID, created, err)
		}
	}
	crm.Active = false
	if created, err := db.store.PutWebhookTarget(ctx, crm); err != nil || created {
		t.Errorf("replacing crm = %v, %v; want replaced", created, err)
	}
	got, err := db.store.WebhookTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]webhook.Target{crm, dealer}, got); diff != "" {
		t.Errorf("targets mismatch (-want +got):\n%s", diff)
	}
	one, err := db.store.WebhookTarget(ctx, "dlr-7")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dealer, *one); diff != "" {
		t.Errorf("target mismatch (-want +got):\n%s", diff)
	}
}
