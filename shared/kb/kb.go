// Package kb is the knowledge base: articles of proven solutions per claim
// type, product model and root cause, written by the claims department and
// shown to managers inside a claim, to customers and dealers before they
// file (the published self-help ones), and through full-text search.
//
// An article has a title, a Markdown body (stored with its sanitized HTML,
// rendered when it is written: readers never render), a language, pictures
// and files in the private bucket, an audience (staff only, or also
// customers and dealers), links to the catalog (categories, types, product
// models, root causes), a status (draft, published, archived), owners and
// numbered versions, each kept with who changed what. Admins and
// supervisors write and publish; managers propose drafts; dealers and the
// public read the published public articles only (package visibility).
//
// It imports no AWS package: the storage, the bucket, the renderer and the
// search index are interfaces its callers implement.
//
// Layer: domain.
package kb

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/cleantext"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// Status is where an article is in its life.
type Status string

// The statuses.
const (
	Draft     Status = "draft"
	Published Status = "published"
	Archived  Status = "archived"
)

// Audience is who may read an article once it is published.
type Audience string

// The audiences.
const (
	// StaffOnly articles are the claims department's.
	StaffOnly Audience = "staff"
	// Public articles are also shown to customers and dealers.
	Public Audience = "public"
)

// Languages are the articles' languages.
var Languages = []string{"ru", "en"}

// File is a picture or a file of an article, kept in the private bucket
// under FileKey(ID).
type File struct {
	ID string `json:"id"`
	// Kind is "image" (verified by its content to be a PNG, JPEG, GIF or
	// WebP picture) or "file".
	Kind        string `json:"kind"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	// URL is a presigned download link, set when an article is read.
	URL string `json:"url,omitempty"`
}

// FileKey is where an article's file is kept in the bucket.
func FileKey(id string) string { return "kb/files/" + id }

// Article is a knowledge base article.
type Article struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Body     string   `json:"body"`
	HTML     string   `json:"html"`
	Language string   `json:"language"`
	Audience Audience `json:"audience"`
	Status   Status   `json:"status"`
	// Links to the catalog.
	Categories []string `json:"categories"`
	Types      []string `json:"types"`
	Models     []string `json:"models"`
	RootCauses []string `json:"rootCauses"`
	Files      []File   `json:"files"`
	// Owners are the users answerable for the article (its author first).
	Owners      []string  `json:"owners"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"createdAt"`
	CreatedBy   string    `json:"createdBy"`
	UpdatedAt   time.Time `json:"updatedAt"`
	UpdatedBy   string    `json:"updatedBy"`
	PublishedAt time.Time `json:"publishedAt,omitzero"`
}

// Summary is an article without its body: what lists and links show.
type Summary struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Language    string    `json:"language"`
	Audience    Audience  `json:"audience"`
	Status      Status    `json:"status"`
	Categories  []string  `json:"categories"`
	Types       []string  `json:"types"`
	Models      []string  `json:"models"`
	RootCauses  []string  `json:"rootCauses"`
	Version     int       `json:"version"`
	UpdatedAt   time.Time `json:"updatedAt"`
	PublishedAt time.Time `json:"publishedAt,omitzero"`
}

// Summary returns the article's summary.
func (a *Article) Summary() Summary {
	return Summary{ID: a.ID, Title: a.Title, Language: a.Language, Audience: a.Audience, Status: a.Status,
		Categories: a.Categories, Types: a.Types, Models: a.Models, RootCauses: a.RootCauses, Version: a.Version,
		UpdatedAt: a.UpdatedAt, PublishedAt: a.PublishedAt}
}

// Change is one version of an article: who made it, when, and which fields
// it changed.
type Change struct {
	Version int       `json:"version"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	// Fields names what changed ("created" for the first version).
	Fields []string `json:"fields"`
	Status Status   `json:"status"`
	Note   string   `json:"note,omitempty"`
}

// Revision is an article as one of its versions left it.
type Revision struct {
	Change
	Article Article `json:"article"`
}

// LinkKind is a catalog list an article links to.
type LinkKind string

// The link kinds.
const (
	LinkCategory  LinkKind = "category"
	LinkType      LinkKind = "type"
	LinkModel     LinkKind = "model"
	LinkRootCause LinkKind = "rootCause"
)

// Link is one link of an article to a catalog entry.
type Link struct {
	Kind  LinkKind
	Value string
}

// Links lists the article's links.
func (a *Article) Links() []Link {
	var out []Link
	for _, l := range []struct {
		kind LinkKind
		ids  []string
	}{{LinkCategory, a.Categories}, {LinkType, a.Types}, {LinkModel, a.Models}, {LinkRootCause, a.RootCauses}} {
		for _, id := range l.ids {
			out = append(out, Link{l.kind, id})
		}
	}
	return out
}

