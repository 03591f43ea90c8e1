package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/kb"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/qrcode"
	"github.com/claimsdesk/backend/shared/quality"
	"github.com/claimsdesk/backend/shared/webhook"
)

// scenarioAt is when the scenario's first write happens; every time it
// writes is derived from it (nanoseconds included, to see them survive).
var scenarioAt = time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.UTC)

// writeEveryEntity writes every kind of item of the layout through the
// Store's own methods, with every field of every stored type set at least
// once (and, on a second claim, the zero values that matter: times not
// set, no decision), deterministically: the same calls write the same
// items, but for the attributes volatileAttributes names. It is what the
// storage schema tests compare, item by item.
func writeEveryEntity(t testing.TB, s *Store) {
	t.Helper()
	writeEntitiesOfIssue9(t, s)
	writeDocuments(t, s)
	writeExports(t, s)
	writeQuality(t, s)
	writeFlags(t, s)
	writeReportMail(t, s)
	writeKB(t, s)
	writeKBIndex(t, s)
}

// writeKB adds what issue #14's knowledge base stores: an article with a
// picture written as a draft, then published with a link moved (a version
// each, the type link kept, the model link replaced).
func writeKB(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.PutModel(ctx, catalog.Model{ID: "TH-2000", Name: catalog.Text{"ru": "Тепловентилятор TH-2000"}, Active: true}); err != nil {
		t.Fatalf("scenario: put model: %v", err)
	}
	a := kb.Article{ID: "kb-0123456789abcdef", Title: "Перегрев: очистите фильтр", Body: "# Фильтр\n\n![фильтр](kb-file:f-0123456789abcdef)",
		HTML: "<h1>Фильтр</h1>", Language: "ru", Audience: kb.Public, Status: kb.Draft, Categories: []string{"defect"},
		Types: []string{"overheating"}, Models: []string{"TH-2000"}, RootCauses: []string{"misuse"},
		Files:  []kb.File{{ID: "f-0123456789abcdef", Kind: "image", FileName: "filter.png", ContentType: "image/png", Size: 1234}},
		Owners: []string{"supervisor-1"}, Version: 1, CreatedAt: scenarioAt, CreatedBy: "supervisor-1", UpdatedAt: scenarioAt, UpdatedBy: "supervisor-1"}
	if err := s.PutArticle(ctx, a, nil, kb.Revision{Change: kb.Change{Version: 1, At: scenarioAt, By: "supervisor-1", Fields: []string{"created"}, Status: kb.Draft}, Article: a}); err != nil {
		t.Fatalf("scenario: kb: %v", err)
	}
	b := a
	b.Status, b.Models, b.Version, b.UpdatedAt, b.PublishedAt = kb.Published, []string{"TH-3000"}, 2, scenarioAt.Add(time.Hour), scenarioAt.Add(time.Hour)
	if err := s.PutArticle(ctx, b, &a, kb.Revision{Change: kb.Change{Version: 2, At: b.UpdatedAt, By: "supervisor-1", Fields: []string{"status", "models"},
		Status: kb.Published, Note: "проверено"}, Article: b}); err != nil {
		t.Fatalf("scenario: kb: %v", err)
	}
	// The claim form showed it before filing, and a claim followed.
	if err := s.RecordView(ctx, "ip:192.0.2.1", "form-token-0123456789", "overheating", []string{a.ID}, scenarioAt, "2026-03-01"); err != nil {
		t.Fatalf("scenario: kb: %v", err)
	}
	if err := s.FileView(ctx, "form-token-0123456789", claims.Number(2026, 1), scenarioAt.Add(time.Minute)); err != nil {
		t.Fatalf("scenario: kb: %v", err)
	}
	// The decision of claim 1 names the article it was solved with.
	c, err := s.GetClaim(ctx, claims.Number(2026, 1))
	if err != nil {
		t.Fatalf("scenario: kb: %v", err)
	}
	next := *c
	d := *c.Decision
	d.SolvedWith, d.Revision = a.ID, d.Revision+1
	next.Decision = &d
	ev, err := claims.Next(&next, "decision.revised", "supervisors:s-1", scenarioAt.Add(100*time.Hour), nil, map[string]any{"solvedWith": a.ID})
	if err != nil {
		t.Fatalf("scenario: kb: %v", err)
	}
	if err := s.ApplyChange(ctx, &claims.Change{Claim: &next, Before: c, PrevVersion: c.Version, Event: ev}); err != nil {
		t.Fatalf("scenario: kb: %v", err)
	}
}

