package webform

import (
	"cmp"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
)

// fieldView is one text input or textarea of the form, with everything the
// "field" template needs. The limits mirror the server's (package claims).
type fieldView struct {
	Name, Kind                    string // Kind: an input type or "textarea"
	Label, Hint, Value, Error     string
	Required, ReadOnly, Focus     bool
	MinLen, MaxLen, Rows          int
	Pattern, Autocomplete, Mode   string
	Min, Max, Placeholder, Locked string
	NoSpell                       bool
}

// fieldSpec is the static part of a fieldView.
type fieldSpec struct {
	name, kind, autocomplete, mode, pattern, placeholder string
	required, noSpell                                    bool
	minLen, maxLen, rows                                 int
}

// Patterns for the browser's own validation. They are compiled with the "v"
// flag by current browsers, so "-", "/", "(" and ")" are escaped in classes.
const (
	phonePattern  = `\+?[0-9 \(\)\-\.]{10,25}`
	taxIDPattern  = `[0-9]{10}([0-9]{2})?`
	serialPattern = `[A-Za-z0-9][A-Za-z0-9._\/\-]{0,63}`
)

// textFields are the text inputs and textareas, in the order of the form.
// The selects (categoryId, typeId, desiredResult) are written out in the
// template.
var textFields = []fieldSpec{
	{name: "name", kind: "text", autocomplete: "name", required: true, minLen: 2, maxLen: claims.MaxName},
	{name: "email", kind: "email", autocomplete: "email", mode: "email", noSpell: true, maxLen: 254},
	{name: "phone", kind: "tel", autocomplete: "tel", mode: "tel", pattern: phonePattern, maxLen: 25},
	{name: "company", kind: "text", autocomplete: "organization", maxLen: claims.MaxName},
	{name: "taxId", kind: "text", autocomplete: "off", mode: "numeric", pattern: taxIDPattern, maxLen: 12, noSpell: true},
	{name: "series", kind: "text", autocomplete: "off", pattern: serialPattern, maxLen: 64, noSpell: true},
	{name: "serial", kind: "text", autocomplete: "off", pattern: serialPattern, maxLen: 64, noSpell: true},
	{name: "purchaseDate", kind: "date", autocomplete: "off", placeholder: "2025-12-31"},
	{name: "orderReference", kind: "text", autocomplete: "off", maxLen: 64, noSpell: true},
	{name: "essence", kind: "textarea", required: true, minLen: claims.MinEssence, maxLen: claims.MaxEssence, rows: 6},
	{name: "desiredFix", kind: "textarea", maxLen: 2000, rows: 3},
}

// fieldOrder is every visible field in form order: where errors are listed
// and which field gets the focus.
var fieldOrder = []string{
	"name", "email", "phone", "company", "taxId",
	"series", "serial", "purchaseDate", "orderReference",
	"categoryId", "typeId", "essence", "desiredResult", "desiredFix", "photos",
}

// FieldNames lists the names of the form's fields as posted, honeypot and
// hidden fields included.
var FieldNames = []string{
	"name", "email", "phone", "company", "taxId",
	"series", "serial", "purchaseDate", "orderReference",
	"categoryId", "typeId", "essence", "desiredResult", "desiredFix",
	"formToken", "lang", "website", "attachment", "js",
}

// claimFields maps claim field paths (package claims, catalog.Fields) to the
// form fields that carry them. Paths without a form field are shown as
// general errors.
var claimFields = map[string]string{
	"claimant.name":        "name",
	"claimant.email":       "email",
	"claimant.phone":       "phone",
	"claimant.company":     "company",
	"claimant.taxId":       "taxId",
	"product.series":       "series",
	"product.serial":       "serial",
	"product.purchaseDate": "purchaseDate",
	"order.reference":      "orderReference",
	// Browsers without JavaScript do not send categoryId: the type select is
	// where the claimant fixes a wrong category.
	"categoryId":    "typeId",
	"typeId":        "typeId",
	"essence":       "essence",
	"desiredResult": "desiredResult",
	"desiredFix":    "desiredFix",
}

