package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
)

// fakeRosterStore is an in-memory RosterStore.
type fakeRosterStore struct {
	mu       sync.Mutex
	managers map[string]assignment.Manager
	// personal maps the customers that have a profile to their personal
	// manager ("" for none).
	personal map[string]string
}

func (f *fakeRosterStore) Roster(context.Context) (*assignment.Roster, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &assignment.Roster{Managers: []assignment.Manager{}}
	for _, m := range f.managers {
		r.Managers = append(r.Managers, m)
	}
	r.Sort()
	return r, nil
}

func (f *fakeRosterStore) ManagerByID(_ context.Context, id string) (*assignment.Manager, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.managers[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "manager %s not found", id)
	}
	return &m, nil
}

func (f *fakeRosterStore) PutManager(_ context.Context, m assignment.Manager) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.managers[m.ID] = m
	return nil
}

func (f *fakeRosterStore) UpdateManager(_ context.Context, id string, change func(*assignment.Manager) error) (*assignment.Manager, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.managers[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "manager %s not found", id)
	}
	if err := change(&m); err != nil {
		return nil, err
	}
	m.ID = id
	f.managers[id] = m
	return &m, nil
}

func (f *fakeRosterStore) SetPersonalManager(_ context.Context, customerID, managerID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.personal[customerID]; !ok {
		return apperr.Errorf(apperr.NotFound, "customer %s not found", customerID)
	}
	f.personal[customerID] = managerID
	return nil
}

type fakeRosterCatalog struct{ cat *catalog.Catalog }

func (f fakeRosterCatalog) Catalog(context.Context) (*catalog.Catalog, error) { return f.cat, nil }

// rosterToday is the fixed "now" of the roster API under test.
var rosterToday = time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)

func rosterTestManager(id, sub string, cats ...string) assignment.Manager {
	return assignment.Manager{ID: id, Name: "Менеджер " + id, Email: id + "@claimsdesk.example", Active: true,
		Categories: cats, ProductLines: []string{}, Substitute: sub, Absences: []assignment.Absence{}}
}

// newRosterFixture returns a router with the roster API on a store holding
// m1 (on vacation today, substituted by m2), m2 and m3, and one customer.
func newRosterFixture() (*apigw.Router, *fakeRosterStore) {
	m1 := rosterTestManager("m1", "m2", "defect")
	m1.Absences = []assignment.Absence{{From: "2026-03-09", To: "2026-03-15", Kind: assignment.Vacation}}
	store := &fakeRosterStore{
		managers: map[string]assignment.Manager{"m1": m1, "m2": rosterTestManager("m2", "m3", "defect", "transport"), "m3": rosterTestManager("m3", "", "transport")},
		personal: map[string]string{"CUS-0000000000001": ""},
	}
	cat := &catalog.Catalog{Categories: []catalog.Category{{ID: "defect", Active: true}, {ID: "transport", Active: true}}}
	r := apigw.NewRouter(slog.New(slog.NewTextHandler(io.Discard, nil)))
	(&RosterAPI{Store: store, Categories: fakeRosterCatalog{cat}, Now: func() time.Time { return rosterToday }}).Register(r)
	return r, store
}

// rosterCaller is who sends a request: a user ID and the user's group ("" for
// nobody signed in).
type rosterCaller struct{ id, role string }

var (
	rosterAnonymous  = rosterCaller{}
	rosterDealer     = rosterCaller{"dealer-1", "dealers"}
	rosterManager1   = rosterCaller{"m1", "managers"}
	rosterManager2   = rosterCaller{"m2", "managers"}
	rosterSupervisor = rosterCaller{"supervisor-1", "supervisors"}
	rosterAdmin      = rosterCaller{"admin-1", "admins"}
	rosterERP        = rosterCaller{"erp", "integrations"}
)

type rosterResponse struct {
	status  int
	headers map[string]string
	body    []byte
}

