package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	netmail "net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/reportdelivery"
	"github.com/claimsdesk/backend/shared/reportmail"
)

type subscriptionOut struct {
	ID         string     `json:"id"`
	Recipients []string   `json:"recipients"`
	Active     bool       `json:"active"`
	NextRun    *time.Time `json:"nextRun"`
	DealerID   string     `json:"dealerId"`
	LastRun    *struct {
		Period string `json:"period"`
		Status string `json:"status"`
	} `json:"lastRun"`
	Unsubscribed []string `json:"unsubscribed"`
}

// fire invokes the ReportMailFunction as its EventBridge rule does, at a
// time of the test's choosing (the fake clock: the job reckons "now" from
// the scheduled event's time).
func fire(t *testing.T, at time.Time) reportdelivery.RunResult {
	t.Helper()
	ev := fmt.Sprintf(`{"version":"0","id":"%d","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012",`+
		`"time":%q,"region":"eu-central-1","resources":["arn:aws:events:eu-central-1:123456789012:rule/claims-ReportMailFunctionDue"],"detail":{}}`,
		at.UnixNano(), at.UTC().Format(time.RFC3339))
	res, err := local.Invoke(context.Background(), "ReportMailFunction", []byte(ev))
	if err != nil || res.FunctionError != "" {
		t.Fatalf("report mail run at %s: %v %s", at, err, res.Payload)
	}
	var out reportdelivery.RunResult
	if err := json.Unmarshal(res.Payload, &out); err != nil {
		t.Fatalf("run result %s: %v", res.Payload, err)
	}
	return out
}

