package ses

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/textproto"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

const (
	maxRecipients      = 50
	maxRawMessageBytes = 40 << 20
	maxCustomHeaders   = 15
	// outboxTimeLayout names outbox files by acceptance time to the
	// nanosecond, so that name order is send order, across restarts too
	// (milliseconds tied, and the message ID then decided).
	outboxTimeLayout = "20060102T150405.000000000Z"
	// legacyOutboxTimeLayout is how outboxes written before named them.
	legacyOutboxTimeLayout = "20060102T150405.000Z"
	headerLocalBcc         = "X-Local-Bcc"
	headerLocalConfig      = "X-Local-Configuration-Set"
	headerLocalTags        = "X-Local-Email-Tags"
	foldWidth              = 76
)

// reservedHeaders are built by the emulator from the request; Simple content
// may not set them through Headers.
var reservedHeaders = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Subject": true,
	"Reply-To": true, "Mime-Version": true, "Content-Type": true,
	"Content-Transfer-Encoding": true, "Content-Disposition": true, "Return-Path": true,
	"Sender": true, headerLocalBcc: true, headerLocalConfig: true, "X-Local-Email-Tags": true,
}

// overriddenHeaders are accepted from the caller and replaced by SES's own
// values, as the SES header documentation says: "If you provide a
// Message-ID header, Amazon SES overrides the header with its own value"
// (and a Date with the time SES accepted the message). The emulator does
// the same for Simple and Raw content.
var overriddenHeaders = map[string]bool{"Message-Id": true, "Date": true}

var (
	headerNamePattern  = regexp.MustCompile(`^[!-9;-~]+$`)
	headerValuePattern = regexp.MustCompile(`^[ -~]*$`)
	localPartPattern   = regexp.MustCompile(`^[^\s@]{1,64}$`)
)

// The lengths MessageHeader allows (API reference, MessageHeader).
const (
	maxHeaderName  = 126
	maxHeaderValue = 870
)

type content struct {
	Data    *string `json:"Data"`
	Charset *string `json:"Charset"`
}

type messageHeader struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type attachment struct {
	RawContent         []byte  `json:"RawContent"`
	FileName           *string `json:"FileName"`
	ContentType        *string `json:"ContentType"`
	ContentDisposition *string `json:"ContentDisposition"`
	ContentID          *string `json:"ContentId"`
	ContentDescription *string `json:"ContentDescription"`
}

type simpleMessage struct {
	Subject *content `json:"Subject"`
	Body    *struct {
		Text *content `json:"Text"`
		HTML *content `json:"Html"`
	} `json:"Body"`
	Headers     []messageHeader `json:"Headers"`
	Attachments []attachment    `json:"Attachments"`
}

type destination struct {
	ToAddresses  []string `json:"ToAddresses"`
	CcAddresses  []string `json:"CcAddresses"`
	BccAddresses []string `json:"BccAddresses"`
}

type sendEmailInput struct {
	FromEmailAddress     *string        `json:"FromEmailAddress"`
	Destination          *destination   `json:"Destination"`
	ReplyToAddresses     []string       `json:"ReplyToAddresses"`
	EmailTags            []messageTag   `json:"EmailTags"`
	ConfigurationSetName *string        `json:"ConfigurationSetName"`
	Content              *emailContents `json:"Content"`
}

type messageTag struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type emailContents struct {
	Simple   *simpleMessage  `json:"Simple"`
	Raw      *rawMessage     `json:"Raw"`
	Template json.RawMessage `json:"Template"`
}

type rawMessage struct {
	Data []byte `json:"Data"`
}

type sendEmailOutput struct {
	MessageID string `json:"MessageId"`
}

// parseAddress parses "addr" or "Name <addr>" and checks the address the way
// SES does: a local part and a dotted ASCII domain.
func parseAddress(s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("parse address %q: %w", s, err)
	}
	at := strings.LastIndex(a.Address, "@")
	if at < 1 || !localPartPattern.MatchString(a.Address[:at]) || !domainPattern.MatchString(a.Address[at+1:]) {
		return nil, fmt.Errorf("address %q has no valid local part and domain", s)
	}
	return a, nil
}

