package kb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/kb/search"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/visibility"
)

// Store keeps articles, their versions and their links to the catalog.
type Store interface {
	// Article returns an article; apperr.NotFound when there is none.
	Article(ctx context.Context, id string) (*Article, error)
	// ArticlesByID returns the articles of ids that exist, in no order.
	ArticlesByID(ctx context.Context, ids []string) ([]Article, error)
	// PutArticle writes a, its revision and its links in one transaction
	// (removing prev's links a no longer has); apperr.Conflict when the
	// stored article is not prev (another writer won) or, without prev,
	// when one exists.
	PutArticle(ctx context.Context, a Article, prev *Article, rev Revision) error
	// ArticleChanges lists an article's versions, oldest first.
	ArticleChanges(ctx context.Context, id string) ([]Change, error)
	// ArticleRevision returns one version; apperr.NotFound when there is none.
	ArticleRevision(ctx context.Context, id string, version int) (*Revision, error)
	// ListArticles lists the articles, last changed first, a page of
	// limit after cursor ("" for the first; the next page's cursor, ""
	// after the last).
	ListArticles(ctx context.Context, limit int, cursor string) ([]Summary, string, error)
	// LinkedArticles lists the articles linked to one catalog entry.
	LinkedArticles(ctx context.Context, l Link) ([]Summary, error)
}

// Renderer turns an article's Markdown into safe HTML (kb/markdown).
type Renderer interface {
	Render(source string) (string, error)
}

// Files keeps the articles' files in the private bucket (s3files.Files).
type Files interface {
	PresignUpload(ctx context.Context, spec intake.UploadSpec) (*intake.Upload, error)
	// Stat returns apperr.NotFound when there is no such object.
	Stat(ctx context.Context, key string) (*intake.Object, error)
	Head(ctx context.Context, key string, n int) ([]byte, error)
	DownloadURL(ctx context.Context, key, fileName, contentType string, ttl time.Duration) (string, error)
}

// SearchIndex is the full-text index (search.Store): read, changed in
// place, rebuilt from every article.
type SearchIndex interface {
	Index(ctx context.Context) (*search.Index, error)
	Update(ctx context.Context, fn func(*search.Index)) error
	Rebuild(ctx context.Context, docs iter.Seq2[search.Doc, error]) error
}

// Config wires a Service; every field but Now and Logger is required.
type Config struct {
	Store    Store
	Catalog  catalog.Source
	Renderer Renderer
	Files    Files
	Index    SearchIndex
	Now      func() time.Time
	// Logger reports an index update that failed after its article was
	// stored (slog.Default when nil).
	Logger *slog.Logger
}

// Service writes, reads and searches articles.
type Service struct {
	cfg Config
}

// New returns a Service. It returns an Internal error naming what cfg
// lacks.
func New(cfg Config) (*Service, error) {
	if err := deps.Check("kb", deps.Need("Store", cfg.Store), deps.Need("Catalog", cfg.Catalog), deps.Need("Renderer", cfg.Renderer),
		deps.Need("Files", cfg.Files), deps.Need("Index", cfg.Index)); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg}, nil
}

// Writers may create and change articles: admins and supervisors publish,
// managers propose drafts.
var writers = []auth.Role{auth.Admin, auth.Supervisor, auth.Manager}

// publishers may publish and archive, and change a published article.
func publisher(p *auth.Principal) bool { return p.HasAny(auth.Admin, auth.Supervisor) }

func newID(prefix string) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + hex.EncodeToString(b[:])
}

// Create writes a new article. apperr.Invalid names the field; Forbidden
// when a manager asks for another status than draft.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in Input) (*Article, error) {
	return s.write(ctx, p, "", in)
}

// Update replaces an article with in, as its next version.
// apperr.NotFound, Conflict (in.Version is not the stored one), Invalid
// (naming the field), Forbidden (a manager changing what is not a draft, or
// publishing).
func (s *Service) Update(ctx context.Context, p *auth.Principal, id string, in Input) (*Article, error) {
	return s.write(ctx, p, id, in)
}

