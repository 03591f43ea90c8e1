package e2e_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/xuri/excelize/v2"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// queueDrained waits until a queue of the stack holds no message, visible,
// in flight or delayed: every message sent so far has been handled.
func queueDrained(t testing.TB, logicalID string) {
	t.Helper()
	q := local.Model.Queue(logicalID)
	if q == nil {
		t.Fatalf("the template has no %s", logicalID)
	}
	queueURL, err := local.Clients.SQS.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(q.Name)})
	if err != nil {
		t.Fatal(err)
	}
	st.Eventually(t, drainWait, logicalID+" drained", func() bool {
		out, err := local.Clients.SQS.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: queueURL.QueueUrl,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
				sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible, sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed}})
		return err == nil && out.Attributes["ApproximateNumberOfMessages"] == "0" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0" &&
			out.Attributes["ApproximateNumberOfMessagesDelayed"] == "0"
	})
}

type reportRow struct {
	Key    string             `json:"key"`
	Then   string             `json:"then"`
	Values map[string]float64 `json:"values"`
}

type reportOut struct {
	Rows      []reportRow        `json:"rows"`
	Totals    map[string]float64 `json:"totals"`
	CellsRead int                `json:"cellsRead"`
}

func getReport(t *testing.T, u *user, path string) reportOut {
	t.Helper()
	r := u.do(t, "GET", path, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s = %d %s", path, r.Status, r.Body)
	}
	var out reportOut
	r.JSON(t, &out)
	return out
}

// seen is a claim as the recount reads it.
type seen struct {
	TypeID    string    `json:"typeId"`
	Assignee  string    `json:"assignee"`
	Stage     string    `json:"stage"`
	CreatedAt time.Time `json:"createdAt"`
	Decision  *struct {
		Resolution string `json:"resolution"`
	} `json:"decision"`
	Satisfaction *struct {
		Score int `json:"score"`
	} `json:"satisfaction"`
}

