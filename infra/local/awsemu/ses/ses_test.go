package ses_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
)

const testRegion = "eu-central-1"

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t      *testing.T
	srv    *ses.Server
	http   *httptest.Server
	client *sesv2.Client
}

func newEnv(t *testing.T, dir string, clock *fakeClock) *env {
	t.Helper()
	cfg := ses.Config{Dir: dir, Region: testRegion, AccountID: "123456789012"}
	if clock != nil {
		cfg.Now = clock.Now
	}
	srv, err := ses.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(srv)
	client := sesv2.NewFromConfig(aws.Config{
		Region:      testRegion,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
	}, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(ts.URL) })
	t.Cleanup(func() {
		ts.Close()
		_ = srv.Close()
	})
	return &env{t: t, srv: srv, http: ts, client: client}
}

func (e *env) identity(name string) {
	e.t.Helper()
	if _, err := e.client.CreateEmailIdentity(context.Background(), &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(name)}); err != nil {
		e.t.Fatalf("CreateEmailIdentity(%s): %v", name, err)
	}
}

func simple(from string, to []string, subject, text string) *sesv2.SendEmailInput {
	return &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from),
		Destination:      &types.Destination{ToAddresses: to},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(subject)},
			Body:    &types.Body{Text: &types.Content{Data: aws.String(text)}},
		}},
	}
}

type apiError interface {
	ErrorCode() string
	ErrorMessage() string
}