// FormField returns the form field that carries a claim field path
// ("claimant.email" -> "email"), or "" when the form has none (the error then
// belongs at the top of the form, key "").
func FormField(claimField string) string { return claimFields[claimField] }

type option struct {
	Value, Label string
	Selected     bool
}

type docView struct{ Title, URL string }

type zoneView struct {
	ID, Title, Hint, Rule string
}

type typeView struct {
	ID, Name, Instructions string
	Docs                   []docView
	Zones                  []zoneView
	Selected               bool
}

type groupView struct {
	ID, Name, Description string
	Selected              bool
	Types                 []typeView
}

type errorItem struct{ Target, Label, Message string }

// formView is what form.html renders.
type formView struct {
	*FormPage
	Lang         string
	F            map[string]*fieldView
	Groups       []groupView
	Desired      []option
	TypeError    string
	Focus        string // the field that gets autofocus
	ErrorList    []errorItem
	General      string
	HasErrors    bool
	Config       formConfig
	Attachments  []Attachment
	SelectedType string
	errors       map[string]string // Errors with aliases folded in
}

// formConfig is the JSON block the script reads: the catalog types with their
// photo zones, the upload endpoint and the script's texts.
type formConfig struct {
	Code         string            `json:"code"`
	UploadURL    string            `json:"uploadURL"`
	ArticlesURL  string            `json:"articlesURL"`
	TypeID       string            `json:"typeId"`
	Restore      bool              `json:"restore"`
	MaxRetries   int               `json:"maxRetries"`
	BaseRequired []string          `json:"baseRequired"`
	TypeFields   []string          `json:"typeFields"`
	Types        []configType      `json:"types"`
	Attachments  []configFile      `json:"attachments"`
	Text         map[string]string `json:"text"`
}

type configType struct {
	ID         string       `json:"id"`
	CategoryID string       `json:"categoryId"`
	Name       string       `json:"name"`
	Required   []string     `json:"required"`
	Zones      []configZone `json:"zones"`
}

type configZone struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Hint       string   `json:"hint"`
	Rule       string   `json:"rule"`
	Min        int      `json:"min"`
	Max        int      `json:"max"`
	Accept     []string `json:"accept"`
	AcceptAttr string   `json:"acceptAttr"`
	Types      string   `json:"types"`
	MaxBytes   int64    `json:"maxBytes"`
	Image      bool     `json:"image"`
}

type configFile struct {
	Zone     string `json:"zone"`
	UploadID string `json:"uploadId"`
	FileName string `json:"fileName"`
}

// uploadRetries is how often the script retries an upload on its own before
// it shows a retry button.
const uploadRetries = 3

// typeFields are the form fields a catalog type can make required.
var typeFields = []string{"phone", "email", "company", "serial", "series", "purchaseDate", "orderReference", "desiredFix"}

