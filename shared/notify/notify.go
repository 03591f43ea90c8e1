// Package notify delivers what arrives on the notifications queue: outbox
// events turned into deliveries (mail to the claimant and the claims
// department in their language, webhooks to the company's systems, in-app
// notes), and plain mail commands.
//
// An event fans out into deliveries, each with a key that is stable across
// redeliveries of the event ("mail:claimant", "mail:manager:<id>",
// "mail:supervisors", "webhook:<target>", "note:user:<id>",
// "note:role:supervisors"). The notifier first takes the event off the
// outbox's pending list (it has arrived), reads which of its deliveries are
// already done (one query), makes the others and records each right after
// it succeeds; when one fails, the message fails and its retry makes only
// what is still missing.
//
// Each delivery is made under a lease held by one attempt (a random attempt
// ID): only the holder may record it done or give it up, and the lease
// outlasts the function's timeout, so no other attempt takes a delivery
// while its holder can still be alive. Each delivery runs under a deadline
// shorter than the lease and than the invocation's, leaving time to record
// it. A holder that died (a crash, a kill) leaves its delivery "sending":
// after the lease the next attempt takes it over and, not knowing whether
// it was made, makes it again and counts the repeat on the delivery's
// record. Webhooks carry the same delivery ID and notes the same note ID,
// so their receivers see one: they are exactly-once by ID. A mail caught in
// that window (accepted by SES, its record not yet written) is sent twice:
// mail is at-least-once in that one case. Both copies carry the same
// X-ClaimsDesk-Delivery header (and References), so mail clients and
// providers can fold them; SES replaces any Message-ID the caller sets with
// its own, so the Message-IDs differ.
//
// It defines the channel and state interfaces (Mailer, Deliveries, Roster,
// Targets, Poster, Notes, Claims, StoredFiles) that infrastructure packages implement; it
// imports no AWS package.
//
// Layer: domain, consumer.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/webhook"
)

