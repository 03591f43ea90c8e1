package e2e_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// closeClaim takes a claim from new to closed through every stage.
func closeClaim(t *testing.T, mgr, sup *user, id string) {
	t.Helper()
	c := readClaim(t, mgr, id)
	move(t, mgr, &c, "information_check", "", 200)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "diagnostics", "", 200)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "decision", "", 200)
	c = step(t, mgr, "PUT", "/v1/claims/"+id+"/decision", map[string]any{
		"version": c.Version, "warrantyCase": true, "faultParty": "company", "rootCause": "service_failure", "resolution": "repair",
		"cost": map[string]any{"amount": 0, "currency": "RUB"}, "instructions": "Мастер приедет в понедельник и закончит монтаж.",
	}, 200)
	move(t, mgr, &c, "implementation", "", 200)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "quality_control", "", 200)
	finishTasks(t, mgr, &c)
	move(t, sup, &c, "closed", "", 200)
}

var ratingLink = regexp.MustCompile(`(https?://\S+/t/[A-Za-z0-9_-]+/rating\?score=)(\d)`)

// TestSatisfactionSurvey: the closing mail carries one-click rating links;
// the first click records the score (with a history entry, the version
// unchanged), later clicks change nothing; the tracking page shows the
// score and takes a comment once; a low score reaches the supervisors. The
// dealer rates through the API: not before the claim is closed, not
// another dealer's claim, not twice; the dealer is asked by a note in
// their inbox.
func TestSatisfactionSurvey(t *testing.T) {
	const dealerID, customer = "DLR-SURVEY", "survey-claimant@example.com"
	dealer := newUser(t, "dealers", "dealer-survey", dealerID)
	sup := newUser(t, "supervisors", "supervisor-survey", "")
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["channel"] = "dealer_form"
		b["claimant"] = map[string]any{"name": "Ольга Оценкина", "email": customer}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	mgr := newUser(t, "managers", created.Claim.Assignee, "")
	if r := dealer.do(t, "POST", "/v1/claims/"+id+"/rating", map[string]any{"score": 5}); r.Status != 409 {
		t.Errorf("rating an open claim = %d %s, want 409", r.Status, r.Body)
	}
	closeClaim(t, mgr, sup, id)
	version := readClaim(t, sup, id).Version

	st.Eventually(t, deliveryWait, "the closing mail", func() bool { return mailAbout(local.OutboxDir, customer, id+" закрыта") != nil })
	m := mailAbout(local.OutboxDir, customer, id+" закрыта")
	links := ratingLink.FindAllStringSubmatch(m.Text, -1)
	if len(links) != 5 || !strings.Contains(m.HTML, "rating?score=1") {
		t.Fatalf("closing mail: %d rating links\n%s", len(links), m.Text)
	}
	link := func(score string) string {
		u, err := url.Parse(links[0][1] + score)
		if err != nil {
			t.Fatal(err)
		}
		return local.APIURL + u.Path + "?" + u.RawQuery
	}
	if r := st.Do(t, "GET", link("2"), "", nil); r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "notice=rated") {
		t.Fatalf("first click = %d (%s), want 303 with the thanks", r.Status, r.Header.Get("Location"))
	}
	if r := st.Do(t, "GET", link("5"), "", nil); r.Status != http.StatusSeeOther || strings.Contains(r.Header.Get("Location"), "notice=rated") {
		t.Errorf("second click = %d (%s), want 303 without the thanks", r.Status, r.Header.Get("Location"))
	}
	if r := st.Do(t, "GET", link("9"), "", nil); r.Status != 400 {
		t.Errorf("score 9 = %d, want 400", r.Status)
	}
	var view struct {
		Claim struct {
			Version      int `json:"version"`
			Satisfaction struct {
				Score   int    `json:"score"`
				Comment string `json:"comment"`
				RatedBy string `json:"ratedBy"`
			} `json:"satisfaction"`
		} `json:"claim"`
	}
	sup.do(t, "GET", "/v1/claims/"+id, nil).JSON(t, &view)
	if s := view.Claim.Satisfaction; s.Score != 2 || s.RatedBy != "claimant" || view.Claim.Version != version {
		t.Errorf("after the clicks: %+v at version %d, want score 2 by the claimant at version %d", s, view.Claim.Version, version)
	}

	// The tracking page: the score, and a comment once.
	page := st.Do(t, "GET", created.TrackingURL, "", nil)
	if !strings.Contains(string(page.Body), "2 / 5") || !strings.Contains(string(page.Body), `name="comment"`) {
		t.Errorf("tracking page: no score or no comment form")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tracking, _ := url.Parse(created.TrackingURL)
	res, err := client.PostForm(local.APIURL+tracking.Path+"/rating", url.Values{"comment": {"Мастер опоздал на два дня."}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("comment = %d, want 303", res.StatusCode)
	}
	res, err = client.PostForm(local.APIURL+tracking.Path+"/rating", url.Values{"comment": {"Ещё раз"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusConflict {
		t.Errorf("second comment = %d, want 409", res.StatusCode)
	}
	sup.do(t, "GET", "/v1/claims/"+id, nil).JSON(t, &view)
	if view.Claim.Satisfaction.Comment != "Мастер опоздал на два дня." {
		t.Errorf("comment %q", view.Claim.Satisfaction.Comment)
	}
	if page := st.Do(t, "GET", created.TrackingURL, "", nil); !strings.Contains(string(page.Body), "Мастер опоздал на два дня.") || strings.Contains(string(page.Body), `name="comment"`) {
		t.Errorf("tracking page after the comment: comment missing or form still offered")
	}
	var history struct {
		Events []struct {
			Type string `json:"type"`
		} `json:"events"`
	}
	dealer.do(t, "GET", "/v1/claims/"+id+"/history", nil).JSON(t, &history)
	var kinds []string
	for _, e := range history.Events {
		if e.Type == "claim.rated" || e.Type == "rating.commented" {
			kinds = append(kinds, e.Type)
		}
	}
	if strings.Join(kinds, ",") != "claim.rated,rating.commented" {
		t.Errorf("the dealer's history of the rating: %v", kinds)
	}

	// The supervisors hear of the low score.
	st.Eventually(t, deliveryWait, "the supervisors' low-rating mail", func() bool {
		return mailAbout(local.OutboxDir, "supervisors@claimsdesk.example", "Низкая оценка: рекламация "+id) != nil
	})
	if notes := notesAbout(t, sup, id, ""); !strings.Contains(strings.Join(eventTypes(notes), ","), "claim.rated") {
		t.Errorf("supervisors' notes: %v", eventTypes(notes))
	}

	// The dealer's API: not twice, not another dealer's claim.
	if r := dealer.do(t, "POST", "/v1/claims/"+id+"/rating", map[string]any{"score": 5}); r.Status != 409 {
		t.Errorf("rating a rated claim = %d, want 409", r.Status)
	}
	other := newUser(t, "dealers", "dealer-survey-2", "DLR-SURVEY-2")
	if r := other.do(t, "POST", "/v1/claims/"+id+"/rating", map[string]any{"score": 5}); r.Status != 404 {
		t.Errorf("another dealer's rating = %d, want 404", r.Status)
	}
	if r := dealer.do(t, "POST", "/v1/claims/"+id+"/rating", map[string]any{"score": "пять"}); r.Status != 400 || !contains(errorFields(t, r), "score") {
		t.Errorf("a score that is no number = %d %s", r.Status, r.Body)
	}
	r, second := createClaim(t, dealer, claimBody(func(b map[string]any) { b["channel"] = "dealer_form" }))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	secondMgr := newUser(t, "managers", second.Claim.Assignee, "")
	// The manager writes: the dealer's inbox says so, not what was written.
	if r := secondMgr.do(t, "POST", "/v1/claims/"+second.Claim.ID+"/messages", map[string]any{"body": "Пришлите, пожалуйста, накладную."}); r.Status != 201 {
		t.Fatalf("the manager's message = %d %s", r.Status, r.Body)
	}
	st.Eventually(t, deliveryWait, "the dealer's note of the message", func() bool {
		for _, n := range notesAbout(t, dealer, second.Claim.ID, "") {
			if n.EventType == "claim.message_posted" && strings.Contains(n.Title, "Новое сообщение") && !strings.Contains(n.Text, "накладную") {
				return true
			}
		}
		return false
	})
	closeClaim(t, secondMgr, sup, second.Claim.ID)
	// The dealer is asked: a note in the dealer's inbox (after the one
	// telling them of the decision), not in another's.
	asked := func() []noteView {
		var out []noteView
		for _, n := range notesAbout(t, dealer, second.Claim.ID, "") {
			if strings.Contains(n.TitleEn, "please rate") {
				out = append(out, n)
			}
		}
		return out
	}
	st.Eventually(t, deliveryWait, "the dealer's note asking to rate", func() bool { return len(asked()) > 0 })
	if notes := asked(); len(notes) != 1 || !strings.Contains(notes[0].Title, second.Claim.ID+" закрыта") || notes[0].Recipient != "dealer:"+dealerID {
		t.Errorf("the dealer's notes asking to rate the closed claim: %+v", notes)
	}
	if notes := notesAbout(t, other, second.Claim.ID, ""); len(notes) != 0 {
		t.Errorf("another dealer's notes: %+v", notes)
	}
	r = dealer.do(t, "POST", "/v1/claims/"+second.Claim.ID+"/rating", map[string]any{"score": 4, "comment": "Быстро и вежливо"})
	if r.Status != 201 || !strings.Contains(string(r.Body), `"ratedBy":"dealers:dealer-survey"`) {
		t.Errorf("the dealer's rating = %d %s", r.Status, r.Body)
	}
}
