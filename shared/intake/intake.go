// Package intake accepts claims from every channel (the QR form, the dealer
// cabinet, the intake API, a manager on the phone): it validates the draft
// against the catalog, checks the uploaded files, holds the request's
// idempotency key and counts its rate limits, matches or creates the
// customer profile, numbers the claim and stores it with its first history
// entry, tracking link, idempotency record and outbox event in one
// transaction, then publishes the event.
//
// A claim number is taken only for a claim that will be stored: every check
// that can refuse a submission (validation, the rate limits, an idempotent
// replay, a key reused with another body, a concurrent attempt with the same
// key) comes first, and whatever can still fail afterwards (a transaction
// conflict, throttling, the personal-manager guard) is retried with the same
// number. See Submit for what can still leave a gap.
//
// It declares the interfaces it needs (Store, Files, Publisher) and imports no
// AWS package.
//
// Layer: domain, producer.
package intake

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/workflow"
)

// Store persists claims.
type Store interface {
	// Reserve holds an idempotency key for one attempt (a fresh key, or
	// one whose holder's lease lapsed when Replaces names that holder) and
	// counts the rate limits, atomically, before the claim is numbered. It
	// returns a *KeyHeldError with the key's record when the key is held
	// or used (nothing is counted then), and apperr.RateLimited when a
	// counter is at its limit (nothing is written).
	Reserve(ctx context.Context, r *Reservation) error
	// IdempotencyRecord returns the record of a key, nil when there is none.
	IdempotencyRecord(ctx context.Context, scope, key string) (*IdempotencyRecord, error)
	// Release gives up a reservation whose claim could not be stored,
	// recording the number (and turn) it took, if any, for the next
	// attempt with the key; it does nothing when the reservation is not
	// the key's holder any more.
	Release(ctx context.Context, r *Reservation, number string, turn int64) error
	// NextNumber takes the year's next claim number and, for a non-empty
	// pool, that assignment pool's next round-robin turn, atomically.
	NextNumber(ctx context.Context, year int, pool string) (number, turn int64, err error)
	// CustomerByContact returns the customer ID an alias (e.g. "phone:+7...")
	// points to, or "" when there is none.
	CustomerByContact(ctx context.Context, contact string) (string, error)
	// CreateClaim writes everything in NewClaim atomically, the idempotency
	// record only while nc.Idempotency's owner holds it. It returns a
	// *PersonalManagerError when the assignee is the customer's personal
	// manager, an error wrapping ErrNumberTaken when the claim's number is
	// stored already, one wrapping ErrReservationLost when the key has
	// another holder, and one wrapping ErrTransient for a failure worth
	// retrying as it is (a transaction conflict, throttling, a service
	// error).
	CreateClaim(ctx context.Context, nc *NewClaim) error
	// GetClaim returns a claim (for idempotent replays); apperr.NotFound when absent.
	GetClaim(ctx context.Context, id string) (*claims.Claim, error)
	// FlagLookup finds the earlier claims a new claim's flags point to
	// (see FlagQuery), through keys and indexes only.
	FlagLookup(ctx context.Context, q FlagQuery) (*FlagFindings, error)
}

// FlagQuery is what the flags of a new claim ask of the stored claims.
type FlagQuery struct {
	// Serial asks for the open claims on the serial ("": none), newest
	// first, among the newest SerialLookback on it.
	Serial string
	// EssenceKeys ask for the latest claim filed since Since under each
	// key (claims.EssenceIndexKeys).
	EssenceKeys []string
	Since       time.Time
}

// SerialLookback bounds the claims on a serial intake looks at: the newest.
const SerialLookback = 10

// FlagFindings are the earlier claims a new claim relates to.
type FlagFindings struct {
	// OpenOnSerial are open claims on the serial, newest first.
	OpenOnSerial []string
	// SameEssence are the same claimant's claims with the same essence.
	SameEssence []string
}

// The errors of Store.CreateClaim that Submit acts on.
var (
	// ErrNumberTaken: a claim with the number exists (a lost answer to an
	// earlier attempt of this claim, or a counter behind the table).
	ErrNumberTaken = errors.New("the claim number is taken")
	// ErrReservationLost: the idempotency key has another holder.
	ErrReservationLost = errors.New("the idempotency key has another holder")
	// ErrTransient: the write may succeed if tried again as it is.
	ErrTransient = errors.New("transient storage failure")
)

