package sla

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
)

func mustConfig(t testing.TB, js string) *Config {
	t.Helper()
	c, err := ParseConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMatch(t *testing.T) {
	cfg := mustConfig(t, `{"policies": [
		{"id": "default", "firstResponseHours": 4, "resolutionHours": 80},
		{"id": "high", "priority": "high", "firstResponseHours": 2, "resolutionHours": 40},
		{"id": "transport", "categoryId": "transport", "firstResponseHours": 4, "resolutionHours": 60},
		{"id": "transport-critical", "categoryId": "transport", "priority": "critical", "firstResponseHours": 1, "resolutionHours": 20},
		{"id": "fire", "typeId": "fire", "firstResponseHours": 0.5, "resolutionHours": 16},
		{"id": "noise-high", "categoryId": "defect", "typeId": "noise", "priority": "high", "firstResponseHours": 1, "resolutionHours": 30}
	]}`)
	for _, tc := range []struct {
		category, typ string
		priority      catalog.Priority
		want          string
	}{
		{"defect", "noise", catalog.Normal, "default"},
		{"defect", "noise", catalog.Low, "default"},
		{"defect", "overheating", catalog.High, "high"},
		{"transport", "packaging_damage", catalog.High, "transport"}, // a category beats a priority
		{"transport", "packaging_damage", catalog.Critical, "transport-critical"},
		{"defect", "fire", catalog.Critical, "fire"}, // a type beats everything else
		{"defect", "fire", catalog.Low, "fire"},
		{"defect", "noise", catalog.High, "noise-high"},
		{"quantity", "shortage", catalog.Critical, "default"},
	} {
		cl := &claims.Claim{CategoryID: tc.category, TypeID: tc.typ, Priority: tc.priority}
		if got := cfg.Match(cl).ID; got != tc.want {
			t.Errorf("Match(%s/%s, %s) = %s, want %s", tc.category, tc.typ, tc.priority, got, tc.want)
		}
	}
	// Among equally specific policies the first in the file wins (only an
	// unvalidated config can have two).
	twins := &Config{Policies: []Policy{{ID: "a", Priority: catalog.High}, {ID: "b", Priority: catalog.High}}}
	if got := twins.Match(&claims.Claim{Priority: catalog.High}).ID; got != "a" {
		t.Errorf("Match among equals = %s, want the first, a", got)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	cfg := mustConfig(t, `{"policies": [{"id": "default", "firstResponseHours": 1.5, "resolutionHours": 8, "stageHours": {"new": 0.25}}]}`)
	p := cfg.Match(&claims.Claim{})
	if p.WarnAtPercent != DefaultWarnAtPercent {
		t.Errorf("warnAtPercent = %d, want the default %d", p.WarnAtPercent, DefaultWarnAtPercent)
	}
	if diff := cmp.Diff(DefaultStatutoryDays(), cfg.StatutoryDays); diff != "" {
		t.Errorf("statutory days mismatch (-want +got):\n%s", diff)
	}
	if p.FirstResponse() != 90*time.Minute || p.Resolution() != 8*time.Hour {
		t.Errorf("first response %v, resolution %v; want 1h30m, 8h", p.FirstResponse(), p.Resolution())
	}
	if d, ok := p.Stage("new"); !ok || d != 15*time.Minute {
		t.Errorf("Stage(new) = %v, %v; want 15m, true", d, ok)
	}
	if _, ok := p.Stage("diagnostics"); ok {
		t.Error("Stage(diagnostics) has a clock; the policy lists none")
	}
	off := mustConfig(t, `{"statutoryDays": {}, "policies": [{"id": "default", "firstResponseHours": 1, "resolutionHours": 8}]}`)
	if len(off.StatutoryDays) != 0 {
		t.Errorf("an empty statutoryDays became %v; want it kept empty (no statutory clock)", off.StatutoryDays)
	}
}

func TestConfigValidation(t *testing.T) {
	valid := func() map[string]any {
		return map[string]any{
			"statutoryDays": map[string]any{"refund": 10},
			"policies": []any{
				map[string]any{"id": "default", "firstResponseHours": 4, "resolutionHours": 80, "stageHours": map[string]any{"new": 4}},
				map[string]any{"id": "high", "priority": "high", "firstResponseHours": 2, "resolutionHours": 40},
				map[string]any{"id": "fire", "categoryId": "defect", "typeId": "fire", "firstResponseHours": 1, "resolutionHours": 16},
			},
		}
	}
	policy := func(m map[string]any, i int) map[string]any { return m["policies"].([]any)[i].(map[string]any) }
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
		want   []string
	}{
		{"valid", func(map[string]any) {}, nil},
		{"statutory days", func(m map[string]any) {
			m["statutoryDays"] = map[string]any{"refund": 0, "exchange": 5, "repair": 400}
		}, []string{"statutoryDays.exchange", "statutoryDays.refund", "statutoryDays.repair"}},
		{"no policies", func(m map[string]any) { m["policies"] = []any{} }, []string{"policies"}},
		{"no catch-all", func(m map[string]any) { m["policies"] = m["policies"].([]any)[1:] }, []string{"policies"}},
		{"ids", func(m map[string]any) {
			policy(m, 1)["id"] = "Fire!"
			policy(m, 2)["id"] = "default"
		}, []string{"policies[1].id", "policies[2].id"}},
		{"match keys", func(m map[string]any) {
			policy(m, 1)["priority"] = "urgent"
			policy(m, 2)["categoryId"] = " defect"
			policy(m, 2)["typeId"] = "fire "
		}, []string{"policies[1].priority", "policies[2].categoryId", "policies[2].typeId"}},
		{"same keys twice", func(m map[string]any) {
			policy(m, 2)["categoryId"], policy(m, 2)["typeId"], policy(m, 2)["priority"] = "", "", "high"
		}, []string{"policies[2]"}},
		{"hours", func(m map[string]any) {
			policy(m, 0)["firstResponseHours"] = 0
			policy(m, 0)["resolutionHours"] = 3000
			policy(m, 1)["resolutionHours"] = 1
		}, []string{"policies[0].firstResponseHours", "policies[0].resolutionHours", "policies[1].resolutionHours"}},
		{"stage hours", func(m map[string]any) {
			policy(m, 2)["stageHours"] = map[string]any{"diagnostics": -1, "closed": 1, "waiting_for_customer": 1, "triage": 2, "new": 1}
		}, []string{"policies[2].stageHours.closed", "policies[2].stageHours.diagnostics", "policies[2].stageHours.triage", "policies[2].stageHours.waiting_for_customer"}},
		{"warn percent", func(m map[string]any) {
			policy(m, 0)["warnAtPercent"] = 100
			policy(m, 1)["warnAtPercent"] = -5
		}, []string{"policies[0].warnAtPercent", "policies[1].warnAtPercent"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := valid()
			tc.change(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseConfig(b)
			if diff := cmp.Diff(tc.want, fieldsOf(t, err)); diff != "" {
				t.Errorf("failing fields mismatch (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

func TestCheckCatalog(t *testing.T) {
	cat := &catalog.Catalog{
		Categories: []catalog.Category{{ID: "defect"}, {ID: "transport"}},
		Types:      []catalog.Type{{ID: "fire", CategoryID: "defect"}, {ID: "product_damage", CategoryID: "transport"}},
	}
	cfg := mustConfig(t, `{"policies": [
		{"id": "default", "firstResponseHours": 4, "resolutionHours": 80},
		{"id": "a", "categoryId": "defect", "typeId": "fire", "firstResponseHours": 1, "resolutionHours": 8},
		{"id": "b", "categoryId": "transport", "typeId": "fire", "firstResponseHours": 1, "resolutionHours": 8},
		{"id": "c", "categoryId": "software", "firstResponseHours": 1, "resolutionHours": 8},
		{"id": "d", "typeId": "smoke", "firstResponseHours": 1, "resolutionHours": 8}
	]}`)
	want := []string{"policies[2].typeId", "policies[3].categoryId", "policies[4].typeId"}
	if diff := cmp.Diff(want, fieldsOf(t, cfg.CheckCatalog(cat))); diff != "" {
		t.Errorf("failing fields mismatch (-want +got):\n%s", diff)
	}
}
