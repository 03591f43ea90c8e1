package intake_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/seed"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/workflow"
)

// now is the fixed clock of every test: a Saturday morning in March.
var now = time.Date(2026, 3, 14, 10, 30, 15, 0, time.UTC)

// fakeStore is an in-memory intake.Store that records what intake asks of
// it, with the semantics of the DynamoDB one: keys held by their owner,
// rate-limit counters refusing at their limit, claims stored once.
type fakeStore struct {
	mu           sync.Mutex
	counter      int64
	years        []int
	contacts     map[string]string // alias -> customer ID
	contactCalls []string
	created      []*intake.NewClaim
	claims       map[string]*claims.Claim // for GetClaim (replays)
	// createErrs are returned by the next CreateClaim calls, one each (nil
	// entries let a call through); createErr by every call after them.
	createErrs []error
	createErr  error
	// createLost stores the claim but loses the answer (a timeout) once.
	createLost   bool
	createCalls  int
	turns        map[string]int64  // assignment pool -> last turn
	personal     map[string]string // customer ID -> personal manager key
	pmRefusals   int               // CreateClaim calls refused for the personal manager
	keys         map[string]*intake.IdempotencyRecord
	rates        map[string]int
	reservations []intake.Reservation
	releases     []string // "<owner> <number> <turn>"
	// onRead runs (unlocked) before each IdempotencyRecord read.
	onRead func()
	// flagQueries are the FlagLookup calls; flagErr fails them.
	flagQueries []intake.FlagQuery
	flagErr     error
}

func newFakeStore() *fakeStore {
	return &fakeStore{contacts: map[string]string{}, claims: map[string]*claims.Claim{}, turns: map[string]int64{}, personal: map[string]string{},
		keys: map[string]*intake.IdempotencyRecord{}, rates: map[string]int{}}
}

func (s *fakeStore) Reserve(_ context.Context, r *intake.Reservation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reservations = append(s.reservations, *r)
	if k := r.Key; k != nil {
		rec, ok := s.keys[k.Scope+"#"+k.Key]
		if ok && (r.Replaces == "" || rec.Owner != r.Replaces || rec.ClaimID != "") {
			return &intake.KeyHeldError{Record: *rec}
		}
		if !ok && r.Replaces != "" {
			return fmt.Errorf("takeover of an absent key")
		}
	}
	for _, rl := range r.RateLimits {
		if s.rates[rl.Key] >= rl.Limit {
			return apperr.Errorf(apperr.RateLimited, "too many claims")
		}
	}
	for _, rl := range r.RateLimits {
		s.rates[rl.Key]++
	}
	if k := r.Key; k != nil {
		s.keys[k.Scope+"#"+k.Key] = &intake.IdempotencyRecord{BodyHash: k.BodyHash, Owner: k.Owner, LeaseUntil: r.LeaseUntil, Number: r.Number, Turn: r.Turn}
	}
	return nil
}

func (s *fakeStore) IdempotencyRecord(_ context.Context, scope, key string) (*intake.IdempotencyRecord, error) {
	if s.onRead != nil {
		s.onRead()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.keys[scope+"#"+key]
	if !ok {
		return nil, nil
	}
	cp := *rec
	return &cp, nil
}

func (s *fakeStore) Release(_ context.Context, r *intake.Reservation, number string, turn int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releases = append(s.releases, fmt.Sprintf("%s %s %d", r.Key.Owner, number, turn))
	rec := s.keys[r.Key.Scope+"#"+r.Key.Key]
	if rec == nil || rec.Owner != r.Key.Owner || rec.ClaimID != "" {
		return nil
	}
	rec.LeaseUntil = time.Time{}
	if number != "" {
		rec.Number, rec.Turn = number, turn
	}
	return nil
}

func (s *fakeStore) NextNumber(_ context.Context, year int, pool string) (int64, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counter++
	s.years = append(s.years, year)
	if pool == "" {
		return s.counter, 0, nil
	}
	s.turns[pool]++
	return s.counter, s.turns[pool], nil
}

func (s *fakeStore) CustomerByContact(_ context.Context, contact string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contactCalls = append(s.contactCalls, contact)
	return s.contacts[contact], nil
}

func (s *fakeStore) CreateClaim(_ context.Context, nc *intake.NewClaim) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.createCalls++
	if len(s.createErrs) > 0 {
		err := s.createErrs[0]
		s.createErrs = s.createErrs[1:]
		if err != nil {
			return err
		}
	} else if s.createErr != nil {
		return s.createErr
	}
	if pm := s.personal[nc.Customer.ID]; pm != "" && slices.Contains(nc.Customer.NotManagedBy, pm) {
		s.pmRefusals++
		return &intake.PersonalManagerError{Manager: pm}
	}
	if _, taken := s.claims[nc.Claim.ID]; taken {
		return fmt.Errorf("transaction cancelled: %w", intake.ErrNumberTaken)
	}
	var rec *intake.IdempotencyRecord
	if k := nc.Idempotency; k != nil {
		rec = s.keys[k.Scope+"#"+k.Key]
		if rec == nil || rec.Owner != k.Owner || rec.ClaimID != "" {
			return fmt.Errorf("transaction cancelled: %w", intake.ErrReservationLost)
		}
		*rec = intake.IdempotencyRecord{BodyHash: k.BodyHash, ClaimID: nc.Claim.ID}
	}
	s.created = append(s.created, nc)
	c := *nc.Claim
	s.claims[c.ID] = &c
	if s.createLost {
		s.createLost = false
		return fmt.Errorf("no answer: %w", intake.ErrTransient)
	}
	return nil
}

