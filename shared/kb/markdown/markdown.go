// Package markdown renders a knowledge base article's Markdown to HTML that
// is safe to put into a page: goldmark (CommonMark with tables and
// strikethrough) renders it with raw HTML left out, and bluemonday's policy
// keeps only the elements and attributes an article needs, links only to
// http, https and mailto (a javascript: or data: link loses its href) and
// pictures only from the article's own files.
//
// It is the one package that links the Markdown and sanitizer libraries:
// only the function that writes articles renders them, and the pages show
// the HTML it stored.
//
// Layer: domain.
package markdown

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// Renderer renders articles; its zero value is not usable: use New.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// fileRef is how an article's body names one of its own files: kb-file:<id>
// (the renderer keeps it; the reader's page turns it into the file's link).
var fileRef = regexp.MustCompile(`^kb-file:[A-Za-z0-9_-]{1,64}$`)

// New returns a renderer.
func New() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
		// No WithUnsafe: raw HTML in the Markdown is dropped, and links
		// with a dangerous scheme are left without their URL.
		goldmark.WithRendererOptions(html.WithHardWraps()),
	)
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "em", "strong", "del",
		"ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,6}$`)).OnElements("ol")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto", "kb-file")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	// Pictures only from the article's own files: an image from another
	// site would tell it who reads the article.
	p.AllowAttrs("src").Matching(fileRef).OnElements("img")
	p.AllowAttrs("alt", "title").OnElements("img")
	p.AllowAttrs("title").OnElements("a")
	return &Renderer{md: md, policy: p}
}

// Render returns the sanitized HTML of source.
func (r *Renderer) Render(source string) (string, error) {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(source), &buf); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	return r.policy.Sanitize(buf.String()), nil
}
