// Package chattest provides in-memory fakes for testing the chat service and
// its HTTP handlers: a claim store behind a real casework.Service, a bucket of
// uploads, an outbox publisher and a small catalog. It is for tests only and
// imports no AWS package.
//
// Layer: testing.
package chattest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/chat"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/registry"
)

// Now is the fixed clock of the fakes.
var Now = time.Date(2026, 3, 14, 10, 30, 0, 0, time.UTC)

// Store is an in-memory claim store: casework.Store, chat.DetailReader and
// intake.ChangeStore. Its claims are copies, as a database's would be.
type Store struct {
	mu       sync.Mutex
	claims   map[string]claims.Claim
	history  map[string][]claims.Event
	messages map[string][]claims.Message
	files    map[string][]claims.Attachment
	// Outbox is every event written with a change.
	Outbox []events.Event
	// Fail, when set, is returned by ApplyChange once and cleared.
	Fail error
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{claims: map[string]claims.Claim{}, history: map[string][]claims.Event{},
		messages: map[string][]claims.Message{}, files: map[string][]claims.Attachment{}}
}

// Put stores a claim with a first history entry sealed onto its chain.
func (s *Store) Put(c claims.Claim) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev := claims.Event{Seq: 1, Type: claims.EventCreated, Actor: "public", At: c.CreatedAt}
	if err := ev.Seal(""); err != nil {
		panic(err)
	}
	c.Version, c.HistoryHash = 1, ev.Hash
	s.claims[c.ID] = c
	s.history[c.ID] = []claims.Event{ev}
}

// AddMessage stores a message directly (an earlier conversation).
func (s *Store) AddMessage(claimID string, m claims.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages[claimID] = append(s.messages[claimID], m)
}

// GetClaim implements casework.Store.
func (s *Store) GetClaim(_ context.Context, id string) (*claims.Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.claims[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "claim %s not found", id)
	}
	return &c, nil
}

// ApplyChange implements casework.Store: Conflict when the stored version is
// not the change's PrevVersion.
func (s *Store) ApplyChange(_ context.Context, ch *claims.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.Fail; err != nil {
		s.Fail = nil
		return err
	}
	cur, ok := s.claims[ch.Claim.ID]
	if !ok {
		return apperr.Errorf(apperr.NotFound, "claim %s not found", ch.Claim.ID)
	}
	if cur.Version != ch.PrevVersion {
		return apperr.Errorf(apperr.Conflict, "claim %s is at version %d", cur.ID, cur.Version)
	}
	s.claims[cur.ID] = *ch.Claim
	s.history[cur.ID] = append(s.history[cur.ID], ch.Event)
	for _, m := range ch.Messages {
		// The table keeps what the message's JSON keeps.
		m.Attachments = slices.Clone(m.Attachments)
		for i := range m.Attachments {
			m.Attachments[i].Key = ""
		}
		s.messages[cur.ID] = append(s.messages[cur.ID], m)
	}
	s.files[cur.ID] = append(s.files[cur.ID], ch.Files...)
	s.Outbox = append(s.Outbox, ch.Outbox...)
	return nil
}

// ClaimDetail implements chat.DetailReader; messages in key order (time).
func (s *Store) ClaimDetail(_ context.Context, id string) (*registry.Detail, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.claims[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "claim %s not found", id)
	}
	msgs := slices.Clone(s.messages[id])
	slices.SortStableFunc(msgs, func(a, b claims.Message) int { return a.At.Compare(b.At) })
	return &registry.Detail{Claim: c, History: slices.Clone(s.history[id]), Messages: msgs, Attachments: slices.Clone(s.files[id])}, nil
}

// History returns a claim's history.
func (s *Store) History(id string) []claims.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.history[id])
}

// Messages returns a claim's stored messages.
func (s *Store) Messages(id string) []claims.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages[id])
}

// Object is an upload in the fake bucket.
type Object struct {
	intake.Object
	Content []byte
}

// Files is an in-memory bucket of uploads (intake.Files).
type Files struct {
	mu        sync.Mutex
	objects   map[string]Object
	Presigned []intake.UploadSpec
	// StatErr, when set, fails every Stat.
	StatErr error
}

// NewFiles returns an empty bucket.
func NewFiles() *Files { return &Files{objects: map[string]Object{}} }

// PresignUpload implements intake.Files.
func (f *Files) PresignUpload(_ context.Context, spec intake.UploadSpec) (*intake.Upload, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Presigned = append(f.Presigned, spec)
	fields := map[string]string{"key": spec.Key}
	if spec.ContentType != "" {
		fields["Content-Type"] = spec.ContentType
	}
	return &intake.Upload{URL: "https://uploads.example/bucket", Fields: fields}, nil
}

// Stat implements intake.Files.
func (f *Files) Stat(_ context.Context, key string) (*intake.Object, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.StatErr != nil {
		return nil, f.StatErr
	}
	o, ok := f.objects[key]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "no file %s", key)
	}
	obj := o.Object
	obj.Metadata = maps.Clone(o.Metadata)
	return &obj, nil
}

// Head implements intake.Files.
func (f *Files) Head(_ context.Context, key string, n int) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objects[key]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "no file %s", key)
	}
	return o.Content[:min(n, len(o.Content))], nil
}

// Put stores an upload of scope under id, as a browser would after a
// presigned POST; size 0 means the content's length.
func (f *Files) Put(scope, id, contentType, fileName string, content []byte, size int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if size == 0 {
		size = int64(len(content))
	}
	f.objects[intake.UploadKey(scope, id)] = Object{
		Object:  intake.Object{ContentType: contentType, Size: size, Metadata: map[string]string{"filename": fileName}},
		Content: content,
	}
}