// FlagLookup answers from the claims stored, as the table's indexes would:
// open claims on the serial, and the latest claim under each essence key
// since q.Since.
func (s *fakeStore) FlagLookup(_ context.Context, q intake.FlagQuery) (*intake.FlagFindings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flagQueries = append(s.flagQueries, q)
	if s.flagErr != nil {
		return nil, s.flagErr
	}
	out := &intake.FlagFindings{}
	latest := map[string]*claims.Claim{}
	for i := len(s.created) - 1; i >= 0; i-- {
		c := s.claims[s.created[i].Claim.ID]
		if q.Serial != "" && c.Product.Serial == q.Serial && !workflow.Terminal(c.Stage) {
			out.OpenOnSerial = append(out.OpenOnSerial, c.ID)
		}
		for _, k := range claims.EssenceIndexKeys(c.Claimant, c.Essence) {
			if latest[k] == nil {
				latest[k] = c
			}
		}
	}
	for _, k := range q.EssenceKeys {
		if c := latest[k]; c != nil && !c.CreatedAt.Before(q.Since) {
			out.SameEssence = append(out.SameEssence, c.ID)
		}
	}
	return out, nil
}

func (s *fakeStore) GetClaim(_ context.Context, id string) (*claims.Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.claims[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "claim %s not found", id)
	}
	cp := *c
	return &cp, nil
}

// storedObject is an upload as the fake bucket keeps it.
type storedObject struct {
	obj     intake.Object
	content []byte
}

// fakeFiles is an in-memory bucket of uploads.
type fakeFiles struct {
	mu        sync.Mutex
	objects   map[string]storedObject
	presigned []intake.UploadSpec
	statErr   error
}

func newFakeFiles() *fakeFiles { return &fakeFiles{objects: map[string]storedObject{}} }

func (f *fakeFiles) PresignUpload(_ context.Context, spec intake.UploadSpec) (*intake.Upload, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.presigned = append(f.presigned, spec)
	return &intake.Upload{URL: "https://uploads.example/bucket", Fields: map[string]string{"key": spec.Key}}, nil
}

func (f *fakeFiles) Stat(_ context.Context, key string) (*intake.Object, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.statErr != nil {
		return nil, f.statErr
	}
	o, ok := f.objects[key]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "no object %s", key)
	}
	obj := o.obj
	return &obj, nil
}

func (f *fakeFiles) Head(_ context.Context, key string, n int) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objects[key]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "no object %s", key)
	}
	return bytes.Clone(o.content[:min(n, len(o.content))]), nil
}

// put stores an upload of scope; size 0 means the content's length.
func (f *fakeFiles) put(scope, id, contentType, fileName string, content []byte, size int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if size == 0 {
		size = int64(len(content))
	}
	f.objects[intake.UploadKey(scope, id)] = storedObject{
		obj:     intake.Object{ContentType: contentType, Size: size, Metadata: map[string]string{"filename": fileName}},
		content: content,
	}
}

// fakePublisher records published batches.
type fakePublisher struct {
	mu        sync.Mutex
	published [][]events.Event
	err       error
}

func (p *fakePublisher) Publish(_ context.Context, events []events.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published = append(p.published, events)
	return p.err
}

// fixedCatalog serves one catalog.
type fixedCatalog struct{ cat *catalog.Catalog }

func (c fixedCatalog) Catalog(context.Context) (*catalog.Catalog, error) { return c.cat, nil }

