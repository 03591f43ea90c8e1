// Package webhook sends outbox events to the company's own systems (a CRM
// such as Bitrix24, the ERP, a dealer's system): the targets an administrator
// registers, the signature every delivery carries, and the HTTP client that
// posts them.
//
// A target's signing secret is derived from the application's webhook key
// and the target's ID (HMAC-SHA256), so it is stable, never stored, and one
// target's secret says nothing about another's. A delivery is a POST of
//
//	{"deliveryId": "...", "event": {...the outbox event...}}
//
// with the headers Content-Type: application/json, X-ClaimsDesk-Event (the
// event type), X-ClaimsDesk-Delivery (the delivery ID, the same on every
// retry: receivers deduplicate by it), X-ClaimsDesk-Timestamp (Unix seconds)
// and X-ClaimsDesk-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." +
// body)>. A 2xx answer is success; anything else is a failure to retry.
//
// It imports only the standard library and the application's error, event
// and text-cleaning packages; it must not import AWS packages.
//
// Layer: domain.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/cleantext"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// The headers of a delivery.
const (
	HeaderEvent     = "X-ClaimsDesk-Event"
	HeaderDelivery  = "X-ClaimsDesk-Delivery"
	HeaderTimestamp = "X-ClaimsDesk-Timestamp"
	HeaderSignature = "X-ClaimsDesk-Signature"
)

// AllEvents subscribes a target to every event type it may receive.
const AllEvents = "*"

// EventTypes are the event types a target may subscribe to.
var EventTypes = events.TypeNames()

// DealerEventTypes are the event types a dealer's own system (a target with
// a dealerId) may receive: what the dealer sees of its claims anyway. The
// claims department's internal events (reassignments with their reasons,
// field edits, SLA warnings and escalations) stay inside the company.
var DealerEventTypes = []string{
	events.ClaimReceived, events.StageChanged, events.DecisionRecorded, events.OrderCreated, events.MessagePosted,
}

// Limits of a target.
const (
	MaxURL         = 2000
	MaxDescription = 500
)

var idPattern = lazyre.New(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// dealerPattern is the shape of a dealer ID (as in tokens' custom:dealer_id).
var dealerPattern = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidID reports whether s can be a target ID: 1-64 lower-case letters,
// digits, '-' and '_', starting with a letter or digit.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// Target is a system that receives events.
type Target struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Events are the event types sent to the target; "*" is every type it
	// may receive.
	Events []string `json:"events"`
	// DealerID limits the target to that dealer's claims (a dealer's own
	// system), and to DealerEventTypes.
	DealerID    string    `json:"dealerId,omitempty"`
	Active      bool      `json:"active"`
	Description string    `json:"description,omitempty"`
	UpdatedAt   time.Time `json:"updatedAt"`
	UpdatedBy   string    `json:"updatedBy"`
}

// Validate cleans the target and checks it; it returns an apperr.Invalid
// error naming every failing field ("id", "url", "events", "events[i]",
// "dealerId", "description").
func (t *Target) Validate() error {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	if !ValidID(t.ID) {
		add("id", "1-64 lower-case letters, digits, '-' and '_'")
	}
	t.URL = strings.TrimSpace(t.URL)
	if msg := checkURL(t.URL); msg != "" {
		add("url", msg)
	}
	t.DealerID = strings.TrimSpace(t.DealerID)
	if t.DealerID != "" && !dealerPattern.MatchString(t.DealerID) {
		add("dealerId", "a dealer ID: letters, digits, '.', '-' and '_'")
	}
	allowed := EventTypes
	if t.DealerID != "" {
		allowed = DealerEventTypes
	}
	if len(t.Events) == 0 {
		add("events", "at least one event type, or \"*\" for all")
	}
	var events []string
	for i, e := range t.Events {
		e = strings.TrimSpace(e)
		switch {
		case e == AllEvents:
		case slices.Contains(allowed, e):
		case slices.Contains(EventTypes, e):
			add(fmt.Sprintf("events[%d]", i), "an internal event: a dealer's target receives only "+strings.Join(DealerEventTypes, ", "))
			continue
		default:
			add(fmt.Sprintf("events[%d]", i), "one of "+strings.Join(EventTypes, ", ")+" or \"*\"")
			continue
		}
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	if slices.Contains(events, AllEvents) {
		events = []string{AllEvents}
	}
	t.Events = events
	// Control, invisible and bidirectional characters are dropped.
	t.Description = cleantext.Text(t.Description)
	if utf8.RuneCountInString(t.Description) > MaxDescription {
		add("description", fmt.Sprintf("at most %d characters", MaxDescription))
	}
	return apperr.Validation(f)
}

// checkURL returns what is wrong with a target URL, or "".
func checkURL(raw string) string {
	if raw == "" {
		return "required"
	}
	if len(raw) > MaxURL {
		return fmt.Sprintf("at most %d characters", MaxURL)
	}
	if raw != cleantext.Line(raw) || strings.ContainsRune(raw, ' ') {
		// A URL is not cleaned (that would change where it points): one
		// with spaces, control or bidirectional characters is refused.
		return "no spaces, control or bidirectional characters"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "an http or https URL"
	case u.Host == "" || u.Hostname() == "":
		return "an absolute URL with a host"
	case u.User != nil:
		// Credentials in the URL end up in logs; put them in the path
		// (as Bitrix24's inbound webhooks do) or rely on the signature.
		return "no user name or password in the URL"
	case u.Fragment != "":
		return "no #fragment"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "the port must be 1-65535"
		}
	}
	return ""
}

