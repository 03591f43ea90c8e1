package chat_test

import (
	"testing"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/chat"
	"github.com/claimsdesk/backend/shared/chat/chattest"
)

// TestNewRefusesEachMissingDependency: a chat without its change path, the
// bucket its files are checked in (a typed nil included), the catalog or
// the claims it reads is never built; New names what is missing.
func TestNewRefusesEachMissingDependency(t *testing.T) {
	env := chattest.NewEnv()
	cat := chattest.Catalog{C: chattest.TestCatalog()}
	full := chat.Config{Work: env.Work, Files: env.Files, Catalog: cat, Details: env.Store}
	var (
		nilWork  *casework.Service
		nilFiles *chattest.Files
		nilStore *chattest.Store
	)
	tests := []struct {
		missing string
		drop    func(*chat.Config)
	}{
		{"Work", func(c *chat.Config) { c.Work = nilWork }},
		{"Files", func(c *chat.Config) { c.Files = nil }},
		{"Files", func(c *chat.Config) { c.Files = nilFiles }},
		{"Catalog", func(c *chat.Config) { c.Catalog = nil }},
		{"Details", func(c *chat.Config) { c.Details = nilStore }},
	}
	for _, tt := range tests {
		cfg := full
		tt.drop(&cfg)
		s, err := chat.New(cfg)
		if e, ok := apperr.As(err); s != nil || !ok || e.Code != apperr.Internal || len(e.Fields) != 1 || e.Fields[0].Field != tt.missing {
			t.Errorf("New without %s = %v, %v; want an Internal error naming it", tt.missing, s, err)
		}
	}
	if _, err := chat.New(full); err != nil {
		t.Errorf("New with every dependency = %v", err)
	}
}
