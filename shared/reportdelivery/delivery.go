// Package reportdelivery builds and sends report subscriptions' mails: the
// scheduled job that finds the due subscriptions (an index by next run, no
// scan), builds each (subscription, period) once under a run record, stores
// its files in the bucket and hands the mail to the outbox (the notifier
// sends it through SES, one mail per recipient with their unsubscribe
// link); and the API's "send now" and preview.
//
// Once per period: the run record keyed by (subscription, period) is
// created by one attempt only; an attempt that dies mid-build (a crash, a
// kill, a timeout) leaves it "building" until its lease runs out (the
// function's timeout and a margin), when the next run takes it over and
// builds it again; the run's end, the subscription's next run and the
// mail's outbox event are written in one transaction on the condition that
// the attempt still holds the run. A schedule that fires twice finds the
// run taken or finished; a redelivered event is the notifier's to send once.
//
// Catch-up: a subscription whose firings were missed (the function down
// for a day) is found due on the next run and mails the latest missed
// period only, not every one: a reader wants the current figures, and a
// daily report down for a week would otherwise arrive seven times at once.
// The earlier periods are in the next mails' figures (or a manual send
// with a query over them).
//
// It imports reportfile (the spreadsheet library): only the report
// functions import it. It imports no AWS package.
//
// Layer: domain.
package reportdelivery

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/reportfile"
	"github.com/claimsdesk/backend/shared/reportlayout"
	"github.com/claimsdesk/backend/shared/reportmail"
)

// Files stores the mails' files in the bucket.
type Files interface {
	PutFile(ctx context.Context, key, contentType string, body []byte) error
}

// Publisher publishes events after their commit (the relay re-publishes
// what a crash kept back).
type Publisher interface {
	Publish(ctx context.Context, evs []events.Event) error
}

// DefaultMaxAttachmentBytes bounds a mail's attached files: with base64
// (4/3), the HTML and the chart they stay under SES's 40 MB a message.
// Beyond it the files go as links.
const DefaultMaxAttachmentBytes = 28 << 20

// LinkTTL is how long the links to files too large to attach are valid.
const LinkTTL = 7 * 24 * time.Hour

// Config wires a Delivery. Reader, Runs, Files and Keys are required;
// Publisher is optional (without it the relay publishes the events).
type Config struct {
	Reader analytics.Reader
	// Catalog names categories and types (optional: their IDs).
	Catalog catalog.Source
	// Roster names the managers (optional: their IDs).
	Roster    reportlayout.RosterSource
	Runs      reportmail.Runs
	Files     Files
	Publisher Publisher
	Keys      *keys.Keys
	// PublicBaseURL is the site (the API's) of the links to files too
	// large to attach, and of the unsubscribe links in previews.
	PublicBaseURL string
	// Location is the company's time zone: the days of the figures, and
	// schedules without their own.
	Location *time.Location
	// Lease is how long a run is held before another attempt may take it
	// over: the function's timeout plus a margin (default 15 min 5 s).
	Lease time.Duration
	// MaxAttachmentBytes (default DefaultMaxAttachmentBytes).
	MaxAttachmentBytes int64
	// Batch bounds the subscriptions one scheduled run takes (default 50;
	// the rest stay due for the next).
	Batch      int
	Now        func() time.Time
	NewAttempt func() string
	Logger     *slog.Logger
}

// Delivery builds and sends report mails.
type Delivery struct {
	cfg Config
}