// Files is where uploads go (S3).
type Files interface {
	// PresignUpload returns a browser form upload of one file.
	PresignUpload(ctx context.Context, spec UploadSpec) (*Upload, error)
	// Stat returns an uploaded object's content type, size and metadata;
	// apperr.NotFound when there is no object at key.
	Stat(ctx context.Context, key string) (*Object, error)
	// Head returns the first bytes of an object (at most n), to check what
	// the file really is.
	Head(ctx context.Context, key string, n int) ([]byte, error)
}

// UploadSpec describes a presigned upload.
type UploadSpec struct {
	Key string
	// ContentType is enforced by the policy; "" lets a plain HTML form (which
	// cannot set it) upload, and the type is then sniffed on attach.
	ContentType string
	// MinBytes and MaxBytes bound the object's size (S3's
	// content-length-range; MinBytes 0 counts as 1): a file whose size was
	// declared gets exactly that size, a plain HTML form (which cannot
	// declare it) the zone's range.
	MinBytes, MaxBytes int64
	Metadata           map[string]string
	TTL                time.Duration
	// RedirectURL, when set, is where S3 sends the browser after the upload.
	RedirectURL string
}

// Upload is a presigned browser upload.
type Upload struct {
	URL    string            `json:"url"`
	Fields map[string]string `json:"fields"`
}

// Object is an uploaded file as stored.
type Object struct {
	ContentType string
	Size        int64
	Metadata    map[string]string
}

// Publisher sends outbox events to the notification queue after commit.
type Publisher interface {
	Publish(ctx context.Context, events []events.Event) error
}

// CatalogSource returns the current catalog.
type CatalogSource interface {
	Catalog(ctx context.Context) (*catalog.Catalog, error)
}

// NewClaim is everything one intake writes (its rate limits were counted
// when its idempotency key was reserved).
type NewClaim struct {
	Claim          *claims.Claim
	Attachments    []claims.Attachment
	Event          claims.Event
	TrackingHash   string
	Customer       Customer
	ContactAliases []string
	Idempotency    *Idempotency
	Outbox         []events.Event
}

// Customer is the profile upserted with a claim.
type Customer struct {
	ID       string
	Claimant claims.Claimant
	At       time.Time
	// NotManagedBy are the personal-manager keys of the claim's assignee
	// (assignment.Roster.Keys): storing the claim fails with a
	// PersonalManagerError when the customer's personal manager is one of
	// them, checked in the same transaction, so that a personal manager
	// recorded a moment ago is respected too.
	NotManagedBy []string
}

// PersonalManagerError is CreateClaim's answer when the claim's assignee is
// the customer's personal manager.
type PersonalManagerError struct {
	Manager string
}

func (e *PersonalManagerError) Error() string {
	return "the assignee " + e.Manager + " is the customer's personal manager"
}

// Idempotency records a request key so a retry returns the same claim.
// Owner is the attempt that holds the key (Reservation.Owner).
type Idempotency struct {
	Scope, Key, BodyHash string
	Owner                string
	Expires              time.Time
}

// RateLimit is a counter that must stay at or under Limit within its window.
type RateLimit = claims.RateLimit

// Actor is who submits.
type Actor struct {
	UserID string // "" for the public form
	Role   string // "public", "dealers", "integrations", "managers", "supervisors"
}

func (a Actor) String() string {
	if a.UserID == "" {
		return "public"
	}
	return a.Role + ":" + a.UserID
}

// AttachmentRef names an upload to attach, in a photo zone.
type AttachmentRef struct {
	Zone     string `json:"zone"`
	UploadID string `json:"uploadId"`
}

// Submission is one claim to accept.
type Submission struct {
	Draft       claims.Draft
	Attachments []AttachmentRef
	Actor       Actor
	// UploadScope is who may attach an upload: uploads are stored under a
	// prefix derived from it (the form's token, or the signed-in user).
	UploadScope string
	Idempotency *IdempotencyKey
	// RateLimits are counted per clock hour (the public channel limits per
	// client address and per QR code).
	RateLimits []RateLimitKey
	// AllowMissingPhotos accepts a claim whose photo zones are short of files
	// (the form without JavaScript); the claim lists them as MissingZones.
	AllowMissingPhotos bool
	// BaseURL is the public site, for links in messages.
	BaseURL string
}

