// Package catalog is the catalog of claim categories and types: for each type
// the filing instructions, sample documents, required photo zones (with
// minimum counts and accepted media types), required fields and default
// priority. Claimants are shown it when filing; intake validates against it.
//
// It imports only the standard library and packages apperr, cache, cleantext
// and lazyre.
//
// Layer: domain.
package catalog

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/cleantext"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// Text is a translated string: language code ("ru", "en") -> text.
type Text map[string]string

// In returns the text in lang, falling back to Russian, then to any.
func (t Text) In(lang string) string {
	if v := t[lang]; v != "" {
		return v
	}
	if v := t["ru"]; v != "" {
		return v
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t[k] != "" {
			return t[k]
		}
	}
	return ""
}

// Priority of a claim.
type Priority string

// The priorities, lowest first.
const (
	Low      Priority = "low"
	Normal   Priority = "normal"
	High     Priority = "high"
	Critical Priority = "critical"
)

// Priorities lists the valid priorities, lowest first.
var Priorities = []Priority{Low, Normal, High, Critical}

// Rank orders priorities: critical is 0, low is 3.
func (p Priority) Rank() int {
	switch p {
	case Critical:
		return 0
	case High:
		return 1
	case Normal:
		return 2
	}
	return 3
}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return slices.Contains(Priorities, p) }

// Category groups claim types (manufacturing defect, transport damage, ...).
type Category struct {
	ID          string `json:"id"`
	Name        Text   `json:"name"`
	Description Text   `json:"description,omitempty"`
	Order       int    `json:"order"`
	Active      bool   `json:"active"`
}

// Document is a sample document shown to the claimant (a filled-in act, a
// photo example).
type Document struct {
	Title Text   `json:"title"`
	URL   string `json:"url"`
}

// PhotoZone is a group of files the claimant attaches: product photos, defect
// photos, the rating plate, a video.
type PhotoZone struct {
	ID         string   `json:"id"`
	Title      Text     `json:"title"`
	Hint       Text     `json:"hint,omitempty"`
	Min        int      `json:"min"`
	Max        int      `json:"max"`
	MediaTypes []string `json:"mediaTypes"`
	// MaxBytes is the largest accepted file.
	MaxBytes int64 `json:"maxBytes"`
}

// Accepts reports whether a media type may be uploaded to the zone.
func (z PhotoZone) Accepts(mediaType string) bool {
	return slices.Contains(z.MediaTypes, strings.ToLower(mediaType))
}

// Type is a claim type with everything a claimant must provide.
type Type struct {
	ID              string      `json:"id"`
	CategoryID      string      `json:"categoryId"`
	Name            Text        `json:"name"`
	Instructions    Text        `json:"instructions"`
	SampleDocuments []Document  `json:"sampleDocuments,omitempty"`
	PhotoZones      []PhotoZone `json:"photoZones"`
	// RequiredFields names the claim fields this type needs beyond the
	// always-required ones, as field paths (see Fields).
	RequiredFields  []string `json:"requiredFields"`
	DefaultPriority Priority `json:"defaultPriority"`
	// WarrantyMonths is the warranty period of the products claims of this
	// type are about, counted from the purchase date: a claim filed after
	// it is flagged (not refused). 0: no warranty applies (transport,
	// quantity, service), nothing is flagged.
	WarrantyMonths int  `json:"warrantyMonths,omitempty"`
	Order          int  `json:"order"`
	Active         bool `json:"active"`
}

// Zone returns the photo zone with id.
func (t *Type) Zone(id string) (PhotoZone, bool) {
	for _, z := range t.PhotoZones {
		if z.ID == id {
			return z, true
		}
	}
	return PhotoZone{}, false
}

// Requires reports whether the type requires the field path.
func (t *Type) Requires(field string) bool { return slices.Contains(t.RequiredFields, field) }

// Fields are the claim field paths a type may require.
var Fields = []string{
	"claimant.phone", "claimant.email", "claimant.company",
	"product.serial", "product.series", "product.purchaseDate",
	"order.reference", "order.items", "desiredFix",
}

