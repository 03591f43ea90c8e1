// Package chat is the conversation of a claim between its claimant (the
// customer through the tracking link, the dealer through the cabinet) and
// the claims department (the claim's manager, supervisors).
//
// A message is a change of the claim like any other: it goes through
// casework's one change path, so the message, the claim's version bump, its
// history entry and the outbox event the notifier acts on are written in one
// transaction. The history entry records who wrote how much, never the text:
// the history is permanent and hash-chained, the text is personal data that
// lives in the message item only. A customer's answer to a claim waiting for
// them resumes it.
//
// Files in messages are uploads their author made under their own upload
// scope (UserScope, TrackScope), checked the way intake checks claim files:
// the object exists, its size fits, and its sniffed content is a media type a
// photo zone of the claim's type accepts. They are not claim attachments.
//
// It declares the interfaces it needs and imports no AWS package.
//
// Layer: domain, producer.
package chat

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/workflow"
)

// Limits of one message.
const (
	// MaxBody is the longest message text, in characters after cleaning.
	MaxBody = 4000
	// MaxAttachments is how many files one message carries.
	MaxAttachments = 5
	// MaxAuthorName bounds the displayed author name.
	MaxAuthorName = 120
)

// EventPosted is the history entry type of a message.
const EventPosted = "message.posted"

// The roles a message's author has towards the claim (events.Message's
// AuthorRole).
const (
	RoleClaimant   = events.AuthorClaimant
	RoleDealer     = events.AuthorDealer
	RoleManager    = events.AuthorManager
	RoleSupervisor = events.AuthorSupervisor
)

// ResumeReason is the reason of the stage change that resumes a claim
// waiting for the customer when the claimant answers.
const ResumeReason = "the customer answered"

// DetailReader reads a claim with its attachments, history and messages
// (oldest first).
type DetailReader interface {
	// ClaimDetail returns apperr.NotFound for an unknown claim.
	ClaimDetail(ctx context.Context, id string) (*registry.Detail, error)
}

// Service posts and reads the messages of claims.
type Service struct {
	cfg Config
}

// Config wires a Service. Work, Files, Catalog and Details are required;
// Now and Logger default to the clock and a discarding logger.
type Config struct {
	// Work is the one change path a message goes through.
	Work *casework.Service
	// Files checks the messages' uploads (the bucket).
	Files   intake.Files
	Catalog catalog.Source
	Details DetailReader
	Now     func() time.Time
	Logger  *slog.Logger
}

// New returns a Service. It returns an Internal error naming each required
// dependency cfg lacks (a typed nil counts as none).
func New(cfg Config) (*Service, error) {
	if err := deps.Check("chat", deps.Need("Work", cfg.Work), deps.Need("Files", cfg.Files), deps.Need("Catalog", cfg.Catalog),
		deps.Need("Details", cfg.Details)); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg}, nil
}

// AttachmentRef names an upload to attach to a message. Zone may be empty:
// the first photo zone of the claim's type that accepts the file is taken.
type AttachmentRef struct {
	Zone     string `json:"zone"`
	UploadID string `json:"uploadId"`
}

// Post is a message to post.
type Post struct {
	Body        string
	Attachments []AttachmentRef
	// AuthorName is shown with the message; for the claimant it defaults to
	// the claimant's name on the claim.
	AuthorName string
	// Scope is the upload scope the attachments were presigned for; empty
	// means the caller's (TrackScope for the claimant, UserScope otherwise).
	Scope string
	// RateLimits bound how often this side may post (the tracking page's
	// per-address and per-claim limits); counted with the message.
	RateLimits []claims.RateLimit
}

// UserScope is the upload scope of a signed-in user's message attachments.
func UserScope(claimID, userID string) string { return "chat:" + claimID + ":" + userID }

// TrackScope is the upload scope of the customer's message attachments (the
// same scope as the tracking page's other uploads).
func TrackScope(claimID string) string { return "track:" + claimID }