// RateLimitKey is a counter key with its hourly limit.
type RateLimitKey struct {
	Key     string
	PerHour int
}

// IdempotencyKey is a client's key for a request and the hash of its body.
type IdempotencyKey struct {
	Scope, Key, BodyHash string
}

// Result is an accepted claim.
type Result struct {
	Claim         *claims.Claim
	TrackingToken string
	// Created is false when an idempotent retry returned an existing claim.
	Created bool
}

// Config wires a Service. Store, Files, Catalog, Publisher and Keys are
// required; Roster and SLA are optional (nil switches assignment or the
// SLA clocks off); the rest have defaults.
type Config struct {
	Store     Store
	Files     Files
	Catalog   CatalogSource
	Publisher Publisher
	Keys      *keys.Keys
	// Workflow sets up a new claim's stage (tasks, due time; default
	// workflow.DefaultConfig).
	Workflow *workflow.Config
	// Roster assigns new claims (optional; nil: claims stay unassigned).
	Roster Roster
	// SLA starts the claims' service-level clocks (optional; nil: none are
	// kept).
	SLA sla.Source
	// Location is the company's time zone: absences are calendar days
	// there (default UTC).
	Location *time.Location
	Now      func() time.Time
	// Sleep waits d or until ctx ends (nil: a timer); tests move a fake
	// clock instead.
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
}

// Roster gives the current roster of claims managers (cached by the caller).
type Roster = cache.Getter[*assignment.Roster]

// Service accepts claims.
type Service struct {
	cfg Config
}

