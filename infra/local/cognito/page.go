package cognito

import (
	"html/template"
	"net/http"
	"slices"
	"strings"
)

// signInForm is what the sign-in page shows again after a refusal.
type signInForm struct {
	Error, Field    string
	Username, Email string
	Groups          []string
	Values          map[string]string
}

// pageUser is a demo user's button.
type pageUser struct {
	Username, Label string
}

// pageField is a custom attribute's field.
type pageField struct {
	Name, Label, Value string
	Invalid            bool
}

// pageGroup is a group's checkbox.
type pageGroup struct {
	Name    string
	Checked bool
}

type loginPage struct {
	Action, CSRF string
	Users        []pageUser
	Form         signInForm
	Groups       []pageGroup
	Fields       []pageField
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Error}}Sign-in error{{else}}Sign in{{end}} (local user pool)</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;color:#1b1b1b;background:#f6f6f6}
main{max-width:28rem;margin:0 auto;background:#fff;padding:1rem 1.25rem;border-radius:.5rem;border:1px solid #ccc}
h1{font-size:1.4rem;margin:.25rem 0 1rem}h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
button{font:inherit;padding:.6rem 1rem;min-height:44px;border-radius:.375rem;border:1px solid #0b5394;background:#0b5394;color:#fff;cursor:pointer}
ul{list-style:none;padding:0;margin:0}li{margin:.4rem 0}li button{width:100%;text-align:left;background:#fff;color:#0b5394}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}input[type=text],input[type=email]{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #767676;border-radius:.25rem}
fieldset{border:1px solid #ccc;border-radius:.25rem;margin:.75rem 0;padding:.25rem .75rem .5rem}legend{font-weight:600}
fieldset label{display:inline-block;font-weight:400;margin:.25rem 1rem .25rem 0}
.error{border-left:4px solid #b00020;padding:.5rem .75rem;background:#fdecee;color:#7a0016}
[aria-invalid=true]{border-color:#b00020;outline:1px solid #b00020}
:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
p.note{color:#555;font-size:.9rem}
</style>
</head>
<body>
<main>
{{with .Error}}<h1>Sign-in error</h1>
<p class="error" role="alert">{{.}}</p>
<p class="note">The local user pool refused the request, as Cognito's hosted sign-in would. It does not send the browser back to an address the app client did not register.</p>
{{else}}{{template "form" .Page}}{{end}}
</main>
</body>
</html>
{{define "form"}}<h1>Sign in</h1>
<p class="note">Local user pool: no passwords. Pick a demo user or name any user, their groups and attributes.</p>
{{with .Form.Error}}<p class="error" role="alert" id="form-error">{{.}}</p>{{end}}
{{if .Users}}<h2 id="demo">Demo users</h2>
<form method="post" action="{{.Action}}" aria-labelledby="demo">
<input type="hidden" name="_csrf" value="{{.CSRF}}">
<ul>{{range .Users}}<li><button type="submit" name="user" value="{{.Username}}">{{.Label}}</button></li>{{end}}</ul>
</form>{{end}}
<h2 id="other">Another user</h2>
<form method="post" action="{{.Action}}" aria-labelledby="other">
<input type="hidden" name="_csrf" value="{{.CSRF}}">
<label for="username">Username</label>
<input type="text" id="username" name="username" required maxlength="128" autocomplete="username" value="{{.Form.Username}}"{{if eq .Form.Field "username"}} aria-invalid="true" aria-describedby="form-error"{{end}}>
<label for="email">Email <span class="note">(optional)</span></label>
<input type="email" id="email" name="email" autocomplete="email" value="{{.Form.Email}}"{{if eq .Form.Field "email"}} aria-invalid="true" aria-describedby="form-error"{{end}}>
{{if .Groups}}<fieldset{{if eq .Form.Field "group"}} aria-describedby="form-error"{{end}}><legend>Groups</legend>
{{range .Groups}}<label><input type="checkbox" name="group" value="{{.Name}}"{{if .Checked}} checked{{end}}> {{.Name}}</label>
{{end}}</fieldset>{{end}}
{{range .Fields}}<label for="{{.Name}}">{{.Label}} <span class="note">({{.Name}})</span></label>
<input type="text" id="{{.Name}}" name="{{.Name}}" maxlength="2048" value="{{.Value}}"{{if .Invalid}} aria-invalid="true" aria-describedby="form-error"{{end}}>
{{end}}<p><button type="submit">Sign in</button></p>
</form>{{end}}`))

func (h *HostedUI) renderLogin(w http.ResponseWriter, req *authRequest, status int, form signInForm) {
	csrf, err := randomToken()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: csrf, Path: h.cookiePath, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	p := loginPage{Action: h.cfg.BaseURL + "/login?" + req.rawQuery, CSRF: csrf, Form: form}
	for _, u := range h.cfg.Users {
		label := u.Username
		var extra []string
		extra = append(extra, u.Groups...)
		for _, a := range h.cfg.Attributes {
			if v := u.Attributes[a]; v != "" {
				extra = append(extra, h.label(a)+" "+v)
			}
		}
		if len(extra) > 0 {
			label += " (" + strings.Join(extra, ", ") + ")"
		}
		p.Users = append(p.Users, pageUser{Username: u.Username, Label: label})
	}
	for _, g := range h.cfg.Groups {
		p.Groups = append(p.Groups, pageGroup{Name: g, Checked: slices.Contains(form.Groups, g)})
	}
	for _, a := range h.cfg.Attributes {
		p.Fields = append(p.Fields, pageField{Name: a, Label: h.label(a), Value: form.Values[a], Invalid: form.Field == a})
	}
	writePage(w, status, map[string]any{"Page": p})
}

// label is an attribute's name on the page: its short name, else the
// attribute's own name without "custom:".
func (h *HostedUI) label(attr string) string {
	if l := h.cfg.Labels[attr]; l != "" {
		return l
	}
	return strings.TrimPrefix(attr, "custom:")
}

// errorPage is the sign-in's own error page (GET /error): 400, naming the
// refusal.
func (h *HostedUI) errorPage(w http.ResponseWriter, msg string) {
	if msg == "" {
		msg = "An error was encountered with the requested page."
	}
	writePage(w, http.StatusBadRequest, map[string]any{"Error": msg})
}

func writePage(w http.ResponseWriter, status int, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, data)
}
