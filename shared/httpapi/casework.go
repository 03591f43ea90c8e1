package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/visibility"
	"github.com/claimsdesk/backend/shared/workflow"
)

// CaseworkAPI is the claims department's work on a claim: stages, the
// decision, assignment, field edits, tasks and the investigation plan, the
// audit trail and the worklist.
type CaseworkAPI struct {
	Casework *casework.Service
	Registry *registry.Service
	Roster   casework.Roster
}

// Register adds the routes of the ClaimsFunction that change claims.
func (a *CaseworkAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/worklist", a.worklist, userIDParam("assignee"), limitParam, cursorParam)
	r.Handle("PATCH /v1/claims/{id}", a.edit)
	r.Handle("GET /v1/claims/{id}/transitions", a.allowed)
	r.Handle("POST /v1/claims/{id}/transitions", a.transition)
	r.Handle("PUT /v1/claims/{id}/decision", a.decide)
	r.Handle("POST /v1/claims/{id}/assignment", a.reassign)
	r.Handle("POST /v1/claims/{id}/tasks", a.addTask)
	r.Handle("POST /v1/claims/{id}/tasks/{taskId}/complete", a.completeTask)
	r.Handle("GET /v1/claims/{id}/history", a.history)
	r.Handle("GET /v1/claims/{id}/history/verify", a.verify)
	r.Handle("POST /v1/claims/{id}/flags/{kind}/dismissal", a.dismissFlag)
}

// maxChangeBody bounds the body of a change request.
const maxChangeBody = 32 << 10

// expectedVersion is the version the client saw: the body's "version", else
// an If-Match header ("7" or "\"7\""). A change without one would overwrite
// blindly, so it is refused.
func expectedVersion(req *apigw.Request, body int) (int, error) {
	if body > 0 {
		return body, nil
	}
	if m := strings.Trim(strings.TrimPrefix(req.Header("if-match"), "W/"), `"`); m != "" {
		if n, err := strconv.Atoi(m); err == nil && n > 0 {
			return n, nil
		}
		return 0, apperr.InvalidField("If-Match", "the claim's version, e.g. \"7\"")
	}
	return 0, apperr.InvalidField("version", "required: the version of the claim you saw (or an If-Match header)")
}

// changed answers a change with the claim as the caller may see it and its
// version as the ETag.
func changed(p *auth.Principal, c *claims.Claim) *apigw.Response {
	shown := visibility.Claim(visibility.Of(p), *c)
	out := apigw.JSON(http.StatusOK, &shown)
	out.Headers["etag"] = `"` + strconv.Itoa(c.Version) + `"`
	return out
}

func staffCaller(req *apigw.Request) (casework.Caller, error) {
	if req.Principal == nil {
		return casework.Caller{}, apperr.Errorf(apperr.Unauthorized, "sign-in required")
	}
	return casework.Caller{Principal: req.Principal}, nil
}

// TransitionRequest is the body of POST /v1/claims/{id}/transitions.
type TransitionRequest struct {
	To      string `json:"to"`
	Version int    `json:"version"`
	Reason  string `json:"reason"`
	Note    string `json:"note"`
}

func (a *CaseworkAPI) transition(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	c, err := staffCaller(req)
	if err != nil {
		return nil, err
	}
	var body TransitionRequest
	if err := req.DecodeJSON(&body, maxChangeBody); err != nil {
		return nil, err
	}
	if body.To == "" {
		return nil, apperr.InvalidField("to", "required: the stage to move to")
	}
	v, err := expectedVersion(req, body.Version)
	if err != nil {
		return nil, err
	}
	r := workflow.Request{To: claims.Stage(body.To), Reason: claims.CleanText(body.Reason), Note: claims.CleanText(body.Note)}
	if len([]rune(r.Reason)) > 2000 || len([]rune(r.Note)) > 2000 {
		return nil, apperr.InvalidField("reason", "at most 2000 characters (reason and note each)")
	}
	cl, err := a.Casework.Transition(ctx, c, req.Param("id"), v, r)
	if err != nil {
		return nil, err
	}
	return changed(req.Principal, cl), nil
}

