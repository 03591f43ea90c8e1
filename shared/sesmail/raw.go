package sesmail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"sort"
	"strings"

	"github.com/claimsdesk/backend/shared/notify"
)

// inline reports whether a mail has inline files (a chart shown in the
// HTML): SES's Simple content cannot nest them in multipart/related, so
// such a mail is sent as a raw message.
func inline(m notify.Mail) bool {
	for _, a := range m.Attachments {
		if a.ContentID != "" {
			return true
		}
	}
	return false
}

// rawMessage renders m as an RFC 5322 message from from:
//
//	multipart/mixed
//	  multipart/related
//	    multipart/alternative: text/plain, text/html (quoted-printable UTF-8)
//	    the inline files, with Content-ID
//	  the attached files
//
// headers are m's own plus extra (the delivery's); SES sets Message-ID and
// Date.
func rawMessage(from string, m notify.Mail, extra map[string]string) ([]byte, error) {
	var b bytes.Buffer
	h := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	h("From", from)
	h("To", strings.Join(m.To, ", "))
	if len(m.ReplyTo) > 0 {
		h("Reply-To", strings.Join(m.ReplyTo, ", "))
	}
	h("Subject", mime.BEncoding.Encode("UTF-8", strings.NewReplacer("\r", " ", "\n", " ").Replace(m.Subject)))
	h("MIME-Version", "1.0")
	names := make([]string, 0, len(m.Headers)+len(extra))
	all := map[string]string{}
	for k, v := range m.Headers {
		all[k] = v
	}
	for k, v := range extra {
		all[k] = v
	}
	for k := range all {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		h(k, headerValue(all[k]))
	}
	mixed := multipart.NewWriter(&b)
	h("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed.Boundary()}))
	b.WriteString("\r\n")

	var relBuf bytes.Buffer
	related := multipart.NewWriter(&relBuf)
	var altBuf bytes.Buffer
	alt := multipart.NewWriter(&altBuf)
	for _, body := range []struct{ ctype, text string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		if body.text == "" {
			continue
		}
		w, err := alt.CreatePart(textproto.MIMEHeader{
			"Content-Type": {body.ctype + "; charset=UTF-8"}, "Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(body.text)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := alt.Close(); err != nil {
		return nil, err
	}
	w, err := related.CreatePart(textproto.MIMEHeader{"Content-Type": {mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": alt.Boundary()})}})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(altBuf.Bytes()); err != nil {
		return nil, err
	}
	var attached []notify.Attachment
	for _, a := range m.Attachments {
		if a.ContentID == "" {
			attached = append(attached, a)
			continue
		}
		if err := filePart(related, a, "inline"); err != nil {
			return nil, err
		}
	}
	if err := related.Close(); err != nil {
		return nil, err
	}
	w, err = mixed.CreatePart(textproto.MIMEHeader{"Content-Type": {mime.FormatMediaType("multipart/related",
		map[string]string{"boundary": related.Boundary(), "type": "multipart/alternative"})}})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(relBuf.Bytes()); err != nil {
		return nil, err
	}
	for _, a := range attached {
		if err := filePart(mixed, a, "attachment"); err != nil {
			return nil, err
		}
	}
	if err := mixed.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// filePart writes a file as a base64 part.
func filePart(w *multipart.Writer, a notify.Attachment, disposition string) error {
	ctype := a.ContentType
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt, params = "application/octet-stream", map[string]string{}
	}
	params["name"] = a.FileName
	hdr := textproto.MIMEHeader{
		"Content-Type":              {mime.FormatMediaType(mt, params)},
		"Content-Disposition":       {mime.FormatMediaType(disposition, map[string]string{"filename": a.FileName})},
		"Content-Transfer-Encoding": {"base64"},
	}
	if a.ContentID != "" {
		hdr.Set("Content-ID", "<"+strings.Trim(a.ContentID, "<>")+">")
	}
	pw, err := w.CreatePart(hdr)
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(a.Data)
	for len(enc) > 76 {
		if _, err := pw.Write([]byte(enc[:76] + "\r\n")); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err = pw.Write([]byte(enc))
	return err
}
