package httpapi

import (
	"context"
	"net/http"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/notify"
)

// NotificationsAPI is the claims department's in-app notifications: a new
// claim, a reassignment, a customer's message, a deadline close, an
// escalation.
type NotificationsAPI struct {
	Inbox *notify.Inbox
}

// Register adds the notification routes of the ClaimsFunction.
func (a *NotificationsAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/notifications", a.list, apigw.BoolParam("unread"), limitParam, cursorParam)
	r.Handle("POST /v1/notifications/{id}/read", a.read)
}

func (a *NotificationsAPI) list(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	q := notify.InboxQuery{Cursor: req.Query.Get("cursor"), Unread: req.Query.Get("unread") == "true", Limit: pageLimit(req)}
	page, err := a.Inbox.List(ctx, req.Principal, q)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, page), nil
}

func (a *NotificationsAPI) read(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	n, err := a.Inbox.MarkRead(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, n), nil
}
