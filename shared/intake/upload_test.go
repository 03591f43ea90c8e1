package intake_test

import (
	"context"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/intake"
)

func TestPresignUpload(t *testing.T) {
	e := newEnv(t)
	req := intake.UploadRequest{
		Scope: "user:dealer-1", TypeID: "cosmetic", Zone: "product",
		FileName: `C:\Users\me\Pictures\lid` + "\x01" + `.jpg`, ContentType: " Image/JPEG ", Size: 2 << 20,
	}
	ticket, err := e.svc.PresignUpload(context.Background(), req)
	if err != nil {
		t.Fatalf("PresignUpload: %v", err)
	}
	if !intake.ValidUploadID(ticket.UploadID) {
		t.Errorf("upload ID %q does not have the shape ValidUploadID accepts", ticket.UploadID)
	}
	// The policy admits exactly the declared size, not the zone's 20 MiB.
	const size = 2 << 20
	wantSpec := []intake.UploadSpec{{
		Key:         intake.UploadKey("user:dealer-1", ticket.UploadID),
		ContentType: "image/jpeg",
		MinBytes:    size,
		MaxBytes:    size,
		Metadata:    map[string]string{"filename": "lid.jpg", "zone": "product"},
		TTL:         intake.UploadTTL,
	}}
	if diff := cmp.Diff(wantSpec, e.files.presigned); diff != "" {
		t.Errorf("presigned upload mismatch (-want +got):\n%s", diff)
	}
	wantTicket := &intake.UploadTicket{
		UploadID: ticket.UploadID, URL: "https://uploads.example/bucket",
		Fields:   map[string]string{"key": intake.UploadKey("user:dealer-1", ticket.UploadID)},
		MaxBytes: size, ExpiresAt: now.Add(intake.UploadTTL),
	}
	if diff := cmp.Diff(wantTicket, ticket); diff != "" {
		t.Errorf("ticket mismatch (-want +got):\n%s", diff)
	}

	// Every ticket is a new upload.
	again, err := e.svc.PresignUpload(context.Background(), req)
	if err != nil {
		t.Fatalf("PresignUpload again: %v", err)
	}
	if again.UploadID == ticket.UploadID {
		t.Errorf("two presigns returned the same upload ID %q", again.UploadID)
	}
}

func TestPresignUploadRefusals(t *testing.T) {
	ok := intake.UploadRequest{Scope: "form:t", TypeID: "cosmetic", Zone: "defect", FileName: "a.jpg", ContentType: "image/jpeg", Size: 1000}
	tests := []struct {
		name      string
		modify    func(r *intake.UploadRequest)
		wantCode  apperr.Code
		wantField string
	}{
		{"unknown type", func(r *intake.UploadRequest) { r.TypeID = "weather" }, apperr.Invalid, "typeId"},
		{"inactive or missing zone", func(r *intake.UploadRequest) { r.Zone = "video" }, apperr.Invalid, "zone"},
		{"executable", func(r *intake.UploadRequest) { r.ContentType = "application/x-msdownload" }, apperr.UnsupportedMedia, "contentType"},
		{"a PDF in a photo zone", func(r *intake.UploadRequest) { r.ContentType = "application/pdf" }, apperr.UnsupportedMedia, "contentType"},
		{"no content type", func(r *intake.UploadRequest) { r.ContentType = "" }, apperr.UnsupportedMedia, "contentType"},
		{"empty file", func(r *intake.UploadRequest) { r.Size = 0 }, apperr.Invalid, "size"},
		{"negative size", func(r *intake.UploadRequest) { r.Size = -5 }, apperr.Invalid, "size"},
		{"over the zone's limit", func(r *intake.UploadRequest) { r.Size = 20<<20 + 1 }, apperr.TooLarge, "size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			r := ok
			tt.modify(&r)
			ticket, err := e.svc.PresignUpload(context.Background(), r)
			code, fields := fieldsOf(err)
			if code != tt.wantCode {
				t.Fatalf("PresignUpload error = %v (code %q), want %q", err, code, tt.wantCode)
			}
			if diff := cmp.Diff([]string{tt.wantField}, fields); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
			if ticket != nil || len(e.files.presigned) != 0 {
				t.Errorf("a refused upload was presigned (%d) or returned (%v)", len(e.files.presigned), ticket)
			}
		})
	}
}

