// Package runner runs the background exports of the claims list (the
// ExportsFunction): it takes a job (package exports) under a lease, lists
// the registry as the requester sees it page by page into a CSV or XLSX
// file (reportfile.Stream) in a temporary file, stores it and marks the
// job done; it also lays the claims list out as a table (ClaimsTable,
// ClaimRow), for the list answered at once as well.
//
// Layer: domain.
package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/exports"
	"github.com/claimsdesk/backend/shared/reportfile"
	"github.com/claimsdesk/backend/shared/reportlayout"
)

// Runner runs export jobs (the ExportsFunction).
type Runner struct {
	cfg Config
}

// Config wires a Runner; Store, Files and Registry are required.
type Config struct {
	Store    exports.Store
	Files    exports.Files
	Registry exports.Lister
	// Lease is how long an attempt holds a job past its last progress
	// (default 1 minute); progress is recorded every RenewEvery claims
	// (default 1000).
	Lease      time.Duration
	RenewEvery int
	// MaxRows bounds a job's list (default exports.MaxRows).
	MaxRows int
	// Location is the time zone of the file's dates (default UTC).
	Location *time.Location
	// Catalog names the categories and types in the files (optional:
	// without it, or when it cannot be read, they show their IDs).
	Catalog catalog.Source
	// Reserve is the time kept, before the invocation's deadline, to
	// finish and store the file (default 30 seconds): a list still being
	// read then fails the job (no retry would fare better).
	Reserve time.Duration
	// TempDir is where a file is built before it is stored (default the
	// system's: /tmp on Lambda).
	TempDir string
	Now     func() time.Time
	Logger  *slog.Logger
}

// New returns a Runner. It returns an Internal error naming each
// dependency cfg lacks.
func New(cfg Config) (*Runner, error) {
	if err := deps.Check("exports runner", deps.Need("Store", cfg.Store), deps.Need("Files", cfg.Files),
		deps.Need("Registry", cfg.Registry)); err != nil {
		return nil, err
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.RenewEvery <= 0 {
		cfg.RenewEvery = 1000
	}
	if cfg.Reserve <= 0 {
		cfg.Reserve = 30 * time.Second
	}
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = exports.MaxRows
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{cfg: cfg}, nil
}

// Deliver runs the job of one queue message (an exports.Message); a body
// that is not one is an Invalid error (the queue keeps it back, then
// dead-letters it).
func (r *Runner) Deliver(ctx context.Context, body []byte) error {
	var m exports.Message
	if err := json.Unmarshal(body, &m); err != nil || m.JobID == "" {
		return apperr.InvalidField("body", "not an export job message")
	}
	return r.Run(ctx, m.JobID)
}

// HeldError is the error of a delivery that found its job held by another
// attempt: the message is to come back when the lease ends.
type HeldError struct {
	JobID string
	Until time.Time
	now   time.Time
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("export %s is held by another attempt until %s", e.JobID, e.Until.UTC().Format(time.RFC3339))
}

// RetryAfter is how long until the lease ends (the queue's backoff reads
// it).
func (e *HeldError) RetryAfter() time.Duration { return max(e.Until.Sub(e.now), time.Second) }

// permanent is a failure no retry mends: the job fails with its reason.
type permanent struct{ reason string }

func (p *permanent) Error() string { return p.reason }

// Run runs one job: takes it, writes the claims the requester sees into a
// file page by page, stores the file and marks the job done. A job that
// does not exist or is over is left alone (nil); one held by another
// attempt returns a *HeldError; a failure that a retry may mend (storage,
// the bucket) releases the job and is returned, and the job fails for good
// once it has had exports.MaxAttempts attempts; a list longer than
// exports.MaxRows, a query the registry refuses, or a list still being read
// when the invocation's time is nearly out fails the job at once.
func (r *Runner) Run(ctx context.Context, jobID string) error {
	now := r.cfg.Now()
	l := exports.Lease{JobID: jobID, Attempt: exports.NewAttempt(), Until: now.Add(r.cfg.Lease)}
	take, err := r.cfg.Store.TakeJob(ctx, l, now)
	switch {
	case apperr.Is(err, apperr.NotFound):
		r.cfg.Logger.WarnContext(ctx, "export job not found", "jobId", jobID)
		return nil
	case err != nil:
		return err
	case take.Final:
		r.cfg.Logger.InfoContext(ctx, "export job already over", "jobId", jobID)
		return nil
	case !take.Taken:
		return &HeldError{JobID: jobID, Until: take.HeldUntil, now: now}
	}
	j := take.Job
	log := r.cfg.Logger.With("jobId", jobID, "attempt", j.Attempts, "userId", j.Requester.UserID)
	if j.Attempts > exports.MaxAttempts {
		reason := fmt.Sprintf("the export failed %d times; the last error: %s", exports.MaxAttempts, orNone(j.LastError))
		log.WarnContext(ctx, "export job given up", "reason", reason)
		return ignoreLost(r.cfg.Store.FailJob(ctx, l, reason, r.cfg.Now()))
	}
	start := r.cfg.Now()
	f, err := r.write(ctx, l, j)
	var perm *permanent
	switch {
	case errors.Is(err, exports.ErrLeaseLost):
		log.WarnContext(ctx, "export job taken over by another attempt")
		return nil
	case errors.As(err, &perm):
		log.InfoContext(ctx, "export job failed", "reason", perm.reason)
		return ignoreLost(r.cfg.Store.FailJob(ctx, l, perm.reason, r.cfg.Now()))
	case err != nil:
		log.WarnContext(ctx, "export attempt failed", "error", err.Error())
		if rerr := r.cfg.Store.ReleaseJob(ctx, l, trimReason(err.Error())); rerr != nil && !errors.Is(rerr, exports.ErrLeaseLost) {
			err = errors.Join(err, rerr)
		}
		return fmt.Errorf("export %s: %w", jobID, err)
	}
	f.At = r.cfg.Now()
	if err := r.cfg.Store.FinishJob(ctx, l, *f); err != nil {
		if errors.Is(err, exports.ErrLeaseLost) {
			log.WarnContext(ctx, "export job taken over before it was marked done")
			return nil
		}
		return fmt.Errorf("export %s: %w", jobID, err)
	}
	log.InfoContext(ctx, "export job done", "rows", f.Rows, "bytes", f.Size, "ms", r.cfg.Now().Sub(start).Milliseconds())
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none recorded"
	}
	return s
}

