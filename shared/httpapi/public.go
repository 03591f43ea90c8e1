package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/chat"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/kb"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/qrcode"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/survey"
	"github.com/claimsdesk/backend/shared/visibility"
	"github.com/claimsdesk/backend/shared/webform"
	"github.com/claimsdesk/backend/shared/workflow"
)

// MaxFormBody bounds the urlencoded form.
const MaxFormBody = 64 << 10

// Limits are the public channel's abuse limits, per clock hour.
type Limits struct {
	// PerAddress bounds claims from one client address.
	PerAddress int
	// PerSerialCode bounds claims through one serial-number code; a model or
	// series code is printed on many items and gets PerSharedCode.
	PerSerialCode int
	PerSharedCode int
	// MessagesPerAddress and MessagesPerClaim bound the messages posted
	// through tracking links: from one client address, and to one claim.
	MessagesPerAddress int
	MessagesPerClaim   int
}

// DefaultLimits are the production limits.
var DefaultLimits = Limits{PerAddress: 10, PerSerialCode: 5, PerSharedCode: 200, MessagesPerAddress: 60, MessagesPerClaim: 30}

// PublicSite serves the pages that need no sign-in: the QR claim form, its
// uploads, and the tracking page.
type PublicSite struct {
	Intake   *intake.Service
	Registry *registry.Service
	Tracking TrackingStore
	Changes  intake.ChangeStore
	Catalog  catalog.Source
	QR       QRStore
	Signer   *qrcode.Signer
	Keys     *keys.Keys
	Files    intake.Files
	// Chat is the claim's conversation on the tracking page; nil shows none.
	Chat *chat.Service
	// Survey records the claimant's rating of a closed claim; nil shows no
	// rating.
	Survey *survey.Service
	// Roster names the claims managers on the tracking page (nil: no names).
	Roster intake.Roster
	// Location is the company's time zone, the tracking page's times' (nil: UTC).
	Location *time.Location
	// UploadOrigin is the S3 origin browsers post files to.
	UploadOrigin string
	// Sample renders a sample document as PDF (documents.Sample; given by
	// the public function, so that the others do not link the PDF
	// library): apperr.NotFound for an unknown name.
	Sample func(name, lang string) ([]byte, error)
	// Limits are the abuse limits (zero values take DefaultLimits').
	Limits Limits
	// SelfHelp shows the published public articles of the chosen type
	// before the claimant files, and records whether a claim followed (nil:
	// none shown).
	SelfHelp SelfHelp
	Logger   *slog.Logger
}

// SelfHelp is the knowledge base as the claimant's pages use it (kb.Shelf).
type SelfHelp interface {
	// ShowSelfHelp returns the articles of a type, recording under token
	// (at most kb.ViewsPerHour for one viewer)
	// that the page showed them.
	ShowSelfHelp(ctx context.Context, viewer, token, typeID, lang string) ([]kb.Article, error)
	// Filed records that a claim followed the view token named.
	Filed(ctx context.Context, token, claimID string) error
}

// SelfHelpArticle is an article the claimant's page shows before filing.
type SelfHelpArticle struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Language string `json:"language"`
	// HTML is the article's body, sanitized when it was written.
	HTML string `json:"html"`
}

// SelfHelpList is the answer of the self-help routes.
type SelfHelpList struct {
	Articles []SelfHelpArticle `json:"articles"`
}

func selfHelpList(list []kb.Article) SelfHelpList {
	out := SelfHelpList{Articles: make([]SelfHelpArticle, 0, len(list))}
	for _, a := range list {
		out.Articles = append(out.Articles, SelfHelpArticle{ID: a.ID, Title: a.Title, Language: a.Language, HTML: a.HTML})
	}
	return out
}

// TrackingStore finds a claim by the hash of its tracking token.
type TrackingStore interface {
	ClaimIDByTracking(ctx context.Context, hash string) (string, error)
}

// Register adds the routes of the PublicFunction.
func (p *PublicSite) Register(r *apigw.Router) {
	r.Handle("GET /q/{code}", p.form, append([]apigw.Param{langParam}, marketingParams...)...)
	r.Handle("POST /q/{code}", p.submit)
	r.Handle("POST /q/{code}/uploads", p.upload)
	r.Handle("GET /q/{code}/articles", p.articles, catalogIDParam("typeId").Req(), langParam,
		apigw.PatternParam("formToken", formTokenPattern, 24, "the form's token"))
	r.Handle("GET /t/{token}", p.tracking, append([]apigw.Param{langParam, apigw.EnumParam("notice", "uploaded", "sent", "rated", "commented")}, marketingParams...)...)
	r.Handle("GET /t/{token}/rating", p.rate, append([]apigw.Param{langParam, apigw.IntParam("score", claims.MinScore, claims.MaxScore).Req()}, marketingParams...)...)
	r.Handle("POST /t/{token}/rating", p.comment)
	r.Handle("GET /t/{token}/uploaded", p.uploaded, langParam,
		// S3 adds bucket, key and etag to the redirect after an upload.
		apigw.TextParam("key", 200).Req(), catalogIDParam("zone").Req(), apigw.TextParam("bucket", 63), apigw.TextParam("etag", 100))
	r.Handle("POST /t/{token}/messages", p.postMessage)
	r.Handle("POST /t/{token}/messages/uploads", p.messageUpload)
	r.Handle("GET /samples/{name}", p.sample, langParam)
	r.ErrorPage = p.errorPage
}