// Mail is one email to send.
type Mail struct {
	To      []string          `json:"to"`
	ReplyTo []string          `json:"replyTo,omitempty"`
	Subject string            `json:"subject"`
	Text    string            `json:"text,omitempty"`
	HTML    string            `json:"html,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// DeliveryID identifies the mail across its sends ("<event>/<key>" for
	// an event's mail): a mail sent again after a crash carries the same
	// one, in the HeaderDelivery header and in References.
	DeliveryID string `json:"deliveryId,omitempty"`
	// Attachments are files sent with the mail.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Documents are the event's documents the mail carries: made (or
	// found made) and attached when the mail is sent.
	Documents []claims.DocumentKind `json:"-"`
	// Files are stored files the mail carries (a report mail's), read from
	// the bucket and attached when it is sent; Inline is shown in the HTML
	// as cid:<its ContentID>.
	Files  []events.ReportFile `json:"-"`
	Inline *InlineFile         `json:"-"`
}

// InlineFile is a stored file shown in a mail's HTML.
type InlineFile struct {
	File      events.ReportFile
	ContentID string
}

// Attachment is a file attached to a mail.
type Attachment struct {
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
	// ContentID makes the file inline: the HTML shows it as
	// cid:<ContentID> (a report mail's chart).
	ContentID string `json:"contentId,omitempty"`
}

// MaxAttachmentBytes bounds the files of one mail (SES takes 40 MB a
// message, base64 included).
const MaxAttachmentBytes = 25 << 20

// HeaderDelivery is the mail header (as the webhook header of the same name)
// that carries a delivery's stable ID.
const HeaderDelivery = webhook.HeaderDelivery

// Command is a plain mail request on the queue (no event behind it).
type Command struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // "email"
	Mail *Mail  `json:"mail,omitempty"`
}

// Mailer sends mail and returns the provider's message ID. An error that
// wraps ErrMailRefused means the provider answered that it did not take the
// mail; any other error leaves the outcome unknown (the provider may have
// taken it: a timeout, a connection lost after the request was written).
type Mailer interface {
	Send(ctx context.Context, m Mail) (string, error)
}

// ErrMailRefused marks a Mailer error after which the mail is known not to
// have been sent.
var ErrMailRefused = errors.New("mail refused by the provider")

// Lease is one attempt's hold on one delivery of an event.
type Lease struct {
	EventID, Key string
	// Attempt identifies the holder: only it may record the delivery made
	// or give it up.
	Attempt string
	// Until is when the lease runs out (the holder must be dead by then).
	Until time.Time
}

// Claim is what ClaimDelivery found.
type Claim struct {
	// Taken: the lease is the caller's.
	Taken bool
	// Repeat: the delivery was being made by an attempt whose lease ran out
	// (it died, or gave it up not knowing whether it was made): the caller
	// makes it again, and the repeat is counted on the delivery's record.
	Repeat bool
	// Previous is the attempt taken over (with Repeat).
	Previous string
	// Done: not taken because the delivery is made.
	Done bool
	// HeldUntil: not taken because another attempt holds it until then.
	HeldUntil time.Time
}

// Outcome is what a given-up delivery left behind.
type Outcome int

// The outcomes of a delivery an attempt gives up.
const (
	// NotMade: the delivery certainly did not happen; the next attempt
	// makes it as a first.
	NotMade Outcome = iota
	// Unknown: it may have happened (a mail whose send timed out); the next
	// attempt takes it as a repeat.
	Unknown
)

// ErrLeaseLost is returned by MarkDeliveryDone and ReleaseDelivery when the
// lease is no longer the attempt's (it ran out and another attempt took the
// delivery over, or it was recorded).
var ErrLeaseLost = errors.New("the delivery's lease is not held by this attempt")

// Deliveries remembers which deliveries of each event were made, and who is
// making which.
type Deliveries interface {
	// MarkReceived takes the event off the outbox's pending list: it has
	// reached the notifier, so the relay must not publish it again. An
	// event that is not in the outbox is no error.
	MarkReceived(ctx context.Context, e events.Event) error
	// DoneDeliveries returns the keys of the event's deliveries already
	// made.
	DoneDeliveries(ctx context.Context, eventID string) (map[string]bool, error)
	// ClaimDelivery takes the delivery for l.Attempt until l.Until, unless
	// it is made or another attempt's lease on it has not run out at now
	// (the same event received twice at once, as after a relay). A lease
	// that ran out while its delivery was being made is taken over as a
	// Repeat.
	ClaimDelivery(ctx context.Context, l Lease, now time.Time) (Claim, error)
	// ReleaseDelivery gives up the attempt's lease on a delivery that
	// failed, so that the retry need not wait for it to run out; outcome
	// says whether it may have been made. ErrLeaseLost when the lease is
	// not the attempt's.
	ReleaseDelivery(ctx context.Context, l Lease, outcome Outcome) error
	// MarkDeliveryDone records the attempt's delivery as made at at;
	// ErrLeaseLost when the lease is not the attempt's.
	MarkDeliveryDone(ctx context.Context, l Lease, at time.Time) error
}

// Roster finds a claims manager.
type Roster interface {
	// ManagerByID returns apperr.NotFound for an ID not on the roster.
	ManagerByID(ctx context.Context, id string) (*assignment.Manager, error)
}

// Targets lists the webhook targets.
type Targets interface {
	WebhookTargets(ctx context.Context) ([]webhook.Target, error)
}

// Poster posts a webhook delivery; an error means it was not accepted.
type Poster interface {
	Post(ctx context.Context, t webhook.Target, d webhook.Delivery) error
}

// Notes stores in-app notes.
type Notes interface {
	// PutNote writes a note unless its inbox has it already (a redelivered
	// event leaves the stored note, read or not, as it is).
	PutNote(ctx context.Context, n Note) error
}

// Claims reads a claim (for the dealer of events whose data lacks it).
type Claims interface {
	// GetClaim returns apperr.NotFound for an unknown claim.
	GetClaim(ctx context.Context, id string) (*claims.Claim, error)
}

// Documents makes the documents events call for (package claimdocs): the
// claim's PDF, the decision letter.
type Documents interface {
	// Kinds returns the documents an event calls for, in order; Invalid
	// for event data that cannot be read.
	Kinds(e events.Event) ([]claims.DocumentKind, error)
	// Make makes the document of kind an event calls for, once (a
	// redelivery finds it made).
	Make(ctx context.Context, e events.Event, kind claims.DocumentKind) (*claims.Document, error)
	// Content returns a document's file.
	Content(ctx context.Context, d *claims.Document) ([]byte, error)
}

// StoredFiles reads the stored files report mails carry.
type StoredFiles interface {
	// ReadFile returns the object under key; TooLarge beyond limit bytes.
	ReadFile(ctx context.Context, key string, limit int64) ([]byte, error)
}

// Config wires a Notifier. Mailer, Deliveries and Keys are required; an
// absent Roster, Targets and Poster (both or neither), Notes, Claims or
// Documents switches that channel off.
type Config struct {
	Mailer     Mailer
	Deliveries Deliveries
	Roster     Roster
	Targets    Targets
	Poster     Poster
	Notes      Notes
	Claims     Claims
	Documents  Documents
	// Files reads report mails' files (absent: no report mails).
	Files StoredFiles
	Keys  *keys.Keys
	// SupervisorsEmail receives the supervisors' mail ("" = none; they
	// still get in-app notes).
	SupervisorsEmail string
	// QualityEmail lists the quality engineers, who receive the defect
	// surges' mail (none: the SupervisorsEmail).
	QualityEmail []string
	// PublicBaseURL is the site of tracking links in mails after the first
	// (the claim.received event carries the site the claim came through).
	PublicBaseURL string
	// StaffLanguage is the language of mail to the claims department
	// (default Russian).
	StaffLanguage string
	// Catalog names claim types in the defect surges' mail and notes
	// (optional: without it, or when it cannot be read, their IDs).
	Catalog catalog.Source
	// Location is the company's time zone, for due times in mail.
	Location *time.Location
	// RosterTTL is how long managers are kept before being read again (0:
	// read every time). Webhook targets are read for every event, so a
	// target registered or changed takes effect for the next one.
	RosterTTL time.Duration
	// Parallel bounds the deliveries of one event made at once (default 4).
	Parallel int
	// Lease is how long an attempt holds a delivery it is making: at least
	// the function's timeout, so that no other attempt takes a delivery
	// whose holder may still be alive (default 15 minutes, Lambda's
	// longest timeout, plus LeaseMargin).
	Lease time.Duration
	// Reserve is the time kept, after a delivery's own deadline, to record
	// it (default 2 s): a delivery must end that long before the lease and
	// the invocation's deadline.
	Reserve time.Duration
	// BusyWait is how long a delivery another attempt holds is watched
	// before the message gives up and waits for the holder's lease (default
	// 3 s): the same event received twice at once (a relay's copy) is
	// usually made by the other copy within milliseconds.
	BusyWait time.Duration
	// NewAttempt returns a fresh attempt ID (default: 16 random hex digits).
	NewAttempt func() string
	Now        func() time.Time
	Logger     *slog.Logger
}

// LeaseMargin is what a lease adds to the function's timeout: clock skew
// between the processes that compare lease times.
const LeaseMargin = 5 * time.Second

// LeaseFor returns the lease of a function with the given timeout: the
// timeout plus LeaseMargin.
func LeaseFor(timeout time.Duration) time.Duration { return timeout + LeaseMargin }

// Notifier delivers messages.
type Notifier struct {
	cfg      Config
	mu       sync.Mutex
	managers map[string]cachedManager
}

type cachedManager struct {
	m       *assignment.Manager
	fetched time.Time
}

// New returns a Notifier. It returns an Internal error naming each required
// dependency cfg lacks (a typed nil counts as none), and the webhook half
// given without the other (Targets without Poster, or Poster without
// Targets).
func New(cfg Config) (*Notifier, error) {
	if err := deps.Check("notify", deps.Need("Mailer", cfg.Mailer), deps.Need("Deliveries", cfg.Deliveries), deps.Need("Keys", cfg.Keys)); err != nil {
		return nil, err
	}
	cfg.Roster, cfg.Notes, cfg.Claims = deps.Optional(cfg.Roster), deps.Optional(cfg.Notes), deps.Optional(cfg.Claims)
	cfg.Documents, cfg.Files = deps.Optional(cfg.Documents), deps.Optional(cfg.Files)
	cfg.Targets, cfg.Poster = deps.Optional(cfg.Targets), deps.Optional(cfg.Poster)
	if (cfg.Targets == nil) != (cfg.Poster == nil) {
		if err := deps.Check("notify (webhooks need both)", deps.Need("Targets", cfg.Targets), deps.Need("Poster", cfg.Poster)); err != nil {
			return nil, err
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Lease <= 0 {
		cfg.Lease = LeaseFor(15 * time.Minute)
	}
	if cfg.Reserve <= 0 {
		cfg.Reserve = 2 * time.Second
	}
	if cfg.NewAttempt == nil {
		cfg.NewAttempt = newAttemptID
	}
	if cfg.BusyWait == 0 {
		cfg.BusyWait = 3 * time.Second
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.StaffLanguage == "" {
		cfg.StaffLanguage = "ru"
	}
	return &Notifier{cfg: cfg, managers: map[string]cachedManager{}}, nil
}

func newAttemptID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Deliver handles one queue message body. It returns an Invalid error for a
// message that can never be delivered (it ends in the dead-letter queue
// after the configured receives) and other errors for failures worth a
// retry.
func (n *Notifier) Deliver(ctx context.Context, body []byte) error {
	var probe struct {
		Type string `json:"type"`
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return apperr.InvalidField("message", "not JSON: "+err.Error())
	}
	if probe.Type != "" {
		var e events.Event
		// Every event is about a claim but a report mail's.
		if err := json.Unmarshal(body, &e); err != nil || e.ID == "" || (e.ClaimID == "" && e.Type != events.ReportMailDue) {
			return apperr.InvalidField("event", "not an outbox event")
		}
		return n.deliverEvent(ctx, e)
	}
	var c Command
	if err := json.Unmarshal(body, &c); err != nil {
		return apperr.InvalidField("message", "not a notification: "+err.Error())
	}
	if c.Kind != "email" {
		return apperr.InvalidField("kind", fmt.Sprintf("unknown notification kind %q", c.Kind))
	}
	if err := ValidateMail(c.Mail); err != nil {
		return err
	}
	// A command is sent at least once: a retry after an unknown outcome
	// sends it again, with the same delivery ID.
	if c.Mail.DeliveryID == "" && c.ID != "" {
		c.Mail.DeliveryID = "command/" + c.ID
	}
	id, err := n.cfg.Mailer.Send(ctx, *c.Mail)
	if err != nil {
		return fmt.Errorf("deliver notification %s: %w", c.ID, err)
	}
	n.cfg.Logger.InfoContext(ctx, "mail sent", "notificationId", c.ID, "messageId", id, "to", strings.Join(c.Mail.To, ","))
	return nil
}

// Delivery is one thing an event causes: exactly one of Mail, Webhook,
// Note and Document is set. Key identifies it among the event's
// deliveries, the same on every redelivery of the event.
type Delivery struct {
	Key      string
	Mail     *Mail
	Webhook  *WebhookDelivery
	Note     *Note
	Document *DocumentJob
}

// DocumentJob is a document an event calls for.
type DocumentJob struct {
	Kind claims.DocumentKind
}

// WebhookDelivery is an event on its way to a target.
type WebhookDelivery struct {
	Target   webhook.Target
	Delivery webhook.Delivery
}

// Channel names the delivery's channel: "mail", "webhook", "note" or
// "document".
func (d Delivery) Channel() string {
	switch {
	case d.Mail != nil:
		return "mail"
	case d.Webhook != nil:
		return "webhook"
	case d.Document != nil:
		return "document"
	}
	return "note"
}

func (n *Notifier) deliverEvent(ctx context.Context, e events.Event) error {
	log := n.cfg.Logger.With("eventId", e.ID, "eventType", e.Type, "claimId", e.ClaimID)
	// First: the event has arrived, whatever happens to its deliveries (the
	// queue retries those), so the relay leaves it alone.
	if err := n.cfg.Deliveries.MarkReceived(ctx, e); err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	plan, err := n.Plan(ctx, e)
	if err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	if len(plan) == 0 {
		log.DebugContext(ctx, "event needs no delivery")
		return nil
	}
	done, err := n.cfg.Deliveries.DoneDeliveries(ctx, e.ID)
	if err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	var todo []Delivery
	for _, d := range plan {
		if !done[d.Key] {
			todo = append(todo, d)
		}
	}
	if len(todo) == 0 {
		log.InfoContext(ctx, "event already delivered", "deliveries", len(plan))
		return nil
	}
	// Documents first (a mail may carry one), then mail and notes, webhooks
	// last: a webhook target that hangs (and a process that dies meanwhile)
	// then finds the mail already sent and recorded, so a retry does not
	// send it again. Only a crash in the instant between SES accepting a
	// mail and its record repeats it.
	var docs, local, remote []Delivery
	for _, d := range todo {
		switch {
		case d.Document != nil:
			docs = append(docs, d)
		case d.Webhook != nil:
			remote = append(remote, d)
		default:
			local = append(local, d)
		}
	}
	errs := n.performAll(ctx, log, e, docs)
	errs = append(errs, n.performAll(ctx, log, e, local)...)
	errs = append(errs, n.performAll(ctx, log, e, remote)...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	return nil
}

// performAll makes deliveries, Parallel at a time.
func (n *Notifier) performAll(ctx context.Context, log *slog.Logger, e events.Event, ds []Delivery) []error {
	errs := make([]error, len(ds))
	sem := make(chan struct{}, n.cfg.Parallel)
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = n.perform(ctx, log, e, d)
		}()
	}
	wg.Wait()
	return errs
}

// ErrBusy is a delivery another attempt is making (or just made): the
// message is retried and then finds it done. The error that wraps it says,
// through RetryAfter, when the other attempt's lease runs out.
var ErrBusy = errors.New("another attempt is making this delivery")

// ErrNoTime is a delivery not started because the invocation has too little
// time left to make and record it: the message is retried.
var ErrNoTime = errors.New("too little time left in this invocation to make a delivery")

// busyError is ErrBusy with the time the other attempt's lease has left.
type busyError struct {
	key        string
	retryAfter time.Duration
}

func (e *busyError) Error() string {
	return fmt.Sprintf("%s: %v (its lease runs out in %s)", e.key, ErrBusy, e.retryAfter.Round(time.Millisecond))
}

func (e *busyError) Unwrap() error { return ErrBusy }

// RetryAfter is how long the message should wait before its retry: until
// the holder's lease has run out (the queue's backoff honours it).
func (e *busyError) RetryAfter() time.Duration { return e.retryAfter }

// perform takes one delivery, makes it and records it at once: nothing
// stands between the channel accepting it and the record.
func (n *Notifier) perform(ctx context.Context, log *slog.Logger, e events.Event, d Delivery) error {
	log = log.With("delivery", d.Key)
	// The delivery's own deadline (on the wall clock, as every context's):
	// Reserve before the lease runs out and before the invocation's end.
	started := time.Now()
	deadline := started.Add(n.cfg.Lease - n.cfg.Reserve)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-n.cfg.Reserve).Before(deadline) {
		deadline = dl.Add(-n.cfg.Reserve)
	}
	if !deadline.After(started) {
		return fmt.Errorf("%s: %w", d.Key, ErrNoTime)
	}
	lease, c, err := n.claim(ctx, e, d, deadline)
	if err != nil {
		return fmt.Errorf("%s: %w", d.Key, err)
	}
	now := n.cfg.Now().UTC()
	switch {
	case c.Done:
		log.InfoContext(ctx, "delivery made by another attempt")
		return nil
	case !c.Taken:
		log.InfoContext(ctx, "delivery held by another attempt", "heldUntil", c.HeldUntil.Format(time.RFC3339Nano))
		return &busyError{key: d.Key, retryAfter: max(c.HeldUntil.Sub(now), 0) + time.Second}
	case c.Repeat:
		// Counted on the delivery's record by the claim itself.
		log.WarnContext(ctx, "delivery outcome unknown: its previous attempt's lease ran out while making it; making it again",
			"channel", d.Channel(), "previousAttempt", c.Previous, "deliveryId", e.ID+"/"+d.Key)
	}
	log = log.With("attempt", lease.Attempt)
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var messageID, documentID string
	switch {
	case d.Mail != nil:
		m := *d.Mail
		if m.Attachments, err = n.attach(dctx, e, m); err != nil {
			// Nothing was sent: the retry makes it as a first.
			log.WarnContext(ctx, "mail not sent: its documents are not ready", "error", err.Error())
			if rerr := n.cfg.Deliveries.ReleaseDelivery(ctx, lease, NotMade); rerr != nil {
				log.WarnContext(ctx, "giving up the lease failed; it waits for the lease to run out", "error", rerr.Error())
			}
			return fmt.Errorf("%s: %w", d.Key, err)
		}
		messageID, err = n.cfg.Mailer.Send(dctx, m)
	case d.Document != nil:
		var doc *claims.Document
		if doc, err = n.cfg.Documents.Make(dctx, e, d.Document.Kind); err == nil {
			documentID = doc.ID
		}
	case d.Webhook != nil:
		err = n.cfg.Poster.Post(dctx, d.Webhook.Target, d.Webhook.Delivery)
	case d.Note != nil:
		err = n.cfg.Notes.PutNote(dctx, *d.Note)
	}
	if err != nil {
		return n.failed(ctx, log, lease, d, err)
	}
	if err := n.cfg.Deliveries.MarkDeliveryDone(ctx, lease, n.cfg.Now().UTC()); err != nil {
		if errors.Is(err, ErrLeaseLost) {
			// This attempt overran its lease and another took the delivery
			// over as a repeat (counted there): it is made, maybe twice.
			log.ErrorContext(ctx, "delivery made after its lease ran out; another attempt took it over", "channel", d.Channel())
			return nil
		}
		// Made but not recorded: the lease stays, and after it the retry
		// takes the delivery over as a repeat. Mail may then arrive twice;
		// webhooks carry the same delivery ID and notes the same note ID,
		// so their receivers see one.
		return fmt.Errorf("%s: made but not recorded: %w", d.Key, err)
	}
	attrs := []any{"channel", d.Channel(), "took", time.Since(started).Round(time.Millisecond).String()}
	if messageID != "" {
		attrs = append(attrs, "messageId", messageID)
	}
	if documentID != "" {
		attrs = append(attrs, "document", documentID)
	}
	log.InfoContext(ctx, "delivered", attrs...)
	return nil
}

// attach returns the mail's attachments with the event's documents it
// carries (made now if the event's document delivery has not made them).
func (n *Notifier) attach(ctx context.Context, e events.Event, m Mail) ([]Attachment, error) {
	out := slices.Clone(m.Attachments)
	if len(m.Files) > 0 || m.Inline != nil {
		files, err := n.storedFiles(ctx, m)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	if len(m.Documents) == 0 {
		return out, nil
	}
	if n.cfg.Documents == nil {
		return nil, errors.New("the mail carries documents and the notifier makes none")
	}
	total := 0
	for _, a := range out {
		total += len(a.Data)
	}
	for _, kind := range m.Documents {
		d, err := n.cfg.Documents.Make(ctx, e, kind)
		if err != nil {
			return nil, fmt.Errorf("document %s: %w", kind, err)
		}
		b, err := n.cfg.Documents.Content(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("document %s: %w", kind, err)
		}
		if total += len(b); total > MaxAttachmentBytes {
			return nil, fmt.Errorf("document %s: the mail's files exceed %d bytes", kind, MaxAttachmentBytes)
		}
		out = append(out, Attachment{FileName: d.FileName, ContentType: d.ContentType, Data: b})
	}
	return out, nil
}

// claim takes a delivery; one another attempt holds is watched for up to
// BusyWait (within the delivery's deadline), as its holder usually ends in
// a moment.
func (n *Notifier) claim(ctx context.Context, e events.Event, d Delivery, deadline time.Time) (Lease, Claim, error) {
	attempt := n.cfg.NewAttempt()
	watchUntil := time.Now().Add(n.cfg.BusyWait)
	pause := 50 * time.Millisecond
	for {
		now := n.cfg.Now().UTC()
		lease := Lease{EventID: e.ID, Key: d.Key, Attempt: attempt, Until: now.Add(n.cfg.Lease)}
		c, err := n.cfg.Deliveries.ClaimDelivery(ctx, lease, now)
		if err != nil || c.Taken || c.Done {
			return lease, c, err
		}
		next := time.Now().Add(pause)
		if next.After(watchUntil) || next.After(deadline) {
			return lease, c, nil
		}
		select {
		case <-ctx.Done():
			return lease, c, nil
		case <-time.After(pause):
		}
		pause *= 2
	}
}

// failed gives up a failed delivery's lease and returns its error. A mail
// the provider did not refuse outright may have been sent: its lease is
// given up as Unknown, so that the retry counts itself a repeat.
func (n *Notifier) failed(ctx context.Context, log *slog.Logger, l Lease, d Delivery, err error) error {
	outcome := NotMade
	if d.Mail != nil && !errors.Is(err, ErrMailRefused) {
		outcome = Unknown
	}
	log.WarnContext(ctx, "delivery failed", "error", err.Error(), "outcomeUnknown", outcome == Unknown)
	if rerr := n.cfg.Deliveries.ReleaseDelivery(ctx, l, outcome); rerr != nil {
		log.WarnContext(ctx, "giving up the failed delivery's lease failed; it waits for the lease to run out", "error", rerr.Error())
	}
	return fmt.Errorf("%s: %w", d.Key, err)
}

// manager returns a manager of the roster (nil when not on it), kept for
// RosterTTL.
func (n *Notifier) manager(ctx context.Context, id string) (*assignment.Manager, error) {
	if n.cfg.Roster == nil || id == "" {
		return nil, nil
	}
	now := n.cfg.Now()
	n.mu.Lock()
	c, ok := n.managers[id]
	n.mu.Unlock()
	if ok && now.Sub(c.fetched) < n.cfg.RosterTTL {
		return c.m, nil
	}
	m, err := n.cfg.Roster.ManagerByID(ctx, id)
	switch {
	case apperr.Is(err, apperr.NotFound):
		m = nil
	case err != nil:
		if ok {
			return c.m, nil
		}
		return nil, fmt.Errorf("manager %s: %w", id, err)
	}
	n.mu.Lock()
	n.managers[id] = cachedManager{m: m, fetched: now}
	n.mu.Unlock()
	return m, nil
}

// ValidateMail checks a mail command.
func ValidateMail(m *Mail) error {
	if m == nil {
		return apperr.InvalidField("mail", "missing")
	}
	var fields []apperr.FieldError
	if len(m.To) == 0 {
		fields = append(fields, apperr.FieldError{Field: "mail.to", Message: "at least one recipient"})
	}
	for _, to := range m.To {
		if _, err := mail.ParseAddress(to); err != nil {
			fields = append(fields, apperr.FieldError{Field: "mail.to", Message: fmt.Sprintf("%q is not an address", to)})
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		fields = append(fields, apperr.FieldError{Field: "mail.subject", Message: "required"})
	}
	if m.Text == "" && m.HTML == "" {
		fields = append(fields, apperr.FieldError{Field: "mail.text", Message: "text or html required"})
	}
	total := 0
	for i, a := range m.Attachments {
		p := fmt.Sprintf("mail.attachments[%d]", i)
		if a.FileName == "" || len(a.FileName) > 200 || strings.ContainsAny(a.FileName, "/\\\r\n") {
			fields = append(fields, apperr.FieldError{Field: p + ".fileName", Message: "a file name of 1..200 characters, no slashes or line breaks"})
		}
		if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
			fields = append(fields, apperr.FieldError{Field: p + ".contentType", Message: "a media type, e.g. application/pdf"})
		}
		if len(a.Data) == 0 {
			fields = append(fields, apperr.FieldError{Field: p + ".data", Message: "the file's bytes, base64"})
		}
		total += len(a.Data)
	}
	if total > MaxAttachmentBytes {
		fields = append(fields, apperr.FieldError{Field: "mail.attachments", Message: fmt.Sprintf("at most %d bytes in all", MaxAttachmentBytes)})
	}
	return apperr.Validation(fields)
}

// MaxReportMailBytes bounds a report mail's stored files (SES takes 40 MB a
// message, base64 included; the builder links larger files instead).
const MaxReportMailBytes = 29 << 20

// storedFiles reads a mail's stored files: the inline one first.
func (n *Notifier) storedFiles(ctx context.Context, m Mail) ([]Attachment, error) {
	if n.cfg.Files == nil {
		return nil, errors.New("the mail carries stored files and the notifier reads none")
	}
	var out []Attachment
	total := 0
	read := func(f events.ReportFile, cid string) error {
		b, err := n.cfg.Files.ReadFile(ctx, f.Key, MaxReportMailBytes)
		if err != nil {
			return fmt.Errorf("file %s: %w", f.Key, err)
		}
		if total += len(b); total > MaxReportMailBytes {
			return fmt.Errorf("file %s: the mail's files exceed %d bytes", f.Key, MaxReportMailBytes)
		}
		out = append(out, Attachment{FileName: f.FileName, ContentType: f.ContentType, Data: b, ContentID: cid})
		return nil
	}
	if m.Inline != nil {
		if err := read(m.Inline.File, m.Inline.ContentID); err != nil {
			return nil, err
		}
	}
	for _, f := range m.Files {
		if err := read(f, ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}