func ignoreLost(err error) error {
	if errors.Is(err, exports.ErrLeaseLost) {
		return nil
	}
	return err
}

// write builds the job's file in a temporary file and stores it.
func (r *Runner) write(ctx context.Context, l exports.Lease, j *exports.Job) (*exports.File, error) {
	tmp, err := os.CreateTemp(r.cfg.TempDir, "export-*."+j.Format)
	if err != nil {
		return nil, fmt.Errorf("temporary file: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	table := ClaimsTable(j.Language, r.cfg.Location, j.CreatedAt, j.Filters)
	labels := NewLabels(ctx, r.cfg.Catalog, j.Language)
	stream, err := reportfile.NewStream(table, j.Format, tmp)
	if err != nil {
		return nil, fmt.Errorf("file of export %s: %w", j.ID, err)
	}
	defer stream.Close()
	p := j.Requester.Principal()
	q := j.Filters.Query()
	sinceRenew := 0
	for {
		page, err := r.cfg.Registry.List(ctx, p, q)
		if err != nil {
			if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Forbidden || c == apperr.Unauthorized {
				// The registry's own words (an apperr.Error: no internal detail).
				return nil, &permanent{reason: "the registry refused the query: " + trimReason(err.Error())}
			}
			return nil, fmt.Errorf("list page after %d claims: %w", stream.Rows(), err)
		}
		for _, c := range page.Claims {
			if stream.Rows() >= r.cfg.MaxRows {
				return nil, &permanent{reason: fmt.Sprintf("the list holds more than %d claims: export a shorter period or add a filter", r.cfg.MaxRows)}
			}
			if err := stream.Row(ClaimRow(c, labels)); err != nil {
				return nil, fmt.Errorf("file of export %s: %w", j.ID, err)
			}
		}
		sinceRenew += len(page.Claims)
		if page.Next == "" {
			break
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < r.cfg.Reserve {
			return nil, &permanent{reason: fmt.Sprintf("the list was still being read after %d claims when the export's time ran out: "+
				"export a shorter period or add a filter", stream.Rows())}
		}
		q.Cursor = page.Next
		if sinceRenew >= r.cfg.RenewEvery {
			sinceRenew = 0
			l.Until = r.cfg.Now().Add(r.cfg.Lease)
			if err := r.cfg.Store.RenewJob(ctx, l, stream.Rows()); err != nil {
				return nil, err
			}
		}
	}
	// The whole list is read: the lease covers finishing and storing the
	// file, and the job shows the count.
	l.Until = r.cfg.Now().Add(r.cfg.Lease)
	if err := r.cfg.Store.RenewJob(ctx, l, stream.Rows()); err != nil {
		return nil, err
	}
	if err := stream.Close(); err != nil {
		return nil, fmt.Errorf("file of export %s: %w", j.ID, err)
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("file of export %s: %w", j.ID, err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("file of export %s: %w", j.ID, err)
	}
	f := &exports.File{Rows: stream.Rows(), Size: size, FileName: exports.FileName(j), ContentType: exports.ContentType(j.Format)}
	f.Key = exports.Prefix + j.ID + "/" + f.FileName
	if err := r.cfg.Files.PutStream(ctx, f.Key, f.ContentType, f.FileName, tmp, size); err != nil {
		return nil, err
	}
	return f, nil
}

// ClaimsTable is the claims list as a table without its rows (ClaimRow
// makes them): the same columns for every audience, none of them internal
// (no culprit, root cause, decider, task or SLA figure), in lang ("ru" or
// "en"), dates in loc (UTC when nil); its header names the period and the
// filters f the list was made with.
func ClaimsTable(lang string, loc *time.Location, at time.Time, f exports.Filters) reportfile.Report {
	t := func(ru, en string) string {
		if lang == "en" {
			return en
		}
		return ru
	}
	cols := []reportfile.Column{
		{Key: "id", Title: t("Номер", "Number"), Kind: reportfile.KindText},
		{Key: "createdAt", Title: t("Зарегистрирована", "Filed"), Kind: reportfile.KindDate},
		{Key: "channel", Title: t("Канал", "Channel"), Kind: reportfile.KindText},
		{Key: "dealerId", Title: t("Дилер", "Dealer"), Kind: reportfile.KindText},
		{Key: "categoryId", Title: t("Категория", "Category"), Kind: reportfile.KindText},
		{Key: "typeId", Title: t("Тип", "Type"), Kind: reportfile.KindText},
		{Key: "model", Title: t("Модель", "Model"), Kind: reportfile.KindText},
		{Key: "serial", Title: t("Серийный номер", "Serial"), Kind: reportfile.KindText},
		{Key: "stage", Title: t("Этап", "Stage"), Kind: reportfile.KindText},
		{Key: "priority", Title: t("Приоритет", "Priority"), Kind: reportfile.KindText},
		{Key: "assignee", Title: t("Менеджер", "Manager"), Kind: reportfile.KindText},
		{Key: "resolution", Title: t("Решение", "Resolution"), Kind: reportfile.KindText},
		{Key: "score", Title: t("Оценка", "Rating"), Kind: reportfile.KindInt},
	}
	if lang != "en" {
		lang = "ru"
	}
	return reportfile.Report{Title: t("Реестр рекламаций", "Claims"), Language: lang, Columns: cols, GeneratedAt: at, Location: loc,
		Period: period(f.From, f.To, t), Filters: filterLines(f, t)}
}

// period says the creation times a list was bounded by: days as the query
// gave them ("2026-11-01 — 2026-11-30"), an open end in words.
func period(from, to time.Time, t func(ru, en string) string) string {
	day := func(v time.Time, end bool) string {
		v = v.UTC()
		next := v
		if end {
			next = v.Add(time.Nanosecond) // a day's "to" is its last instant
		}
		if next.Equal(next.Truncate(24 * time.Hour)) {
			if end {
				next = next.AddDate(0, 0, -1)
			}
			return next.Format(time.DateOnly)
		}
		return v.Format("2006-01-02 15:04:05Z07:00")
	}
	switch {
	case from.IsZero() && to.IsZero():
		return t("за всё время", "all time")
	case to.IsZero():
		return t("с ", "from ") + day(from, false)
	case from.IsZero():
		return t("по ", "up to ") + day(to, true)
	}
	return day(from, false) + " — " + day(to, true)
}

// filterLines names each filter of a list besides its period ("Этап:
// closed"), in the order of the registry's parameters.
func filterLines(f exports.Filters, t func(ru, en string) string) []string {
	var lines []string
	add := func(ru, en, v string) {
		if v != "" {
			lines = append(lines, t(ru, en)+": "+v)
		}
	}
	add("Этап", "Stage", f.Stage)
	add("Категория", "Category", f.CategoryID)
	add("Тип", "Type", f.TypeID)
	add("Дилер", "Dealer", f.DealerID)
	add("Клиент", "Customer", f.CustomerID)
	add("Серийный номер", "Serial", f.Serial)
	add("Серия", "Series", f.Series)
	add("Заказ", "Order", f.Order)
	add("Менеджер", "Manager", f.Assignee)
	if f.WarrantyCase != nil {
		add("Гарантийный случай", "Warranty case", map[bool]string{true: t("да", "yes"), false: t("нет", "no")}[*f.WarrantyCase])
	}
	add("Решение", "Resolution", f.Resolution)
	add("Причина", "Root cause", f.RootCause)
	add("Виновная сторона", "Party at fault", f.FaultParty)
	add("Виновное подразделение", "Department at fault", f.CulpritDepartment)
	add("Отметка", "Flag", f.Flag)
	return lines
}

// ClaimRow is a claim's row of ClaimsTable (the claim as its audience sees
// it already), its coded values named by l.
func ClaimRow(c claims.Claim, l Labels) []reportfile.Value {
	res, score := reportfile.Blank(), reportfile.Blank()
	if c.Decision != nil {
		res = reportfile.Text(l.name(analytics.DimResolution, string(c.Decision.Resolution)))
	}
	if c.Satisfaction != nil {
		score = reportfile.Int(int64(c.Satisfaction.Score))
	}
	category, typ := c.CategoryID, c.TypeID
	if l.cat != nil {
		if v, ok := l.cat.Category(c.CategoryID); ok {
			category = v.Name.In(l.lang)
		}
		if v, ok := l.cat.Type(c.TypeID); ok {
			typ = v.Name.In(l.lang)
		}
	}
	return []reportfile.Value{
		reportfile.Text(c.ID), reportfile.Time(c.CreatedAt), reportfile.Text(l.name(analytics.DimChannel, string(c.Channel))), reportfile.Text(c.DealerID),
		reportfile.Text(category), reportfile.Text(typ), reportfile.Text(c.Product.Model), reportfile.Text(c.Product.Serial),
		reportfile.Text(l.name(analytics.DimStage, string(c.Stage))), reportfile.Text(l.name(analytics.DimPriority, string(c.Priority))), reportfile.Text(c.Assignee), res, score,
	}
}

// Labels name a claim's coded values in a file's language, as people read
// them ("Брак изделия", "Проверка информации", not "defect",
// "information_check"): categories and types from the catalog, stages,
// channels, priorities and resolutions as the reports name them
// (reportlayout.CodeName). A code without a name stays as it is.
type Labels struct {
	lang string
	cat  *catalog.Catalog
}

// NewLabels returns the labels of lang ("en", else Russian) with the
// categories and types of src's catalog; without src, or when it cannot
// be read, those show their IDs (the list is still made).
func NewLabels(ctx context.Context, src catalog.Source, lang string) Labels {
	l := Labels{lang: "ru"}
	if lang == "en" {
		l.lang = "en"
	}
	if src != nil {
		if cat, err := src.Catalog(ctx); err == nil {
			l.cat = cat
		}
	}
	return l
}

// name returns code's name in dim, in the labels' language, or code.
func (l Labels) name(dim analytics.Dim, code string) string {
	if n, ok := reportlayout.CodeName(dim, code, l.lang); ok {
		return n
	}
	return code
}

// trimReason keeps a stored error short.
func trimReason(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