func lang(req *apigw.Request) string {
	return webform.DetectLang(req.Header("accept-language"), req.Query.Get("lang"))
}

func (p *PublicSite) html(status int, render func(*bytes.Buffer) error) (*apigw.Response, error) {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return nil, fmt.Errorf("render page: %w", err)
	}
	return apigw.HTML(status, b.String(), p.UploadOrigin), nil
}

// errorPage renders errors of the HTML routes as pages in the visitor's
// language; the JSON routes (the uploads, the self-help articles) keep JSON
// errors.
func (p *PublicSite) errorPage(req *apigw.Request, status int, e *apperr.Error) (*apigw.Response, bool) {
	if strings.HasSuffix(req.RouteKey, "/uploads") || strings.HasSuffix(req.RouteKey, "/articles") {
		return nil, false
	}
	l := lang(req)
	page := &webform.ErrorPage{Lang: l, Status: status}
	switch e.Code {
	case apperr.NotFound:
		page.Title, page.Message = webform.Message(l, "error.notFound.title"), webform.Message(l, "error.notFound.message")
	case apperr.RateLimited:
		page.Title, page.Message = webform.Message(l, "error.rateLimited.title"), webform.Message(l, "error.rateLimited.message")
	case apperr.Invalid:
		page.Title, page.Message = webform.Message(l, "error.bad_request.title"), webform.Message(l, "error.bad_request.message")
		if apigw.InQuery(e) && len(e.Fields) > 0 {
			// A query parameter the page does not take: name it.
			page.Message = webform.Messagef(l, "error.bad_param", e.Fields[0].Field)
		}
	case apperr.Gone:
		page.Title, page.Message = webform.Message(l, "error.withdrawn.title"), webform.Message(l, "error.withdrawn.message")
	default:
		page.Title, page.Message = webform.Message(l, "error.generic.title"), webform.Message(l, "error.generic.message")
	}
	res, err := p.html(status, func(b *bytes.Buffer) error { return webform.RenderError(b, page) })
	if err != nil {
		return nil, false
	}
	return res, true
}

// code verifies a QR code and loads what it was issued for. Forged and
// unknown codes are NotFound; a revoked code is Gone, naming the code.
func (p *PublicSite) code(ctx context.Context, raw string) (string, *qrcode.Record, error) {
	code, err := p.Signer.Canonical(raw)
	if err != nil {
		return "", nil, err
	}
	id, err := p.Signer.Verify(code)
	if err != nil {
		return "", nil, err
	}
	rec, err := p.QR.QRCode(ctx, id)
	if err != nil {
		return "", nil, err
	}
	if rec.Revoked {
		return "", nil, &apperr.Error{Code: apperr.Gone, Message: "QR code " + code + " was withdrawn: claims are no longer filed through it",
			Fields: []apperr.FieldError{{Field: "code", Message: "withdrawn"}}}
	}
	return code, rec, nil
}

