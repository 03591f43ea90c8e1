package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/qrcode"
)

func TestRevokeQRCodes(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	var batch []qrcode.Record
	for _, serial := range []string{"SN1", "SN2", "SN3"} {
		batch = append(batch, qrcode.Record{ID: "ID" + serial, Code: "CODE" + serial, Kind: qrcode.KindSerial, Model: "TH-2000",
			Serial: serial, BatchID: "B1", IssuedBy: "admin-1", IssuedAt: base})
	}
	if err := db.store.PutQRCodes(ctx, batch); err != nil {
		t.Fatal(err)
	}
	first := qrcode.Revocation{Reason: "misprint", By: "admin-2", At: base.Add(time.Hour)}
	if err := db.store.RevokeQRCodes(ctx, batch[:1], first); err != nil {
		t.Fatalf("revoke one code: %v", err)
	}
	second := qrcode.Revocation{Reason: "batch recalled", By: "admin-3", At: base.Add(2 * time.Hour)}
	if err := db.store.RevokeQRCodes(ctx, batch, second); err != nil {
		t.Fatalf("revoke the batch: %v", err)
	}
	revoked := func(r qrcode.Record, rev qrcode.Revocation) qrcode.Record {
		r.Revoked, r.RevokedAt, r.RevokedBy, r.Reason = true, rev.At, rev.By, rev.Reason
		return r
	}
	// The first code keeps its first revocation, in both copies.
	want := []qrcode.Record{revoked(batch[0], first), revoked(batch[1], second), revoked(batch[2], second)}
	got, err := db.store.QRBatch(ctx, "B1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("batch after revocations mismatch (-want +got):\n%s", diff)
	}
	one, err := db.store.QRCode(ctx, "IDSN1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want[0], one); diff != "" {
		t.Errorf("code record mismatch (-want +got):\n%s", diff)
	}
	unknown := qrcode.Record{ID: "NOPE", BatchID: "B1"}
	if err := db.store.RevokeQRCodes(ctx, []qrcode.Record{unknown}, second); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("revoking an unknown code: %v, want not found", err)
	}
}