// writeQuality adds what issue #12's surge watch stores: a claim counted
// on its series, type and model, a series' shipments, an alert raised with
// its event and then closed.
func writeQuality(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	c := quality.ClaimDay{ClaimID: claims.Number(2026, 1), Series: "2026-11", Model: "TH-2000", TypeID: "overheating", Day: "2026-03-02"}
	if err := s.RecordClaim(ctx, c); err != nil {
		t.Fatalf("scenario: quality: %v", err)
	}
	sh := quality.Shipments{Series: "2026-11", Model: "TH-2000", ERPVersion: 2, TotalUnits: 1500, UpdatedAt: scenarioAt, UpdatedBy: "integrations:erp",
		Shipments: []quality.Shipment{{Date: "2026-02-01", Units: 1000}, {Month: "2026-01", Units: 500}}}
	if _, err := s.PutShipments(ctx, sh); err != nil {
		t.Fatalf("scenario: quality: %v", err)
	}
	at := scenarioAt.Add(96 * time.Hour)
	a := quality.Alert{ID: "QA-0190000000000abcdef01234567", Series: c.Series, Model: c.Model, TypeID: c.TypeID, Status: quality.Open,
		Finding: quality.Finding{Alarm: true, Ratio: 3, Statistic: 10.5, Threshold: 10, Observed: 10, Expected: 0.25, Days: 1, DailyExpected: 0.25},
		Window:  events.Window{From: c.Day, To: c.Day, Days: 1}, UnitsInService: 1500, Claims: []string{c.ClaimID}, Announcements: 1,
		RaisedAt: at, AnnouncedAt: at, Rev: 1}
	e := events.Event{ID: "0190000000000fedcba9876543210", Type: events.SurgeDetected, ClaimID: c.ClaimID, At: at, Actor: "system", Version: 1,
		Data: json.RawMessage(`{"alertId":"` + a.ID + `"}`)}
	if err := s.RaiseAlert(ctx, a, "", e); err != nil {
		t.Fatalf("scenario: quality: %v", err)
	}
	if err := a.Acknowledge("supervisors:s1", at); err != nil {
		t.Fatal(err)
	}
	if err := a.Mute(3, "supervisors:s1", at); err != nil {
		t.Fatal(err)
	}
	a.AcknowledgedAt, a.AcknowledgedBy = at, "supervisors:s1"
	if err := a.Close("Партия отозвана.", "supervisors:s1", at); err != nil {
		t.Fatal(err)
	}
	a.MutedUntil, a.MutedBy = at.Add(72*time.Hour), "supervisors:s1"
	a.Rev = 2
	if err := s.SaveAlert(ctx, a, 1, nil); err != nil {
		t.Fatalf("scenario: quality: %v", err)
	}
}