func errCode(err error) string {
	var ae apiError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func errMessage(err error) string {
	var ae apiError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

var messageIDPattern = regexp.MustCompile(`^[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000$`)

// TestSendSimpleRussianMail sends the kind of mail the application sends and
// checks that the outbox file decodes back to exactly what was sent.
func TestSendSimpleRussianMail(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 3, 1, 9, 30, 15, 123_000_000, time.UTC)}
	dir := t.TempDir()
	e := newEnv(t, dir, clock)
	e.identity("noreply@claims.example.com")
	text := "Здравствуйте, Иван Петрович!\n\nВаша заявка №123 принята.  \nСтатус: «на рассмотрении» = 100%.\n\n-- \nСлужба урегулирования убытков\n"
	html := "<html><body><p>Здравствуйте, <b>Иван Петрович</b>!</p><p>Заявка №123 принята.</p></body></html>"
	subject := "Заявка №123 принята: очень длинная тема письма, чтобы проверить перенос заголовка на несколько строк"
	out, err := e.client.SendEmail(context.Background(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("Служба урегулирования <noreply@claims.example.com>"),
		Destination: &types.Destination{
			ToAddresses:  []string{"Иван Петров <ivan@example.com>", "maria@example.com"},
			CcAddresses:  []string{"manager@example.com"},
			BccAddresses: []string{"audit@example.com", "archive@example.com"},
		},
		ReplyToAddresses: []string{"support@claims.example.com"},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(subject), Charset: aws.String("UTF-8")},
			Body: &types.Body{
				Text: &types.Content{Data: aws.String(text), Charset: aws.String("UTF-8")},
				Html: &types.Content{Data: aws.String(html), Charset: aws.String("UTF-8")},
			},
			Headers: []types.MessageHeader{{Name: aws.String("X-Claim-ID"), Value: aws.String("C-123")}, {Name: aws.String("X-Comment"), Value: aws.String("urgent")}},
		}},
		EmailTags:            []types.MessageTag{{Name: aws.String("kind"), Value: aws.String("claim-accepted")}},
		ConfigurationSetName: aws.String("transactional"),
	})
	if err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	id := aws.ToString(out.MessageId)
	if !messageIDPattern.MatchString(id) {
		t.Errorf("MessageId %q is not in SES's format", id)
	}
	mails, err := ses.ReadOutbox(e.srv.Outbox())
	if err != nil {
		t.Fatalf("ReadOutbox: %v", err)
	}
	if len(mails) != 1 {
		t.Fatalf("outbox has %d mails, want 1", len(mails))
	}
	got := mails[0]
	wantPath := filepath.Join(dir, "outbox", "20250301T093015.123000000Z-"+id+".eml")
	if abs, _ := filepath.Abs(wantPath); got.Path != abs || e.srv.Outbox() != filepath.Dir(abs) {
		t.Errorf("Path = %q, Outbox = %q; want %q in it", got.Path, e.srv.Outbox(), abs)
	}
	want := ses.Mail{
		MessageID: id, From: "noreply@claims.example.com",
		To: []string{"ivan@example.com", "maria@example.com"}, Cc: []string{"manager@example.com"},
		Bcc: []string{"audit@example.com", "archive@example.com"}, ReplyTo: []string{"support@claims.example.com"},
		Subject: subject, Text: text, HTML: html, Time: clock.Now(),
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(ses.Mail{}, "Headers", "Path", "Raw")); diff != "" {
		t.Errorf("outbox mail mismatch (-want +got):\n%s", diff)
	}
	wantHeaders := map[string]string{
		"From":                      "Служба урегулирования <noreply@claims.example.com>",
		"To":                        "Иван Петров <ivan@example.com>, <maria@example.com>",
		"X-Claim-Id":                "C-123",
		"X-Comment":                 "urgent",
		"X-Local-Configuration-Set": "transactional",
		"X-Local-Email-Tags":        "kind=claim-accepted",
		"Message-Id":                "<" + id + "@eu-central-1.amazonses.com>",
		"Date":                      "Sat, 01 Mar 2025 09:30:15 +0000",
	}
	for k, v := range wantHeaders {
		if got.Headers[k] != v {
			t.Errorf("header %s = %q, want %q", k, got.Headers[k], v)
		}
	}
	raw := string(got.Raw)
	for _, s := range []string{"Content-Type: multipart/alternative;", "Content-Transfer-Encoding: quoted-printable", "charset=UTF-8", "Subject: =?UTF-8?b?", "MIME-Version: 1.0"} {
		if !strings.Contains(raw, s) {
			t.Errorf("raw message lacks %q", s)
		}
	}
	if strings.Contains(raw, "\nBcc:") || strings.Contains(raw, "Здравствуйте") {
		t.Errorf("raw message has a Bcc header or unencoded body text:\n%s", raw)
	}
	for _, line := range strings.Split(raw, "\r\n") {
		if len(line) > 998 {
			t.Errorf("line longer than 998 characters: %.60s...", line)
		}
	}
	if diff := cmp.Diff(mails, e.srv.Sent()); diff != "" {
		t.Errorf("Sent() and ReadOutbox disagree (-outbox +sent):\n%s", diff)
	}
}

