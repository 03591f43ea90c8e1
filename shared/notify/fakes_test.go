package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/webhook"
)

// mailer records the mail it sends; failFor[address] refusals come first,
// then lostFor[address] sends whose answer is lost (the mail goes out, the
// caller gets a timeout).
type mailer struct {
	mu      sync.Mutex
	sent    []notify.Mail
	failFor map[string]int
	lostFor map[string]int
	// deadlines are the deadlines of the contexts mail was sent under.
	deadlines []time.Time
}

func (m *mailer) Send(ctx context.Context, mail notify.Mail) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dl, _ := ctx.Deadline()
	m.deadlines = append(m.deadlines, dl)
	if m.failFor[mail.To[0]] > 0 {
		m.failFor[mail.To[0]]--
		return "", fmt.Errorf("%w: MessageRejected: Email address is not verified", notify.ErrMailRefused)
	}
	m.sent = append(m.sent, mail)
	if m.lostFor[mail.To[0]] > 0 {
		m.lostFor[mail.To[0]]--
		return "", errors.New("send mail: context deadline exceeded")
	}
	return "msg-" + mail.To[0], nil
}

// to returns the subjects of the mail sent to address.
func (m *mailer) to(address string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, mail := range m.sent {
		if mail.To[0] == address {
			out = append(out, mail.Subject)
		}
	}
	return out
}

// mails returns the mail sent to address.
func (m *mailer) mails(address string) []notify.Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []notify.Mail
	for _, mail := range m.sent {
		if mail.To[0] == address {
			out = append(out, mail)
		}
	}
	return out
}

// record is one delivery's state in the deliveries fake, as the table keeps
// it: "sending" (held by attempt until), "failed" or "done"; repeats counts
// the takeovers of a delivery whose outcome was unknown.
type record struct {
	status, attempt string
	until           time.Time
	repeats         int
}

// deliveries is an in-memory notify.Deliveries with the store's lease rules.
type deliveries struct {
	mu   sync.Mutex
	recs map[string]*record
	// onClaim, when set, is called (in its own goroutine) after each claim.
	onClaim  func(l notify.Lease)
	received []string
	queries  int
	failMark bool
}

func recKey(eventID, key string) string { return eventID + "/" + key }

func (d *deliveries) MarkReceived(_ context.Context, e events.Event) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.received = append(d.received, e.ID)
	return nil
}

func (d *deliveries) DoneDeliveries(_ context.Context, eventID string) (map[string]bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queries++
	out := map[string]bool{}
	for k, r := range d.recs {
		if ev, key, _ := strings.Cut(k, "/"); ev == eventID && r.status == "done" {
			out[key] = true
		}
	}
	return out, nil
}

func (d *deliveries) ClaimDelivery(_ context.Context, l notify.Lease, now time.Time) (notify.Claim, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.recs == nil {
		d.recs = map[string]*record{}
	}
	k := recKey(l.EventID, l.Key)
	if d.onClaim != nil {
		go d.onClaim(l)
	}
	r := d.recs[k]
	switch {
	case r == nil || r.status == "failed":
		n := &record{status: "sending", attempt: l.Attempt, until: l.Until}
		if r != nil {
			n.repeats = r.repeats
		}
		d.recs[k] = n
		return notify.Claim{Taken: true}, nil
	case r.status == "done":
		return notify.Claim{Done: true}, nil
	case r.until.Before(now):
		prev := r.attempt
		r.attempt, r.until = l.Attempt, l.Until
		r.repeats++
		return notify.Claim{Taken: true, Repeat: true, Previous: prev}, nil
	}
	return notify.Claim{HeldUntil: r.until}, nil
}

func (d *deliveries) ReleaseDelivery(_ context.Context, l notify.Lease, outcome notify.Outcome) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := d.recs[recKey(l.EventID, l.Key)]
	if r == nil || r.status != "sending" || r.attempt != l.Attempt {
		return notify.ErrLeaseLost
	}
	if outcome == notify.Unknown {
		r.until = time.Time{}
	} else {
		r.status = "failed"
	}
	return nil
}

func (d *deliveries) MarkDeliveryDone(_ context.Context, l notify.Lease, _ time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failMark {
		return errors.New("throttled")
	}
	r := d.recs[recKey(l.EventID, l.Key)]
	if r == nil || r.status != "sending" || r.attempt != l.Attempt {
		return notify.ErrLeaseLost
	}
	r.status = "done"
	return nil
}

// hold makes a delivery held by a dead attempt until until, as a crashed
// notifier leaves it.
func (d *deliveries) hold(eventID, key string, until time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.recs == nil {
		d.recs = map[string]*record{}
	}
	d.recs[recKey(eventID, key)] = &record{status: "sending", attempt: "dead-attempt", until: until}
}

// finish records a held delivery made by its holder.
func (d *deliveries) finish(eventID, key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.recs[recKey(eventID, key)].status = "done"
}

