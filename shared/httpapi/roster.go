package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// RosterStore keeps the roster of claims managers and customers' personal
// managers.
type RosterStore interface {
	// Roster returns every manager, sorted by ID.
	Roster(ctx context.Context) (*assignment.Roster, error)
	// ManagerByID returns apperr.NotFound for an unknown manager.
	ManagerByID(ctx context.Context, id string) (*assignment.Manager, error)
	// PutManager creates or replaces a manager.
	PutManager(ctx context.Context, m assignment.Manager) error
	// UpdateManager edits a stored manager without losing concurrent
	// edits; apperr.NotFound for an unknown manager.
	UpdateManager(ctx context.Context, id string, change func(m *assignment.Manager) error) (*assignment.Manager, error)
	// SetPersonalManager returns apperr.NotFound for an unknown customer.
	SetPersonalManager(ctx context.Context, customerID, managerID string) error
}

// RosterAPI manages the claims managers: skills, the responsibility matrix,
// availability calendars, and customers' personal managers.
type RosterAPI struct {
	Store      RosterStore
	Categories catalog.Source
	// Now is the current time in the company's time zone, which decides
	// what "today" is for availability (nil: time.Now).
	Now func() time.Time
}

// Register adds the roster routes.
func (a *RosterAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/managers", a.list)
	r.Handle("GET /v1/managers/{id}", a.get)
	r.Handle("PUT /v1/managers/{id}", a.put)
	r.Handle("PUT /v1/managers/{id}/absences", a.putAbsences)
	r.Handle("PUT /v1/customers/{id}/personal-manager", a.putPersonalManager)
}

// ManagerView is a manager as the API shows it, with today's availability.
type ManagerView struct {
	assignment.Manager
	// AvailableToday: active and not absent today.
	AvailableToday bool `json:"availableToday"`
	// StandIn is who takes the manager's claims today when the manager is
	// away ("" when present, or when the matrix leads to nobody available).
	StandIn string `json:"standIn,omitempty"`
}

// ManagerList is the body of GET /v1/managers.
type ManagerList struct {
	Managers []ManagerView `json:"managers"`
}

// AbsencesRequest is the body of PUT /v1/managers/{id}/absences: the whole
// calendar, replacing the stored one.
type AbsencesRequest struct {
	Absences []assignment.Absence `json:"absences"`
}

// customerIDPattern is the shape of a customer ID (intake.CustomerID).
var customerIDPattern = lazyre.New(`^CUS-[0-9A-Z]{13}$`)

// PersonalManagerRequest is the body of PUT
// /v1/customers/{id}/personal-manager; an empty managerId removes it.
type PersonalManagerRequest struct {
	ManagerID *string `json:"managerId"`
}

// PersonalManagerResponse confirms a customer's personal manager.
type PersonalManagerResponse struct {
	CustomerID string `json:"customerId"`
	ManagerID  string `json:"managerId"`
}

func (a *RosterAPI) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *RosterAPI) view(r *assignment.Roster, m assignment.Manager, today time.Time) ManagerView {
	v := ManagerView{Manager: m, AvailableToday: r.Available(m.ID, today)}
	if m.Absences == nil {
		v.Absences = []assignment.Absence{}
	}
	if v.Categories == nil {
		v.Categories = []string{}
	}
	if v.ProductLines == nil {
		v.ProductLines = []string{}
	}
	if !v.AvailableToday {
		if chain := r.Substitutes(m.ID, today); len(chain) > 0 && r.Available(chain[len(chain)-1], today) {
			v.StandIn = chain[len(chain)-1]
		}
	}
	return v
}

// rosterSelf reports whether the caller is the manager id.
func rosterSelf(req *apigw.Request, id string) bool {
	return req.Principal != nil && req.Principal.Has(auth.Manager) && req.Principal.UserID == id
}

func (a *RosterAPI) list(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := auth.Require(req.Principal, auth.Supervisor, auth.Admin); err != nil {
		return nil, err
	}
	r, err := a.Store.Roster(ctx)
	if err != nil {
		return nil, err
	}
	today := a.now()
	out := ManagerList{Managers: make([]ManagerView, 0, len(r.Managers))}
	for _, m := range r.Managers {
		out.Managers = append(out.Managers, a.view(r, m, today))
	}
	return apigw.JSON(http.StatusOK, out), nil
}

// get shows one manager to supervisors and administrators, and to the
// manager themself.
func (a *RosterAPI) get(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	id := req.Param("id")
	if !rosterSelf(req, id) {
		if err := auth.Require(req.Principal, auth.Supervisor, auth.Admin); err != nil {
			return nil, err
		}
	}
	r, err := a.Store.Roster(ctx)
	if err != nil {
		return nil, err
	}
	m, ok := r.Manager(id)
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "manager %s not found", id)
	}
	return apigw.JSON(http.StatusOK, a.view(r, *m, a.now())), nil
}

