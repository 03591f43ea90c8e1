package reports

import (
	"context"
	"html"
	"net/http"
	"time"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/reportdelivery"
	"github.com/claimsdesk/backend/shared/reportmail"
)

// SubscriptionsAPI serves report subscriptions: their CRUD, a mail sent at
// once, a preview of the mail, and the recipients' one-click unsubscribe
// (a public page: the link is signed per recipient).
type SubscriptionsAPI struct {
	Service  *reportmail.Service
	Delivery *reportdelivery.Delivery
	// Files presigns the downloads behind the mails' file links.
	Files Downloads
	// PublicBaseURL is the site of the unsubscribe links in previews; ""
	// is the host the request came to.
	PublicBaseURL string
}

// Downloads presigns a download of a stored file.
type Downloads interface {
	DownloadURL(ctx context.Context, key, fileName, contentType string, ttl time.Duration) (string, error)
}

var subscriptionIDPattern = lazyre.New(`^rs-[0-9a-f]{12,40}$`)

// maxSubscriptionBody bounds a subscription's JSON (50 addresses and a
// query fit many times over).
const maxSubscriptionBody = 64 << 10

// Register adds the subscription routes.
func (a *SubscriptionsAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/report-subscriptions", a.list)
	r.Handle("POST /v1/report-subscriptions", a.create)
	r.Handle("GET /v1/report-subscriptions/{id}", a.get)
	r.Handle("PUT /v1/report-subscriptions/{id}", a.update)
	r.Handle("DELETE /v1/report-subscriptions/{id}", a.delete)
	r.Handle("POST /v1/report-subscriptions/{id}/send", a.send)
	r.Handle("GET /v1/report-subscriptions/{id}/preview", a.preview)
	r.Handle("GET /unsubscribe/{token}", a.confirmUnsubscribe)
	r.Handle("POST /unsubscribe/{token}", a.unsubscribe)
	r.Handle("GET /report-files/{token}", a.file)
}

// subscriptionID returns the path's ID; NotFound for one of no shape.
func subscriptionID(req *apigw.Request) (string, error) {
	id := req.Param("id")
	if !subscriptionIDPattern.MatchString(id) {
		return "", apperr.Errorf(apperr.NotFound, "subscription %q not found", id)
	}
	return id, nil
}

// subscription is the subscription the path names, as the caller may see it.
func (a *SubscriptionsAPI) subscription(ctx context.Context, req *apigw.Request) (*reportmail.Subscription, error) {
	id, err := subscriptionID(req)
	if err != nil {
		return nil, err
	}
	return a.Service.Get(ctx, req.Principal, id)
}

func (a *SubscriptionsAPI) list(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	subs, err := a.Service.List(ctx, req.Principal)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, map[string]any{"items": subs}), nil
}

func (a *SubscriptionsAPI) create(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	var in reportmail.Input
	if err := req.DecodeJSON(&in, maxSubscriptionBody); err != nil {
		return nil, err
	}
	sub, err := a.Service.Create(ctx, req.Principal, in)
	if err != nil {
		return nil, err
	}
	out := apigw.JSON(http.StatusCreated, sub)
	out.Headers["location"] = "/v1/report-subscriptions/" + sub.ID
	return out, nil
}

func (a *SubscriptionsAPI) get(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	sub, err := a.subscription(ctx, req)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, sub), nil
}

func (a *SubscriptionsAPI) update(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	id, err := subscriptionID(req)
	if err != nil {
		return nil, err
	}
	var in reportmail.Input
	if err := req.DecodeJSON(&in, maxSubscriptionBody); err != nil {
		return nil, err
	}
	sub, err := a.Service.Update(ctx, req.Principal, id, in)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, sub), nil
}

func (a *SubscriptionsAPI) delete(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	id, err := subscriptionID(req)
	if err != nil {
		return nil, err
	}
	if err := a.Service.Delete(ctx, req.Principal, id); err != nil {
		return nil, err
	}
	return &apigw.Response{Status: http.StatusNoContent, Headers: map[string]string{}}, nil
}

func (a *SubscriptionsAPI) send(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	sub, err := a.subscription(ctx, req)
	if err != nil {
		return nil, err
	}
	sent, err := a.Delivery.SendNow(ctx, sub, a.site(req))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusAccepted, sent), nil
}

