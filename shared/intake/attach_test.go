package intake_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/registry"
)

const dealerScope = "user:dealer-1"

var dealer = intake.Actor{UserID: "dealer-1", Role: "dealers"}

// filedWithoutProductPhoto files a "cosmetic" claim through the form without
// JavaScript (only the defect photo) and returns the change store holding it.
func filedWithoutProductPhoto(t *testing.T, e *env) (*fakeChangeStore, *registry.Detail) {
	t.Helper()
	sub := validSubmission(e)
	sub.Attachments = []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(2)}}
	sub.AllowMissingPhotos = true
	if _, err := e.svc.Submit(context.Background(), sub); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	nc := e.store.created[0]
	d := &registry.Detail{Claim: *nc.Claim, Attachments: nc.Attachments, History: []claims.Event{nc.Event}}
	return &fakeChangeStore{details: map[string]*registry.Detail{d.Claim.ID: d}}, d
}

func TestAttachAddsFileWithHistory(t *testing.T) {
	e := newEnv(t)
	cs, d := filedWithoutProductPhoto(t, e)
	e.files.put(dealerScope, uploadID(10), "image/jpeg", "lid.jpg", jpegBytes, 0)

	got, err := e.svc.Attach(context.Background(), cs, intake.AttachRequest{
		ClaimID: d.Claim.ID, Zone: "product", UploadID: uploadID(10), Scope: dealerScope, Actor: dealer,
	})
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	wantFile := claims.Attachment{
		ID: uploadID(10), Zone: "product", Key: intake.UploadKey(dealerScope, uploadID(10)), FileName: "lid.jpg",
		ContentType: "image/jpeg", Size: int64(len(jpegBytes)), UploadedAt: now, UploadedBy: "dealers:dealer-1",
	}
	if diff := cmp.Diff(&wantFile, got); diff != "" {
		t.Errorf("returned attachment mismatch (-want +got):\n%s", diff)
	}
	if len(cs.applied) != 1 {
		t.Fatalf("ApplyChange called %d times, want 1", len(cs.applied))
	}
	ch := cs.applied[0]
	wantClaim := d.Claim
	wantClaim.Version, wantClaim.UpdatedAt, wantClaim.MissingZones = 2, now, nil
	wantClaim.HistoryHash, wantClaim.HistorySeq = ch.Event.Hash, 2 // the change's entry is the new head
	wantEvent := claims.Event{
		Seq: 2, Type: claims.EventAttachmentAdded, Actor: "dealers:dealer-1", At: now,
		After:    map[string]any{"zone": "product", "fileName": "lid.jpg", "size": int64(len(jpegBytes))},
		PrevHash: d.History[0].Hash,
	}
	want := &claims.Change{Claim: &wantClaim, PrevVersion: 1, Event: wantEvent, Files: []claims.Attachment{wantFile}}
	if diff := cmp.Diff(want, ch, cmpopts.IgnoreFields(claims.Event{}, "Hash"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("change mismatch (-want +got):\n%s", diff)
	}
	if seq, ok := claims.VerifyChain([]claims.Event{d.History[0], ch.Event}); !ok {
		t.Errorf("history after attach does not verify: broken at %d", seq)
	}
	if diff := cmp.Diff([]string{"product"}, d.Claim.MissingZones); diff != "" {
		t.Errorf("Attach changed the detail it read (MissingZones) (-want +got):\n%s", diff)
	}
}

func TestAttachMissingZones(t *testing.T) {
	// Type "fire" needs two defect photos.
	tests := []struct {
		name     string
		existing int // defect photos already attached
		want     []string
	}{
		{"first of two keeps the zone missing", 0, []string{"defect", "plate"}},
		{"second of two clears the zone", 1, []string{"plate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			d := &registry.Detail{
				Claim: claims.Claim{ID: "RC-2026-000042", TypeID: "fire", CategoryID: "defect", Stage: claims.StageNew,
					MissingZones: []string{"defect", "plate"}, Version: 1},
				History: []claims.Event{{Seq: 1, Type: claims.EventCreated, Actor: "public", At: now}},
			}
			if err := d.History[0].Seal(""); err != nil {
				t.Fatal(err)
			}
			d.Claim.HistoryHash = d.History[0].Hash
			for i := range tt.existing {
				d.Attachments = append(d.Attachments, claims.Attachment{ID: uploadID(20 + i), Zone: "defect"})
			}
			cs := &fakeChangeStore{details: map[string]*registry.Detail{d.Claim.ID: d}}
			e.files.put(dealerScope, uploadID(30), "image/png", "burn.png", pngBytes, 0)
			if _, err := e.svc.Attach(context.Background(), cs, intake.AttachRequest{
				ClaimID: d.Claim.ID, Zone: "defect", UploadID: uploadID(30), Scope: dealerScope, Actor: dealer,
			}); err != nil {
				t.Fatalf("Attach: %v", err)
			}
			if diff := cmp.Diff(tt.want, cs.applied[0].Claim.MissingZones); diff != "" {
				t.Errorf("MissingZones mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAttachAlreadyAttachedIsIdempotent(t *testing.T) {
	e := newEnv(t)
	cs, d := filedWithoutProductPhoto(t, e)
	got, err := e.svc.Attach(context.Background(), cs, intake.AttachRequest{
		ClaimID: d.Claim.ID, Zone: "defect", UploadID: uploadID(2), Scope: scope, Actor: intake.Actor{Role: "public"},
	})
	if err != nil {
		t.Fatalf("Attach of an attached upload: %v", err)
	}
	if diff := cmp.Diff(&d.Attachments[0], got); diff != "" {
		t.Errorf("returned attachment mismatch (-want +got):\n%s", diff)
	}
	if len(cs.applied) != 0 {
		t.Errorf("ApplyChange called %d times for a repeat, want 0", len(cs.applied))
	}
}

func TestAttachRefusals(t *testing.T) {
	fullProduct := func(d *registry.Detail) {
		for i := range 5 { // product takes at most 5
			d.Attachments = append(d.Attachments, claims.Attachment{ID: uploadID(40 + i), Zone: "product"})
		}
	}
	tests := []struct {
		name      string
		req       intake.AttachRequest
		setup     func(f *fakeFiles, d *registry.Detail)
		wantCode  apperr.Code
		wantField string
	}{
		{
			name:     "unknown claim",
			req:      intake.AttachRequest{ClaimID: "RC-2026-999999", Zone: "product", UploadID: uploadID(10)},
			wantCode: apperr.NotFound,
		},
		{
			name:      "zone the type does not have",
			req:       intake.AttachRequest{Zone: "video", UploadID: uploadID(10)},
			wantCode:  apperr.Invalid,
			wantField: "zone",
		},
		{
			name:      "not an upload ID",
			req:       intake.AttachRequest{Zone: "product", UploadID: "uploads/../../secret"},
			wantCode:  apperr.Invalid,
			wantField: "uploadId",
		},
		{
			name:      "upload not found",
			req:       intake.AttachRequest{Zone: "product", UploadID: uploadID(10)},
			wantCode:  apperr.Invalid,
			wantField: "uploadId",
		},
		{
			name: "another scope's upload",
			req:  intake.AttachRequest{Zone: "product", UploadID: uploadID(10)},
			setup: func(f *fakeFiles, _ *registry.Detail) {
				f.put("user:someone-else", uploadID(10), "image/jpeg", "x.jpg", jpegBytes, 0)
			},
			wantCode:  apperr.Invalid,
			wantField: "uploadId",
		},
		{
			name: "executable declared as a photo",
			req:  intake.AttachRequest{Zone: "product", UploadID: uploadID(10)},
			setup: func(f *fakeFiles, _ *registry.Detail) {
				f.put(dealerScope, uploadID(10), "image/jpeg", "x.jpg", peBytes, 0)
			},
			wantCode:  apperr.Invalid,
			wantField: "file",
		},
		{
			name: "too large",
			req:  intake.AttachRequest{Zone: "product", UploadID: uploadID(10)},
			setup: func(f *fakeFiles, _ *registry.Detail) {
				f.put(dealerScope, uploadID(10), "image/jpeg", "x.jpg", jpegBytes, 20<<20+1)
			},
			wantCode:  apperr.Invalid,
			wantField: "file",
		},
		{
			name: "full zone",
			req:  intake.AttachRequest{Zone: "product", UploadID: uploadID(10)},
			setup: func(f *fakeFiles, d *registry.Detail) {
				f.put(dealerScope, uploadID(10), "image/jpeg", "x.jpg", jpegBytes, 0)
				fullProduct(d)
			},
			wantCode: apperr.Conflict,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			cs, d := filedWithoutProductPhoto(t, e)
			if tt.setup != nil {
				tt.setup(e.files, d)
			}
			req := tt.req
			if req.ClaimID == "" {
				req.ClaimID = d.Claim.ID
			}
			req.Scope, req.Actor = dealerScope, dealer
			got, err := e.svc.Attach(context.Background(), cs, req)
			code, fields := fieldsOf(err)
			if code != tt.wantCode {
				t.Fatalf("Attach error = %v (code %q), want %q", err, code, tt.wantCode)
			}
			var wantFields []string
			if tt.wantField != "" {
				wantFields = []string{tt.wantField}
			}
			if diff := cmp.Diff(wantFields, fields); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
			if got != nil || len(cs.applied) != 0 {
				t.Errorf("a refused attach returned %v and applied %d changes", got, len(cs.applied))
			}
		})
	}
}

func TestAttachPassesOnStoreConflict(t *testing.T) {
	e := newEnv(t)
	cs, d := filedWithoutProductPhoto(t, e)
	cs.applyErr = &apperr.Error{Code: apperr.Conflict, Message: "changed", Details: map[string]any{"currentVersion": 2}}
	e.files.put(dealerScope, uploadID(10), "image/jpeg", "lid.jpg", jpegBytes, 0)
	_, err := e.svc.Attach(context.Background(), cs, intake.AttachRequest{
		ClaimID: d.Claim.ID, Zone: "product", UploadID: uploadID(10), Scope: dealerScope, Actor: dealer,
	})
	e2, ok := apperr.As(err)
	if !ok || e2.Code != apperr.Conflict || fmt.Sprint(e2.Details["currentVersion"]) != "2" {
		t.Errorf("Attach error = %v, want the store's Conflict with currentVersion 2", err)
	}
}