// Participant reports whether p takes part in the conversation of c: the
// claim's dealer, its manager and supervisors. Admins and integrations,
// who may see the claim, do not.
func Participant(p *auth.Principal, c *claims.Claim) bool {
	if p == nil || !registry.CanSee(p, c) {
		return false
	}
	switch {
	case p.Has(auth.Supervisor):
		return true
	case p.Has(auth.Manager):
		return c.Assignee == p.UserID
	case p.Has(auth.Dealer):
		return p.DealerID != "" && c.DealerID == p.DealerID
	}
	return false
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

func (s *Service) logger() *slog.Logger { return s.cfg.Logger }

var errNotFound = apperr.Errorf(apperr.NotFound, "claim not found")

// Open returns a claim's detail for a participant of its conversation.
// Errors: Unauthorized without a principal, NotFound for an unknown claim and
// for anyone else (so claim numbers cannot be probed).
func (s *Service) Open(ctx context.Context, p *auth.Principal, id string) (*registry.Detail, error) {
	if p == nil {
		return nil, apperr.Errorf(apperr.Unauthorized, "sign-in required")
	}
	if !claims.ValidNumber(id) {
		return nil, errNotFound
	}
	d, err := s.cfg.Details.ClaimDetail(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("open conversation of %s: %w", id, err)
	}
	if !Participant(p, &d.Claim) {
		return nil, errNotFound
	}
	return d, nil
}

// List returns the messages of a claim's detail, oldest first (never nil).
func (s *Service) List(_ context.Context, d *registry.Detail) []claims.Message {
	out := slices.Clone(d.Messages)
	if out == nil {
		out = []claims.Message{}
	}
	slices.SortStableFunc(out, func(a, b claims.Message) int {
		return cmp.Or(a.At.Compare(b.At), strings.Compare(a.ID, b.ID))
	})
	return out
}

// Post posts a message on a claim for the caller: the claimant through the
// tracking link (casework.Caller{Claimant: true}; the caller checked the
// link), or a signed-in participant (Participant). version is the claim
// version the author saw, 0 for whatever is current. It returns the message
// and the claim as it is afterwards: when the claimant side answers a claim
// waiting for the customer, the claim has gone back to the stage it was
// paused in.
//
// Errors: Unauthorized (no principal), NotFound (unknown claim, not a
// participant), Invalid naming the fields ("body", "attachments",
// "attachments[i].zone", "attachments[i].uploadId", "attachments[i]"),
// Conflict (the claim is finished: its conversation is read-only; or the
// version the author gave moved on). Without a version, a message that
// loses a race with another change is posted again on the current claim
// (casework.ApplyCurrent), so parallel messages are all stored.
func (s *Service) Post(ctx context.Context, c casework.Caller, claimID string, version int, p Post) (*claims.Message, *claims.Claim, error) {
	if c.System {
		return nil, nil, apperr.Errorf(apperr.Forbidden, "the system does not post messages")
	}
	if !c.Claimant && c.Principal == nil {
		return nil, nil, apperr.Errorf(apperr.Unauthorized, "sign-in required")
	}
	if !claims.ValidNumber(claimID) {
		return nil, nil, errNotFound
	}
	d, err := s.cfg.Details.ClaimDetail(ctx, claimID)
	if err != nil {
		return nil, nil, fmt.Errorf("post message on %s: %w", claimID, err)
	}
	if !c.Claimant && !Participant(c.Principal, &d.Claim) {
		return nil, nil, errNotFound
	}
	if workflow.Terminal(d.Claim.Stage) {
		return nil, nil, closedError(d.Claim.Stage)
	}

	now := s.now()
	body := claims.CleanText(p.Body)
	var fields []apperr.FieldError
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		fields = append(fields, apperr.FieldError{Field: "body", Message: "required"})
	case n > MaxBody:
		fields = append(fields, apperr.FieldError{Field: "body", Message: fmt.Sprintf("at most %d characters", MaxBody)})
	}
	var files []claims.Attachment
	if len(p.Attachments) > MaxAttachments {
		fields = append(fields, apperr.FieldError{Field: "attachments", Message: fmt.Sprintf("at most %d file(s)", MaxAttachments)})
	} else if len(p.Attachments) > 0 {
		scope := p.Scope
		if scope == "" {
			scope = callerScope(c, claimID)
		}
		var ff []apperr.FieldError
		if files, ff, err = s.verify(ctx, &d.Claim, scope, p.Attachments, now); err != nil {
			return nil, nil, err
		}
		fields = append(fields, ff...)
	}
	if err := apperr.Validation(fields); err != nil {
		return nil, nil, err
	}
	name := strings.Join(strings.Fields(claims.CleanText(p.AuthorName)), " ")

	var msg claims.Message
	engine := s.cfg.Work.Engine(ctx)
	edit := func(cl *claims.Claim, a workflow.Actor, at time.Time) (*casework.Outcome, error) {
		role, err := authorRole(c, a)
		if err != nil {
			return nil, err
		}
		if workflow.Terminal(cl.Stage) {
			return nil, closedError(cl.Stage)
		}
		if name == "" && role == RoleClaimant {
			name = cl.Claimant.Name
		}
		if r := []rune(name); len(r) > MaxAuthorName {
			name = string(r[:MaxAuthorName])
		}
		msg = claims.Message{ID: events.NewID(at), Author: a.ID, AuthorRole: role, AuthorName: name, Body: body, At: at}
		for _, f := range files {
			f.UploadedAt, f.UploadedBy = at, a.ID
			msg.Attachments = append(msg.Attachments, f)
		}
		if engine != nil && (role == RoleManager || role == RoleSupervisor) {
			// A word from the claims department is a response.
			engine.Responded(cl, at)
		}
		length := utf8.RuneCountInString(body)
		return &casework.Outcome{
			EventType: EventPosted,
			After:     map[string]any{"message": msg.ID, "authorRole": role, "length": length, "attachments": len(msg.Attachments)},
			Event: events.Message{Number: cl.ID, MessageID: msg.ID, AuthorRole: role, AuthorName: name, Length: length,
				Attachments: len(msg.Attachments), Stage: string(cl.Stage), Assignee: cl.Assignee, DealerID: cl.DealerID,
				Email: cl.Claimant.Email, Language: cl.Language},
			Messages:   []claims.Message{msg},
			RateLimits: p.RateLimits,
		}, nil
	}
	var cl *claims.Claim
	if version == 0 {
		// No version to honour: a lost race is retried on the current
		// claim, so parallel messages are all stored.
		cl, err = s.cfg.Work.ApplyCurrent(ctx, c, claimID, edit)
	} else {
		cl, err = s.cfg.Work.Apply(ctx, c, claimID, version, edit)
	}
	if err != nil {
		return nil, nil, err
	}
	if (msg.AuthorRole == RoleClaimant || msg.AuthorRole == RoleDealer) && cl.Stage == workflow.WaitingForCustomer {
		cl = s.resume(ctx, cl)
	}
	return &msg, cl, nil
}

