package intake_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/keys"
)

const scope = "form:token-1"

// validSubmission is a public QR-form submission with one product photo and
// one defect photo uploaded under scope.
func validSubmission(e *env) intake.Submission {
	e.files.put(scope, uploadID(1), "image/jpeg", "lid.jpg", jpegBytes, 0)
	e.files.put(scope, uploadID(2), "", "scratch.png", pngBytes, 0)
	return intake.Submission{
		Draft: validDraft(),
		Attachments: []intake.AttachmentRef{
			{Zone: "product", UploadID: uploadID(1)},
			{Zone: "defect", UploadID: uploadID(2)},
		},
		Actor:       intake.Actor{Role: "public"},
		UploadScope: scope,
		Idempotency: &intake.IdempotencyKey{Scope: "form", Key: "token-1", BodyHash: "hash-1"},
		RateLimits:  []intake.RateLimitKey{{Key: "ip:203.0.113.9", PerHour: 5}, {Key: "qr:QR7", PerHour: 20}},
		BaseURL:     "https://claims.example",
	}
}

func TestSubmitStoresOneNormalisedClaim(t *testing.T) {
	e := newEnv(t)
	res, err := e.svc.Submit(context.Background(), validSubmission(e))
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if len(e.store.created) != 1 {
		t.Fatalf("CreateClaim called %d times, want 1", len(e.store.created))
	}
	nc := e.store.created[0]
	customerID := intake.CustomerID("email:ivan.petrov@example.com")

	wantClaim := &claims.Claim{
		ID:      "RC-2026-000001",
		Channel: claims.ChannelQR,
		Claimant: claims.Claimant{
			Name: "Ivan Petrov", Email: "ivan.petrov@example.com", Phone: "+79161234567",
		},
		CustomerID:    customerID,
		Product:       claims.Product{Model: "KX-200", Serial: "SN12345", PurchaseDate: "2025-11-02"},
		CategoryID:    "defect",
		TypeID:        "cosmetic",
		Essence:       "The lid is\nscratched all over",
		DesiredResult: claims.Repair,
		Priority:      catalog.Low, // cosmetic's default
		Stage:         claims.StageNew,
		Language:      "en",
		QRCode:        "QR7",
		CreatedBy:     "public",
		CreatedAt:     now,
		UpdatedAt:     now,
		Version:       1,
		// The workflow starts the claim in "new": due within the stage's hours.
		StageEnteredAt: now,
		HistoryHash:    nc.Event.Hash,
		HistorySeq:     1,
	}
	if diff := cmp.Diff(wantClaim, nc.Claim); diff != "" {
		t.Errorf("stored claim mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantClaim, res.Claim); diff != "" {
		t.Errorf("returned claim mismatch (-want +got):\n%s", diff)
	}
	if !res.Created {
		t.Error("Result.Created = false for a new claim")
	}
	if diff := cmp.Diff([]int{2026}, e.store.years); diff != "" {
		t.Errorf("NextNumber years mismatch (-want +got):\n%s", diff)
	}

	wantAttachments := []claims.Attachment{
		{ID: uploadID(1), Zone: "product", Key: intake.UploadKey(scope, uploadID(1)), FileName: "lid.jpg",
			ContentType: "image/jpeg", Size: int64(len(jpegBytes)), UploadedAt: now, UploadedBy: "public"},
		// Declared nothing (a plain form): the sniffed type is stored.
		{ID: uploadID(2), Zone: "defect", Key: intake.UploadKey(scope, uploadID(2)), FileName: "scratch.png",
			ContentType: "image/png", Size: int64(len(pngBytes)), UploadedAt: now, UploadedBy: "public"},
	}
	if diff := cmp.Diff(wantAttachments, nc.Attachments); diff != "" {
		t.Errorf("attachments mismatch (-want +got):\n%s", diff)
	}

	wantEvent := claims.Event{Seq: 1, Type: claims.EventCreated, Actor: "public", At: now, After: map[string]any{
		"stage": "new", "channel": "qr", "priority": "low", "categoryId": "defect", "typeId": "cosmetic", "attachments": 2,
	}}
	if diff := cmp.Diff(wantEvent, nc.Event, cmpopts.IgnoreFields(claims.Event{}, "Hash")); diff != "" {
		t.Errorf("history event mismatch (-want +got):\n%s", diff)
	}
	if seq, ok := claims.VerifyChain([]claims.Event{nc.Event}); !ok || nc.Event.Hash == "" {
		t.Errorf("first history event is not sealed: VerifyChain broke at %d, hash %q", seq, nc.Event.Hash)
	}

	if got, want := nc.TrackingHash, keys.TrackingHash(res.TrackingToken); got != want {
		t.Errorf("TrackingHash = %q, want TrackingHash(token) = %q", got, want)
	}
	if got, want := res.TrackingToken, e.keys.TrackingToken("RC-2026-000001"); got != want {
		t.Errorf("TrackingToken = %q, want %q", got, want)
	}

	wantCustomer := intake.Customer{ID: customerID, Claimant: wantClaim.Claimant, At: now}
	if diff := cmp.Diff(wantCustomer, nc.Customer); diff != "" {
		t.Errorf("customer mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"phone:+79161234567"}, nc.ContactAliases); diff != "" {
		t.Errorf("contact aliases mismatch (-want +got):\n%s", diff)
	}
	if len(e.store.contactCalls) != 0 {
		t.Errorf("CustomerByContact called %v for a claimant with an email", e.store.contactCalls)
	}
	// The key was reserved, with the rate limits, before the number; the
	// claim is stored under the reserving attempt.
	if len(e.store.reservations) != 1 {
		t.Fatalf("%d reservations, want 1", len(e.store.reservations))
	}
	r := e.store.reservations[0]
	wantIdem := &intake.Idempotency{Scope: "form", Key: "token-1", BodyHash: "hash-1", Owner: r.Key.Owner, Expires: now.Add(24 * time.Hour)}
	if diff := cmp.Diff(wantIdem, nc.Idempotency); diff != "" || r.Key.Owner == "" {
		t.Errorf("idempotency mismatch (-want +got):\n%s", diff)
	}
	hour := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	wantLimits := []intake.RateLimit{
		{Key: "ip:203.0.113.9#2026031410", Limit: 5, Expires: hour.Add(2 * time.Hour)},
		{Key: "qr:QR7#2026031410", Limit: 20, Expires: hour.Add(2 * time.Hour)},
	}
	if diff := cmp.Diff(wantLimits, r.RateLimits); diff != "" {
		t.Errorf("rate limits mismatch (-want +got):\n%s", diff)
	}
	if !r.LeaseUntil.After(now) {
		t.Errorf("lease until %v, want after %v", r.LeaseUntil, now)
	}

	if len(nc.Outbox) != 1 {
		t.Fatalf("outbox has %d events, want 1", len(nc.Outbox))
	}
	ev := nc.Outbox[0]
	wantOutbox := events.Event{Type: events.ClaimReceived, ClaimID: "RC-2026-000001", At: now, Actor: "public", Version: events.SchemaVersion}
	if diff := cmp.Diff(wantOutbox, ev, cmpopts.IgnoreFields(events.Event{}, "ID", "Data")); diff != "" {
		t.Errorf("outbox event mismatch (-want +got):\n%s", diff)
	}
	var data events.Received
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		t.Fatalf("decode outbox data %s: %v", ev.Data, err)
	}
	wantData := events.Received{
		Number: "RC-2026-000001", Channel: "qr", ClaimantName: "Ivan Petrov", Email: "ivan.petrov@example.com",
		Language: "en", BaseURL: "https://claims.example", CategoryID: "defect", TypeID: "cosmetic", ProductModel: "KX-200",
	}
	if diff := cmp.Diff(wantData, data); diff != "" {
		t.Errorf("outbox data mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]events.Event{{ev}}, e.pub.published); diff != "" {
		t.Errorf("published events mismatch (-want +got):\n%s", diff)
	}
}

func TestSubmitNumbersClaimsInTurn(t *testing.T) {
	e := newEnv(t)
	var got []string
	for range 3 {
		sub := validSubmission(e)
		sub.Idempotency = nil
		res, err := e.svc.Submit(context.Background(), sub)
		if err != nil {
			t.Fatalf("Submit: %v", err)
		}
		got = append(got, res.Claim.ID)
	}
	if diff := cmp.Diff([]string{"RC-2026-000001", "RC-2026-000002", "RC-2026-000003"}, got); diff != "" {
		t.Errorf("claim numbers mismatch (-want +got):\n%s", diff)
	}
}

func TestSubmitPriority(t *testing.T) {
	tests := []struct {
		name     string
		typeID   string
		override catalog.Priority
		want     catalog.Priority
	}{
		{"type default low", "cosmetic", "", catalog.Low},
		{"type default critical", "fire", "", catalog.Critical},
		{"staff override", "cosmetic", catalog.High, catalog.High},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			sub := validSubmission(e)
			sub.Draft.TypeID, sub.Draft.Priority = tt.typeID, tt.override
			sub.AllowMissingPhotos = true // fire needs more zones than the fixture fills
			res, err := e.svc.Submit(context.Background(), sub)
			if err != nil {
				t.Fatalf("Submit: %v", err)
			}
			if got := e.store.created[0].Claim.Priority; got != tt.want {
				t.Errorf("stored priority = %q, want %q", got, tt.want)
			}
			if res.Claim.Priority != tt.want {
				t.Errorf("returned priority = %q, want %q", res.Claim.Priority, tt.want)
			}
		})
	}
}