// put creates or replaces a manager's profile. The calendar is kept when
// the body has no "absences" and replaced when it has.
func (a *RosterAPI) put(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := auth.Require(req.Principal, auth.Supervisor, auth.Admin); err != nil {
		return nil, err
	}
	// The body is a manager; the read-only fields of ManagerView are
	// accepted and ignored, so what GET returns can be PUT back.
	var body ManagerView
	if err := req.DecodeJSON(&body, 64<<10); err != nil {
		return nil, err
	}
	m := body.Manager
	id := req.Param("id")
	if m.ID == "" {
		m.ID = id
	}
	if m.ID != id {
		return nil, apperr.InvalidField("id", "must match the URL")
	}
	if err := assignment.ValidateManager(&m); err != nil {
		return nil, err
	}
	cat, err := a.Categories.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	r, err := a.Store.Roster(ctx)
	if err != nil {
		return nil, err
	}
	var f []apperr.FieldError
	for i, c := range m.Categories {
		if _, ok := cat.Category(c); !ok {
			f = append(f, apperr.FieldError{Field: fmt.Sprintf("categories[%d]", i), Message: fmt.Sprintf("unknown category %q", c)})
		}
	}
	if m.Substitute != "" {
		if _, ok := r.Manager(m.Substitute); !ok {
			f = append(f, apperr.FieldError{Field: "substitute", Message: fmt.Sprintf("unknown manager %q", m.Substitute)})
		}
	}
	if err := apperr.Validation(f); err != nil {
		return nil, err
	}
	_, exists := r.Manager(id)
	switch {
	case exists && m.Absences == nil:
		stored, err := a.Store.UpdateManager(ctx, id, func(cur *assignment.Manager) error {
			absences := cur.Absences
			*cur = m
			cur.Absences = absences
			return nil
		})
		if err != nil {
			return nil, err
		}
		m = *stored
	default:
		if m.Absences == nil {
			m.Absences = []assignment.Absence{}
		}
		if err := a.Store.PutManager(ctx, m); err != nil {
			return nil, err
		}
	}
	status := http.StatusOK
	if !exists {
		status = http.StatusCreated
	}
	if i := slices.IndexFunc(r.Managers, func(x assignment.Manager) bool { return x.ID == id }); i >= 0 {
		r.Managers[i] = m
	} else {
		r.Managers = append(r.Managers, m)
	}
	res := apigw.JSON(status, a.view(r, m, a.now()))
	if !exists {
		res.Headers["location"] = "/v1/managers/" + id
	}
	return res, nil
}

// putAbsences replaces a manager's calendar: supervisors and administrators
// for anyone, a manager for themself.
func (a *RosterAPI) putAbsences(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	id := req.Param("id")
	if !rosterSelf(req, id) {
		if err := auth.Require(req.Principal, auth.Supervisor, auth.Admin); err != nil {
			return nil, err
		}
	}
	var body AbsencesRequest
	if err := req.DecodeJSON(&body, 64<<10); err != nil {
		return nil, err
	}
	if body.Absences == nil {
		return nil, apperr.InvalidField("absences", "the list is required (empty to clear the calendar)")
	}
	if err := assignment.ValidateAbsences(body.Absences); err != nil {
		return nil, err
	}
	m, err := a.Store.UpdateManager(ctx, id, func(m *assignment.Manager) error {
		m.Absences = body.Absences
		return nil
	})
	if err != nil {
		return nil, err
	}
	r, err := a.Store.Roster(ctx)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, a.view(r, *m, a.now())), nil
}

// putPersonalManager records who is the customer's own manager, so that
// assignment keeps them away from the customer's claims. The manager need
// not be on the claims roster (it is usually a sales manager); the ID is
// only checked for shape.
func (a *RosterAPI) putPersonalManager(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := requireCompanySystem(req.Principal, auth.Supervisor, auth.Admin, auth.Integration); err != nil {
		return nil, err
	}
	customer := req.Param("id")
	if !customerIDPattern.MatchString(customer) {
		return nil, apperr.Errorf(apperr.NotFound, "customer not found")
	}
	var body PersonalManagerRequest
	if err := req.DecodeJSON(&body, 4<<10); err != nil {
		return nil, err
	}
	if body.ManagerID == nil {
		return nil, apperr.InvalidField("managerId", `required: the manager's user ID or email ("" removes it)`)
	}
	manager := assignment.PersonalKey(*body.ManagerID)
	if manager != "" && !assignment.ValidID(manager) {
		return nil, apperr.InvalidField("managerId", "a user ID or email address")
	}
	if err := a.Store.SetPersonalManager(ctx, customer, manager); err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, PersonalManagerResponse{CustomerID: customer, ManagerID: manager}), nil
}