func newFormView(p *FormPage) *formView {
	lang := normLang(p.Lang)
	cat := p.Catalog
	if cat == nil {
		cat = &catalog.Catalog{}
	}
	v := &formView{FormPage: p, Lang: lang, F: map[string]*fieldView{}, errors: normalizeErrors(p.Errors)}
	val := func(name string) string { return p.Values[name] }
	typed := hasInput(p.Values)
	v.SelectedType = val("typeId")
	selType, _ := cat.Type(v.SelectedType)
	selCat := val("categoryId")
	if selCat == "" && selType != nil {
		selCat = selType.CategoryID
	}

	for _, s := range textFields {
		f := &fieldView{
			Name: s.name, Kind: s.kind,
			Label: Message(lang, "field."+s.name), Hint: Message(lang, "hint."+s.name),
			Value: val(s.name), Error: v.errors[s.name],
			Required: s.required, MinLen: s.minLen, MaxLen: s.maxLen, Rows: s.rows,
			Pattern: s.pattern, Autocomplete: s.autocomplete, Mode: s.mode,
			Placeholder: s.placeholder, NoSpell: s.noSpell,
		}
		if selType != nil {
			for path, name := range claimFields {
				if name == s.name && selType.Requires(path) {
					f.Required = true
				}
			}
		}
		v.F[s.name] = f
	}
	if f := v.F["purchaseDate"]; f != nil {
		f.Min = "1990-01-01"
		if !p.Today.IsZero() {
			f.Max = p.Today.Format("2006-01-02")
		}
	}
	lock := func(name, value string, locked bool) {
		f := v.F[name]
		switch {
		case locked:
			f.Value, f.ReadOnly, f.Required = value, true, false
			f.Locked = Message(lang, "product.locked")
		case f.Value == "" && !typed:
			f.Value = value
		}
	}
	lock("series", p.Product.Series, p.Product.LockSeries)
	lock("serial", p.Product.Serial, p.Product.LockSerial)

	for _, r := range claims.DesiredResults {
		v.Desired = append(v.Desired, option{Value: string(r), Label: Message(lang, "desired."+string(r)), Selected: val("desiredResult") == string(r)})
	}

	for _, c := range cat.Categories {
		g := groupView{ID: c.ID, Name: c.Name.In(lang), Description: c.Description.In(lang), Selected: c.ID == selCat}
		for _, t := range cat.TypesOf(c.ID) {
			g.Types = append(g.Types, newTypeView(lang, &t, t.ID == v.SelectedType))
		}
		if len(g.Types) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}

	v.General = v.errors[""]
	for _, name := range fieldOrder {
		if msg := v.errors[name]; msg != "" {
			v.ErrorList = append(v.ErrorList, errorItem{Target: errorTarget(name), Label: Message(lang, "field."+name), Message: msg})
			if v.Focus == "" {
				v.Focus = name
			}
		}
	}
	var other []string
	for k, msg := range v.errors {
		if k != "" && msg != "" && !slices.Contains(fieldOrder, k) {
			other = append(other, k)
		}
	}
	sort.Strings(other)
	for _, k := range other {
		v.ErrorList = append(v.ErrorList, errorItem{Message: v.errors[k]})
	}
	v.HasErrors = v.General != "" || len(v.ErrorList) > 0
	if f := v.F[v.Focus]; f != nil {
		f.Focus = true
	}
	v.TypeError = v.errors["typeId"]

	for _, a := range p.Attachments {
		if a.Zone == "" || a.UploadID == "" {
			continue
		}
		if a.FileName == "" {
			// The handler may not know the name: say which zone it was for.
			a.FileName = a.Zone
			if selType != nil {
				if z, ok := selType.Zone(a.Zone); ok {
					a.FileName = z.Title.In(lang)
				}
			}
		}
		v.Attachments = append(v.Attachments, a)
	}
	v.Config = newFormConfig(lang, p, cat, v.Attachments, !typed)
	return v
}

// errorAliases are error keys handlers may use for a field shown under
// another name: the category is chosen with the type select (the category
// select needs the script), and upload errors belong to the photo section.
var errorAliases = map[string]string{
	"categoryId":  "typeId",
	"attachment":  "photos",
	"attachments": "photos",
}

// normalizeErrors folds aliased error keys into the field that shows them;
// the field's own message wins.
func normalizeErrors(errs map[string]string) map[string]string {
	out := make(map[string]string, len(errs))
	for k, msg := range errs {
		if msg == "" {
			continue
		}
		if to, ok := errorAliases[k]; ok {
			if errs[to] == "" && out[to] == "" {
				out[to] = msg
			}
			continue
		}
		out[k] = msg
	}
	return out
}

// hasInput reports whether values hold something the claimant typed or
// chose, as opposed to only hidden fields such as lang and js.
func hasInput(values map[string]string) bool {
	for _, name := range draftFields {
		if values[name] != "" {
			return true
		}
	}
	return false
}

// draftFields are the fields the claimant fills in.
var draftFields = []string{
	"name", "email", "phone", "company", "taxId", "series", "serial", "purchaseDate", "orderReference",
	"categoryId", "typeId", "essence", "desiredResult", "desiredFix",
}