func (s *Service) write(ctx context.Context, p *auth.Principal, id string, in Input) (*Article, error) {
	if err := auth.Require(p, writers...); err != nil {
		return nil, err
	}
	cat, err := s.cfg.Catalog.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.validate(cat); err != nil {
		return nil, err
	}
	var prev *Article
	if id != "" {
		if prev, err = s.cfg.Store.Article(ctx, id); err != nil {
			return nil, err
		}
		if in.Version != prev.Version {
			return nil, apperr.Errorf(apperr.Conflict, "the article is at version %d", prev.Version)
		}
	}
	if !publisher(p) {
		if in.Status != Draft {
			return nil, apperr.Errorf(apperr.Forbidden, "managers propose drafts; admins and supervisors publish")
		}
		if prev != nil && prev.Status != Draft {
			return nil, apperr.Errorf(apperr.Forbidden, "managers change drafts only")
		}
	}
	files, err := s.attach(ctx, in.Files, prev)
	if err != nil {
		return nil, err
	}
	body, err := s.cfg.Renderer.Render(in.Body)
	if err != nil {
		return nil, err
	}
	if len(body) > MaxHTMLBytes {
		return nil, apperr.InvalidField("body", "renders to more than 160 KB of HTML")
	}
	now := s.cfg.Now().UTC()
	a := Article{Title: in.Title, Body: in.Body, HTML: body, Language: in.Language, Audience: in.Audience, Status: in.Status,
		Categories: in.Categories, Types: in.Types, Models: in.Models, RootCauses: in.RootCauses, Files: files,
		UpdatedAt: now, UpdatedBy: p.UserID}
	if prev == nil {
		a.ID, a.Version, a.CreatedAt, a.CreatedBy = newID("kb-"), 1, now, p.UserID
	} else {
		a.ID, a.Version, a.CreatedAt, a.CreatedBy, a.PublishedAt = prev.ID, prev.Version+1, prev.CreatedAt, prev.CreatedBy, prev.PublishedAt
	}
	a.Owners = in.Owners
	if len(a.Owners) == 0 {
		if prev != nil {
			a.Owners = prev.Owners
		} else {
			a.Owners = []string{p.UserID}
		}
	}
	if a.Status == Published && (prev == nil || prev.Status != Published) {
		a.PublishedAt = now
	}
	rev := Revision{Change: Change{Version: a.Version, At: now, By: p.UserID, Fields: changedFields(prev, &a), Status: a.Status, Note: in.Note}, Article: a}
	if prev != nil && len(rev.Fields) == 0 {
		return prev, Links(ctx, s.cfg.Files, prev)
	}
	if err := s.cfg.Store.PutArticle(ctx, a, prev, rev); err != nil {
		return nil, err
	}
	// The article is stored: the index follows it. A failure here is
	// logged, not answered: the writer's change is made (a retry would
	// only meet a conflict), and the rebuild (POST /v1/kb/index/rebuild)
	// repairs the index.
	if err := s.cfg.Index.Update(ctx, func(ix *search.Index) { ix.Put(Doc(&a)) }); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "article stored but not indexed: rebuild the index", "articleId", a.ID, "error", err.Error())
	}
	if err := Links(ctx, s.cfg.Files, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Doc is the article as the search index sees it.
func Doc(a *Article) search.Doc {
	return search.Doc{ID: a.ID, Lang: a.Language, Title: a.Title, Body: a.Body, Categories: a.Categories, Types: a.Types,
		Models: a.Models, RootCauses: a.RootCauses, Audience: string(a.Audience), Status: string(a.Status), UpdatedAt: a.UpdatedAt}
}

// imageTypes are the pictures an article may show, by their content.
var imageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// attach resolves the files an article names: those it has stay; an upload
// must be in the bucket, and a picture must be one by its content.
func (s *Service) attach(ctx context.Context, refs []FileRef, prev *Article) ([]File, error) {
	out := make([]File, 0, len(refs))
	for i, ref := range refs {
		field := "files[" + itoa(i) + "]"
		if prev != nil {
			if j := slices.IndexFunc(prev.Files, func(f File) bool { return f.ID == ref.ID }); j >= 0 {
				out = append(out, prev.Files[j])
				continue
			}
		}
		if !filePattern.MatchString(ref.ID) {
			return nil, apperr.InvalidField(field, "an upload's id (POST /v1/kb/uploads)")
		}
		obj, err := s.cfg.Files.Stat(ctx, FileKey(ref.ID))
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, apperr.InvalidField(field, "not uploaded")
		}
		if err != nil {
			return nil, err
		}
		f := File{ID: ref.ID, Kind: obj.Metadata["kind"], FileName: obj.Metadata["filename"], ContentType: obj.ContentType, Size: obj.Size}
		if f.Kind == "image" {
			head, err := s.cfg.Files.Head(ctx, FileKey(ref.ID), intake.SniffLen)
			if err != nil {
				return nil, err
			}
			sniffed := intake.Sniff(head)
			if !slices.Contains(imageTypes, sniffed) {
				return nil, apperr.InvalidField(field, "not a picture (PNG, JPEG, GIF or WebP) by its content")
			}
			f.ContentType = sniffed
		} else {
			f.Kind = "file"
		}
		if slices.ContainsFunc(out, func(g File) bool { return g.ID == f.ID }) {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

var filePattern = lazyre.New(`^f-[0-9a-f]{16}$`)

// UploadRequest asks for a presigned upload of one picture or file.
type UploadRequest struct {
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	// Kind is "image" or "file".
	Kind string `json:"kind"`
}

// Upload is a presigned upload: POST the file to URL with Fields, then name
// ID in the article's files.
type Upload struct {
	ID string `json:"uploadId"`
	intake.Upload
	ExpiresAt time.Time `json:"expiresAt"`
}

// Upload limits.
const (
	MaxImageBytes = 10 << 20
	MaxFileBytes  = 25 << 20
	uploadTTL     = 15 * time.Minute
)

// Upload presigns an upload for a writer; apperr.Invalid names the field.
func (s *Service) Upload(ctx context.Context, p *auth.Principal, r UploadRequest) (*Upload, error) {
	if err := auth.Require(p, writers...); err != nil {
		return nil, err
	}
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	name := cleanFileName(r.FileName)
	if name == "" {
		add("fileName", "1..200 characters")
	}
	limit := int64(MaxFileBytes)
	switch r.Kind {
	case "image":
		limit = MaxImageBytes
		if !slices.Contains(imageTypes, r.ContentType) {
			add("contentType", "image/png, image/jpeg, image/gif or image/webp")
		}
	case "file":
		if r.ContentType == "" || len(r.ContentType) > 100 || strings.ContainsAny(r.ContentType, " \r\n;") {
			add("contentType", "a media type, e.g. application/pdf")
		}
	default:
		add("kind", "image or file")
	}
	if r.Size < 1 || r.Size > limit {
		add("size", fmt.Sprintf("1..%d bytes", limit))
	}
	if err := apperr.Validation(f); err != nil {
		return nil, err
	}
	id := newID("f-")
	up, err := s.cfg.Files.PresignUpload(ctx, intake.UploadSpec{Key: FileKey(id), ContentType: r.ContentType, MinBytes: r.Size, MaxBytes: r.Size,
		Metadata: map[string]string{"filename": name, "kind": r.Kind, "by": p.UserID}, TTL: uploadTTL})
	if err != nil {
		return nil, err
	}
	return &Upload{ID: id, Upload: *up, ExpiresAt: s.cfg.Now().Add(uploadTTL).UTC()}, nil
}

func cleanFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' || r == '"' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if len([]rune(s)) > 200 {
		return ""
	}
	return s
}

// Get returns an article as p may see it (dealers: only published public
// ones; others get apperr.NotFound), its files' download links set.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (*Article, error) {
	if !ValidID(id) {
		return nil, apperr.Errorf(apperr.NotFound, "no article %s", id)
	}
	a, err := s.cfg.Store.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visibility.SeesArticle(visibility.Of(p), string(a.Status), string(a.Audience)) {
		return nil, apperr.Errorf(apperr.NotFound, "no article %s", id)
	}
	if err := Links(ctx, s.cfg.Files, a); err != nil {
		return nil, err
	}
	return ForAudience(visibility.Of(p), a), nil
}

