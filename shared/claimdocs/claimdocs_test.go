package claimdocs

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/documents"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/workflow"
)

var (
	ctx = context.Background()
	now = time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
)

// fakeStore keeps claims, their history and documents in memory, and
// applies AddDocument's conditions as the table does.
type fakeStore struct {
	mu      sync.Mutex
	claims  map[string]claims.Claim
	history map[string][]claims.Event
	docs    map[string][]claims.Document
	files   map[string][]claims.Attachment
	orders  map[string]orders.Order
	config  map[string][]byte
	// raceOnce makes the next AddDocument lose a race: another record
	// moves the history first.
	raceOnce bool
}

func newStore() *fakeStore {
	return &fakeStore{claims: map[string]claims.Claim{}, history: map[string][]claims.Event{}, docs: map[string][]claims.Document{},
		files: map[string][]claims.Attachment{}, orders: map[string]orders.Order{}, config: map[string][]byte{}}
}

func (s *fakeStore) put(c claims.Claim) {
	ev := claims.Event{Seq: 1, Type: claims.EventCreated, Actor: "public", At: c.CreatedAt}
	if err := ev.Seal(""); err != nil {
		panic(err)
	}
	c.Version, c.HistorySeq, c.HistoryHash = 1, 1, ev.Hash
	s.claims[c.ID] = c
	s.history[c.ID] = []claims.Event{ev}
}

func (s *fakeStore) ClaimDetail(_ context.Context, id string) (*registry.Detail, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.claims[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "claim %s", id)
	}
	return &registry.Detail{Claim: c, History: slices.Clone(s.history[id]), Documents: slices.Clone(s.docs[id]), Attachments: slices.Clone(s.files[id])}, nil
}

func (s *fakeStore) AddDocument(_ context.Context, claimID string, prevHead int, entry claims.Event, d claims.Document) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.claims[claimID]
	for _, have := range s.docs[claimID] {
		if have.ID == d.ID {
			return &apperr.Error{Code: apperr.Conflict, Message: "exists", Details: map[string]any{"document": d.ID}}
		}
	}
	if s.raceOnce {
		s.raceOnce = false
		ev, err := claims.Record(&c, "note.added", "system", now, nil, nil)
		if err != nil {
			return err
		}
		s.claims[claimID] = c
		s.history[claimID] = append(s.history[claimID], ev)
	}
	if c.HistoryHead() != prevHead {
		return apperr.Errorf(apperr.Conflict, "history moved")
	}
	c.HistorySeq, c.HistoryHash = entry.Seq, entry.Hash
	s.claims[claimID] = c
	s.history[claimID] = append(s.history[claimID], entry)
	s.docs[claimID] = append(s.docs[claimID], d)
	return nil
}

func (s *fakeStore) Document(_ context.Context, claimID, id string) (*claims.Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.docs[claimID] {
		if d.ID == id {
			return &d, nil
		}
	}
	return nil, apperr.Errorf(apperr.NotFound, "document %s", id)
}

func (s *fakeStore) Order(_ context.Context, number string) (*orders.Order, error) {
	o, ok := s.orders[number]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "order %s", number)
	}
	return &o, nil
}

func (s *fakeStore) ConfigDoc(_ context.Context, name string) ([]byte, error) {
	b, ok := s.config[name]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "%s", name)
	}
	return b, nil
}

// fakeFiles is a bucket in memory.
type fakeFiles struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (f *fakeFiles) PutFile(_ context.Context, key, _ string, body []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[key] = slices.Clone(body)
	return nil
}

func (f *fakeFiles) ReadFile(_ context.Context, key string, limit int64) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.files[key]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "no file %s", key)
	}
	if int64(len(b)) > limit {
		return nil, apperr.Errorf(apperr.TooLarge, "too large")
	}
	return b, nil
}

type staticCatalog struct{ c *catalog.Catalog }

func (s staticCatalog) Catalog(context.Context) (*catalog.Catalog, error) { return s.c, nil }

const claimID = "RC-2026-000042"