// mailsTo returns the mails to address.
func mailsTo(t *testing.T, address string) []ses.Mail {
	t.Helper()
	mails, err := ses.ReadOutbox(local.OutboxDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []ses.Mail
	for _, m := range mails {
		if len(m.To) == 1 && strings.EqualFold(m.To[0], address) {
			out = append(out, m)
		}
	}
	return out
}

func readSubscription(t *testing.T, u *user, id string) subscriptionOut {
	t.Helper()
	r := u.do(t, "GET", "/v1/report-subscriptions/"+id, nil)
	if r.Status != 200 {
		t.Fatalf("subscription %s = %d %s", id, r.Status, r.Body)
	}
	var s subscriptionOut
	r.JSON(t, &s)
	return s
}

// TestWeeklyReportMail: a weekly subscription mails last week's report on
// Monday at 09:00 Moscow time with the PDF and XLSX attached, the chart
// inline; once when the schedule fires twice (one after the other, and at
// once) and after a run killed mid-build is taken over; a skipWhenEmpty
// subscription sends nothing for an empty week; a recipient's unsubscribe
// link keeps the next mail from them (the other recipient still gets it).
// The mail parses with Python's email package.
func TestWeeklyReportMail(t *testing.T) {
	sup := newUser(t, "supervisors", "supervisor-rm", "")
	dealer := newUser(t, "dealers", "dealer-rm", "DLR-RMW")
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	// Tomorrow on: the first Monday 09:00 after it reports on a week that
	// holds today, when the claims below are counted.
	today := time.Now().In(moscow)
	startsOn := today.AddDate(0, 0, 1).Format("2006-01-02")
	for i := range 3 {
		r, _ := createClaim(t, dealer, claimBody(func(b map[string]any) {
			b["essence"] = fmt.Sprintf("Отчёт по почте: рекламация номер %d.", i+1)
			b["claimant"] = map[string]any{"name": "Клиент", "phone": fmt.Sprintf("+7903555000%d", i), "email": fmt.Sprintf("rm-claimant%d@example.com", i)}
		}))
		if r.Status != 201 {
			t.Fatalf("intake = %d %s", r.Status, r.Body)
		}
	}
	day := today.Format("2006-01-02")
	st.Eventually(t, deliveryWait, "the dealer's claims counted", func() bool {
		r := sup.do(t, "GET", "/v1/reports/structure?from="+day+"&to="+day+"&dealerId=DLR-RMW", nil)
		var res struct {
			Totals map[string]float64 `json:"totals"`
		}
		return r.Status == 200 && json.Unmarshal(r.Body, &res) == nil && res.Totals["registered"] == 3
	})

	body := func(dealerID string, to []string, mut ...func(map[string]any)) map[string]any {
		b := map[string]any{
			"report": "structure", "query": map[string]any{"groupBy": "category"}, "dealerId": dealerID, "period": "last_week",
			"schedule":   map[string]any{"frequency": "weekly", "weekday": "monday", "at": "09:00", "timeZone": "Europe/Moscow", "startsOn": startsOn},
			"recipients": to, "formats": []string{"pdf", "xlsx"}, "language": "en",
		}
		for _, m := range mut {
			m(b)
		}
		return b
	}
	create := func(b map[string]any) subscriptionOut {
		t.Helper()
		r := sup.do(t, "POST", "/v1/report-subscriptions", b)
		if r.Status != 201 {
			t.Fatalf("create subscription = %d %s", r.Status, r.Body)
		}
		var s subscriptionOut
		r.JSON(t, &s)
		return s
	}
	weekly := create(body("DLR-RMW", []string{"rm-a@example.com", "rm-b@example.com"}))
	empty := create(body("DLR-RM-EMPTY", []string{"rm-empty@example.com"}, func(b map[string]any) { b["skipWhenEmpty"] = true }))
	twice := create(body("DLR-RMW", []string{"rm-twice@example.com"}, func(b map[string]any) { b["formats"] = []string{"pdf"} }))

	// The next run is Monday 09:00 Moscow (06:00 UTC).
	at := *weekly.NextRun
	if m := at.In(moscow); m.Weekday() != time.Monday || m.Hour() != 9 || m.Minute() != 0 {
		t.Fatalf("next run %s, want a Monday 09:00 Moscow", m)
	}
	monday := at.In(moscow)
	period := monday.AddDate(0, 0, -7).Format("2006-01-02") + "_" + monday.AddDate(0, 0, -1).Format("2006-01-02")

	// Before 09:00 nothing is due.
	if got := fire(t, at.Add(-time.Minute)); got.Due != 0 {
		t.Errorf("a minute early: %+v, want nothing due", got)
	}

	// A run killed mid-build left the weekly subscription's period
	// "building" under a lease (as the function dies: the run record
	// written, no mail, no next run).
	store := tableStore(t, local.Clients.DynamoDB)
	ctx := context.Background()
	if c, err := store.ClaimRun(ctx, reportmail.Run{SubscriptionID: weekly.ID, Period: period, Attempt: "killed", LeaseUntil: at.Add(5*time.Minute + 5*time.Second)}, at); err != nil || !c.Taken {
		t.Fatalf("the killed run's record: %+v %v", c, err)
	}
	// The schedule fires twice at 09:00, at once: the killed run's period
	// waits for its lease; the other subscriptions are built once each.
	var wg sync.WaitGroup
	results := make([]reportdelivery.RunResult, 2)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = fire(t, at) }()
	}
	wg.Wait()
	sent, skipped, busy := 0, 0, 0
	for _, r := range results {
		sent, skipped, busy = sent+r.Sent, skipped+r.Skipped, busy+r.Busy
	}
	// (Other tests' subscriptions may be due too: each subscription's
	// outcome is checked below, by its run and its mails.)
	if sent < 1 || skipped < 1 || busy < 2 {
		t.Errorf("two runs at 09:00: %+v; want the twice-fired subscription's mail, the empty week skipped, the killed run busy", results)
	}
	if tw := readSubscription(t, sup, twice.ID); tw.LastRun == nil || tw.LastRun.Status != "sent" || tw.LastRun.Period != period {
		t.Errorf("the twice-fired subscription: %+v, want %s sent", tw.LastRun, period)
	}
	if s := readSubscription(t, sup, weekly.ID); s.LastRun != nil || s.NextRun == nil || !s.NextRun.Equal(at) {
		t.Errorf("the killed run's subscription after 09:00: %+v, want still due at %s", s, at)
	}
	// Five minutes later (the next firing) the lease has run out: the run
	// is taken over and sent; fired again, nothing more.
	if got := fire(t, at.Add(5*time.Minute+10*time.Second)); got.Sent != 1 {
		t.Errorf("the firing after the lease: %+v, want the taken-over mail", got)
	}
	if got := fire(t, at.Add(6*time.Minute)); got.Sent != 0 {
		t.Errorf("fired again: %+v, want nothing sent", got)
	}
	if status, takeovers, err := store.RunStatus(ctx, weekly.ID, period); err != nil || status != "sent" || takeovers != 1 {
		t.Errorf("the killed run: %s, %d takeovers, %v; want sent after one takeover", status, takeovers, err)
	}
	s := readSubscription(t, sup, weekly.ID)
	if s.LastRun == nil || s.LastRun.Status != "sent" || s.LastRun.Period != period || s.NextRun == nil || !s.NextRun.Equal(at.AddDate(0, 0, 7)) {
		t.Errorf("after the mail: %+v, want last run %s sent and the next a week later", s, period)
	}
	if e := readSubscription(t, sup, empty.ID); e.LastRun == nil || e.LastRun.Status != "skipped_empty" {
		t.Errorf("the empty week's subscription: %+v, want skipped_empty", e.LastRun)
	}

	st.Eventually(t, deliveryWait, "the weekly mails", func() bool {
		return len(mailsTo(t, "rm-a@example.com")) > 0 && len(mailsTo(t, "rm-b@example.com")) > 0 && len(mailsTo(t, "rm-twice@example.com")) > 0
	})
	drained(t, local)
	for addr, want := range map[string]int{"rm-a@example.com": 1, "rm-b@example.com": 1, "rm-twice@example.com": 1, "rm-empty@example.com": 0} {
		if got := len(mailsTo(t, addr)); got != want {
			t.Errorf("%d mails to %s, want %d", got, addr, want)
		}
	}
	mail := mailsTo(t, "rm-a@example.com")[0]
	if !strings.Contains(mail.Subject, "Structure of claims") {
		t.Errorf("subject %q", mail.Subject)
	}
	for _, name := range []string{fmt.Sprintf("structure_%s_%s.pdf", period[:10], period[11:]), fmt.Sprintf("structure_%s_%s.xlsx", period[:10], period[11:])} {
		found := false
		for _, a := range mail.Attachments {
			if a.Filename == name {
				found = true
				if strings.HasSuffix(name, ".pdf") && !strings.HasPrefix(string(a.Data), "%PDF-") {
					t.Errorf("%s is no PDF", name)
				}
				if strings.HasSuffix(name, ".xlsx") && !strings.HasPrefix(string(a.Data), "PK") {
					t.Errorf("%s is no XLSX (zip)", name)
				}
			}
		}
		if !found {
			t.Errorf("no attachment %s in %v", name, attachmentNames(mail))
		}
	}
	link := strings.Trim(mail.Headers["List-Unsubscribe"], "<>")
	if !strings.Contains(link, "/unsubscribe/"+weekly.ID+".") || mail.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" ||
		!strings.Contains(mail.HTML, link) || !strings.Contains(mail.Text, link) {
		t.Errorf("unsubscribe link %q (post %q) not in both bodies", link, mail.Headers["List-Unsubscribe-Post"])
	}
	if other := mailsTo(t, "rm-b@example.com")[0]; strings.Contains(other.HTML, link) {
		t.Error("the other recipient's mail carries the same unsubscribe link")
	}
	checkMailParses(t, mail)

	// rm-a unsubscribes with their link (one click); a forged link is refused.
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if r := (*user)(nil).do(t, "GET", u.Path[:len(u.Path)-2]+"xx", nil); r.Status != 404 {
		t.Errorf("forged unsubscribe link = %d, want 404", r.Status)
	}
	// The link opens a page that asks (a mail scanner following it
	// unsubscribes nobody); its button posts, as a mail client's one-click
	// unsubscribe does.
	if r := (*user)(nil).do(t, "GET", u.Path, nil); r.Status != 200 || !strings.Contains(string(r.Body), "rm-a@example.com") ||
		!strings.Contains(string(r.Body), `<form method="post">`) {
		t.Errorf("unsubscribe page = %d %s", r.Status, r.Body)
	}
	if s := readSubscription(t, sup, weekly.ID); len(s.Recipients) != 2 {
		t.Errorf("opening the link unsubscribed: %+v", s.Recipients)
	}
	if r := (*user)(nil).do(t, "POST", u.Path, nil); r.Status != 200 || !strings.Contains(string(r.Body), "rm-a@example.com") {
		t.Errorf("unsubscribe = %d %s", r.Status, r.Body)
	}
	if s := readSubscription(t, sup, weekly.ID); len(s.Recipients) != 1 || s.Recipients[0] != "rm-b@example.com" || !s.Active {
		t.Errorf("after rm-a left: %+v, want rm-b only, active", s)
	}
	// Next Monday: rm-b gets the mail, rm-a does not.
	if got := fire(t, at.AddDate(0, 0, 7)); got.Sent < 1 {
		t.Errorf("next Monday: %+v, want mails sent", got)
	}
	st.Eventually(t, deliveryWait, "next week's mail to rm-b", func() bool { return len(mailsTo(t, "rm-b@example.com")) == 2 })
	drained(t, local)
	if got := len(mailsTo(t, "rm-a@example.com")); got != 1 {
		t.Errorf("%d mails to rm-a after unsubscribing, want 1 (the first)", got)
	}
}