// fields returns the field names of an error body.
func (r rosterResponse) fields(t *testing.T) []string {
	t.Helper()
	var b apigw.ErrorBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("not an error body (%d): %s", r.status, r.body)
	}
	var out []string
	for _, f := range b.Error.Fields {
		out = append(out, f.Field)
	}
	sort.Strings(out)
	return out
}

// callRoster sends a request to the route routeKey ("PUT /v1/managers/{id}") with
// the path parameters filled in.
func callRoster(t *testing.T, r *apigw.Router, who rosterCaller, routeKey string, params map[string]string, body any) rosterResponse {
	t.Helper()
	method, path, _ := strings.Cut(routeKey, " ")
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	ev := events.APIGatewayV2HTTPRequest{RouteKey: routeKey, RawPath: path, PathParameters: params,
		Headers: map[string]string{"content-type": "application/json"}}
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.RequestID = "req-1"
	if who.id != "" {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": who.id, "cognito:groups": "[" + who.role + "]"}},
		}
	}
	switch b := body.(type) {
	case nil:
	case string:
		ev.Body = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		ev.Body = string(raw)
	}
	res, err := r.Serve(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return rosterResponse{status: res.StatusCode, headers: res.Headers, body: []byte(res.Body)}
}

func TestRosterRoles(t *testing.T) {
	absences := AbsencesRequest{Absences: []assignment.Absence{{From: "2026-04-01", To: "2026-04-03", Kind: assignment.SickLeave}}}
	tests := []struct {
		name     string
		who      rosterCaller
		routeKey string
		id       string
		body     any
		want     int
	}{
		{"list: anonymous", rosterAnonymous, "GET /v1/managers", "", nil, http.StatusUnauthorized},
		{"list: dealer", rosterDealer, "GET /v1/managers", "", nil, http.StatusForbidden},
		{"list: manager", rosterManager1, "GET /v1/managers", "", nil, http.StatusForbidden},
		{"list: integration", rosterERP, "GET /v1/managers", "", nil, http.StatusForbidden},
		{"list: supervisor", rosterSupervisor, "GET /v1/managers", "", nil, http.StatusOK},
		{"list: admin", rosterAdmin, "GET /v1/managers", "", nil, http.StatusOK},
		{"get: the manager themself", rosterManager1, "GET /v1/managers/{id}", "m1", nil, http.StatusOK},
		{"get: another manager", rosterManager2, "GET /v1/managers/{id}", "m1", nil, http.StatusForbidden},
		{"get: dealer", rosterDealer, "GET /v1/managers/{id}", "m1", nil, http.StatusForbidden},
		{"get: supervisor", rosterSupervisor, "GET /v1/managers/{id}", "m1", nil, http.StatusOK},
		{"put: the manager themself", rosterManager1, "PUT /v1/managers/{id}", "m1", rosterTestManager("m1", "", "defect"), http.StatusForbidden},
		{"put: integration", rosterERP, "PUT /v1/managers/{id}", "m1", rosterTestManager("m1", "", "defect"), http.StatusForbidden},
		{"put: supervisor", rosterSupervisor, "PUT /v1/managers/{id}", "m1", rosterTestManager("m1", "", "defect"), http.StatusOK},
		{"put: admin", rosterAdmin, "PUT /v1/managers/{id}", "m1", rosterTestManager("m1", "", "defect"), http.StatusOK},
		{"absences: the manager themself", rosterManager1, "PUT /v1/managers/{id}/absences", "m1", absences, http.StatusOK},
		{"absences: another manager", rosterManager2, "PUT /v1/managers/{id}/absences", "m1", absences, http.StatusForbidden},
		{"absences: dealer", rosterDealer, "PUT /v1/managers/{id}/absences", "m1", absences, http.StatusForbidden},
		{"absences: supervisor", rosterSupervisor, "PUT /v1/managers/{id}/absences", "m1", absences, http.StatusOK},
		{"absences: admin", rosterAdmin, "PUT /v1/managers/{id}/absences", "m1", absences, http.StatusOK},
		{"personal manager: supervisor", rosterSupervisor, "PUT /v1/customers/{id}/personal-manager", "CUS-0000000000001", PersonalManagerRequest{new("sales-7")}, http.StatusOK},
		{"personal manager: integration", rosterERP, "PUT /v1/customers/{id}/personal-manager", "CUS-0000000000001", PersonalManagerRequest{new("sales-7")}, http.StatusOK},
		{"personal manager: admin", rosterAdmin, "PUT /v1/customers/{id}/personal-manager", "CUS-0000000000001", PersonalManagerRequest{new("sales-7")}, http.StatusOK},
		{"personal manager: manager", rosterManager1, "PUT /v1/customers/{id}/personal-manager", "CUS-0000000000001", PersonalManagerRequest{new("m1")}, http.StatusForbidden},
		{"personal manager: anonymous", rosterAnonymous, "PUT /v1/customers/{id}/personal-manager", "CUS-0000000000001", PersonalManagerRequest{new("m1")}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, store := newRosterFixture()
			before, _ := store.Roster(context.Background())
			var params map[string]string
			if tt.id != "" {
				params = map[string]string{"id": tt.id}
			}
			res := callRoster(t, r, tt.who, tt.routeKey, params, tt.body)
			if res.status != tt.want {
				t.Fatalf("status %d, want %d: %s", res.status, tt.want, res.body)
			}
			if tt.want >= 400 {
				after, _ := store.Roster(context.Background())
				if diff := cmp.Diff(before, after); diff != "" || store.personal["CUS-0000000000001"] != "" {
					t.Errorf("a refused request changed the store (-before +after):\n%s", diff)
				}
			}
		})
	}
}