type env struct {
	store *fakeStore
	files *fakeFiles
	svc   *Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := newStore()
	st.put(claims.Claim{
		ID: claimID, Channel: claims.ChannelDealerForm, DealerID: "D-7", Stage: workflow.InformationCheck, Language: "ru", Assignee: "m-1",
		Claimant: claims.Claimant{Name: "Пётр Сидоров", Company: "ООО «Мебель Плюс»", TaxID: "7712345678", Email: "petr@example.com"},
		Product:  claims.Product{Model: "TB-100"}, CategoryID: "discrepancy", TypeID: "shortage", Essence: "Не хватает двух петель в поставке",
		Order:     claims.Order{Reference: "SO-1001", Items: []claims.OrderItem{{SKU: "H-1", Quantity: 10}}},
		CreatedAt: now.Add(-48 * time.Hour), CreatedBy: "dealers:u-7",
	})
	st.orders["SO-1001"] = orders.Order{Number: "SO-1001", Kind: orders.Source, Customer: orders.Customer{Company: "ООО «Мебель Плюс»", TaxID: "7712345678"},
		DealerID: "D-7", Currency: "RUB", CreatedAt: now.Add(-10 * 24 * time.Hour), Items: []orders.Item{
			{SKU: "H-1", Name: "Петля накладная", Quantity: 10, Unit: "шт", Price: 12050},
			{SKU: "R-2", Name: "Направляющая 450 мм", Quantity: 4, Unit: "компл", Price: 99999},
			{SKU: "K-3", Name: "Кромка ПВХ", Quantity: 12.5, Unit: "м", Price: 1533},
		}}
	company, _ := json.Marshal(documents.Company{Name: "ClaimsDesk", LegalName: "ООО «Фурнитура Демо»", TaxID: "7701234567", Address: "Москва"})
	st.config[CompanyDoc] = company
	files := &fakeFiles{files: map[string][]byte{}}
	k, err := keys.Derive(strings.Repeat("s", 40))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(Config{Store: st, Files: files, Catalog: staticCatalog{&catalog.Catalog{}}, Keys: k, PublicBaseURL: "https://claims.example.com",
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return &env{store: st, files: files, svc: svc}
}

var dealer = &auth.Principal{UserID: "u-7", Roles: []auth.Role{auth.Dealer}, DealerID: "D-7"}

func q(v float64) Quantity { return Quantity{Value: v, Set: true} }

// goodRequest has one shortage line and one defect line.
func goodRequest() Torg2Request {
	return Torg2Request{
		ActNumber: "17", ActDate: "2026-12-05", Place: "Склад дилера, Москва", Department: "Склад №2",
		AcceptanceStarted: "2026-12-05T10:00", AcceptanceEnded: "2026-12-05T12:30",
		TransportDocuments: []TransportDocument{{Kind: "ТТН", Number: "4512", Date: "2026-12-04"}},
		Commission:         []CommissionMember{{Position: "Кладовщик", Name: "Иванов И. И."}, {Position: "Водитель", Name: "Петров П. П."}},
		Lines: []Torg2Line{
			{SKU: "H-1", ActualQuantity: q(8), Discrepancy: Shortage},
			{SKU: "K-3", ActualQuantity: q(12.5), DefectQuantity: q(2.5), Discrepancy: Defect, Description: "Скол кромки"},
		},
		Conclusion: "Недостача и брак подтверждены комиссией.",
	}
}

// TestTorg2FillsTheActFromTheOrder: each line takes its name, code, unit,
// documented quantity and price from the source order; the sums are
// quantity × price in kopecks; the totals add the lines; supplier and
// consignee come from the company and the order.
func TestTorg2FillsTheActFromTheOrder(t *testing.T) {
	e := newEnv(t)
	req := goodRequest()
	c := e.store.claims[claimID]
	act, err := e.svc.fillTorg2(ctx, &c, ptr(e.store.orders["SO-1001"]), &req, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []documents.Torg2Line{
		{No: 1, Name: "Петля накладная", SKU: "H-1", Unit: "шт", Price: 12050, DocQuantity: 10, DocSum: 120500, ActualQuantity: 8, ActualSum: 96400,
			ShortQuantity: 2, ShortSum: 24100},
		{No: 2, Name: "Кромка ПВХ", SKU: "K-3", Unit: "м", Price: 1533, DocQuantity: 12.5, DocSum: 19163, ActualQuantity: 12.5, ActualSum: 19163,
			DefectQuantity: 2.5, DefectSum: 3833, Note: "Скол кромки"},
	}
	if diff := cmp.Diff(want, act.Lines); diff != "" {
		t.Errorf("lines mismatch (-want +got):\n%s", diff)
	}
	wantTotals := documents.Torg2Totals{DocQuantity: 22.5, ActualQuantity: 20.5, ShortQuantity: 2, DefectQuantity: 2.5,
		DocSum: 139663, ActualSum: 115563, ShortSum: 24100, DefectSum: 3833}
	if diff := cmp.Diff(wantTotals, act.Totals); diff != "" {
		t.Errorf("totals mismatch (-want +got):\n%s", diff)
	}
	if act.Supplier.Name != "ООО «Фурнитура Демо»" || act.Supplier.TaxID != "7701234567" || act.Consignee.Name != "ООО «Мебель Плюс»" ||
		act.Consignee.TaxID != "7712345678" || act.OrderNumber != "SO-1001" || act.ClaimNumber != claimID || len(act.Commission) != 2 ||
		act.AcceptanceEnded.Sub(act.AcceptanceStarted) != 150*time.Minute || len(act.TransportDocs) != 1 {
		t.Errorf("act header: %+v", act)
	}
}

func ptr[T any](v T) *T { return &v }

// TestTorg2NamesEveryBadField: each wrong value is a 400 naming its field,
// all at once.
func TestTorg2NamesEveryBadField(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(r *Torg2Request)
		fields []string
	}{
		{"a line not in the order", func(r *Torg2Request) { r.Lines[0].SKU = "X-404" }, []string{"lines[0].sku"}},
		{"a negative quantity", func(r *Torg2Request) { r.Lines[0].ActualQuantity = q(-1) }, []string{"lines[0].actualQuantity"}},
		{"a quantity that is not a number", func(r *Torg2Request) {
			r.Lines[1].ActualQuantity = Quantity{Set: true, Bad: `"двенадцать"`}
		}, []string{"lines[1].actualQuantity"}},
		{"no actual quantity", func(r *Torg2Request) { r.Lines[0].ActualQuantity = Quantity{} }, []string{"lines[0].actualQuantity"}},
		{"a shortage with all of it received", func(r *Torg2Request) { r.Lines[0].ActualQuantity = q(10) }, []string{"lines[0].actualQuantity"}},
		{"a surplus with less received", func(r *Torg2Request) { r.Lines[0].Discrepancy = Surplus }, []string{"lines[0].actualQuantity"}},
		{"a defect without defective items", func(r *Torg2Request) { r.Lines[1].DefectQuantity = q(0) }, []string{"lines[1].defectQuantity"}},
		{"more defective than received", func(r *Torg2Request) { r.Lines[1].DefectQuantity = q(13) }, []string{"lines[1].defectQuantity"}},
		{"an unknown discrepancy", func(r *Torg2Request) { r.Lines[0].Discrepancy = "lost" }, []string{"lines[0].discrepancy"}},
		{"a line twice", func(r *Torg2Request) { r.Lines[1] = r.Lines[0] }, []string{"lines[1].sku"}},
		{"too many decimals", func(r *Torg2Request) { r.Lines[0].ActualQuantity = q(7.1234) }, []string{"lines[0].actualQuantity"}},
		{"fields over their length", func(r *Torg2Request) {
			r.ActNumber = strings.Repeat("7", 33)
			r.Place = strings.Repeat("м", 201)
			r.Commission[0].Name = strings.Repeat("И", 121)
			r.Lines[0].Description = strings.Repeat("н", 301)
			r.Conclusion = strings.Repeat("з", 2001)
		}, []string{"actNumber", "commission[0].name", "conclusion", "lines[0].description", "place"}},
		{"dates and times", func(r *Torg2Request) {
			r.ActDate = "05.12.2026"
			r.AcceptanceStarted = "2026-12-05T12:00"
			r.AcceptanceEnded = "2026-12-05T10:00"
			r.TransportDocuments[0].Date = "2027-01-01"
		}, []string{"acceptanceEnded", "actDate", "transportDocuments[0].date"}},
		{"nothing of the acceptance", func(r *Torg2Request) { *r = Torg2Request{} },
			[]string{"acceptanceEnded", "acceptanceStarted", "actDate", "actNumber", "commission", "lines", "place"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			req := goodRequest()
			tt.edit(&req)
			_, err := e.svc.Torg2(ctx, dealer, claimID, req)
			if got := fieldsOf(t, err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v (%v)", got, tt.fields, err)
			}
			if n := len(e.store.docs[claimID]); n != 0 {
				t.Errorf("%d documents stored after a refusal", n)
			}
		})
	}
}

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid {
		t.Fatalf("error %v, want Invalid", err)
	}
	var out []string
	for _, f := range e.Fields {
		if !slices.Contains(out, f.Field) {
			out = append(out, f.Field)
		}
	}
	sort.Strings(out)
	return out
}

// TestTorg2KeepsEachVersionWithItsValues: every act is a new version with a
// history entry (the claim's version stays); the latest values come back
// to correct.
func TestTorg2KeepsEachVersionWithItsValues(t *testing.T) {
	e := newEnv(t)
	first, err := e.svc.Torg2(ctx, dealer, claimID, goodRequest())
	if err != nil {
		t.Fatal(err)
	}
	req := goodRequest()
	req.ActNumber = "18"
	second, err := e.svc.Torg2(ctx, dealer, claimID, req)
	if err != nil {
		t.Fatal(err)
	}
	if first.Version != 1 || second.Version != 2 || first.ID == second.ID || second.FileName != claimID+"-torg-2-v2.pdf" ||
		second.Audience != claims.ForClaimant || second.CreatedBy != "dealers:u-7" || second.Title != "Акт ТОРГ-2 № 18 от 05.12.2026" {
		t.Errorf("documents %+v, %+v", first, second)
	}
	if _, ok := e.files.files[second.Key]; !ok {
		t.Errorf("no file at %s", second.Key)
	}
	c := e.store.claims[claimID]
	h := e.store.history[claimID]
	if c.Version != 1 || c.HistorySeq != 3 || len(h) != 3 || h[2].Type != claims.EventDocumentGenerated || h[2].After["document"] != second.ID {
		t.Errorf("claim version %d, history head %d, %d entries (last %+v)", c.Version, c.HistorySeq, len(h), h[len(h)-1])
	}
	if at, ok := claims.VerifyChain(h); !ok {
		t.Errorf("history chain broken at %d", at)
	}
	values, doc, err := e.svc.Torg2Values(ctx, dealer, claimID)
	if err != nil || values.ActNumber != "18" || doc.ID != second.ID || values.Lines[1].DefectQuantity != q(2.5) {
		t.Errorf("values %+v, %v, %v", values, doc, err)
	}
}

// TestTorg2Refusals: no source order (or one the ERP has not sent) is a
// Conflict with the reason; a finished claim too; another dealer and a
// manager not on the claim get NotFound; a claimant without a role is
// refused.
func TestTorg2Refusals(t *testing.T) {
	tests := []struct {
		name string
		edit func(e *env)
		who  *auth.Principal
		code apperr.Code
		want string
	}{
		{"no source order", func(e *env) { c := e.store.claims[claimID]; c.Order = claims.Order{}; e.store.claims[claimID] = c }, dealer, apperr.Conflict, "no source order"},
		{"an order the ERP has not sent", func(e *env) { delete(e.store.orders, "SO-1001") }, dealer, apperr.Conflict, "has not come from the ERP"},
		{"a finished claim", func(e *env) { c := e.store.claims[claimID]; c.Stage = workflow.Closed; e.store.claims[claimID] = c }, dealer, apperr.Conflict, "finished"},
		{"another dealer", func(*env) {}, &auth.Principal{UserID: "u-8", Roles: []auth.Role{auth.Dealer}, DealerID: "D-8"}, apperr.NotFound, "not found"},
		{"another manager", func(*env) {}, &auth.Principal{UserID: "m-2", Roles: []auth.Role{auth.Manager}}, apperr.NotFound, "not found"},
		{"nobody", func(*env) {}, nil, apperr.Unauthorized, "sign-in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.edit(e)
			_, err := e.svc.Torg2(ctx, tt.who, claimID, goodRequest())
			if !apperr.Is(err, tt.code) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %s with %q", err, tt.code, tt.want)
			}
		})
	}
	// The claim's manager and a supervisor may.
	for _, p := range []*auth.Principal{{UserID: "m-1", Roles: []auth.Role{auth.Manager}}, {UserID: "s-1", Roles: []auth.Role{auth.Supervisor}}} {
		if _, err := newEnv(t).svc.Torg2(ctx, p, claimID, goodRequest()); err != nil {
			t.Errorf("%v: %v", p.Roles, err)
		}
	}
}

