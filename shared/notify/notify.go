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
// It defines the channel and state interfaces (Mailer, Deliveries, Roster,
// Targets, Poster, Notes, Claims) that infrastructure packages implement; it
// imports no AWS package.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/outbox"
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
}

// Command is a plain mail request on the queue (no event behind it).
type Command struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // "email"
	Mail *Mail  `json:"mail,omitempty"`
}

// Mailer sends mail and returns the provider's message ID.
type Mailer interface {
	Send(ctx context.Context, m Mail) (string, error)
}

// Deliveries remembers which deliveries of each event were made.
type Deliveries interface {
	// MarkReceived takes the event off the outbox's pending list: it has
	// reached the notifier, so the relay must not publish it again. An
	// event that is not in the outbox is no error.
	MarkReceived(ctx context.Context, e outbox.Event) error
	// DoneDeliveries returns the keys of the event's deliveries already
	// made.
	DoneDeliveries(ctx context.Context, eventID string) (map[string]bool, error)
	// ClaimDelivery takes a delivery for until: false when it is made or
	// another attempt holds it (the same event received twice at once, as
	// after a relay). A claim whose holder died expires at until.
	ClaimDelivery(ctx context.Context, eventID, key string, now, until time.Time) (bool, error)
	// ReleaseDelivery gives up a claim whose delivery failed, so that the
	// retry need not wait for it to expire.
	ReleaseDelivery(ctx context.Context, eventID, key string) error
	// MarkDeliveryDone records one delivery of the event as made.
	MarkDeliveryDone(ctx context.Context, eventID, key string, at time.Time) error
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

// Config wires a Notifier. Mailer, Deliveries and Keys are required; an
// absent Roster, Targets/Poster or Notes switches that channel off.
type Config struct {
	Mailer     Mailer
	Deliveries Deliveries
	Roster     Roster
	Targets    Targets
	Poster     Poster
	Notes      Notes
	Claims     Claims
	Keys       *keys.Keys
	// SupervisorsEmail receives the supervisors' mail ("" = none; they
	// still get in-app notes).
	SupervisorsEmail string
	// PublicBaseURL is the site of tracking links in mails after the first
	// (the claim.received event carries the site the claim came through).
	PublicBaseURL string
	// StaffLanguage is the language of mail to the claims department
	// (default Russian).
	StaffLanguage string
	// Location is the company's time zone, for due times in mail.
	Location *time.Location
	// RosterTTL and TargetsTTL are how long managers and webhook targets
	// are kept before being read again (0: read every time).
	RosterTTL, TargetsTTL time.Duration
	// Parallel bounds the deliveries of one event made at once (default 4).
	Parallel int
	// Lease is how long an attempt holds a delivery it is making (default
	// 15 s: longer than a webhook call may take).
	Lease  time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// Notifier delivers messages.
type Notifier struct {
	cfg      Config
	targets  *cache.Value[[]webhook.Target]
	mu       sync.Mutex
	managers map[string]cachedManager
}

type cachedManager struct {
	m       *assignment.Manager
	fetched time.Time
}

// New returns a Notifier.
func New(cfg Config) *Notifier {
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
		cfg.Lease = 15 * time.Second
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.StaffLanguage == "" {
		cfg.StaffLanguage = "ru"
	}
	n := &Notifier{cfg: cfg, managers: map[string]cachedManager{}}
	if cfg.Targets != nil && cfg.Poster != nil {
		n.targets = &cache.Value[[]webhook.Target]{Load: cfg.Targets.WebhookTargets, TTL: cfg.TargetsTTL, Now: cfg.Now}
	}
	return n
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
		var e outbox.Event
		if err := json.Unmarshal(body, &e); err != nil || e.ID == "" || e.ClaimID == "" {
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
	id, err := n.cfg.Mailer.Send(ctx, *c.Mail)
	if err != nil {
		return fmt.Errorf("deliver notification %s: %w", c.ID, err)
	}
	n.cfg.Logger.InfoContext(ctx, "mail sent", "notificationId", c.ID, "messageId", id, "to", strings.Join(c.Mail.To, ","))
	return nil
}

// Delivery is one thing an event causes: exactly one of Mail, Webhook and
// Note is set. Key identifies it among the event's deliveries, the same on
// every redelivery of the event.
type Delivery struct {
	Key     string
	Mail    *Mail
	Webhook *WebhookDelivery
	Note    *Note
}

// WebhookDelivery is an event on its way to a target.
type WebhookDelivery struct {
	Target   webhook.Target
	Delivery webhook.Delivery
}

// Channel names the delivery's channel: "mail", "webhook" or "note".
func (d Delivery) Channel() string {
	switch {
	case d.Mail != nil:
		return "mail"
	case d.Webhook != nil:
		return "webhook"
	}
	return "note"
}

func (n *Notifier) deliverEvent(ctx context.Context, e outbox.Event) error {
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
	// Mail and notes first, webhooks after: a webhook target that hangs
	// (and a process that dies meanwhile) then finds the mail already sent
	// and recorded, so a retry does not send it again. Only a crash in the
	// instant between SES accepting a mail and its record repeats it.
	var local, remote []Delivery
	for _, d := range todo {
		if d.Webhook != nil {
			remote = append(remote, d)
		} else {
			local = append(local, d)
		}
	}
	errs := append(n.performAll(ctx, log, e, local), n.performAll(ctx, log, e, remote)...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	return nil
}

// performAll makes deliveries, Parallel at a time.
func (n *Notifier) performAll(ctx context.Context, log *slog.Logger, e outbox.Event, ds []Delivery) []error {
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
// message is retried and then finds it done.
var ErrBusy = errors.New("another attempt is making this delivery")

// perform takes one delivery, makes it and records it.
func (n *Notifier) perform(ctx context.Context, log *slog.Logger, e outbox.Event, d Delivery) error {
	log = log.With("delivery", d.Key)
	now := n.cfg.Now().UTC()
	ok, err := n.cfg.Deliveries.ClaimDelivery(ctx, e.ID, d.Key, now, now.Add(n.cfg.Lease))
	if err != nil {
		return fmt.Errorf("%s: %w", d.Key, err)
	}
	if !ok {
		log.InfoContext(ctx, "delivery held by another attempt")
		return fmt.Errorf("%s: %w", d.Key, ErrBusy)
	}
	switch {
	case d.Mail != nil:
		id, err := n.cfg.Mailer.Send(ctx, *d.Mail)
		if err != nil {
			return n.failed(ctx, log, e, d, err)
		}
		log = log.With("messageId", id)
	case d.Webhook != nil:
		if err := n.cfg.Poster.Post(ctx, d.Webhook.Target, d.Webhook.Delivery); err != nil {
			return n.failed(ctx, log, e, d, err)
		}
	case d.Note != nil:
		if err := n.cfg.Notes.PutNote(ctx, *d.Note); err != nil {
			return n.failed(ctx, log, e, d, err)
		}
	}
	if err := n.cfg.Deliveries.MarkDeliveryDone(ctx, e.ID, d.Key, n.cfg.Now().UTC()); err != nil {
		// Made but not recorded: a retry makes it again. Mail may then
		// arrive twice; webhooks carry the same delivery ID and notes the
		// same note ID, so their receivers see one.
		return fmt.Errorf("%s: %w", d.Key, err)
	}
	log.InfoContext(ctx, "delivered", "channel", d.Channel())
	return nil
}

// failed releases a failed delivery's claim and returns its error.
func (n *Notifier) failed(ctx context.Context, log *slog.Logger, e outbox.Event, d Delivery, err error) error {
	log.WarnContext(ctx, "delivery failed", "error", err.Error())
	if rerr := n.cfg.Deliveries.ReleaseDelivery(ctx, e.ID, d.Key); rerr != nil {
		log.WarnContext(ctx, "releasing the failed delivery failed; it waits for its lease", "error", rerr.Error())
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
	return apperr.Validation(fields)
}
