package sesmail_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/sesmail"
)

func client(url string) *sesv2.Client {
	return sesv2.NewFromConfig(aws.Config{
		Region:      "eu-central-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	}, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(url) }, sesmail.Options)
}

// sender returns a Sender on client from from.
func sender(t *testing.T, client *sesv2.Client, from string) *sesmail.Sender {
	t.Helper()
	s, err := sesmail.New(sesmail.Config{Client: client, From: from})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestNewRefusesWhatItCannotSendWith: no client, no sender, or a sender
// that is not a mail address (a MAIL_FROM typo) stop the function at start,
// naming the field, instead of failing every mail.
func TestNewRefusesWhatItCannotSendWith(t *testing.T) {
	var nilClient *sesv2.Client
	tests := []struct {
		name  string
		cfg   sesmail.Config
		code  apperr.Code
		field string
	}{
		{"no client", sesmail.Config{From: "claims@claims.example.com"}, apperr.Internal, "Client"},
		{"a nil client", sesmail.Config{Client: nilClient, From: "claims@claims.example.com"}, apperr.Internal, "Client"},
		{"no sender", sesmail.Config{Client: client("http://127.0.0.1:1")}, apperr.Internal, "From"},
		{"a sender that is no address", sesmail.Config{Client: client("http://127.0.0.1:1"), From: "claims at example"}, apperr.Invalid, "From"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sesmail.New(tt.cfg)
			e, ok := apperr.As(err)
			if s != nil || !ok || e.Code != tt.code || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
				t.Errorf("New = %v, %v; want a %s error naming %s", s, err, tt.code, tt.field)
			}
		})
	}
	if _, err := sesmail.New(sesmail.Config{Client: client("http://127.0.0.1:1"), From: "Отдел рекламаций <claims@claims.example.com>"}); err != nil {
		t.Errorf("New with a display name = %v", err)
	}
}

// emulator is the local SES with the sender's domain verified.
func emulator(t *testing.T) (*ses.Server, string) {
	t.Helper()
	srv, err := ses.New(ses.Config{Dir: t.TempDir(), Region: "eu-central-1", AccountID: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	if _, err := client(hs.URL).CreateEmailIdentity(context.Background(), &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("claims.example.com")}); err != nil {
		t.Fatal(err)
	}
	return srv, hs.URL
}

// TestRepeatedMailKeepsItsDeliveryID: a mail sent twice (a repeat after an
// unknown outcome) carries the same delivery header and References both
// times; SES gives each send its own Message-ID.
func TestRepeatedMailKeepsItsDeliveryID(t *testing.T) {
	srv, url := emulator(t)
	s := sender(t, client(url), "Отдел рекламаций <claims@claims.example.com>")
	m := notify.Mail{To: []string{"anna@example.com"}, Subject: "Рекламация RC-2026-000001 зарегистрирована", Text: "Здравствуйте!",
		Headers: map[string]string{"X-Claim-Number": "RC-2026-000001"}, DeliveryID: "0190aa00bb11cc22dd33ee44ff55/mail:claimant"}
	var ids []string
	for range 2 {
		id, err := s.Send(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	mails, err := ses.ReadOutbox(srv.Outbox())
	if err != nil || len(mails) != 2 {
		t.Fatalf("outbox: %d mails, %v", len(mails), err)
	}
	const thread = "<delivery.0190aa00bb11cc22dd33ee44ff55/mail.claimant@claims.example.com>"
	for i, got := range mails {
		if got.Headers["X-Claimsdesk-Delivery"] != m.DeliveryID || got.Headers["References"] != thread || got.Headers["X-Claim-Number"] != "RC-2026-000001" {
			t.Errorf("send %d: headers %v, want the delivery ID and References %s", i, got.Headers, thread)
		}
		if got.MessageID != ids[i] {
			t.Errorf("send %d: Message-ID %s, want SES's %s", i, got.MessageID, ids[i])
		}
	}
	if ids[0] == ids[1] {
		t.Errorf("both sends have Message-ID %s; SES gives each its own", ids[0])
	}
	if got := sesmail.ThreadID("e1/mail:manager:u ser", "claims@example.org"); got != "<delivery.e1/mail.manager.u.ser@example.org>" {
		t.Errorf("ThreadID = %s", got)
	}
}

// TestSendOutcomes: what SES refused (an unverified sender, a connection
// never made) wraps ErrMailRefused; a send whose answer never comes leaves
// the outcome unknown and is not retried by the SDK; throttling is retried.
func TestSendOutcomes(t *testing.T) {
	_, url := emulator(t)
	t.Run("unverified sender", func(t *testing.T) {
		_, err := sender(t, client(url), "x@unverified.example").Send(context.Background(), notify.Mail{To: []string{"a@example.com"}, Subject: "s", Text: "t"})
		if !errors.Is(err, notify.ErrMailRefused) {
			t.Errorf("err = %v, want ErrMailRefused", err)
		}
	})
	t.Run("no connection", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + ln.Addr().String()
		ln.Close()
		_, err = sender(t, client(closed), "claims@claims.example.com").Send(context.Background(), notify.Mail{To: []string{"a@example.com"}, Subject: "s", Text: "t"})
		if !errors.Is(err, notify.ErrMailRefused) {
			t.Errorf("err = %v, want ErrMailRefused", err)
		}
	})
	t.Run("answer lost", func(t *testing.T) {
		var calls atomic.Int32
		release := make(chan struct{})
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			<-release
		}))
		defer hang.Close()
		defer close(release)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := sender(t, client(hang.URL), "claims@claims.example.com").Send(ctx, notify.Mail{To: []string{"a@example.com"}, Subject: "s", Text: "t"})
		if err == nil || errors.Is(err, notify.ErrMailRefused) {
			t.Errorf("err = %v, want an error of unknown outcome", err)
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("%d requests, want 1 (no retry after a lost answer)", n)
		}
	})
	t.Run("throttled, then taken", func(t *testing.T) {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if calls.Add(1) == 1 {
				w.Header().Set("X-Amzn-Errortype", "TooManyRequestsException")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(`{"message":"Too many requests."}`))
				return
			}
			_, _ = w.Write([]byte(`{"MessageId":"m-1"}`))
		}))
		defer srv.Close()
		id, err := sender(t, client(srv.URL), "claims@claims.example.com").Send(context.Background(), notify.Mail{To: []string{"a@example.com"}, Subject: "s", Text: "t"})
		if err != nil || id != "m-1" || calls.Load() != 2 {
			t.Errorf("Send = %q, %v after %d requests; want m-1 after a retry", id, err, calls.Load())
		}
	})
}

