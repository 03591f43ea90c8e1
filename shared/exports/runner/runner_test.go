package runner_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/exports"
	"github.com/claimsdesk/backend/shared/exports/exportstest"
	"github.com/claimsdesk/backend/shared/exports/runner"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/reportfile"
	"github.com/claimsdesk/backend/shared/visibility"
)

// t0 is when the fixture's claims are filed (November 2026).
var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// fixture is n claims a day apart, alternately of DLR-1 and DLR-2, every
// one decided with internal findings (root cause, culprit, decider).
func fixture(n int) []claims.Claim {
	var out []claims.Claim
	for i := range n {
		dealer := "DLR-1"
		if i%2 == 1 {
			dealer = "DLR-2"
		}
		out = append(out, claims.Claim{
			ID: claims.Number(2026, int64(i+1)), CreatedAt: t0.Add(time.Duration(i) * time.Hour), Channel: claims.ChannelDealerForm,
			DealerID: dealer, CategoryID: "defect", TypeID: "noise", Stage: "decision", Priority: "normal", Assignee: "manager-1",
			Product: claims.Product{Model: "TH-2000", Serial: fmt.Sprintf("SN%03d", i), Series: "2026-11"},
			Decision: &claims.Decision{WarrantyCase: true, FaultParty: "company", Resolution: "repair", RootCause: "material_defect",
				CulpritDepartment: "Сборочный цех", CulpritEmployee: "Петров", DecidedBy: "supervisor-7", DecidedAt: t0},
		})
	}
	return out
}

// rig is a runner on fakes, the clock at now.
type rig struct {
	store  *exportstest.Store
	files  *exportstest.Files
	runner *runner.Runner
	now    time.Time
	jobs   int
}