func parseAddressList(field string, list []string) ([]*mail.Address, *apiError) {
	out := make([]*mail.Address, 0, len(list))
	for _, raw := range list {
		a, err := parseAddress(raw)
		if err != nil {
			return nil, badRequest("Invalid email address in %s: %s.", field, raw)
		}
		out = append(out, a)
	}
	return out, nil
}

// envelope is what SendEmail validated: sender, recipients and the message.
type envelope struct {
	from              *mail.Address
	to, cc, bcc, repl []*mail.Address
}

func (e envelope) recipients() int { return len(e.to) + len(e.cc) + len(e.bcc) }

func (s *Server) sendEmail(in *sendEmailInput) (any, error) {
	c := in.Content
	if c == nil {
		return nil, badRequest("Content is required.")
	}
	hasTemplate := len(c.Template) > 0 && string(c.Template) != "null"
	if hasTemplate {
		return nil, badRequest("Email templates are not supported by the local SES emulator; send Simple or Raw content instead.")
	}
	if (c.Simple == nil) == (c.Raw == nil) {
		return nil, badRequest("Exactly one of Simple, Raw or Template content must be set.")
	}
	var (
		env envelope
		raw []byte
		err *apiError
	)
	if c.Simple != nil {
		env, err = s.simpleEnvelope(in)
	} else {
		env, raw, err = s.rawEnvelope(in)
	}
	if err != nil {
		return nil, err
	}
	if env.recipients() == 0 {
		return nil, badRequest("At least one recipient is required.")
	}
	if env.recipients() > maxRecipients {
		return nil, badRequest("Recipient count exceeds %d.", maxRecipients)
	}
	if !s.verifiedFor(env.from.Address) {
		return nil, errorf(codeMessageRejected, http.StatusBadRequest,
			"Email address is not verified. The following identities failed the check in region %s: %s",
			strings.ToUpper(s.cfg.Region), env.from.Address)
	}
	return s.accept(in, env, raw)
}

func (s *Server) simpleEnvelope(in *sendEmailInput) (envelope, *apiError) {
	sm := in.Content.Simple
	if in.FromEmailAddress == nil || *in.FromEmailAddress == "" {
		return envelope{}, badRequest("FromEmailAddress is required for Simple content.")
	}
	if sm.Subject == nil || sm.Subject.Data == nil || *sm.Subject.Data == "" {
		return envelope{}, badRequest("Subject is required.")
	}
	if sm.Body == nil || (textOf(sm.Body.Text) == "" && textOf(sm.Body.HTML) == "") {
		return envelope{}, badRequest("Body must contain Text or Html content.")
	}
	if len(sm.Headers) > maxCustomHeaders {
		return envelope{}, badRequest("At most %d headers may be set.", maxCustomHeaders)
	}
	for _, h := range sm.Headers {
		name := textproto.CanonicalMIMEHeaderKey(h.Name)
		if !headerNamePattern.MatchString(h.Name) || len(h.Name) > maxHeaderName {
			return envelope{}, badRequest("Invalid header name: %s.", h.Name)
		}
		if h.Value == "" || !headerValuePattern.MatchString(h.Value) || len(h.Value) > maxHeaderValue {
			return envelope{}, badRequest("Invalid value of header %s: 1 to %d printable ASCII characters.", h.Name, maxHeaderValue)
		}
		if reservedHeaders[name] {
			return envelope{}, badRequest("Header %s cannot be set in Simple content.", h.Name)
		}
	}
	from, err := parseAddress(*in.FromEmailAddress)
	if err != nil {
		return envelope{}, badRequest("Invalid email address in FromEmailAddress: %s.", *in.FromEmailAddress)
	}
	env := envelope{from: from}
	var aerr *apiError
	if d := in.Destination; d != nil {
		if env.to, aerr = parseAddressList("ToAddresses", d.ToAddresses); aerr != nil {
			return envelope{}, aerr
		}
		if env.cc, aerr = parseAddressList("CcAddresses", d.CcAddresses); aerr != nil {
			return envelope{}, aerr
		}
		if env.bcc, aerr = parseAddressList("BccAddresses", d.BccAddresses); aerr != nil {
			return envelope{}, aerr
		}
	}
	if env.repl, aerr = parseAddressList("ReplyToAddresses", in.ReplyToAddresses); aerr != nil {
		return envelope{}, aerr
	}
	return env, nil
}