// fakeChangeStore is an in-memory intake.ChangeStore of claim details.
type fakeChangeStore struct {
	mu       sync.Mutex
	details  map[string]*registry.Detail
	applied  []*claims.Change
	applyErr error
}

func (s *fakeChangeStore) ClaimDetail(_ context.Context, id string) (*registry.Detail, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.details[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "claim %s not found", id)
	}
	cp := *d
	cp.Attachments = append([]claims.Attachment(nil), d.Attachments...)
	cp.History = append([]claims.Event(nil), d.History...)
	return &cp, nil
}

func (s *fakeChangeStore) ApplyChange(_ context.Context, ch *claims.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.applyErr != nil {
		return s.applyErr
	}
	s.applied = append(s.applied, ch)
	return nil
}

// env is a Service with its fakes.
type env struct {
	svc    *intake.Service
	store  *fakeStore
	files  *fakeFiles
	pub    *fakePublisher
	keys   *keys.Keys
	cat    *catalog.Catalog
	roster intake.Roster
	sla    sla.Source
	clock  *fakeClock
	t      testing.TB
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv with claims assigned from roster (nil: unassigned).
func newEnvWith(t *testing.T, roster intake.Roster) *env {
	t.Helper()
	cat, err := seed.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.Derive(strings.Repeat("test-secret-", 4))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: newFakeStore(), files: newFakeFiles(), pub: &fakePublisher{}, keys: k, cat: cat, roster: roster, t: t}
	e.setLocation(time.UTC, now)
	return e
}

// setLocation rebuilds the service with the company's time zone and clock.
// The clock stands still but for the service's pauses, which move it.
func (e *env) setLocation(loc *time.Location, at time.Time) {
	e.clock = &fakeClock{at: at}
	e.svc = e.service(intake.Config{
		Store: e.store, Files: e.files, Catalog: fixedCatalog{e.cat}, Publisher: e.pub, Keys: e.keys,
		Roster: e.roster, SLA: e.sla, Location: loc, Now: e.clock.now, Sleep: e.clock.sleep,
	})
}

// service returns the Service of cfg, failing the test when it is refused.
func (e *env) service(cfg intake.Config) *intake.Service {
	e.t.Helper()
	svc, err := intake.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return svc
}

// fakeClock is a clock that moves only when the service pauses.
type fakeClock struct {
	mu     sync.Mutex
	at     time.Time
	pauses []time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
	c.pauses = append(c.pauses, d)
	return nil
}

// uploadID returns the n-th well-formed upload ID.
func uploadID(n int) string { return fmt.Sprintf("%024d", n) }

// File heads by format.
var (
	jpegBytes = pad([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00})
	pngBytes  = pad([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	webpBytes = pad([]byte("RIFF\x24\x00\x00\x00WEBPVP8 "))
	gifBytes  = pad([]byte("GIF89a\x01\x00\x01\x00"))
	pdfBytes  = pad([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"))
	mp4Bytes  = pad([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"))
	movBytes  = pad([]byte("\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  "))
	heicBytes = pad([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"))
	heifBytes = pad([]byte("\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic"))
	webmBytes = pad([]byte{0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01})
	zipBytes  = pad([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"))
	peBytes   = pad([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"))
)

// pad fills a file head to a realistic length with binary noise.
func pad(head []byte) []byte {
	out := append([]byte(nil), head...)
	for i := len(out); i < 600; i++ {
		out = append(out, byte(i*7+1))
	}
	return out
}

// validDraft is a claim that passes validation for type "cosmetic" (zones
// product and defect, one photo each at least), written the way people type.
func validDraft() claims.Draft {
	return claims.Draft{
		Channel:       claims.ChannelQR,
		Claimant:      claims.Claimant{Name: "  Ivan \t Petrov ", Email: " Ivan.Petrov@Example.COM ", Phone: "8 916 123-45-67"},
		Product:       claims.Product{Model: " KX-200 ", Serial: "SN12345", PurchaseDate: "2025-11-02"},
		CategoryID:    "defect",
		TypeID:        "cosmetic",
		Essence:       "  The lid is\r\nscratched\u200b all over\x00  ",
		DesiredResult: claims.Repair,
		Language:      " EN ",
		QRCode:        "QR7",
	}
}

// fieldsOf returns the code and field paths of an application error.
func fieldsOf(err error) (apperr.Code, []string) {
	e, ok := apperr.As(err)
	if !ok {
		return apperr.CodeOf(err), nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return e.Code, out
}