// ForAudience returns a as audience aud may see it: outside the claims
// department, who wrote it is "staff" (visibility.StaffActor) and its
// links to root causes (the company's internal taxonomy) are left out.
func ForAudience(aud visibility.Audience, a *Article) *Article {
	if aud.Internal() {
		return a
	}
	c := *a
	c.CreatedBy, c.UpdatedBy, c.Owners, c.RootCauses = visibility.StaffActor, visibility.StaffActor, []string{visibility.StaffActor}, []string{}
	return &c
}

// downloadTTL is how long an article's file links work.
const downloadTTL = time.Hour

// FileLinks presigns file downloads (s3files.Files).
type FileLinks interface {
	DownloadURL(ctx context.Context, key, fileName, contentType string, ttl time.Duration) (string, error)
}

// Links sets the download links of a's files and points the pictures of
// its HTML (kb-file:<id>) at them.
func Links(ctx context.Context, files FileLinks, a *Article) error {
	for i := range a.Files {
		f := &a.Files[i]
		u, err := files.DownloadURL(ctx, FileKey(f.ID), f.FileName, f.ContentType, downloadTTL)
		if err != nil {
			return err
		}
		f.URL = u
		a.HTML = strings.ReplaceAll(a.HTML, `"kb-file:`+f.ID+`"`, `"`+html.EscapeString(u)+`"`)
	}
	return nil
}

