package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// exportJob is a background export as the API answers it.
type exportJob struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Counted  int    `json:"counted"`
	Rows     *int   `json:"rows"`
	Size     int64  `json:"size"`
	FileName string `json:"fileName"`
	URL      string `json:"url"`
	Reason   string `json:"reason"`
	Self     string `json:"self"`
}

// startExport posts a background export and returns the job (202).
func startExport(t *testing.T, u *user, query string, headers ...string) (exportJob, *st.Response) {
	t.Helper()
	r := u.do(t, "POST", "/v1/exports/claims?"+query, nil, headers...)
	if r.Status != http.StatusAccepted {
		t.Fatalf("POST /v1/exports/claims?%s = %d %s", query, r.Status, r.Body)
	}
	var j exportJob
	r.JSON(t, &j)
	// A new job is queued; a replayed one is as it is now.
	replayed := r.Header.Get("Idempotent-Replayed") == "true"
	if loc := r.Header.Get("Location"); loc != "/v1/exports/"+j.ID || j.Self != loc || (!replayed && j.Status != "queued") {
		t.Fatalf("started job %+v at %q (replayed: %v), want it at its own address, queued unless replayed", j, loc, replayed)
	}
	return j, r
}

// startExportJob posts a background export and returns its job's ID.
func startExportJob(t *testing.T, u *user, query string) string {
	t.Helper()
	j, _ := startExport(t, u, query)
	return j.ID
}

// exportDone polls a job until it is over (done or failed), for a minute
// at most.
func exportDone(t testing.TB, u *user, id string) exportJob {
	t.Helper()
	return exportDoneWithin(t, time.Minute, u, id)
}

// exportDoneWithin is exportDone with its deadline.
func exportDoneWithin(t testing.TB, within time.Duration, u *user, id string) exportJob {
	t.Helper()
	var j exportJob
	st.Eventually(t, within, "export "+id+" over", func() bool {
		r := u.do(t, "GET", "/v1/exports/"+id, nil)
		if r.Status != 200 {
			t.Fatalf("GET /v1/exports/%s = %d %s", id, r.Status, r.Body)
		}
		r.JSON(t, &j)
		return j.Status == "done" || j.Status == "failed"
	})
	return j
}

// downloadExport fetches a done job's file through its presigned link.
func downloadExport(t *testing.T, j exportJob) []byte {
	t.Helper()
	if j.Status != "done" || j.URL == "" {
		t.Fatalf("job %+v is not done (reason %q)", j, j.Reason)
	}
	res, err := http.Get(j.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("download %s = %d, %v", j.FileName, res.StatusCode, err)
	}
	if int64(len(b)) != j.Size || !strings.Contains(res.Header.Get("Content-Disposition"), url.PathEscape(j.FileName)) {
		t.Fatalf("download: %d bytes (job says %d), Content-Disposition %q, want the file named %s",
			len(b), j.Size, res.Header.Get("Content-Disposition"), j.FileName)
	}
	return b
}

// xlsxRows returns the data rows of an exported workbook, below its
// header row.
func xlsxRows(t *testing.T, b []byte) (header []string, rows [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("open the xlsx: %v", err)
	}
	defer f.Close()
	all, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range all {
		if len(row) > 0 && (row[0] == "Number" || row[0] == "Номер") {
			return row, all[i+1:]
		}
	}
	t.Fatalf("no header row in the sheet: %v", all)
	return nil, nil
}

// registryIDs lists the IDs the registry shows u for query, in its order.
func registryIDs(t *testing.T, u *user, query string) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for {
		path := "/v1/claims?limit=100&" + query
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := u.do(t, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("list %s = %d %s", query, r.Status, r.Body)
		}
		var page struct {
			Claims []struct{ ID string } `json:"claims"`
			Next   string                `json:"next"`
		}
		r.JSON(t, &page)
		for _, c := range page.Claims {
			ids = append(ids, c.ID)
		}
		if cursor = page.Next; cursor == "" {
			return ids
		}
	}
}