// resume moves a claim waiting for the customer back to the stage it was
// paused in. The message is stored whatever happens here: a failure is
// logged, and the manager resumes the claim by hand.
func (s *Service) resume(ctx context.Context, cl *claims.Claim) *claims.Claim {
	req := workflow.Request{To: workflow.Previous, Reason: ResumeReason}
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var next *claims.Claim
		next, err = s.cfg.Work.Transition(ctx, casework.Caller{System: true}, cl.ID, 0, req)
		if err == nil {
			return next
		}
		// Only a lost race is worth another try (the transition re-reads the
		// claim, which may no longer be waiting).
		if !apperr.Is(err, apperr.Conflict) {
			break
		}
	}
	s.logger().WarnContext(ctx, "the customer answered but the claim could not be resumed", "claimId", cl.ID, "error", err.Error())
	return cl
}

// authorRole is the author's role towards the claim; callers who are not
// part of its conversation get NotFound (casework already refused those who
// cannot see it).
func authorRole(c casework.Caller, a workflow.Actor) (string, error) {
	has := func(r string) bool { return slices.Contains(a.Roles, r) }
	switch {
	case c.Claimant && has(workflow.ByClaimant):
		return RoleClaimant, nil
	case has(workflow.ByAssignee):
		return RoleManager, nil
	case has(workflow.BySupervisor):
		return RoleSupervisor, nil
	case has(workflow.ByClaimant):
		return RoleDealer, nil
	}
	return "", errNotFound
}