func TestSubmitPublishFailureStillReturnsClaim(t *testing.T) {
	e := newEnv(t)
	e.pub.err = errors.New("sqs: throttled")
	res, err := e.svc.Submit(context.Background(), validSubmission(e))
	if err != nil {
		t.Fatalf("Submit with a failing publisher: %v (the outbox relay retries; the claim is stored)", err)
	}
	if res.Claim.ID != "RC-2026-000001" || !res.Created {
		t.Errorf("result = %s created=%v, want RC-2026-000001 created", res.Claim.ID, res.Created)
	}
	if len(e.store.created) != 1 || len(e.pub.published) != 1 {
		t.Errorf("stored %d claims, published %d batches; want 1 and 1", len(e.store.created), len(e.pub.published))
	}
}

func TestSubmitStoreErrorsAreReturned(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want apperr.Code
	}{
		{"refused by the table", apperr.Errorf(apperr.Invalid, "too many files"), apperr.Invalid},
		{"table down", errors.New("connection reset"), apperr.Internal},
		{"transient for good", fmt.Errorf("throttled: %w", intake.ErrTransient), apperr.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.store.createErr = tt.err
			res, err := e.svc.Submit(context.Background(), validSubmission(e))
			if got := apperr.CodeOf(err); got != tt.want {
				t.Fatalf("Submit error code = %q (%v), want %q", got, err, tt.want)
			}
			if res != nil {
				t.Errorf("Submit returned a result %+v with an error", res)
			}
			if len(e.pub.published) != 0 {
				t.Errorf("published %d batches for a claim that was not stored", len(e.pub.published))
			}
		})
	}
}

