package reports

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/reportfile"
)

// ExportsAPI exports the claims list (the registry with any of its
// filters) as a file: each claim as the caller may see it.
type ExportsAPI struct {
	Registry *registry.Service
}

// Register adds the export route.
func (a *ExportsAPI) Register(r *apigw.Router) {
	params := append(httpapi.RegistryParams(), apigw.EnumParam("format", "csv", "xlsx"), httpapi.LangParam())
	r.Handle("GET /v1/exports/claims", a.claims, params...)
}

// MaxExport bounds the claims one list export holds (the answer stays
// within what a function may return).
const MaxExport = 5000

// claims answers the whole list a registry query finds (as the caller may
// see it), newest first; more than MaxExport is a 400 asking for a
// narrower list.
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
			return nil, apperr.InvalidField("from", fmt.Sprintf("the list holds more than %d claims: export a shorter period or add a filter", MaxExport))
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
	r := claimsListFile(all, lang)
	format := req.Query.Get("format")
	var body []byte
	var err error
	ctype := "text/csv; charset=utf-8"
	if format == "xlsx" {
		body, err = reportfile.XLSX(r)
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	} else {
		format = "csv"
		body, err = reportfile.CSV(r)
	}
	if err != nil {
		return nil, fmt.Errorf("export %d claims as %s: %w", len(all), format, err)
	}
	out := apigw.Bytes(http.StatusOK, ctype, body)
	out.Headers["content-disposition"] = `attachment; filename="claims.` + format + `"`
	return out, nil
}

// claimsListFile lays a list of claims out as a table.
func claimsListFile(cs []claims.Claim, lang string) reportfile.Report {
	t := func(ru, en string) string { return pick(lang, [2]string{ru, en}) }
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
	r := reportfile.Report{Title: t("Реестр рекламаций", "Claims"), Language: lang, Columns: cols, GeneratedAt: time.Now()}
	for _, c := range cs {
		res, score := reportfile.Blank(), reportfile.Blank()
		if c.Decision != nil {
			res = reportfile.Text(string(c.Decision.Resolution))
		}
		if c.Satisfaction != nil {
			score = reportfile.Int(int64(c.Satisfaction.Score))
		}
		r.Rows = append(r.Rows, []reportfile.Value{
			reportfile.Text(c.ID), reportfile.Time(c.CreatedAt), reportfile.Text(string(c.Channel)), reportfile.Text(c.DealerID),
			reportfile.Text(c.CategoryID), reportfile.Text(c.TypeID), reportfile.Text(c.Product.Model), reportfile.Text(c.Product.Serial),
			reportfile.Text(string(c.Stage)), reportfile.Text(string(c.Priority)), reportfile.Text(c.Assignee), res, score,
		})
	}
	return r
}