// writeDocuments adds what issue #10 stores (a generated document of claim
// 1, with its history entry: claims.Record, which moves the claim's history
// head apart from its version) and issue #11's rating of it.
func writeDocuments(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	c, err := s.GetClaim(ctx, claims.Number(2026, 1))
	if err != nil {
		t.Fatalf("scenario: documents: %v", err)
	}
	prev := c.HistoryHead()
	at := scenarioAt.Add(72 * time.Hour)
	d := claims.Document{ID: "0190000000000abcdef0123456789-claim", Kind: claims.DocClaim, Title: "Claim RC-2026-000001", Language: "en",
		Audience: claims.ForClaimant, FileName: "RC-2026-000001-claim-v1.pdf", ContentType: "application/pdf", Size: 12345, Pages: 2,
		Key: "documents/RC-2026-000001/0190000000000abcdef0123456789-claim.pdf", CreatedAt: at, CreatedBy: "system", Version: 1,
		Source: "0190000000000abcdef0123456789", Values: []byte(`{"actNumber":"7"}`)}
	entry, err := claims.Record(c, claims.EventDocumentGenerated, "system", at, nil, map[string]any{"document": d.ID, "kind": string(d.Kind)})
	if err != nil {
		t.Fatalf("scenario: documents: %v", err)
	}
	if err := s.AddDocument(ctx, c.ID, prev, entry, d); err != nil {
		t.Fatalf("scenario: documents: %v", err)
	}
	// And a rating with its comment.
	c, err = s.GetClaim(ctx, c.ID)
	if err != nil {
		t.Fatalf("scenario: rating: %v", err)
	}
	prev = c.HistoryHead()
	rated := at.Add(time.Hour)
	sat := claims.Satisfaction{Score: 2, Comment: "Долго", RatedAt: rated, RatedBy: "claimant", CommentedAt: rated}
	entry, err = claims.Record(c, claims.EventRated, "claimant", rated, nil, map[string]any{"score": 2})
	if err != nil {
		t.Fatalf("scenario: rating: %v", err)
	}
	ev, err := events.New(c.ID, "claimant", rated, events.Rating{Number: c.ID, Score: 2, Low: true, Comment: "Долго", RatedBy: "claimant"})
	if err != nil {
		t.Fatalf("scenario: rating: %v", err)
	}
	ev.ID = "0190000000001abcdef0123456789"
	if err := s.RecordRating(ctx, c.ID, prev, entry, sat, true, []events.Event{ev}); err != nil {
		t.Fatalf("scenario: rating: %v", err)
	}
	// The claim counted in the aggregates.
	counter, err := analytics.NewConsumer(analytics.ConsumerConfig{Store: s, Calendar: everyHour{}, Location: time.UTC})
	if err != nil {
		t.Fatalf("scenario: aggregates: %v", err)
	}
	if err := counter.Count(ctx, c.ID); err != nil {
		t.Fatalf("scenario: aggregates: %v", err)
	}
}

// everyHour is a working calendar without a break.
type everyHour struct{}

func (everyHour) Between(from, to time.Time) time.Duration { return max(to.Sub(from), 0) }

func (e everyHour) Calendar(context.Context) (analytics.Calendar, error) { return e, nil }