func (a *SubscriptionsAPI) preview(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	sub, err := a.subscription(ctx, req)
	if err != nil {
		return nil, err
	}
	p, err := a.Delivery.Preview(ctx, sub, a.site(req))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, p), nil
}

// site is the public site of links: the configured one, else the host the
// request came to.
func (a *SubscriptionsAPI) site(req *apigw.Request) string {
	if a.PublicBaseURL != "" || req.Header("host") == "" {
		return a.PublicBaseURL
	}
	if req.Header("x-forwarded-proto") == "http" {
		return "http://" + req.Header("host")
	}
	return "https://" + req.Header("host")
}

// fileLinkDownload is how long the redirect of a file link is valid.
const fileLinkDownload = 5 * time.Minute

// file follows a mail's signed link to a file too large to attach: a
// redirect to a fresh presigned download; a page says when the link is
// not valid or expired.
func (a *SubscriptionsAPI) file(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	f, err := reportmail.ParseFileLink(a.Service.Keys(), req.Param("token"), time.Now())
	switch {
	case apperr.Is(err, apperr.NotFound):
		return unsubscribePage(http.StatusNotFound, "Ссылка недействительна", "This download link is not valid", "", false), nil
	case apperr.Is(err, apperr.Gone):
		return unsubscribePage(http.StatusGone, "Срок действия ссылки истёк", "This download link has expired", "", false), nil
	case err != nil:
		return nil, err
	}
	u, err := a.Files.DownloadURL(ctx, f.Key, f.FileName, f.ContentType, fileLinkDownload)
	if err != nil {
		return nil, err
	}
	return apigw.Redirect(http.StatusFound, u), nil
}

// confirmUnsubscribe is the page the link in the mail opens: it names the
// recipient and asks, with one button, before anything changes (mail
// scanners follow links; a GET unsubscribes nobody). Mail clients
// unsubscribe in one click with a POST (List-Unsubscribe-Post, RFC 8058).
func (a *SubscriptionsAPI) confirmUnsubscribe(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	u, err := a.Service.UnsubscribeTarget(ctx, req.Param("token"))
	if apperr.Is(err, apperr.NotFound) {
		return unsubscribePage(http.StatusNotFound, "Ссылка недействительна", "This unsubscribe link is not valid", "", false), nil
	}
	if err != nil {
		return nil, err
	}
	if u.Already {
		return unsubscribePage(http.StatusOK, "Вы отписаны от рассылки отчёта", "You are unsubscribed from the report mail", u.Email, false), nil
	}
	return unsubscribePage(http.StatusOK, "Отписаться от рассылки отчёта?", "Unsubscribe from the report mail?", u.Email, true), nil
}

// unsubscribe takes the link's recipient off its subscription: the page's
// button, or the mail client's one-click POST. A page says what happened.
func (a *SubscriptionsAPI) unsubscribe(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	u, err := a.Service.Unsubscribe(ctx, req.Param("token"))
	if apperr.Is(err, apperr.NotFound) {
		return unsubscribePage(http.StatusNotFound, "Ссылка недействительна", "This unsubscribe link is not valid", "", false), nil
	}
	if err != nil {
		return nil, err
	}
	return unsubscribePage(http.StatusOK, "Вы отписаны от рассылки отчёта", "You are unsubscribed from the report mail", u.Email, false), nil
}

// unsubscribePage says what an unsubscribe link did, or (ask) asks with
// a button that posts to the same address.
func unsubscribePage(status int, ru, en, email string, ask bool) *apigw.Response {
	who := ""
	if email != "" {
		who = "<p>" + html.EscapeString(email) + "</p>"
	}
	if ask {
		who += `<form method="post"><button type="submit" style="font-size:16px;padding:10px 18px">Отписаться / Unsubscribe</button></form>`
	}
	body := `<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
		`<title>ClaimsDesk</title></head><body style="font-family:Arial,Helvetica,sans-serif;max-width:640px;margin:40px auto">` +
		`<h1 style="font-size:20px">` + html.EscapeString(ru) + `</h1><p lang="en">` + html.EscapeString(en) + `</p>` + who + `</body></html>`
	return apigw.HTML(status, body)
}