// New returns a Service. It returns an Internal error naming each required
// dependency cfg lacks (a typed nil counts as none).
func New(cfg Config) (*Service, error) {
	if err := deps.Check("intake", deps.Need("Store", cfg.Store), deps.Need("Files", cfg.Files), deps.Need("Catalog", cfg.Catalog),
		deps.Need("Publisher", cfg.Publisher), deps.Need("Keys", cfg.Keys)); err != nil {
		return nil, err
	}
	cfg.Roster, cfg.SLA = deps.Optional(cfg.Roster), deps.Optional(cfg.SLA)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workflow == nil {
		cfg.Workflow = workflow.DefaultConfig()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	return &Service{cfg: cfg}, nil
}

// UploadTTL is how long a presigned upload stays valid.
const UploadTTL = 30 * time.Minute

// UploadRequest asks to upload one file for a claim being filed (or
// added to a filed claim).
type UploadRequest struct {
	Scope string `json:"-"`
	// Filed is set for a file of a claim already filed: its type counts even
	// if it was retired from the catalog since.
	Filed       bool   `json:"-"`
	TypeID      string `json:"typeId"`
	Zone        string `json:"zone"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// UploadTicket is a presigned upload.
type UploadTicket struct {
	UploadID string            `json:"uploadId"`
	URL      string            `json:"url"`
	Fields   map[string]string `json:"fields"`
	// MaxBytes is the size S3 accepts: exactly the declared size.
	MaxBytes  int64     `json:"maxBytes"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// PresignUpload checks the file against the type's photo zone and returns a
// presigned upload of exactly the declared size. Errors are Invalid (naming
// the field), UnsupportedMedia, TooLarge or Internal.
func (s *Service) PresignUpload(ctx context.Context, r UploadRequest) (*UploadTicket, error) {
	cat, err := s.cfg.Catalog.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("presign upload: %w", err)
	}
	if !r.Filed {
		cat = cat.Active()
	}
	t, ok := cat.Type(r.TypeID)
	if !ok {
		return nil, apperr.InvalidField("typeId", "unknown type")
	}
	zone, ok := t.Zone(r.Zone)
	if !ok {
		return nil, apperr.InvalidField("zone", "this type has no such photo zone")
	}
	ct := strings.ToLower(strings.TrimSpace(r.ContentType))
	if !zoneAccepts(zone, ct) {
		return nil, &apperr.Error{Code: apperr.UnsupportedMedia, Message: "this file type is not accepted here",
			Fields: []apperr.FieldError{{Field: "contentType", Message: "one of " + strings.Join(zone.MediaTypes, ", ")}}}
	}
	if r.Size <= 0 {
		return nil, apperr.InvalidField("size", "the file is empty")
	}
	if r.Size > zone.MaxBytes {
		return nil, &apperr.Error{Code: apperr.TooLarge, Message: "the file is too large",
			Fields: []apperr.FieldError{{Field: "size", Message: fmt.Sprintf("at most %d bytes", zone.MaxBytes)}}}
	}
	name := SafeFileName(r.FileName, ct)
	id, err := newUploadID()
	if err != nil {
		return nil, err
	}
	// The policy admits exactly the declared size, not the zone's maximum:
	// the browser sends File.size and an API client has its file in hand, so
	// the file that arrives is the one that was checked here, and a ticket
	// cannot carry another (larger, or truncated) object.
	up, err := s.cfg.Files.PresignUpload(ctx, UploadSpec{Key: UploadKey(r.Scope, id), ContentType: ct, MinBytes: r.Size, MaxBytes: r.Size,
		Metadata: map[string]string{"filename": name, "zone": zone.ID}, TTL: UploadTTL})
	if err != nil {
		return nil, fmt.Errorf("presign upload: %w", err)
	}
	return &UploadTicket{UploadID: id, URL: up.URL, Fields: up.Fields, MaxBytes: r.Size, ExpiresAt: s.cfg.Now().Add(UploadTTL).UTC()}, nil
}

// UploadKey is where an upload of a scope lives: the scope is hashed so keys
// reveal nothing, and an upload ID is only usable by the scope that got it.
func UploadKey(scope, uploadID string) string {
	sum := sha256.Sum256([]byte(scope))
	return "uploads/" + hex.EncodeToString(sum[:12]) + "/" + uploadID
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

func newUploadID() (string, error) {
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random upload id: %w", err)
	}
	return idEncoding.EncodeToString(b[:]), nil
}

// ValidUploadID reports whether s has the shape of an upload ID.
func ValidUploadID(s string) bool {
	if len(s) != 24 {
		return false
	}
	_, err := idEncoding.DecodeString(s)
	return err == nil
}

// SafeFileName keeps a file name displayable and harmless: no path, no
// control characters, at most 100 characters, an extension matching the type.
func SafeFileName(name, contentType string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	// CleanText drops the bidirectional controls that would let
	// "invoice\u202Efdp.exe" show as "invoiceexe.pdf", and other invisible
	// characters; a file name keeps no line breaks, tabs or shell and path
	// punctuation either.
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`"<>|:*?`, r) {
			return -1
		}
		return r
	}, claims.CleanText(name))
	if name == "" || name == "." || name == ".." || name == "/" {
		name = "file"
	}
	// A file saved under another type's extension opens in another program
	// (a PDF saved as .html is rendered as a page).
	if exts := fileExtensions[strings.ToLower(contentType)]; len(exts) > 0 &&
		!slices.Contains(exts, strings.ToLower(path.Ext(name))) {
		name += exts[0]
	}
	if r := []rune(name); len(r) > 100 {
		name = string(r[len(r)-100:])
	}
	return name
}

// fileExtensions are the extensions of the media types claims accept, the
// usual one first.
var fileExtensions = map[string][]string{
	"image/jpeg":      {".jpg", ".jpeg", ".jpe", ".jfif"},
	"image/png":       {".png"},
	"image/webp":      {".webp"},
	"image/heic":      {".heic", ".heif"},
	"image/heif":      {".heif", ".heic"},
	"video/mp4":       {".mp4", ".m4v"},
	"video/quicktime": {".mov", ".qt"},
	"video/webm":      {".webm"},
	"application/pdf": {".pdf"},
}

// zoneAccepts reports whether a zone takes a media type, allowing the
// aliases SameMedia allows: a HEIF photo whose brand is "mif1" is as
// welcome as one branded "heic".
func zoneAccepts(zone catalog.PhotoZone, mediaType string) bool {
	if zone.Accepts(mediaType) {
		return true
	}
	mediaType = strings.ToLower(mediaType)
	for _, mt := range zone.MediaTypes {
		if SameMedia(mt, mediaType) {
			return true
		}
	}
	return false
}

