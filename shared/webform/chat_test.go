package webform

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func renderTracking(t *testing.T, p *TrackingPage) string {
	t.Helper()
	return mustRender(t, func(b *bytes.Buffer) error { return RenderTracking(b, p) })
}

var tagPattern = regexp.MustCompile(`<[^>]*>`)

// messageItems returns the conversation's messages as "<class>|<text>"
// with tags stripped, in page order.
func messageItems(t *testing.T, html string) []string {
	t.Helper()
	chat := block(html, "chat")
	if chat == "" {
		t.Fatal("no conversation section")
	}
	var out []string
	for _, part := range strings.Split(chat, `<li class="msg `)[1:] {
		class := part[:strings.IndexByte(part, '"')]
		end := strings.Index(part, "</li>\n</ol>")
		if end < 0 {
			end = strings.Index(part, "</li>\n<li")
		}
		if end < 0 {
			end = len(part)
		}
		text := tagPattern.ReplaceAllString(part[strings.IndexByte(part, '>')+1:end], " ")
		out = append(out, class+"|"+strings.Join(strings.Fields(text), " "))
	}
	return out
}

func TestTrackingConversation(t *testing.T) {
	tests := []struct {
		lang string
		want []string
	}{
		{LangRU, []string{
			"them|Менеджер по рекламациям Ольга 15.03.2026, 12:30 (MSK, UTC&#43;3) Пришлите, пожалуйста, фото шильдика. Он на задней стенке.",
			"own|Вы 15.03.2026, 13:35 (MSK, UTC&#43;3) Вот фото IMG_0001.jpg чек.pdf",
		}},
		{LangEN, []string{
			"them|Claims manager Ольга 15 Mar 2026, 12:30 (MSK, UTC&#43;3) Пришлите, пожалуйста, фото шильдика. Он на задней стенке.",
			"own|You 15 Mar 2026, 13:35 (MSK, UTC&#43;3) Вот фото IMG_0001.jpg чек.pdf",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			html := renderTracking(t, sampleTracking(tc.lang))
			if diff := cmp.Diff(tc.want, messageItems(t, html)); diff != "" {
				t.Errorf("messages mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(html, "фото шильдика.\nОн на задней") {
				t.Error("line breaks of a message are not kept")
			}
			tags := parseTags(html)
			form := find(tags, "id", "reply")
			if len(form) != 1 || form[0].Attrs["method"] != "post" || form[0].Attrs["action"] != "/t/9fK2xLq7Rt/messages" {
				t.Fatalf("reply form %v", form)
			}
			body := find(tags, "name", "body")
			if len(body) != 1 || body[0].Name != "textarea" || !body[0].has("required") || body[0].Attrs["maxlength"] != "4000" || body[0].Text != "" {
				t.Errorf("reply textarea %v", body)
			}
			if l := find(tags, "name", "lang"); len(l) != 1 || l[0].Attrs["value"] != tc.lang {
				t.Errorf("lang field %v", l)
			}
			files := find(tags, "id", "reply-files")
			if len(files) != 1 || files[0].Attrs["data-upload-url"] != "/t/9fK2xLq7Rt/messages/uploads" || files[0].Attrs["data-max"] != "5" ||
				files[0].Attrs["data-t-too_many"] != Messagef(tc.lang, "chat.upl.too_many", 5) {
				t.Errorf("upload settings %v", files)
			}
			// The file picker needs the script; it has no name, so the form
			// never sends a file itself.
			pick := find(tags, "id", "reply-pick")
			input := find(tags, "id", "f-file")
			if len(pick) != 1 || !pick[0].has("hidden") || len(input) != 1 || input[0].has("name") || input[0].Attrs["accept"] != "image/jpeg,image/png,application/pdf" {
				t.Errorf("file picker %v %v", pick, input)
			}
			if strings.Contains(html, Message(tc.lang, "chat.closed")) || strings.Contains(html, escapeText(Message(tc.lang, "chat.waiting"))) {
				t.Error("an open claim at diagnostics says it is closed or waiting")
			}
		})
	}
}

func TestTrackingConversationReadOnly(t *testing.T) {
	for _, lang := range []string{LangRU, LangEN} {
		p := sampleTracking(lang)
		p.Stage, p.ChatClosed = "closed", true
		html := renderTracking(t, p)
		if len(messageItems(t, html)) != 2 {
			t.Errorf("%s: the messages of a closed claim are not shown", lang)
		}
		if !strings.Contains(block(html, "chat"), escapeText(Message(lang, "chat.closed"))) {
			t.Errorf("%s: no read-only note", lang)
		}
		for _, id := range []string{`id="reply"`, `name="body"`, `id="f-file"`} {
			if strings.Contains(html, id) {
				t.Errorf("%s: a closed claim has %s", lang, id)
			}
		}
	}
}

func TestTrackingConversationStates(t *testing.T) {
	t.Run("nothing to show", func(t *testing.T) {
		p := sampleTracking(LangRU)
		p.Messages, p.ReplyAction, p.ReplyUploadURL = nil, "", ""
		if html := renderTracking(t, p); strings.Contains(html, `id="chat"`) {
			t.Error("a page without conversation or form shows the section")
		}
	})
	t.Run("no messages yet", func(t *testing.T) {
		p := sampleTracking(LangEN)
		p.Messages = nil
		html := renderTracking(t, p)
		if !strings.Contains(block(html, "chat"), escapeText(Message(LangEN, "chat.empty"))) || !strings.Contains(html, `id="reply"`) {
			t.Error("empty conversation: no hint or no form")
		}
	})
	t.Run("text only", func(t *testing.T) {
		p := sampleTracking(LangRU)
		p.ReplyUploadURL = ""
		html := renderTracking(t, p)
		files := find(parseTags(html), "id", "reply-files")
		if !strings.Contains(html, `id="reply"`) || len(files) != 1 || files[0].has("data-upload-url") || strings.Contains(html, `id="f-file"`) {
			t.Error("a text-only reply form offers files")
		}
	})
	t.Run("waiting for the customer", func(t *testing.T) {
		p := sampleTracking(LangRU)
		p.Stage = "waiting_for_customer"
		if html := renderTracking(t, p); !strings.Contains(block(html, "chat"), escapeText(Message(LangRU, "chat.waiting"))) {
			t.Error("no call to answer")
		}
	})
	t.Run("failed reply keeps the text and files", func(t *testing.T) {
		p := sampleTracking(LangRU)
		p.Reply = "Мой ответ:\n<b>серийный</b> SN-77"
		p.ReplyError = "Слишком длинно: не больше 4000 символов"
		p.ReplyFiles = []Attachment{{Zone: "plate", UploadID: "u1", FileName: "шильдик.jpg"}, {Zone: "defect", UploadID: "u2"}, {UploadID: "broken"}}
		html := renderTracking(t, p)
		tags := parseTags(html)
		body := find(tags, "name", "body")
		if len(body) != 1 || unescape(body[0].Text) != p.Reply || body[0].Attrs["aria-invalid"] != "true" || !body[0].has("autofocus") ||
			body[0].Attrs["aria-describedby"] != "h-body e-body" {
			t.Errorf("reply textarea %v", body)
		}
		if !strings.Contains(html, `<p class="err" id="e-body" role="alert">`+p.ReplyError+`</p>`) {
			t.Error("the error is not shown at the reply")
		}
		var got []string
		for _, tg := range find(tags, "name", "attachment") {
			got = append(got, tg.Attrs["value"]+"="+tg.Attrs["data-name"])
		}
		if diff := cmp.Diff([]string{"plate:u1=шильдик.jpg", "defect:u2=Файл 2"}, got); diff != "" {
			t.Errorf("kept files mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("unknown role", func(t *testing.T) {
		p := sampleTracking(LangEN)
		p.Messages = []ChatMessage{{At: testTime, Role: "robot", Body: "beep"}}
		if got := messageItems(t, renderTracking(t, p)); len(got) != 1 || !strings.HasPrefix(got[0], "them|robot ") {
			t.Errorf("unknown role shown as %v", got)
		}
	})
}

func TestTrackingConversationRoleLabels(t *testing.T) {
	for _, lang := range []string{LangRU, LangEN} {
		for _, role := range []string{"claimant", "dealer", "manager", "supervisor"} {
			if _, ok := lookup(lang, "chat.role."+role); !ok {
				t.Errorf("%s: no label for %s", lang, role)
			}
		}
	}
	p := sampleTracking(LangRU)
	p.Messages = []ChatMessage{{At: testTime, Role: "dealer", AuthorName: "ООО Тепло", Body: "Добавил акт"}, {At: testTime, Role: "supervisor", Body: "Решение принято"}}
	want := []string{"them|Дилер ООО Тепло 14.03.2026, 09:30 (MSK, UTC&#43;3) Добавил акт", "them|Руководитель отдела рекламаций 14.03.2026, 09:30 (MSK, UTC&#43;3) Решение принято"}
	if diff := cmp.Diff(want, messageItems(t, renderTracking(t, p))); diff != "" {
		t.Errorf("labels mismatch (-want +got):\n%s", diff)
	}
}
