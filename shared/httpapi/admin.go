package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/qrcode"
)

// CatalogStore changes the catalog.
type CatalogStore interface {
	catalog.Source
	PutCategory(ctx context.Context, c catalog.Category) error
	PutType(ctx context.Context, t catalog.Type) error
	PutRootCause(ctx context.Context, r catalog.RootCause) error
	PutModel(ctx context.Context, m catalog.Model) error
}

// QRStore keeps issued QR codes.
type QRStore interface {
	PutQRCodes(ctx context.Context, records []qrcode.Record) error
	QRCode(ctx context.Context, id string) (*qrcode.Record, error)
	QRBatch(ctx context.Context, batchID string) ([]qrcode.Record, error)
	// RevokeQRCodes marks codes revoked (a code revoked before keeps its
	// first revocation); apperr.NotFound when one does not exist.
	RevokeQRCodes(ctx context.Context, codes []qrcode.Record, rev qrcode.Revocation) error
}

// CodeImages draws QR codes and label sheets (qrimage.Images): given by the
// admin function, the only one that draws them, so that the functions
// sharing this package do not link the rendering libraries.
type CodeImages interface {
	PNG(url string, sizePx int) ([]byte, error)
	SVG(url string) ([]byte, error)
	LabelSheet(labels []qrcode.Label) ([]byte, error)
}

// AdminAPI manages the catalog and issues QR codes.
type AdminAPI struct {
	Catalog CatalogStore
	QR      QRStore
	Signer  *qrcode.Signer
	// Images draws the codes' images and label sheets.
	Images CodeImages
	// PublicBaseURL is the site printed in QR codes ("" = the API's own URL).
	PublicBaseURL string
	Now           func() time.Time
}

// Register adds the routes of the AdminFunction.
func (a *AdminAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/admin/catalog", a.getCatalog)
	r.Handle("PUT /v1/admin/catalog/categories/{id}", a.putCategory)
	r.Handle("PUT /v1/admin/catalog/types/{id}", a.putType)
	r.Handle("PUT /v1/admin/catalog/root-causes/{id}", a.putRootCause)
	r.Handle("PUT /v1/admin/catalog/models/{id}", a.putModel)
	r.Handle("POST /v1/qr-codes", a.issue)
	r.Handle("GET /v1/qr-codes/{code}", a.qrCode)
	r.Handle("GET /v1/qr-codes/{code}/image", a.qrImage, apigw.EnumParam("format", "png", "svg"), apigw.IntParam("size", qrcode.MinPNGSize, qrcode.MaxPNGSize))
	r.Handle("POST /v1/qr-codes/{code}/revocation", a.revokeCode)
	r.Handle("GET /v1/qr-batches/{batchId}", a.batch)
	r.Handle("GET /v1/qr-batches/{batchId}/labels", a.labels)
	r.Handle("POST /v1/qr-batches/{batchId}/revocation", a.revokeBatch)
}

func (a *AdminAPI) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func admin(req *apigw.Request) error { return auth.Require(req.Principal, auth.Admin) }

func (a *AdminAPI) getCatalog(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	cat, err := a.Catalog.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, cat), nil
}

func (a *AdminAPI) putCategory(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	var c catalog.Category
	if err := req.DecodeJSON(&c, 64<<10); err != nil {
		return nil, err
	}
	if c.ID == "" {
		c.ID = req.Param("id")
	}
	if c.ID != req.Param("id") {
		return nil, apperr.InvalidField("id", "must match the URL")
	}
	if err := catalog.ValidateCategory(&c); err != nil {
		return nil, err
	}
	if err := a.Catalog.PutCategory(ctx, c); err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, c), nil
}

func (a *AdminAPI) putType(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	var t catalog.Type
	if err := req.DecodeJSON(&t, 256<<10); err != nil {
		return nil, err
	}
	if t.ID == "" {
		t.ID = req.Param("id")
	}
	if t.ID != req.Param("id") {
		return nil, apperr.InvalidField("id", "must match the URL")
	}
	cat, err := a.Catalog.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	if err := catalog.ValidateType(&t, cat); err != nil {
		return nil, err
	}
	if err := a.Catalog.PutType(ctx, t); err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, t), nil
}