// Wants reports whether the target receives an event of type eventType about
// a claim of dealer ("" when the claim has no dealer).
func (t *Target) Wants(eventType, dealer string) bool {
	if !t.Active {
		return false
	}
	if t.DealerID != "" {
		if !strings.EqualFold(t.DealerID, dealer) || !slices.Contains(DealerEventTypes, eventType) {
			return false
		}
	}
	return slices.Contains(t.Events, AllEvents) || slices.Contains(t.Events, eventType)
}

// Secret is the signing secret of target id under the application's webhook
// key (keys.Keys.Webhook): hex of HMAC-SHA256(key, id).
func Secret(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil))
}

// Sign returns the signature header value of body sent at timestamp (Unix
// seconds): "v1=" + hex HMAC-SHA256 keyed with the secret's characters over
// timestamp + "." + body.
func Sign(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify is what a receiver does: it reports whether signature (the
// X-ClaimsDesk-Signature header) signs body at timestamp (the
// X-ClaimsDesk-Timestamp header) with secret, and the timestamp is within
// tolerance of now (replays of old deliveries are refused).
func Verify(secret, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) bool {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	return hmac.Equal([]byte(signature), []byte(Sign(secret, ts, body)))
}

// Payload is the body of a delivery.
type Payload struct {
	DeliveryID string       `json:"deliveryId"`
	Event      events.Event `json:"event"`
}

// Delivery is one event for one target, ready to post. Its ID and body are
// the same on every attempt; only the timestamp and signature change.
type Delivery struct {
	ID        string
	EventType string
	Body      []byte
}

// DeliveryID is the ID of the delivery of an event to a target.
func DeliveryID(eventID, targetID string) string { return eventID + "." + targetID }

// NewDelivery encodes event e for target t.
func NewDelivery(e events.Event, t Target) (Delivery, error) {
	id := DeliveryID(e.ID, t.ID)
	body, err := json.Marshal(Payload{DeliveryID: id, Event: e})
	if err != nil {
		return Delivery{}, fmt.Errorf("encode webhook delivery %s: %w", id, err)
	}
	return Delivery{ID: id, EventType: e.Type, Body: body}, nil
}

// Client posts deliveries.
type Client struct {
	cfg ClientConfig

	once    sync.Once
	guarded http.RoundTripper
}

// ClientConfig wires a Client. Key and Guard are required: a client
// without a guard would post wherever a target points, the instance
// metadata service included.
type ClientConfig struct {
	// Key is the application's webhook key (keys.Keys.Webhook).
	Key []byte
	// Guard refuses connections to addresses inside the network but those
	// it lists.
	Guard *Guard
	// Timeout bounds one attempt, connection included (default 10 s).
	Timeout time.Duration
	// Transport replaces the guarded transport (tests only: it bypasses
	// the guard).
	Transport http.RoundTripper
	Now       func() time.Time
	// UserAgent is the deliveries' User-Agent (default
	// "ClaimsDesk-Webhooks/1").
	UserAgent string
}

// NewClient returns a Client. It returns an Internal error naming each
// required dependency cfg lacks.
func NewClient(cfg ClientConfig) (*Client, error) {
	if err := deps.Check("webhook client", deps.Need("Key", cfg.Key), deps.Need("Guard", cfg.Guard)); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "ClaimsDesk-Webhooks/1"
	}
	return &Client{cfg: cfg}, nil
}

// transport returns the transport deliveries go through.
func (c *Client) transport() http.RoundTripper {
	if c.cfg.Transport != nil {
		return c.cfg.Transport
	}
	c.once.Do(func() {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Deliveries go straight to the target: a proxy's address would
		// be the one dialled and checked.
		t.Proxy = nil
		t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				host = addr
			}
			d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: c.cfg.Guard.Control(host)}
			return d.DialContext(ctx, network, addr)
		}
		c.guarded = t
	})
	return c.guarded
}

// Post sends d to t, signed with t's secret. It returns nil on a 2xx answer
// and an error naming the target otherwise (another status, a timeout, a
// connection failure); redirects are not followed (they are failures).
func (c *Client) Post(ctx context.Context, t Target, d Delivery) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(d.Body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", t.ID, err)
	}
	ts := c.cfg.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderEvent, d.EventType)
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(Secret(c.cfg.Key, t.ID), ts, d.Body))
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	client := &http.Client{
		Transport:     c.transport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: post delivery %s: %w", t.ID, d.ID, err)
	}
	defer res.Body.Close()
	// Read a little of the answer so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("webhook %s: delivery %s answered %d", t.ID, d.ID, res.StatusCode)
	}
	return nil
}