func TestSubmitPhoneOnlyClaimant(t *testing.T) {
	tests := []struct {
		name     string
		known    string // customer the phone alias points to
		wantCust string
	}{
		{"known by an earlier email claim", "CUS-EARLIER", "CUS-EARLIER"},
		{"unknown phone", "", intake.CustomerID("phone:+79161234567")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.known != "" {
				e.store.contacts["phone:+79161234567"] = tt.known
			}
			sub := validSubmission(e)
			sub.Draft.Claimant.Email = ""
			res, err := e.svc.Submit(context.Background(), sub)
			if err != nil {
				t.Fatalf("Submit: %v", err)
			}
			if diff := cmp.Diff([]string{"phone:+79161234567"}, e.store.contactCalls); diff != "" {
				t.Errorf("CustomerByContact calls mismatch (-want +got):\n%s", diff)
			}
			nc := e.store.created[0]
			got := []string{res.Claim.CustomerID, nc.Claim.CustomerID, nc.Customer.ID}
			if diff := cmp.Diff([]string{tt.wantCust, tt.wantCust, tt.wantCust}, got); diff != "" {
				t.Errorf("customer IDs (result, stored claim, profile) mismatch (-want +got):\n%s", diff)
			}
			if len(nc.ContactAliases) != 0 {
				t.Errorf("contact aliases = %v, want none for a phone-only claimant", nc.ContactAliases)
			}
		})
	}
}