// New returns a Delivery; an Internal error names what cfg lacks.
func New(cfg Config) (*Delivery, error) {
	if err := deps.Check("reportdelivery", deps.Need("Reader", cfg.Reader), deps.Need("Runs", cfg.Runs), deps.Need("Files", cfg.Files),
		deps.Need("Keys", cfg.Keys)); err != nil {
		return nil, err
	}
	cfg.Catalog, cfg.Publisher = deps.Optional(cfg.Catalog), deps.Optional(cfg.Publisher)
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 15*time.Minute + 5*time.Second
	}
	if cfg.MaxAttachmentBytes <= 0 {
		cfg.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 50
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewAttempt == nil {
		cfg.NewAttempt = func() string {
			var b [8]byte
			_, _ = rand.Read(b[:])
			return hex.EncodeToString(b[:])
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Delivery{cfg: cfg}, nil
}

// Built is a report built for a mail.
type Built struct {
	Span   reportmail.Span
	Result *analytics.Result
	// Empty: no figure in the period (open claims aside).
	Empty bool
	// Digest identifies the figures (rows and totals, not the days).
	Digest string
	Mail   events.ReportMail
	// files are the bytes of Mail's chart and attachments, by key.
	files map[string][]byte
}

// Empty reports whether a report has no figure: every value of every row
// is zero, the open claims at the period's end aside (they carry over
// from earlier periods).
func Empty(res *analytics.Result) bool {
	for _, row := range res.Rows {
		for m, v := range row.Values {
			if m != "open" && v != 0 {
				return false
			}
		}
	}
	return true
}

// Digest returns the digest of a report's figures.
func Digest(res *analytics.Result) string {
	b, _ := json.Marshal(struct {
		Rows   []analytics.Row    `json:"rows"`
		Totals map[string]float64 `json:"totals"`
	}{res.Rows, res.Totals}) // maps marshal in key order
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// Build computes sub's report for span, renders its chart and files and
// writes its mail; the files are stored under dir in the bucket when store
// is set (a preview stores nothing). Files too large to attach are linked
// on site (the API's /report-files/{token}, signed, valid LinkTTL from
// now, the time the mail is built for).
func (d *Delivery) Build(ctx context.Context, sub *reportmail.Subscription, span reportmail.Span, dir, site string, now time.Time, store bool) (*Built, error) {
	res, err := analytics.Run(ctx, d.cfg.Reader, sub.AnalyticsQuery(span), now.In(d.cfg.Location))
	if err != nil {
		return nil, fmt.Errorf("report of subscription %s for %s: %w", sub.ID, span.Key(), err)
	}
	b := &Built{Span: span, Result: res, Empty: Empty(res), Digest: Digest(res), files: map[string][]byte{}}
	file := reportlayout.File(ctx, d.names(), res, sub.Language, d.cfg.Location, now)
	base := fmt.Sprintf("%s_%s_%s", res.Name, res.From, res.To)
	put := func(name, ctype string, body []byte) (events.ReportFile, error) {
		f := events.ReportFile{Key: dir + "/" + name, FileName: name, ContentType: ctype, Size: int64(len(body))}
		b.files[f.Key] = body
		if store {
			if err := d.cfg.Files.PutFile(ctx, f.Key, ctype, body); err != nil {
				return f, fmt.Errorf("store %s: %w", f.Key, err)
			}
		}
		return f, nil
	}
	chart := false
	if len(file.Charts) > 0 && !b.Empty {
		png, err := reportfile.ChartPNG(file, file.Charts[0], 1200, 600)
		if err != nil {
			return nil, fmt.Errorf("chart of subscription %s: %w", sub.ID, err)
		}
		f, err := put("chart.png", "image/png", png)
		if err != nil {
			return nil, err
		}
		b.Mail.Chart, chart = &f, true
	}
	var files []events.ReportFile
	var total int64
	for _, format := range sub.Formats {
		var body []byte
		var ctype string
		switch format {
		case reportmail.FormatPDF:
			body, err = reportfile.PDF(file)
			ctype = "application/pdf"
		case reportmail.FormatXLSX:
			body, err = reportfile.XLSX(file)
			ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("render subscription %s as %s: %w", sub.ID, format, err)
		}
		f, err := put(base+"."+format, ctype, body)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		total += f.Size
	}
	var links []events.ReportFile
	if total > d.cfg.MaxAttachmentBytes {
		// Too large for SES: signed links to the stored files instead.
		if site == "" {
			return nil, fmt.Errorf("subscription %s: files of %d bytes need links and no public site is configured", sub.ID, total)
		}
		for _, f := range files {
			f.URL = strings.TrimRight(site, "/") + "/report-files/" + reportmail.FileLinkToken(d.cfg.Keys,
				reportmail.FileLink{Key: f.Key, FileName: f.FileName, ContentType: f.ContentType, Expires: now.Add(LinkTTL)})
			links = append(links, f)
		}
		files = nil
	}
	label := reportlayout.Labeler(ctx, d.names(), res.GroupBy, sub.Language)
	subject, html, text, err := compose(sub, span, res, label, chart, files, links)
	if err != nil {
		return nil, err
	}
	b.Mail.SubscriptionID, b.Mail.Period, b.Mail.Language = sub.ID, span.Key(), sub.Language
	b.Mail.Recipients = slices.Clone(sub.Recipients)
	b.Mail.Subject, b.Mail.HTML, b.Mail.Text = subject, html, text
	b.Mail.Attachments, b.Mail.Links = files, links
	return b, nil
}

// current is the span a mail sent now reports on: the period as of today
// in the schedule's zone (last week's for last_week, whatever the
// weekday).
func (d *Delivery) current(sub *reportmail.Subscription, now time.Time) reportmail.Span {
	loc := sub.Schedule.Location(d.cfg.Location)
	return reportmail.Resolve(sub.Period, now, loc)
}

// Preview is a mail as it would be sent now.
type Preview struct {
	Period      string        `json:"period"`
	To          string        `json:"to"`
	Subject     string        `json:"subject"`
	HTML        string        `json:"html"`
	Text        string        `json:"text"`
	Attachments []PreviewFile `json:"attachments"`
	Links       []PreviewFile `json:"links"`
	// Inline is the chart shown in the HTML (cid:).
	Inline *PreviewFile `json:"inline,omitempty"`
	// Empty: the period has no figures (a skipWhenEmpty subscription
	// would send nothing).
	Empty bool `json:"empty"`
	// Unchanged: the figures are the last mail's (an onlyWhenChanged
	// subscription would send nothing).
	Unchanged bool `json:"unchanged"`
}

// PreviewFile is a file of a previewed mail.
type PreviewFile struct {
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// Preview builds the mail sub would send now (for its first recipient,
// with their unsubscribe link on site, else on PublicBaseURL), storing
// nothing.
func (d *Delivery) Preview(ctx context.Context, sub *reportmail.Subscription, site string) (*Preview, error) {
	if site == "" {
		site = d.cfg.PublicBaseURL
	}
	now := d.cfg.Now()
	span := d.current(sub, now)
	b, err := d.Build(ctx, sub, span, "preview", site, now, false)
	if err != nil {
		return nil, err
	}
	p := &Preview{Period: span.Key(), Subject: b.Mail.Subject, Empty: b.Empty, Attachments: []PreviewFile{}, Links: []PreviewFile{},
		Unchanged: sub.Last != nil && sub.Last.Digest == b.Digest}
	link := ""
	if len(sub.Recipients) > 0 {
		p.To = sub.Recipients[0]
		link = reportmail.UnsubscribeURL(site, d.cfg.Keys, sub.ID, p.To)
	}
	p.HTML, p.Text = reportmail.Personalize(b.Mail.HTML, link, true), reportmail.Personalize(b.Mail.Text, link, false)
	for _, f := range b.Mail.Attachments {
		p.Attachments = append(p.Attachments, PreviewFile{FileName: f.FileName, ContentType: f.ContentType, Size: f.Size})
	}
	for _, f := range b.Mail.Links {
		p.Links = append(p.Links, PreviewFile{FileName: f.FileName, ContentType: f.ContentType, Size: f.Size})
	}
	if c := b.Mail.Chart; c != nil {
		p.Inline = &PreviewFile{FileName: c.FileName, ContentType: c.ContentType, Size: c.Size}
	}
	return p, nil
}

// Sent is what a mail sent at once was.
type Sent struct {
	EventID    string   `json:"eventId"`
	Period     string   `json:"period"`
	Recipients []string `json:"recipients"`
	Empty      bool     `json:"empty"`
}

// SendNow builds sub's mail for the current period and hands it to the
// outbox at once, whatever its schedule and options (skipWhenEmpty and
// onlyWhenChanged are for the schedule); it leaves the schedule as it is.
// Invalid when the subscription has no recipients.
func (d *Delivery) SendNow(ctx context.Context, sub *reportmail.Subscription, site string) (*Sent, error) {
	if site == "" {
		site = d.cfg.PublicBaseURL
	}
	if len(sub.Recipients) == 0 {
		return nil, apperr.InvalidField("recipients", "the subscription has no recipients left")
	}
	now := d.cfg.Now().UTC()
	span := d.current(sub, now)
	id := events.NewID(now)
	b, err := d.Build(ctx, sub, span, reportmail.FilesPrefix+sub.ID+"/now-"+id, site, now, true)
	if err != nil {
		return nil, err
	}
	e, err := events.New("", "system", now, b.Mail)
	if err != nil {
		return nil, err
	}
	e.ID = id
	if err := d.cfg.Runs.PutEvent(ctx, e); err != nil {
		return nil, err
	}
	d.publish(ctx, e)
	return &Sent{EventID: e.ID, Period: span.Key(), Recipients: b.Mail.Recipients, Empty: b.Empty}, nil
}

func (d *Delivery) publish(ctx context.Context, e events.Event) {
	if d.cfg.Publisher == nil {
		return
	}
	if err := d.cfg.Publisher.Publish(ctx, []events.Event{e}); err != nil {
		// Committed: the outbox relay publishes it.
		d.cfg.Logger.WarnContext(ctx, "report mail event not published; the relay sends it", "eventId", e.ID, "error", err.Error())
	}
}

// RunResult is what a scheduled run did.
type RunResult struct {
	Due     int `json:"due"`
	Sent    int `json:"sent"`
	Skipped int `json:"skipped"`
	// Busy: being built by another attempt.
	Busy int `json:"busy"`
	// Done: the period was done before (the schedule fired twice).
	Done   int `json:"done"`
	Failed int `json:"failed"`
}

// Run sends the mails due at now: each due subscription's latest period
// (see the package comment), once.
func (d *Delivery) Run(ctx context.Context, now time.Time) (RunResult, error) {
	now = now.UTC()
	due, err := d.cfg.Runs.DueSubscriptions(ctx, now, d.cfg.Batch)
	if err != nil {
		return RunResult{}, fmt.Errorf("due subscriptions: %w", err)
	}
	res := RunResult{Due: len(due)}
	var errs []error
	for i := range due {
		status, err := d.runOne(ctx, &due[i], now)
		switch {
		case err != nil:
			res.Failed++
			errs = append(errs, err)
			d.cfg.Logger.ErrorContext(ctx, "report mail failed; the next run tries again", "subscriptionId", due[i].ID, "error", err.Error())
		case status == reportmail.StatusSent:
			res.Sent++
		case status == "busy":
			res.Busy++
		case status == "done":
			res.Done++
		default:
			res.Skipped++
		}
	}
	if len(errs) == len(due) && len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	return res, nil
}

// runOne builds and completes one due subscription's latest period.
func (d *Delivery) runOne(ctx context.Context, sub *reportmail.Subscription, now time.Time) (string, error) {
	fired, ok := sub.Schedule.Latest(now, d.cfg.Location)
	if !ok {
		fired = now
	}
	loc := sub.Schedule.Location(d.cfg.Location)
	span := reportmail.Resolve(sub.Period, fired, loc)
	run := reportmail.Run{SubscriptionID: sub.ID, Period: span.Key(), Attempt: d.cfg.NewAttempt(), LeaseUntil: now.Add(d.cfg.Lease)}
	log := d.cfg.Logger.With("subscriptionId", sub.ID, "period", run.Period, "attempt", run.Attempt)
	claim, err := d.cfg.Runs.ClaimRun(ctx, run, now)
	if err != nil {
		return "", err
	}
	switch {
	case claim.Status != "":
		// Done before (a schedule that fired twice): only move the
		// schedule on, if it was not.
		log.InfoContext(ctx, "report mail of this period already done", "status", claim.Status)
		return "done", d.advance(ctx, sub, now)
	case !claim.Taken:
		log.InfoContext(ctx, "report mail being built by another attempt", "heldUntil", claim.HeldUntil)
		return "busy", nil
	case claim.Repeat:
		log.WarnContext(ctx, "report mail taken over from an attempt that died mid-build")
	}
	b, err := d.Build(ctx, sub, span, reportmail.FilesPrefix+sub.ID+"/"+span.Key(), d.cfg.PublicBaseURL, now, true)
	if err != nil {
		return "", err
	}
	for range 3 {
		status := reportmail.StatusSent
		switch {
		case sub.SkipWhenEmpty && b.Empty:
			status = reportmail.StatusSkippedEmpty
		case sub.OnlyWhenChanged && sub.Last != nil && sub.Last.Digest == b.Digest:
			status = reportmail.StatusSkippedUnchanged
		case len(sub.Recipients) == 0 || !sub.Active:
			status = reportmail.StatusNoRecipients
		}
		next := *sub
		next.Version = sub.Version + 1
		next.NextRun = nextRun(sub, now, d.cfg.Location)
		last := &reportmail.LastRun{Period: span.Key(), Status: status, At: now}
		if sub.Last != nil {
			last.Digest = sub.Last.Digest
		}
		c := reportmail.Completion{Run: run, Status: status, At: now, Subscription: &next, PrevVersion: sub.Version}
		if status == reportmail.StatusSent {
			last.Digest = b.Digest
			m := b.Mail
			m.Recipients = slices.Clone(sub.Recipients)
			e, err := events.New("", "system", now, m)
			if err != nil {
				return "", err
			}
			c.Event = &e
		}
		next.Last = last
		err := d.cfg.Runs.CompleteRun(ctx, c)
		if apperr.Is(err, apperr.Conflict) {
			// Changed meanwhile (an edit, an unsubscribe): complete with
			// what it is now.
			if sub, err = d.cfg.Runs.GetSubscription(ctx, sub.ID); err != nil {
				return "", err
			}
			continue
		}
		if errors.Is(err, reportmail.ErrRunLost) {
			log.WarnContext(ctx, "report mail run lost to another attempt (this one overran its lease)")
			return "busy", nil
		}
		if err != nil {
			return "", err
		}
		if c.Event != nil {
			d.publish(ctx, *c.Event)
		}
		log.InfoContext(ctx, "report mail run done", "status", status, "recipients", len(sub.Recipients))
		return status, nil
	}
	return "", apperr.Errorf(apperr.Conflict, "subscription %s kept changing", sub.ID)
}

// nextRun is a subscription's firing after now (nil while inactive).
func nextRun(sub *reportmail.Subscription, now time.Time, company *time.Location) *time.Time {
	if !sub.Active || len(sub.Recipients) == 0 {
		return nil
	}
	if t, ok := sub.Schedule.Next(now, company); ok {
		return &t
	}
	return nil
}

// advance moves a subscription whose period was done to its next firing.
func (d *Delivery) advance(ctx context.Context, sub *reportmail.Subscription, now time.Time) error {
	next := nextRun(sub, now, d.cfg.Location)
	if next != nil && sub.NextRun != nil && next.Equal(*sub.NextRun) {
		return nil
	}
	moved := *sub
	moved.NextRun, moved.Version = next, sub.Version+1
	err := d.cfg.Runs.PutSubscription(ctx, &moved, sub.Version)
	if apperr.Is(err, apperr.Conflict) {
		return nil // changed meanwhile: its editor set the next run
	}
	return err
}

// ScheduledTime returns the time of an EventBridge "Scheduled Event"
// (its "time"), else fallback: a retried invocation carries the same time,
// so it reckons the same periods.
func ScheduledTime(event []byte, fallback time.Time) time.Time {
	var e struct {
		Time time.Time `json:"time"`
	}
	if json.Unmarshal(event, &e) == nil && !e.Time.IsZero() {
		return e.Time
	}
	return fallback
}

// names are where the files and the mail name the report's values.
func (d *Delivery) names() reportlayout.Names {
	return reportlayout.Names{Catalog: d.cfg.Catalog, Roster: d.cfg.Roster}
}