// writeEntitiesOfIssue9 writes what the code of issue #9 wrote (the items
// of testdata/items-before-issue-9.json).
func writeEntitiesOfIssue9(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	at := func(d time.Duration) time.Time { return scenarioAt.Add(d) }
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("scenario: %s: %v", what, err)
		}
	}
	event := func(id, typ, claimID string, when time.Time, data any) events.Event {
		t.Helper()
		e, err := events.NewRaw(typ, claimID, "public", when, data)
		must("event "+id, err)
		e.ID = id // fixed, where NewRaw draws a random one
		return e
	}

	// Claim 1: every field set.
	claimant := claims.Claimant{Name: "Ivan Petrov", Email: "ivan.petrov@example.com", Phone: "+79161234567", Company: "Petrov LLC", TaxID: "7701234567"}
	customerID := intake.CustomerID(claimant.CustomerKey())
	c1 := &claims.Claim{
		ID: claims.Number(2026, 1), Channel: claims.ChannelDealerForm, Claimant: claimant, CustomerID: customerID, DealerID: "D-100",
		Product:    claims.Product{Model: "KX-200", Name: "Kettle", Category: "kitchen", Series: "KX-2025", Serial: "SN-00001", PurchaseDate: "2025-11-02"},
		Order:      claims.Order{Reference: "SO-77", Items: []claims.OrderItem{{SKU: "KX-200-W", Name: "Kettle, white", Quantity: 2.5, Unit: "pcs"}}},
		CategoryID: "defect", TypeID: "cosmetic", Essence: "The lid is scratched\nall over.", DesiredResult: claims.Repair,
		DesiredFix: "Replace the lid", Priority: catalog.High, Stage: "diagnostics", Assignee: "mgr-1", Language: "en", QRCode: "QR7",
		MissingZones: []string{"defect"}, PreviousStage: "information_check", StageEnteredAt: at(time.Minute), DueAt: at(48 * time.Hour),
		SLA: &claims.SLA{
			Policy: "standard", FirstResponseDue: at(4 * time.Hour), RespondedAt: at(time.Hour), ResolutionDue: at(240 * time.Hour),
			StatutoryDue: at(1080 * time.Hour), PausedAt: at(2 * time.Hour), StageLeftSeconds: 3600, Warned: []string{"firstResponse"},
			Breached: []string{"stage:new"}, Level: 1, NextCheck: at(3 * time.Hour), ResolvedAt: at(300 * time.Hour),
		},
		Tasks: []claims.Task{
			{ID: "t1", Stage: "diagnostics", Title: "Осмотр", TitleEN: "Inspection", Required: true, Owner: "mgr-1", Due: at(24 * time.Hour),
				DoneAt: at(20 * time.Hour), DoneBy: "mgr-1", Note: "done", Source: "stage"},
			{ID: "t2", Title: "Фото", Owner: "mgr-1", Due: at(30 * time.Hour), Source: "plan"},
		},
		Decision: &claims.Decision{
			WarrantyCase: true, FaultParty: "company", CulpritDepartment: "assembly", CulpritEmployee: "e-7", RootCause: "rc-lid",
			Resolution: claims.ResolutionRepair, Cost: claims.Money{Amount: 123450, Currency: "RUB"}, Instructions: "Bring it in",
			IncidentAnalysisRequired: true, DecidedBy: "mgr-1", DecidedAt: at(22 * time.Hour), Revision: 1,
		},
		Orders: []string{"RW-RC-2026-000001-1"}, CreatedBy: "dealers:d-1", CreatedAt: at(0), UpdatedAt: at(0), Version: 1,
	}
	ev1 := claims.Event{Seq: 1, Type: claims.EventCreated, Actor: "dealers:d-1", At: at(0), After: map[string]any{"stage": "new", "attachments": 1}}
	must("seal", ev1.Seal(""))
	c1.HistoryHash = ev1.Hash
	file := claims.Attachment{ID: "000000000000000000010000", Zone: "product", Key: "uploads/0a1b/000000000000000000010000", FileName: "photo.jpg",
		ContentType: "image/jpeg", Size: 1000, UploadedAt: at(0), UploadedBy: "dealers:d-1"}
	received := event("0000000000010000000000000000001", events.ClaimReceived, c1.ID, at(0), events.Received{Number: c1.ID, Channel: "dealer_form",
		ClaimantName: claimant.Name, Email: claimant.Email, Language: "en", BaseURL: "https://claims.example", CategoryID: "defect", TypeID: "cosmetic", ProductModel: "KX-200"})
	idem := &intake.Idempotency{Scope: "dealers", Key: "k-1", BodyHash: "hash-1", Owner: "attempt-1", Expires: at(24 * time.Hour)}
	must("reserve k-1", s.Reserve(ctx, &intake.Reservation{Key: idem, LeaseUntil: at(time.Minute), Now: at(0),
		RateLimits: []claims.RateLimit{claims.HourlyLimit("form:203.0.113.7", 10, at(0))}}))
	must("create claim 1", s.CreateClaim(ctx, &intake.NewClaim{
		Claim: c1, Attachments: []claims.Attachment{file}, Event: ev1, TrackingHash: keys.TrackingHash("token-1"),
		Customer: intake.Customer{ID: customerID, Claimant: claimant, At: at(0)}, ContactAliases: []string{"phone:" + claimant.Phone},
		Idempotency: idem, Outbox: []events.Event{received},
	}))

	// Claim 2: the zero values (no due time, SLA clocks not started, an
	// open task, no decision, no assignee).
	claimant2 := claims.Claimant{Name: "Anna Smirnova", Email: "anna@example.com"}
	c2 := &claims.Claim{
		ID: claims.Number(2026, 2), Channel: claims.ChannelQR, Claimant: claimant2, CustomerID: intake.CustomerID(claimant2.CustomerKey()),
		Product: claims.Product{Model: "KX-300"}, CategoryID: "defect", TypeID: "cosmetic", Essence: "It does not switch on.",
		DesiredResult: claims.Refund, Priority: catalog.Normal, Stage: claims.StageNew, Language: "ru", StageEnteredAt: at(time.Hour),
		SLA:       &claims.SLA{Policy: "standard"},
		Tasks:     []claims.Task{{ID: "t1", Title: "Проверить", Owner: "supervisors", Due: at(5 * time.Hour), Source: "stage"}},
		CreatedBy: "public", CreatedAt: at(time.Hour), UpdatedAt: at(time.Hour), Version: 1,
	}
	ev2 := claims.Event{Seq: 1, Type: claims.EventCreated, Actor: "public", At: at(time.Hour)}
	must("seal", ev2.Seal(""))
	c2.HistoryHash = ev2.Hash
	must("create claim 2", s.CreateClaim(ctx, &intake.NewClaim{
		Claim: c2, Event: ev2, TrackingHash: keys.TrackingHash("token-2"),
		Customer: intake.Customer{ID: c2.CustomerID, Claimant: claimant2, At: at(time.Hour)},
	}))

	// A change of claim 1: a revised decision (its list entries move), a
	// file, a message with an attachment, an order, an outbox event and a
	// rate limit.
	next := *c1
	next.Tasks = append([]claims.Task(nil), c1.Tasks...)
	d := *c1.Decision
	d.Resolution, d.RootCause, d.FaultParty, d.Revision = claims.ResolutionReplace, "rc-body", "supplier", 2
	next.Decision, next.Stage = &d, "decision"
	ev, err := claims.Next(&next, "decision.revised", "supervisors:s-1", at(25*time.Hour),
		map[string]any{"resolution": "repair"}, map[string]any{"resolution": "replace"})
	must("next event", err)
	ev.Note = "the supplier's batch"
	file2 := claims.Attachment{ID: "000000000000000000020000", Zone: "defect", Key: "uploads/0a1b/000000000000000000020000", FileName: "act.pdf",
		ContentType: "application/pdf", Size: 4096, UploadedAt: at(25 * time.Hour), UploadedBy: "supervisors:s-1"}
	msg := claims.Message{ID: "m-0001", Author: "supervisors:s-1", AuthorRole: "supervisor", AuthorName: "Olga", Body: "We replace it.",
		Attachments: []claims.Attachment{file2}, At: at(25 * time.Hour)}
	rework := orders.Order{
		Number: "RW-RC-2026-000001-1", Kind: orders.Rework,
		Customer: orders.Customer{Name: claimant.Name, Email: claimant.Email, Phone: claimant.Phone, Company: claimant.Company, TaxID: claimant.TaxID},
		DealerID: "D-100", Items: []orders.Item{{SKU: "KX-200-W", Name: "Kettle, white", Quantity: 1, Unit: "pcs", Price: 450000}},
		Currency: "RUB", Status: "draft", SourceClaim: c1.ID, SalesManager: "sm-1", Note: "free of charge", ERPVersion: 0,
		CreatedBy: "supervisors:s-1", CreatedAt: at(25 * time.Hour), UpdatedAt: at(25 * time.Hour),
	}
	decided := event("0000000000020000000000000000002", events.DecisionRecorded, c1.ID, at(25*time.Hour), map[string]string{"resolution": "replace"})
	must("apply change", s.ApplyChange(ctx, &claims.Change{
		Claim: &next, Before: c1, PrevVersion: 1, Event: ev, Files: []claims.Attachment{file2}, Outbox: []events.Event{decided},
		Messages: []claims.Message{msg}, Orders: []orders.Order{rework},
		RateLimits: []claims.RateLimit{claims.HourlyLimit("chat:"+c1.ID, 30, at(25*time.Hour))},
	}))
	must("mark received", s.MarkReceived(ctx, received))
	must("postpone", s.Postpone(ctx, []events.Event{decided}, at(26*time.Hour)))

	// An idempotency key given up with the number its attempt took; the
	// claim counter with a pool's turn.
	idem2 := &intake.Idempotency{Scope: "form", Key: "k-2", BodyHash: "hash-2", Owner: "attempt-2", Expires: at(24 * time.Hour)}
	r2 := &intake.Reservation{Key: idem2, LeaseUntil: at(2 * time.Minute), Now: at(0), Number: "RC-2026-000009", Turn: 3}
	must("reserve k-2", s.Reserve(ctx, r2))
	must("release k-2", s.Release(ctx, r2, "RC-2026-000010", 4))
	_, _, err = s.NextNumber(ctx, 2026, "defect")
	must("next number", err)

	// A source order from the ERP (it names the customer's personal
	// manager), and a personal manager set by hand.
	_, err = s.UpsertOrder(ctx, orders.Order{
		Number: "SO-77", Customer: orders.Customer{Name: claimant.Name, Email: claimant.Email, Phone: claimant.Phone, Company: claimant.Company, TaxID: claimant.TaxID},
		DealerID: "D-100", Items: []orders.Item{{SKU: "KX-200-W", Name: "Kettle, white", Quantity: 2.5, Unit: "pcs", Price: 450000}},
		Currency: "RUB", Status: "shipped", SalesManager: "sm-1", Note: "urgent", ERPVersion: 5, CreatedBy: "integrations:erp",
		CreatedAt: at(-240 * time.Hour), UpdatedAt: at(-200 * time.Hour),
	})
	must("upsert order", err)
	must("set personal manager", s.SetPersonalManager(ctx, c2.CustomerID, "mgr-2"))

	// QR codes, one of them revoked afterwards.
	qr := []qrcode.Record{
		{ID: "Q1", Code: "c1", Kind: "serial", Model: "KX-200", ProductName: "Kettle", Series: "KX-2025", Serial: "SN-00001", BatchID: "B1",
			Note: "first run", IssuedBy: "admins:a-1", IssuedAt: at(-480 * time.Hour)},
		{ID: "Q2", Code: "c2", Kind: "model", Model: "KX-200", BatchID: "B1", IssuedBy: "admins:a-1", IssuedAt: at(-480 * time.Hour)},
	}
	must("put qr codes", s.PutQRCodes(ctx, qr))
	must("revoke qr code", s.RevokeQRCodes(ctx, qr[1:], qrcode.Revocation{Reason: "printed twice", By: "admins:a-1", At: at(-24 * time.Hour)}))

	// The catalog, the roster, a reference document, a webhook target.
	must("put category", s.PutCategory(ctx, catalog.Category{ID: "defect", Name: catalog.Text{"ru": "Брак", "en": "Defect"},
		Description: catalog.Text{"en": "Manufacturing defects"}, Order: 1, Active: true}))
	must("put type", s.PutType(ctx, catalog.Type{ID: "cosmetic", CategoryID: "defect", Name: catalog.Text{"en": "Cosmetic"},
		Instructions:    catalog.Text{"en": "Photograph it"},
		SampleDocuments: []catalog.Document{{Title: catalog.Text{"en": "Act"}, URL: "https://claims.example/act.pdf"}},
		PhotoZones: []catalog.PhotoZone{{ID: "product", Title: catalog.Text{"en": "Product"}, Hint: catalog.Text{"en": "All sides"}, Min: 1, Max: 5,
			MediaTypes: []string{"image/jpeg"}, MaxBytes: 10 << 20}},
		RequiredFields: []string{"product.serial"}, DefaultPriority: catalog.Normal, Order: 2, Active: true}))
	must("put root cause", s.PutRootCause(ctx, catalog.RootCause{ID: "rc-lid", Name: catalog.Text{"en": "Lid"}, Group: "manufacturing", Active: true}))
	must("put manager", s.PutManager(ctx, assignment.Manager{ID: "mgr-1", Name: "Maria", Email: "maria@example.com", Categories: []string{"defect"},
		ProductLines: []string{"kitchen"}, Active: true, Substitute: "mgr-2",
		Absences: []assignment.Absence{{From: "2026-04-01", To: "2026-04-14", Kind: assignment.Vacation, Note: "spring"}}}))
	_, err = s.SeedRoster(ctx, []assignment.Manager{{ID: "mgr-2", Name: "Petr", Email: "petr@example.com"}})
	must("seed roster", err)
	must("put config", s.PutConfigDoc(ctx, "calendar", []byte(`{"timezone":"Europe/Moscow"}`)))
	_, err = s.PutWebhookTarget(ctx, webhook.Target{ID: "crm", URL: "https://crm.example/hook", Events: []string{"*"}, DealerID: "D-100",
		Active: true, Description: "the dealer's CRM", UpdatedAt: at(-48 * time.Hour), UpdatedBy: "admins:a-1"})
	must("put webhook target", err)

	// In-app notes, one of them read.
	for i, recipient := range []string{"user:mgr-1", "role:supervisors"} {
		n := notify.Note{ID: notify.NoteID(at(25*time.Hour), decided.ID, recipient), Recipient: recipient, ClaimID: c1.ID,
			EventType: decided.Type, EventID: decided.ID, Title: "Решение", Text: "Заменить", TitleEN: "Decision", TextEN: "Replace", At: at(25 * time.Hour)}
		must("put note", s.PutNote(ctx, n))
		if i == 1 {
			_, err := s.MarkNoteRead(ctx, recipient, n.ID, at(26*time.Hour))
			must("mark note read", err)
		}
	}

	// Deliveries of an event: one made, one given up, one whose outcome
	// is unknown and which the next attempt took over.
	lease := func(k, attempt string) notify.Lease {
		return notify.Lease{EventID: decided.ID, Key: k, Attempt: attempt, Until: at(25*time.Hour + time.Minute)}
	}
	for _, k := range []string{"mail:claimant", "webhook:crm", "mail:assignee"} {
		_, err := s.ClaimDelivery(ctx, lease(k, "a-1"), at(25*time.Hour))
		must("claim delivery "+k, err)
	}
	must("delivery done", s.MarkDeliveryDone(ctx, lease("mail:claimant", "a-1"), at(25*time.Hour+time.Second)))
	must("delivery failed", s.ReleaseDelivery(ctx, lease("webhook:crm", "a-1"), notify.NotMade))
	must("delivery unknown", s.ReleaseDelivery(ctx, lease("mail:assignee", "a-1"), notify.Unknown))
	_, err = s.ClaimDelivery(ctx, lease("mail:assignee", "a-2"), at(25*time.Hour+2*time.Minute))
	must("take delivery over", err)
}