// Submit accepts a claim. It returns Invalid errors naming every failing
// field, RateLimited when a limit is reached, Unprocessable when an
// idempotency key is reused with another body, the existing claim (Created
// false) when it is reused with the same body (waiting for a concurrent
// attempt with the key to finish, or Conflict with a retry time when it
// takes too long), and the claim it stored otherwise.
//
// The number is taken only once nothing can refuse the claim any more, and
// every failure after it is retried with the same number, so numbers stay
// contiguous. A gap is still possible when the process dies (or DynamoDB
// stays unavailable) between the counter update and the claim's
// transaction: the counter is an atomic ADD on its own item, and
// DynamoDB's transactions cannot return the value they write, so the
// number cannot be taken inside the claim's transaction (a read-then-
// conditional-write counter would, but serialises every intake on one
// item). With an Idempotency-Key a number that could not be used is kept
// on the key's record and used by the client's retry.
func (s *Service) Submit(ctx context.Context, sub Submission) (*Result, error) {
	now := s.cfg.Now().UTC()
	d := sub.Draft
	fields := d.Normalize()
	cat, err := s.cfg.Catalog.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("submit claim: %w", err)
	}
	fields = append(fields, d.Validate(cat, now)...)
	var typ *catalog.Type
	if t, ok := cat.Active().Type(d.TypeID); ok && t.CategoryID == d.CategoryID {
		typ = t
	}
	var attachments []claims.Attachment
	var missing []string
	if typ != nil {
		var af []apperr.FieldError
		attachments, missing, af = s.checkAttachments(ctx, typ, sub, now)
		fields = append(fields, af...)
	}
	if err := apperr.Validation(fields); err != nil {
		return nil, err
	}

	// The flags' lookups (reads only) run while the key is held and the
	// claim numbered.
	flagged := make(chan []claims.Flag, 1)
	go func() { flagged <- s.flags(ctx, d, typ, now) }()
	// The key and the rate limits before the number: a replay, a refusal
	// or a concurrent attempt takes none.
	r, replay, err := s.reserve(ctx, sub, now)
	if err != nil || replay != nil {
		return replay, err
	}
	res, number, turn, err := s.store(ctx, sub, d, typ, attachments, missing, r, flagged, now)
	if err != nil && r.Key != nil {
		// The client's retry with the key takes over and reuses the number.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if rerr := s.cfg.Store.Release(rctx, r, number, turn); rerr != nil {
			s.cfg.Logger.WarnContext(ctx, "release idempotency key", "key", r.Key.Key, "claimId", number, "error", rerr.Error())
		}
		cancel()
	}
	return res, err
}