func closedError(stage claims.Stage) error {
	return apperr.Errorf(apperr.Conflict, "the claim is %s: its conversation is read-only", stage)
}

func callerScope(c casework.Caller, claimID string) string {
	if c.Claimant {
		return TrackScope(claimID)
	}
	return UserScope(claimID, c.Principal.UserID)
}

// claimType returns the claim's type from the whole catalog: a claim keeps
// its type after the catalog retires it.
func (s *Service) claimType(ctx context.Context, cl *claims.Claim) (*catalog.Type, error) {
	cat, err := s.cfg.Catalog.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog for claim %s: %w", cl.ID, err)
	}
	t, _ := cat.Type(cl.TypeID)
	return t, nil
}

// UploadZone picks the photo zone of the claim's type a message attachment
// is presigned for: zone when given (it must belong to the type), otherwise
// the first zone accepting contentType. Errors: Conflict (the claim is
// finished), Invalid naming "zone", UnsupportedMedia naming "contentType".
func (s *Service) UploadZone(ctx context.Context, cl *claims.Claim, zone, contentType string) (string, error) {
	if workflow.Terminal(cl.Stage) {
		return "", closedError(cl.Stage)
	}
	t, err := s.claimType(ctx, cl)
	if err != nil {
		return "", err
	}
	if t == nil || len(t.PhotoZones) == 0 {
		return "", apperr.InvalidField("zone", "this claim's type takes no files")
	}
	if zone != "" {
		if _, ok := t.Zone(zone); !ok {
			return "", apperr.InvalidField("zone", "this type has no such photo zone")
		}
		return zone, nil
	}
	ct := strings.ToLower(strings.TrimSpace(contentType))
	var all []string
	for _, z := range t.PhotoZones {
		if accepts(z, ct) {
			return z.ID, nil
		}
		for _, mt := range z.MediaTypes {
			if !slices.Contains(all, mt) {
				all = append(all, mt)
			}
		}
	}
	return "", &apperr.Error{Code: apperr.UnsupportedMedia, Message: "this file type is not accepted here",
		Fields: []apperr.FieldError{{Field: "contentType", Message: "one of " + strings.Join(all, ", ")}}}
}

// Zones returns the photo zones of the claim's type (the files a message may
// carry); none when the type takes no files.
func (s *Service) Zones(ctx context.Context, cl *claims.Claim) ([]catalog.PhotoZone, error) {
	t, err := s.claimType(ctx, cl)
	if err != nil || t == nil {
		return nil, err
	}
	return t.PhotoZones, nil
}

// accepts reports whether a zone takes a media type, with the aliases
// intake allows (image/jpg, a HEIF photo branded mif1, ...).
func accepts(z catalog.PhotoZone, mediaType string) bool {
	if mediaType == "" {
		return false
	}
	return slices.ContainsFunc(z.MediaTypes, func(mt string) bool { return intake.SameMedia(mt, mediaType) || intake.SameMedia(mediaType, mt) })
}

