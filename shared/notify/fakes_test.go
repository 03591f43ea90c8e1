package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/outbox"
	"github.com/claimsdesk/backend/shared/webhook"
)

// mailer records the mail it sends; failFor[address] failures come first.
type mailer struct {
	mu      sync.Mutex
	sent    []notify.Mail
	failFor map[string]int
}

func (m *mailer) Send(_ context.Context, mail notify.Mail) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failFor[mail.To[0]] > 0 {
		m.failFor[mail.To[0]]--
		return "", errors.New("MessageRejected: Email address is not verified")
	}
	m.sent = append(m.sent, mail)
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

// deliveries is an in-memory notify.Deliveries.
type deliveries struct {
	mu       sync.Mutex
	done     map[string]map[string]bool
	received []string
	queries  int
	failMark bool
	leases   map[string]time.Time
}

func (d *deliveries) MarkReceived(_ context.Context, e outbox.Event) error {
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
	for k := range d.done[eventID] {
		out[k] = true
	}
	return out, nil
}

func (d *deliveries) ClaimDelivery(_ context.Context, eventID, key string, now, until time.Time) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done[eventID][key] {
		return false, nil
	}
	if d.leases == nil {
		d.leases = map[string]time.Time{}
	}
	if held, ok := d.leases[eventID+"/"+key]; ok && held.After(now) {
		return false, nil
	}
	d.leases[eventID+"/"+key] = until
	return true, nil
}

func (d *deliveries) ReleaseDelivery(_ context.Context, eventID, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.leases, eventID+"/"+key)
	return nil
}

func (d *deliveries) MarkDeliveryDone(_ context.Context, eventID, key string, _ time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failMark {
		return errors.New("throttled")
	}
	if d.done == nil {
		d.done = map[string]map[string]bool{}
	}
	if d.done[eventID] == nil {
		d.done[eventID] = map[string]bool{}
	}
	d.done[eventID][key] = true
	return nil
}

func (d *deliveries) keys(eventID string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for k := range d.done[eventID] {
		out = append(out, k)
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

// targets is a fixed list of webhook targets.
type targets []webhook.Target

func (t targets) WebhookTargets(context.Context) ([]webhook.Target, error) { return t, nil }

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
}

var testRoster = roster{
	"m-1": {ID: "m-1", Name: "Ирина Соколова", Email: "irina@claimsdesk.example", Active: true},
	"m-2": {ID: "m-2", Name: "Алексей Кузнецов", Email: "alexey@claimsdesk.example", Active: true},
	// On the roster without an address: notes only.
	"m-3": {ID: "m-3", Name: "Без Почты", Active: true},
}

func newFixture(t *testing.T, tg ...webhook.Target) *fixture {
	t.Helper()
	k, err := keys.Derive(strings.Repeat("s", 40))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{mail: &mailer{failFor: map[string]int{}}, deliveries: &deliveries{}, poster: &poster{failFor: map[string]int{}}, notes: &notes{}, keys: k}
	loc, _ := time.LoadLocation("Europe/Moscow")
	f.n = notify.New(notify.Config{
		Mailer: f.mail, Deliveries: f.deliveries, Roster: testRoster, Targets: targets(tg), Poster: f.poster, Notes: f.notes,
		Claims: claimStore{"RC-2026-000001": {ID: "RC-2026-000001", DealerID: "DLR-1"}, "RC-2026-000002": {ID: "RC-2026-000002"}},
		Keys:   k, SupervisorsEmail: "supervisors@claimsdesk.example", PublicBaseURL: "https://claims.example.com",
		Location: loc,
	})
	return f
}

var at = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// event builds an outbox event of claim RC-2026-000001 (dealer DLR-1).
func event(t *testing.T, typ string, data any) outbox.Event {
	t.Helper()
	return eventOf(t, "RC-2026-000001", typ, data)
}

func eventOf(t *testing.T, claimID, typ string, data any) outbox.Event {
	t.Helper()
	e, err := outbox.New(typ, claimID, "managers:m-1", at, data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func body(t *testing.T, e outbox.Event) []byte {
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