func TestCustomerIDIsStable(t *testing.T) {
	a, b := intake.CustomerID("email:ivan@example.com"), intake.CustomerID("email:ivan@example.com")
	c := intake.CustomerID("email:anna@example.com")
	if a != b || a == c || len(a) != len("CUS-")+13 || a[:4] != "CUS-" {
		t.Errorf("CustomerID: %q, %q (same key), %q (other key); want equal, distinct, CUS- + 13 characters", a, b, c)
	}
}

func TestSubmitValidation(t *testing.T) {
	items := func(n int) []claims.OrderItem {
		out := make([]claims.OrderItem, n)
		for i := range out {
			out[i] = claims.OrderItem{SKU: fmt.Sprintf("SKU-%d", i), Quantity: 1}
		}
		return out
	}
	tests := []struct {
		name   string
		modify func(d *claims.Draft)
		want   []string
	}{
		{"missing name", func(d *claims.Draft) { d.Claimant.Name = " \t " }, []string{"claimant.name"}},
		{"bad email", func(d *claims.Draft) { d.Claimant.Email = "ivan@" }, []string{"claimant.email"}},
		{"email with a display name", func(d *claims.Draft) { d.Claimant.Email = "Ivan <ivan@example.com>" }, []string{"claimant.email"}},
		{"bad phone", func(d *claims.Draft) { d.Claimant.Phone = "call me 12" }, []string{"claimant.phone"}},
		{"no contact at all", func(d *claims.Draft) { d.Claimant.Email, d.Claimant.Phone = "", "" }, []string{"claimant.email"}},
		{"essence too short", func(d *claims.Draft) { d.Essence = "  broken\n " }, []string{"essence"}},
		{"essence missing", func(d *claims.Draft) { d.Essence = "" }, []string{"essence"}},
		{"unknown desired result", func(d *claims.Draft) { d.DesiredResult = "money" }, []string{"desiredResult"}},
		{"unknown channel", func(d *claims.Draft) { d.Channel = "fax" }, []string{"channel"}},
		{"unknown category", func(d *claims.Draft) { d.CategoryID = "weather" }, []string{"categoryId"}},
		{"type of another category", func(d *claims.Draft) { d.TypeID = "shortage" }, []string{"typeId"}},
		{"unknown type", func(d *claims.Draft) { d.TypeID = "noise-and-smoke" }, []string{"typeId"}},
		{"purchase date in the future", func(d *claims.Draft) { d.Product.PurchaseDate = "2026-03-20" }, []string{"product.purchaseDate"}},
		{"purchase date not a date", func(d *claims.Draft) { d.Product.PurchaseDate = "14.03.2026" }, []string{"product.purchaseDate"}},
		{"serial with spaces", func(d *claims.Draft) { d.Product.Serial = "SN 123" }, []string{"product.serial"}},
		{"required serial missing", func(d *claims.Draft) { d.TypeID = "noise"; d.Product.Serial = "" }, []string{"product.serial"}},
		{"required serial and purchase date missing", func(d *claims.Draft) {
			d.TypeID = "overheating"
			d.Product.Serial, d.Product.PurchaseDate = "", ""
		}, []string{"product.serial", "product.purchaseDate"}},
		{"required phone missing", func(d *claims.Draft) { d.TypeID = "fire"; d.Claimant.Phone = "" }, []string{"claimant.phone"}},
		{"required order items and reference missing", func(d *claims.Draft) {
			d.CategoryID, d.TypeID = "quantity", "shortage"
		}, []string{"order.reference", "order.items"}},
		{"too many order items", func(d *claims.Draft) {
			d.CategoryID, d.TypeID = "quantity", "shortage"
			d.Order = claims.Order{Reference: "SO-1", Items: items(claims.MaxItems + 1)}
		}, []string{"order.items"}},
		{"order item without SKU or quantity", func(d *claims.Draft) {
			d.CategoryID, d.TypeID = "quantity", "shortage"
			d.Order = claims.Order{Reference: "SO-1", Items: []claims.OrderItem{{SKU: "A", Quantity: 2}, {SKU: " ", Quantity: 0}}}
		}, []string{"order.items[1].sku", "order.items[1].quantity"}},
		{"several at once", func(d *claims.Draft) {
			d.Claimant.Name, d.Claimant.Email, d.Essence = "", "not-an-address", "short"
		}, []string{"claimant.email", "claimant.name", "essence"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			sub := validSubmission(e)
			sub.Attachments, sub.AllowMissingPhotos = nil, true // about the draft, not the photos
			tt.modify(&sub.Draft)
			res, err := e.svc.Submit(context.Background(), sub)
			code, fields := fieldsOf(err)
			if code != apperr.Invalid {
				t.Fatalf("Submit error = %v (code %q), want %q", err, code, apperr.Invalid)
			}
			if diff := cmp.Diff(tt.want, fields); diff != "" {
				t.Errorf("invalid fields mismatch (-want +got):\n%s", diff)
			}
			if res != nil || len(e.store.created) != 0 || len(e.store.years) != 0 || len(e.pub.published) != 0 {
				t.Errorf("an invalid claim got result %v, %d stored, %d numbers, %d published; want none",
					res, len(e.store.created), len(e.store.years), len(e.pub.published))
			}
		})
	}
}