// rawEnvelope takes the sender from FromEmailAddress or the message's From
// header and the recipients from Destination or, when it is empty, from the
// message's To, Cc and Bcc headers.
func (s *Server) rawEnvelope(in *sendEmailInput) (envelope, []byte, *apiError) {
	data := in.Content.Raw.Data
	if len(data) == 0 {
		return envelope{}, nil, badRequest("Raw message data is required.")
	}
	if len(data) > maxRawMessageBytes {
		return envelope{}, nil, errorf(codeMessageRejected, http.StatusBadRequest, "Message length is more than %d bytes.", maxRawMessageBytes)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return envelope{}, nil, badRequest("The raw message is not a valid RFC 5322 message: %v", err)
	}
	var env envelope
	fromText := ""
	if in.FromEmailAddress != nil && *in.FromEmailAddress != "" {
		fromText = *in.FromEmailAddress
	} else if list, err := msg.Header.AddressList("From"); err == nil && len(list) > 0 {
		fromText = list[0].String()
	} else if h := msg.Header.Get("From"); h != "" {
		return envelope{}, nil, badRequest("Invalid email address in From header: %s.", h)
	}
	if fromText == "" {
		return envelope{}, nil, badRequest("The message has no From header and FromEmailAddress is empty.")
	}
	if env.from, err = parseAddress(fromText); err != nil {
		return envelope{}, nil, badRequest("Invalid email address in From: %s.", fromText)
	}
	var aerr *apiError
	d := in.Destination
	if d != nil && len(d.ToAddresses)+len(d.CcAddresses)+len(d.BccAddresses) > 0 {
		if env.to, aerr = parseAddressList("ToAddresses", d.ToAddresses); aerr != nil {
			return envelope{}, nil, aerr
		}
		if env.cc, aerr = parseAddressList("CcAddresses", d.CcAddresses); aerr != nil {
			return envelope{}, nil, aerr
		}
		if env.bcc, aerr = parseAddressList("BccAddresses", d.BccAddresses); aerr != nil {
			return envelope{}, nil, aerr
		}
		return env, data, nil
	}
	for _, f := range []struct {
		name string
		dst  *[]*mail.Address
	}{{"To", &env.to}, {"Cc", &env.cc}, {"Bcc", &env.bcc}} {
		if msg.Header.Get(f.name) == "" {
			continue
		}
		list, err := msg.Header.AddressList(f.name)
		if err != nil {
			return envelope{}, nil, badRequest("Invalid email address in %s header: %s.", f.name, msg.Header.Get(f.name))
		}
		for _, a := range list {
			checked, err := parseAddress(a.Address)
			if err != nil {
				return envelope{}, nil, badRequest("Invalid email address in %s header: %s.", f.name, a.Address)
			}
			checked.Name = a.Name
			*f.dst = append(*f.dst, checked)
		}
	}
	return env, data, nil
}

func textOf(c *content) string {
	if c == nil || c.Data == nil {
		return ""
	}
	return *c.Data
}

// newMessageID returns an ID in SES's format: sixteen hex digits that start
// with the send time, a UUID and a "-000000" suffix.
func newMessageID(now time.Time) string {
	return fmt.Sprintf("0102%012x-%s-000000", now.UnixMilli(), newUUID())
}

