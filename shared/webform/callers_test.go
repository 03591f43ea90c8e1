package webform

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCallerKeys reads the repository's Go files outside this package and
// checks that every literal key passed to webform.Message or
// webform.Messagef exists in both languages: a missing key would reach the
// claimant as the key itself.
func TestCallerKeys(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Skipf("repository root not found at %s", root)
	}
	call := regexp.MustCompile(`webform\.Messagef?\(\s*[^,()]+,\s*"([^"]+)"`)
	here, _ := filepath.Abs(".")
	var n int
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == here || strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			n++
			for _, lang := range []string{LangRU, LangEN} {
				if _, ok := lookup(lang, m[1]); !ok {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s uses text %q, missing in %s", rel, m[1], lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d calls checked", n)
	for alias, key := range keyAliases {
		if _, ok := dict[LangRU][alias]; ok {
			t.Errorf("alias %q shadows a key", alias)
		}
		if _, ok := dict[LangRU][key]; !ok {
			t.Errorf("alias %q points to missing key %q", alias, key)
		}
	}
}

// TestFormAsHandlersFillIt covers what the intake handler does: errors keyed
// by claim-side names, attachments without file names, a lang value.
func TestFormAsHandlersFillIt(t *testing.T) {
	p := sampleForm(t, LangRU)
	p.Product.LockSeries = false
	p.Values = map[string]string{"lang": "ru", "js": "1"}
	html := renderForm(t, p)
	cfg := extractConfig(t, html)
	if !cfg.Restore {
		t.Error("lang and js alone should not count as typed values: the draft is not restored")
	}
	if got := attrsOf(t, parseTags(html), "series", "value")["value"]; got != "S24-07" {
		t.Errorf("series from the QR code not pre-filled: %q", got)
	}

	p = sampleForm(t, LangRU)
	p.Values = map[string]string{"typeId": "no-start", "name": "Иван"}
	p.Errors = map[string]string{"": "Исправьте поля", "categoryId": "Неизвестная категория", "attachments": "Файл не найден"}
	p.Attachments = []Attachment{{Zone: "plate", UploadID: "u1"}, {Zone: "mystery", UploadID: "u2"}}
	html = renderForm(t, p)
	if !strings.Contains(block(html, "w-typeId"), `<p class="err" id="e-typeId">Неизвестная категория</p>`) {
		t.Error("categoryId error not shown at the type select")
	}
	if !strings.Contains(block(html, "photos"), "Файл не найден") {
		t.Error("attachments error not shown in the photo section")
	}
	summary := block(html, "errors")
	for _, s := range []string{`href="#f-typeId"`, `href="#photos"`} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary lacks %s:\n%s", s, summary)
		}
	}
	want := []configFile{{Zone: "plate", UploadID: "u1", FileName: "Шильдик"}, {Zone: "mystery", UploadID: "u2", FileName: "mystery"}}
	if diff := cmp.Diff(want, extractConfig(t, html).Attachments); diff != "" {
		t.Errorf("attachments without names mismatch (-want +got):\n%s", diff)
	}
}

func TestTrackingHistoryStageOnce(t *testing.T) {
	p := sampleTracking(LangEN)
	p.History = []HistoryEntry{{At: testTime, Stage: "decision", Text: StageLabel(LangEN, "decision")}}
	var b bytes.Buffer
	if err := RenderTracking(&b, p); err != nil {
		t.Fatal(err)
	}
	tl := b.String()[strings.Index(b.String(), `<ol class="tl">`):]
	if n := strings.Count(tl[:strings.Index(tl, "</ol>")], "Decision"); n != 1 {
		t.Errorf("stage label shown %d times in the entry", n)
	}
}