func TestSimpleBodyVariants(t *testing.T) {
	e := newEnv(t, "", nil)
	e.identity("claims.example.com")
	pdf := []byte("%PDF-1.4 fake")
	tests := []struct {
		name        string
		text, html  string
		attachments []types.Attachment
		contentType string
		want        []ses.Attachment
	}{
		{name: "text only", text: "Только текст\n", contentType: "text/plain; charset=UTF-8"},
		{name: "html only", html: "<p>Только HTML</p>", contentType: "text/html; charset=UTF-8"},
		{name: "attachment", text: "См. вложение", html: "<p>См. вложение</p>",
			attachments: []types.Attachment{{FileName: aws.String("заявка-123.pdf"), RawContent: pdf}},
			contentType: "multipart/mixed",
			want:        []ses.Attachment{{Filename: "заявка-123.pdf", ContentType: "application/pdf", Data: pdf}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := &types.Body{}
			if tc.text != "" {
				body.Text = &types.Content{Data: aws.String(tc.text)}
			}
			if tc.html != "" {
				body.Html = &types.Content{Data: aws.String(tc.html)}
			}
			in := simple("bot@claims.example.com", []string{"a@example.com"}, "Тема", "")
			in.Content.Simple.Body = body
			in.Content.Simple.Attachments = tc.attachments
			out, err := e.client.SendEmail(context.Background(), in)
			if err != nil {
				t.Fatalf("SendEmail: %v", err)
			}
			sent := e.srv.Sent()
			got := sent[len(sent)-1]
			if got.MessageID != aws.ToString(out.MessageId) {
				t.Fatalf("last sent mail is %s, want %s", got.MessageID, aws.ToString(out.MessageId))
			}
			if diff := cmp.Diff([]string{tc.text, tc.html}, []string{got.Text, got.HTML}); diff != "" {
				t.Errorf("bodies mismatch (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(got.Headers["Content-Type"], tc.contentType) {
				t.Errorf("Content-Type = %q, want %q", got.Headers["Content-Type"], tc.contentType)
			}
			if diff := cmp.Diff(tc.want, got.Attachments); diff != "" {
				t.Errorf("attachments mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if e.srv.Outbox() != "" {
		t.Errorf("Outbox() = %q in memory mode, want empty", e.srv.Outbox())
	}
}

func TestSendRawMail(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, dir, &fakeClock{t: time.Date(2025, 3, 1, 15, 0, 0, 0, time.FixedZone("MSK", 3*3600))})
	e.identity("reports@claims.example.com")
	raw := strings.Join([]string{
		"From: Reports <reports@claims.example.com>",
		"To: boss@example.com, Ольга <olga@example.com>",
		"Cc: team@example.com",
		"Subject: =?UTF-8?B?0J7RgtGH0ZHRgg==?=",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=UTF-8",
		"Content-Transfer-Encoding: base64",
		"",
		"0J7RgtGH0ZHRgiDQs9C+0YLQvtCyLg==",
		"",
	}, "\r\n")
	tests := []struct {
		name string
		in   sesv2.SendEmailInput
		to   []string
	}{
		{"recipients from headers", sesv2.SendEmailInput{}, []string{"boss@example.com", "olga@example.com"}},
		{"recipients from destination", sesv2.SendEmailInput{
			FromEmailAddress: aws.String("reports@claims.example.com"),
			Destination:      &types.Destination{ToAddresses: []string{"only@example.com"}},
		}, []string{"boss@example.com", "olga@example.com"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Content = &types.EmailContent{Raw: &types.RawMessage{Data: []byte(raw)}}
			out, err := e.client.SendEmail(context.Background(), &in)
			if err != nil {
				t.Fatalf("SendEmail: %v", err)
			}
			mails, err := ses.ReadOutbox(e.srv.Outbox())
			if err != nil {
				t.Fatalf("ReadOutbox: %v", err)
			}
			if len(mails) != i+1 {
				t.Fatalf("outbox has %d mails, want %d", len(mails), i+1)
			}
			got := mails[i]
			// SES puts its own Message-ID and Date (when it accepted the
			// message, in UTC) on every message it accepts.
			if want := "Message-ID: <" + aws.ToString(out.MessageId) + "@eu-central-1.amazonses.com>\r\nDate: Sat, 01 Mar 2025 12:00:00 +0000\r\n" + raw; string(got.Raw) != want {
				t.Errorf("raw message in the outbox:\n%s\nwant the message sent with SES's Message-ID and Date first:\n%s", got.Raw, want)
			}
			want := []string{aws.ToString(out.MessageId), "reports@claims.example.com", "Отчёт", "Отчёт готов."}
			if diff := cmp.Diff(want, []string{got.MessageID, got.From, got.Subject, got.Text}); diff != "" {
				t.Errorf("parsed raw mail mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.to, got.To); diff != "" {
				t.Errorf("To mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unverified From header", func(t *testing.T) {
		other := strings.Replace(raw, "reports@claims.example.com", "intruder@evil.example", 1)
		_, err := e.client.SendEmail(context.Background(), &sesv2.SendEmailInput{Content: &types.EmailContent{Raw: &types.RawMessage{Data: []byte(other)}}})
		if code := errCode(err); code != "MessageRejected" {
			t.Errorf("code = %q, want MessageRejected", code)
		}
	})
	t.Run("no recipients anywhere", func(t *testing.T) {
		bare := "From: reports@claims.example.com\r\nSubject: x\r\n\r\nbody"
		_, err := e.client.SendEmail(context.Background(), &sesv2.SendEmailInput{Content: &types.EmailContent{Raw: &types.RawMessage{Data: []byte(bare)}}})
		if diff := cmp.Diff([2]string{"BadRequestException", "At least one recipient is required."}, [2]string{errCode(err), errMessage(err)}); diff != "" {
			t.Errorf("error mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestSenderVerification(t *testing.T) {
	e := newEnv(t, "", nil)
	e.identity("example.org")
	e.identity("person@example.net")
	tests := []struct {
		from     string
		wantCode string
	}{
		{"anyone@example.org", ""},
		{"Display Name <someone.else@example.org>", ""},
		{"ANYONE@EXAMPLE.ORG", ""},
		{"x@mail.example.org", ""},
		{"person@example.net", ""},
		{"other@example.net", "MessageRejected"},
		{"x@notexample.org", "MessageRejected"},
	}
	for _, tc := range tests {
		t.Run(tc.from, func(t *testing.T) {
			_, err := e.client.SendEmail(context.Background(), simple(tc.from, []string{"to@example.com"}, "s", "b"))
			if code := errCode(err); code != tc.wantCode {
				t.Errorf("code = %q, want %q (err %v)", code, tc.wantCode, err)
			}
		})
	}
	_, err := e.client.SendEmail(context.Background(), simple("other@example.net", []string{"to@example.com"}, "s", "b"))
	var rejected *types.MessageRejected
	want := "Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: other@example.net"
	if !errors.As(err, &rejected) || errMessage(err) != want {
		t.Errorf("error = %v, want MessageRejected %q", err, want)
	}
	if n := len(e.srv.Sent()); n != 5 {
		t.Errorf("Sent() has %d mails, want 5", n)
	}
}

func TestSendEmailValidation(t *testing.T) {
	e := newEnv(t, "", nil)
	e.identity("claims.example.com")
	from := "bot@claims.example.com"
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("r%d@example.com", i)
	}
	withBody := func(b *types.Body) *sesv2.SendEmailInput {
		in := simple(from, []string{"a@example.com"}, "s", "b")
		in.Content.Simple.Body = b
		return in
	}
	withHeaderValue := func(name, value string) *sesv2.SendEmailInput {
		in := simple(from, []string{"a@example.com"}, "s", "b")
		in.Content.Simple.Headers = []types.MessageHeader{{Name: aws.String(name), Value: aws.String(value)}}
		return in
	}
	withHeader := func(name string) *sesv2.SendEmailInput { return withHeaderValue(name, "v") }
	tests := []struct {
		name string
		in   *sesv2.SendEmailInput
		code string
		msg  string
	}{
		{"no recipients", simple(from, nil, "s", "b"), "BadRequestException", "At least one recipient is required."},
		{"51 recipients", simple(from, many, "s", "b"), "BadRequestException", "Recipient count exceeds 50."},
		{"50 recipients", simple(from, many[:50], "s", "b"), "", ""},
		{"bad To address", simple(from, []string{"ok@example.com", "not-an-address"}, "s", "b"), "BadRequestException", "Invalid email address in ToAddresses: not-an-address."},
		{"address without a domain dot", simple(from, []string{"user@localhost"}, "s", "b"), "BadRequestException", "Invalid email address in ToAddresses: user@localhost."},
		{"bad From address", simple("bot@", []string{"a@example.com"}, "s", "b"), "BadRequestException", "Invalid email address in FromEmailAddress: bot@."},
		{"no From", &sesv2.SendEmailInput{Destination: &types.Destination{ToAddresses: []string{"a@example.com"}}, Content: simple(from, nil, "s", "b").Content}, "BadRequestException", "FromEmailAddress is required for Simple content."},
		{"empty subject", simple(from, []string{"a@example.com"}, "", "b"), "BadRequestException", "Subject is required."},
		{"no body", withBody(&types.Body{}), "BadRequestException", "Body must contain Text or Html content."},
		{"reserved header", withHeader("Subject"), "BadRequestException", "Header Subject cannot be set in Simple content."},
		{"template", &sesv2.SendEmailInput{FromEmailAddress: aws.String(from), Destination: &types.Destination{ToAddresses: []string{"a@example.com"}},
			Content: &types.EmailContent{Template: &types.Template{TemplateName: aws.String("welcome")}}}, "BadRequestException",
			"Email templates are not supported by the local SES emulator; send Simple or Raw content instead."},
		{"simple and raw", &sesv2.SendEmailInput{FromEmailAddress: aws.String(from), Destination: &types.Destination{ToAddresses: []string{"a@example.com"}},
			Content: &types.EmailContent{Simple: simple(from, nil, "s", "b").Content.Simple, Raw: &types.RawMessage{Data: []byte("x")}}}, "BadRequestException",
			"Exactly one of Simple, Raw or Template content must be set."},
		{"raw not a message", &sesv2.SendEmailInput{Content: &types.EmailContent{Raw: &types.RawMessage{Data: []byte("no headers here")}}}, "BadRequestException",
			"The raw message is not a valid RFC 5322 message: malformed header line: no headers here"},
		{"non-ASCII header name", withHeader("X-Категория"), "BadRequestException", "Invalid header name: X-Категория."},
		{"non-ASCII header value", withHeaderValue("X-Comment", "Срочно"), "BadRequestException", "Invalid value of header X-Comment: 1 to 870 printable ASCII characters."},
		{"header value too long", withHeaderValue("X-Comment", strings.Repeat("x", 871)), "BadRequestException", "Invalid value of header X-Comment: 1 to 870 printable ASCII characters."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.SendEmail(context.Background(), tc.in)
			if diff := cmp.Diff([2]string{tc.code, tc.msg}, [2]string{errCode(err), errMessage(err)}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s\nerr: %v", diff, err)
			}
		})
	}
	if n := len(e.srv.Sent()); n != 1 {
		t.Errorf("Sent() has %d mails, want only the valid one", n)
	}
}

func TestIdentities(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, "", clock)
	ctx := context.Background()
	created, err := e.client.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("noreply@claims.example.com")})
	if err != nil {
		t.Fatalf("CreateEmailIdentity: %v", err)
	}
	if created.IdentityType != types.IdentityTypeEmailAddress || !created.VerifiedForSendingStatus {
		t.Errorf("created = %+v, want a verified EMAIL_ADDRESS", created)
	}
	domain, err := e.client.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("claims.example.com"),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("local")}}})
	if err != nil {
		t.Fatalf("CreateEmailIdentity(domain): %v", err)
	}
	if domain.IdentityType != types.IdentityTypeDomain || domain.DkimAttributes == nil || len(domain.DkimAttributes.Tokens) != 3 || domain.DkimAttributes.Status != types.DkimStatusSuccess {
		t.Errorf("domain identity = %+v, want a DOMAIN with three DKIM tokens", domain)
	}

	errs := []struct {
		name, identity, code, msg string
	}{
		{"duplicate", "NoReply@claims.example.com", "AlreadyExistsException", "Email identity NoReply@claims.example.com already exists."},
		{"bad address", "a@b@c", "BadRequestException", "Invalid email address: a@b@c."},
		{"bad domain", "-bad-.com", "BadRequestException", "Invalid domain name: -bad-.com."},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(tc.identity)})
			if diff := cmp.Diff([2]string{tc.code, tc.msg}, [2]string{errCode(err), errMessage(err)}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}

	got, err := e.client.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("claims.example.com")})
	if err != nil {
		t.Fatalf("GetEmailIdentity: %v", err)
	}
	if got.IdentityType != types.IdentityTypeDomain || got.VerificationStatus != types.VerificationStatusSuccess || !got.VerifiedForSendingStatus ||
		len(got.Tags) != 1 || aws.ToString(got.Tags[0].Key) != "env" {
		t.Errorf("GetEmailIdentity = %+v", got)
	}

	var names []string
	p := sesv2.NewListEmailIdentitiesPaginator(e.client, &sesv2.ListEmailIdentitiesInput{PageSize: aws.Int32(1)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListEmailIdentities: %v", err)
		}
		pages++
		for _, id := range page.EmailIdentities {
			names = append(names, aws.ToString(id.IdentityName)+"/"+string(id.IdentityType))
		}
	}
	if diff := cmp.Diff([]string{"noreply@claims.example.com/EMAIL_ADDRESS", "claims.example.com/DOMAIN"}, names); diff != "" {
		t.Errorf("ListEmailIdentities mismatch (-want +got):\n%s", diff)
	}
	if pages != 2 {
		t.Errorf("pages = %d, want 2", pages)
	}

	if _, err := e.client.DeleteEmailIdentity(ctx, &sesv2.DeleteEmailIdentityInput{EmailIdentity: aws.String("noreply@claims.example.com")}); err != nil {
		t.Fatalf("DeleteEmailIdentity: %v", err)
	}
	for _, call := range []func() error{
		func() error {
			_, err := e.client.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("noreply@claims.example.com")})
			return err
		},
		func() error {
			_, err := e.client.DeleteEmailIdentity(ctx, &sesv2.DeleteEmailIdentityInput{EmailIdentity: aws.String("noreply@claims.example.com")})
			return err
		},
	} {
		err := call()
		var nf *types.NotFoundException
		if !errors.As(err, &nf) || errMessage(err) != "Email identity noreply@claims.example.com does not exist." {
			t.Errorf("after delete: %v, want NotFoundException", err)
		}
	}
}

func TestPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	first := newEnv(t, dir, nil)
	first.identity("claims.example.com")
	first.identity("ops@example.net")
	if _, err := first.client.SendEmail(context.Background(), simple("bot@claims.example.com", []string{"a@example.com"}, "Первое", "один")); err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	if err := first.srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "identities.json")); err != nil {
		t.Errorf("identities.json: %v", err)
	}

	second := newEnv(t, dir, nil)
	out, err := second.client.ListEmailIdentities(context.Background(), &sesv2.ListEmailIdentitiesInput{})
	if err != nil {
		t.Fatalf("ListEmailIdentities: %v", err)
	}
	var names []string
	for _, id := range out.EmailIdentities {
		names = append(names, aws.ToString(id.IdentityName))
	}
	if diff := cmp.Diff([]string{"claims.example.com", "ops@example.net"}, names); diff != "" {
		t.Errorf("identities after restart mismatch (-want +got):\n%s", diff)
	}
	if _, err := second.client.SendEmail(context.Background(), simple("ops@example.net", []string{"b@example.com"}, "Второе", "два")); err != nil {
		t.Fatalf("SendEmail after restart: %v", err)
	}
	mails, err := ses.ReadOutbox(second.srv.Outbox())
	if err != nil {
		t.Fatalf("ReadOutbox: %v", err)
	}
	var subjects []string
	for _, m := range mails {
		subjects = append(subjects, m.Subject)
	}
	if diff := cmp.Diff([]string{"Первое", "Второе"}, subjects); diff != "" {
		t.Errorf("outbox after restart mismatch (-want +got):\n%s", diff)
	}
	if n := len(second.srv.Sent()); n != 1 {
		t.Errorf("Sent() after restart has %d mails, want only this instance's 1", n)
	}
}