func event(t *testing.T, p events.Payload) events.Event {
	t.Helper()
	e, err := events.New(claimID, "system", now, p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestKinds: which documents each event calls for.
func TestKinds(t *testing.T) {
	e := newEnv(t)
	sheets := []claims.DocumentKind{claims.DocClaim, claims.DocClaimInternal}
	tests := []struct {
		name string
		ev   events.Payload
		want []claims.DocumentKind
	}{
		{"received", events.Received{Number: claimID}, sheets},
		{"content edited", events.Update{Number: claimID, Fields: []string{"priority", "product.name"}}, sheets},
		{"priority only", events.Update{Number: claimID, Fields: []string{"priority"}}, nil},
		{"to implementation", events.StageChange{From: "decision", To: "implementation"}, []claims.DocumentKind{claims.DocDecisionLetter}},
		{"rejected", events.StageChange{From: "information_check", To: "rejected"}, []claims.DocumentKind{claims.DocDecisionLetter}},
		{"to diagnostics", events.StageChange{From: "information_check", To: "diagnostics"}, nil},
		{"a message", events.Message{Number: claimID}, nil},
	}
	for _, tt := range tests {
		got, err := e.svc.Kinds(event(t, tt.ev))
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

// TestMakeOncePerEvent: a document made for an event is made once, however
// often the event arrives; the claimant's copy and the internal copy are
// two documents; a lost race with another record is tried again.
func TestMakeOncePerEvent(t *testing.T) {
	e := newEnv(t)
	ev := event(t, events.Received{Number: claimID, BaseURL: "https://dealer.example.com"})
	e.store.raceOnce = true
	a, err := e.svc.Make(ctx, ev, claims.DocClaim)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.Make(ctx, ev, claims.DocClaim)
	if err != nil || again.ID != a.ID {
		t.Fatalf("second Make: %v, %v; want the first document %s", again, err, a.ID)
	}
	internal, err := e.svc.Make(ctx, ev, claims.DocClaimInternal)
	if err != nil {
		t.Fatal(err)
	}
	docs := e.store.docs[claimID]
	if len(docs) != 2 || a.Audience != claims.ForClaimant || internal.Audience != claims.ForStaff || a.Version != 1 || internal.Version != 1 ||
		a.FileName != claimID+"-claim-v1.pdf" || a.Source != ev.ID || a.Title != "Рекламация "+claimID {
		t.Errorf("documents %+v", docs)
	}
	b, err := e.svc.Content(ctx, a)
	if err != nil || len(b) == 0 || int64(len(b)) != a.Size {
		t.Errorf("content: %d bytes, %v; want %d", len(b), err, a.Size)
	}
	if at, ok := claims.VerifyChain(e.store.history[claimID]); !ok {
		t.Errorf("history chain broken at %d", at)
	}
	// The next edit makes version 2; version 1 stays.
	edited := event(t, events.Update{Number: claimID, Fields: []string{"product.name"}})
	v2, err := e.svc.Make(ctx, edited, claims.DocClaim)
	if err != nil || v2.Version != 2 || len(e.store.docs[claimID]) != 3 {
		t.Errorf("after an edit: %+v, %v, %d documents", v2, err, len(e.store.docs[claimID]))
	}
}

// TestDecisionLetterNeedsADecision: a claim without a decision gets no
// letter (Conflict), unless it was rejected before one (the letter then
// gives the reason); with one, the letter is for the claimant.
func TestDecisionLetterNeedsADecision(t *testing.T) {
	e := newEnv(t)
	ev := event(t, events.StageChange{From: "decision", To: "implementation"})
	if _, err := e.svc.Make(ctx, ev, claims.DocDecisionLetter); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("without a decision: %v, want conflict", err)
	}
	rejected := newEnv(t)
	c := rejected.store.claims[claimID]
	c.Stage = workflow.Rejected
	rejected.store.claims[claimID] = c
	rejection := event(t, events.StageChange{From: "information_check", To: "rejected", Reason: "Не гарантийный случай"})
	if d, err := rejected.svc.Make(ctx, rejection, claims.DocDecisionLetter); err != nil || d.Audience != claims.ForClaimant {
		t.Errorf("rejected at the information check: %+v, %v; want the letter", d, err)
	}
	c = e.store.claims[claimID]
	c.Stage = workflow.Implementation
	c.Decision = &claims.Decision{WarrantyCase: true, FaultParty: "company", Resolution: claims.ResolutionRefund, Cost: claims.Money{Amount: 123450, Currency: "RUB"},
		Instructions: "Вернём деньги на счёт", DecidedAt: now}
	e.store.claims[claimID] = c
	d, err := e.svc.Make(ctx, ev, claims.DocDecisionLetter)
	if err != nil || d.Audience != claims.ForClaimant || d.Title != "Решение по рекламации "+claimID {
		t.Errorf("letter %+v, %v", d, err)
	}
}