// TestBackgroundExport: a supervisor posts an export of a series' claims,
// polls the job until it is done, downloads the workbook through the
// presigned link and finds the registry's list in it, row by row; a
// dealer's export of the same series holds only that dealer's claims and
// none of the claims department's columns; the same Idempotency-Key
// answers the same job; another user gets 404 for the supervisor's job, an
// admin sees it; a user with three jobs queued gets 429; a request the
// registry refuses, or with a body, is refused at once.
func TestBackgroundExport(t *testing.T) {
	series := fmt.Sprintf("EXP-%d", time.Now().UnixNano())
	dealerA := newUser(t, "dealers", "dealer-export-a", "DLR-EXP-A")
	dealerB := newUser(t, "dealers", "dealer-export-b", "DLR-EXP-B")
	sup := newUser(t, "supervisors", "supervisor-export", "")
	for i, d := range []*user{dealerA, dealerB, dealerA, dealerB, dealerA} {
		fileClaim(t, d, claimBody(func(b map[string]any) {
			b["product"] = map[string]any{"model": "TH-2000", "serial": fmt.Sprintf("SN-EXP-%d", i), "series": series}
		}))
	}
	query := "series=" + series + "&format=xlsx&lang=en"
	want := registryIDs(t, sup, "series="+series)
	if len(want) != 5 {
		t.Fatalf("the registry lists %d claims of the series, want 5", len(want))
	}

	job, _ := startExport(t, sup, query, "Idempotency-Key", "export-"+series)
	again, r := startExport(t, sup, query, "Idempotency-Key", "export-"+series)
	if again.ID != job.ID || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the same Idempotency-Key made job %s (replayed %q), want %s", again.ID, r.Header.Get("Idempotent-Replayed"), job.ID)
	}
	if r := sup.do(t, "POST", "/v1/exports/claims?series="+series+"&format=csv", nil, "Idempotency-Key", "export-"+series); r.Status != 422 {
		t.Errorf("the same key for another export = %d, want 422", r.Status)
	}
	done := exportDone(t, sup, job.ID)
	if done.Rows == nil || *done.Rows != 5 || done.Counted != 5 || !strings.HasSuffix(done.FileName, ".xlsx") {
		t.Fatalf("done job %+v, want 5 rows in an .xlsx", done)
	}
	_, rows := xlsxRows(t, downloadExport(t, done))
	var got []string
	for _, row := range rows {
		got = append(got, row[0])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the file's claims differ from the registry's list (-registry +file):\n%s", diff)
	}

	// The dealer's own export of the same series: their three claims.
	own, _ := startExport(t, dealerA, query)
	header, rows := xlsxRows(t, downloadExport(t, exportDone(t, dealerA, own.ID)))
	wantOwn := registryIDs(t, dealerA, "series="+series)
	got = got[:0]
	for _, row := range rows {
		got = append(got, row[0])
		if row[3] != "DLR-EXP-A" {
			t.Errorf("the dealer's file holds %s of dealer %s", row[0], row[3])
		}
	}
	if diff := cmp.Diff(wantOwn, got); diff != "" || len(got) != 3 {
		t.Errorf("the dealer's file (-registry +file):\n%s", diff)
	}
	for _, internal := range []string{"Root cause", "Culprit", "Decided by", "Due", "SLA"} {
		if slices.Contains(header, internal) {
			t.Errorf("the dealer's file has the internal column %q", internal)
		}
	}

	// Who sees a job: its requester and admins; others get 404.
	if r := dealerB.do(t, "GET", "/v1/exports/"+job.ID, nil); r.Status != 404 {
		t.Errorf("another user's GET of the supervisor's job = %d, want 404", r.Status)
	}
	if r := newUser(t, "supervisors", "supervisor-export-2", "").do(t, "GET", "/v1/exports/"+job.ID, nil); r.Status != 404 {
		t.Errorf("another supervisor's GET = %d, want 404", r.Status)
	}
	if r := newUser(t, "admins", "admin-export", "").do(t, "GET", "/v1/exports/"+job.ID, nil); r.Status != 200 {
		t.Errorf("an admin's GET = %d, want 200", r.Status)
	}
	if r := sup.do(t, "GET", "/v1/exports/not-a-job", nil); r.Status != 404 {
		t.Errorf("GET of a malformed ID = %d, want 404", r.Status)
	}
	var mine struct {
		Jobs []exportJob `json:"jobs"`
	}
	sup.do(t, "GET", "/v1/exports", nil).JSON(t, &mine)
	if len(mine.Jobs) != 1 || mine.Jobs[0].ID != job.ID || mine.Jobs[0].Status != "done" {
		t.Errorf("the supervisor's jobs %+v, want the one done", mine.Jobs)
	}

	// Three jobs of a user queued (written straight into the table, as the
	// API stores them: none is ever run) make a fourth wait: 429 with
	// Retry-After; another user is not held up.
	busy := newUser(t, "supervisors", "supervisor-export-busy", "")
	for i := range 3 {
		id := fmt.Sprintf("%032x", time.Now().UnixNano()+int64(i))
		at := time.Now().UTC().Format(time.RFC3339Nano)
		s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
		if _, err := local.Clients.DynamoDB.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("claims-Table"),
			Item: map[string]ddbtypes.AttributeValue{"PK": s("EXPORT#" + id), "SK": s("#JOB"), "GSI1PK": s("EXPORTS#" + busy.id),
				"GSI1SK": s(at + "#" + id), "entity": s("export"), "id": s(id), "status": s("queued"), "format": s("csv"), "language": s("ru"),
				"userId": s(busy.id), "createdAt": s(at)}}); err != nil {
			t.Fatal(err)
		}
	}
	if r := busy.do(t, "POST", "/v1/exports/claims?series="+series, nil); r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Errorf("a fourth job = %d (Retry-After %q) %s, want 429 with Retry-After", r.Status, r.Header.Get("Retry-After"), r.Body)
	}

	// Refused at once: a dealer's filter on an internal field, a bad
	// format, a page parameter.
	for q, status := range map[string]int{"rootCause=material_defect": 403, "format=pdf": 400, "limit=10": 400} {
		if r := dealerA.do(t, "POST", "/v1/exports/claims?"+q, nil); r.Status != status {
			t.Errorf("POST ?%s = %d %s, want %d", q, r.Status, r.Body, status)
		}
	}
	if r := dealerA.do(t, "POST", "/v1/exports/claims", map[string]any{"series": series}); r.Status != 400 || !contains(errorFields(t, r), "body") {
		t.Errorf("POST with the filters in a body = %d %s, want 400 naming the body", r.Status, r.Body)
	}
}