func TestOutboxOrderWithinOneMillisecond(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, t.TempDir(), clock)
	e.identity("claims.example.com")
	var want []string
	for i := 0; i < 5; i++ {
		out, err := e.client.SendEmail(context.Background(), simple("bot@claims.example.com", []string{"a@example.com"}, fmt.Sprint("n", i), "b"))
		if err != nil {
			t.Fatalf("SendEmail: %v", err)
		}
		want = append(want, aws.ToString(out.MessageId))
	}
	mails, err := ses.ReadOutbox(e.srv.Outbox())
	if err != nil {
		t.Fatalf("ReadOutbox: %v", err)
	}
	var got []string
	for _, m := range mails {
		got = append(got, m.MessageID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outbox order mismatch (-want +got):\n%s", diff)
	}
}

func TestGetAccount(t *testing.T) {
	e := newEnv(t, "", nil)
	e.identity("claims.example.com")
	in := simple("bot@claims.example.com", []string{"a@example.com", "b@example.com"}, "s", "b")
	in.Destination.BccAddresses = []string{"c@example.com"}
	if _, err := e.client.SendEmail(context.Background(), in); err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	out, err := e.client.GetAccount(context.Background(), &sesv2.GetAccountInput{})
	if err != nil {
		t.Fatalf("GetAccount: %v", err)
	}
	got := []any{out.SendingEnabled, out.ProductionAccessEnabled, *out.SendQuota}
	want := []any{true, false, types.SendQuota{Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 3}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(types.SendQuota{})); diff != "" {
		t.Errorf("GetAccount mismatch (-want +got):\n%s", diff)
	}
}