func newRig(t testing.TB, cs []claims.Claim, mut ...func(*runner.Config)) *rig {
	t.Helper()
	reg, err := registry.New(registry.Config{Store: &exportstest.Claims{All: cs}, CursorKey: []byte("k"), Now: func() time.Time { return t0.AddDate(0, 1, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{store: exportstest.NewStore(), files: exportstest.NewFiles(), now: t0.AddDate(0, 1, 0)}
	cfg := runner.Config{Store: r.store, Files: r.files, Registry: reg, TempDir: t.TempDir(), Now: func() time.Time { return r.now }}
	for _, m := range mut {
		m(&cfg)
	}
	if r.runner, err = runner.New(cfg); err != nil {
		t.Fatal(err)
	}
	return r
}

// queued stores a queued job of p's.
func (r *rig) queued(p *auth.Principal, format string, f exports.Filters) string {
	r.jobs++
	id := fmt.Sprintf("%032x", r.jobs)
	r.store.Put(exports.Job{ID: id, Status: exports.Queued, Format: format, Language: "en", Filters: f,
		Requester: exports.RequesterOf(p), CreatedAt: r.now})
	return id
}

var (
	supervisor = &auth.Principal{UserID: "supervisor-1", Roles: []auth.Role{auth.Supervisor}}
	dealer1    = &auth.Principal{UserID: "dealer-1", Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-1"}
)

// sheetRows reads the data rows of an exported workbook (below the
// header).
func sheetRows(t *testing.T, b []byte) (header []string, rows [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("open xlsx: %v", err)
	}
	defer f.Close()
	all, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range all {
		if len(row) > 0 && row[0] == "Number" {
			return row, all[i+1:]
		}
	}
	t.Fatalf("no header row in %v", all)
	return nil, nil
}

// TestRunWritesWhatTheRequesterSees: a dealer's job holds exactly the
// dealer's claims, newest first, and none of the internal findings; a
// supervisor's holds every claim. The job is done with the file's row
// count, size and key under exports/.
func TestRunWritesWhatTheRequesterSees(t *testing.T) {
	cs := fixture(250)
	r := newRig(t, cs)
	ctx := context.Background()
	from := exports.Filters{From: t0.AddDate(0, 0, -1)}

	id := r.queued(dealer1, "xlsx", from)
	if err := r.runner.Run(ctx, id); err != nil {
		t.Fatal(err)
	}
	j, _ := r.store.Job(id)
	if j.Status != exports.Done || j.Rows != 125 || j.Counted != 125 || !strings.HasPrefix(j.Key, "exports/"+id+"/") || j.FileName == "" {
		t.Fatalf("dealer's job = %+v, want done with 125 rows under exports/%s/", j, id)
	}
	b, ok := r.files.File(j.Key)
	if !ok || int64(len(b)) != j.Size {
		t.Fatalf("file %s: %v, %d bytes, job says %d", j.Key, ok, len(b), j.Size)
	}
	header, rows := sheetRows(t, b)
	var got, want []string
	for _, row := range rows {
		got = append(got, row[0])
		if row[3] != "DLR-1" {
			t.Errorf("row %s is of dealer %s", row[0], row[3])
		}
	}
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].DealerID == "DLR-1" {
			want = append(want, cs[i].ID)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dealer's rows mismatch (-want +got):\n%s", diff)
	}
	text := strings.Join(header, "|") + fmt.Sprint(rows)
	for _, internal := range []string{"material_defect", "Сборочный цех", "Петров", "supervisor-7", "Root", "Culprit"} {
		if strings.Contains(text, internal) {
			t.Errorf("the dealer's file holds the internal %q", internal)
		}
	}

	id = r.queued(supervisor, "csv", from)
	if err := r.runner.Run(ctx, id); err != nil {
		t.Fatal(err)
	}
	j, _ = r.store.Job(id)
	b, _ = r.files.File(j.Key)
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil || j.Status != exports.Done || len(records) != 1+len(cs) || j.Rows != len(cs) {
		t.Fatalf("supervisor's job %+v: %d records (%v), want a header and %d", j, len(records), err, len(cs))
	}
	if records[1][0] != cs[len(cs)-1].ID || records[len(cs)][0] != cs[0].ID {
		t.Errorf("first and last rows %s, %s; want the newest %s and the oldest %s", records[1][0], records[len(cs)][0], cs[len(cs)-1].ID, cs[0].ID)
	}
}

// TestRunRecordsProgress: a running job counts its claims as it goes,
// renewing its lease, and once more when the list is read.
func TestRunRecordsProgress(t *testing.T) {
	r := newRig(t, fixture(450), func(c *runner.Config) { c.RenewEvery = 100 })
	var seen []int
	r.store.OnRenew = func(s *exportstest.Store, l exports.Lease) {
		j, _ := s.Job(l.JobID)
		seen = append(seen, j.Counted)
	}
	id := r.queued(supervisor, "csv", exports.Filters{Series: "2026-11"})
	if err := r.runner.Run(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if r.store.Renewals != 5 {
		t.Errorf("%d renewals for 450 claims every 100 and at the end, want 5", r.store.Renewals)
	}
	if diff := cmp.Diff([]int{0, 100, 200, 300, 400}, seen); diff != "" {
		t.Errorf("counted before each renewal (-want +got):\n%s", diff)
	}
	if j, _ := r.store.Job(id); j.Counted != 450 || j.Status != exports.Done {
		t.Errorf("job %+v, want done with 450 counted", j)
	}
}

// TestRedeliveryChangesNothing: a message delivered again after its job is
// done changes neither the job nor the file; one delivered while another
// attempt holds the job is sent back until the lease ends, and writes
// nothing.
func TestRedeliveryChangesNothing(t *testing.T) {
	r := newRig(t, fixture(30))
	ctx := context.Background()
	id := r.queued(supervisor, "xlsx", exports.Filters{Series: "2026-11"})
	if err := r.runner.Deliver(ctx, []byte(`{"jobId":"`+id+`"}`)); err != nil {
		t.Fatal(err)
	}
	done, _ := r.store.Job(id)
	r.now = r.now.Add(time.Hour)
	if err := r.runner.Deliver(ctx, []byte(`{"jobId":"`+id+`"}`)); err != nil {
		t.Fatalf("redelivery of a done job = %v, want nil", err)
	}
	again, _ := r.store.Job(id)
	if diff := cmp.Diff(done, again); diff != "" || r.files.Puts != 1 {
		t.Errorf("a redelivery changed the job (-before +after):\n%s\nfiles put %d, want 1", diff, r.files.Puts)
	}

	held := r.queued(supervisor, "csv", exports.Filters{Series: "2026-11"})
	j, _ := r.store.Job(held)
	j.Status, j.Attempt, j.Attempts, j.LeaseUntil = exports.Running, "other", 1, r.now.Add(40*time.Second)
	r.store.Put(j)
	err := r.runner.Run(ctx, held)
	var he *runner.HeldError
	if !errors.As(err, &he) || he.RetryAfter() != 40*time.Second {
		t.Fatalf("delivery of a held job = %v, want a HeldError retrying after 40s", err)
	}
	if after, _ := r.store.Job(held); after.Attempt != "other" || after.Attempts != 1 || r.files.Puts != 1 {
		t.Errorf("the held job was touched: %+v, files put %d", after, r.files.Puts)
	}
	if err := r.runner.Deliver(ctx, []byte(`not json`)); err == nil {
		t.Error("a message that is no job was taken")
	}
	if err := r.runner.Run(ctx, "00000000000000000000000000000000"); err != nil {
		t.Errorf("a job that does not exist = %v, want nil (nothing to do)", err)
	}
}

// TestCrashedAttemptIsTakenOver: a job left running by an attempt that died
// (its lease ran out) is taken over by the next delivery, which counts the
// attempt and finishes it.
func TestCrashedAttemptIsTakenOver(t *testing.T) {
	r := newRig(t, fixture(10))
	id := r.queued(supervisor, "csv", exports.Filters{Series: "2026-11"})
	j, _ := r.store.Job(id)
	j.Status, j.Attempt, j.Attempts, j.Counted, j.LeaseUntil = exports.Running, "dead", 1, 7, r.now.Add(-time.Second)
	r.store.Put(j)
	if err := r.runner.Run(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if j, _ := r.store.Job(id); j.Status != exports.Done || j.Attempts != 2 || j.Rows != 10 {
		t.Errorf("job %+v, want done by a second attempt with 10 rows", j)
	}
}

// TestFailingAttemptsGiveUp: an attempt that cannot store its file
// releases the job (the message is retried) keeping the error; after
// MaxAttempts attempts the job fails for good with that error as its
// reason.
func TestFailingAttemptsGiveUp(t *testing.T) {
	r := newRig(t, fixture(10))
	r.files.Fail = errors.New("bucket unavailable")
	ctx := context.Background()
	id := r.queued(dealer1, "xlsx", exports.Filters{From: t0})
	for attempt := 1; attempt <= exports.MaxAttempts; attempt++ {
		if err := r.runner.Run(ctx, id); err == nil || !strings.Contains(err.Error(), "bucket unavailable") {
			t.Fatalf("attempt %d = %v, want the bucket's error", attempt, err)
		}
		j, _ := r.store.Job(id)
		if j.Status != exports.Running || !j.LeaseUntil.IsZero() || j.LastError == "" || j.Attempts != attempt {
			t.Fatalf("after attempt %d: %+v, want running, lease ended, the error kept", attempt, j)
		}
	}
	if err := r.runner.Run(ctx, id); err != nil {
		t.Fatalf("the last delivery = %v, want nil (the job fails)", err)
	}
	j, _ := r.store.Job(id)
	if j.Status != exports.Failed || !strings.Contains(j.Reason, "bucket unavailable") || !strings.Contains(j.Reason, "3 times") {
		t.Errorf("job %+v, want failed after 3 attempts naming the error", j)
	}
}

// TestTooLongListFails: a list longer than the bound fails the job at once
// with a reason asking for a narrower one, and stores no file.
func TestTooLongListFails(t *testing.T) {
	r := newRig(t, fixture(30), func(c *runner.Config) { c.MaxRows = 20 })
	id := r.queued(supervisor, "xlsx", exports.Filters{Series: "2026-11"})
	if err := r.runner.Run(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	j, _ := r.store.Job(id)
	if j.Status != exports.Failed || !strings.Contains(j.Reason, "more than 20 claims") || r.files.Puts != 0 {
		t.Errorf("job %+v, files put %d; want failed (more than 20 claims), no file", j, r.files.Puts)
	}
}

// TestRefusedQueryFails: a query the registry refuses when the job runs (a
// dealer's filter on an internal field) fails the job with the registry's
// reason.
func TestRefusedQueryFails(t *testing.T) {
	r := newRig(t, fixture(4))
	id := r.queued(dealer1, "csv", exports.Filters{RootCause: "material_defect"})
	if err := r.runner.Run(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if j, _ := r.store.Job(id); j.Status != exports.Failed || !strings.Contains(j.Reason, "internal fields") {
		t.Errorf("job %+v, want failed naming the refusal", j)
	}
}

// TestLostLeaseStopsTheAttempt: an attempt whose job was taken over while
// it ran stops without storing a file or touching the job.
func TestLostLeaseStopsTheAttempt(t *testing.T) {
	r := newRig(t, fixture(300), func(c *runner.Config) { c.RenewEvery = 100 })
	r.store.OnRenew = func(s *exportstest.Store, l exports.Lease) {
		j, _ := s.Job(l.JobID)
		j.Attempt = "newer"
		s.Put(j)
	}
	id := r.queued(supervisor, "csv", exports.Filters{Series: "2026-11"})
	if err := r.runner.Run(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if j, _ := r.store.Job(id); j.Status != exports.Running || j.Attempt != "newer" || r.files.Puts != 0 {
		t.Errorf("job %+v, files put %d; want it left to the newer attempt", j, r.files.Puts)
	}
}

// TestOutOfTimeFails: a list still being read when the invocation's time is
// nearly out fails the job (a retry would run out the same way), with a
// reason asking for a narrower list.
func TestOutOfTimeFails(t *testing.T) {
	r := newRig(t, fixture(300), func(c *runner.Config) { c.Reserve = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	id := r.queued(supervisor, "xlsx", exports.Filters{Series: "2026-11"})
	if err := r.runner.Run(ctx, id); err != nil {
		t.Fatal(err)
	}
	j, _ := r.store.Job(id)
	if j.Status != exports.Failed || !strings.Contains(j.Reason, "time ran out") || r.files.Puts != 0 {
		t.Errorf("job %+v, files put %d; want failed, out of time, no file", j, r.files.Puts)
	}
}

// TestClaimsTableHasNoInternalColumn: the list's columns are the same for
// every audience and none of them is one visibility keeps from dealers.
func TestClaimsTableHasNoInternalColumn(t *testing.T) {
	c := fixture(1)[0]
	shown := visibility.Claim(visibility.Dealer, c)
	if diff := cmp.Diff(runner.ClaimRow(c, runner.Labels{}), runner.ClaimRow(shown, runner.Labels{}), cmp.AllowUnexported(runner.ClaimRow(c, runner.Labels{})[0])); diff != "" {
		t.Errorf("a claim's row differs from the dealer's view of it (-staff +dealer):\n%s", diff)
	}
	for _, col := range runner.ClaimsTable("en", nil, t0, exports.Filters{}).Columns {
		for _, internal := range []string{"root", "culprit", "decided", "task", "sla", "due"} {
			if strings.Contains(strings.ToLower(col.Key), internal) {
				t.Errorf("column %s is internal", col.Key)
			}
		}
	}
}

// TestClaimsTableNamesItsPeriodAndFilters: the file's header says what the
// list was made of (a list filtered by dates and a dealer said "Период: "
// and "Фильтры: нет").
func TestClaimsTableNamesItsPeriodAndFilters(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond) // "to=2026-11-30" as the API parses it
	yes := true
	tests := []struct {
		lang    string
		f       exports.Filters
		period  string
		filters []string
	}{
		{"ru", exports.Filters{From: from, To: to, DealerID: "DLR-001", Stage: "closed", WarrantyCase: &yes},
			"2026-11-01 — 2026-11-30", []string{"Этап: closed", "Дилер: DLR-001", "Гарантийный случай: да"}},
		{"en", exports.Filters{From: from}, "from 2026-11-01", nil},
		{"en", exports.Filters{To: time.Date(2026, 11, 5, 12, 30, 0, 0, time.UTC)}, "up to 2026-11-05 12:30:00Z", nil},
		{"ru", exports.Filters{}, "за всё время", nil},
	}
	for _, tt := range tests {
		r := runner.ClaimsTable(tt.lang, nil, t0, tt.f)
		if diff := cmp.Diff([]any{tt.period, tt.filters}, []any{r.Period, r.Filters}); diff != "" {
			t.Errorf("%s %+v: period and filters mismatch (-want +got):\n%s", tt.lang, tt.f, diff)
		}
	}
}

// catalogOf is a catalog.Source of one catalog.
type catalogOf struct{ c *catalog.Catalog }

func (s catalogOf) Catalog(context.Context) (*catalog.Catalog, error) { return s.c, nil }

// TestClaimsListNamesItsCodes: the list shows a claim's category, type,
// channel, stage, priority and resolution by name in the file's language
// (it showed "defect", "noise", "dealer_form", "decision", "normal",
// "repair"); a code the catalog does not know stays as it is.
func TestClaimsListNamesItsCodes(t *testing.T) {
	cat := catalogOf{&catalog.Catalog{
		Categories: []catalog.Category{{ID: "defect", Name: catalog.Text{"ru": "Брак", "en": "Defect"}}},
		Types:      []catalog.Type{{ID: "noise", CategoryID: "defect", Name: catalog.Text{"ru": "Шум", "en": "Noise"}}},
	}}
	cs := fixture(2)
	cs[1].TypeID = "gone"
	for _, tt := range []struct {
		lang string
		want [][]string
	}{
		{"ru", [][]string{
			{"Кабинет дилера", "Брак", "Шум", "Решение", "Обычный", "Ремонт"},
			{"Кабинет дилера", "Брак", "gone", "Решение", "Обычный", "Ремонт"}}},
		{"en", [][]string{
			{"Dealer cabinet", "Defect", "Noise", "Decision", "Normal", "Repair"},
			{"Dealer cabinet", "Defect", "gone", "Decision", "Normal", "Repair"}}},
	} {
		r := runner.ClaimsTable(tt.lang, nil, t0, exports.Filters{})
		l := runner.NewLabels(context.Background(), cat, tt.lang)
		for _, c := range cs {
			r.Rows = append(r.Rows, runner.ClaimRow(c, l))
		}
		b, err := reportfile.CSV(r)
		if err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var got [][]string
		for _, rec := range records[1:] {
			got = append(got, []string{rec[2], rec[4], rec[5], rec[8], rec[9], rec[11]})
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: named columns mismatch (-want +got):\n%s", tt.lang, diff)
		}
	}

	// The background export names them too.
	rg := newRig(t, fixture(3), func(c *runner.Config) { c.Catalog = cat })
	id := rg.queued(supervisor, "xlsx", exports.Filters{})
	if err := rg.runner.Run(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	j, _ := rg.store.Job(id)
	b, _ := rg.files.File(j.Key)
	_, rows := sheetRows(t, b)
	if len(rows) != 3 || rows[0][4] != "Defect" || rows[0][5] != "Noise" || rows[0][8] != "Decision" {
		t.Errorf("background export rows %v, want the catalog's and the stages' names", rows)
	}
}