// TestReportsEqualARecount: a dealer's claims filed, moved, decided (one
// decision revised), rejected, closed and rated give reports whose figures
// equal a recount made here from the claims themselves, in JSON, CSV and
// XLSX (and the PDF shows them); every claim's event delivered again twice
// changes no figure; a dealer reads their own figures and not another's.
func TestReportsEqualARecount(t *testing.T) {
	dealerID := fmt.Sprintf("DLR-REP-%d", time.Now().UnixNano()%1_000_000)
	dealer := newUser(t, "dealers", "dealer-reports", dealerID)
	sup := newUser(t, "supervisors", "supervisor-reports", "")
	types := []string{"staff_conduct", "late_delivery"}
	var ids []string
	for i := range 8 {
		r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
			b["channel"] = "dealer_form"
			b["typeId"] = types[i%2]
			b["claimant"] = map[string]any{"name": "Клиент отчётов", "email": fmt.Sprintf("reports-%d@example.com", i)}
		}))
		if r.Status != 201 {
			t.Fatalf("intake = %d %s", r.Status, r.Body)
		}
		ids = append(ids, created.Claim.ID)
		mgr := newUser(t, "managers", created.Claim.Assignee, "")
		switch i {
		case 0, 1: // rejected by a supervisor at the information check
			c := readClaim(t, mgr, created.Claim.ID)
			move(t, mgr, &c, "information_check", "", 200)
			move(t, sup, &c, "rejected", "Не гарантийный случай", 200)
		case 2, 3, 4: // closed, and rated by the dealer
			closeClaim(t, mgr, sup, created.Claim.ID)
			if r := dealer.do(t, "POST", "/v1/claims/"+created.Claim.ID+"/rating", map[string]any{"score": i}); r.Status != 201 {
				t.Fatalf("rating = %d %s", r.Status, r.Body)
			}
		case 5: // decided, then the decision revised by a supervisor
			c := readClaim(t, mgr, created.Claim.ID)
			move(t, mgr, &c, "information_check", "", 200)
			finishTasks(t, mgr, &c)
			move(t, mgr, &c, "diagnostics", "", 200)
			finishTasks(t, mgr, &c)
			move(t, mgr, &c, "decision", "", 200)
			decision := map[string]any{"version": c.Version, "warrantyCase": true, "faultParty": "company", "rootCause": "service_failure",
				"resolution": "repair", "cost": map[string]any{"amount": 0, "currency": "RUB"}, "instructions": "Отремонтируем изделие за наш счёт."}
			c = step(t, mgr, "PUT", "/v1/claims/"+created.Claim.ID+"/decision", decision, 200)
			decision["version"], decision["resolution"], decision["reason"] = c.Version, "replace", "Ремонт невозможен"
			step(t, sup, "PUT", "/v1/claims/"+created.Claim.ID+"/decision", decision, 200)
		}
	}
	drained(t, local)
	queueDrained(t, "AnalyticsQueue")
	// A claim rejected at the information check (no decision) still gets
	// its rejection mail, with the letter giving the reason.
	if letters := mailsWithAttachments("reports-0@example.com", ids[0]); len(letters) != 1 {
		t.Errorf("the rejection mail of %s: %d with a letter, want 1", ids[0], len(letters))
	}

	// The recount, from the claims themselves.
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(loc).Format("2006-01-02")
	byType := map[string]map[string]float64{}
	byResolution := map[string]map[string]float64{}
	byManagerType := map[[2]string]float64{}
	byManager := map[string]map[string]float64{}
	for _, id := range ids {
		var v struct {
			Claim seen `json:"claim"`
		}
		sup.do(t, "GET", "/v1/claims/"+id, nil).JSON(t, &v)
		c := v.Claim
		if byType[c.TypeID] == nil {
			byType[c.TypeID] = map[string]float64{}
		}
		m := byType[c.TypeID]
		m["registered"]++
		byManagerType[[2]string{c.Assignee, c.TypeID}]++
		if byManager[c.Assignee] == nil {
			byManager[c.Assignee] = map[string]float64{}
		}
		byManager[c.Assignee]["registered"]++
		switch c.Stage {
		case "closed", "rejected":
			byManager[c.Assignee]["resolved"]++
		default:
			byManager[c.Assignee]["open"]++
		}
		switch c.Stage {
		case "closed":
			m["resolved"]++
			m["closed"]++
		case "rejected":
			m["resolved"]++
			m["rejected"]++
		default:
			m["open"]++
		}
		if c.Satisfaction != nil {
			m["ratings"]++
			m["scoreSum"] += float64(c.Satisfaction.Score)
		}
		if c.Decision != nil {
			if byResolution[c.Decision.Resolution] == nil {
				byResolution[c.Decision.Resolution] = map[string]float64{}
			}
			if c.Decision.Resolution == "reject" {
				byResolution[c.Decision.Resolution]["refused"]++
			} else {
				byResolution[c.Decision.Resolution]["granted"]++
			}
		}
	}
	period := "from=" + today + "&to=" + today + "&dealerId=" + dealerID
	structure := "/v1/reports/structure?" + period + "&groupBy=type&measures=registered,resolved,closed,rejected,open,ratings,avgScore"
	check := func(when string) {
		t.Helper()
		got := getReport(t, sup, structure)
		if len(got.Rows) != len(byType) {
			t.Errorf("%s: structure has %d rows, recount %d types", when, len(got.Rows), len(byType))
		}
		for _, row := range got.Rows {
			want := byType[row.Key]
			for _, k := range []string{"registered", "resolved", "closed", "rejected", "open", "ratings"} {
				if row.Values[k] != want[k] {
					t.Errorf("%s: structure %s %s = %v, recount %v", when, row.Key, k, row.Values[k], want[k])
				}
			}
			if want["ratings"] > 0 && row.Values["avgScore"] != float64(int(want["scoreSum"]/want["ratings"]*100+0.5))/100 {
				t.Errorf("%s: structure %s avgScore = %v, recount %v", when, row.Key, row.Values["avgScore"], want["scoreSum"]/want["ratings"])
			}
		}
		sat := getReport(t, sup, "/v1/reports/satisfaction?"+period+"&groupBy=resolution&measures=granted,refused")
		for _, row := range sat.Rows {
			for _, k := range []string{"granted", "refused"} {
				if row.Values[k] != byResolution[row.Key][k] {
					t.Errorf("%s: satisfaction %s %s = %v, recount %v", when, row.Key, k, row.Values[k], byResolution[row.Key][k])
				}
			}
		}
		if byResolution["replace"]["granted"] != 1 || byResolution["repair"]["granted"] != 3 {
			t.Errorf("the recount: %v, want the revised decision a replace and the three closed claims' repairs", byResolution)
		}
		// The managers' workload and throughput.
		mgrs := getReport(t, sup, "/v1/reports/managers?"+period+"&measures=registered,resolved,open")
		if len(mgrs.Rows) != len(byManager) {
			t.Errorf("%s: managers has %d rows, recount %d managers", when, len(mgrs.Rows), len(byManager))
		}
		for _, row := range mgrs.Rows {
			for _, k := range []string{"registered", "resolved", "open"} {
				if row.Values[k] != byManager[row.Key][k] {
					t.Errorf("%s: managers %s %s = %v, recount %v", when, row.Key, k, row.Values[k], byManager[row.Key][k])
				}
			}
		}
		// The products: every claim is on the same model.
		prod := getReport(t, sup, "/v1/reports/products?"+period+"&measures=registered,resolved,granted")
		if len(prod.Rows) != 1 || prod.Rows[0].Values["registered"] != 8 || prod.Rows[0].Values["resolved"] != 5 {
			t.Errorf("%s: products %+v, want one model with 8 registered and 5 resolved", when, prod.Rows)
		}
		// By two dimensions: each manager's claims by type.
		two := getReport(t, sup, "/v1/reports/structure?"+period+"&groupBy=manager&thenBy=type&measures=registered")
		if len(two.Rows) != len(byManagerType) {
			t.Errorf("%s: by manager and type %d rows, recount %d", when, len(two.Rows), len(byManagerType))
		}
		for _, row := range two.Rows {
			if want := byManagerType[[2]string{row.Key, row.Then}]; row.Values["registered"] != want {
				t.Errorf("%s: %s / %s registered %v, recount %v", when, row.Key, row.Then, row.Values["registered"], want)
			}
		}
		dyn := getReport(t, sup, "/v1/reports/dynamics?"+period+"&period=day&measures=registered,resolved,open")
		if len(dyn.Rows) != 1 || dyn.Rows[0].Values["registered"] != 8 || dyn.Rows[0].Values["resolved"] != 5 || dyn.Rows[0].Values["open"] != 3 {
			t.Errorf("%s: dynamics %+v, want 8 registered, 5 resolved, 3 open", when, dyn.Rows)
		}
	}
	check("counted")

	// Every claim's event delivered again, twice: no figure changes.
	q := local.Model.Queue("AnalyticsQueue")
	queueURL, err := local.Clients.SQS.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(q.Name)})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		for _, id := range ids {
			body, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("redelivered-%d-%s", round, id), "type": "claim.updated", "claimId": id,
				"at": time.Now().UTC(), "version": 1, "data": map[string]any{"number": id, "fields": []string{"priority"}}})
			if _, err := local.Clients.SQS.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: queueURL.QueueUrl, MessageBody: aws.String(string(body))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	queueDrained(t, "AnalyticsQueue")
	check("redelivered twice")

	// A change made behind the events' back (the table edited by hand: an
	// event lost) is found by the check and corrected by the recount.
	admin := newUser(t, "admins", "admin-reports", "")
	if _, err := local.Clients.DynamoDB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String("claims-Table"), Key: map[string]ddbtypes.AttributeValue{
			"PK": &ddbtypes.AttributeValueMemberS{Value: "CLAIM#" + ids[6]}, "SK": &ddbtypes.AttributeValueMemberS{Value: "#META"}},
		UpdateExpression: aws.String("SET priority = :p"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":p": &ddbtypes.AttributeValueMemberS{Value: "critical"}},
	}); err != nil {
		t.Fatal(err)
	}
	month := today[:7]
	todayT, _ := time.Parse("2006-01-02", today)
	lastMonth := todayT.AddDate(0, 0, -todayT.Day()).Format("2006-01")
	walk := func(check bool) []string {
		var drifted []string
		cursor := ""
		for {
			var page struct {
				Drifted []string `json:"drifted"`
				Next    string   `json:"next"`
			}
			var r *st.Response
			if check {
				// The check over a span: last month, then this one.
				r = admin.do(t, "GET", "/v1/admin/analytics/check?from="+lastMonth+"&to="+month+map[bool]string{true: "&cursor=" + url.QueryEscape(cursor), false: ""}[cursor != ""], nil)
			} else {
				r = admin.do(t, "POST", "/v1/admin/analytics/recount", map[string]any{"month": month, "cursor": cursor})
			}
			if r.Status != 200 {
				t.Fatalf("analytics maintenance = %d %s", r.Status, r.Body)
			}
			r.JSON(t, &page)
			drifted = append(drifted, page.Drifted...)
			if cursor = page.Next; cursor == "" {
				return drifted
			}
		}
	}
	if !contains(walk(true), ids[6]) {
		t.Errorf("the check did not find the claim edited behind the events' back")
	}
	walk(false)
	if contains(walk(true), ids[6]) {
		t.Errorf("the claim is still drifted after the recount")
	}
	prio := getReport(t, sup, "/v1/reports/structure?"+period+"&groupBy=priority&measures=registered")
	for _, row := range prio.Rows {
		if row.Key == "critical" && row.Values["registered"] != 1 {
			t.Errorf("critical claims after the recount: %v, want 1", row.Values["registered"])
		}
	}

	// The dealer reads their own figures, not another dealer's.
	own := getReport(t, dealer, "/v1/reports/structure?from="+today+"&to="+today+"&groupBy=type&measures=registered")
	if own.Totals["registered"] != 8 {
		t.Errorf("the dealer's own structure: %+v", own)
	}
	if r := dealer.do(t, "GET", "/v1/reports/structure?from="+today+"&to="+today+"&dealerId=DLR-001", nil); r.Status != 403 {
		t.Errorf("another dealer's figures = %d, want 403", r.Status)
	}
	// The dealer's own claims by type and model; by manager is the claims
	// department's.
	if mine := getReport(t, dealer, "/v1/reports/structure?from="+today+"&to="+today+"&groupBy=type&thenBy=model&measures=registered"); mine.Totals["registered"] != 8 {
		t.Errorf("the dealer's structure by type and model: %+v", mine)
	}
	if r := dealer.do(t, "GET", "/v1/reports/structure?from="+today+"&to="+today+"&groupBy=type&thenBy=manager", nil); r.Status != 403 {
		t.Errorf("a dealer's report by manager = %d, want 403", r.Status)
	}

	// The claims list exports whole: the dealer's eight claims.
	exported := dealer.do(t, "GET", "/v1/exports/claims?format=csv", nil)
	list, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(exported.Body, []byte("\ufeff")))).ReadAll()
	if err != nil || exported.Status != 200 || len(list) != 1+len(ids) {
		t.Errorf("the dealer's list export = %d, %d rows (%v), want a header and %d claims", exported.Status, len(list), err, len(ids))
	}
	for _, id := range ids {
		found := false
		for _, row := range list {
			found = found || row[0] == id
		}
		if !found {
			t.Errorf("the export lacks %s", id)
		}
	}

	// The files carry the same figures.
	raw := func(format string) []byte {
		t.Helper()
		req, err := http.NewRequest("GET", local.APIURL+structure+"&format="+format, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+sup.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s = %d %s", format, res.StatusCode, b)
		}
		return b
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw("csv"), []byte("\ufeff")))).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("csv: %v %v", rows, err)
	}
	for _, row := range rows[1:] {
		for key, want := range byType {
			if strings.Contains(row[0], key) || labelOf(key) == row[0] {
				if n, _ := strconv.ParseFloat(row[1], 64); n != want["registered"] {
					t.Errorf("csv %s registered = %s, recount %v", row[0], row[1], want["registered"])
				}
			}
		}
	}
	book, err := excelize.OpenReader(bytes.NewReader(raw("xlsx")))
	if err != nil {
		t.Fatal(err)
	}
	sheet := book.GetSheetName(0)
	cells, err := book.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, r := range cells {
		for key, want := range byType {
			if len(r) > 1 && r[0] == labelOf(key) {
				n, _ := strconv.ParseFloat(r[1], 64)
				if n != want["registered"] {
					t.Errorf("xlsx %s registered = %s, recount %v", r[0], r[1], want["registered"])
				}
				total += n
			}
		}
	}
	if total != 8 {
		t.Errorf("xlsx: %v registered in the type rows of %s, want 8: %v", total, sheet, cells)
	}
	if text := pdfText(t, raw("pdf")); text != "" && (!strings.Contains(text, labelOf("staff_conduct")) || !strings.Contains(text, today[8:10])) {
		t.Errorf("the PDF lacks the figures:\n%s", text)
	}
}

// labelOf is how the files name a claim type of the seed catalog.
func labelOf(typeID string) string {
	return map[string]string{"staff_conduct": "Работа сотрудника", "late_delivery": "Нарушение сроков"}[typeID]
}
