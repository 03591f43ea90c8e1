package webform

import (
	"embed"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/claimsdesk/backend/shared/catalog"
)

//go:embed templates/*.html assets/*
var files embed.FS

// pageNames are the pages, one template file each, sharing layout.html and
// parts.html.
var pageNames = []string{"form", "result", "tracking", "error"}

// pages holds the parsed templates: language -> page -> template. Each
// language has its own set so that the templates call {{t "key"}} with the
// language already bound. They are parsed on the first render: functions
// that never render a page (every one but the PublicFunction imports this
// package) do not pay for it in their cold start.
var pages = sync.OnceValue(parseAll)

// assets are the inline stylesheet and scripts, minified once.
type assets struct {
	style   template.CSS
	scripts map[string]template.JS
}

var inline = sync.OnceValue(func() assets {
	return assets{
		style: template.CSS(minify(mustRead("assets/style.css"), "/*")),
		scripts: map[string]template.JS{
			"form": template.JS(minify(mustRead("assets/form.js"), "//")),
			"page": template.JS(minify(mustRead("assets/page.js"), "//")),
			// head runs first: it marks the document as able to upload, so the
			// stylesheet hides the no-JavaScript texts before the first paint.
			"head": template.JS(minify(mustRead("assets/head.js"), "//")),
		},
	}
})

func mustRead(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("webform: read %s: %v", name, err))
	}
	return string(b)
}

// minify drops indentation, empty lines and whole-line comments. The assets
// are written so that this is safe: no multi-line strings, comments only on
// lines of their own.
func minify(src, comment string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, comment) {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func parseAll() map[string]map[string]*template.Template {
	out := map[string]map[string]*template.Template{}
	for _, lang := range []string{LangRU, LangEN} {
		base := template.Must(template.New("").Funcs(funcs(lang)).ParseFS(files, "templates/layout.html", "templates/parts.html"))
		out[lang] = map[string]*template.Template{}
		for _, name := range pageNames {
			t := template.Must(base.Clone())
			out[lang][name] = template.Must(t.ParseFS(files, "templates/"+name+".html"))
		}
	}
	return out
}

// funcs are the template functions with lang bound.
func funcs(lang string) template.FuncMap {
	return template.FuncMap{
		// t returns a text; a missing key fails the render, so tests that
		// render every page in both languages catch it.
		"t": func(key string) (string, error) {
			if s, ok := lookup(lang, key); ok {
				return s, nil
			}
			return "", fmt.Errorf("no %s text %q", lang, key)
		},
		"tf": func(key string, args ...any) (string, error) {
			s, ok := lookup(lang, key)
			if !ok {
				return "", fmt.Errorf("no %s text %q", lang, key)
			}
			return fmt.Sprintf(s, args...), nil
		},
		"stage":     func(s string) string { return StageLabel(lang, s) },
		"stageInfo": func(s string) string { return stageInfo(lang, s) },
		"text":      func(t catalog.Text) string { return t.In(lang) },
		"date":      func(t time.Time) string { return formatDate(lang, t) },
		"datetime":  func(t time.Time) string { return formatDateTime(lang, t) },
		"iso":       func(t time.Time) string { return t.Format(time.RFC3339) },
		"zone":      func(t time.Time) string { return ZoneLabel(lang, t) },
		"size":      func(n int64) string { return formatSize(lang, n) },
		"scores":    func() []int { return []int{5, 4, 3, 2, 1} },
		"css":       func() template.CSS { return inline().style },
		"script":    func(name string) template.JS { return inline().scripts[name] },
	}
}

func formatDate(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if lang == LangEN {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02.01.2006")
}

func formatDateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if lang == LangEN {
		return t.Format("2 Jan 2006, 15:04")
	}
	return t.Format("02.01.2006, 15:04")
}

// zoneCities names the time zones of Russia's regions (and the company's
// likely neighbours) in Russian and English; other zones go by their IANA
// name.
var zoneCities = map[string][2]string{
	"Europe/Kaliningrad": {"Калининград", "Kaliningrad"},
	"Europe/Moscow":      {"Москва", "Moscow"},
	"Europe/Simferopol":  {"Симферополь", "Simferopol"},
	"Europe/Volgograd":   {"Волгоград", "Volgograd"},
	"Europe/Kirov":       {"Киров", "Kirov"},
	"Europe/Samara":      {"Самара", "Samara"},
	"Europe/Ulyanovsk":   {"Ульяновск", "Ulyanovsk"},
	"Europe/Saratov":     {"Саратов", "Saratov"},
	"Europe/Astrakhan":   {"Астрахань", "Astrakhan"},
	"Asia/Yekaterinburg": {"Екатеринбург", "Yekaterinburg"},
	"Asia/Omsk":          {"Омск", "Omsk"},
	"Asia/Novosibirsk":   {"Новосибирск", "Novosibirsk"},
	"Asia/Barnaul":       {"Барнаул", "Barnaul"},
	"Asia/Tomsk":         {"Томск", "Tomsk"},
	"Asia/Novokuznetsk":  {"Новокузнецк", "Novokuznetsk"},
	"Asia/Krasnoyarsk":   {"Красноярск", "Krasnoyarsk"},
	"Asia/Irkutsk":       {"Иркутск", "Irkutsk"},
	"Asia/Chita":         {"Чита", "Chita"},
	"Asia/Yakutsk":       {"Якутск", "Yakutsk"},
	"Asia/Vladivostok":   {"Владивосток", "Vladivostok"},
	"Asia/Sakhalin":      {"Сахалин", "Sakhalin"},
	"Asia/Magadan":       {"Магадан", "Magadan"},
	"Asia/Kamchatka":     {"Камчатка", "Kamchatka"},
	"Europe/Minsk":       {"Минск", "Minsk"},
	"Asia/Almaty":        {"Алматы", "Almaty"},
}

// ZoneLabel names the time zone of t as the pages show it after a time:
// "(Москва, UTC+3)" in Russian, "(Moscow, UTC+3)" in English; a zone
// without a name here shows its IANA name ("(Europe/Berlin, UTC+1)"), UTC
// shows "(UTC)".
func ZoneLabel(lang string, t time.Time) string {
	_, offset := t.Zone()
	utc := "UTC"
	if offset != 0 {
		sign := "+"
		if offset < 0 {
			sign, offset = "-", -offset
		}
		utc += sign + strconv.Itoa(offset/3600)
		if m := offset % 3600 / 60; m != 0 {
			utc += fmt.Sprintf(":%02d", m)
		}
	}
	name := t.Location().String()
	if names, ok := zoneCities[name]; ok {
		name = names[0]
		if normLang(lang) == LangEN {
			name = names[1]
		}
	}
	if name == "UTC" || name == "" || name == "Local" {
		return "(" + utc + ")"
	}
	return "(" + name + ", " + utc + ")"
}

// formatSize writes a byte count as "10 MB" / "10 МБ", with one decimal below
// ten and the decimal separator of the language.
func formatSize(lang string, n int64) string {
	unit, v := Message(lang, "unit.kb"), float64(n)/1024
	if n >= 1<<20 {
		unit, v = Message(lang, "unit.mb"), float64(n)/(1<<20)
	}
	s := fmt.Sprintf("%.0f", v)
	if v < 10 && v != float64(int64(v)) {
		s = strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0")
	}
	if v > 0 && s == "0" {
		s = "1"
	}
	if lang == LangRU {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s + " " + unit
}