// store numbers and stores a claim that passed every check, with the
// flags flagged delivers; the number (and turn) it took are returned with
// a failure.
func (s *Service) store(ctx context.Context, sub Submission, d claims.Draft, typ *catalog.Type, attachments []claims.Attachment, missing []string, r *Reservation,
	flagged <-chan []claims.Flag, now time.Time) (*Result, string, int64, error) {
	customerKey := d.Claimant.CustomerKey()
	customerID := CustomerID(customerKey)
	var aliases []string
	switch {
	case d.Claimant.Email != "" && d.Claimant.Phone != "":
		aliases = append(aliases, "phone:"+d.Claimant.Phone)
	case d.Claimant.Email == "":
		// A phone-only claimant may be a customer first known by email.
		known, err := s.cfg.Store.CustomerByContact(ctx, "phone:"+d.Claimant.Phone)
		if err != nil {
			return nil, r.Number, r.Turn, fmt.Errorf("submit claim: %w", err)
		}
		if known != "" {
			customerID = known
		}
	}

	roster := cache.OrZero(ctx, s.cfg.Roster, s.cfg.Logger, "the claim stays unassigned")
	engine := cache.OrZero(ctx, s.cfg.SLA, s.cfg.Logger, "the claim gets no SLA clocks")
	c := &claims.Claim{
		Channel:       d.Channel,
		Claimant:      d.Claimant,
		CustomerID:    customerID,
		DealerID:      d.DealerID,
		Product:       d.Product,
		Order:         d.Order,
		CategoryID:    d.CategoryID,
		TypeID:        d.TypeID,
		Essence:       d.Essence,
		DesiredResult: d.DesiredResult,
		DesiredFix:    d.DesiredFix,
		Priority:      typ.DefaultPriority,
		Stage:         claims.StageNew,
		Language:      d.Language,
		QRCode:        d.QRCode,
		MissingZones:  missing,
		CreatedBy:     sub.Actor.String(),
		CreatedAt:     now,
		UpdatedAt:     now,
		Version:       1,
	}
	if d.Priority != "" {
		c.Priority = d.Priority
	}
	pool := ""
	if roster != nil {
		pool = roster.TurnKey(c)
	}
	// A number an earlier attempt with the key took but could not use.
	c.ID = r.Number
	turn := r.Turn
	p := pending{sub: sub, attachments: attachments, customerID: customerID, aliases: aliases, now: now, engine: engine, key: r.Key}
	var exclude []string
	for attempt := 1; ; attempt++ {
		if c.ID == "" {
			n, t, err := s.cfg.Store.NextNumber(ctx, now.Year(), pool)
			if err != nil {
				return nil, "", 0, fmt.Errorf("submit claim: %w", err)
			}
			c.ID, turn = claims.Number(now.Year(), n), t
		}
		if flagged != nil {
			c.Flags, flagged = <-flagged, nil
		}
		p.token, p.turn = s.cfg.Keys.TrackingToken(c.ID), turn
		nc, err := s.prepare(c, roster, exclude, p)
		if err != nil {
			return nil, c.ID, turn, err
		}
		err = s.cfg.Store.CreateClaim(ctx, nc)
		var pm *PersonalManagerError
		switch {
		case err == nil:
		case errors.As(err, &pm) && len(exclude) < 3:
			// The customer's personal manager (perhaps recorded a moment
			// ago) came up: the turn passes to the next manager.
			exclude = append(exclude, pm.Manager)
			continue
		case errors.Is(err, ErrNumberTaken) && attempt < maxStoreAttempts:
			if s.storedBefore(ctx, nc) {
				// An earlier attempt was stored; its answer was lost.
				break
			}
			// The counter is behind the stored claims (a restored table):
			// the next number.
			s.cfg.Logger.WarnContext(ctx, "claim number already taken; taking the next", "claimId", c.ID)
			c.ID = ""
			continue
		case errors.Is(err, ErrTransient) && attempt < maxStoreAttempts:
			// The same number again, after a pause.
			if werr := s.cfg.Sleep(ctx, retryPause(attempt)); werr != nil {
				return nil, c.ID, turn, fmt.Errorf("submit claim %s: %w", c.ID, err)
			}
			continue
		case errors.Is(err, ErrReservationLost):
			// Our lease lapsed and another attempt with the key holds it:
			// that one numbers and stores the claim.
			return nil, "", 0, &apperr.Error{Code: apperr.Conflict, Message: "another request with this Idempotency-Key is being processed; retry shortly",
				RetryAfter: time.Second}
		default:
			return nil, c.ID, turn, fmt.Errorf("submit claim %s: %w", c.ID, err)
		}
		c = nc.Claim
		if err := s.cfg.Publisher.Publish(ctx, nc.Outbox); err != nil {
			// The event is in the outbox; the relay publishes it later.
			s.cfg.Logger.WarnContext(ctx, "publish after commit failed; the outbox relay will retry", "claimId", c.ID, "error", err.Error())
		}
		s.cfg.Logger.InfoContext(ctx, "claim received", "claimId", c.ID, "channel", string(c.Channel), "attachments", len(attachments), "assignee", c.Assignee,
			"flags", len(c.Flags))
		return &Result{Claim: c, TrackingToken: p.token, Created: true}, "", 0, nil
	}
}

// maxStoreAttempts bounds the attempts to store one claim.
const maxStoreAttempts = 6

// retryPause is the pause before the next attempt to store a claim:
// 50 ms, 100 ms, ... at most 800 ms.
func retryPause(attempt int) time.Duration {
	return min(50*time.Millisecond<<(attempt-1), 800*time.Millisecond)
}