// volatileAttributes are the attributes writeEveryEntity leaves with the
// time of the run (the Store stamps them with the clock), by entity.
var volatileAttributes = map[string][]string{
	"config":   {"updatedAt"},
	"outbox":   {"receivedAt"},
	"delivery": {"unknownAt"},
}

// entityOf names an item's kind: its entity attribute, or for the items
// written by updates alone (counters) the start of its partition key.
func entityOf(item map[string]types.AttributeValue) string {
	if v, ok := item["entity"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	pk := item["PK"].(*types.AttributeValueMemberS).Value
	for i, r := range pk {
		if r == '#' {
			return pk[:i]
		}
	}
	return pk
}

// tableItems reads every item of the table (a test may scan; the Store
// never does), in key order.
func tableItems(t testing.TB, client *dynamodb.Client, table string) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		items = append(items, page.Items...)
	}
	sort.Slice(items, func(i, j int) bool { return itemKey(items[i]) < itemKey(items[j]) })
	return items
}

// itemKey is an item's table key as one string.
func itemKey(item map[string]types.AttributeValue) string {
	pk, _ := item["PK"].(*types.AttributeValueMemberS)
	sk, _ := item["SK"].(*types.AttributeValueMemberS)
	if pk == nil || sk == nil {
		return ""
	}
	return pk.Value + " / " + sk.Value
}