func TestPresignUploadAcceptsEveryZoneType(t *testing.T) {
	tests := []struct {
		typeID, zone, contentType string
		maxBytes                  int64
	}{
		{"noise", "video", "video/quicktime", 200 << 20},
		{"noise", "video", "video/webm", 200 << 20},
		{"shortage", "documents", "application/pdf", 20 << 20},
		{"cosmetic", "product", "image/heic", 20 << 20},
		// Android file pickers call HEIF photos image/heif; the zone lists image/heic.
		{"cosmetic", "product", "image/heif", 20 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.contentType, func(t *testing.T) {
			e := newEnv(t)
			ticket, err := e.svc.PresignUpload(context.Background(), intake.UploadRequest{
				Scope: "s", TypeID: tt.typeID, Zone: tt.zone, FileName: "f", ContentType: tt.contentType, Size: tt.maxBytes,
			})
			if err != nil {
				t.Fatalf("PresignUpload: %v", err)
			}
			if ticket.MaxBytes != tt.maxBytes || e.files.presigned[0].ContentType != tt.contentType {
				t.Errorf("ticket max %d, policy type %q; want %d, %q", ticket.MaxBytes, e.files.presigned[0].ContentType, tt.maxBytes, tt.contentType)
			}
		})
	}
}

func TestUploadKey(t *testing.T) {
	id := uploadID(1)
	a, b := intake.UploadKey("form:a", id), intake.UploadKey("form:b", id)
	if a == b {
		t.Errorf("two scopes share the key %q", a)
	}
	if a != intake.UploadKey("form:a", id) {
		t.Error("UploadKey is not stable")
	}
	if !strings.HasPrefix(a, "uploads/") || !strings.HasSuffix(a, "/"+id) || strings.Contains(a, "form:a") {
		t.Errorf("UploadKey = %q, want uploads/<hashed scope>/<id> without the scope in clear", a)
	}
}