func (a *AdminAPI) putRootCause(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	var r catalog.RootCause
	if err := req.DecodeJSON(&r, 16<<10); err != nil {
		return nil, err
	}
	if r.ID == "" {
		r.ID = req.Param("id")
	}
	if r.ID != req.Param("id") {
		return nil, apperr.InvalidField("id", "must match the URL")
	}
	if err := catalog.ValidateRootCause(&r); err != nil {
		return nil, err
	}
	if err := a.Catalog.PutRootCause(ctx, r); err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, r), nil
}

func (a *AdminAPI) putModel(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	var m catalog.Model
	if err := req.DecodeJSON(&m, 16<<10); err != nil {
		return nil, err
	}
	if m.ID == "" {
		m.ID = req.Param("id")
	}
	if m.ID != req.Param("id") {
		return nil, apperr.InvalidField("id", "must match the URL")
	}
	if err := catalog.ValidateModel(&m); err != nil {
		return nil, err
	}
	if err := a.Catalog.PutModel(ctx, m); err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, m), nil
}

// IssuedCode is one code in an issue response.
type IssuedCode struct {
	qrcode.Record
	URL      string `json:"url"`
	ImageURL string `json:"imageUrl"`
}

// IssueResponse lists the codes of a new batch.
type IssueResponse struct {
	BatchID   string       `json:"batchId"`
	Codes     []IssuedCode `json:"codes"`
	LabelsURL string       `json:"labelsUrl"`
}

func (a *AdminAPI) base(req *apigw.Request) string {
	if a.PublicBaseURL != "" {
		return strings.TrimRight(a.PublicBaseURL, "/")
	}
	return req.BaseURL
}

func (a *AdminAPI) issued(req *apigw.Request, r qrcode.Record) IssuedCode {
	return IssuedCode{Record: r, URL: a.base(req) + "/q/" + r.Code, ImageURL: "/v1/qr-codes/" + r.Code + "/image"}
}

func (a *AdminAPI) issue(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	var body qrcode.IssueRequest
	if err := req.DecodeJSON(&body, 256<<10); err != nil {
		return nil, err
	}
	records, err := body.Targets()
	if err != nil {
		return nil, err
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	batch := "B" + strings.ToUpper(hex.EncodeToString(b[:]))
	now := a.now
	res := IssueResponse{BatchID: batch, LabelsURL: "/v1/qr-batches/" + batch + "/labels"}
	for i := range records {
		code, err := a.Signer.New()
		if err != nil {
			return nil, err
		}
		id, err := a.Signer.Verify(code)
		if err != nil {
			return nil, err
		}
		records[i].ID, records[i].Code, records[i].BatchID = id, code, batch
		records[i].IssuedBy, records[i].IssuedAt = req.Principal.UserID, now().UTC()
	}
	if err := a.QR.PutQRCodes(ctx, records); err != nil {
		return nil, err
	}
	for _, r := range records {
		res.Codes = append(res.Codes, a.issued(req, r))
	}
	out := apigw.JSON(http.StatusCreated, res)
	out.Headers["location"] = "/v1/qr-batches/" + batch
	return out, nil
}

// record finds a code's record; any code that does not verify is NotFound.
func (a *AdminAPI) record(ctx context.Context, code string) (*qrcode.Record, error) {
	id, err := a.Signer.Verify(code)
	if err != nil {
		return nil, err
	}
	return a.QR.QRCode(ctx, id)
}

func (a *AdminAPI) qrCode(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	r, err := a.record(ctx, req.Param("code"))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, a.issued(req, *r)), nil
}