// Publisher records published events.
type Publisher struct {
	mu     sync.Mutex
	Events []events.Event
}

// Publish implements casework.Publisher.
func (p *Publisher) Publish(_ context.Context, events []events.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Events = append(p.Events, events...)
	return nil
}

// Catalog is a fixed catalog.Source.
type Catalog struct{ C *catalog.Catalog }

// Catalog implements catalog.Source.
func (c Catalog) Catalog(context.Context) (*catalog.Catalog, error) { return c.C, nil }

var images = []string{"image/jpeg", "image/png", "image/webp", "image/heic"}

// TestCatalog has a type with photo, video and document zones
// ("overheating") and one that takes no files ("staff_conduct").
func TestCatalog() *catalog.Catalog {
	return &catalog.Catalog{
		Categories: []catalog.Category{{ID: "product", Name: catalog.Text{"ru": "Товар", "en": "Product"}, Active: true}},
		Types: []catalog.Type{
			{ID: "overheating", CategoryID: "product", Name: catalog.Text{"ru": "Перегрев", "en": "Overheating"}, Active: true,
				DefaultPriority: catalog.High,
				PhotoZones: []catalog.PhotoZone{
					{ID: "product", Title: catalog.Text{"ru": "Товар", "en": "Product"}, Min: 1, Max: 5, MediaTypes: images, MaxBytes: 1 << 20},
					{ID: "video", Title: catalog.Text{"ru": "Видео", "en": "Video"}, Max: 2, MediaTypes: []string{"video/mp4", "video/quicktime"}, MaxBytes: 8 << 20},
					{ID: "documents", Title: catalog.Text{"ru": "Документы", "en": "Documents"}, Max: 5, MediaTypes: []string{"application/pdf", "image/jpeg"}, MaxBytes: 4 << 20},
				}},
			{ID: "staff_conduct", CategoryID: "product", Name: catalog.Text{"ru": "Поведение", "en": "Conduct"}, Active: true, DefaultPriority: catalog.Normal},
		},
	}
}

// Claim returns claim n of dealer D-1, assigned to manager m-1, at stage.
func Claim(n int64, stage claims.Stage) claims.Claim {
	return claims.Claim{
		ID: claims.Number(2026, n), Channel: claims.ChannelQR, DealerID: "D-1", Assignee: "m-1",
		Claimant:   claims.Claimant{Name: "Анна Смирнова", Email: "anna@example.com"},
		CategoryID: "product", TypeID: "overheating", Essence: "Греется корпус", Stage: stage,
		Language: "ru", CreatedAt: Now.Add(-48 * time.Hour), UpdatedAt: Now.Add(-48 * time.Hour),
	}
}

// Env is a chat service wired to the fakes.
type Env struct {
	Store     *Store
	Files     *Files
	Publisher *Publisher
	Work      *casework.Service
	Chat      *chat.Service
	Intake    *intake.Service
	// Clock is what the services' Now returns; tests may move it.
	Clock time.Time
}

// NewEnv wires a chat service (with intake for presigned uploads) to fresh
// fakes and TestCatalog. It panics when a constructor refuses the fakes (a
// broken fake, not a test failure).
func NewEnv() *Env {
	e := &Env{Store: NewStore(), Files: NewFiles(), Publisher: &Publisher{}, Clock: Now}
	now := func() time.Time { return e.Clock }
	cat := Catalog{TestCatalog()}
	k, err := keys.Derive("chattest-secret-chattest-secret-chattest")
	if err != nil {
		panic(err)
	}
	if e.Work, err = casework.New(casework.Config{Store: e.Store, Publisher: e.Publisher, Catalog: cat, Now: now}); err != nil {
		panic(err)
	}
	if e.Chat, err = chat.New(chat.Config{Work: e.Work, Files: e.Files, Catalog: cat, Details: e.Store, Now: now}); err != nil {
		panic(err)
	}
	// The chat fakes take no claims in: intake only presigns uploads here.
	if e.Intake, err = intake.New(intake.Config{Store: noIntake{}, Files: e.Files, Catalog: cat, Publisher: e.Publisher, Keys: k, Now: now}); err != nil {
		panic(err)
	}
	return e
}

// noIntake is the intake.Store of an Env: the chat fakes file no claims,
// so every call fails.
type noIntake struct{}

var errNoIntake = apperr.Errorf(apperr.Internal, "chattest: claims are not filed through the chat fakes")

func (noIntake) Reserve(context.Context, *intake.Reservation) error { return errNoIntake }
func (noIntake) IdempotencyRecord(context.Context, string, string) (*intake.IdempotencyRecord, error) {
	return nil, errNoIntake
}
func (noIntake) Release(context.Context, *intake.Reservation, string, int64) error {
	return errNoIntake
}
func (noIntake) NextNumber(context.Context, int, string) (int64, int64, error) {
	return 0, 0, errNoIntake
}
func (noIntake) CustomerByContact(context.Context, string) (string, error) { return "", errNoIntake }
func (noIntake) CreateClaim(context.Context, *intake.NewClaim) error       { return errNoIntake }
func (noIntake) GetClaim(context.Context, string) (*claims.Claim, error)   { return nil, errNoIntake }
func (noIntake) FlagLookup(context.Context, intake.FlagQuery) (*intake.FlagFindings, error) {
	return nil, errNoIntake
}

const idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// UploadID returns a well-formed upload ID, distinct for each n.
func UploadID(n int) string {
	s := fmt.Sprintf("%024d", n)
	return strings.Map(func(r rune) rune { return rune(idAlphabet[r-'0']) }, s)
}

// JPEG, PNG and PDF are the first bytes of such files (what Sniff reads).
var (
	JPEG = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00}, make([]byte, 64)...)
	PNG  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	PDF  = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
)
