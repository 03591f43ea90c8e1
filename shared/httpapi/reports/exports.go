package reports

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/exports"
	"github.com/claimsdesk/backend/shared/exports/runner"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/reportfile"
)

// ExportsAPI exports the claims list (the registry with any of its
// filters) as a file, each claim as the caller may see it: at once for up
// to MaxExport claims, or as a background job (package exports) whose
// file waits in the bucket.
type ExportsAPI struct {
	Registry *registry.Service
	// Jobs asks for background exports and shows them.
	Jobs *exports.Service
	// Location is the time zone of the files' dates (UTC when nil), as
	// the background export's.
	Location *time.Location
	// Catalog names categories and types in the files (optional: their
	// IDs).
	Catalog catalog.Source
}

// Register adds the export routes.
func (a *ExportsAPI) Register(r *apigw.Router) {
	params := append(httpapi.RegistryParams(), apigw.EnumParam("format", "csv", "xlsx"), httpapi.LangParam())
	r.Handle("GET /v1/exports/claims", a.claims, params...)
	// The job takes the whole list: no page, no cursor.
	var jobParams []apigw.Param
	for _, p := range params {
		if p.Name != "limit" && p.Name != "cursor" {
			jobParams = append(jobParams, p)
		}
	}
	r.Handle("POST /v1/exports/claims", a.start, jobParams...)
	r.Handle("GET /v1/exports", a.mine)
	r.Handle("GET /v1/exports/{id}", a.job)
}

// MaxExport bounds the claims one list export answered at once holds (the
// answer stays within what a function may return); longer lists are
// exported in the background.
const MaxExport = 5000

// claims answers the whole list a registry query finds (as the caller may
// see it), newest first; more than MaxExport is a 400 pointing to the
// background export.
func (a *ExportsAPI) claims(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	q := httpapi.RegistryQuery(req)
	q.Limit, q.Cursor = 100, ""
	var all []claims.Claim
	for {
		page, err := a.Registry.List(ctx, req.Principal, q)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Claims...)
		if len(all) > MaxExport {
			return nil, apperr.InvalidField("from", fmt.Sprintf("the list holds more than %d claims: "+
				"export it in the background with POST /v1/exports/claims (the same filters), or a shorter period or another filter", MaxExport))
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	lang := "ru"
	if req.Query.Get("lang") == "en" {
		lang = "en"
	}
	r := claimsListFile(all, runner.NewLabels(ctx, a.Catalog, lang), lang, a.Location, exports.FiltersOf(q))
	format := req.Query.Get("format")
	var body []byte
	var err error
	if format == "xlsx" {
		body, err = reportfile.XLSX(r)
	} else {
		format = "csv"
		body, err = reportfile.CSV(r)
	}
	if err != nil {
		return nil, fmt.Errorf("export %d claims as %s: %w", len(all), format, err)
	}
	out := apigw.Bytes(http.StatusOK, exports.ContentType(format), body)
	out.Headers["content-disposition"] = `attachment; filename="claims.` + format + `"`
	return out, nil
}

// claimsListFile lays a list of claims out as a table: the background
// export's table (runner.ClaimsTable, with the list's filters f) with its
// rows, named by l.
func claimsListFile(cs []claims.Claim, l runner.Labels, lang string, loc *time.Location, f exports.Filters) reportfile.Report {
	r := runner.ClaimsTable(lang, loc, time.Now(), f)
	for _, c := range cs {
		r.Rows = append(r.Rows, runner.ClaimRow(c, l))
	}
	return r
}

// idempotencyKeyPattern is the Idempotency-Key the API accepts (as claims
// intake does).
var idempotencyKeyPattern = lazyre.New(`^[A-Za-z0-9_.:-]{1,128}$`)

// jobIDPattern is an export job's ID.
var jobIDPattern = lazyre.New(`^[0-9a-f]{32}$`)

// start asks for a background export: 202 with the job (queued) and its
// address in Location; the same Idempotency-Key again answers the same job
// (Idempotent-Replayed: true).
func (a *ExportsAPI) start(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	// The filters are query parameters: filters sent in a body would be
	// ignored, and the export would hold more than asked for.
	if len(bytes.TrimSpace(req.Body)) > 0 {
		return nil, apperr.InvalidField("body", "send the filters as query parameters, with no body")
	}
	key := req.Header("idempotency-key")
	if key != "" && !idempotencyKeyPattern.MatchString(key) {
		return nil, apperr.InvalidField("Idempotency-Key", "1-128 characters: letters, digits, _ . : -")
	}
	format := req.Query.Get("format")
	if format == "" {
		format = exports.FormatCSV
	}
	res, err := a.Jobs.Start(ctx, req.Principal, exports.Request{
		Filters: exports.FiltersOf(httpapi.RegistryQuery(req)), Format: format, Language: req.Query.Get("lang"), IdempotencyKey: key,
	})
	if err != nil {
		return nil, err
	}
	out := apigw.JSON(http.StatusAccepted, res.Job)
	out.Headers["location"] = res.Job.Self
	if !res.Created {
		out.Headers["idempotent-replayed"] = "true"
	}
	return out, nil
}

// job answers one job: its requester's or, for admins, anyone's; 404 to
// others.
func (a *ExportsAPI) job(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	id := req.Param("id")
	if !jobIDPattern.MatchString(id) {
		return nil, apperr.Errorf(apperr.NotFound, "export not found")
	}
	v, err := a.Jobs.Get(ctx, req.Principal, id)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, v), nil
}

// mine lists the caller's latest jobs.
func (a *ExportsAPI) mine(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	l, err := a.Jobs.Mine(ctx, req.Principal)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, l), nil
}