// Transitions is the answer of GET /v1/claims/{id}/transitions: the moves
// out of the claim's stage as the caller sees them now. Allowed would
// succeed (those in ReasonRequired with a reason); Blocked would fail, each
// with the reason it would get.
type Transitions struct {
	Stage          claims.Stage       `json:"stage"`
	Version        int                `json:"version"`
	Allowed        []claims.Stage     `json:"allowed"`
	ReasonRequired []claims.Stage     `json:"reasonRequired"`
	Blocked        []workflow.Blocked `json:"blocked"`
}

func (a *CaseworkAPI) allowed(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	c, err := staffCaller(req)
	if err != nil {
		return nil, err
	}
	cl, opts, err := a.Casework.Moves(ctx, c, req.Param("id"))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, Transitions{Stage: cl.Stage, Version: cl.Version, Allowed: opts.Allowed,
		ReasonRequired: opts.ReasonRequired, Blocked: opts.Blocked}), nil
}

// DecisionRequest is the body of PUT /v1/claims/{id}/decision.
type DecisionRequest struct {
	Version           int               `json:"version"`
	WarrantyCase      bool              `json:"warrantyCase"`
	FaultParty        string            `json:"faultParty"`
	CulpritDepartment string            `json:"culpritDepartment"`
	CulpritEmployee   string            `json:"culpritEmployee"`
	RootCause         string            `json:"rootCause"`
	Resolution        claims.Resolution `json:"resolution"`
	Cost              claims.Money      `json:"cost"`
	Instructions      string            `json:"instructions"`
	// SolvedWith is the knowledge base article the decision followed.
	SolvedWith string `json:"solvedWith"`
	// Reason is required to change a recorded decision.
	Reason string `json:"reason"`
}

func (a *CaseworkAPI) decide(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	c, err := staffCaller(req)
	if err != nil {
		return nil, err
	}
	var body DecisionRequest
	if err := req.DecodeJSON(&body, maxChangeBody); err != nil {
		return nil, err
	}
	v, err := expectedVersion(req, body.Version)
	if err != nil {
		return nil, err
	}
	d := claims.Decision{
		WarrantyCase: body.WarrantyCase, FaultParty: body.FaultParty, CulpritDepartment: body.CulpritDepartment,
		CulpritEmployee: body.CulpritEmployee, RootCause: body.RootCause, Resolution: body.Resolution,
		Cost: claims.Money{Amount: body.Cost.Amount, Currency: strings.ToUpper(body.Cost.Currency)}, Instructions: body.Instructions,
		SolvedWith: body.SolvedWith,
	}
	if len([]rune(body.Reason)) > 2000 {
		return nil, apperr.InvalidField("reason", "at most 2000 characters")
	}
	cl, err := a.Casework.Decide(ctx, c, req.Param("id"), v, d, body.Reason)
	if err != nil {
		return nil, err
	}
	return changed(req.Principal, cl), nil
}

// AssignmentRequest is the body of POST /v1/claims/{id}/assignment.
type AssignmentRequest struct {
	Version  int    `json:"version"`
	Assignee string `json:"assignee"`
	Reason   string `json:"reason"`
}

func (a *CaseworkAPI) reassign(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	c, err := staffCaller(req)
	if err != nil {
		return nil, err
	}
	var body AssignmentRequest
	if err := req.DecodeJSON(&body, maxChangeBody); err != nil {
		return nil, err
	}
	if body.Assignee == "" {
		return nil, apperr.InvalidField("assignee", "required: the manager's user ID")
	}
	if len([]rune(body.Reason)) > 2000 {
		return nil, apperr.InvalidField("reason", "at most 2000 characters")
	}
	v, err := expectedVersion(req, body.Version)
	if err != nil {
		return nil, err
	}
	cl, err := a.Casework.Reassign(ctx, c, a.Roster, req.Param("id"), v, body.Assignee, body.Reason)
	if err != nil {
		return nil, err
	}
	return changed(req.Principal, cl), nil
}

// EditRequest is the body of PATCH /v1/claims/{id}.
type EditRequest struct {
	Version int `json:"version"`
	casework.FieldPatch
}