func TestValidUploadID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{uploadID(1), true},
		{"0123456789abcdefghjkmnpq", true},
		{"0123456789ABCDEFGHJKMNPQ", false}, // the alphabet is lower case
		{"0123456789abcdefghjkmnpu", false}, // u is not in the alphabet
		{"0123456789abcdefghjkmnp", false},
		{"0123456789abcdefghjkmnpqr", false},
		{"", false},
		{"../../../../../etc/passwd", false},
	}
	for _, tt := range tests {
		if got := intake.ValidUploadID(tt.id); got != tt.want {
			t.Errorf("ValidUploadID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestSafeFileName(t *testing.T) {
	long := strings.Repeat("я", 150) + ".jpg"
	tests := []struct {
		name, contentType, want string
	}{
		{"photo.jpg", "image/jpeg", "photo.jpg"},
		{"IMG_0001.JPEG", "image/jpeg", "IMG_0001.JPEG"},
		{"фото дефекта.png", "image/png", "фото дефекта.png"},
		{`C:\Users\me\Pictures\lid.jpg`, "image/jpeg", "lid.jpg"},
		{"../../etc/passwd", "", "passwd"},
		{"/var/tmp/", "", "tmp"},
		{"..", "", "file"},
		{"a/..", "image/png", "file.png"},
		{".", "", "file"},
		{"", "", "file"},
		{"", "application/pdf", "file.pdf"},
		{"\x00\x1f\x7f", "", "file"},
		{"a\x00b\r\nc.jpg", "image/jpeg", "abc.jpg"},
		{`"<x>|:*?.jpg`, "image/jpeg", "x.jpg"},
		{"ph\u200boto\ufeff.jpg", "image/jpeg", "photo.jpg"},
		{"  spaced name.pdf  ", "application/pdf", "spaced name.pdf"},
		// A right-to-left override would show this as "invoiceexe.pdf".
		{"invoice\u202efdp.exe", "application/pdf", "invoicefdp.exe.pdf"},
		{"setup.exe", "image/jpeg", "setup.exe.jpg"},
		{"page.html", "application/pdf", "page.html.pdf"},
		{"scan", "application/pdf", "scan.pdf"},
		{"clip.MOV", "video/quicktime", "clip.MOV"},
		{"IMG_1234.HEIC", "image/heif", "IMG_1234.HEIC"},
		{"notes.txt", "", "notes.txt"},
		{"notes.txt", "text/plain", "notes.txt"},
		{long, "image/jpeg", strings.Repeat("я", 96) + ".jpg"},
		{strings.Repeat("a", 120), "application/pdf", strings.Repeat("a", 96) + ".pdf"},
	}
	for _, tt := range tests {
		got := intake.SafeFileName(tt.name, tt.contentType)
		if got != tt.want {
			t.Errorf("SafeFileName(%q, %q) = %q, want %q", tt.name, tt.contentType, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > 100 || n == 0 {
			t.Errorf("SafeFileName(%q) has %d characters, want 1..100", tt.name, n)
		}
		if strings.ContainsAny(got, `/\`) || strings.ContainsFunc(got, unicode.IsControl) {
			t.Errorf("SafeFileName(%q) = %q keeps a path separator or a control character", tt.name, got)
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"jpeg", jpegBytes, "image/jpeg"},
		{"png", pngBytes, "image/png"},
		{"webp", webpBytes, "image/webp"},
		{"gif", gifBytes, "image/gif"},
		{"pdf", pdfBytes, "application/pdf"},
		{"mp4 isom", mp4Bytes, "video/mp4"},
		{"mp4 brand mp42", pad([]byte("\x00\x00\x00\x18ftypmp42")), "video/mp4"},
		{"quicktime", movBytes, "video/quicktime"},
		{"heic", heicBytes, "image/heic"},
		{"heic hevc brand", pad([]byte("\x00\x00\x00\x18ftyphevc")), "image/heic"},
		{"heif mif1", heifBytes, "image/heif"},
		{"avif", pad([]byte("\x00\x00\x00\x1cftypavif")), "image/avif"},
		{"m4a audio", pad([]byte("\x00\x00\x00\x20ftypM4A ")), "audio/mp4"},
		{"webm", webmBytes, "video/webm"},
		{"zip", zipBytes, "application/zip"},
		{"windows executable", peBytes, "application/octet-stream"},
		{"html", []byte("<!DOCTYPE html><script>alert(1)</script>"), "text/html"},
		{"empty", nil, "text/plain"},
		{"ftyp box cut short", []byte("\x00\x00\x00\x18ftyp"), "application/octet-stream"},
	}
	for _, tt := range tests {
		if got := intake.Sniff(tt.head); got != tt.want {
			t.Errorf("Sniff(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSameMedia(t *testing.T) {
	tests := []struct {
		declared, sniffed string
		want              bool
	}{
		{"image/jpeg", "image/jpeg", true},
		{"image/jpg", "image/jpeg", true},
		{"image/pjpeg", "image/jpeg", true},
		{"image/heif", "image/heic", true},
		{"image/heic", "image/heif", true},
		{"video/x-m4v", "video/mp4", true},
		{"image/png", "image/jpeg", false},
		{"image/jpeg", "application/octet-stream", false},
		{"video/mp4", "video/quicktime", false},
		{"application/pdf", "image/jpeg", false},
	}
	for _, tt := range tests {
		if got := intake.SameMedia(tt.declared, tt.sniffed); got != tt.want {
			t.Errorf("SameMedia(%q, %q) = %v, want %v", tt.declared, tt.sniffed, got, tt.want)
		}
	}
}

func TestSubmitAcceptsHEIFBrandedPhoto(t *testing.T) {
	// Phones declare image/heic for files whose ftyp brand is "mif1"; the
	// zone lists image/heic, and SameMedia treats the two as one format.
	e := newEnv(t)
	sub := validSubmission(e)
	e.files.put(scope, uploadID(3), "image/heic", "IMG_1.HEIC", heifBytes, 0)
	sub.Attachments = append(sub.Attachments, intake.AttachmentRef{Zone: "defect", UploadID: uploadID(3)})
	res, err := e.svc.Submit(context.Background(), sub)
	if err != nil {
		t.Fatalf("Submit with a mif1-branded HEIF photo: %v", err)
	}
	got := e.store.created[0].Attachments[2]
	if got.ContentType != "image/heif" || got.Zone != "defect" || res.Claim.ID == "" {
		t.Errorf("stored attachment %+v, want image/heif in defect", got)
	}
}

// TestPresignUploadForARetiredType: a filed claim keeps getting files (its
// chat, late photos) after its type leaves the catalog; a new claim does not.
func TestPresignUploadForARetiredType(t *testing.T) {
	e := newEnv(t)
	for i := range e.cat.Types {
		if e.cat.Types[i].ID == "cosmetic" {
			e.cat.Types[i].Active = false
		}
	}
	req := intake.UploadRequest{Scope: "claim:RC-2026-000001:u", TypeID: "cosmetic", Zone: "defect", FileName: "a.jpg", ContentType: "image/jpeg", Size: 1000}
	if _, err := e.svc.PresignUpload(context.Background(), req); !hasField(err, "typeId") {
		t.Errorf("new claim of a retired type: %v, want an error naming typeId", err)
	}
	req.Filed = true
	if _, err := e.svc.PresignUpload(context.Background(), req); err != nil {
		t.Errorf("filed claim of a retired type: %v", err)
	}
}

// hasField reports whether err is an apperr error naming field.
func hasField(err error, field string) bool {
	e, ok := apperr.As(err)
	if !ok {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
