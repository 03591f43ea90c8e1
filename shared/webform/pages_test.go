package webform

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestWritePages writes every page in both languages, with and without
// errors, to a directory a person can open in a browser (and a phone
// emulator):
//
//	WEBFORM_PAGES=/some/dir go test -run TestWritePages -v ./shared/webform/
//
// Without the variable the pages go to a temporary directory and only their
// sizes are logged.
func TestWritePages(t *testing.T) {
	dir := os.Getenv("WEBFORM_PAGES")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range writePages(t, dir) {
		t.Logf("%6d bytes  %s", f.size, f.path)
	}
}

type writtenPage struct {
	path string
	size int
}

// writePages renders the sample pages into dir as <page>.<lang>.html.
func writePages(t *testing.T, dir string) []writtenPage {
	t.Helper()
	pages := []struct {
		name   string
		render func(lang string, b *bytes.Buffer) error
	}{
		{"form", func(lang string, b *bytes.Buffer) error { return RenderForm(b, sampleForm(t, lang)) }},
		{"form-errors", func(lang string, b *bytes.Buffer) error {
			p := sampleForm(t, lang)
			p.Values = map[string]string{"name": "Иван", "email": "ivan@", "typeId": "no-start", "essence": "Не греет", "desiredResult": "repair"}
			_, emailErr := LocalizeFieldError(lang, "claimant.email", "not a valid email address")
			_, essenceErr := LocalizeFieldError(lang, "essence", "at least 10 characters")
			p.Errors = map[string]string{"": Message(lang, "err.invalid"), "email": emailErr, "essence": essenceErr}
			p.Attachments = []Attachment{{Zone: "plate", UploadID: "u-1", FileName: "IMG_0001.jpg"}}
			return RenderForm(b, p)
		}},
		{"result", func(lang string, b *bytes.Buffer) error { return RenderResult(b, sampleResult(lang)) }},
		{"tracking", func(lang string, b *bytes.Buffer) error { return RenderTracking(b, sampleTracking(lang)) }},
		{"tracking-reply", func(lang string, b *bytes.Buffer) error {
			p := sampleTracking(lang)
			p.Stage, p.Notice = "waiting_for_customer", ""
			p.Reply, p.ReplyError = "Серийный номер SN12345678", Message(lang, "err.file_lost")
			p.ReplyFiles = []Attachment{{Zone: "plate", UploadID: "kept1", FileName: "шильдик.jpg"}}
			return RenderTracking(b, p)
		}},
		{"tracking-closed", func(lang string, b *bytes.Buffer) error {
			p := sampleTracking(lang)
			p.Stage, p.ChatClosed, p.Uploads = "closed", true, nil
			return RenderTracking(b, p)
		}},
		{"error", func(lang string, b *bytes.Buffer) error { return RenderError(b, sampleError(lang)) }},
	}
	var out []writtenPage
	for _, pg := range pages {
		for _, lang := range []string{LangRU, LangEN} {
			var b bytes.Buffer
			if err := pg.render(lang, &b); err != nil {
				t.Fatalf("%s %s: %v", pg.name, lang, err)
			}
			if b.Len() > maxPageBytes {
				t.Errorf("%s %s: %d bytes, budget %d", pg.name, lang, b.Len(), maxPageBytes)
			}
			path := filepath.Join(dir, pg.name+"."+lang+".html")
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out = append(out, writtenPage{path, b.Len()})
		}
	}
	return out
}

// TestScriptBehaviour runs testdata/behaviour.js: the form's script in
// jsdom, uploading through a fake XMLHttpRequest (retries, cancel, offline,
// the submit rules, the draft) and the result page's script. It needs node
// and jsdom, which the Go toolchain does not bring:
//
//	npm install --prefix /tmp/webform-jsdom jsdom@24
//	WEBFORM_JSDOM=/tmp/webform-jsdom go test -run TestScriptBehaviour ./shared/webform/
//
// It is skipped when WEBFORM_JSDOM is not set, and fails when it is set but
// node or jsdom is missing.
func TestScriptBehaviour(t *testing.T) {
	jsdom := os.Getenv("WEBFORM_JSDOM")
	if jsdom == "" {
		t.Skip("WEBFORM_JSDOM not set (a directory with node_modules/jsdom)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("WEBFORM_JSDOM is set but node is not installed: %v", err)
	}
	modules := filepath.Join(jsdom, "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "jsdom")); err != nil {
		t.Fatalf("WEBFORM_JSDOM=%s has no node_modules/jsdom: %v", jsdom, err)
	}
	dir := t.TempDir()
	writePages(t, dir)
	cmd := exec.Command(node, filepath.Join("testdata", "behaviour.js"), dir)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("behaviour.js: %v", err)
	}
}
