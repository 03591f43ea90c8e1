package documents

import (
	"time"
)

// PENDING: replaced by the renderers of branch render.

func RenderClaimSheet(s ClaimSheet) ([]byte, error) { return []byte("%PDF-1.4 claim " + s.Number), nil }

func RenderDecisionLetter(l DecisionLetter) ([]byte, error) {
	return []byte("%PDF-1.4 letter " + l.Number), nil
}

func RenderTorg2(a Torg2) ([]byte, error) { return []byte("%PDF-1.4 torg2 " + a.ClaimNumber), nil }

func StatutoryDeadlines(resolution string, decidedAt time.Time, lang string) []Deadline { return nil }
