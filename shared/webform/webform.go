// Package webform renders the public claim pages that end customers reach by
// scanning the QR code in the product documentation: the claim form, the
// result page after sending it, the private tracking page and the error page.
// The pages are built for a phone on a bad connection: one HTML document each,
// with inline CSS and inline JavaScript, no external fonts or scripts, and a
// form that works without JavaScript. The Russian and English texts live here
// too (Message, StageLabel), so handlers can build field errors and mail
// subjects in the claimant's language.
//
// Every value shown is escaped by html/template; catalog data reaches the
// script only as a JSON block rendered by html/template. The pages are meant
// to be served with a strict Content-Security-Policy (default-src 'none';
// style-src and script-src 'unsafe-inline'; img-src 'self' data: blob:;
// form-action, connect-src and img-src 'self' plus the S3 endpoint: the
// self-help articles' pictures are presigned links).
//
// The language link on the pages is the relative URL "?lang=en" (or "ru"):
// a page's URL must not need any other query parameter.
//
// It imports only the standard library and the project's catalog and claims
// packages: no AWS package, no HTTP framework. Handlers own the transport.
//
// Layer: edge.
package webform

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/catalog"
)

// The languages the pages are written in. Russian is the default.
const (
	LangRU = "ru"
	LangEN = "en"
)

// normLang returns "en" for English and "ru" for anything else.
func normLang(lang string) string {
	if lang == LangEN {
		return LangEN
	}
	return LangRU
}

// maxAcceptLanguage bounds the work done on a hostile Accept-Language header.
const maxAcceptLanguage = 1024