func TestRosterValidation(t *testing.T) {
	tests := []struct {
		name     string
		routeKey string
		id       string
		body     any
		fields   []string
	}{
		{"unknown category", "PUT /v1/managers/{id}", "m3", rosterTestManager("m3", "", "transport", "weather"), []string{"categories[1]"}},
		{"unknown substitute", "PUT /v1/managers/{id}", "m3", rosterTestManager("m3", "m9", "transport"), []string{"substitute"}},
		{"substitute is the manager", "PUT /v1/managers/{id}", "m3", rosterTestManager("m3", "m3", "transport"), []string{"substitute"}},
		{"id differs from the URL", "PUT /v1/managers/{id}", "m3", rosterTestManager("m2", "", "transport"), []string{"id"}},
		{"several fields", "PUT /v1/managers/{id}", "m4", assignment.Manager{Name: " ", Email: "not-an-email", Categories: []string{"defect"},
			Absences: []assignment.Absence{{From: "2026-05-02", To: "2026-05-01", Kind: "holiday"}}}, []string{"absences[0].kind", "absences[0].to", "email", "name"}},
		{"unknown field", "PUT /v1/managers/{id}", "m3", `{"id":"m3","skills":["defect"]}`, []string{"skills"}},
		{"absence dates", "PUT /v1/managers/{id}/absences", "m1", AbsencesRequest{Absences: []assignment.Absence{
			{From: "2026-05-01", To: "2026-05-03", Kind: assignment.Vacation},
			{From: "2026-05-10", To: "2026-05-09", Kind: assignment.SickLeave},
			{From: "tomorrow", To: "2026-05-09", Kind: "trip"},
		}}, []string{"absences[1].to", "absences[2].from", "absences[2].kind"}},
		{"absences missing", "PUT /v1/managers/{id}/absences", "m1", `{}`, []string{"absences"}},
		{"personal manager id", "PUT /v1/customers/{id}/personal-manager", "CUS-0000000000001", PersonalManagerRequest{new("not an id")}, []string{"managerId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, store := newRosterFixture()
			before, _ := store.Roster(context.Background())
			res := callRoster(t, r, rosterSupervisor, tt.routeKey, map[string]string{"id": tt.id}, tt.body)
			if res.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", res.status, res.body)
			}
			if diff := cmp.Diff(tt.fields, res.fields(t)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
			after, _ := store.Roster(context.Background())
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("an invalid request changed the roster (-before +after):\n%s", diff)
			}
		})
	}
}

