package e2e_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// kbArticle is the part of an article the tests read.
type kbArticle struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	HTML     string `json:"html"`
	Status   string `json:"status"`
	Audience string `json:"audience"`
	Version  int    `json:"version"`
	Files    []struct {
		ID          string `json:"id"`
		Kind        string `json:"kind"`
		ContentType string `json:"contentType"`
		URL         string `json:"url"`
	} `json:"files"`
}

func pngPicture(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range 16 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeArticle posts an article as u and returns it (want: the status).
func writeArticle(t testing.TB, u *user, method, path string, body map[string]any, want int) kbArticle {
	t.Helper()
	r := u.do(t, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s as %s = %d %s, want %d", method, path, u.id, r.Status, r.Body, want)
	}
	var a kbArticle
	if want < 300 {
		r.JSON(t, &a)
	}
	return a
}

// TestKnowledgeBaseFromArticleToReport is issue #14's "done": an admin
// publishes an article for the type "overheating" with a picture; the
// claim form for that type shows it; a manager working an overheating
// claim sees it first and links it to the decision; the reports count it;
// a draft or staff-only article never reaches the public form or a dealer.
func TestKnowledgeBaseFromArticleToReport(t *testing.T) {
	run := time.Now().UnixNano()
	admin := newUser(t, "admins", "admin-kb", "")
	sup := newUser(t, "supervisors", "sup-kb", "")
	dealer := newUser(t, "dealers", "dealer-kb", "DLR-KB")
	proposer := newUser(t, "managers", "manager-kb-author", "")

	// A picture, uploaded to the bucket through a presigned POST.
	pic := pngPicture(t)
	picID, status := upload(t, admin, "/v1/kb/uploads", map[string]any{"kind": "image", "fileName": "filter.png", "contentType": "image/png",
		"size": len(pic)}, pic, "image/png")
	if status != 204 {
		t.Fatalf("picture upload = %d", status)
	}
	// A "picture" that is not one is refused by its content.
	fake := []byte("<svg onload=alert(1)>" + strings.Repeat(" ", 100))
	fakeID, status := upload(t, admin, "/v1/kb/uploads", map[string]any{"kind": "image", "fileName": "x.png", "contentType": "image/png",
		"size": len(fake)}, fake, "image/png")
	if status != 204 {
		t.Fatalf("fake picture upload = %d", status)
	}

	title := fmt.Sprintf("Перегрев: очистите фильтр %d", run)
	article := map[string]any{
		"title": title, "language": "ru", "audience": "public", "status": "published",
		"body":       "## Что сделать\n\n1. Выключите прибор.\n2. Очистите фильтр.\n\n![фильтр](kb-file:" + picID + ")\n\n<script>alert(1)</script>[x](javascript:alert(1))",
		"categories": []string{"defect"}, "types": []string{"overheating"}, "models": []string{"TH-2000"}, "files": []map[string]any{{"id": picID}},
	}
	// Bad input: each named.
	bad := func(name string, mut func(b map[string]any), field string) {
		t.Helper()
		b := map[string]any{}
		for k, v := range article {
			b[k] = v
		}
		mut(b)
		r := admin.do(t, "POST", "/v1/kb/articles", b)
		if r.Status != 400 || !contains(errorFields(t, r), field) {
			t.Errorf("%s: %d %s, want 400 naming %s", name, r.Status, r.Body, field)
		}
	}
	bad("unknown type", func(b map[string]any) { b["types"] = []string{"overheating", "no-such-type"} }, "types[1]")
	bad("unknown model", func(b map[string]any) { b["models"] = []string{"XX-404"} }, "models[0]")
	bad("body over 100 KB", func(b map[string]any) { b["body"] = strings.Repeat("Очень длинно. ", 8000) }, "body")
	bad("not a picture", func(b map[string]any) { b["files"] = []map[string]any{{"id": fakeID}} }, "files[0]")
	bad("never uploaded", func(b map[string]any) { b["files"] = []map[string]any{{"id": "f-00000000000000aa"}} }, "files[0]")
	// Managers propose drafts; they do not publish.
	if r := proposer.do(t, "POST", "/v1/kb/articles", article); r.Status != 403 {
		t.Errorf("a manager publishing = %d %s, want 403", r.Status, r.Body)
	}

	a := writeArticle(t, admin, "POST", "/v1/kb/articles", article, 201)
	if a.Status != "published" || a.Version != 1 || len(a.Files) != 1 || a.Files[0].ContentType != "image/png" {
		t.Fatalf("the article as stored: %+v", a)
	}
	for _, inert := range []string{"<script", "javascript:"} {
		if strings.Contains(a.HTML, inert) {
			t.Errorf("the article's HTML keeps %q: %s", inert, a.HTML)
		}
	}
	if !strings.Contains(a.HTML, "<li>Очистите фильтр.</li>") || !strings.Contains(a.HTML, `<img src="http`) {
		t.Errorf("the article's HTML lacks its list or its picture's link: %s", a.HTML)
	}
	// The picture's link downloads the picture.
	res, err := http.Get(a.Files[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	got := new(bytes.Buffer)
	_, _ = got.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got.Bytes(), pic) {
		t.Errorf("the picture's link = %d (%d bytes), want the picture", res.StatusCode, got.Len())
	}

	// Beside it: a staff-only article and a manager's draft of the type,
	// which no customer or dealer sees; an older public article of the
	// type that does not name the model.
	staffTitle := fmt.Sprintf("Только для персонала %d", run)
	staffOnly := writeArticle(t, sup, "POST", "/v1/kb/articles", map[string]any{"title": staffTitle, "language": "ru", "audience": "staff",
		"status": "published", "body": "Внутренняя методика: сразу заменить устройство.", "types": []string{"overheating"}}, 201)
	draftTitle := fmt.Sprintf("Черновик менеджера %d", run)
	draft := writeArticle(t, proposer, "POST", "/v1/kb/articles", map[string]any{"title": draftTitle, "language": "ru", "audience": "public",
		"body": "Предложение: проверить розетку.", "types": []string{"overheating"}}, 201)
	if draft.Status != "draft" {
		t.Errorf("the manager's proposal is %s, want draft", draft.Status)
	}
	// A supervisor edits it: a second version, the first still readable.
	draft = writeArticle(t, sup, "PUT", "/v1/kb/articles/"+draft.ID, map[string]any{"title": draftTitle, "language": "ru", "audience": "public",
		"body": "Предложение: проверить розетку и удлинитель.", "types": []string{"overheating"}, "version": 1, "note": "уточнил"}, 200)
	var versions struct {
		Items []struct {
			Version int      `json:"version"`
			By      string   `json:"by"`
			Fields  []string `json:"fields"`
		} `json:"items"`
	}
	sup.do(t, "GET", "/v1/kb/articles/"+draft.ID+"/versions", nil).JSON(t, &versions)
	if len(versions.Items) != 2 || versions.Items[0].By != "manager-kb-author" || versions.Items[1].By != "sup-kb" ||
		strings.Join(versions.Items[1].Fields, ",") != "body" {
		t.Errorf("the draft's history: %+v", versions.Items)
	}
	var first struct {
		Article kbArticle `json:"article"`
	}
	sup.do(t, "GET", "/v1/kb/articles/"+draft.ID+"/versions/1", nil).JSON(t, &first)
	if !strings.Contains(first.Article.HTML, "проверить розетку.") {
		t.Errorf("version 1 reads %q", first.Article.HTML)
	}
	if r := sup.do(t, "PUT", "/v1/kb/articles/"+draft.ID, map[string]any{"title": draftTitle, "language": "ru", "body": "x", "version": 1}); r.Status != 409 {
		t.Errorf("a stale version = %d, want 409", r.Status)
	}

	// The dealer: the public article, never the staff-only one nor the draft.
	if r := dealer.do(t, "GET", "/v1/kb/articles/"+a.ID, nil); r.Status != 200 {
		t.Errorf("the dealer reads the public article: %d %s", r.Status, r.Body)
	}
	for _, id := range []string{staffOnly.ID, draft.ID} {
		if r := dealer.do(t, "GET", "/v1/kb/articles/"+id, nil); r.Status != 404 {
			t.Errorf("the dealer reads %s: %d, want 404", id, r.Status)
		}
	}
	for _, q := range []string{"", "?q=" + fmt.Sprint(run), "?type=overheating&status=draft", "?type=overheating&audience=staff"} {
		body := string(dealer.do(t, "GET", "/v1/kb/search"+q, nil).Body)
		if strings.Contains(body, staffTitle) || strings.Contains(body, draftTitle) {
			t.Errorf("the dealer's search %s shows a staff-only article or a draft: %s", q, body)
		}
	}
	// The search finds the article by a stem of its words, filtered by type
	// and model; staff find the others too.
	var found struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
		Total int `json:"total"`
	}
	st.Eventually(t, 10*time.Second, "the article in the dealer's search", func() bool {
		dealer.do(t, "GET", "/v1/kb/search?q=фильтры&type=overheating&model=TH-2000", nil).JSON(t, &found)
		return len(found.Items) > 0 && found.Items[0].ID == a.ID
	})
	sup.do(t, "GET", "/v1/kb/search?q="+fmt.Sprint(run)+"&type=overheating", nil).JSON(t, &found)
	if found.Total != 3 {
		t.Errorf("the supervisor's search finds %d articles of the run, want 3 (public, staff-only, draft)", found.Total)
	}

	// The QR claim form, before filing: the type's public article with
	// its picture, never the staff-only one nor the draft. One customer
	// reads it and files anyway (the form's token carries the view); another
	// reads it and does not file.
	code := issueCodes(t, map[string]any{"kind": "series", "model": "TH-2000", "productName": "Тепловентилятор", "series": fmt.Sprintf("KB-%d", run)}).Codes[0].Code
	page, token := openForm(t, code)
	if !strings.Contains(string(page.Body), `id="self-help"`) || !strings.Contains(string(page.Body), `"articlesURL":"/q/`+code+`/articles"`) {
		t.Errorf("the form has no self-help section or endpoint")
	}
	selfHelp := func(path string, u *user) string {
		t.Helper()
		r := u.do(t, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s = %d %s", path, r.Status, r.Body)
		}
		return string(r.Body)
	}
	formHelp := selfHelp("/q/"+code+"/articles?typeId=overheating&lang=ru&formToken="+token, nil)
	if !strings.Contains(formHelp, title) || !strings.Contains(formHelp, `\u003cimg src=\"http`) {
		t.Errorf("the form's self-help lacks the article or its picture: %.600s", formHelp)
	}
	if strings.Contains(formHelp, staffTitle) || strings.Contains(formHelp, draftTitle) {
		t.Errorf("the form's self-help shows a staff-only article or a draft: %s", formHelp)
	}
	if r := st.Do(t, "GET", local.APIURL+"/q/"+code+"/articles?typeId=Bad!", "", nil); r.Status != 400 || !contains(errorFields(t, r), "typeId") {
		t.Errorf("a bad type = %d %s, want a JSON 400 naming typeId", r.Status, r.Body)
	}
	if help := selfHelp("/q/"+code+"/articles?typeId=late_delivery&formToken="+token, nil); strings.Contains(help, title) {
		t.Errorf("another type's self-help shows the article: %s", help)
	}
	v := formValues(token)
	v.Set("typeId", "overheating")
	v.Set("serial", fmt.Sprintf("SN-KB-QR-%d", run))
	v.Set("purchaseDate", "2026-10-01")
	v.Set("essence", "Корпус сильно греется, фильтр почистили, не помогло.")
	v.Set("desiredResult", "repair")
	if r := postForm(t, code, v); r.Status != 200 || numberRe.Find(r.Body) == nil {
		t.Fatalf("the QR claim after the self-help = %d", r.Status)
	}
	_, otherToken := openForm(t, code)
	selfHelp("/q/"+code+"/articles?typeId=overheating&lang=en&formToken="+otherToken, nil)
	// The cabinet: the dealer's page shows the same, and the claim it files
	// carries its view.
	view := fmt.Sprintf("cab-view-%d", run)
	cabHelp := selfHelp("/v1/kb/self-help?type=overheating&lang=ru&view="+view, dealer)
	if !strings.Contains(cabHelp, title) || strings.Contains(cabHelp, staffTitle) || strings.Contains(cabHelp, draftTitle) {
		t.Errorf("the cabinet's self-help: %.600s", cabHelp)
	}
	deflection := func() (shown, filed, pending int) {
		var rep struct {
			Items []struct {
				ArticleID string `json:"articleId"`
				Shown     int    `json:"shown"`
				Filed     int    `json:"filed"`
				Pending   int    `json:"pending"`
				Prevented int    `json:"prevented"`
			} `json:"items"`
		}
		today := time.Now().Format("2006-01-02")
		sup.do(t, "GET", "/v1/kb/deflection?from="+today+"&to="+today, nil).JSON(t, &rep)
		for _, it := range rep.Items {
			if it.ArticleID == a.ID {
				return it.Shown, it.Filed, it.Pending
			}
		}
		return 0, 0, 0
	}
	if shown, filed, pending := deflection(); shown != 3 || filed != 1 || pending != 2 {
		t.Errorf("the article's self-help: shown %d, filed %d, pending %d; want 3, 1, 2", shown, filed, pending)
	}

	// A claim of the type, from the cabinet after its self-help: the
	// manager sees the article first.
	var refs []any
	for _, zone := range []string{"product", "plate", "defect"} {
		id, status := upload(t, dealer, "/v1/uploads", map[string]any{"typeId": "overheating", "zone": zone, "fileName": "photo.jpg",
			"contentType": "image/jpeg", "size": len(jpeg)}, jpeg, "image/jpeg")
		if status != 204 {
			t.Fatalf("upload = %d", status)
		}
		refs = append(refs, map[string]any{"zone": zone, "uploadId": id})
	}
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["categoryId"], b["typeId"], b["channel"] = "defect", "overheating", "dealer_form"
		b["product"] = map[string]any{"model": "TH-2000", "serial": fmt.Sprintf("SN-KB-%d", run), "purchaseDate": "2026-10-01"}
		b["essence"] = "Корпус нагревается до запаха гари через 10 минут работы."
		b["desiredResult"] = "replacement"
		b["attachments"] = refs
	}), "Kb-View", view)
	if r.Status != 201 {
		t.Fatalf("claim = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	if shown, filed, pending := deflection(); shown != 3 || filed != 2 || pending != 1 {
		t.Errorf("after the cabinet's claim: shown %d, filed %d, pending %d; want 3, 2, 1", shown, filed, pending)
	}
	if r := dealer.do(t, "POST", "/v1/claims", claimBody(), "Kb-View", "bad view!"); r.Status != 400 || !contains(errorFields(t, r), "Kb-View") {
		t.Errorf("a bad Kb-View = %d %s, want 400 naming it", r.Status, r.Body)
	}
	mgr := newUser(t, "managers", created.Claim.Assignee, "")
	suggested := func(u *user) []string {
		var detail struct {
			Articles []struct {
				ID      string   `json:"id"`
				Solved  int      `json:"solved"`
				Matches []string `json:"matches"`
			} `json:"articles"`
		}
		u.do(t, "GET", "/v1/claims/"+id, nil).JSON(t, &detail)
		var ids []string
		for _, s := range detail.Articles {
			ids = append(ids, s.ID)
		}
		return ids
	}
	if got := suggested(mgr); len(got) < 2 || got[0] != a.ID || contains(got, draft.ID) {
		t.Errorf("the manager's suggestions %v: want %s first, %s among them, no draft", got, a.ID, staffOnly.ID)
	}
	if got := suggested(dealer); len(got) != 0 {
		t.Errorf("the dealer's claim view suggests %v", got)
	}

	// The manager decides, solved with the article.
	c := readClaim(t, mgr, id)
	move(t, mgr, &c, "information_check", "", 200)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "diagnostics", "", 200)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "decision", "", 200)
	decision := map[string]any{"version": c.Version, "warrantyCase": true, "faultParty": "company", "rootCause": "component_defect",
		"resolution": "replace", "instructions": "Заменим прибор: курьер привезёт новый и заберёт старый.", "solvedWith": draft.ID}
	if r := mgr.do(t, "PUT", "/v1/claims/"+id+"/decision", decision); r.Status != 400 || !contains(errorFields(t, r), "solvedWith") {
		t.Errorf("solved with a draft = %d %s, want 400 naming solvedWith", r.Status, r.Body)
	}
	decision["solvedWith"] = a.ID
	c = step(t, mgr, "PUT", "/v1/claims/"+id+"/decision", decision, 200)
	var hist struct {
		Events []struct {
			Type  string         `json:"type"`
			After map[string]any `json:"after"`
		} `json:"events"`
	}
	mgr.do(t, "GET", "/v1/claims/"+id+"/history", nil).JSON(t, &hist)
	linked := false
	for _, e := range hist.Events {
		if e.Type == "decision.recorded" && e.After["solvedWith"] == a.ID {
			linked = true
		}
	}
	if !linked {
		t.Errorf("the history does not record the article the decision was solved with: %+v", hist.Events)
	}
	if strings.Contains(string(dealer.do(t, "GET", "/v1/claims/"+id, nil).Body), a.ID) {
		t.Error("the dealer's claim view names the article the decision was solved with")
	}

	// The reports count it: the structure by article, with processing
	// time once closed; the ranking counts it for the type.
	today := time.Now().Format("2006-01-02")
	st.Eventually(t, deliveryWait, "the article in the structure report", func() bool {
		rep := getReport(t, sup, "/v1/reports/structure?from="+today+"&to="+today+"&groupBy=article&measures=granted")
		for _, row := range rep.Rows {
			if row.Key == a.ID && row.Values["granted"] >= 1 {
				return true
			}
		}
		return false
	})
	var detail struct {
		Articles []struct {
			ID     string `json:"id"`
			Solved int    `json:"solved"`
		} `json:"articles"`
	}
	mgr.do(t, "GET", "/v1/claims/"+id, nil).JSON(t, &detail)
	if len(detail.Articles) == 0 || detail.Articles[0].ID != a.ID || detail.Articles[0].Solved < 1 {
		t.Errorf("after the decision the suggestions are %+v: want %s first, solved at least once", detail.Articles, a.ID)
	}
	if r := dealer.do(t, "GET", "/v1/reports/structure?from="+today+"&to="+today+"&groupBy=article", nil); r.Status != 403 {
		t.Errorf("a dealer's report by article = %d, want 403", r.Status)
	}

	// Which types have no article: overheating has one now.
	var cov struct {
		Types []string `json:"typesWithoutArticles"`
	}
	sup.do(t, "GET", "/v1/kb/coverage", nil).JSON(t, &cov)
	if contains(cov.Types, "overheating") || !contains(cov.Types, "late_delivery") && !contains(cov.Types, "staff_conduct") {
		t.Errorf("types without an article: %v", cov.Types)
	}

	// The admin's rebuild repairs the index from the table.
	var rebuilt struct {
		Articles int `json:"articles"`
	}
	if r := admin.do(t, "POST", "/v1/kb/index/rebuild", nil); r.Status != 200 {
		t.Fatalf("rebuild = %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &rebuilt)
	}
	if rebuilt.Articles < 3 {
		t.Errorf("the rebuilt index holds %d articles", rebuilt.Articles)
	}
	if r := sup.do(t, "POST", "/v1/kb/index/rebuild", nil); r.Status != 403 {
		t.Errorf("a supervisor's rebuild = %d, want 403", r.Status)
	}
}