// errorTarget is the element an error summary entry links to.
func errorTarget(name string) string {
	if name == "photos" {
		return "photos"
	}
	return "f-" + name
}

// FieldFocus reports the field that gets autofocus; a method so that
// selects in the template can ask too.
func (v *formView) FieldFocus(name string) bool { return v.Focus == name }

// ErrorOf returns the error of a field.
func (v *formView) ErrorOf(name string) string { return v.errors[name] }

func newTypeView(lang string, t *catalog.Type, selected bool) typeView {
	tv := typeView{ID: t.ID, Name: t.Name.In(lang), Instructions: t.Instructions.In(lang), Selected: selected}
	for _, d := range t.SampleDocuments {
		tv.Docs = append(tv.Docs, docView{Title: d.Title.In(lang), URL: d.URL})
	}
	for _, z := range t.PhotoZones {
		tv.Zones = append(tv.Zones, zoneView{ID: z.ID, Title: z.Title.In(lang), Hint: z.Hint.In(lang), Rule: zoneRule(lang, z)})
	}
	return tv
}

// zoneRule says how many files of which kinds a zone takes.
func zoneRule(lang string, z catalog.PhotoZone) string {
	var count string
	switch {
	case z.Min <= 0:
		count = Messagef(lang, "rule.optional", z.Max)
	case z.Min == z.Max:
		count = Messagef(lang, "rule.exact", z.Min)
	default:
		count = Messagef(lang, "rule.range", z.Min, z.Max)
	}
	return count + " " + Messagef(lang, "rule.formats", mediaLabels(z.MediaTypes), formatSize(lang, z.MaxBytes))
}

// mediaNames are the names claimants know the media types by.
var mediaNames = map[string]string{
	"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP",
	"image/heic": "HEIC", "image/heif": "HEIF",
	"video/mp4": "MP4", "video/quicktime": "MOV", "video/webm": "WebM",
	"application/pdf": "PDF",
}