func (a *CaseworkAPI) edit(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	c, err := staffCaller(req)
	if err != nil {
		return nil, err
	}
	var body EditRequest
	if err := req.DecodeJSON(&body, maxChangeBody); err != nil {
		return nil, err
	}
	v, err := expectedVersion(req, body.Version)
	if err != nil {
		return nil, err
	}
	cl, err := a.Casework.EditFields(ctx, c, req.Param("id"), v, body.FieldPatch)
	if err != nil {
		return nil, err
	}
	return changed(req.Principal, cl), nil
}

// TaskRequest is the body of POST /v1/claims/{id}/tasks: a task for the
// investigation plan.
type TaskRequest struct {
	Version int       `json:"version"`
	Title   string    `json:"title"`
	Owner   string    `json:"owner"`
	Due     time.Time `json:"due"`
	Note    string    `json:"note"`
}

func (a *CaseworkAPI) addTask(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	c, err := staffCaller(req)
	if err != nil {
		return nil, err
	}
	var body TaskRequest
	if err := req.DecodeJSON(&body, maxChangeBody); err != nil {
		return nil, err
	}
	v, err := expectedVersion(req, body.Version)
	if err != nil {
		return nil, err
	}
	cl, err := a.Casework.AddPlanTask(ctx, c, req.Param("id"), v, casework.PlanTask{Title: body.Title, Owner: body.Owner, Due: body.Due, Note: body.Note})
	if err != nil {
		return nil, err
	}
	out := changed(req.Principal, cl)
	out.Status = http.StatusCreated
	return out, nil
}

// CompleteRequest is the body of POST /v1/claims/{id}/tasks/{taskId}/complete.
type CompleteRequest struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
}

func (a *CaseworkAPI) completeTask(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	c, err := staffCaller(req)
	if err != nil {
		return nil, err
	}
	var body CompleteRequest
	if err := req.DecodeJSON(&body, maxChangeBody); err != nil {
		return nil, err
	}
	if len([]rune(body.Note)) > 2000 {
		return nil, apperr.InvalidField("note", "at most 2000 characters")
	}
	v, err := expectedVersion(req, body.Version)
	if err != nil {
		return nil, err
	}
	cl, err := a.Casework.CompleteTask(ctx, c, req.Param("id"), v, req.Param("taskId"), body.Note)
	if err != nil {
		return nil, err
	}
	return changed(req.Principal, cl), nil
}

// DismissFlagRequest is the body of POST
// /v1/claims/{id}/flags/{kind}/dismissal.
type DismissFlagRequest struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
}

func (a *CaseworkAPI) dismissFlag(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	c, err := staffCaller(req)
	if err != nil {
		return nil, err
	}
	kind, err := claims.ParseFlagKind("kind", req.Param("kind"))
	if err != nil {
		return nil, err
	}
	var body DismissFlagRequest
	if err := req.DecodeJSON(&body, maxChangeBody); err != nil {
		return nil, err
	}
	v, err := expectedVersion(req, body.Version)
	if err != nil {
		return nil, err
	}
	cl, err := a.Casework.DismissFlag(ctx, c, req.Param("id"), v, kind, body.Note)
	if err != nil {
		return nil, err
	}
	return changed(req.Principal, cl), nil
}

// History is the answer of GET /v1/claims/{id}/history.
type History struct {
	ClaimID string `json:"claimId"`
	Version int    `json:"version"`
	// Head is the chain's head; left out for those who do not see the chain.
	Head   string         `json:"head,omitempty"`
	Events []claims.Event `json:"events"`
}

func (a *CaseworkAPI) history(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	d, err := a.Registry.Visible(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	events := d.History
	if events == nil {
		events = []claims.Event{}
	}
	return apigw.JSON(http.StatusOK, History{ClaimID: d.Claim.ID, Version: d.Claim.Version, Head: d.Claim.HistoryHash, Events: events}), nil
}

func (a *CaseworkAPI) verify(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := auth.Require(req.Principal, auth.Manager, auth.Supervisor, auth.Admin); err != nil {
		return nil, err
	}
	d, err := a.Registry.Visible(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, casework.Verify(&d.Claim, d.History)), nil
}

func (a *CaseworkAPI) worklist(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	w, err := a.Registry.Worklist(ctx, req.Principal, req.Query.Get("assignee"), req.Query.Get("cursor"), pageLimit(req))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, w), nil
}