func TestSubmitAttachments(t *testing.T) {
	const other = "form:someone-else"
	big := catalog.MaxUploadBytes / 10 // the seed's photo zones take 20 MiB
	tests := []struct {
		name   string
		setup  func(f *fakeFiles)
		refs   []intake.AttachmentRef // after the valid product and defect photos
		only   []intake.AttachmentRef // instead of them
		want   []string
		wantOK bool
	}{
		{
			name: "unknown zone",
			refs: []intake.AttachmentRef{{Zone: "roof", UploadID: uploadID(3)}},
			want: []string{"attachments[2].zone"},
		},
		{
			name: "upload ID of the wrong shape",
			refs: []intake.AttachmentRef{{Zone: "defect", UploadID: "../../uploads/x/000000000000000000000001"}},
			want: []string{"attachments[2].uploadId"},
		},
		{
			name: "upload ID with a letter outside the alphabet",
			refs: []intake.AttachmentRef{{Zone: "defect", UploadID: "00000000000000000000000u"}},
			want: []string{"attachments[2].uploadId"},
		},
		{
			name: "the same upload twice",
			refs: []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(2)}},
			want: []string{"attachments[2].uploadId"},
		},
		{
			name: "upload not found",
			refs: []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(3)}},
			want: []string{"attachments[2].uploadId"},
		},
		{
			name:  "declared jpeg that is a Windows executable",
			setup: func(f *fakeFiles) { f.put(scope, uploadID(3), "image/jpeg", "photo.jpg", peBytes, 0) },
			refs:  []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(3)}},
			want:  []string{"attachments[2]"},
		},
		{
			name:  "undeclared Windows executable",
			setup: func(f *fakeFiles) { f.put(scope, uploadID(3), "application/octet-stream", "photo.jpg", peBytes, 0) },
			refs:  []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(3)}},
			want:  []string{"attachments[2]"},
		},
		{
			name:  "declared jpeg that is a PDF",
			setup: func(f *fakeFiles) { f.put(scope, uploadID(3), "image/jpeg", "photo.jpg", pdfBytes, 0) },
			refs:  []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(3)}},
			want:  []string{"attachments[2]"},
		},
		{
			name:  "a video in a photo zone",
			setup: func(f *fakeFiles) { f.put(scope, uploadID(3), "video/mp4", "clip.mp4", mp4Bytes, 0) },
			refs:  []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(3)}},
			want:  []string{"attachments[2]"},
		},
		{
			name:  "a zip in a photo zone",
			setup: func(f *fakeFiles) { f.put(scope, uploadID(3), "", "photos.zip", zipBytes, 0) },
			refs:  []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(3)}},
			want:  []string{"attachments[2]"},
		},
		{
			name:  "too large",
			setup: func(f *fakeFiles) { f.put(scope, uploadID(3), "image/jpeg", "huge.jpg", jpegBytes, int64(big)+1) },
			refs:  []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(3)}},
			want:  []string{"attachments[2]"},
		},
		{
			name:   "exactly the zone's limit",
			setup:  func(f *fakeFiles) { f.put(scope, uploadID(3), "image/jpeg", "big.jpg", jpegBytes, int64(big)) },
			refs:   []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(3)}},
			wantOK: true,
		},
		{
			name:   "a video where videos go",
			setup:  func(f *fakeFiles) { f.put(scope, uploadID(3), "image/jpeg", "x.jpg", jpegBytes, 0) },
			refs:   []intake.AttachmentRef{{Zone: "product", UploadID: uploadID(3)}},
			wantOK: true,
		},
		{
			name: "a zone below its minimum",
			only: []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(2)}},
			want: []string{"attachments.product"},
		},
		{
			name: "a zone over its maximum",
			setup: func(f *fakeFiles) {
				for i := 3; i <= 7; i++ {
					f.put(scope, uploadID(i), "image/jpeg", "p.jpg", jpegBytes, 0)
				}
			},
			refs: []intake.AttachmentRef{
				{Zone: "product", UploadID: uploadID(3)}, {Zone: "product", UploadID: uploadID(4)},
				{Zone: "product", UploadID: uploadID(5)}, {Zone: "product", UploadID: uploadID(6)},
				{Zone: "product", UploadID: uploadID(7)},
			},
			want: []string{"attachments.product"},
		},
		{
			name:  "another scope's upload is not found",
			setup: func(f *fakeFiles) { f.put(other, uploadID(3), "image/jpeg", "theirs.jpg", jpegBytes, 0) },
			only:  []intake.AttachmentRef{{Zone: "product", UploadID: uploadID(3)}, {Zone: "defect", UploadID: uploadID(2)}},
			want:  []string{"attachments[0].uploadId", "attachments.product"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			sub := validSubmission(e)
			if tt.setup != nil {
				tt.setup(e.files)
			}
			if tt.only != nil {
				sub.Attachments = tt.only
			}
			sub.Attachments = append(sub.Attachments, tt.refs...)
			res, err := e.svc.Submit(context.Background(), sub)
			if tt.wantOK {
				if err != nil {
					t.Fatalf("Submit: %v", err)
				}
				if got, want := len(e.store.created[0].Attachments), len(sub.Attachments); got != want {
					t.Errorf("stored %d attachments, want %d", got, want)
				}
				return
			}
			code, fields := fieldsOf(err)
			if code != apperr.Invalid {
				t.Fatalf("Submit error = %v (code %q), want %q", err, code, apperr.Invalid)
			}
			if diff := cmp.Diff(tt.want, fields); diff != "" {
				t.Errorf("invalid fields mismatch (-want +got):\n%s", diff)
			}
			if res != nil || len(e.store.created) != 0 {
				t.Errorf("a claim with bad attachments was stored (%d) or returned (%v)", len(e.store.created), res)
			}
		})
	}
}