func attachmentNames(m ses.Mail) []string {
	var out []string
	for _, a := range m.Attachments {
		out = append(out, a.Filename+" "+a.ContentType)
	}
	return out
}

// checkMailParses parses the raw mail with Python's email package: a text
// part, an HTML part, an inline PNG whose Content-ID the HTML shows as
// cid:, and the PDF and XLSX attachments. Skipped without python3.
func checkMailParses(t *testing.T, m ses.Mail) {
	t.Helper()
	// As SES sends it: its Date (the raw message has none of its own) and
	// Message-ID.
	if _, err := netmail.ParseDate(m.Headers["Date"]); err != nil || m.Headers["Message-Id"] == "" {
		t.Errorf("mail Date %q (%v), Message-ID %q; want both as SES sets them", m.Headers["Date"], err, m.Headers["Message-Id"])
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 absent: the raw mail is not parsed with Python's email package")
		return
	}
	raw := filepath.Join(t.TempDir(), "mail.eml")
	if err := os.WriteFile(raw, m.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	const script = `
import email, email.policy, json, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
out = {"type": msg.get_content_type(), "text": "", "html": "", "inline": [], "attachments": []}
for part in msg.walk():
    if part.is_multipart():
        continue
    ctype, disp = part.get_content_type(), part.get_content_disposition()
    if ctype == "text/plain" and disp is None:
        out["text"] = part.get_content()
    elif ctype == "text/html" and disp is None:
        out["html"] = part.get_content()
    elif disp == "inline":
        out["inline"].append({"type": ctype, "cid": (part["Content-ID"] or "").strip("<>"), "size": len(part.get_content()),
                              "parent": part.get_content_type()})
    elif disp == "attachment":
        out["attachments"].append({"type": ctype, "name": part.get_filename(), "size": len(part.get_content())})
related = [p.get_content_type() for p in msg.walk() if p.get_content_type() == "multipart/related"]
out["related"] = len(related)
print(json.dumps(out))
`
	got, err := exec.Command(py, "-c", script, raw).Output()
	if err != nil {
		t.Fatalf("python could not parse the mail: %v", err)
	}
	var p struct {
		Type, Text, HTML string
		Related          int
		Inline           []struct {
			Type, CID string
			Size      int
		}
		Attachments []struct {
			Type, Name string
			Size       int
		}
	}
	if err := json.Unmarshal(got, &p); err != nil {
		t.Fatalf("python's answer %s: %v", got, err)
	}
	if p.Type != "multipart/mixed" || p.Related != 1 {
		t.Errorf("structure: %s with %d multipart/related, want mixed around one related", p.Type, p.Related)
	}
	if !strings.Contains(p.Text, "Registered") || !strings.Contains(p.HTML, "<table") {
		t.Errorf("text %q / html %.200q lack the figures", p.Text, p.HTML)
	}
	if len(p.Inline) != 1 || p.Inline[0].Type != "image/png" || p.Inline[0].Size == 0 || !strings.Contains(p.HTML, `src="cid:`+p.Inline[0].CID+`"`) {
		t.Errorf("inline parts %+v: want one PNG whose cid the HTML shows", p.Inline)
	}
	types := map[string]bool{}
	for _, a := range p.Attachments {
		if a.Size > 0 {
			types[a.Type] = true
		}
	}
	if !types["application/pdf"] || !types["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] || len(p.Attachments) != 2 {
		t.Errorf("attachments %+v, want the PDF and the XLSX", p.Attachments)
	}
}

// TestReportSubscriptionsAPI: bad input is a 400 naming the field; a
// dealer's subscription is scoped to their own claims and may not take the
// claims department's report or dimensions; the preview shows the mail as
// it would go; "send now" mails it; a dealer sees only their own.
func TestReportSubscriptionsAPI(t *testing.T) {
	sup := newUser(t, "supervisors", "supervisor-rs", "")
	dealer := newUser(t, "dealers", "dealer-rs", "DLR-RSA")
	valid := func(mut ...func(map[string]any)) map[string]any {
		b := map[string]any{
			"report": "dynamics", "query": map[string]any{"period": "day"}, "period": "last_week",
			"schedule":   map[string]any{"frequency": "weekly", "weekday": "monday", "at": "09:00"},
			"recipients": []string{"rs-api@example.com"}, "formats": []string{"pdf", "xlsx"},
		}
		for _, m := range mut {
			m(b)
		}
		return b
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("r%d@example.com", i)
	}
	yesterday := time.Now().AddDate(0, 0, -2).Format("2006-01-02")
	for _, tt := range []struct {
		name  string
		mut   func(map[string]any)
		field string
	}{
		{"unknown report", func(b map[string]any) { b["report"] = "weather" }, "report"},
		{"bad time zone", func(b map[string]any) {
			b["schedule"] = map[string]any{"frequency": "daily", "at": "09:00", "timeZone": "Europe/Atlantis"}
		}, "schedule.timeZone"},
		{"starts in the past", func(b map[string]any) {
			b["schedule"] = map[string]any{"frequency": "daily", "at": "09:00", "startsOn": yesterday}
		}, "schedule.startsOn"},
		{"cannot fire", func(b map[string]any) {
			b["schedule"] = map[string]any{"frequency": "monthly", "day": 40, "at": "09:00"}
		}, "schedule.day"},
		{"more than 50 recipients", func(b map[string]any) { b["recipients"] = many }, "recipients"},
		{"malformed address", func(b map[string]any) { b["recipients"] = []string{"rs-api@example.com", "ivan@"} }, "recipients[1]"},
		{"unknown measure", func(b map[string]any) { b["query"] = map[string]any{"measures": []string{"joy"}} }, "query.measures"},
	} {
		r := sup.do(t, "POST", "/v1/report-subscriptions", valid(tt.mut))
		if r.Status != 400 || !contains(errorFields(t, r), tt.field) {
			t.Errorf("%s: %d %s, want 400 naming %s", tt.name, r.Status, r.Body, tt.field)
		}
	}
	// A dealer: their own figures, never the claims department's.
	r := dealer.do(t, "POST", "/v1/report-subscriptions", valid())
	if r.Status != 201 {
		t.Fatalf("dealer's subscription = %d %s", r.Status, r.Body)
	}
	var own subscriptionOut
	r.JSON(t, &own)
	if own.DealerID != "DLR-RSA" {
		t.Errorf("dealer's subscription scoped to %q, want DLR-RSA", own.DealerID)
	}
	for name, mut := range map[string]func(map[string]any){
		"another dealer":   func(b map[string]any) { b["dealerId"] = "DLR-OTHER" },
		"managers' report": func(b map[string]any) { b["report"] = "managers"; b["query"] = map[string]any{} },
		"root causes":      func(b map[string]any) { b["report"] = "structure"; b["query"] = map[string]any{"groupBy": "rootCause"} },
	} {
		if r := dealer.do(t, "POST", "/v1/report-subscriptions", valid(mut)); r.Status != 403 {
			t.Errorf("dealer, %s: %d %s, want 403", name, r.Status, r.Body)
		}
	}
	if r := newUser(t, "managers", "manager-rs", "").do(t, "GET", "/v1/report-subscriptions", nil); r.Status != 403 {
		t.Errorf("a manager lists subscriptions: %d, want 403", r.Status)
	}
	staff := sup.do(t, "POST", "/v1/report-subscriptions", valid(func(b map[string]any) { b["recipients"] = []string{"rs-staff@example.com"} }))
	if staff.Status != 201 {
		t.Fatalf("staff subscription = %d %s", staff.Status, staff.Body)
	}
	var staffSub subscriptionOut
	staff.JSON(t, &staffSub)
	if r := dealer.do(t, "GET", "/v1/report-subscriptions/"+staffSub.ID, nil); r.Status != 404 {
		t.Errorf("dealer reads staff's subscription: %d, want 404", r.Status)
	}
	var list struct {
		Items []subscriptionOut `json:"items"`
	}
	dealer.do(t, "GET", "/v1/report-subscriptions", nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != own.ID {
		t.Errorf("dealer's list %+v, want their own only", list.Items)
	}

	// The preview: the mail as it would go, nothing sent.
	var p reportdelivery.Preview
	r = dealer.do(t, "GET", "/v1/report-subscriptions/"+own.ID+"/preview", nil)
	if r.Status != 200 {
		t.Fatalf("preview = %d %s", r.Status, r.Body)
	}
	r.JSON(t, &p)
	if p.To != "rs-api@example.com" || p.Subject == "" || !strings.Contains(p.HTML, "/unsubscribe/"+own.ID+".") || len(p.Attachments) != 2 ||
		p.Attachments[0].Size == 0 || !strings.HasSuffix(p.Attachments[0].FileName, ".pdf") || !strings.HasSuffix(p.Attachments[1].FileName, ".xlsx") {
		t.Errorf("preview %+v", p)
	}
	if got := len(mailsTo(t, "rs-api@example.com")); got != 0 {
		t.Errorf("the preview sent %d mails", got)
	}
	// Send now: the mail arrives.
	r = dealer.do(t, "POST", "/v1/report-subscriptions/"+own.ID+"/send", nil)
	if r.Status != 202 {
		t.Fatalf("send = %d %s", r.Status, r.Body)
	}
	st.Eventually(t, deliveryWait, "the mail sent now", func() bool { return len(mailsTo(t, "rs-api@example.com")) == 1 })
	// The dealer has no claims: no chart, the two files.
	if m := mailsTo(t, "rs-api@example.com")[0]; m.Subject != p.Subject || len(m.Attachments) != 2 || !p.Empty || p.Inline != nil {
		t.Errorf("sent %q with %v (previewed empty %v, inline %v), want the previewed subject and two files", m.Subject, attachmentNames(m), p.Empty, p.Inline)
	}
	// Delete: gone (the staff one too: no mail of this test is due later).
	if r := dealer.do(t, "DELETE", "/v1/report-subscriptions/"+own.ID, nil); r.Status != 204 {
		t.Errorf("delete = %d %s", r.Status, r.Body)
	}
	if r := sup.do(t, "DELETE", "/v1/report-subscriptions/"+staffSub.ID, nil); r.Status != 204 {
		t.Errorf("delete staff's = %d %s", r.Status, r.Body)
	}
	if r := dealer.do(t, "GET", "/v1/report-subscriptions/"+own.ID, nil); r.Status != 404 {
		t.Errorf("after delete = %d", r.Status)
	}
}

// TestReportMailKilledMidBuild kills the ReportMailFunction while it
// builds a period's mail (its first file upload hangs; the process dies as
// an out-of-memory kill would): no mail goes out, the run stays "building"
// under its lease, and the next firing after the lease takes it over and
// mails it once.
func TestReportMailKilledMidBuild(t *testing.T) {
	// The function's S3 endpoint is a proxy that hangs the first upload of
	// a report file until the test is done.
	var target atomic.Pointer[url.URL]
	hung, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/reports/") {
			first := false
			once.Do(func() { first = true })
			if first {
				close(hung)
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return
			}
		}
		httputil.NewSingleHostReverseProxy(target.Load()).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	defer close(release)
	s := st.Start(t, st.WithTestSettings(), st.WithConfig(func(c *stack.Config) {
		c.Clock = stillClock{}
		if c.EnvVars == nil {
			c.EnvVars = map[string]map[string]string{}
		}
		if c.EnvVars["ReportMailFunction"] == nil {
			c.EnvVars["ReportMailFunction"] = map[string]string{}
		}
		c.EnvVars["ReportMailFunction"]["AWS_ENDPOINT_URL_S3"] = proxy.URL
	}))
	u, err := url.Parse(s.Endpoints.S3)
	if err != nil {
		t.Fatal(err)
	}
	target.Store(u)
	shared := local
	local = s
	t.Cleanup(func() { local = shared })

	sup := newUser(t, "supervisors", "supervisor-kill", "")
	start := time.Now().In(time.UTC).AddDate(0, 0, 1).Format("2006-01-02")
	r := sup.do(t, "POST", "/v1/report-subscriptions", map[string]any{
		"report": "dynamics", "query": map[string]any{"period": "day"}, "period": "yesterday",
		"schedule":   map[string]any{"frequency": "daily", "at": "09:00", "startsOn": start},
		"recipients": []string{"rm-kill@example.com"}, "formats": []string{"pdf", "xlsx"},
	})
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	var sub subscriptionOut
	r.JSON(t, &sub)
	at := *sub.NextRun

	// The killed invocation's outcome: "" when it failed as a crash does.
	killed := make(chan string, 1)
	go func() {
		ev := fmt.Sprintf(`{"detail-type":"Scheduled Event","source":"aws.events","time":%q,"detail":{}}`, at.Format(time.RFC3339))
		res, err := s.Invoke(context.Background(), "ReportMailFunction", []byte(ev))
		switch {
		case err != nil || res.FunctionError != "":
			killed <- ""
		default:
			killed <- string(res.Payload)
		}
	}()
	select {
	case <-hung:
	case <-time.After(deliveryWait):
		t.Fatal("the run never uploaded a file")
	}
	store := tableStore(t, s.Clients.DynamoDB)
	period := at.AddDate(0, 0, -1).In(time.FixedZone("MSK", 3*3600)).Format("2006-01-02")
	period += "_" + period
	if status, _, err := store.RunStatus(context.Background(), sub.ID, period); err != nil || status != "building" {
		t.Fatalf("mid-build the run is %q (%v), want building", status, err)
	}
	if n := s.Pool("ReportMailFunction").Kill(); n == 0 {
		t.Fatal("no report mail process to kill")
	}
	if out := <-killed; out != "" {
		t.Fatalf("the killed run answered %s", out)
	}
	// Fired again within the lease: nothing; after it: taken over, once.
	if got := fire(t, at.Add(time.Minute)); got.Busy != 1 || got.Sent != 0 {
		t.Errorf("within the lease: %+v, want busy", got)
	}
	if got := fire(t, at.Add(5*time.Minute+10*time.Second)); got.Sent != 1 {
		t.Errorf("after the lease: %+v, want the mail", got)
	}
	if got := fire(t, at.Add(10*time.Minute)); got.Due != 0 {
		t.Errorf("fired again: %+v, want nothing due", got)
	}
	st.Eventually(t, deliveryWait, "the taken-over mail", func() bool { return len(mailsTo(t, "rm-kill@example.com")) > 0 })
	drained(t, s)
	if n := len(mailsTo(t, "rm-kill@example.com")); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
	if status, takeovers, _ := store.RunStatus(context.Background(), sub.ID, period); status != "sent" || takeovers != 1 {
		t.Errorf("the run: %s after %d takeovers, want sent after 1", status, takeovers)
	}
	if m := mailsTo(t, "rm-kill@example.com"); len(m) == 1 && len(m[0].Attachments) != 2 {
		t.Errorf("the mail carries %v, want the PDF and the XLSX", attachmentNames(m[0]))
	}
}

// TestReportMailLinksTooLargeFiles: files past the mail's limit (here 1 KB)
// go as signed links to the API, not attachments; a link redirects to a
// fresh download of the file; a forged one is a 404 page.
func TestReportMailLinksTooLargeFiles(t *testing.T) {
	s := st.Start(t, st.WithTestSettings(), st.WithConfig(func(c *stack.Config) {
		c.Clock = stillClock{}
		if c.EnvVars == nil {
			c.EnvVars = map[string]map[string]string{}
		}
		if c.EnvVars["ReportsFunction"] == nil {
			c.EnvVars["ReportsFunction"] = map[string]string{}
		}
		c.EnvVars["ReportsFunction"]["REPORT_MAX_ATTACHMENT_BYTES"] = "1000"
	}))
	shared := local
	local = s
	t.Cleanup(func() { local = shared })

	sup := newUser(t, "supervisors", "supervisor-links", "")
	r := sup.do(t, "POST", "/v1/report-subscriptions", map[string]any{
		"report": "structure", "period": "last_month", "schedule": map[string]any{"frequency": "monthly", "day": 1, "at": "08:00"},
		"recipients": []string{"rm-links@example.com"}, "formats": []string{"pdf", "xlsx"},
	})
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	var sub subscriptionOut
	r.JSON(t, &sub)
	var p reportdelivery.Preview
	sup.do(t, "GET", "/v1/report-subscriptions/"+sub.ID+"/preview", nil).JSON(t, &p)
	if len(p.Attachments) != 0 || len(p.Links) != 2 {
		t.Errorf("preview: attachments %+v, links %+v; want two links", p.Attachments, p.Links)
	}
	if r := sup.do(t, "POST", "/v1/report-subscriptions/"+sub.ID+"/send", nil); r.Status != 202 {
		t.Fatalf("send = %d %s", r.Status, r.Body)
	}
	st.Eventually(t, deliveryWait, "the mail with links", func() bool { return len(mailsTo(t, "rm-links@example.com")) == 1 })
	m := mailsTo(t, "rm-links@example.com")[0]
	if len(m.Attachments) != 0 {
		t.Errorf("attachments %v, want none", attachmentNames(m))
	}
	var pdfLink string
	for _, field := range strings.Fields(m.Text) {
		if strings.Contains(field, "/report-files/") && pdfLink == "" {
			pdfLink = field
		}
	}
	u, err := url.Parse(pdfLink)
	if err != nil || pdfLink == "" || !strings.Contains(m.HTML, html.EscapeString(pdfLink)) {
		t.Fatalf("no file link in the text %q (or not in the HTML): %v", m.Text, err)
	}
	// Not followed: the redirect is checked, then its target fetched.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(s.APIURL + u.Path)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") == "" {
		t.Fatalf("the link = %d, want a redirect", res.StatusCode)
	}
	file, err := http.Get(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(file.Body)
	file.Body.Close()
	if file.StatusCode != 200 || !strings.HasPrefix(string(data), "%PDF-") {
		t.Errorf("the download = %d %.20q, want the PDF", file.StatusCode, data)
	}
	if r := (*user)(nil).do(t, "GET", u.Path[:len(u.Path)-3]+"AAA", nil); r.Status != 404 {
		t.Errorf("a forged link = %d, want 404", r.Status)
	}
}