func newFormToken() (string, error) {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("form token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

var formTokenPattern = lazyre.New(`^[A-Za-z0-9_-]{24}$`)

func product(rec *qrcode.Record) webform.Product {
	return webform.Product{
		Model: rec.Model, Name: rec.ProductName, Series: rec.Series, Serial: rec.Serial,
		LockSeries: rec.Kind == qrcode.KindSeries || rec.Kind == qrcode.KindSerial,
		LockSerial: rec.Kind == qrcode.KindSerial,
	}
}

func (p *PublicSite) formPage(ctx context.Context, req *apigw.Request, code string, rec *qrcode.Record) (*webform.FormPage, error) {
	cat, err := p.Catalog.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	return &webform.FormPage{
		Lang: lang(req), Code: code, Action: "/q/" + code, UploadURL: "/q/" + code + "/uploads", ArticlesURL: "/q/" + code + "/articles",
		Product: product(rec), Catalog: cat.ForClaimants(),
	}, nil
}

func (p *PublicSite) form(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	code, rec, err := p.code(ctx, req.Param("code"))
	if err != nil {
		return nil, err
	}
	page, err := p.formPage(ctx, req, code, rec)
	if err != nil {
		return nil, err
	}
	if page.FormToken, err = newFormToken(); err != nil {
		return nil, err
	}
	if lp := req.Query.Get("lang"); lp != "" {
		page.Values = map[string]string{"lang": page.Lang}
	}
	return p.html(http.StatusOK, func(b *bytes.Buffer) error { return webform.RenderForm(b, page) })
}

// articles answers the form's script when a type is chosen: the published
// public self-help articles of the type ("before you file: try this"), in
// the page's language first, recorded as shown under the form's token.
func (p *PublicSite) articles(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if _, _, err := p.code(ctx, req.Param("code")); err != nil {
		return nil, err
	}
	if p.SelfHelp == nil {
		return apigw.JSON(http.StatusOK, selfHelpList(nil)), nil
	}
	list, err := p.SelfHelp.ShowSelfHelp(ctx, "ip:"+req.SourceIP, req.Query.Get("formToken"), req.Query.Get("typeId"), lang(req))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, selfHelpList(list)), nil
}

// uploadRequest is the body of POST /q/{code}/uploads.
type uploadRequest struct {
	FormToken   string `json:"formToken"`
	TypeID      string `json:"typeId"`
	Zone        string `json:"zone"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

func (p *PublicSite) upload(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if _, _, err := p.code(ctx, req.Param("code")); err != nil {
		return nil, err
	}
	var body uploadRequest
	if err := req.DecodeJSON(&body, 8<<10); err != nil {
		return nil, err
	}
	if !formTokenPattern.MatchString(body.FormToken) {
		return nil, apperr.InvalidField("formToken", "the form has expired; reload the page")
	}
	t, err := p.Intake.PresignUpload(ctx, intake.UploadRequest{
		Scope: "form:" + body.FormToken, TypeID: body.TypeID, Zone: body.Zone,
		FileName: body.FileName, ContentType: body.ContentType, Size: body.Size,
	})
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusCreated, t), nil
}

func (p *PublicSite) submit(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	code, rec, err := p.code(ctx, req.Param("code"))
	if err != nil {
		return nil, err
	}
	form, err := req.Form(MaxFormBody)
	if err != nil {
		return nil, err
	}
	page, err := p.formPage(ctx, req, code, rec)
	if err != nil {
		return nil, err
	}
	if l := form.Get("lang"); l == "en" || l == "ru" {
		page.Lang = l
	}
	page.Values = map[string]string{}
	for k := range form {
		if k != "attachment" && k != "formToken" && k != "website" {
			page.Values[k] = form.Get(k)
		}
	}
	page.FormToken = form.Get("formToken")
	refs := attachmentRefs(form["attachment"])
	for _, r := range refs {
		page.Attachments = append(page.Attachments, webform.Attachment{Zone: r.Zone, UploadID: r.UploadID})
	}
	retry := func(status int, errs map[string]string) (*apigw.Response, error) {
		page.Errors = errs
		if !formTokenPattern.MatchString(page.FormToken) {
			var err error
			if page.FormToken, err = newFormToken(); err != nil {
				return nil, err
			}
		}
		return p.html(status, func(b *bytes.Buffer) error { return webform.RenderForm(b, page) })
	}
	if form.Get("website") != "" {
		p.Logger.WarnContext(ctx, "honeypot filled: submission dropped", "sourceIp", req.SourceIP, "code", code)
		return retry(http.StatusBadRequest, map[string]string{"": webform.Message(page.Lang, "error.rejected")})
	}
	if !formTokenPattern.MatchString(page.FormToken) {
		return retry(http.StatusBadRequest, map[string]string{"": webform.Message(page.Lang, "error.formExpired")})
	}
	typeID := form.Get("typeId")
	categoryID := form.Get("categoryId")
	if cat, err := p.Catalog.Catalog(ctx); err == nil && categoryID == "" {
		// Without JavaScript the type select carries the category.
		if t, ok := cat.Type(typeID); ok {
			categoryID = t.CategoryID
		}
	}
	d := claims.Draft{
		Channel:  claims.ChannelQR,
		Claimant: claims.Claimant{Name: form.Get("name"), Email: form.Get("email"), Phone: form.Get("phone"), Company: form.Get("company"), TaxID: form.Get("taxId")},
		Product: claims.Product{Model: rec.Model, Name: rec.ProductName, Series: rec.Series, Serial: rec.Serial,
			PurchaseDate: form.Get("purchaseDate")},
		Order:      claims.Order{Reference: form.Get("orderReference")},
		CategoryID: categoryID, TypeID: typeID, Essence: form.Get("essence"),
		DesiredResult: claims.DesiredResult(form.Get("desiredResult")), DesiredFix: form.Get("desiredFix"),
		Language: page.Lang, QRCode: code,
	}
	if rec.Kind != qrcode.KindSerial {
		d.Product.Serial = form.Get("serial")
	}
	if rec.Kind == qrcode.KindModel {
		d.Product.Series = form.Get("series")
	}
	limits := p.limits()
	codeLimit := limits.PerSharedCode
	if rec.Kind == qrcode.KindSerial {
		codeLimit = limits.PerSerialCode
	}
	res, err := p.Intake.Submit(ctx, intake.Submission{
		Draft: d, Attachments: refs,
		Actor:       intake.Actor{Role: "public"},
		UploadScope: "form:" + page.FormToken,
		Idempotency: &intake.IdempotencyKey{Scope: "form", Key: page.FormToken, BodyHash: formHash(form)},
		RateLimits: []intake.RateLimitKey{
			{Key: "ip:" + req.SourceIP, PerHour: limits.PerAddress},
			{Key: "qr:" + rec.ID, PerHour: codeLimit},
		},
		AllowMissingPhotos: form.Get("js") != "1",
		BaseURL:            req.BaseURL,
	})
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return nil, err
		}
		switch e.Code {
		case apperr.Invalid:
			errs := map[string]string{"": webform.Message(page.Lang, "error.fixFields")}
			for _, f := range e.Fields {
				name, text := webform.LocalizeFieldError(page.Lang, f.Field, f.Message)
				if name == "" && strings.HasPrefix(f.Field, "attachments") {
					name = "attachments"
				}
				if _, taken := errs[name]; !taken {
					errs[name] = text
				}
			}
			if _, ok := errs[""]; !ok {
				errs[""] = webform.Message(page.Lang, "error.fixFields")
			}
			return retry(http.StatusBadRequest, errs)
		case apperr.Unprocessable:
			return retry(http.StatusConflict, map[string]string{"": webform.Message(page.Lang, "error.alreadySent")})
		}
		return nil, err
	}
	if p.SelfHelp != nil {
		// The page showed self-help before: a claim followed it. A failure
		// here costs one count, never the claim.
		if err := p.SelfHelp.Filed(ctx, page.FormToken, res.Claim.ID); err != nil {
			p.Logger.ErrorContext(ctx, "self-help view not marked filed", "claimId", res.Claim.ID, "error", err.Error())
		}
	}
	result := &webform.ResultPage{
		Lang: page.Lang, Number: res.Claim.ID, Stage: string(res.Claim.Stage),
		TrackingURL: req.BaseURL + "/t/" + res.TrackingToken, Email: res.Claim.Claimant.Email,
	}
	if result.Uploads, err = p.uploadForms(ctx, req.BaseURL, res.TrackingToken, &res.Claim.MissingZones, res.Claim, page.Lang); err != nil {
		return nil, err
	}
	return p.html(http.StatusOK, func(b *bytes.Buffer) error { return webform.RenderResult(b, result) })
}

// formHash fingerprints a submission for duplicate-submit detection: the same
// form sent twice (a double click, a reload) is the same claim.
func formHash(form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		if k != "js" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vals := append([]string(nil), form[k]...)
		sort.Strings(vals)
		fmt.Fprintf(&b, "%s=%q\n", k, vals)
	}
	return intake.BodyHash([]byte(b.String()))
}

func attachmentRefs(values []string) []intake.AttachmentRef {
	var out []intake.AttachmentRef
	for _, v := range values {
		zone, id, ok := strings.Cut(v, ":")
		if !ok {
			zone, id = "", v
		}
		out = append(out, intake.AttachmentRef{Zone: zone, UploadID: id})
	}
	return out
}

// uploadForms builds one plain HTML upload form per missing zone: a presigned
// POST straight to S3 that redirects back to the tracking page.
func (p *PublicSite) uploadForms(ctx context.Context, baseURL, token string, missing *[]string, c *claims.Claim, lang string) ([]webform.UploadForm, error) {
	if len(*missing) == 0 {
		return nil, nil
	}
	cat, err := p.Catalog.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	t, ok := cat.Type(c.TypeID)
	if !ok {
		return nil, nil
	}
	var out []webform.UploadForm
	for _, z := range *missing {
		zone, ok := t.Zone(z)
		if !ok {
			continue
		}
		var b [15]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		id := strings.ToLower(base32Crockford(b[:]))
		redirect := fmt.Sprintf("%s/t/%s/uploaded?zone=%s", baseURL, token, url.QueryEscape(zone.ID))
		up, err := p.Files.PresignUpload(ctx, intake.UploadSpec{
			Key: intake.UploadKey(chat.TrackScope(c.ID), id), MaxBytes: zone.MaxBytes, TTL: 24 * time.Hour,
			Metadata: map[string]string{"zone": zone.ID}, RedirectURL: redirect,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, webform.UploadForm{
			ZoneTitle: zone.Title.In(lang), Hint: zone.Hint.In(lang), Accept: strings.Join(zone.MediaTypes, ","),
			URL: up.URL, Fields: up.Fields,
		})
	}
	return out, nil
}

const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

func base32Crockford(b []byte) string {
	var out strings.Builder
	var acc, bits uint
	for _, c := range b {
		acc = acc<<8 | uint(c)
		bits += 8
		for bits >= 5 {
			out.WriteByte(crockford[(acc>>(bits-5))&31])
			bits -= 5
		}
	}
	return out.String()
}

// tracked resolves a tracking token to its claim, as the claimant may see it
// (visibility); anything else is NotFound.
func (p *PublicSite) tracked(ctx context.Context, token string) (*registry.Detail, error) {
	if !keys.ValidTrackingToken(token) {
		return nil, apperr.Errorf(apperr.NotFound, "no such tracking link")
	}
	id, err := p.Tracking.ClaimIDByTracking(ctx, keys.TrackingHash(token))
	if err != nil {
		return nil, err
	}
	if p.Keys.TrackingToken(id) != token {
		return nil, apperr.Errorf(apperr.NotFound, "no such tracking link")
	}
	d, err := p.Registry.Detail(ctx, id)
	if err != nil {
		return nil, err
	}
	registry.Redact(visibility.Claimant, d)
	return d, nil
}

func (p *PublicSite) tracking(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	token := req.Param("token")
	d, err := p.tracked(ctx, token)
	if err != nil {
		return nil, err
	}
	l := lang(req)
	if req.Query.Get("lang") == "" {
		l = d.Claim.Language
	}
	page, err := p.trackingPage(ctx, req, token, d, l)
	if err != nil {
		return nil, err
	}
	switch req.Query.Get("notice") {
	case "uploaded":
		page.Notice = webform.Message(l, "tracking.uploaded")
	case "sent":
		page.Notice = webform.Message(l, "notice.message_sent")
	case "rated":
		page.Notice = webform.Message(l, "rating.thanks")
	case "commented":
		page.Notice = webform.Message(l, "rating.commented")
	}
	return p.trackingResponse(http.StatusOK, page)
}

// rate records the score of a rating link (the closing mail's one-click
// links, the tracking page's): the first score stands, later clicks show
// it. It answers with the tracking page's rating section (303), where a
// comment may follow.
func (p *PublicSite) rate(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	token := req.Param("token")
	d, err := p.tracked(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Survey == nil {
		return nil, apperr.Errorf(apperr.NotFound, "ratings are not taken here")
	}
	score, _ := strconv.Atoi(req.Query.Get("score"))
	notice := "rated"
	if _, err := p.Survey.Rate(ctx, survey.ClaimantRater, d.Claim.ID, score, ""); err != nil {
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Conflict {
			return nil, err
		}
		// Rated already (the first score stands) or not closed: the page
		// shows which.
		notice = ""
	}
	q := url.Values{}
	if notice != "" {
		q.Set("notice", notice)
	}
	if l := req.Query.Get("lang"); l != "" {
		q.Set("lang", l)
	}
	to := "/t/" + token
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	return apigw.Redirect(http.StatusSeeOther, to+"#rating"), nil
}

// comment adds the claimant's comment to their rating (the tracking page's
// form, urlencoded comment and lang).
func (p *PublicSite) comment(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if p.Survey == nil {
		return nil, apperr.Errorf(apperr.NotFound, "ratings are not taken here")
	}
	token, d, form, l, err := p.trackedForm(ctx, req)
	if err != nil {
		return nil, err
	}
	_, err = p.Survey.Comment(ctx, survey.ClaimantRater, d.Claim.ID, form.Get("comment"))
	if err == nil {
		return backToTracking(token, "commented", l, d.Claim.Language, "rating"), nil
	}
	e, ok := apperr.As(err)
	if !ok || (e.Code != apperr.Invalid && e.Code != apperr.Conflict) {
		return nil, err
	}
	if d, err = p.tracked(ctx, token); err != nil {
		return nil, err
	}
	page, err := p.trackingPage(ctx, req, token, d, l)
	if err != nil {
		return nil, err
	}
	status := http.StatusConflict
	page.RatingError = webform.Message(l, "rating.err.closed")
	if e.Code == apperr.Invalid {
		status, page.RatingError = http.StatusBadRequest, replyError(l, e.Fields)
		page.RatingComment = form.Get("comment")
	}
	return p.trackingResponse(status, page)
}

// trackingPage builds the tracking page of a claim in language l: only
// what the claimant may see (the public history, the question asked while
// the claim waits for them, the decision once final without its culprit or
// root cause, the manager's display name), its times in the company's zone.
func (p *PublicSite) trackingPage(ctx context.Context, req *apigw.Request, token string, d *registry.Detail, l string) (*webform.TrackingPage, error) {
	c := d.Claim
	page := &webform.TrackingPage{
		Lang: l, Number: c.ID, Stage: string(c.Stage), CreatedAt: c.CreatedAt, Files: len(d.Attachments),
		Product:  webform.Product{Model: c.Product.Model, Name: c.Product.Name, Series: c.Product.Series, Serial: c.Product.Serial},
		Location: p.Location, Question: question(d), Decision: publicDecision(&c),
	}
	roster := cache.OrZero(ctx, p.Roster, p.Logger, "the tracking page names no manager")
	page.Manager = displayName(roster, c.Assignee)
	if cat, err := p.Catalog.Catalog(ctx); err == nil {
		if t, ok := cat.Type(c.TypeID); ok {
			page.TypeName = t.Name.In(l)
		}
	}
	for _, e := range d.History {
		if entry, ok := publicEntry(e, l); ok {
			page.History = append(page.History, entry)
		}
	}
	var err error
	if !workflow.Terminal(c.Stage) { // a finished claim takes no more files
		if page.Uploads, err = p.uploadForms(ctx, req.BaseURL, token, &c.MissingZones, &c, l); err != nil {
			return nil, err
		}
	}
	if err := p.fillConversation(ctx, page, token, d, roster); err != nil {
		return nil, err
	}
	if p.Survey != nil && c.Stage == workflow.Closed {
		page.Rating = &webform.Rating{Link: "/t/" + token + "/rating", CommentAction: "/t/" + token + "/rating"}
		if s := c.Satisfaction; s != nil {
			page.Rating.Score, page.Rating.Comment = s.Score, s.Comment
		}
	}
	views, err := p.Registry.DocumentViews(ctx, c.ID, visibility.Documents(visibility.Claimant, d.Documents))
	if err != nil {
		return nil, err
	}
	for _, v := range views {
		page.Documents = append(page.Documents, webform.DocumentLink{Title: v.Title, URL: v.URL, Size: v.Size, CreatedAt: v.CreatedAt})
	}
	return page, nil
}

// displayName is the roster's name of a claims manager ("" for anyone else,
// or without a roster): the customer never sees a staff user ID.
func displayName(r *assignment.Roster, userID string) string {
	if r == nil || userID == "" {
		return ""
	}
	if m, ok := r.Manager(userID); ok {
		return m.Name
	}
	return ""
}

// question is what the claims department asked the customer when the claim
// last went to waiting_for_customer: the transition's reason (which the
// mail to the customer quotes too); "" when the claim is not waiting.
func question(d *registry.Detail) string {
	if d.Claim.Stage != workflow.WaitingForCustomer {
		return ""
	}
	for i := len(d.History) - 1; i >= 0; i-- {
		e := d.History[i]
		if to, _ := e.After["stage"].(string); e.Type == "stage.changed" && to == string(workflow.WaitingForCustomer) {
			reason, _ := e.After["reason"].(string)
			return reason
		}
	}
	return ""
}

// decidedStages are where a claim's decision is final and the claimant is
// told of it (the mail goes when the claim enters implementation).
var decidedStages = []claims.Stage{workflow.Implementation, workflow.IncidentAnalysis, workflow.QualityControl, workflow.Closed, workflow.Rejected, workflow.Withdrawn}

// publicDecision is the part of a claim's decision its claimant may see
// (resolution, warranty case, instructions: never the culprit, the party at
// fault or the root cause), once the claim has left the decision stage;
// nil before.
func publicDecision(c *claims.Claim) *webform.Decision {
	stage := c.Stage
	if stage == workflow.WaitingForCustomer {
		stage = c.PreviousStage
	}
	if c.Decision == nil || !slices.Contains(decidedStages, stage) {
		return nil
	}
	return &webform.Decision{Resolution: string(c.Decision.Resolution), WarrantyCase: c.Decision.WarrantyCase,
		Instructions: c.Decision.Instructions, DecidedAt: c.Decision.DecidedAt}
}

func (p *PublicSite) trackingResponse(status int, page *webform.TrackingPage) (*apigw.Response, error) {
	res, err := p.html(status, func(b *bytes.Buffer) error { return webform.RenderTracking(b, page) })
	if err != nil {
		return nil, err
	}
	res.Headers["x-robots-tag"] = "noindex"
	return res, nil
}

// fillConversation adds the claim's messages and the reply form to the
// tracking page; a finished claim shows its conversation read-only. The
// claims department's messages carry the author's display name from the
// roster, never their user ID.
func (p *PublicSite) fillConversation(ctx context.Context, page *webform.TrackingPage, token string, d *registry.Detail, roster *assignment.Roster) error {
	if p.Chat == nil {
		return nil
	}
	for _, m := range p.Chat.List(ctx, d) {
		cm := webform.ChatMessage{At: m.At, Role: m.AuthorRole, AuthorName: m.AuthorName, Body: m.Body}
		if m.AuthorRole == chat.RoleManager || m.AuthorRole == chat.RoleSupervisor {
			cm.AuthorName = displayName(roster, m.Author)
		}
		for _, f := range m.Attachments {
			cm.Files = append(cm.Files, f.FileName)
		}
		page.Messages = append(page.Messages, cm)
	}
	if workflow.Terminal(d.Claim.Stage) {
		page.ChatClosed = true
		return nil
	}
	page.ReplyAction = "/t/" + token + "/messages"
	page.ReplyMaxLen, page.ReplyMaxFiles = chat.MaxBody, chat.MaxAttachments
	zones, err := p.Chat.Zones(ctx, &d.Claim)
	if err != nil {
		return err
	}
	var accept []string
	for _, z := range zones {
		for _, mt := range z.MediaTypes {
			if !slices.Contains(accept, mt) {
				accept = append(accept, mt)
			}
		}
	}
	if len(accept) > 0 {
		page.ReplyUploadURL = page.ReplyAction + "/uploads"
		page.ReplyAccept = strings.Join(accept, ",")
	}
	return nil
}

// postMessage posts the customer's message from the tracking page's reply
// form, then sends the browser back to the conversation (303); a refused
// message shows the page again with the error and the typed text.
func (p *PublicSite) postMessage(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if p.Chat == nil {
		return nil, apperr.Errorf(apperr.NotFound, "the conversation is not available")
	}
	token, d, form, l, err := p.trackedForm(ctx, req)
	if err != nil {
		return nil, err
	}
	var refs []chat.AttachmentRef
	for _, r := range attachmentRefs(form["attachment"]) {
		refs = append(refs, chat.AttachmentRef{Zone: r.Zone, UploadID: r.UploadID})
	}
	limits, now := p.limits(), time.Now()
	_, _, err = p.Chat.Post(ctx, casework.Caller{Claimant: true}, d.Claim.ID, 0, chat.Post{
		Body: form.Get("body"), Attachments: refs, Scope: chat.TrackScope(d.Claim.ID),
		RateLimits: []claims.RateLimit{
			claims.HourlyLimit("msg-ip:"+req.SourceIP, limits.MessagesPerAddress, now),
			claims.HourlyLimit("msg-claim:"+d.Claim.ID, limits.MessagesPerClaim, now),
		},
	})
	if err == nil {
		return backToTracking(token, "sent", l, d.Claim.Language, "chat"), nil
	}
	e, ok := apperr.As(err)
	if !ok || (e.Code != apperr.Invalid && e.Code != apperr.Conflict) {
		return nil, err
	}
	// Read again: a claim that was just closed shows its conversation read-only.
	if d, err = p.tracked(ctx, token); err != nil {
		return nil, err
	}
	status, msg, keep := http.StatusBadRequest, replyError(l, e.Fields), keptAttachments(refs, e.Fields)
	if e.Code == apperr.Conflict {
		status, msg, keep = http.StatusConflict, webform.Message(l, "chat.err.retry"), refs
		if workflow.Terminal(d.Claim.Stage) {
			msg = webform.Message(l, "chat.err.closed")
		}
	}
	page, err := p.trackingPage(ctx, req, token, d, l)
	if err != nil {
		return nil, err
	}
	page.Reply, page.ReplyError = form.Get("body"), msg
	for _, r := range keep {
		page.ReplyFiles = append(page.ReplyFiles, webform.Attachment{Zone: r.Zone, UploadID: r.UploadID})
	}
	return p.trackingResponse(status, page)
}

// trackedForm reads the claim of a tracking page's form post and the form:
// the token, the claim, the form, and the page's language (the form's lang,
// else the claim's).
func (p *PublicSite) trackedForm(ctx context.Context, req *apigw.Request) (string, *registry.Detail, url.Values, string, error) {
	token := req.Param("token")
	d, err := p.tracked(ctx, token)
	if err != nil {
		return "", nil, nil, "", err
	}
	form, err := req.Form(MaxFormBody)
	if err != nil {
		return "", nil, nil, "", err
	}
	l := d.Claim.Language
	if v := form.Get("lang"); v == webform.LangRU || v == webform.LangEN {
		l = v
	}
	return token, d, form, l, nil
}

// backToTracking sends the browser back to a section of the tracking page
// (303) with a notice, in language l when it is not the claim's.
func backToTracking(token, notice, l, claimLang, section string) *apigw.Response {
	to := "/t/" + token + "?notice=" + notice
	if l != claimLang {
		to += "&lang=" + l
	}
	return apigw.Redirect(http.StatusSeeOther, to+"#"+section)
}

// replyError is the text shown at the reply form for its field errors, in
// language l.
func replyError(l string, fields []apperr.FieldError) string {
	var texts []string
	for _, f := range fields {
		if _, text := webform.LocalizeFieldError(l, f.Field, f.Message); !slices.Contains(texts, text) {
			texts = append(texts, text)
		}
	}
	if len(texts) == 0 {
		return webform.Message(l, "error.fixFields")
	}
	return strings.Join(texts, ". ")
}

// keptAttachments are the files of a refused reply that were not at fault:
// the page offers them again.
func keptAttachments(refs []chat.AttachmentRef, fields []apperr.FieldError) []chat.AttachmentRef {
	var out []chat.AttachmentRef
	for i, r := range refs {
		bad := false
		for _, f := range fields {
			prefix := fmt.Sprintf("attachments[%d]", i)
			if f.Field == "attachments" || f.Field == prefix || strings.HasPrefix(f.Field, prefix+".") {
				bad = true
			}
		}
		if !bad && intake.ValidUploadID(r.UploadID) {
			out = append(out, r)
		}
	}
	return out
}

// messageUpload presigns the upload of a file for the customer's next
// message (the reply form's script asks for it).
func (p *PublicSite) messageUpload(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	d, err := p.tracked(ctx, req.Param("token"))
	if err != nil {
		return nil, err
	}
	if p.Chat == nil {
		return nil, apperr.Errorf(apperr.NotFound, "the conversation is not available")
	}
	var body MessageUploadRequest
	if err := req.DecodeJSON(&body, 8<<10); err != nil {
		return nil, err
	}
	t, err := presignMessageFile(ctx, p.Chat, p.Intake, &d.Claim, chat.TrackScope(d.Claim.ID), body)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusCreated, t), nil
}

// publicEntry shows the claimant what happened, without internal details.
func publicEntry(e claims.Event, lang string) (webform.HistoryEntry, bool) {
	switch e.Type {
	case claims.EventCreated:
		return webform.HistoryEntry{At: e.At, Stage: string(claims.StageNew), Text: webform.Message(lang, "history.created")}, true
	case claims.EventAttachmentAdded:
		return webform.HistoryEntry{At: e.At, Text: webform.Message(lang, "history.fileAdded")}, true
	case "stage.changed":
		if to, ok := e.After["stage"].(string); ok {
			return webform.HistoryEntry{At: e.At, Stage: to, Text: webform.StageLabel(lang, to)}, true
		}
	}
	return webform.HistoryEntry{}, false
}

// uploaded is where S3 sends the browser after a plain-form upload: it
// registers the file on the claim and returns to the tracking page.
func (p *PublicSite) uploaded(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	token := req.Param("token")
	d, err := p.tracked(ctx, token)
	if err != nil {
		return nil, err
	}
	key := req.Query.Get("key")
	prefix := intake.UploadKey(chat.TrackScope(d.Claim.ID), "")
	if !strings.HasPrefix(key, prefix) {
		return nil, apperr.InvalidField("key", "not an upload of this claim")
	}
	_, err = p.Intake.Attach(ctx, p.Changes, intake.AttachRequest{
		ClaimID: d.Claim.ID, Zone: req.Query.Get("zone"), UploadID: strings.TrimPrefix(key, prefix),
		Scope: chat.TrackScope(d.Claim.ID), Actor: intake.Actor{Role: "public"},
	})
	if err != nil {
		return nil, err
	}
	return apigw.Redirect(http.StatusSeeOther, "/t/"+token+"?notice=uploaded"), nil
}

// sample serves the sample documents the catalog links to, as PDF.
func (p *PublicSite) sample(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	name := strings.TrimSuffix(req.Param("name"), ".pdf")
	pdf, err := p.Sample(name, lang(req))
	if err != nil {
		return nil, err
	}
	res := apigw.Bytes(http.StatusOK, "application/pdf", pdf)
	res.Headers["content-disposition"] = `inline; filename="` + name + `.pdf"`
	res.Headers["cache-control"] = "public, max-age=86400"
	return res, nil
}

func (p *PublicSite) limits() Limits {
	l := p.Limits
	if l.PerAddress <= 0 {
		l.PerAddress = DefaultLimits.PerAddress
	}
	if l.PerSerialCode <= 0 {
		l.PerSerialCode = DefaultLimits.PerSerialCode
	}
	if l.PerSharedCode <= 0 {
		l.PerSharedCode = DefaultLimits.PerSharedCode
	}
	if l.MessagesPerAddress <= 0 {
		l.MessagesPerAddress = DefaultLimits.MessagesPerAddress
	}
	if l.MessagesPerClaim <= 0 {
		l.MessagesPerClaim = DefaultLimits.MessagesPerClaim
	}
	return l
}