// TestMailCarriesItsAttachments: a mail's files arrive as attachments with
// their names, types and bytes, next to the text.
func TestMailCarriesItsAttachments(t *testing.T) {
	srv, url := emulator(t)
	s := sender(t, client(url), "claims@claims.example.com")
	pdf := []byte("%PDF-1.7\n% a decision letter\n%%EOF\n")
	m := notify.Mail{To: []string{"anna@example.com"}, Subject: "Решение по рекламации RC-2026-000001", Text: "Письмо с решением во вложении.",
		Attachments: []notify.Attachment{{FileName: "RC-2026-000001-decision-letter-v1.pdf", ContentType: "application/pdf", Data: pdf}}}
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	mails, err := ses.ReadOutbox(srv.Outbox())
	if err != nil || len(mails) != 1 {
		t.Fatalf("outbox: %d mails, %v", len(mails), err)
	}
	got := mails[0]
	if got.Text != m.Text || len(got.Attachments) != 1 {
		t.Fatalf("mail: text %q, %d attachments; want the text and 1 attachment", got.Text, len(got.Attachments))
	}
	a := got.Attachments[0]
	if a.Filename != "RC-2026-000001-decision-letter-v1.pdf" || a.ContentType != "application/pdf" || string(a.Data) != string(pdf) {
		t.Errorf("attachment %s (%s), %d bytes; want the letter's name, type and bytes", a.Filename, a.ContentType, len(a.Data))
	}
}

// TestCyrillicSenderNameIsEncoded: a sender configured with a Russian
// display name reaches SES as an encoded-word (SES takes only ASCII in the
// From), in a simple mail and in a raw one (a report with its chart), and
// mail clients show the name as configured.
func TestCyrillicSenderNameIsEncoded(t *testing.T) {
	srv, url := emulator(t)
	s := sender(t, client(url), "Отдел рекламаций GRASS <claims@claims.example.com>")
	simple := notify.Mail{To: []string{"anna@example.com"}, Subject: "Рекламация зарегистрирована", Text: "Здравствуйте!"}
	raw := notify.Mail{To: []string{"q@example.com"}, Subject: "Структура рекламаций", Text: "figures", HTML: `<img src="cid:chart@claimsdesk">`,
		Attachments: []notify.Attachment{{FileName: "chart.png", ContentType: "image/png", Data: []byte("png"), ContentID: "chart@claimsdesk"}}}
	for _, m := range []notify.Mail{simple, raw} {
		if _, err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	mails, err := ses.ReadOutbox(srv.Outbox())
	if err != nil || len(mails) != 2 {
		t.Fatalf("outbox: %d mails, %v", len(mails), err)
	}
	for i, got := range mails {
		head, _, _ := strings.Cut(string(got.Raw), "\r\n\r\n")
		for _, line := range strings.Split(head, "\r\n") {
			if strings.HasPrefix(line, "From:") && strings.IndexFunc(line, func(r rune) bool { return r > '~' }) >= 0 {
				t.Errorf("mail %d: From header not ASCII: %q", i, line)
			}
		}
		msg, err := mail.ReadMessage(strings.NewReader(string(got.Raw)))
		if err != nil {
			t.Fatalf("mail %d: %v", i, err)
		}
		from, err := msg.Header.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Name != "Отдел рекламаций GRASS" || from[0].Address != "claims@claims.example.com" {
			t.Errorf("mail %d: From %q reads as %v, %v; want the configured name and address", i, msg.Header.Get("From"), from, err)
		}
	}
}