// Catalog is the full catalog.
type Catalog struct {
	Categories []Category `json:"categories"`
	Types      []Type     `json:"types"`
	// RootCauses are what a decision can name as the cause.
	RootCauses []RootCause `json:"rootCauses,omitempty"`
	// Models are the product models claims and knowledge base articles
	// name (a claim's product.model is free text from the claimant; an
	// article links only models of this list).
	Models []Model `json:"models,omitempty"`
}

// Model is a product model of the catalog, by its code as the nameplate
// and the ERP print it (e.g. "TH-2000").
type Model struct {
	ID     string `json:"id"`
	Name   Text   `json:"name"`
	Active bool   `json:"active"`
}

var modelPattern = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9./_-]{0,63}$`)

// ValidateModel cleans a product model's name (package cleantext) and
// checks the model; errors name the field.
func ValidateModel(m *Model) error {
	var f []apperr.FieldError
	if !modelPattern.MatchString(m.ID) {
		f = append(f, apperr.FieldError{Field: "id", Message: "1-64 characters: letters, digits, '.', '/', '_' or '-', starting with a letter or digit"})
	}
	m.Name.clean(true)
	f = append(f, validateText("name", m.Name, 1, 120, true)...)
	return apperr.Validation(f)
}

// Model returns the product model with id.
func (c *Catalog) Model(id string) (*Model, bool) {
	for i := range c.Models {
		if c.Models[i].ID == id {
			return &c.Models[i], true
		}
	}
	return nil, false
}

// RootCause returns the root cause with id.
func (c *Catalog) RootCause(id string) (*RootCause, bool) {
	for i := range c.RootCauses {
		if c.RootCauses[i].ID == id {
			return &c.RootCauses[i], true
		}
	}
	return nil, false
}

// RootCause is an entry of the root cause catalog.
type RootCause struct {
	ID   string `json:"id"`
	Name Text   `json:"name"`
	// Group is manufacturing, design, supplier, logistics, installation,
	// customer or other.
	Group  string `json:"group"`
	Active bool   `json:"active"`
}

// RootCauseGroups are the valid groups.
var RootCauseGroups = []string{"manufacturing", "design", "supplier", "logistics", "installation", "customer", "other"}

// Manufacturing reports whether the cause is a manufacturing defect (the
// claim then needs an incident analysis).
func (r RootCause) Manufacturing() bool { return r.Group == "manufacturing" }

// ValidateRootCause cleans a root cause's name (package cleantext) and checks
// the root cause; errors name the field.
func ValidateRootCause(r *RootCause) error {
	var f []apperr.FieldError
	if !idPattern.MatchString(r.ID) {
		f = append(f, apperr.FieldError{Field: "id", Message: "2-40 characters: lower-case letters, digits, '-' or '_', starting with a letter"})
	}
	r.Name.clean(true)
	f = append(f, validateText("name", r.Name, 1, 120, true)...)
	if !slices.Contains(RootCauseGroups, r.Group) {
		f = append(f, apperr.FieldError{Field: "group", Message: "one of " + strings.Join(RootCauseGroups, ", ")})
	}
	return apperr.Validation(f)
}

// Category returns the category with id.
func (c *Catalog) Category(id string) (*Category, bool) {
	for i := range c.Categories {
		if c.Categories[i].ID == id {
			return &c.Categories[i], true
		}
	}
	return nil, false
}

// Type returns the type with id.
func (c *Catalog) Type(id string) (*Type, bool) {
	for i := range c.Types {
		if c.Types[i].ID == id {
			return &c.Types[i], true
		}
	}
	return nil, false
}

// ForClaimants is the active catalog without the root causes, the
// company's internal taxonomy: what customers and dealers see.
func (c *Catalog) ForClaimants() *Catalog {
	out := c.Active()
	out.RootCauses = nil
	return out
}

// Active returns a catalog holding only active categories and their active
// types, sorted for display.
func (c *Catalog) Active() *Catalog {
	out := &Catalog{}
	for _, cat := range c.Categories {
		if cat.Active {
			out.Categories = append(out.Categories, cat)
		}
	}
	for _, t := range c.Types {
		if _, ok := out.Category(t.CategoryID); ok && t.Active {
			out.Types = append(out.Types, t)
		}
	}
	for _, r := range c.RootCauses {
		if r.Active {
			out.RootCauses = append(out.RootCauses, r)
		}
	}
	for _, m := range c.Models {
		if m.Active {
			out.Models = append(out.Models, m)
		}
	}
	out.Sort()
	return out
}

// Sort orders categories and types by Order, then ID.
func (c *Catalog) Sort() {
	sort.SliceStable(c.Categories, func(i, j int) bool {
		a, b := c.Categories[i], c.Categories[j]
		return a.Order < b.Order || a.Order == b.Order && a.ID < b.ID
	})
	sort.SliceStable(c.RootCauses, func(i, j int) bool { return c.RootCauses[i].ID < c.RootCauses[j].ID })
	sort.SliceStable(c.Models, func(i, j int) bool { return c.Models[i].ID < c.Models[j].ID })
	sort.SliceStable(c.Types, func(i, j int) bool {
		a, b := c.Types[i], c.Types[j]
		if a.CategoryID != b.CategoryID {
			return a.CategoryID < b.CategoryID
		}
		return a.Order < b.Order || a.Order == b.Order && a.ID < b.ID
	})
}

// TypesOf returns the types of a category.
func (c *Catalog) TypesOf(categoryID string) []Type {
	var out []Type
	for _, t := range c.Types {
		if t.CategoryID == categoryID {
			out = append(out, t)
		}
	}
	return out
}

var idPattern = lazyre.New(`^[a-z][a-z0-9_-]{1,39}$`)

// knownMediaTypes are the media types a photo zone may accept: photos, videos
// and scanned documents that browsers and phones produce.
var knownMediaTypes = []string{
	"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif",
	"video/mp4", "video/quicktime", "video/webm",
	"application/pdf",
}

// MaxWarrantyMonths caps a type's warranty period (20 years).
const MaxWarrantyMonths = 240

// MaxUploadBytes caps any zone's MaxBytes (large videos go to S3 directly, but
// not without bound).
const MaxUploadBytes = 200 << 20

// ValidateCategory cleans a category's texts (package cleantext) and checks
// the category; errors name the field.
func ValidateCategory(c *Category) error {
	var f []apperr.FieldError
	if !idPattern.MatchString(c.ID) {
		f = append(f, apperr.FieldError{Field: "id", Message: "2-40 characters: lower-case letters, digits, '-' or '_', starting with a letter"})
	}
	c.Name.clean(true)
	c.Description.clean(false)
	f = append(f, validateText("name", c.Name, 1, 120, true)...)
	f = append(f, validateText("description", c.Description, 0, 2000, false)...)
	return apperr.Validation(f)
}

// ValidateType cleans a type's texts (package cleantext) and checks the type
// against the catalog it will join; errors name the field.
func ValidateType(t *Type, c *Catalog) error {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	if !idPattern.MatchString(t.ID) {
		add("id", "2-40 characters: lower-case letters, digits, '-' or '_', starting with a letter")
	}
	if _, ok := c.Category(t.CategoryID); !ok {
		add("categoryId", fmt.Sprintf("unknown category %q", t.CategoryID))
	}
	t.Name.clean(true)
	t.Instructions.clean(false)
	f = append(f, validateText("name", t.Name, 1, 120, true)...)
	f = append(f, validateText("instructions", t.Instructions, 0, 5000, false)...)
	for i, d := range t.SampleDocuments {
		d.Title.clean(true)
		f = append(f, validateText(fmt.Sprintf("sampleDocuments[%d].title", i), d.Title, 1, 200, true)...)
		if !strings.HasPrefix(d.URL, "https://") && !strings.HasPrefix(d.URL, "/") {
			add(fmt.Sprintf("sampleDocuments[%d].url", i), "must be an https:// URL or a path on this site")
		}
	}
	seen := map[string]bool{}
	for i, z := range t.PhotoZones {
		p := fmt.Sprintf("photoZones[%d]", i)
		if !idPattern.MatchString(z.ID) {
			add(p+".id", "2-40 characters: lower-case letters, digits, '-' or '_'")
		} else if seen[z.ID] {
			add(p+".id", "duplicate zone "+z.ID)
		}
		seen[z.ID] = true
		z.Title.clean(true)
		z.Hint.clean(false)
		f = append(f, validateText(p+".title", z.Title, 1, 120, true)...)
		if z.Min < 0 || z.Min > 20 {
			add(p+".min", "0..20")
		}
		if z.Max < max(z.Min, 1) || z.Max > 50 {
			add(p+".max", "at least min (and 1), at most 50")
		}
		if len(z.MediaTypes) == 0 {
			add(p+".mediaTypes", "at least one media type")
		}
		for _, mt := range z.MediaTypes {
			if !slices.Contains(knownMediaTypes, mt) {
				add(p+".mediaTypes", fmt.Sprintf("%q is not accepted (one of %s)", mt, strings.Join(knownMediaTypes, ", ")))
			}
		}
		if z.MaxBytes <= 0 || z.MaxBytes > MaxUploadBytes {
			add(p+".maxBytes", fmt.Sprintf("1..%d", MaxUploadBytes))
		}
	}
	for i, field := range t.RequiredFields {
		if !slices.Contains(Fields, field) {
			add(fmt.Sprintf("requiredFields[%d]", i), fmt.Sprintf("%q is not a claim field (one of %s)", field, strings.Join(Fields, ", ")))
		}
	}
	if !t.DefaultPriority.Valid() {
		add("defaultPriority", "one of low, normal, high, critical")
	}
	if t.WarrantyMonths < 0 || t.WarrantyMonths > MaxWarrantyMonths {
		add("warrantyMonths", fmt.Sprintf("0..%d months (0: no warranty applies)", MaxWarrantyMonths))
	}
	return apperr.Validation(f)
}

// clean applies package cleantext to every translation in place: Line for
// names and titles, Text for descriptions, instructions and hints.
func (t Text) clean(line bool) {
	for lang, v := range t {
		if line {
			t[lang] = cleantext.Line(v)
		} else {
			t[lang] = cleantext.Text(v)
		}
	}
}

func validateText(field string, t Text, minLen, maxLen int, requireRu bool) []apperr.FieldError {
	var f []apperr.FieldError
	if requireRu && strings.TrimSpace(t["ru"]) == "" {
		f = append(f, apperr.FieldError{Field: field + ".ru", Message: "a Russian text is required"})
	}
	for lang, v := range t {
		if lang != "ru" && lang != "en" {
			f = append(f, apperr.FieldError{Field: field + "." + lang, Message: "languages are ru and en"})
			continue
		}
		if n := len([]rune(strings.TrimSpace(v))); (n < minLen && requireRu) || n > maxLen {
			f = append(f, apperr.FieldError{Field: field + "." + lang, Message: fmt.Sprintf("%d..%d characters", minLen, maxLen)})
		}
	}
	return f
}

// Source returns the current catalog.
type Source interface {
	Catalog(ctx context.Context) (*Catalog, error)
}

// Cached serves a catalog from memory for TTL, so a warm function does not read
// the table on every request; a failed refresh keeps serving the last copy.
type Cached struct {
	Source Source
	TTL    time.Duration
	Now    func() time.Time

	once sync.Once
	v    cache.Value[*Catalog]
}

// Catalog returns the cached catalog, refreshing it when older than TTL (a
// failed refresh keeps the previous copy).
func (c *Cached) Catalog(ctx context.Context) (*Catalog, error) {
	c.init()
	return c.v.Get(ctx)
}

func (c *Cached) init() {
	c.once.Do(func() {
		c.v.TTL, c.v.Now = c.TTL, c.Now
		c.v.Load = func(ctx context.Context) (*Catalog, error) {
			cat, err := c.Source.Catalog(ctx)
			if err != nil {
				return nil, fmt.Errorf("load catalog: %w", err)
			}
			return cat, nil
		}
	})
}

// Invalidate drops the cached copy (after an administrator's change).
func (c *Cached) Invalidate() {
	c.init()
	c.v.Invalidate()
}