// avJSON is an attribute value in DynamoDB's JSON form ({"S": "..."},
// {"M": {...}}, ...), what fixtures of items are written in.
type avJSON struct {
	S    *string            `json:"S,omitempty"`
	N    *string            `json:"N,omitempty"`
	BOOL *bool              `json:"BOOL,omitempty"`
	NULL *bool              `json:"NULL,omitempty"`
	M    map[string]*avJSON `json:"M,omitempty"`
	L    []*avJSON          `json:"L,omitempty"`
	SS   []string           `json:"SS,omitempty"`
	NS   []string           `json:"NS,omitempty"`
}

func toAVJSON(av types.AttributeValue) *avJSON {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return &avJSON{S: &v.Value}
	case *types.AttributeValueMemberN:
		return &avJSON{N: &v.Value}
	case *types.AttributeValueMemberBOOL:
		return &avJSON{BOOL: &v.Value}
	case *types.AttributeValueMemberNULL:
		return &avJSON{NULL: &v.Value}
	case *types.AttributeValueMemberM:
		m := map[string]*avJSON{}
		for k, e := range v.Value {
			m[k] = toAVJSON(e)
		}
		return &avJSON{M: m}
	case *types.AttributeValueMemberL:
		l := make([]*avJSON, len(v.Value))
		for i, e := range v.Value {
			l[i] = toAVJSON(e)
		}
		// An empty list must stay a list: L is never omitted when set.
		return &avJSON{L: l}
	case *types.AttributeValueMemberSS:
		return &avJSON{SS: v.Value}
	case *types.AttributeValueMemberNS:
		return &avJSON{NS: v.Value}
	}
	panic(fmt.Sprintf("attribute value of type %T in a fixture", av))
}

