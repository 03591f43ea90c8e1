// Package kbapi is the HTTP edge of the KnowledgeFunction: the knowledge
// base's articles, their versions and uploads, the search, the types
// without an article and the index's rebuild. It is apart from package
// httpapi so that the function links neither the PDF nor the QR code
// library, which httpapi's other handlers use.
//
// Layer: edge.
package kbapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/kb"
	"github.com/claimsdesk/backend/shared/kb/search"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// KnowledgeAPI is the knowledge base (KnowledgeFunction): articles, their
// versions, uploads of their pictures and files, the search, the types
// without an article and the index's rebuild.
type KnowledgeAPI struct {
	KB *kb.Service
	// Shelf lists the types without a published article.
	Shelf *kb.Shelf
}

var (
	kbCursorPattern  = lazyre.New(`^[A-Za-z0-9_-]{8,200}$`)
	modelParamPatten = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9./_-]{0,63}$`)
	// The shapes httpapi's routes give the same parameters.
	catalogIDPattern = lazyre.New(`^[a-z][a-z0-9_-]{1,39}$`)
	limitParam       = apigw.IntParam("limit", 1, 100)
	viewPattern      = lazyre.New(`^[A-Za-z0-9_-]{16,64}$`)
	dayPattern       = lazyre.New(`^\d{4}-\d{2}-\d{2}$`)
)

func catalogIDParam(name string) apigw.Param {
	return apigw.PatternParam(name, catalogIDPattern, 40, "a catalog ID: a lower-case letter, then 1-39 of a-z 0-9 _ -")
}

// Register adds the knowledge base's routes.
func (a *KnowledgeAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/kb/articles", a.list, limitParam, apigw.PatternParam("cursor", kbCursorPattern, 200, "a cursor from the previous page's next"))
	r.Handle("POST /v1/kb/articles", a.create)
	r.Handle("GET /v1/kb/articles/{id}", a.get)
	r.Handle("PUT /v1/kb/articles/{id}", a.update)
	r.Handle("GET /v1/kb/articles/{id}/versions", a.versions)
	r.Handle("GET /v1/kb/articles/{id}/versions/{version}", a.version)
	r.Handle("POST /v1/kb/uploads", a.upload)
	r.Handle("GET /v1/kb/search", a.search, apigw.TextParam("q", 200), catalogIDParam("type"),
		apigw.PatternParam("model", modelParamPatten, 64, "a product model's code, e.g. TH-2000"), apigw.EnumParam("lang", "ru", "en"),
		apigw.EnumParam("status", "draft", "published", "archived"), apigw.EnumParam("audience", "staff", "public"),
		limitParam, apigw.IntParam("offset", 0, 1000))
	r.Handle("GET /v1/kb/coverage", a.coverage)
	r.Handle("GET /v1/kb/self-help", a.selfHelp, catalogIDParam("type").Req(), apigw.EnumParam("lang", "ru", "en"),
		apigw.PatternParam("view", viewPattern, 64, "a random token of 16-64 letters, digits, _ or -, sent again with the claim (Kb-View)"))
	r.Handle("GET /v1/kb/deflection", a.deflection, apigw.PatternParam("from", dayPattern, 10, "a day as YYYY-MM-DD").Req(),
		apigw.PatternParam("to", dayPattern, 10, "a day as YYYY-MM-DD").Req())
	r.Handle("POST /v1/kb/index/rebuild", a.rebuild)
}

// ArticlePage is a page of articles.
type ArticlePage struct {
	Items []kb.Summary `json:"items"`
	// Next is the next page's cursor ("" after the last).
	Next string `json:"next,omitempty"`
}

func (a *KnowledgeAPI) list(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := auth.Require(req.Principal, auth.Admin, auth.Supervisor, auth.Manager, auth.Integration, auth.Dealer); err != nil {
		return nil, err
	}
	limit := 50
	if v := req.Query.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	cursor := ""
	if v := req.Query.Get("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			return nil, apperr.InvalidField("cursor", "not a cursor of this list")
		}
		cursor = string(b)
	}
	items, next, err := a.KB.List(ctx, req.Principal, limit, cursor)
	if err != nil {
		return nil, err
	}
	page := ArticlePage{Items: items}
	if next != "" {
		page.Next = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	return apigw.JSON(http.StatusOK, page), nil
}

// maxArticleBody bounds an article's request: a body of 100 KB of
// Markdown, JSON-escaped, and the rest.
const maxArticleBody = 800 << 10

func (a *KnowledgeAPI) create(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	var in kb.Input
	if err := req.DecodeJSON(&in, maxArticleBody); err != nil {
		return nil, err
	}
	art, err := a.KB.Create(ctx, req.Principal, in)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusCreated, art), nil
}

func (a *KnowledgeAPI) update(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	var in kb.Input
	if err := req.DecodeJSON(&in, maxArticleBody); err != nil {
		return nil, err
	}
	if !kb.ValidID(req.Param("id")) {
		return nil, apperr.Errorf(apperr.NotFound, "no article %s", req.Param("id"))
	}
	art, err := a.KB.Update(ctx, req.Principal, req.Param("id"), in)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, art), nil
}

func (a *KnowledgeAPI) get(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := auth.Require(req.Principal, auth.Admin, auth.Supervisor, auth.Manager, auth.Integration, auth.Dealer); err != nil {
		return nil, err
	}
	art, err := a.KB.Get(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, art), nil
}

// ArticleVersions lists an article's versions.
type ArticleVersions struct {
	Items []kb.Change `json:"items"`
}

func (a *KnowledgeAPI) versions(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	list, err := a.KB.Versions(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, ArticleVersions{Items: list}), nil
}

func (a *KnowledgeAPI) version(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	n, err := strconv.Atoi(req.Param("version"))
	if err != nil || n < 1 {
		return nil, apperr.InvalidField("version", "a version number, 1 or more")
	}
	rev, err := a.KB.Version(ctx, req.Principal, req.Param("id"), n)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, rev), nil
}

func (a *KnowledgeAPI) upload(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	var body kb.UploadRequest
	if err := req.DecodeJSON(&body, 8<<10); err != nil {
		return nil, err
	}
	up, err := a.KB.Upload(ctx, req.Principal, body)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusCreated, up), nil
}

// SearchHit is one found article.
type SearchHit struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Language string   `json:"language"`
	Audience string   `json:"audience"`
	Status   string   `json:"status"`
	Types    []string `json:"types"`
	Models   []string `json:"models"`
	Summary  string   `json:"summary"`
	// Snippet is plain text around the first word found.
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"`
}

