package documents

import (
	"testing"

	"github.com/claimsdesk/backend/shared/benchtest"
)

// BenchmarkRenderClaimSheet renders the claimant's copy of a claim with an
// order of 3 lines and 6 photo thumbnails (target: under 200 ms and 64 MB).
func BenchmarkRenderClaimSheet(b *testing.B) {
	s := testClaimSheet(b, "ru")
	s.Files = s.Files[:6]
	benchtest.Peak(b, "pdf-KB", func() ([]byte, error) { return RenderClaimSheet(s) })
}

// BenchmarkRenderTorg2 renders a TORG-2 act of 120 lines (target: under
// 200 ms and 64 MB).
func BenchmarkRenderTorg2(b *testing.B) {
	a := testTorg2(120)
	benchtest.Peak(b, "pdf-KB", func() ([]byte, error) { return RenderTorg2(a) })
}

// BenchmarkRenderDecisionLetter renders a one-page decision letter.
func BenchmarkRenderDecisionLetter(b *testing.B) {
	l := testLetter("ru")
	benchtest.Peak(b, "pdf-KB", func() ([]byte, error) { return RenderDecisionLetter(l) })
}