func TestRosterNotFound(t *testing.T) {
	tests := []struct {
		name     string
		who      rosterCaller
		routeKey string
		id       string
		body     any
	}{
		{"get", rosterSupervisor, "GET /v1/managers/{id}", "m9", nil},
		{"get self, not on the roster", rosterCaller{"m9", "managers"}, "GET /v1/managers/{id}", "m9", nil},
		{"absences", rosterSupervisor, "PUT /v1/managers/{id}/absences", "m9", AbsencesRequest{Absences: []assignment.Absence{}}},
		{"personal manager of an unknown customer", rosterERP, "PUT /v1/customers/{id}/personal-manager", "CUS-9", PersonalManagerRequest{new("m1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := newRosterFixture()
			res := callRoster(t, r, tt.who, tt.routeKey, map[string]string{"id": tt.id}, tt.body)
			if res.status != http.StatusNotFound {
				t.Errorf("status %d, want 404: %s", res.status, res.body)
			}
		})
	}
}

func decodeRosterView(t *testing.T, res rosterResponse) ManagerView {
	t.Helper()
	var v ManagerView
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatalf("decode %s: %v", res.body, err)
	}
	return v
}

func TestRosterListShowsAvailability(t *testing.T) {
	r, _ := newRosterFixture()
	res := callRoster(t, r, rosterSupervisor, "GET /v1/managers", nil, nil)
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	var list ManagerList
	if err := json.Unmarshal(res.body, &list); err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID, StandIn string
		Available   bool
	}
	var got []row
	for _, m := range list.Managers {
		got = append(got, row{m.ID, m.StandIn, m.AvailableToday})
	}
	want := []row{{"m1", "m2", false}, {"m2", "", true}, {"m3", "", true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("list mismatch (-want +got):\n%s", diff)
	}
}

func TestRosterPutManager(t *testing.T) {
	r, store := newRosterFixture()

	// Create.
	m4 := rosterTestManager("m4", "m1", "defect")
	m4.Name, m4.Email, m4.ProductLines = "  Олег  Смирнов ", "O.Smirnov@ClaimsDesk.example", []string{" Heaters "}
	res := callRoster(t, r, rosterSupervisor, "PUT /v1/managers/{id}", map[string]string{"id": "m4"}, m4)
	if res.status != http.StatusCreated || res.headers["location"] != "/v1/managers/m4" {
		t.Fatalf("create: status %d, location %q: %s", res.status, res.headers["location"], res.body)
	}
	want := rosterTestManager("m4", "m1", "defect")
	want.Name, want.Email, want.ProductLines = "Олег Смирнов", "o.smirnov@claimsdesk.example", []string{"Heaters"}
	if diff := cmp.Diff(want, store.managers["m4"]); diff != "" {
		t.Errorf("stored manager mismatch (-want +got):\n%s", diff)
	}
	if v := decodeRosterView(t, res); !v.AvailableToday || v.ID != "m4" {
		t.Errorf("created view %+v", v)
	}

	// Replace without "absences": m1's vacation is kept.
	res = callRoster(t, r, rosterAdmin, "PUT /v1/managers/{id}", map[string]string{"id": "m1"},
		`{"name":"Ирина Соколова","email":"manager-1@claimsdesk.example","categories":["defect","transport"],"productLines":[],"active":true,"substitute":"m3"}`)
	if res.status != http.StatusOK {
		t.Fatalf("replace: status %d: %s", res.status, res.body)
	}
	m1 := store.managers["m1"]
	if len(m1.Absences) != 1 || m1.Substitute != "m3" || len(m1.Categories) != 2 {
		t.Errorf("after replace m1 = %+v", m1)
	}
	if v := decodeRosterView(t, res); v.AvailableToday || v.StandIn != "m3" {
		t.Errorf("replace view: available %v, stand-in %q; want away, m3", v.AvailableToday, v.StandIn)
	}

	// What GET returns can be PUT back; given "absences" replace the calendar.
	got := callRoster(t, r, rosterSupervisor, "GET /v1/managers/{id}", map[string]string{"id": "m1"}, nil)
	var view map[string]any
	if err := json.Unmarshal(got.body, &view); err != nil {
		t.Fatal(err)
	}
	view["absences"] = []any{}
	res = callRoster(t, r, rosterSupervisor, "PUT /v1/managers/{id}", map[string]string{"id": "m1"}, view)
	if res.status != http.StatusOK {
		t.Fatalf("put back: status %d: %s", res.status, res.body)
	}
	if m1 := store.managers["m1"]; len(m1.Absences) != 0 {
		t.Errorf("absences not replaced: %+v", m1.Absences)
	}
	if v := decodeRosterView(t, res); !v.AvailableToday || v.StandIn != "" {
		t.Errorf("back from vacation: %+v", v)
	}
}