// SearchResult is a page of found articles and how many match.
type SearchResult struct {
	Items []SearchHit `json:"items"`
	Total int         `json:"total"`
}

func (a *KnowledgeAPI) search(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	q := search.Query{Text: req.Query.Get("q"), Lang: req.Query.Get("lang"), Limit: 20}
	if v := req.Query.Get("type"); v != "" {
		q.Types = []string{v}
	}
	if v := req.Query.Get("model"); v != "" {
		q.Models = []string{v}
	}
	if v := req.Query.Get("status"); v != "" {
		q.Statuses = []string{v}
	}
	if v := req.Query.Get("audience"); v != "" {
		q.Audiences = []string{v}
	}
	if v := req.Query.Get("limit"); v != "" {
		q.Limit, _ = strconv.Atoi(v)
	}
	if v := req.Query.Get("offset"); v != "" {
		q.Offset, _ = strconv.Atoi(v)
	}
	res, err := a.KB.Search(ctx, req.Principal, q)
	if err != nil {
		return nil, err
	}
	out := SearchResult{Items: make([]SearchHit, 0, len(res.Hits)), Total: res.Total}
	for _, h := range res.Hits {
		out.Items = append(out.Items, SearchHit{ID: h.ID, Title: h.Title, Language: h.Lang, Audience: h.Audience, Status: h.Status,
			Types: nonNilStrings(h.Types), Models: nonNilStrings(h.Models), Summary: h.Summary, Snippet: h.Snippet, Score: h.Score})
	}
	return apigw.JSON(http.StatusOK, out), nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Coverage lists the catalog's active types without a published article.
type Coverage struct {
	TypesWithoutArticles []string `json:"typesWithoutArticles"`
}

func (a *KnowledgeAPI) coverage(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := auth.Require(req.Principal, auth.Admin, auth.Supervisor, auth.Manager); err != nil {
		return nil, err
	}
	types, err := a.Shelf.Uncovered(ctx)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, Coverage{TypesWithoutArticles: types}), nil
}

// RebuildResult says how many articles the rebuilt index holds.
type RebuildResult struct {
	Articles int `json:"articles"`
}

func (a *KnowledgeAPI) rebuild(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	n, err := a.KB.Rebuild(ctx, req.Principal)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, RebuildResult{Articles: n}), nil
}

// selfHelp is the cabinet's "before you file: try this": the published
// public articles of a type, recorded as shown under the page's view
// token (a claim filed with it in Kb-View counts as following it).
func (a *KnowledgeAPI) selfHelp(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := auth.Require(req.Principal, auth.Admin, auth.Supervisor, auth.Manager, auth.Integration, auth.Dealer); err != nil {
		return nil, err
	}
	lang := req.Query.Get("lang")
	if lang == "" {
		lang = "ru"
	}
	list, err := a.Shelf.ShowSelfHelp(ctx, "user:"+req.Principal.UserID, req.Query.Get("view"), req.Query.Get("type"), lang)
	if err != nil {
		return nil, err
	}
	out := SelfHelpList{Articles: make([]SelfHelpArticle, 0, len(list))}
	for _, art := range list {
		out.Articles = append(out.Articles, SelfHelpArticle{ID: art.ID, Title: art.Title, Language: art.Language, HTML: art.HTML})
	}
	return apigw.JSON(http.StatusOK, out), nil
}

// SelfHelpArticle is an article a claimant's page shows before filing.
type SelfHelpArticle struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Language string `json:"language"`
	// HTML is the article's body, sanitized when it was written.
	HTML string `json:"html"`
}

// SelfHelpList is the answer of GET /v1/kb/self-help.
type SelfHelpList struct {
	Articles []SelfHelpArticle `json:"articles"`
}

// DeflectionReport is what the articles' self-help did over a period.
type DeflectionReport struct {
	From  string          `json:"from"`
	To    string          `json:"to"`
	Items []kb.Deflection `json:"items"`
}

func (a *KnowledgeAPI) deflection(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := auth.Require(req.Principal, auth.Admin, auth.Supervisor, auth.Manager); err != nil {
		return nil, err
	}
	from, to := req.Query.Get("from"), req.Query.Get("to")
	items, err := a.Shelf.DeflectionReport(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, DeflectionReport{From: from, To: to, Items: items}), nil
}