// storedBefore reports whether the claim stored under nc's number is nc's
// own (an earlier attempt whose answer was lost): its first history entry,
// sealed over the same content and time, is the same (or, once a record
// such as the claim's document followed it, the claim was created at the
// same instant under this attempt's number).
func (s *Service) storedBefore(ctx context.Context, nc *NewClaim) bool {
	c, err := s.cfg.Store.GetClaim(ctx, nc.Claim.ID)
	if err != nil || c.Version != 1 {
		return false
	}
	return c.HistoryHash == nc.Event.Hash || c.HistoryHead() > 1 && c.CreatedAt.Equal(nc.Claim.CreatedAt) && c.CreatedBy == nc.Claim.CreatedBy
}

// pending is what Submit found out about a claim before storing it.
type pending struct {
	sub         Submission
	attachments []claims.Attachment
	customerID  string
	aliases     []string
	token       string
	// key is the reserved idempotency key (nil: none).
	key *Idempotency
	// turn is the claim's round-robin turn in its assignment pool.
	turn int64
	now  time.Time
	// engine starts the claim's SLA clocks (nil: none).
	engine *sla.Engine
}

// prepare assigns a copy of the new claim (skipping the managers in
// exclude) and builds everything storing it writes: the first history entry
// (with the assignment and its reason), the stage's tasks, the outbox event.
func (s *Service) prepare(base *claims.Claim, roster *assignment.Roster, exclude []string, p pending) (*NewClaim, error) {
	c := *base
	sub, attachments, now := p.sub, p.attachments, p.now
	after := map[string]any{
		"stage": string(c.Stage), "channel": string(c.Channel), "priority": string(c.Priority),
		"categoryId": c.CategoryID, "typeId": c.TypeID, "attachments": len(attachments),
	}
	var notManagedBy []string
	if roster != nil {
		res, err := roster.Assign(&c, p.turn, now.In(s.cfg.Location), exclude)
		switch {
		case err == nil:
			c.Assignee = res.Assignee
			after["assignee"], after["assignment"] = res.Assignee, res.Reason
			if len(res.Chain) > 0 {
				after["substituteChain"] = res.Chain
			}
			notManagedBy = roster.Keys(res.Assignee)
		case assignment.IsUnassigned(err):
			after["assignment"] = err.Error()
		default:
			return nil, err
		}
	}
	if len(c.Flags) > 0 {
		kinds := make([]string, len(c.Flags))
		for i, f := range c.Flags {
			kinds[i] = string(f.Kind)
		}
		after["flags"] = kinds
	}
	ev := claims.Event{Seq: 1, Type: claims.EventCreated, Actor: c.CreatedBy, At: now, After: after}
	if err := ev.Seal(""); err != nil {
		return nil, err
	}
	c.HistoryHash, c.HistorySeq = ev.Hash, ev.Seq
	s.cfg.Workflow.Start(&c, now)
	if p.engine != nil {
		p.engine.Start(&c, now)
	}
	received, err := events.New(c.ID, c.CreatedBy, now, events.Received{
		Number: c.ID, Channel: string(c.Channel), ClaimantName: c.Claimant.Name, Email: c.Claimant.Email,
		Language: c.Language, BaseURL: sub.BaseURL, DealerID: c.DealerID, CategoryID: c.CategoryID,
		TypeID: c.TypeID, ProductModel: c.Product.Model, Assignee: c.Assignee,
	})
	if err != nil {
		return nil, err
	}
	nc := &NewClaim{
		Claim:          &c,
		Attachments:    append([]claims.Attachment(nil), attachments...),
		Event:          ev,
		TrackingHash:   keys.TrackingHash(p.token),
		Customer:       Customer{ID: p.customerID, Claimant: c.Claimant, At: now, NotManagedBy: notManagedBy},
		ContactAliases: p.aliases,
		Outbox:         []events.Event{received},
	}
	for i := range nc.Attachments {
		nc.Attachments[i].UploadedBy = c.CreatedBy
	}
	if p.key != nil {
		k := *p.key
		nc.Idempotency = &k
	}
	return nc, nil
}

