package ses

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Mail is one message as the outbox holds it, decoded for assertions.
type Mail struct {
	// MessageID is the ID SendEmail returned. ParseMail takes it from the
	// Message-ID header; ReadOutbox and Sent take it from the file name.
	MessageID string
	// From is the sender's bare address; display names are in Headers.
	From string
	// To, Cc, Bcc and ReplyTo are bare addresses. Bcc comes from the
	// X-Local-Bcc header the emulator writes (and from a Bcc header, if a
	// raw message has one).
	To, Cc, Bcc, ReplyTo []string
	// Subject is decoded from RFC 2047.
	Subject string
	// Text and HTML are the first text/plain and text/html bodies, decoded
	// from their transfer encoding, with line endings normalised to "\n".
	Text, HTML string
	// Headers holds every top-level header, decoded, keyed in canonical MIME
	// form (for example "X-Claim-Id"); repeated headers are joined by ", ".
	Headers map[string]string
	// Attachments are the parts that are neither the text nor the HTML body.
	Attachments []Attachment
	// Path is the .eml file, when the mail came from an outbox.
	Path string
	// Raw is the complete message as stored.
	Raw []byte
	// Time is when the mail was accepted (from the file name), or its Date
	// header when it was parsed from bytes alone.
	Time time.Time
}

// Attachment is a decoded attachment or other non-body part of a Mail.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

func (m Mail) clone() Mail {
	c := m
	c.To = append([]string(nil), m.To...)
	c.Cc = append([]string(nil), m.Cc...)
	c.Bcc = append([]string(nil), m.Bcc...)
	c.ReplyTo = append([]string(nil), m.ReplyTo...)
	c.Headers = make(map[string]string, len(m.Headers))
	for k, v := range m.Headers {
		c.Headers[k] = v
	}
	c.Attachments = append([]Attachment(nil), m.Attachments...)
	c.Raw = append([]byte(nil), m.Raw...)
	return c
}

// ReadOutbox parses every .eml file in dir, the outbox directory itself,
// oldest first. A missing directory holds no mail and is not an error. It
// returns an error when a file cannot be read or parsed.
func ReadOutbox(dir string) ([]Mail, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read outbox %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".eml") && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	// Names start with the UTC acceptance time, so name order is send order.
	sort.Strings(names)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve outbox %s: %w", dir, err)
	}
	mails := make([]Mail, 0, len(names))
	for _, name := range names {
		path := filepath.Join(abs, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		m, err := ParseMail(raw)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		m.Path = path
		if t, id, ok := parseOutboxName(name); ok {
			m.Time, m.MessageID = t, id
		}
		mails = append(mails, m)
	}
	return mails, nil
}

// parseOutboxName splits "<YYYYMMDDTHHMMSS.nnnnnnnnnZ>-<MessageId>.eml" (or the
// millisecond stamp of outboxes written before).
func parseOutboxName(name string) (time.Time, string, bool) {
	base := strings.TrimSuffix(name, ".eml")
	stamp, id, ok := strings.Cut(base, "-")
	if !ok || id == "" {
		return time.Time{}, "", false
	}
	t, err := time.Parse(outboxTimeLayout, stamp)
	if err != nil {
		t, err = time.Parse(legacyOutboxTimeLayout, stamp)
	}
	if err != nil {
		return time.Time{}, "", false
	}
	return t, id, true
}

// ParseMail decodes an RFC 5322 message: addresses, the RFC 2047 subject,
// quoted-printable and base64 bodies and attachments. It returns an error
// when the headers or the MIME structure cannot be parsed.
func ParseMail(raw []byte) (Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, fmt.Errorf("parse headers: %w", err)
	}
	m := Mail{Raw: raw, Headers: map[string]string{}}
	dec := new(mime.WordDecoder)
	for k, vs := range msg.Header {
		v := strings.Join(vs, ", ")
		if d, err := dec.DecodeHeader(v); err == nil {
			v = d
		}
		m.Headers[k] = v
	}
	m.Subject = m.Headers["Subject"]
	if from := addresses(msg.Header, "From"); len(from) > 0 {
		m.From = from[0]
	}
	m.To = addresses(msg.Header, "To")
	m.Cc = addresses(msg.Header, "Cc")
	m.ReplyTo = addresses(msg.Header, "Reply-To")
	m.Bcc = append(addresses(msg.Header, "Bcc"), addresses(msg.Header, headerLocalBcc)...)
	if t, err := msg.Header.Date(); err == nil {
		m.Time = t
	}
	m.MessageID = strings.Trim(msg.Header.Get("Message-Id"), "<> ")
	if at := strings.Index(m.MessageID, "@"); at >= 0 && strings.HasSuffix(m.MessageID, ".amazonses.com") {
		m.MessageID = m.MessageID[:at]
	}
	if err := m.walk(textproto.MIMEHeader(msg.Header), msg.Body); err != nil {
		return Mail{}, fmt.Errorf("parse body: %w", err)
	}
	return m, nil
}

// addresses returns the bare addresses of an address header; an unparsable
// header yields none rather than failing the whole message.
func addresses(h mail.Header, key string) []string {
	if h.Get(key) == "" {
		return nil
	}
	list, err := h.AddressList(key)
	if err != nil {
		return nil
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return out
}

// walk visits a MIME entity, recursing into multiparts.
func (m *Mail) walk(h textproto.MIMEHeader, body io.Reader) error {
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt, params = "application/octet-stream", map[string]string{}
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read %s part: %w", mt, err)
			}
			if err := m.walk(p.Header, p); err != nil {
				return err
			}
		}
	}
	data, err := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return fmt.Errorf("decode %s: %w", mt, err)
	}
	disposition, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	isAttachment := disposition == "attachment" || filename != ""
	switch {
	case !isAttachment && mt == "text/plain" && m.Text == "":
		m.Text = normaliseText(decodeCharset(data, params["charset"]))
	case !isAttachment && mt == "text/html" && m.HTML == "":
		m.HTML = normaliseText(decodeCharset(data, params["charset"]))
	default:
		m.Attachments = append(m.Attachments, Attachment{Filename: filename, ContentType: mt, Data: data})
	}
	return nil
}

func decodeTransfer(encoding string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(r))
	case "base64":
		// The decoder skips line breaks; other stray whitespace is removed.
		raw, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(raw))
		return io.ReadAll(base64.NewDecoder(base64.StdEncoding, strings.NewReader(clean)))
	default:
		return io.ReadAll(r)
	}
}

// decodeCharset converts a body to UTF-8. UTF-8 and ASCII pass through and
// ISO-8859-1 is converted; other charsets are returned undecoded.
func decodeCharset(data []byte, charset string) string {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "latin-1":
		var b strings.Builder
		for _, c := range data {
			b.WriteRune(rune(c))
		}
		return b.String()
	}
	if !utf8.Valid(data) {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return string(data)
}

// normaliseText turns the CRLF line endings mail requires back into "\n".
func normaliseText(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