func TestSubmitAttachmentErrorMessages(t *testing.T) {
	tests := []struct {
		name    string
		declare string
		content []byte
		want    string
	}{
		{"executable declared as jpeg", "image/jpeg", peBytes, "the file's content is application/octet-stream, not image/jpeg"},
		{"pdf declared as jpeg", "image/jpeg", pdfBytes, "the file's content is application/pdf, not image/jpeg"},
		{"gif, declared honestly", "image/gif", gifBytes, "file type image/gif is not accepted in defect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			sub := validSubmission(e)
			e.files.put(scope, uploadID(3), tt.declare, "x", tt.content, 0)
			sub.Attachments = append(sub.Attachments, intake.AttachmentRef{Zone: "defect", UploadID: uploadID(3)})
			_, err := e.svc.Submit(context.Background(), sub)
			e2, ok := apperr.As(err)
			if !ok {
				t.Fatalf("Submit error = %v, want an apperr", err)
			}
			want := []apperr.FieldError{{Field: "attachments[2]", Message: tt.want}}
			if diff := cmp.Diff(want, e2.Fields); diff != "" {
				t.Errorf("field errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSubmitStatFailureAsksToRetry(t *testing.T) {
	e := newEnv(t)
	sub := validSubmission(e)
	e.files.statErr = errors.New("s3: slow down")
	_, err := e.svc.Submit(context.Background(), sub)
	e2, ok := apperr.As(err)
	if !ok || e2.Code != apperr.Invalid {
		t.Fatalf("Submit error = %v, want an Invalid apperr", err)
	}
	want := []apperr.FieldError{
		{Field: "attachments[0].uploadId", Message: "the upload could not be checked, try again"},
		{Field: "attachments[1].uploadId", Message: "the upload could not be checked, try again"},
		{Field: "attachments.product", Message: "at least 1 file(s) required"},
		{Field: "attachments.defect", Message: "at least 1 file(s) required"},
	}
	if diff := cmp.Diff(want, e2.Fields); diff != "" {
		t.Errorf("field errors mismatch (-want +got):\n%s", diff)
	}
}

func TestSubmitAllowMissingPhotos(t *testing.T) {
	e := newEnv(t)
	sub := validSubmission(e)
	sub.Attachments = []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(2)}}
	sub.AllowMissingPhotos = true
	res, err := e.svc.Submit(context.Background(), sub)
	if err != nil {
		t.Fatalf("Submit without the product photo, AllowMissingPhotos: %v", err)
	}
	if diff := cmp.Diff([]string{"product"}, res.Claim.MissingZones); diff != "" {
		t.Errorf("MissingZones mismatch (-want +got):\n%s", diff)
	}
	nc := e.store.created[0]
	if diff := cmp.Diff([]string{"product"}, nc.Claim.MissingZones); diff != "" {
		t.Errorf("stored MissingZones mismatch (-want +got):\n%s", diff)
	}
	if got := nc.Event.After["attachments"]; got != 1 {
		t.Errorf("history records %v attachments, want 1", got)
	}

	// Bad files are still refused: only missing ones are let through.
	e = newEnv(t)
	sub = validSubmission(e)
	sub.AllowMissingPhotos = true
	e.files.put(scope, uploadID(3), "image/jpeg", "x.jpg", peBytes, 0)
	sub.Attachments = []intake.AttachmentRef{{Zone: "defect", UploadID: uploadID(3)}}
	_, err = e.svc.Submit(context.Background(), sub)
	code, fields := fieldsOf(err)
	if diff := cmp.Diff([]string{"attachments[0]"}, fields); code != apperr.Invalid || diff != "" {
		t.Errorf("Submit of an executable with AllowMissingPhotos: code %q, fields mismatch (-want +got):\n%s", code, diff)
	}
}

func TestBodyHash(t *testing.T) {
	a, b := intake.BodyHash([]byte(`{"a":1}`)), intake.BodyHash([]byte(`{"a":2}`))
	if len(a) != 64 || a == b || a != intake.BodyHash([]byte(`{"a":1}`)) {
		t.Errorf("BodyHash: %q and %q; want 64 hex digits, stable, distinct per body", a, b)
	}
}

func TestActorString(t *testing.T) {
	tests := []struct {
		actor intake.Actor
		want  string
	}{
		{intake.Actor{Role: "public"}, "public"},
		{intake.Actor{UserID: "u-1", Role: "dealers"}, "dealers:u-1"},
	}
	for _, tt := range tests {
		if got := tt.actor.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.actor, got, tt.want)
		}
	}
}