func TestParseMailForeignMessages(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want ses.Mail
	}{
		{
			name: "latin1 quoted-printable with encoded names",
			raw: "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.com>\r\nTo: x@example.com\r\nBcc: hidden@example.com\r\n" +
				"Subject: =?ISO-8859-1?Q?Caf=E9?=\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 au lait\r\n",
			want: ses.Mail{From: "andre@example.com", To: []string{"x@example.com"}, Bcc: []string{"hidden@example.com"}, Subject: "Café", Text: "Café au lait\n"},
		},
		{
			name: "nested multipart with base64 html and an inline image",
			raw: "From: a@example.com\r\nTo: b@example.com\r\nSubject: plain\r\nContent-Type: multipart/related; boundary=OUT\r\n\r\n" +
				"--OUT\r\nContent-Type: multipart/alternative; boundary=IN\r\n\r\n" +
				"--IN\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nline one\r\nline two\r\n--IN\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+0J/RgNC40LLQtdGCPC9wPg==\r\n--IN--\r\n" +
				"--OUT\r\nContent-Type: image/png\r\nContent-Disposition: inline; filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n--OUT--\r\n",
			want: ses.Mail{From: "a@example.com", To: []string{"b@example.com"}, Subject: "plain", Text: "line one\nline two", HTML: "<p>Привет</p>",
				Attachments: []ses.Attachment{{Filename: "logo.png", ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G'}}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ses.ParseMail([]byte(tc.raw))
			if err != nil {
				t.Fatalf("ParseMail: %v", err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(ses.Mail{}, "Headers", "Raw")); diff != "" {
				t.Errorf("ParseMail mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := ses.ParseMail([]byte("not a mail")); err == nil {
		t.Errorf("ParseMail of garbage succeeded, want an error")
	}
	if mails, err := ses.ReadOutbox(filepath.Join(t.TempDir(), "missing")); err != nil || len(mails) != 0 {
		t.Errorf("ReadOutbox of a missing directory = %v, %v; want nothing", mails, err)
	}
}

func TestErrorWireFormat(t *testing.T) {
	e := newEnv(t, "", nil)
	tests := []struct {
		name, method, path, body string
		status                   int
		errType                  string
	}{
		{"unknown route", http.MethodGet, "/v2/email/templates", "", 404, "UnknownOperationException"},
		{"missing identity", http.MethodGet, "/v2/email/identities/nobody%40example.com", "", 404, "NotFoundException"},
		{"malformed JSON", http.MethodPost, "/v2/email/outbound-emails", "{", 400, "BadRequestException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, e.http.URL+tc.path, strings.NewReader(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			resp.Body.Close()
			if diff := cmp.Diff([]any{tc.status, tc.errType}, []any{resp.StatusCode, resp.Header.Get("x-amzn-ErrorType")}); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestListIdentitiesLegacyGET covers the GET form of ListEmailIdentities that
// SDKs older than the pinned one send.
func TestListIdentitiesLegacyGET(t *testing.T) {
	e := newEnv(t, "", nil)
	e.identity("a@example.com")
	e.identity("example.org")
	resp, err := http.Get(e.http.URL + "/v2/email/identities?PageSize=1")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		EmailIdentities []struct{ IdentityName string }
		NextToken       string
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(out.EmailIdentities) != 1 || out.EmailIdentities[0].IdentityName != "a@example.com" || out.NextToken == "" {
		t.Errorf("GET list = %+v, want a@example.com and a NextToken", out)
	}
}

// TestCallersMessageIDIsReplaced: as SES documents, a Message-ID (and Date)
// the caller sets is replaced by SES's own, in Simple and Raw content; the
// caller's other headers (a delivery header, References) stay as sent.
func TestCallersMessageIDIsReplaced(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, t.TempDir(), clock)
	e.identity("claims.example.com")
	const mine = "<delivery.e1.mail.claimant@claims.example.com>"
	in := simple("claims@claims.example.com", []string{"a@example.com"}, "Тема", "Текст")
	in.Content.Simple.Headers = []types.MessageHeader{
		{Name: aws.String("Message-ID"), Value: aws.String(mine)},
		{Name: aws.String("Date"), Value: aws.String("Mon, 01 Jan 2001 00:00:00 +0000")},
		{Name: aws.String("X-App-Delivery"), Value: aws.String("e1/mail:claimant")},
		{Name: aws.String("References"), Value: aws.String(mine)},
	}
	simpleOut, err := e.client.SendEmail(context.Background(), in)
	if err != nil {
		t.Fatalf("SendEmail (simple): %v", err)
	}
	raw := "From: claims@claims.example.com\r\nTo: b@example.com\r\nSubject: x\r\nDate: Mon, 01 Jan 2001\r\n 00:00:00 +0000\r\nMessage-ID:\r\n " + mine + "\r\nReferences: " + mine + "\r\n\r\nbody\r\n"
	rawOut, err := e.client.SendEmail(context.Background(), &sesv2.SendEmailInput{Content: &types.EmailContent{Raw: &types.RawMessage{Data: []byte(raw)}}})
	if err != nil {
		t.Fatalf("SendEmail (raw): %v", err)
	}
	mails, err := ses.ReadOutbox(e.srv.Outbox())
	if err != nil || len(mails) != 2 {
		t.Fatalf("outbox: %d mails, %v", len(mails), err)
	}
	for i, id := range []string{aws.ToString(simpleOut.MessageId), aws.ToString(rawOut.MessageId)} {
		m := mails[i]
		if got, want := m.Headers["Message-Id"], "<"+id+"@eu-central-1.amazonses.com>"; got != want {
			t.Errorf("mail %d: Message-ID %q, want SES's %q", i, got, want)
		}
		if m.Headers["References"] != mine || strings.Count(string(m.Raw), "Message-ID") != 1 {
			t.Errorf("mail %d: References %q; raw:\n%s", i, m.Headers["References"], m.Raw)
		}
		if m.Text != "Текст" && m.Text != "body\n" {
			t.Errorf("mail %d: body %q", i, m.Text)
		}
	}
	for i, m := range mails {
		if got := m.Headers["Date"]; got != "Sat, 01 Mar 2025 12:00:00 +0000" || strings.Count(string(m.Raw), "Date:") != 1 {
			t.Errorf("mail %d: Date = %q, want the time SES accepted it, once; raw:\n%s", i, got, m.Raw)
		}
	}
	if mails[0].Headers["X-App-Delivery"] != "e1/mail:claimant" {
		t.Errorf("delivery header = %q", mails[0].Headers["X-App-Delivery"])
	}
}