// MarshalJSON writes an empty list or map as {"L": []} or {"M": {}}
// (omitempty would drop them).
func (a *avJSON) MarshalJSON() ([]byte, error) {
	switch {
	case a.L != nil && len(a.L) == 0:
		return []byte(`{"L":[]}`), nil
	case a.M != nil && len(a.M) == 0:
		return []byte(`{"M":{}}`), nil
	}
	type plain avJSON
	return json.Marshal((*plain)(a))
}

// UnmarshalJSON tells {"L": []} and {"M": {}} from an absent L or M.
func (a *avJSON) UnmarshalJSON(b []byte) error {
	type plain avJSON
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	if _, ok := probe["L"]; ok && a.L == nil {
		a.L = []*avJSON{}
	}
	if _, ok := probe["M"]; ok && a.M == nil {
		a.M = map[string]*avJSON{}
	}
	return nil
}

func (a *avJSON) value() types.AttributeValue {
	switch {
	case a.S != nil:
		return &types.AttributeValueMemberS{Value: *a.S}
	case a.N != nil:
		return &types.AttributeValueMemberN{Value: *a.N}
	case a.BOOL != nil:
		return &types.AttributeValueMemberBOOL{Value: *a.BOOL}
	case a.NULL != nil:
		return &types.AttributeValueMemberNULL{Value: *a.NULL}
	case a.M != nil:
		m := map[string]types.AttributeValue{}
		for k, e := range a.M {
			m[k] = e.value()
		}
		return &types.AttributeValueMemberM{Value: m}
	case a.L != nil:
		l := make([]types.AttributeValue, len(a.L))
		for i, e := range a.L {
			l[i] = e.value()
		}
		return &types.AttributeValueMemberL{Value: l}
	case a.SS != nil:
		return &types.AttributeValueMemberSS{Value: a.SS}
	case a.NS != nil:
		return &types.AttributeValueMemberNS{Value: a.NS}
	}
	panic("an attribute value of no known type in a fixture")
}