// accept builds the message if needed, stores it and records it as sent.
func (s *Server) accept(in *sendEmailInput, env envelope, raw []byte) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	id := newMessageID(now)
	// File times are unique and increasing so the outbox sorts in send order.
	stamp := now.UTC().Truncate(time.Millisecond)
	if !stamp.After(s.lastFile) {
		stamp = s.lastFile.Add(time.Millisecond)
	}
	s.lastFile = stamp
	if raw == nil {
		var err error
		if raw, err = s.buildSimple(id, now, in, env); err != nil {
			return nil, fmt.Errorf("build message %s: %w", id, err)
		}
	} else {
		raw = withSESHeaders(raw, "<"+id+"@"+s.cfg.Region+".amazonses.com>", now)
	}
	m, err := ParseMail(raw)
	if err != nil {
		return nil, fmt.Errorf("parse built message %s: %w", id, err)
	}
	m.MessageID, m.Time = id, stamp
	if s.outbox != "" {
		m.Path = filepath.Join(s.outbox, stamp.Format(outboxTimeLayout)+"-"+id+".eml")
		if err := writeFileAtomic(m.Path, raw); err != nil {
			return nil, fmt.Errorf("write message %s to the outbox: %w", id, err)
		}
	}
	s.sent = append(s.sent, m)
	s.log.Info("ses mail accepted", "message_id", id, "from", env.from.Address, "recipients", env.recipients(), "path", m.Path)
	return sendEmailOutput{MessageID: id}, nil
}

// buildSimple renders Simple content as an RFC 5322 message: UTF-8 bodies in
// quoted-printable, multipart/alternative for text and HTML, multipart/mixed
// around attachments, RFC 2047 for non-ASCII headers. Bcc recipients are not
// in the headers (they would be visible to everyone) but in X-Local-Bcc, so
// tests can check them.
func (s *Server) buildSimple(id string, now time.Time, in *sendEmailInput, env envelope) ([]byte, error) {
	sm := in.Content.Simple
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name + ": " + value + "\r\n")
	}
	header("From", env.from.String())
	if len(env.to) > 0 {
		header("To", formatAddresses(env.to, len("To: ")))
	}
	if len(env.cc) > 0 {
		header("Cc", formatAddresses(env.cc, len("Cc: ")))
	}
	if len(env.repl) > 0 {
		header("Reply-To", formatAddresses(env.repl, len("Reply-To: ")))
	}
	header("Subject", encodeHeaderValue(*sm.Subject.Data))
	header("Date", now.UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+id+"@"+s.cfg.Region+".amazonses.com>")
	header("MIME-Version", "1.0")
	if len(env.bcc) > 0 {
		header(headerLocalBcc, formatAddresses(env.bcc, len(headerLocalBcc)+2))
	}
	if in.ConfigurationSetName != nil && *in.ConfigurationSetName != "" {
		header(headerLocalConfig, encodeHeaderValue(*in.ConfigurationSetName))
	}
	if len(in.EmailTags) > 0 {
		var tags []string
		for _, t := range in.EmailTags {
			tags = append(tags, t.Name+"="+t.Value)
		}
		header(headerLocalTags, encodeHeaderValue(strings.Join(tags, "; ")))
	}
	for _, h := range sm.Headers {
		if overriddenHeaders[textproto.CanonicalMIMEHeaderKey(h.Name)] {
			continue
		}
		header(h.Name, encodeHeaderValue(h.Value))
	}

	text, html := textOf(sm.Body.Text), textOf(sm.Body.HTML)
	var parts []part
	if text != "" {
		parts = append(parts, textPart("text/plain", text))
	}
	if html != "" {
		parts = append(parts, textPart("text/html", html))
	}
	body := parts[0]
	if len(parts) == 2 {
		body = multipartOf("alternative", parts)
	}
	if len(sm.Attachments) > 0 {
		mixed := []part{body}
		for _, a := range sm.Attachments {
			mixed = append(mixed, attachmentPart(a))
		}
		body = multipartOf("mixed", mixed)
	}
	for _, k := range []string{"Content-Type", "Content-Transfer-Encoding"} {
		if v := body.header.Get(k); v != "" {
			header(k, v)
		}
	}
	b.WriteString("\r\n")
	b.Write(body.content)
	return b.Bytes(), nil
}

// part is a rendered MIME entity: its headers and encoded content.
type part struct {
	header  textproto.MIMEHeader
	content []byte
}

func textPart(mediaType, text string) part {
	var buf bytes.Buffer
	qp := quotedprintable.NewWriter(&buf)
	_, _ = qp.Write([]byte(text)) // writes to a bytes.Buffer cannot fail
	_ = qp.Close()
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mediaType+"; charset=UTF-8")
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	return part{header: h, content: buf.Bytes()}
}