func (a *AdminAPI) qrImage(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	r, err := a.record(ctx, req.Param("code"))
	if err != nil {
		return nil, err
	}
	url := a.base(req) + "/q/" + r.Code
	switch format := req.Query.Get("format"); format {
	case "", "png":
		size := 512
		if v := req.Query.Get("size"); v != "" {
			size, _ = strconv.Atoi(v) // checked by the route's IntParam
		}
		img, err := a.Images.PNG(url, size)
		if err != nil {
			return nil, err
		}
		res := apigw.Bytes(http.StatusOK, "image/png", img)
		res.Headers["content-disposition"] = `inline; filename="` + r.Code + `.png"`
		return res, nil
	case "svg":
		img, err := a.Images.SVG(url)
		if err != nil {
			return nil, err
		}
		res := apigw.Text(http.StatusOK, "image/svg+xml", string(img))
		res.Headers["content-disposition"] = `inline; filename="` + r.Code + `.svg"`
		return res, nil
	default:
		return nil, apperr.InvalidField("format", "png or svg")
	}
}

func (a *AdminAPI) batch(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	records, err := a.QR.QRBatch(ctx, req.Param("batchId"))
	if err != nil {
		return nil, err
	}
	res := IssueResponse{BatchID: req.Param("batchId"), LabelsURL: "/v1/qr-batches/" + req.Param("batchId") + "/labels"}
	for _, r := range records {
		res.Codes = append(res.Codes, a.issued(req, r))
	}
	return apigw.JSON(http.StatusOK, res), nil
}

func (a *AdminAPI) labels(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	records, err := a.QR.QRBatch(ctx, req.Param("batchId"))
	if err != nil {
		return nil, err
	}
	// A withdrawn code must not be printed again: the sheet leaves it out.
	records = slices.DeleteFunc(records, func(r qrcode.Record) bool { return r.Revoked })
	if len(records) == 0 {
		return nil, &apperr.Error{Code: apperr.Gone, Message: "every code of batch " + req.Param("batchId") + " was withdrawn: there is nothing to print",
			Fields: []apperr.FieldError{{Field: "batchId", Message: "every code withdrawn"}}}
	}
	labels := make([]qrcode.Label, len(records))
	for i, r := range records {
		lines := []string{r.Model}
		if r.ProductName != "" {
			lines = []string{r.ProductName + " " + r.Model}
		}
		if r.Series != "" {
			lines = append(lines, "Серия "+r.Series)
		}
		if r.Serial != "" {
			lines = append(lines, "S/N "+r.Serial)
		}
		lines = append(lines, r.Code)
		labels[i] = qrcode.Label{URL: a.base(req) + "/q/" + r.Code, Lines: lines}
	}
	pdf, err := a.Images.LabelSheet(labels)
	if err != nil {
		return nil, err
	}
	res := apigw.Bytes(http.StatusOK, "application/pdf", pdf)
	res.Headers["content-disposition"] = `attachment; filename="qr-labels-` + req.Param("batchId") + `.pdf"`
	return res, nil
}

// revocation reads and checks the body of a revocation by the caller.
func (a *AdminAPI) revocation(req *apigw.Request) (qrcode.Revocation, error) {
	var rev qrcode.Revocation
	if err := req.DecodeJSON(&rev, 4<<10); err != nil {
		return rev, err
	}
	if err := rev.Validate(); err != nil {
		return rev, err
	}
	rev.By, rev.At = req.Principal.UserID, a.now().UTC()
	return rev, nil
}

// revokeCode withdraws one code: its form then answers 410 "withdrawn".
// Revoking a revoked code changes nothing and answers the same.
func (a *AdminAPI) revokeCode(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	r, err := a.record(ctx, req.Param("code"))
	if err != nil {
		return nil, err
	}
	rev, err := a.revocation(req)
	if err != nil {
		return nil, err
	}
	if err := a.QR.RevokeQRCodes(ctx, []qrcode.Record{*r}, rev); err != nil {
		return nil, err
	}
	if r, err = a.QR.QRCode(ctx, r.ID); err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, a.issued(req, *r)), nil
}

// revokeBatch withdraws every code of a batch (a recalled label sheet).
func (a *AdminAPI) revokeBatch(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	records, err := a.QR.QRBatch(ctx, req.Param("batchId"))
	if err != nil {
		return nil, err
	}
	rev, err := a.revocation(req)
	if err != nil {
		return nil, err
	}
	if err := a.QR.RevokeQRCodes(ctx, records, rev); err != nil {
		return nil, err
	}
	return a.batch(ctx, req)
}