// verify checks each referenced upload under scope against the claim's
// photo zones. Field errors use intake's messages, which the public pages
// know how to translate; a storage failure is returned as an error.
func (s *Service) verify(ctx context.Context, cl *claims.Claim, scope string, refs []AttachmentRef, now time.Time) ([]claims.Attachment, []apperr.FieldError, error) {
	t, err := s.claimType(ctx, cl)
	if err != nil {
		return nil, nil, err
	}
	var zones []catalog.PhotoZone
	if t != nil {
		zones = t.PhotoZones
	}
	if len(zones) == 0 {
		return nil, []apperr.FieldError{{Field: "attachments", Message: "this claim's type takes no files"}}, nil
	}
	var out []claims.Attachment
	var fields []apperr.FieldError
	seen := map[string]bool{}
	for i, ref := range refs {
		field := fmt.Sprintf("attachments[%d]", i)
		fail := func(suffix, msg string) {
			fields = append(fields, apperr.FieldError{Field: field + suffix, Message: msg})
		}
		candidates := zones
		if ref.Zone != "" {
			z, ok := t.Zone(ref.Zone)
			if !ok {
				fail(".zone", "this type has no such photo zone")
				continue
			}
			candidates = []catalog.PhotoZone{z}
		}
		if !intake.ValidUploadID(ref.UploadID) || seen[ref.UploadID] {
			fail(".uploadId", "not an upload of this conversation (or attached twice)")
			continue
		}
		seen[ref.UploadID] = true
		key := intake.UploadKey(scope, ref.UploadID)
		obj, err := s.cfg.Files.Stat(ctx, key)
		if apperr.Is(err, apperr.NotFound) {
			fail(".uploadId", "no such upload (it may have expired or failed)")
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("check upload %s of a message on %s: %w", ref.UploadID, cl.ID, err)
		}
		head, err := s.cfg.Files.Head(ctx, key, intake.SniffLen)
		if err != nil {
			return nil, nil, fmt.Errorf("read upload %s of a message on %s: %w", ref.UploadID, cl.ID, err)
		}
		actual := intake.Sniff(head)
		declared := strings.ToLower(obj.ContentType)
		if declared != "" && declared != "binary/octet-stream" && declared != "application/octet-stream" && !intake.SameMedia(declared, actual) {
			fail("", "the file's content is "+actual+", not "+declared)
			continue
		}
		var zone *catalog.PhotoZone
		var largest int64
		for _, z := range candidates {
			if accepts(z, actual) {
				largest = max(largest, z.MaxBytes)
				if zone == nil && obj.Size <= z.MaxBytes {
					zone = &z
				}
			}
		}
		switch {
		case largest == 0:
			fail("", "file type "+actual+" is not accepted in this conversation")
			continue
		case zone == nil || obj.Size <= 0:
			fail("", fmt.Sprintf("file size must be 1..%d bytes", largest))
			continue
		}
		name := obj.Metadata["filename"]
		if name == "" {
			name = "file"
		}
		out = append(out, claims.Attachment{ID: ref.UploadID, Zone: zone.ID, Key: key, FileName: name, ContentType: actual, Size: obj.Size, UploadedAt: now})
	}
	return out, fields, nil
}

// AttachmentKey is where a message's file is stored: its Key, or, when the
// storage did not keep it, the upload key of the author's scope (the
// claimant's TrackScope, a user's UserScope), derived from the message.
// "" when it cannot be told.
func AttachmentKey(claimID string, m *claims.Message, a *claims.Attachment) string {
	if a.Key != "" {
		return a.Key
	}
	if !intake.ValidUploadID(a.ID) {
		return ""
	}
	if m.AuthorRole == RoleClaimant {
		return intake.UploadKey(TrackScope(claimID), a.ID)
	}
	if _, user, ok := strings.Cut(m.Author, ":"); ok && user != "" {
		return intake.UploadKey(UserScope(claimID, user), a.ID)
	}
	return ""
}
