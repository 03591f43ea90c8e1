package notify_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/notify"
)

// documents is a fake document maker: it makes the decision letter on
// entering implementation or rejected, failing the first failFirst calls.
type documents struct {
	mu        sync.Mutex
	made      map[string]*claims.Document
	makes     int
	failFirst int
}

func (d *documents) Kinds(e events.Event) ([]claims.DocumentKind, error) {
	if e.Type != events.StageChanged {
		return nil, nil
	}
	var c events.StageChange
	if err := e.Decode(&c); err != nil {
		return nil, err
	}
	if c.To == "implementation" || c.To == "rejected" {
		return []claims.DocumentKind{claims.DocDecisionLetter}, nil
	}
	return nil, nil
}

func (d *documents) Make(_ context.Context, e events.Event, kind claims.DocumentKind) (*claims.Document, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failFirst > 0 {
		d.failFirst--
		return nil, errors.New("render: the font is not loaded")
	}
	id := e.ID + "-" + string(kind)
	if doc, ok := d.made[id]; ok {
		return doc, nil
	}
	d.makes++
	doc := &claims.Document{ID: id, Kind: kind, FileName: e.ClaimID + "-decision-letter-v1.pdf", ContentType: "application/pdf", Key: "documents/" + id}
	d.made[id] = doc
	return doc, nil
}

func (d *documents) Content(_ context.Context, doc *claims.Document) ([]byte, error) {
	return []byte("%PDF-1.7 " + doc.ID), nil
}

// TestDecisionLetterRidesWithTheFinalMail: entering implementation makes
// the decision letter once, before the claimant's mail, which carries it;
// a redelivery makes neither again. A letter that cannot be made holds the
// mail back (nothing sent), and the retry sends it with the letter.
func TestDecisionLetterRidesWithTheFinalMail(t *testing.T) {
	docs := &documents{made: map[string]*claims.Document{}, failFirst: 2}
	f := newFixtureWith(t, func(c *notify.Config) { c.Documents = docs })
	e := event(t, events.StageChanged, stage("implementation", "anna@example.com"))
	plan, err := f.n.Plan(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range plan {
		keys = append(keys, d.Key)
	}
	if !slices.Contains(keys, notify.KeyDocument(claims.DocDecisionLetter)) || !slices.Contains(keys, notify.KeyClaimantMail) {
		t.Fatalf("plan %v: want the letter and the claimant's mail", keys)
	}
	if err := f.n.Deliver(context.Background(), body(t, e)); err == nil {
		t.Fatal("a letter that cannot be made: delivered, want the message to fail")
	}
	if n := len(f.mail.mails("anna@example.com")); n != 0 {
		t.Fatalf("%d mails sent without the letter", n)
	}
	for range 2 {
		if err := f.n.Deliver(context.Background(), body(t, e)); err != nil {
			t.Fatal(err)
		}
	}
	mails := f.mail.mails("anna@example.com")
	if len(mails) != 1 || docs.makes != 1 {
		t.Fatalf("%d mails, %d letters made; want 1 and 1", len(mails), docs.makes)
	}
	a := mails[0].Attachments
	if len(a) != 1 || a[0].FileName != "RC-2026-000001-decision-letter-v1.pdf" || a[0].ContentType != "application/pdf" || len(a[0].Data) == 0 {
		t.Errorf("attachments %+v, want the letter", a)
	}
	// A stage that calls for no document plans none, and its mail carries
	// nothing.
	w := event(t, events.StageChanged, stage("waiting_for_customer", "anna@example.com"))
	if err := f.n.Deliver(context.Background(), body(t, w)); err != nil {
		t.Fatal(err)
	}
	if mails := f.mail.mails("anna@example.com"); len(mails) != 2 || len(mails[1].Attachments) != 0 {
		t.Errorf("waiting mail: %d mails, attachments %v", len(mails), mails[len(mails)-1].Attachments)
	}
}