// itemsJSON writes items as a JSON list of DynamoDB JSON items, one item
// a line.
func itemsJSON(items []map[string]types.AttributeValue) ([]byte, error) {
	out := []byte("[\n")
	for i, item := range items {
		m := map[string]*avJSON{}
		for k, v := range item {
			m[k] = toAVJSON(v)
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
		if i < len(items)-1 {
			out = append(out, ',')
		}
		out = append(out, '\n')
	}
	return append(out, "]\n"...), nil
}

// parseItems reads what itemsJSON wrote.
func parseItems(b []byte) ([]map[string]types.AttributeValue, error) {
	var raw []map[string]*avJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	items := make([]map[string]types.AttributeValue, len(raw))
	for i, r := range raw {
		items[i] = map[string]types.AttributeValue{}
		for k, v := range r {
			items[i][k] = v.value()
		}
	}
	return items, nil
}

// writeFlags adds what issue #12 stores: a type with a warranty period,
// and flags on claim 2, one dismissed (their list entries move).
func writeFlags(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.PutType(ctx, catalog.Type{ID: "overheating", CategoryID: "defect", Name: catalog.Text{"en": "Overheating"},
		DefaultPriority: catalog.High, WarrantyMonths: 24, Active: true}); err != nil {
		t.Fatalf("scenario: put type: %v", err)
	}
	c, err := s.GetClaim(ctx, claims.Number(2026, 2))
	if err != nil {
		t.Fatalf("scenario: flags: %v", err)
	}
	at := scenarioAt.Add(80 * time.Hour)
	next := *c
	next.Flags = []claims.Flag{
		claims.OpenSerialFlag("SN-1", []string{claims.Number(2026, 1)}, at),
		claims.AfterWarrantyFlag("2023-01-31", 12, "2024-01-31", "2026-03-01", at),
	}
	next.Flags[1].DismissedAt, next.Flags[1].DismissedBy, next.Flags[1].DismissNote = at.Add(time.Hour), "supervisors:s-1", "receipt seen"
	ev, err := claims.Next(&next, claims.EventFlagDismissed, "supervisors:s-1", at.Add(time.Hour), nil, map[string]any{"flag": "after_warranty"})
	if err != nil {
		t.Fatalf("scenario: flags: %v", err)
	}
	if err := s.ApplyChange(ctx, &claims.Change{Claim: &next, Before: c, PrevVersion: c.Version, Event: ev}); err != nil {
		t.Fatalf("scenario: flags: %v", err)
	}
}