// get returns a copy of one delivery's record.
func (d *deliveries) get(eventID, key string) record {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r := d.recs[recKey(eventID, key)]; r != nil {
		return *r
	}
	return record{}
}

func (d *deliveries) keys(eventID string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for k, r := range d.recs {
		if ev, key, _ := strings.Cut(k, "/"); ev == eventID && r.status == "done" {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// roster is a fixed roster.
type roster map[string]assignment.Manager

func (r roster) ManagerByID(_ context.Context, id string) (*assignment.Manager, error) {
	m, ok := r[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "manager %s not found", id)
	}
	return &m, nil
}

// targets is the list of webhook targets as stored: the test may change it
// between events.
type targets struct {
	mu   sync.Mutex
	list []webhook.Target
}

func (t *targets) WebhookTargets(context.Context) ([]webhook.Target, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.list), nil
}

func (t *targets) put(tg webhook.Target) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.list = append(t.list, tg)
}

// poster records the deliveries posted; failFor[target] failures come first.
type poster struct {
	mu      sync.Mutex
	posted  []webhook.Delivery
	to      []string
	failFor map[string]int
}

func (p *poster) Post(_ context.Context, t webhook.Target, d webhook.Delivery) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failFor[t.ID] > 0 {
		p.failFor[t.ID]--
		return errors.New("webhook " + t.ID + " answered 500")
	}
	p.posted = append(p.posted, d)
	p.to = append(p.to, t.ID)
	return nil
}

// notes is an in-memory notify.Notes keeping the first write of a note.
type notes struct {
	mu    sync.Mutex
	by    map[string]notify.Note
	order []string
}

func (n *notes) PutNote(_ context.Context, note notify.Note) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.by == nil {
		n.by = map[string]notify.Note{}
	}
	k := note.Recipient + "/" + note.ID
	if _, ok := n.by[k]; !ok {
		n.by[k] = note
		n.order = append(n.order, k)
	}
	return nil
}

// claimStore answers GetClaim from a map.
type claimStore map[string]claims.Claim

func (c claimStore) GetClaim(_ context.Context, id string) (*claims.Claim, error) {
	cl, ok := c[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	return &cl, nil
}

// fixture is a notifier on fakes.
type fixture struct {
	n          *notify.Notifier
	mail       *mailer
	deliveries *deliveries
	poster     *poster
	notes      *notes
	keys       *keys.Keys
	targets    *targets
	clock      *clock
}

// clock is a fake clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var testRoster = roster{
	"m-1": {ID: "m-1", Name: "Ирина Соколова", Email: "irina@claimsdesk.example", Active: true},
	"m-2": {ID: "m-2", Name: "Алексей Кузнецов", Email: "alexey@claimsdesk.example", Active: true},
	// On the roster without an address: notes only.
	"m-3": {ID: "m-3", Name: "Без Почты", Active: true},
}

func newFixture(t *testing.T, tg ...webhook.Target) *fixture {
	t.Helper()
	return newFixtureWith(t, func(*notify.Config) {}, tg...)
}

// newFixtureWith is newFixture with changes to the notifier's configuration.
func newFixtureWith(t *testing.T, change func(*notify.Config), tg ...webhook.Target) *fixture {
	t.Helper()
	k, err := keys.Derive(strings.Repeat("s", 40))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{mail: &mailer{failFor: map[string]int{}, lostFor: map[string]int{}}, deliveries: &deliveries{}, poster: &poster{failFor: map[string]int{}},
		notes: &notes{}, keys: k, targets: &targets{list: tg}, clock: &clock{t: at.Add(time.Minute)}}
	loc, _ := time.LoadLocation("Europe/Moscow")
	cfg := notify.Config{
		Mailer: f.mail, Deliveries: f.deliveries, Roster: testRoster, Targets: f.targets, Poster: f.poster, Notes: f.notes,
		Claims: claimStore{"RC-2026-000001": {ID: "RC-2026-000001", DealerID: "DLR-1"}, "RC-2026-000002": {ID: "RC-2026-000002"}},
		Keys:   k, SupervisorsEmail: "supervisors@claimsdesk.example", PublicBaseURL: "https://claims.example.com",
		Location: loc, Now: f.clock.Now,
		// A held delivery fails its message at once (tests that watch it
		// set their own).
		BusyWait: time.Nanosecond,
	}
	change(&cfg)
	if f.n, err = notify.New(cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

var at = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// event builds an outbox event of claim RC-2026-000001 (dealer DLR-1).
func event(t *testing.T, typ string, data any) events.Event {
	t.Helper()
	return eventOf(t, "RC-2026-000001", typ, data)
}

func eventOf(t *testing.T, claimID, typ string, data any) events.Event {
	t.Helper()
	e, err := events.NewRaw(typ, claimID, "managers:m-1", at, data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func body(t *testing.T, e events.Event) []byte {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
