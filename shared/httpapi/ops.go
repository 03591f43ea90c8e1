package httpapi

import (
	"context"
	"net/http"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/notify"
)

// DeadLetterQueue is where notifications that could not be delivered end.
type DeadLetterQueue interface {
	Status(ctx context.Context) (*notify.DeadLetterStatus, error)
	Redrive(ctx context.Context) (*notify.MoveTask, error)
}

// OpsAPI is the operators' part of the AdminFunction: the notifications'
// dead-letter queue and its redrive.
type OpsAPI struct {
	DeadLetters DeadLetterQueue
}

// Register adds the operations routes.
func (a *OpsAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/admin/dead-letters", a.status)
	r.Handle("POST /v1/admin/dead-letters/redrive", a.redrive)
}

func (a *OpsAPI) queue(req *apigw.Request) (DeadLetterQueue, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	if a.DeadLetters == nil {
		return nil, apperr.Errorf(apperr.NotFound, "no dead-letter queue is configured")
	}
	return a.DeadLetters, nil
}

func (a *OpsAPI) status(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	q, err := a.queue(req)
	if err != nil {
		return nil, err
	}
	st, err := q.Status(ctx)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, st), nil
}

func (a *OpsAPI) redrive(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	q, err := a.queue(req)
	if err != nil {
		return nil, err
	}
	t, err := q.Redrive(ctx)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusAccepted, t), nil
}
