// Package claimdocs is the claim's generated documents: which documents a
// change of a claim calls for (the claim's PDF when the claim is registered
// and when its content is edited, the decision letter when it reaches
// implementation or is rejected), filling them from the claim, its source
// order and the company's details, rendering them (package documents), and
// keeping each with the claim: the PDF in the private bucket next to the
// uploads, a record, and an entry on the claim's history. It also fills the
// TORG-2 act from what the receiving side sends (Torg2).
//
// Generating is idempotent: a document made for an event has an ID derived
// from the event's, so a redelivered event finds it made. A document never
// replaces another: each generation is a new version, the older ones stay.
//
// It declares the storage and file interfaces it needs and imports no AWS
// package.
//
// Layer: domain, consumer.
package claimdocs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/documents"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/workflow"
)

// Store reads claims and keeps their documents.
type Store interface {
	// ClaimDetail returns apperr.NotFound for an unknown claim.
	ClaimDetail(ctx context.Context, id string) (*registry.Detail, error)
	// AddDocument stores a document with its history entry, advancing the
	// claim's history head from prevHead: a Conflict with Details
	// "document" when the document exists, another Conflict when the
	// history moved on.
	AddDocument(ctx context.Context, claimID string, prevHead int, entry claims.Event, d claims.Document) error
	// Document returns apperr.NotFound when the claim has no such document.
	Document(ctx context.Context, claimID, id string) (*claims.Document, error)
	// Order returns apperr.NotFound for an unknown order.
	Order(ctx context.Context, number string) (*orders.Order, error)
	// ConfigDoc returns apperr.NotFound when the document is not there.
	ConfigDoc(ctx context.Context, name string) ([]byte, error)
}

// Files keeps the documents' files.
type Files interface {
	// PutFile stores body under key.
	PutFile(ctx context.Context, key, contentType string, body []byte) error
	// ReadFile returns a file, refusing one larger than limit bytes.
	ReadFile(ctx context.Context, key string, limit int64) ([]byte, error)
}

// Managers names the claims managers (for the decision letter's signature).
type Managers interface {
	ManagerByID(ctx context.Context, id string) (*assignment.Manager, error)
}

// CompanyDoc is the name of the reference document with the company's
// details (documents.Company as JSON).
const CompanyDoc = "company"

// ContentType is the type of every generated document.
const ContentType = "application/pdf"

// MaxDocumentBytes bounds a generated document read back (a mail
// attachment).
const MaxDocumentBytes = 20 << 20