// DetectLang picks the page language: ?lang=ru or ?lang=en (queryLang) wins;
// otherwise the one of ru and en with the highest q-value in the
// Accept-Language header (the first listed on a tie, q=0 meaning "not
// acceptable"); otherwise "ru". It never fails: anything it cannot read is
// ignored.
func DetectLang(acceptLanguage, queryLang string) string {
	if l, ok := langOf(queryLang); ok {
		return l
	}
	if len(acceptLanguage) > maxAcceptLanguage {
		acceptLanguage = acceptLanguage[:maxAcceptLanguage]
	}
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(part, ";")
		l, ok := langOf(tag)
		if !ok {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, found := strings.Cut(strings.TrimSpace(p), "=")
			if !found || !strings.EqualFold(strings.TrimSpace(k), "q") {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
				f = 0
			}
			q = f
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	if best == "" {
		return LangRU
	}
	return best
}

// langOf reads a language tag ("en", "en-US", "ru_RU") and reports whether it
// is one of the page languages.
func langOf(tag string) (string, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	primary, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	switch primary {
	case LangRU, LangEN:
		return primary, true
	}
	return "", false
}

// Product is the product a claim is about, as shown in the page header.
// LockSeries and LockSerial mark values that came from the QR code: the form
// shows them read-only.
type Product struct {
	Model, Name, Series, Serial string
	LockSeries, LockSerial      bool
}

// FormPage is the claim form. Handlers fill it for GET (empty Values) and
// again after a failed POST (Values, Errors and Attachments from the
// attempt), so that nothing the claimant typed or uploaded is lost.
//
// The form posts application/x-www-form-urlencoded to Action with the fields
// name, email, phone, company, taxId, series, serial, purchaseDate,
// orderReference, categoryId, typeId, essence, desiredResult, desiredFix,
// formToken, lang, website (a honeypot: a non-empty value means a bot),
// attachment (repeated, "<zone>:<uploadId>") and js ("1" when the script ran
// and could upload files). categoryId is sent only by browsers running the
// script: handlers derive the category from typeId (type IDs are unique in
// the catalog) and reject a categoryId that disagrees.
type FormPage struct {
	Lang      string
	Code      string // the QR code (shown small, for support)
	Action    string // form action, e.g. "/q/ABCD..."
	UploadURL string // JSON endpoint returning presigned S3 POSTs, e.g. "/q/ABCD.../uploads"
	// ArticlesURL is the JSON endpoint of the chosen type's self-help
	// articles, e.g. "/q/ABCD.../articles" ("" shows none).
	ArticlesURL string
	Product     Product
	// Catalog holds the active categories and types only (catalog.Active).
	Catalog   *catalog.Catalog
	FormToken string // one-time token, hidden field "formToken"
	// Values is the previous input after a validation error: field name ->
	// value. Values holding only hidden fields (lang, js) count as no input:
	// the script then restores the draft kept in the browser tab.
	Values map[string]string
	// Errors maps a field name to its message; key "" is a general error shown
	// at the top, key "photos" (or "attachment", "attachments") an error about
	// the files, key "categoryId" is shown at the type select. Every error is
	// also listed at the top, keys that are not field names included.
	Errors      map[string]string
	Attachments []Attachment // files uploaded in a previous attempt
	// Today, when set, bounds the purchase date in the browser (the server
	// rejects future dates anyway).
	Today time.Time
}

// Attachment is a file uploaded in a previous attempt of the form.
type Attachment struct{ Zone, UploadID, FileName string }

// ResultPage is shown after a claim was accepted.
type ResultPage struct {
	Lang        string
	Number      string // "RC-2026-000123"
	TrackingURL string // the private tracking link, absolute
	// StageLabel overrides the label of Stage when set; normally leave it
	// empty and the template translates Stage.
	StageLabel string
	Stage      string
	Email      string       // where the confirmation went ("" = no email given)
	Uploads    []UploadForm // photo zones still missing; empty when all were attached
}

// UploadForm is a plain HTML form that posts one file straight to S3 with a
// presigned POST, usable without JavaScript. The file input is named "file"
// and comes after the hidden Fields, as S3 requires.
type UploadForm struct {
	ZoneTitle string
	Hint      string
	Accept    string            // e.g. "image/jpeg,image/png"
	URL       string            // action of the S3 POST
	Fields    map[string]string // hidden fields of the S3 POST policy
	// MaxBytes, when set, is shown to the claimant and checked by the script
	// before sending.
	MaxBytes int64
}

// TrackingPage is the private page behind the tracking link. It shows only
// what the claimant may see: handlers never put internal fields (the
// culprit, the root cause, staff user IDs) into it.
type TrackingPage struct {
	Lang   string
	Number string
	Stage  string
	// Location is the company's time zone: every time on the page is shown
	// there, with the zone's name and UTC offset (nil: each time's own).
	Location  *time.Location
	Product   Product
	TypeName  string
	CreatedAt time.Time
	History   []HistoryEntry // public-safe entries, oldest first
	Files     int            // how many files are attached
	Uploads   []UploadForm   // as on ResultPage
	Notice    string         // e.g. Message(lang, "notice.file_received") after an upload redirect
	// Manager is the display name of the claim's manager ("" shows none).
	Manager string
	// Question is what the claims department asked while the claim waits
	// for the customer (shown with Stage waiting_for_customer only).
	Question string
	// Decision is the decision as the claimant may see it, once it is
	// final (nil shows none).
	Decision *Decision
	// Documents are the claim's documents for the claimant (its PDF, the
	// decision letter, TORG-2 acts), newest first, with download links.
	Documents []DocumentLink
	// Rating is the satisfaction survey of a closed claim (nil shows
	// none); RatingError and RatingComment are a refused comment's error
	// and text.
	Rating        *Rating
	RatingError   string
	RatingComment string

	// Messages is the claim's conversation with the claims department,
	// oldest first. The section shows when there are messages, a reply form
	// or ChatClosed.
	Messages []ChatMessage
	// ReplyAction is where the reply form posts, urlencoded: body, lang,
	// and attachment (repeated, "<zone>:<uploadId>", sent only by the
	// script). "" shows no form.
	ReplyAction string
	// ReplyUploadURL is the JSON endpoint the script asks for a presigned
	// upload of a file for the reply ({fileName, contentType, size} ->
	// {uploadId, zone, url, fields}); "" keeps replies to text.
	ReplyUploadURL string
	// ReplyAccept is the accept attribute of the reply's file input.
	ReplyAccept string
	// ReplyMaxLen and ReplyMaxFiles mirror the server's limits (0 = 4000
	// characters, 5 files).
	ReplyMaxLen, ReplyMaxFiles int
	// ChatClosed marks a finished claim: the conversation is read-only and
	// no reply form is shown, whatever ReplyAction says.
	ChatClosed bool
	// Reply, ReplyError and ReplyFiles are a failed reply's text, the error
	// to show at it, and the files to send again (FileName may be empty).
	Reply      string
	ReplyError string
	ReplyFiles []Attachment
}

// Decision is what the claimant is told of a claim's decision: the
// resolution (a claims.Resolution value: repair, replace, refund,
// partial_refund, reject, carrier_claim), whether it is a warranty case, and
// the instructions for the customer. Never the culprit or the root cause.
type Decision struct {
	Resolution   string
	WarrantyCase bool
	Instructions string
	DecidedAt    time.Time
}

// Rating is the survey of a closed claim on the tracking page: the score
// links (Link?score=1..5) until it is rated, then the score, and a comment
// form (posting comment and lang to CommentAction) until it has a comment.
type Rating struct {
	Link          string
	CommentAction string
	// Score is the rating given (0: none yet); Comment the comment.
	Score   int
	Comment string
}

// DocumentLink is a generated document on the tracking page.
type DocumentLink struct {
	Title     string
	URL       string
	Size      int64
	CreatedAt time.Time
}

// ChatMessage is one message of the conversation on the tracking page.
type ChatMessage struct {
	At time.Time
	// Role is the author's role: "claimant" (the customer: their own
	// messages, shown as "you" on one side), "dealer", "manager" or
	// "supervisor" (shown on the other side).
	Role       string
	AuthorName string
	Body       string
	// Files are the names of the message's files.
	Files []string
}

// HistoryEntry is one public-safe event of a claim.
type HistoryEntry struct {
	At    time.Time
	Stage string
	Text  string
}

// ErrorPage tells the claimant that something went wrong and what to do
// instead (contact the dealer or the hotline). It has no form. Title and
// Message default to a text for Status when empty.
type ErrorPage struct {
	Lang           string
	Status         int
	Title, Message string
	// Hotline, when set, is the phone number shown with a tel: link.
	Hotline string
}

// errNilPage is returned when a Render function gets a nil page.
var errNilPage = errors.New("nil page")

// RenderForm writes the claim form. It writes nothing when rendering fails;
// its errors (a nil page, a failed write) are internal, never shown to the
// claimant. The same holds for the other Render functions.
func RenderForm(w io.Writer, p *FormPage) error {
	if p == nil {
		return fmt.Errorf("render form page: %w", errNilPage)
	}
	return render(w, p.Lang, "form", newFormView(p))
}

// RenderResult writes the page shown after a claim was accepted. It writes
// nothing when rendering fails.
func RenderResult(w io.Writer, p *ResultPage) error {
	if p == nil {
		return fmt.Errorf("render result page: %w", errNilPage)
	}
	return render(w, p.Lang, "result", newResultView(p))
}

// RenderTracking writes the tracking page. It writes nothing when rendering
// fails.
func RenderTracking(w io.Writer, p *TrackingPage) error {
	if p == nil {
		return fmt.Errorf("render tracking page: %w", errNilPage)
	}
	return render(w, p.Lang, "tracking", newTrackingView(p))
}

// RenderError writes the error page. It writes nothing when rendering fails.
func RenderError(w io.Writer, p *ErrorPage) error {
	if p == nil {
		return fmt.Errorf("render error page: %w", errNilPage)
	}
	return render(w, p.Lang, "error", newErrorView(p))
}

// render executes a page into a buffer first, so that a failing template
// never leaves half a page on the wire.
func render(w io.Writer, lang, page string, data any) error {
	t := pages()[normLang(lang)][page]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s page: %w", page, err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("write %s page: %w", page, err)
	}
	return nil
}