func mediaLabels(types []string) string {
	var out []string
	for _, t := range types {
		n := mediaNames[t]
		if n == "" {
			n = t
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

// acceptAttr is the accept attribute of a file input for media types. Some
// phones do not know the HEIC media types, so their extensions are added.
func acceptAttr(types []string) string {
	out := slices.Clone(types)
	for _, t := range types {
		switch t {
		case "image/heic":
			out = append(out, ".heic")
		case "image/heif":
			out = append(out, ".heif")
		}
	}
	return strings.Join(out, ",")
}

func newFormConfig(lang string, p *FormPage, cat *catalog.Catalog, atts []Attachment, restore bool) formConfig {
	c := formConfig{
		Code: p.Code, UploadURL: p.UploadURL, ArticlesURL: p.ArticlesURL, TypeID: p.Values["typeId"],
		Restore:      restore,
		MaxRetries:   uploadRetries,
		BaseRequired: []string{"name", "essence", "typeId", "desiredResult"},
		TypeFields:   typeFields,
		Types:        []configType{},
		Attachments:  []configFile{},
		Text:         map[string]string{},
	}
	for _, t := range cat.Types {
		if _, ok := cat.Category(t.CategoryID); !ok {
			continue
		}
		ct := configType{ID: t.ID, CategoryID: t.CategoryID, Name: t.Name.In(lang), Required: []string{}, Zones: []configZone{}}
		for _, path := range t.RequiredFields {
			if name := claimFields[path]; name != "" {
				ct.Required = append(ct.Required, name)
			}
		}
		for _, z := range t.PhotoZones {
			ct.Zones = append(ct.Zones, configZone{
				ID: z.ID, Title: z.Title.In(lang), Hint: z.Hint.In(lang), Rule: zoneRule(lang, z),
				Min: z.Min, Max: z.Max, Accept: z.MediaTypes, AcceptAttr: acceptAttr(z.MediaTypes),
				Types: mediaLabels(z.MediaTypes), MaxBytes: z.MaxBytes,
				Image: slices.ContainsFunc(z.MediaTypes, func(m string) bool { return strings.HasPrefix(m, "image/") }),
			})
		}
		c.Types = append(c.Types, ct)
	}
	for _, a := range atts {
		c.Attachments = append(c.Attachments, configFile{Zone: a.Zone, UploadID: a.UploadID, FileName: a.FileName})
	}
	for k, s := range dict[lang] {
		if name, ok := strings.CutPrefix(k, "js."); ok {
			c.Text[name] = s
		}
	}
	return c
}

// uploadView is one UploadForm as rendered.
type uploadView struct {
	UploadForm
	Index      int
	Fields     []option // sorted by name, so pages render the same every time
	Limit      string
	TooBig     string
	HasMaxSize bool
}

func newUploadViews(lang string, forms []UploadForm) []uploadView {
	var out []uploadView
	for i, f := range forms {
		u := uploadView{UploadForm: f, Index: i, HasMaxSize: f.MaxBytes > 0}
		for k, val := range f.Fields {
			if k == "file" {
				continue
			}
			u.Fields = append(u.Fields, option{Value: val, Label: k})
		}
		sort.Slice(u.Fields, func(a, b int) bool { return u.Fields[a].Label < u.Fields[b].Label })
		if f.MaxBytes > 0 {
			u.Limit = Messagef(lang, "uploads.limit", formatSize(lang, f.MaxBytes))
			u.TooBig = Messagef(lang, "uploads.too_big", formatSize(lang, f.MaxBytes))
		}
		out = append(out, u)
	}
	return out
}

// resultView is what result.html renders.
type resultView struct {
	*ResultPage
	Lang    string
	Label   string
	Uploads []uploadView
}

func newResultView(p *ResultPage) *resultView {
	lang := normLang(p.Lang)
	label := p.StageLabel
	if label == "" && p.Stage != "" {
		label = StageLabel(lang, p.Stage)
	}
	return &resultView{ResultPage: p, Lang: lang, Label: label, Uploads: newUploadViews(lang, p.Uploads)}
}

// mainStages is the usual path of a claim, shown as steps on the tracking
// page; the other stages (waiting_for_customer, ...) are shown by name only.
var mainStages = []string{"new", "information_check", "diagnostics", "decision", "implementation", "incident_analysis", "quality_control", "closed"}

type stepView struct {
	Label         string
	Done, Current bool
}

// trackingView is what tracking.html renders: the page with its times in
// the company's time zone.
type trackingView struct {
	*TrackingPage
	Lang      string
	CreatedAt time.Time
	Question  string
	Decision  *decisionView
	Steps     []stepView
	Uploads   []uploadView
	History   []HistoryEntry
	// The conversation.
	Messages   []messageView
	ShowChat   bool
	CanReply   bool
	Waiting    bool
	MaxLen     int
	MaxFiles   int
	ReplyFiles []Attachment
}

// decisionView is a Decision as rendered, its resolution named.
type decisionView struct {
	Decision
	Resolution string
}

// messageView is one ChatMessage as rendered: the customer's own messages
// on one side, everybody else's on the other.
type messageView struct {
	ChatMessage
	Own  bool
	Who  string
	Name string
}

func newMessageView(lang string, m ChatMessage) messageView {
	v := messageView{ChatMessage: m, Own: m.Role == "claimant"}
	switch {
	case v.Own:
		v.Who = Message(lang, "chat.you")
	default:
		if s, ok := lookup(lang, "chat.role."+m.Role); ok {
			v.Who = s
		} else {
			v.Who = m.Role
		}
		v.Name = m.AuthorName
	}
	return v
}

func newTrackingView(p *TrackingPage) *trackingView {
	lang := normLang(p.Lang)
	v := &trackingView{TrackingPage: p, Lang: lang, Uploads: newUploadViews(lang, p.Uploads)}
	local := func(t time.Time) time.Time {
		if p.Location == nil || t.IsZero() {
			return t
		}
		return t.In(p.Location)
	}
	v.CreatedAt = local(p.CreatedAt)
	for _, m := range p.Messages {
		m.At = local(m.At)
		v.Messages = append(v.Messages, newMessageView(lang, m))
	}
	if p.Stage == "waiting_for_customer" {
		v.Question = p.Question
	}
	if d := p.Decision; d != nil {
		v.Decision = &decisionView{Decision: *d, Resolution: Message(lang, "decision.resolution."+d.Resolution)}
		v.Decision.DecidedAt = local(d.DecidedAt)
		if v.Decision.Resolution == "decision.resolution."+d.Resolution {
			v.Decision.Resolution = d.Resolution
		}
	}
	v.CanReply = p.ReplyAction != "" && !p.ChatClosed
	v.ShowChat = len(p.Messages) > 0 || v.CanReply || p.ChatClosed
	v.Waiting = v.CanReply && p.Stage == "waiting_for_customer"
	v.MaxLen, v.MaxFiles = cmp.Or(p.ReplyMaxLen, 4000), cmp.Or(p.ReplyMaxFiles, 5)
	for i, a := range p.ReplyFiles {
		if a.Zone == "" || a.UploadID == "" {
			continue
		}
		if a.FileName == "" {
			a.FileName = fmt.Sprintf("%s %d", Message(lang, "chat.file"), i+1)
		}
		v.ReplyFiles = append(v.ReplyFiles, a)
	}
	for _, h := range p.History {
		h.At = local(h.At)
		// A stage change whose text is the stage's name says it once.
		if h.Stage != "" && h.Text == StageLabel(lang, h.Stage) {
			h.Text = ""
		}
		v.History = append(v.History, h)
	}
	if cur := slices.Index(mainStages, p.Stage); cur >= 0 {
		for i, s := range mainStages {
			v.Steps = append(v.Steps, stepView{Label: StageLabel(lang, s), Done: i < cur || p.Stage == "closed", Current: i == cur})
		}
	}
	return v
}

// errorView is what error.html renders.
type errorView struct {
	*ErrorPage
	Lang           string
	Title, Message string
	Retry          bool // the problem is passing: trying again later helps
	HotlineURL     template.URL
}

func newErrorView(p *ErrorPage) *errorView {
	lang := normLang(p.Lang)
	kind := errorKind(p.Status)
	v := &errorView{ErrorPage: p, Lang: lang, Title: p.Title, Message: p.Message, Retry: kind == "rate_limited" || kind == "internal"}
	if v.Title == "" {
		v.Title = Message(lang, "error."+kind+".title")
	}
	if v.Message == "" {
		v.Message = Message(lang, "error."+kind+".message")
	}
	v.HotlineURL = telURL(p.Hotline)
	return v
}

// errorKind names the default texts for a status.
func errorKind(status int) string {
	switch {
	case status == 403:
		return "forbidden"
	case status == 404:
		return "not_found"
	case status == 410:
		return "gone"
	case status == 413:
		return "too_large"
	case status == 429:
		return "rate_limited"
	case status >= 400 && status < 500:
		return "bad_request"
	}
	return "internal"
}

// telURL builds a tel: link from a phone number, keeping only "+" and digits
// (html/template would refuse the scheme in an untyped string).
func telURL(phone string) template.URL {
	var b strings.Builder
	for i, r := range phone {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			b.WriteRune(r)
		}
	}
	if digits := len(strings.Trim(b.String(), "+")); digits < 3 || digits > 20 {
		return ""
	}
	return template.URL(fmt.Sprintf("tel:%s", b.String()))
}

// LangSwitch reports whether the page shows the language link (?lang=xx).
// The result page has none: it answers a POST, and the link would open a new
// form.
func (v *formView) LangSwitch() bool { return true }

// LangSwitch reports whether the page shows the language link.
func (v *resultView) LangSwitch() bool { return false }

// LangSwitch reports whether the page shows the language link.
func (v *trackingView) LangSwitch() bool { return true }

// LangSwitch reports whether the page shows the language link.
func (v *errorView) LangSwitch() bool { return true }