// Config wires a Service. Store, Files and Catalog are required.
type Config struct {
	Store   Store
	Files   Files
	Catalog catalog.Source
	// Keys make the tracking link of the claimant's copy (optional: no QR
	// code without them).
	Keys *keys.Keys
	// PublicBaseURL is the site of the tracking pages (PUBLIC_BASE_URL).
	PublicBaseURL string
	// Location is the company's time zone (default UTC).
	Location *time.Location
	// Managers name the manager under a letter (optional).
	Managers Managers
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service generates and keeps the claims' documents.
type Service struct{ cfg Config }

// New returns a Service; an Internal error names what cfg lacks.
func New(cfg Config) (*Service, error) {
	if err := deps.Check("claimdocs", deps.Need("Store", cfg.Store), deps.Need("Files", cfg.Files), deps.Need("Catalog", cfg.Catalog)); err != nil {
		return nil, err
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg}, nil
}

// Kinds returns the documents event e calls for, in the order they are
// made:
//
//	claim.received        the claim's PDF: the claimant's copy and the internal copy
//	claim.updated         the same, when a field the PDF shows was edited
//	claim.stage_changed   the decision letter, on entering implementation or rejected
//
// It returns an Invalid error for event data that cannot be read.
func (s *Service) Kinds(e events.Event) ([]claims.DocumentKind, error) {
	switch e.Type {
	case events.ClaimReceived:
		return []claims.DocumentKind{claims.DocClaim, claims.DocClaimInternal}, nil
	case events.Updated:
		var u events.Update
		if err := decode(e, &u); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(u.Fields, func(f string) bool { return f != "priority" }) {
			return []claims.DocumentKind{claims.DocClaim, claims.DocClaimInternal}, nil
		}
	case events.StageChanged:
		var c events.StageChange
		if err := decode(e, &c); err != nil {
			return nil, err
		}
		if LetterStage(claims.Stage(c.To)) {
			return []claims.DocumentKind{claims.DocDecisionLetter}, nil
		}
	}
	return nil, nil
}

// LetterStage reports whether entering stage sends the claimant the
// decision letter.
func LetterStage(st claims.Stage) bool {
	return st == workflow.Implementation || st == workflow.Rejected
}

func decode(e events.Event, p events.Payload) error {
	if len(e.Data) == 0 {
		return apperr.InvalidField("data", "a "+e.Type+" event needs data")
	}
	if err := e.Decode(p); err != nil {
		return apperr.InvalidField("data", err.Error())
	}
	return nil
}

// EventDocumentID is the ID of the document of kind made for event e.
func EventDocumentID(e events.Event, kind claims.DocumentKind) string {
	return e.ID + "-" + string(kind)
}

// documentKey is where a document's file is kept in the bucket.
func documentKey(claimID, id string) string {
	return "documents/" + claimID + "/" + id + ".pdf"
}

// Make makes the document of kind that event e calls for, once: when it
// was made before (a redelivery), it returns that one. Errors: NotFound
// for an unknown claim, Invalid for a kind the event does not call for,
// and the store's, the files' and the renderer's errors.
func (s *Service) Make(ctx context.Context, e events.Event, kind claims.DocumentKind) (*claims.Document, error) {
	id := EventDocumentID(e, kind)
	if d, err := s.cfg.Store.Document(ctx, e.ClaimID, id); err == nil {
		return d, nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	detail, err := s.cfg.Store.ClaimDetail(ctx, e.ClaimID)
	if err != nil {
		return nil, fmt.Errorf("document %s: %w", id, err)
	}
	var base string
	if e.Type == events.ClaimReceived {
		var r events.Received
		if err := decode(e, &r); err != nil {
			return nil, err
		}
		base = r.BaseURL
	}
	var pdf []byte
	var title string
	lang := detail.Claim.Language
	switch kind {
	case claims.DocClaim, claims.DocClaimInternal:
		sheet, err := s.claimSheet(ctx, detail, kind == claims.DocClaimInternal, base, version(detail.Documents, kind))
		if err != nil {
			return nil, err
		}
		title = sheetTitle(sheet)
		pdf, err = documents.RenderClaimSheet(*sheet)
		if err != nil {
			return nil, fmt.Errorf("render %s of claim %s: %w", kind, e.ClaimID, err)
		}
	case claims.DocDecisionLetter:
		var change events.StageChange
		if e.Type == events.StageChanged {
			if err := decode(e, &change); err != nil {
				return nil, err
			}
		}
		letter, err := s.letter(ctx, detail, e.At, change.Reason)
		if err != nil {
			return nil, err
		}
		title = text(lang, "Решение по рекламации ", "Decision on claim ") + detail.Claim.ID
		pdf, err = documents.RenderDecisionLetter(*letter)
		if err != nil {
			return nil, fmt.Errorf("render the decision letter of claim %s: %w", e.ClaimID, err)
		}
	default:
		return nil, apperr.InvalidField("kind", fmt.Sprintf("%s is not made from events", kind))
	}
	audience := claims.ForClaimant
	if kind == claims.DocClaimInternal {
		audience = claims.ForStaff
	}
	d := claims.Document{
		ID: id, Kind: kind, Title: title, Language: lang, Audience: audience, ContentType: ContentType, Size: int64(len(pdf)),
		Pages: pages(pdf), Key: documentKey(e.ClaimID, id), CreatedAt: s.cfg.Now().UTC(), CreatedBy: "system", Source: e.ID,
	}
	return s.keep(ctx, detail, d, pdf)
}

// keep stores a rendered document: the file first, then its record and
// history entry; a lost race with another change of the history is tried
// again on the claim read anew. A document already there (made by another
// attempt) is returned as it is.
func (s *Service) keep(ctx context.Context, detail *registry.Detail, d claims.Document, pdf []byte) (*claims.Document, error) {
	if err := s.cfg.Files.PutFile(ctx, d.Key, d.ContentType, pdf); err != nil {
		return nil, fmt.Errorf("store document %s of claim %s: %w", d.ID, detail.Claim.ID, err)
	}
	const attempts = 5
	for attempt := 1; ; attempt++ {
		d.Version = version(detail.Documents, d.Kind)
		d.FileName = fileName(detail.Claim.ID, d.Kind, d.Version)
		c := detail.Claim
		prev := c.HistoryHead()
		entry, err := claims.Record(&c, claims.EventDocumentGenerated, d.CreatedBy, d.CreatedAt, nil, map[string]any{
			"document": d.ID, "kind": string(d.Kind), "title": d.Title, "version": d.Version, "audience": d.Audience,
			"fileName": d.FileName, "size": d.Size,
		})
		if err != nil {
			return nil, err
		}
		err = s.cfg.Store.AddDocument(ctx, c.ID, prev, entry, d)
		switch {
		case err == nil:
			s.cfg.Logger.InfoContext(ctx, "document generated", "claimId", c.ID, "document", d.ID, "kind", string(d.Kind), "version", d.Version, "bytes", d.Size)
			return &d, nil
		case exists(err):
			return s.cfg.Store.Document(ctx, c.ID, d.ID)
		case !apperr.Is(err, apperr.Conflict) || attempt >= attempts:
			return nil, fmt.Errorf("keep document %s of claim %s: %w", d.ID, c.ID, err)
		}
		if detail, err = s.cfg.Store.ClaimDetail(ctx, c.ID); err != nil {
			return nil, fmt.Errorf("keep document %s: %w", d.ID, err)
		}
	}
}

// exists reports the Conflict of a document already stored.
func exists(err error) bool {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return false
	}
	_, ok := e.Details["document"]
	return ok
}

// version is the version the next document of kind gets.
func version(ds []claims.Document, kind claims.DocumentKind) int {
	n := 1
	for _, d := range ds {
		if d.Kind == kind {
			n++
		}
	}
	return n
}

// fileName is what a document downloads as: RC-2026-000123-claim-v2.pdf.
func fileName(claimID string, kind claims.DocumentKind, v int) string {
	return fmt.Sprintf("%s-%s-v%d.pdf", claimID, kind, v)
}

// Content returns a document's file.
func (s *Service) Content(ctx context.Context, d *claims.Document) ([]byte, error) {
	b, err := s.cfg.Files.ReadFile(ctx, d.Key, MaxDocumentBytes)
	if err != nil {
		return nil, fmt.Errorf("read document %s: %w", d.ID, err)
	}
	return b, nil
}

// company returns the company's details (the reference document
// CompanyDoc); without one, documents carry only what the claim has.
func (s *Service) company(ctx context.Context) (documents.Company, error) {
	var c documents.Company
	b, err := s.cfg.Store.ConfigDoc(ctx, CompanyDoc)
	switch {
	case apperr.Is(err, apperr.NotFound):
		s.cfg.Logger.WarnContext(ctx, "the company's details are not set (PUT /v1/admin/company): documents go without them")
		return c, nil
	case err != nil:
		return c, fmt.Errorf("company details: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("company details: %w", err)
	}
	return c, nil
}

// trackingURL is the claimant's link to the claim ("" without the keys or
// a site).
func (s *Service) trackingURL(base, claimID string) string {
	if base == "" {
		base = s.cfg.PublicBaseURL
	}
	if base == "" || s.cfg.Keys == nil {
		return ""
	}
	return strings.TrimRight(base, "/") + "/t/" + s.cfg.Keys.TrackingToken(claimID)
}

var pageCount = lazyre.New(`/Count (\d+)`)

// pages reads a PDF's page count from its page tree (0 when it cannot).
func pages(pdf []byte) int {
	n := 0
	for _, m := range pageCount.FindAllSubmatch(pdf, -1) {
		if v, err := strconv.Atoi(string(m[1])); err == nil && v > n {
			n = v
		}
	}
	return n
}

// text picks the Russian or the English text.
func text(lang, ru, en string) string {
	if lang == "en" {
		return en
	}
	return ru
}