// Versions lists an article's versions (staff only: the history says who
// wrote what).
func (s *Service) Versions(ctx context.Context, p *auth.Principal, id string) ([]Change, error) {
	if err := s.staff(p, id); err != nil {
		return nil, err
	}
	if _, err := s.cfg.Store.Article(ctx, id); err != nil {
		return nil, err
	}
	return s.cfg.Store.ArticleChanges(ctx, id)
}

// Version returns one old version of an article (staff only).
func (s *Service) Version(ctx context.Context, p *auth.Principal, id string, n int) (*Revision, error) {
	if err := s.staff(p, id); err != nil {
		return nil, err
	}
	return s.cfg.Store.ArticleRevision(ctx, id, n)
}

func (s *Service) staff(p *auth.Principal, id string) error {
	if err := auth.Require(p, auth.Admin, auth.Supervisor, auth.Manager, auth.Integration, auth.Dealer); err != nil {
		return err
	}
	if !visibility.Of(p).Internal() || !ValidID(id) {
		return apperr.Errorf(apperr.NotFound, "no article %s", id)
	}
	return nil
}

// List lists the articles p may see, last changed first: staff all of them
// (a page of limit after cursor); others the published public ones.
func (s *Service) List(ctx context.Context, p *auth.Principal, limit int, cursor string) ([]Summary, string, error) {
	if !visibility.Of(p).Internal() {
		// Dealers read through the search, which filters in the index.
		res, err := s.Search(ctx, p, search.Query{Limit: limit})
		if err != nil {
			return nil, "", err
		}
		ids := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ids[i] = h.ID
		}
		full, err := s.cfg.Store.ArticlesByID(ctx, ids)
		if err != nil {
			return nil, "", err
		}
		byID := map[string]*Article{}
		for i := range full {
			byID[full[i].ID] = &full[i]
		}
		out := make([]Summary, 0, len(ids))
		for _, id := range ids {
			// Read again: only what is published and public now.
			if a := byID[id]; a != nil && visibility.SeesArticle(visibility.Of(p), string(a.Status), string(a.Audience)) {
				out = append(out, ForAudience(visibility.Of(p), a).Summary())
			}
		}
		return out, "", nil
	}
	return s.cfg.Store.ListArticles(ctx, limit, cursor)
}

// Search runs q with what p may see: dealers and the public published
// public articles only.
func (s *Service) Search(ctx context.Context, p *auth.Principal, q search.Query) (search.Result, error) {
	if err := auth.Require(p, auth.Admin, auth.Supervisor, auth.Manager, auth.Integration, auth.Dealer); err != nil {
		return search.Result{}, err
	}
	if !visibility.Of(p).Internal() {
		q.Statuses, q.Audiences = []string{string(Published)}, []string{string(Public)}
	}
	ix, err := s.cfg.Index.Index(ctx)
	if err != nil {
		return search.Result{}, err
	}
	return ix.Search(q), nil
}

// Rebuild builds the search index anew from every article (admins): what
// repairs it after a failed update. It returns the number of articles.
func (s *Service) Rebuild(ctx context.Context, p *auth.Principal) (int, error) {
	if err := auth.Require(p, auth.Admin); err != nil {
		return 0, err
	}
	n := 0
	// The articles a page at a time, as the index takes them; read anew
	// each time the index ranges over them (a rebuild overtaken by an
	// update reads them again).
	docs := func(yield func(search.Doc, error) bool) {
		n = 0
		cursor := ""
		for {
			page, next, err := s.cfg.Store.ListArticles(ctx, 100, cursor)
			if err != nil {
				yield(search.Doc{}, err)
				return
			}
			ids := make([]string, len(page))
			for i, a := range page {
				ids[i] = a.ID
			}
			full, err := s.cfg.Store.ArticlesByID(ctx, ids)
			if err != nil {
				yield(search.Doc{}, err)
				return
			}
			for i := range full {
				n++
				if !yield(Doc(&full[i]), nil) {
					return
				}
			}
			if next == "" {
				return
			}
			cursor = next
		}
	}
	if err := s.cfg.Index.Rebuild(ctx, docs); err != nil {
		return 0, err
	}
	return n, nil
}