func TestRosterPutAbsencesAndPersonalManager(t *testing.T) {
	r, store := newRosterFixture()
	body := AbsencesRequest{Absences: []assignment.Absence{
		{From: "2026-03-10", To: "2026-03-10", Kind: assignment.SickLeave, Note: "  температура "},
	}}
	res := callRoster(t, r, rosterManager2, "PUT /v1/managers/{id}/absences", map[string]string{"id": "m2"}, body)
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	want := []assignment.Absence{{From: "2026-03-10", To: "2026-03-10", Kind: assignment.SickLeave, Note: "температура"}}
	if diff := cmp.Diff(want, store.managers["m2"].Absences); diff != "" {
		t.Errorf("stored absences mismatch (-want +got):\n%s", diff)
	}
	if v := decodeRosterView(t, res); v.AvailableToday || v.StandIn != "m3" {
		t.Errorf("m2 sick today: available %v, stand-in %q; want m3", v.AvailableToday, v.StandIn)
	}
	if store.managers["m2"].Name != "Менеджер m2" || len(store.managers["m2"].Categories) != 2 {
		t.Errorf("the profile changed with the calendar: %+v", store.managers["m2"])
	}

	res = callRoster(t, r, rosterERP, "PUT /v1/customers/{id}/personal-manager", map[string]string{"id": "CUS-0000000000001"}, PersonalManagerRequest{new("m2")})
	if res.status != http.StatusOK || store.personal["CUS-0000000000001"] != "m2" {
		t.Fatalf("set: status %d, stored %q: %s", res.status, store.personal["CUS-0000000000001"], res.body)
	}
	var pm PersonalManagerResponse
	if err := json.Unmarshal(res.body, &pm); err != nil || pm != (PersonalManagerResponse{"CUS-0000000000001", "m2"}) {
		t.Errorf("response %s (%v)", res.body, err)
	}
	res = callRoster(t, r, rosterSupervisor, "PUT /v1/customers/{id}/personal-manager", map[string]string{"id": "CUS-0000000000001"}, PersonalManagerRequest{new("")})
	if res.status != http.StatusOK || store.personal["CUS-0000000000001"] != "" {
		t.Errorf("clear: status %d, stored %q", res.status, store.personal["CUS-0000000000001"])
	}
	// A body without managerId is refused rather than read as "remove".
	res = callRoster(t, r, rosterSupervisor, "PUT /v1/customers/{id}/personal-manager", map[string]string{"id": "CUS-0000000000001"}, PersonalManagerRequest{})
	if res.status != http.StatusBadRequest {
		t.Errorf("no managerId: status %d, want 400", res.status)
	}
}
