package sesmail

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/notify"
)

// part is a MIME entity as read back: its type, Content-ID, disposition
// and children.
type part struct {
	Type, CID, Disposition string
	Parts                  []part
}

func readPart(t *testing.T, ctype string, header map[string][]string, body io.Reader) part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatalf("content type %q: %v", ctype, err)
	}
	p := part{Type: mt}
	if v := header["Content-Id"]; len(v) > 0 {
		p.CID = v[0]
	}
	if v := header["Content-Disposition"]; len(v) > 0 {
		p.Disposition, _, _ = mime.ParseMediaType(v[0])
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return p
	}
	r := multipart.NewReader(body, params["boundary"])
	for {
		np, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p.Parts = append(p.Parts, readPart(t, np.Header.Get("Content-Type"), np.Header, np))
	}
	return p
}

// TestRawMessageNestsTheInlineChart: a mail with an inline file is
// multipart/mixed around multipart/related (the alternative bodies and the
// file with its Content-ID), then the attachments; its headers carry the
// caller's and the delivery's, the subject encoded.
func TestRawMessageNestsTheInlineChart(t *testing.T) {
	m := notify.Mail{
		To: []string{"q@example.com"}, Subject: "Структура рекламаций: 07.12.2026 — 13.12.2026",
		Text: "figures", HTML: `<img src="cid:chart@claimsdesk">`,
		Headers: map[string]string{"List-Unsubscribe": "<https://x.example/unsubscribe/a.b>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
		Attachments: []notify.Attachment{
			{FileName: "chart.png", ContentType: "image/png", Data: []byte("png"), ContentID: "chart@claimsdesk"},
			{FileName: "структура.pdf", ContentType: "application/pdf", Data: bytes.Repeat([]byte("%PDF"), 100)},
		},
	}
	if !inline(m) {
		t.Fatal("a mail with a Content-ID is not inline")
	}
	raw, err := rawMessage("Claims <claims@example.com>", m, map[string]string{notify.HeaderDelivery: "e1/mail:report:1"})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != m.Subject || msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
		msg.Header.Get("X-ClaimsDesk-Delivery") != "e1/mail:report:1" || msg.Header.Get("To") != "q@example.com" {
		t.Errorf("headers %v (subject %q)", msg.Header, subject)
	}
	got := readPart(t, msg.Header.Get("Content-Type"), msg.Header, msg.Body)
	want := part{Type: "multipart/mixed", Parts: []part{
		{Type: "multipart/related", Parts: []part{
			{Type: "multipart/alternative", Parts: []part{{Type: "text/plain"}, {Type: "text/html"}}},
			{Type: "image/png", CID: "<chart@claimsdesk>", Disposition: "inline"},
		}},
		{Type: "application/pdf", Disposition: "attachment"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("structure mismatch (-want +got):\n%s", diff)
	}
	if inline(notify.Mail{Attachments: []notify.Attachment{{FileName: "a.pdf"}}}) {
		t.Error("a mail without inline files is sent as raw")
	}
}