// Limits of an article.
const (
	// MaxBodyBytes caps the Markdown body (100 KB).
	MaxBodyBytes = 100 << 10
	// MaxHTMLBytes caps the rendered body (an article's item holds both).
	MaxHTMLBytes = 160 << 10
	// MaxLinks caps an article's links per kind.
	MaxLinks = 20
	// MaxFiles caps an article's pictures and files.
	MaxFiles = 20
	// MaxOwners caps an article's owners.
	MaxOwners = 10
)

var (
	userPattern = lazyre.New(`^[A-Za-z0-9@._:+-]{1,128}$`)
	idPattern   = lazyre.New(`^kb-[0-9a-f]{16}$`)
)

// ValidID reports whether id can be an article's ID.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Input is what a writer sends: the whole article as it should be.
type Input struct {
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	Language   string   `json:"language"`
	Audience   Audience `json:"audience"`
	Status     Status   `json:"status"`
	Categories []string `json:"categories"`
	Types      []string `json:"types"`
	Models     []string `json:"models"`
	RootCauses []string `json:"rootCauses"`
	// Files are the article's files by ID: kept ones, and uploads
	// (POST /v1/kb/uploads) to attach.
	Files  []FileRef `json:"files"`
	Owners []string  `json:"owners"`
	// Note says why (kept with the version).
	Note string `json:"note"`
	// Version is the article's version the writer saw (updates only).
	Version int `json:"version"`
}

// FileRef names a file of an article: one it has, or an upload to attach.
type FileRef struct {
	ID string `json:"id"`
}

// validate cleans in and checks it against the catalog; errors name the
// field.
func (in *Input) validate(cat *catalog.Catalog) error {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	in.Title = cleantext.Line(in.Title)
	if n := utf8.RuneCountInString(in.Title); n < 3 || n > 200 {
		add("title", "3..200 characters")
	}
	if len(in.Body) > MaxBodyBytes {
		add("body", "at most 100 KB of Markdown")
	} else if !utf8.ValidString(in.Body) {
		add("body", "not valid UTF-8")
	} else if strings.TrimSpace(in.Body) == "" {
		add("body", "required")
	}
	if !slices.Contains(Languages, in.Language) {
		add("language", "ru or en")
	}
	if in.Audience == "" {
		in.Audience = StaffOnly
	}
	if in.Audience != StaffOnly && in.Audience != Public {
		add("audience", "staff or public")
	}
	if in.Status == "" {
		in.Status = Draft
	}
	if in.Status != Draft && in.Status != Published && in.Status != Archived {
		add("status", "draft, published or archived")
	}
	check := func(field string, ids []string, known func(string) bool) []string {
		out := make([]string, 0, len(ids))
		if len(ids) > MaxLinks {
			add(field, "at most 20")
			return out
		}
		for i, id := range ids {
			if !known(id) {
				add(field+"["+itoa(i)+"]", "not in the catalog: "+cleantext.Line(truncate(id, 64)))
				continue
			}
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		return out
	}
	in.Categories = check("categories", in.Categories, func(id string) bool { _, ok := cat.Category(id); return ok })
	in.Types = check("types", in.Types, func(id string) bool { _, ok := cat.Type(id); return ok })
	in.Models = check("models", in.Models, func(id string) bool { _, ok := cat.Model(id); return ok })
	in.RootCauses = check("rootCauses", in.RootCauses, func(id string) bool { _, ok := cat.RootCause(id); return ok })
	if len(in.Files) > MaxFiles {
		add("files", "at most 20")
	}
	if len(in.Owners) > MaxOwners {
		add("owners", "at most 10")
	}
	for i, o := range in.Owners {
		if !userPattern.MatchString(o) {
			add("owners["+itoa(i)+"]", "a user ID")
		}
	}
	in.Note = cleantext.Line(in.Note)
	if utf8.RuneCountInString(in.Note) > 500 {
		add("note", "at most 500 characters")
	}
	return apperr.Validation(f)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// changedFields names what differs between an article's versions.
func changedFields(old, new *Article) []string {
	if old == nil {
		return []string{"created"}
	}
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("title", old.Title != new.Title)
	add("body", old.Body != new.Body)
	add("language", old.Language != new.Language)
	add("audience", old.Audience != new.Audience)
	add("status", old.Status != new.Status)
	add("categories", !slices.Equal(old.Categories, new.Categories))
	add("types", !slices.Equal(old.Types, new.Types))
	add("models", !slices.Equal(old.Models, new.Models))
	add("rootCauses", !slices.Equal(old.RootCauses, new.RootCauses))
	add("files", !slices.EqualFunc(old.Files, new.Files, func(a, b File) bool { return a.ID == b.ID }))
	add("owners", !slices.Equal(old.Owners, new.Owners))
	return out
}
