package documents

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claimsdesk/backend/shared/apperr"
)

func TestSamples(t *testing.T) {
	for _, name := range Samples() {
		for _, lang := range []string{"ru", "en"} {
			t.Run(name+"/"+lang, func(t *testing.T) {
				pdf, err := Sample(name, lang)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
					t.Fatalf("not a PDF: %q", pdf[:10])
				}
				text := pdfText(t, pdf)
				if text == "" {
					return
				}
				want := samples[name].title[lang]
				if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
					t.Errorf("pdftotext output lacks the title %q:\n%s", want, text)
				}
			})
		}
	}
	if _, err := Sample("nope", "ru"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown sample: %v, want NotFound", err)
	}
}

// pdfText extracts the text with poppler's pdftotext; "" when it is missing
// (unless PDF_TESTS=required).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("PDF_TESTS") == "required" {
			t.Fatal("PDF_TESTS=required but pdftotext is not installed")
		}
		return ""
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