// checkAttachments verifies each referenced upload: it exists under the
// submitter's scope, its zone belongs to the type, its type and size fit the
// zone; and each zone has between Min and Max files.
func (s *Service) checkAttachments(ctx context.Context, t *catalog.Type, sub Submission, now time.Time) ([]claims.Attachment, []string, []apperr.FieldError) {
	var f []apperr.FieldError
	var out []claims.Attachment
	counts := map[string]int{}
	seen := map[string]bool{}
	for i, ref := range sub.Attachments {
		field := fmt.Sprintf("attachments[%d]", i)
		zone, ok := t.Zone(ref.Zone)
		if !ok {
			f = append(f, apperr.FieldError{Field: field + ".zone", Message: "this type has no such photo zone"})
			continue
		}
		if !ValidUploadID(ref.UploadID) || seen[ref.UploadID] {
			f = append(f, apperr.FieldError{Field: field + ".uploadId", Message: "not an upload of this form (or attached twice)"})
			continue
		}
		seen[ref.UploadID] = true
		a, fe := s.verifyUpload(ctx, zone, UploadKey(sub.UploadScope, ref.UploadID), ref.UploadID, now)
		if fe != nil {
			fe.Field = field + fe.Field
			f = append(f, *fe)
			continue
		}
		counts[zone.ID]++
		out = append(out, *a)
	}
	var missing []string
	for _, z := range t.PhotoZones {
		switch n := counts[z.ID]; {
		case n < z.Min && sub.AllowMissingPhotos:
			missing = append(missing, z.ID)
		case n < z.Min:
			f = append(f, apperr.FieldError{Field: "attachments." + z.ID, Message: fmt.Sprintf("at least %d file(s) required", z.Min)})
		case n > z.Max:
			f = append(f, apperr.FieldError{Field: "attachments." + z.ID, Message: fmt.Sprintf("at most %d file(s)", z.Max)})
		}
	}
	return out, missing, f
}

// CustomerID derives a customer's ID from their contact key, so the same
// email (or phone) always maps to the same profile without a lookup.
func CustomerID(contactKey string) string {
	sum := sha256.Sum256([]byte(contactKey))
	return "CUS-" + strings.ToUpper(idEncoding.EncodeToString(sum[:8]))
}

// BodyHash is the idempotency fingerprint of a request body.
func BodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// verifyUpload checks an uploaded object against its zone: it exists, its
// size fits, and its content — sniffed from the first bytes, not taken from
// what the browser declared — is a media type the zone accepts. The field of
// a returned error is relative (".uploadId", "").
func (s *Service) verifyUpload(ctx context.Context, zone catalog.PhotoZone, key, uploadID string, now time.Time) (*claims.Attachment, *apperr.FieldError) {
	obj, err := s.cfg.Files.Stat(ctx, key)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, &apperr.FieldError{Field: ".uploadId", Message: "no such upload (it may have expired or failed)"}
		}
		s.cfg.Logger.ErrorContext(ctx, "stat upload", "key", key, "error", err.Error())
		return nil, &apperr.FieldError{Field: ".uploadId", Message: "the upload could not be checked, try again"}
	}
	if obj.Size > zone.MaxBytes || obj.Size == 0 {
		return nil, &apperr.FieldError{Field: "", Message: fmt.Sprintf("file size must be 1..%d bytes", zone.MaxBytes)}
	}
	head, err := s.cfg.Files.Head(ctx, key, SniffLen)
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "read upload", "key", key, "error", err.Error())
		return nil, &apperr.FieldError{Field: ".uploadId", Message: "the upload could not be checked, try again"}
	}
	actual := Sniff(head)
	declared := strings.ToLower(obj.ContentType)
	if declared != "" && declared != "binary/octet-stream" && declared != "application/octet-stream" && !SameMedia(declared, actual) {
		return nil, &apperr.FieldError{Field: "", Message: "the file's content is " + actual + ", not " + declared}
	}
	if !zoneAccepts(zone, actual) {
		return nil, &apperr.FieldError{Field: "", Message: "file type " + actual + " is not accepted in " + zone.ID}
	}
	name := obj.Metadata["filename"]
	if name == "" {
		name = "file"
	}
	return &claims.Attachment{ID: uploadID, Zone: zone.ID, Key: key, FileName: name, ContentType: actual, Size: obj.Size, UploadedAt: now}, nil
}
