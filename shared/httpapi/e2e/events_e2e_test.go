package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// invoke sends an event to a function through the stack's Lambda Invoke
// API (the function's real bootstrap and handler) and returns its answer.
func invoke(t *testing.T, fn string, event []byte) []byte {
	t.Helper()
	res, err := http.Post(local.ServicesURL+"/2015-03-31/functions/"+fn+"/invocations", "application/json", bytes.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("X-Amz-Function-Error") != "" {
		t.Fatalf("invoke %s = %d (%s) %s", fn, res.StatusCode, res.Header.Get("X-Amz-Function-Error"), body)
	}
	return body
}

// TestSampleEventsReplay replays every sample event in events/ through its
// function's handler (what `make invoke` and `sam local invoke` send) and
// checks what the function does with it.
func TestSampleEventsReplay(t *testing.T) {
	dir := filepath.Join(st.ModuleRoot(t), "events")
	read := func(fn string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, fn+".json"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	type apiAnswer struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	api := func(t *testing.T, fn, want string) {
		var out apiAnswer
		if err := json.Unmarshal(invoke(t, fn, read(fn)), &out); err != nil {
			t.Fatal(err)
		}
		if out.StatusCode != 200 || !strings.Contains(out.Body, want) {
			t.Errorf("%s answered %d %.300s, want 200 with %s", fn, out.StatusCode, out.Body, want)
		}
	}
	cases := map[string]func(t *testing.T){
		"PublicFunction":    func(t *testing.T) { api(t, "PublicFunction", `"ok"`) },
		"ClaimsFunction":    func(t *testing.T) { api(t, "ClaimsFunction", `"dealer-1"`) },
		"AdminFunction":     func(t *testing.T) { api(t, "AdminFunction", `"categories"`) },
		"ReportsFunction":   func(t *testing.T) { api(t, "ReportsFunction", `"name":"dynamics"`) },
		"KnowledgeFunction": func(t *testing.T) { api(t, "KnowledgeFunction", `"items":[]`) },
		"AnalyticsFunction": func(t *testing.T) {
			var out struct {
				BatchItemFailures []any `json:"batchItemFailures"`
			}
			if err := json.Unmarshal(invoke(t, "AnalyticsFunction", read("AnalyticsFunction")), &out); err != nil {
				t.Fatal(err)
			}
			if len(out.BatchItemFailures) != 0 {
				t.Errorf("failed items %v", out.BatchItemFailures)
			}
		},
		"ExportsFunction": func(t *testing.T) {
			// The sample names a job that was never stored: the message is
			// taken (no failed item), as a job's late redelivery would be.
			var out struct {
				BatchItemFailures []any `json:"batchItemFailures"`
			}
			if err := json.Unmarshal(invoke(t, "ExportsFunction", read("ExportsFunction")), &out); err != nil {
				t.Fatal(err)
			}
			if len(out.BatchItemFailures) != 0 {
				t.Errorf("failed items %v", out.BatchItemFailures)
			}
		},
		"NotifierFunction": func(t *testing.T) {
			var out struct {
				BatchItemFailures []any `json:"batchItemFailures"`
			}
			if err := json.Unmarshal(invoke(t, "NotifierFunction", read("NotifierFunction")), &out); err != nil {
				t.Fatal(err)
			}
			if len(out.BatchItemFailures) != 0 {
				t.Errorf("failed items %v", out.BatchItemFailures)
			}
			if m := mailAbout(local.OutboxDir, "customer@example.com", "RC-2026-000001 принята"); m == nil {
				t.Error("the sample mail is not in the outbox")
			}
		},
		"RelayFunction": func(t *testing.T) {
			var out map[string]any
			if err := json.Unmarshal(invoke(t, "RelayFunction", read("RelayFunction")), &out); err != nil {
				t.Fatal(err)
			}
			if _, ok := out["republished"]; !ok {
				t.Errorf("relay answered %v", out)
			}
		},
		"SlaFunction": func(t *testing.T) {
			var out map[string]any
			if err := json.Unmarshal(invoke(t, "SlaFunction", read("SlaFunction")), &out); err != nil {
				t.Fatal(err)
			}
			if _, ok := out["read"]; !ok {
				t.Errorf("SLA check answered %v", out)
			}
		},
		"ReportMailFunction": func(t *testing.T) {
			var out map[string]any
			if err := json.Unmarshal(invoke(t, "ReportMailFunction", read("ReportMailFunction")), &out); err != nil {
				t.Fatal(err)
			}
			if _, ok := out["due"]; !ok {
				t.Errorf("report mail run answered %v", out)
			}
		},
		"SeedFunction": func(t *testing.T) {
			// The custom resource answers CloudFormation at the event's
			// ResponseURL: point it here.
			var mu sync.Mutex
			var got map[string]any
			cfn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				_ = json.NewDecoder(r.Body).Decode(&got)
			}))
			defer cfn.Close()
			var ev map[string]any
			if err := json.Unmarshal(read("SeedFunction"), &ev); err != nil {
				t.Fatal(err)
			}
			ev["ResponseURL"] = cfn.URL + "/response"
			b, _ := json.Marshal(ev)
			invoke(t, "SeedFunction", b)
			mu.Lock()
			defer mu.Unlock()
			if got["Status"] != "SUCCESS" {
				t.Errorf("CloudFormation got %v, want SUCCESS", got)
			}
		},
	}
	for _, f := range files {
		fn := strings.TrimSuffix(filepath.Base(f), ".json")
		covered[fn] = true
		check, ok := cases[fn]
		if !ok {
			t.Errorf("events/%s.json is replayed by no test", fn)
			continue
		}
		t.Run(fn, check)
	}
	for _, fn := range local.Model.Functions {
		if !covered[fn.LogicalID] {
			t.Errorf("function %s has no sample event in events/", fn.LogicalID)
		}
	}
}