func attachmentPart(a attachment) part {
	name := "attachment"
	if a.FileName != nil && *a.FileName != "" {
		name = *a.FileName
	}
	ctype := ""
	if a.ContentType != nil {
		ctype = *a.ContentType
	}
	if ctype == "" {
		ctype = mime.TypeByExtension(filepath.Ext(name))
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	disposition := "attachment"
	if a.ContentDisposition != nil && strings.EqualFold(*a.ContentDisposition, "INLINE") {
		disposition = "inline"
	}
	h := textproto.MIMEHeader{}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt, params = "application/octet-stream", map[string]string{}
	}
	params["name"] = name
	h.Set("Content-Type", mime.FormatMediaType(mt, params))
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	h.Set("Content-Transfer-Encoding", "base64")
	if a.ContentID != nil && *a.ContentID != "" {
		h.Set("Content-ID", "<"+strings.Trim(*a.ContentID, "<>")+">")
	}
	if a.ContentDescription != nil && *a.ContentDescription != "" {
		h.Set("Content-Description", encodeHeaderValue(*a.ContentDescription))
	}
	enc := base64.StdEncoding.EncodeToString(a.RawContent)
	var buf bytes.Buffer
	for len(enc) > foldWidth {
		buf.WriteString(enc[:foldWidth] + "\r\n")
		enc = enc[foldWidth:]
	}
	buf.WriteString(enc)
	return part{header: h, content: buf.Bytes()}
}

func multipartOf(subtype string, parts []part) part {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		w, _ := mw.CreatePart(p.header) // writes to a bytes.Buffer cannot fail
		_, _ = io.Copy(w, bytes.NewReader(p.content))
	}
	_ = mw.Close()
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType("multipart/"+subtype, map[string]string{"boundary": mw.Boundary()}))
	return part{header: h, content: buf.Bytes()}
}

// encodeHeaderValue makes a header value safe: no line breaks, RFC 2047
// encoded-words for non-ASCII text, folded between encoded-words so lines
// stay short.
func encodeHeaderValue(v string) string {
	v = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(v)
	enc := mime.BEncoding.Encode("UTF-8", v)
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// formatAddresses joins addresses for an address header, folding the line
// before it grows past the usual width.
func formatAddresses(list []*mail.Address, used int) string {
	var b strings.Builder
	width := used
	for i, a := range list {
		s := a.String()
		if i > 0 {
			if width+2+len(s) > foldWidth {
				b.WriteString(",\r\n ")
				width = 1
			} else {
				b.WriteString(", ")
				width += 2
			}
		}
		b.WriteString(s)
		width += len(s)
	}
	return b.String()
}

// withSESHeaders returns a raw message whose Message-ID is id and whose
// Date is now: the caller's Message-ID and Date headers (with their
// continuation lines) are dropped and SES's put first, as SES does with
// every message it accepts (a raw message without a Date gets one too).
func withSESHeaders(raw []byte, id string, now time.Time) []byte {
	eol := "\n"
	if bytes.Contains(raw, []byte("\r\n")) {
		eol = "\r\n"
	}
	// The header section with its last line's end; the rest starts with
	// the blank line before the body.
	head, rest := raw, []byte(nil)
	if end := bytes.Index(raw, []byte(eol+eol)); end >= 0 {
		head, rest = raw[:end+len(eol)], raw[end+len(eol):]
	}
	var out bytes.Buffer
	out.WriteString("Message-ID: " + id + eol)
	out.WriteString("Date: " + now.UTC().Format(time.RFC1123Z) + eol)
	dropping := false
	for _, line := range strings.SplitAfter(string(head), eol) {
		if line == "" {
			continue
		}
		if dropping && (line[0] == ' ' || line[0] == '\t') {
			continue
		}
		name, _, _ := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		dropping = strings.EqualFold(name, "Message-ID") || strings.EqualFold(name, "Date")
		if !dropping {
			out.WriteString(line)
		}
	}
	out.Write(rest)
	return out.Bytes()
}
