package dynamo_test

import (
	"context"
	"testing"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/qrcode"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/webhook"
)

func TestPing(t *testing.T) {
	db := newDB(t)
	if err := db.store.Ping(context.Background()); err != nil {
		t.Errorf("Ping of the provisioned table: %v", err)
	}
}

// TestMissingTableIsInternal: when the table cannot be read, every method
// fails with an internal error, never "not found" or an empty answer that
// would tell a client the claim does not exist.
func TestMissingTableIsInternal(t *testing.T) {
	p := st.Services(t)
	s, err := dynamo.New(dynamo.Config{Client: p.Clients.DynamoDB, Table: "no-such-table"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nc := newClaim(t, 1, claimOpts{attachments: 1})
	d := &registry.Detail{Claim: *nc.Claim, History: []claims.Event{nc.Event}}
	calls := map[string]func() error{
		"Ping":              func() error { return s.Ping(ctx) },
		"NextNumber":        func() error { _, _, err := s.NextNumber(ctx, 2026, "defect"); return err },
		"CustomerByContact": func() error { _, err := s.CustomerByContact(ctx, "phone:+79161234567"); return err },
		"CreateClaim":       func() error { return s.CreateClaim(ctx, nc) },
		"GetClaim":          func() error { _, err := s.GetClaim(ctx, nc.Claim.ID); return err },
		"ClaimDetail":       func() error { _, err := s.ClaimDetail(ctx, nc.Claim.ID); return err },
		"ClaimIDByTracking": func() error { _, err := s.ClaimIDByTracking(ctx, nc.TrackingHash); return err },
		"ListClaims": func() error {
			_, err := s.ListClaims(ctx, registry.ListSpec{Dim: registry.DimStage, Value: "new", Limit: 5})
			return err
		},
		"ListClaims by index": func() error {
			_, err := s.ListClaims(ctx, registry.ListSpec{Dim: registry.DimDealer, Value: "D-100", Limit: 5})
			return err
		},
		"ApplyChange":    func() error { return s.ApplyChange(ctx, assignChange(t, d, "mgr-1", base)) },
		"MarkReceived":   func() error { return s.MarkReceived(ctx, events.Event{ID: "e", ClaimID: nc.Claim.ID}) },
		"DoneDeliveries": func() error { _, err := s.DoneDeliveries(ctx, "e"); return err },
		"MarkDeliveryDone": func() error {
			return s.MarkDeliveryDone(ctx, notify.Lease{EventID: "e", Key: "mail:claimant", Attempt: "a"}, base)
		},
		"ClaimDelivery": func() error {
			_, err := s.ClaimDelivery(ctx, notify.Lease{EventID: "e", Key: "mail:claimant", Attempt: "a"}, base)
			return err
		},
		"ReleaseDelivery": func() error {
			return s.ReleaseDelivery(ctx, notify.Lease{EventID: "e", Key: "mail:claimant", Attempt: "a"}, notify.NotMade)
		},
		"DeliveryRecords": func() error { _, err := s.DeliveryRecords(ctx, "e"); return err },
		"PutNote": func() error {
			return s.PutNote(ctx, notify.Note{ID: notify.NoteID(base, "e", "user:u"), Recipient: "user:u", At: base})
		},
		"Notes": func() error { _, err := s.Notes(ctx, notify.NoteQuery{Recipient: "user:u", Limit: 5}); return err },
		"MarkNoteRead": func() error {
			_, err := s.MarkNoteRead(ctx, "user:u", notify.NoteID(base, "e", "user:u"), base)
			return err
		},
		"WebhookTargets":   func() error { _, err := s.WebhookTargets(ctx); return err },
		"WebhookTarget":    func() error { _, err := s.WebhookTarget(ctx, "crm"); return err },
		"PutWebhookTarget": func() error { _, err := s.PutWebhookTarget(ctx, webhook.Target{ID: "crm"}); return err },
		"Catalog":          func() error { _, err := s.Catalog(ctx); return err },
		"PutCategory":      func() error { return s.PutCategory(ctx, mustSeed(t).Categories[0]) },
		"PutType":          func() error { return s.PutType(ctx, mustSeed(t).Types[0]) },
		"SeedCatalog":      func() error { _, err := s.SeedCatalog(ctx, mustSeed(t)); return err },
		"PutQRCodes":       func() error { return s.PutQRCodes(ctx, []qrcode.Record{{ID: "Q1", BatchID: "B"}}) },
		"QRCode":           func() error { _, err := s.QRCode(ctx, "Q1"); return err },
		"QRBatch":          func() error { _, err := s.QRBatch(ctx, "B"); return err },
	}
	for name, call := range calls {
		if got := apperr.CodeOf(call()); got != apperr.Internal {
			t.Errorf("%s on a missing table: code %q, want %q", name, got, apperr.Internal)
		}
	}
}
