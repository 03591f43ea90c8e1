// The claim form's script. The form works without it; the script adds the
// category filter, per-type instructions and required fields, photo uploads
// straight to S3 (presigned POST, progress, cancel, retries), a draft kept in
// sessionStorage, and protection against sending twice. ES5 on purpose: old
// phones. Comments stay on lines of their own (the page minifier drops them).
(function () {
'use strict';
var d = document;
var form = d.getElementById('claim');
var cfgEl = d.getElementById('webform-config');
if (!form || !cfgEl) return;
var cfg;
try {
cfg = JSON.parse(cfgEl.textContent);
} catch (e) {
return;
}
var T = cfg.text || {};
var canUpload = /(^|\s)js(\s|$)/.test(d.documentElement.className);

function byId(id) { return d.getElementById(id); }
function each(list, fn) { for (var i = 0; i < (list ? list.length : 0); i++) fn(list[i], i); }
function el(tag, cls, text) {
var e = d.createElement(tag);
if (cls) e.className = cls;
if (text != null) e.textContent = text;
return e;
}
function fmt(s, a) {
return String(s || '').replace(/\{(\w+)\}/g, function (m, k) { return a && a[k] != null ? String(a[k]) : m; });
}
function size(n) {
var v = n / 1024, u = T.kb;
if (n >= 1048576) { v = n / 1048576; u = T.mb; }
var s = v < 10 ? String(Math.round(v * 10) / 10) : String(Math.round(v));
if (s === '0') s = '1';
return s.replace('.', T.dec || '.') + ' ' + u;
}
function field(n) { return form.elements[n]; }
var live = byId('upl-status');
function announce(s) {
if (!live) return;
live.textContent = '';
setTimeout(function () { live.textContent = s; }, 60);
}

var types = {};
each(cfg.types, function (t) { types[t.id] = t; });
var catSel = byId('f-categoryId'), typeSel = byId('f-typeId');
var panel = byId('type-panel'), zonesBox = byId('zones'), zonesEmpty = byId('zones-empty');
var attBox = byId('attachments') || form;
var sendBtn = byId('send'), msgBox = byId('submit-msg');
var sendLabel = sendBtn ? sendBtn.textContent : '';
if (!typeSel) return;

// Draft: what was typed survives a reload, a language switch or a lost
// connection in this tab. Restored only when the server sent no values.
var draftKey = 'webform:' + (cfg.code || location.pathname);
var draftNames = ['name', 'email', 'phone', 'company', 'taxId', 'series', 'serial', 'purchaseDate', 'orderReference', 'categoryId', 'typeId', 'essence', 'desiredResult', 'desiredFix'];
function store() {
try { return window.sessionStorage || null; } catch (e) { return null; }
}
function saveDraft() {
var s = store(), o = {};
if (!s) return;
each(draftNames, function (n) {
var f = field(n);
if (f && !f.readOnly && f.value) o[n] = f.value;
});
try { s.setItem(draftKey, JSON.stringify(o)); } catch (e) {}
}
if (cfg.restore) {
var saved = null;
try { saved = JSON.parse(store().getItem(draftKey) || 'null'); } catch (e) {}
if (saved) {
each(draftNames, function (n) {
var f = field(n);
if (f && !f.readOnly && !f.value && typeof saved[n] === 'string') {
if (n === 'categoryId') f.disabled = false;
f.value = saved[n];
}
});
}
}
var saveTimer = 0;
form.addEventListener('input', function () {
clearTimeout(saveTimer);
saveTimer = setTimeout(saveDraft, 400);
});
form.addEventListener('change', saveDraft);

// Category filter: the server renders every type grouped by category; with
// the script, the category select narrows the type select.
var master = typeSel.cloneNode(true);
function fillTypes(cat) {
var cur = typeSel.value;
while (typeSel.firstChild) typeSel.removeChild(typeSel.firstChild);
each(master.children, function (n) {
if (n.tagName === 'OPTION' || !cat) {
typeSel.appendChild(n.cloneNode(true));
} else if (n.getAttribute('data-cat') === cat) {
each(n.children, function (o) { typeSel.appendChild(o.cloneNode(true)); });
}
});
typeSel.value = cur;
if (typeSel.value !== cur) typeSel.value = '';
}
function showCategoryText() {
each(form.querySelectorAll('.cat-d'), function (p) {
p.hidden = !catSel || p.getAttribute('data-cat') !== catSel.value;
});
}
if (catSel) {
catSel.disabled = false;
byId('w-categoryId').hidden = false;
var t0 = types[typeSel.value];
if (t0) catSel.value = t0.categoryId;
fillTypes(catSel.value);
showCategoryText();
catSel.addEventListener('change', function () {
fillTypes(catSel.value);
showCategoryText();
showType();
});
}
typeSel.addEventListener('change', function () {
var t = types[typeSel.value];
if (t && catSel && catSel.value !== t.categoryId) {
catSel.value = t.categoryId;
fillTypes(t.categoryId);
showCategoryText();
}
showType();
});

// Required fields: the type decides some of them.
var baseReq = {};
each(cfg.baseRequired, function (n) { baseReq[n] = true; });
function setRequired(t) {
var req = {};
if (t) each(t.required, function (n) { req[n] = true; });
each(cfg.typeFields, function (n) {
var f = field(n);
if (!f || f.readOnly) return;
var on = !!(baseReq[n] || req[n]);
f.required = on;
var lab = form.querySelector('label[for="f-' + n + '"]');
var mark = lab && lab.querySelector('.req');
if (on && lab && !mark) {
mark = el('span', 'req', '*');
mark.setAttribute('aria-hidden', 'true');
lab.insertBefore(mark, lab.querySelector('.tag'));
} else if (!on && mark) {
lab.removeChild(mark);
}
});
contactCheck();
}
function contactCheck() {
var e = field('email'), p = field('phone');
if (!e || !p || !e.setCustomValidity) return;
var none = !/\S/.test(e.value) && !/\S/.test(p.value);
e.setCustomValidity(none && !p.required ? T.contactRequired : '');
}
each(['email', 'phone'], function (n) {
var f = field(n);
if (f) f.addEventListener('input', contactCheck);
});

// Uploads. A task is one file: queued -> presign -> uploading -> done, with
// waiting (backoff) and offline on the way, failed when retries run out.
var tasks = [], queue = [], active = null, zoneUI = {};
var busyStates = { queued: 1, presign: 1, uploading: 1, waiting: 1, offline: 1 };
var extTypes = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', heic: 'image/heic', heif: 'image/heif', mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm', pdf: 'application/pdf' };
function mediaType(f) {
var t = String(f.type || '').toLowerCase();
if (t === 'image/jpg' || t === 'image/pjpeg') t = 'image/jpeg';
if (!t || t === 'application/octet-stream') {
var m = /\.([a-z0-9]+)$/i.exec(f.name || '');
if (m && extTypes[m[1].toLowerCase()]) t = extTypes[m[1].toLowerCase()];
}
return t;
}
function curType() { return types[typeSel.value] || null; }
function count(typeId, zone, doneOnly) {
var n = 0;
each(tasks, function (k) {
if (k.typeId === typeId && k.zone === zone && (!doneOnly || k.state === 'done')) n++;
});
return n;
}

function showType() {
var t = curType();
panel.textContent = '';
var src = t && byId('ti-' + t.id);
// The zone list of the no-script help is replaced by the upload section.
if (src) each(src.children, function (n) {
if (!/(^|\s)zl(\s|$)/.test(n.className)) panel.appendChild(n.cloneNode(true));
});
panel.hidden = !src;
setRequired(t);
if (canUpload) renderZones(t);
loadHelp(t);
}

// Self-help: the type's published articles (HTML sanitized when they were
// written), asked for with the form's token, so that the claim that
// follows is counted against them.
var helpBox = byId('self-help'), helpFor = '';
function loadHelp(t) {
if (!helpBox || !cfg.articlesURL) return;
var id = t ? t.id : '';
if (id === helpFor) return;
helpFor = id;
helpBox.textContent = '';
helpBox.hidden = true;
if (!id) return;
var tok = form.elements.formToken;
var x = new XMLHttpRequest();
x.open('GET', cfg.articlesURL + '?typeId=' + encodeURIComponent(id) + '&lang=' + encodeURIComponent(document.documentElement.lang || 'ru') + (tok ? '&formToken=' + encodeURIComponent(tok.value) : ''));
x.onload = function () {
if (x.status !== 200 || helpFor !== id) return;
var list = [];
try { list = JSON.parse(x.responseText).articles || []; } catch (e) { return; }
if (!list.length) return;
helpBox.appendChild(el('h2', '', T.selfHelp));
each(list, function (a) {
var d = el('details', 'kb');
d.appendChild(el('summary', '', a.title));
var body = document.createElement('div');
body.innerHTML = a.html;
d.appendChild(body);
helpBox.appendChild(d);
});
helpBox.appendChild(el('p', 'hint', T.selfHelpHint));
helpBox.hidden = false;
};
x.send();
}

function renderZones(t) {
zonesBox.textContent = '';
zoneUI = {};
zonesEmpty.hidden = !!t;
each(tasks, function (k) {
if (k.input) k.input.disabled = !t || k.typeId !== t.id;
});
if (!t) return;
if (!t.zones.length) {
zonesBox.appendChild(el('p', 'hint', T.noZones));
return;
}
each(t.zones, function (z) { zonesBox.appendChild(buildZone(t, z)); });
}

function buildZone(t, z) {
var box = el('div', 'zone');
box.id = 'z-' + z.id;
box.appendChild(el('h3', null, z.title + (z.min > 0 ? ' *' : '')));
var hint = el('p', 'hint', (z.hint ? z.hint + ' ' : '') + z.rule);
hint.id = 'zh-' + z.id;
box.appendChild(hint);
var err = el('p', 'err');
err.id = 'ze-' + z.id;
err.hidden = true;
box.appendChild(err);
var pick = el('div', 'pick'), first = null;
function button(text, camera) {
var label = el('label', 'btn' + (camera ? '' : ' sec'));
var input = d.createElement('input');
input.type = 'file';
input.accept = z.acceptAttr;
if (camera) input.setAttribute('capture', 'environment');
if (z.max > 1) input.multiple = true;
input.id = 'fi-' + z.id + (camera ? '-cam' : '');
input.setAttribute('aria-describedby', hint.id + ' ' + err.id);
input.addEventListener('change', function () { pickFiles(z, input); });
label.appendChild(input);
label.appendChild(d.createTextNode(text));
pick.appendChild(label);
if (!first) first = input;
}
if (z.image) button(T.takePhoto, true);
button(z.max > 1 ? T.chooseFiles : T.chooseFile, false);
box.appendChild(pick);
var list = el('ul', 'files');
box.appendChild(list);
var counter = el('p', 'hint');
box.appendChild(counter);
zoneUI[z.id] = { z: z, err: err, list: list, counter: counter, input: first };
each(tasks, function (k) {
if (k.typeId === t.id && k.zone === z.id) list.appendChild(k.li);
});
updateCount(z.id);
return box;
}

function updateCount(zone) {
var ui = zoneUI[zone], t = curType();
if (!ui || !t) return;
var n = count(t.id, zone, true);
ui.counter.textContent = fmt(ui.z.min > 0 ? T.countMin : T.count, { n: n, min: ui.z.min });
if (n >= ui.z.min && ui.err.getAttribute('data-min')) {
ui.err.hidden = true;
ui.err.removeAttribute('data-min');
}
}

function pickFiles(z, input) {
var t = curType(), ui = zoneUI[z.id], errs = [];
if (!t || !ui) return;
each(input.files, function (f) {
var mt = mediaType(f), msg = '';
if (z.accept.indexOf(mt) < 0) msg = fmt(T.badType, { name: f.name, types: z.types });
else if (f.size > z.maxBytes) msg = fmt(T.tooBig, { name: f.name, size: size(z.maxBytes) });
else if (!f.size) msg = fmt(T.empty, { name: f.name });
else if (count(t.id, z.id, false) >= z.max) msg = fmt(T.tooMany, { max: z.max });
if (msg) {
if (errs.indexOf(msg) < 0) errs.push(msg);
} else {
addTask(t, z, f, mt);
}
});
try { input.value = ''; } catch (e) {}
ui.err.textContent = errs.join(' ');
ui.err.removeAttribute('data-min');
ui.err.hidden = !errs.length;
if (errs.length) announce(errs.join(' '));
}

function addTask(t, z, file, mt) {
var k = { typeId: t.id, zone: z.id, file: file, name: file.name || 'file', size: file.size, type: mt, attempts: 0 };
buildRow(k);
tasks.push(k);
zoneUI[z.id].list.appendChild(k.li);
setState(k, 'queued', T.waiting);
queue.push(k);
pump();
}

function buildRow(k) {
var li = el('li', 'file'), th;
if (k.file && /^image\/(jpeg|png|webp|gif)$/.test(k.type) && window.URL && URL.createObjectURL) {
th = d.createElement('img');
th.className = 'thumb';
th.alt = '';
k.url = URL.createObjectURL(k.file);
th.addEventListener('error', function () {
var ph = el('span', 'thumb', ext(k.name));
if (th.parentNode) th.parentNode.replaceChild(ph, th);
});
th.src = k.url;
} else {
th = el('span', 'thumb', ext(k.name));
th.setAttribute('aria-hidden', 'true');
}
li.appendChild(th);
var meta = el('div', 'meta');
meta.appendChild(el('span', 'name', k.name));
if (k.size) meta.appendChild(el('span', 'size', size(k.size)));
k.stat = el('span', 'st');
meta.appendChild(k.stat);
k.bar = d.createElement('progress');
k.bar.max = 100;
k.bar.value = 0;
k.bar.setAttribute('aria-label', k.name);
meta.appendChild(k.bar);
li.appendChild(meta);
var acts = el('div', 'acts');
function act(text, fn) {
var b = el('button', 'sec small', text);
b.type = 'button';
b.setAttribute('aria-label', text + ': ' + k.name);
b.addEventListener('click', fn);
acts.appendChild(b);
return b;
}
k.bCancel = act(T.cancel, function () { drop(k); });
k.bRetry = act(T.retry, function () {
k.attempts = 0;
setState(k, 'queued', T.waiting);
queue.push(k);
pump();
});
k.bRemove = act(T.remove, function () { drop(k); });
li.appendChild(acts);
k.li = li;
}
function ext(name) {
var m = /\.([a-z0-9]{1,5})$/i.exec(name || '');
return m ? m[1].toUpperCase() : '…';
}

function setState(k, s, text) {
k.state = s;
k.stat.textContent = text || '';
k.bar.hidden = !busyStates[s];
k.bCancel.hidden = !busyStates[s];
k.bRetry.hidden = s !== 'failed' || !k.file;
k.bRemove.hidden = !!busyStates[s];
k.li.className = 'file ' + s;
updateCount(k.zone);
}

function pump() {
if (active) return;
while (queue.length) {
var k = queue.shift();
if (k.state === 'queued') {
active = k;
start(k);
return;
}
}
}
function finish(k) {
clearTimeout(k.timer);
k.xhr = null;
if (active === k) active = null;
pump();
}
function start(k) {
if (navigator.onLine === false) {
setState(k, 'offline', T.offline);
return;
}
if (k.pre && new Date().getTime() - k.preAt < 600000) upload(k);
else presign(k);
}
window.addEventListener('online', function () {
if (active && active.state === 'offline') start(active);
});

function parse(s) {
try { return JSON.parse(s); } catch (e) { return null; }
}
function errText(b) {
if (!b || !b.error) return '';
var s = b.error.message || '';
each(b.error.fields, function (f) {
if (f && f.message && s.indexOf(f.message) < 0) s += (s ? ' ' : '') + f.message;
});
return s;
}

function presign(k) {
setState(k, 'presign', T.preparing);
var x = new XMLHttpRequest();
k.xhr = x;
x.open('POST', cfg.uploadURL, true);
x.setRequestHeader('Content-Type', 'application/json');
x.setRequestHeader('Accept', 'application/json');
x.timeout = 30000;
x.onload = function () {
if (k.xhr !== x) return;
var b = parse(x.responseText);
if (x.status >= 200 && x.status < 300 && b && b.url && b.uploadId) {
k.pre = b;
k.preAt = new Date().getTime();
if (b.maxBytes && k.size > b.maxBytes) fail(k, fmt(T.tooBig, { name: k.name, size: size(b.maxBytes) }));
else upload(k);
} else if (x.status >= 500 || x.status === 429) {
retry(k, errText(b) || T.server);
} else {
fail(k, errText(b) || T.server);
}
};
x.onerror = x.ontimeout = function () {
if (k.xhr === x) retry(k, T.network);
};
var token = field('formToken');
x.send(JSON.stringify({ formToken: token ? token.value : '', typeId: k.typeId, zone: k.zone, fileName: k.name, contentType: k.type, size: k.size }));
}

function upload(k) {
setState(k, 'uploading', fmt(T.uploading, { pct: 0 }));
k.bar.value = 0;
var p = k.pre, fd = new FormData(), x = new XMLHttpRequest();
for (var name in p.fields) {
if (Object.prototype.hasOwnProperty.call(p.fields, name)) fd.append(name, p.fields[name]);
}
// S3 ignores every field after the file: it goes last.
fd.append('file', k.file, k.name);
k.xhr = x;
x.open('POST', p.url, true);
// A stalled connection (no progress for a minute) counts as a network error.
function watch() {
clearTimeout(k.timer);
k.timer = setTimeout(function () {
if (k.xhr !== x) return;
k.stalled = true;
x.abort();
}, 60000);
}
x.upload.onprogress = function (e) {
watch();
if (!e.lengthComputable || k.xhr !== x) return;
var pct = Math.min(99, Math.floor(e.loaded * 100 / e.total));
k.bar.value = pct;
k.stat.textContent = fmt(T.uploading, { pct: pct });
};
x.onload = function () {
if (k.xhr !== x) return;
clearTimeout(k.timer);
if (x.status >= 200 && x.status < 300) {
done(k);
} else if (x.status === 403 || x.status >= 500) {
// 403: the policy expired while we waited; ask for a new one.
if (x.status === 403) k.pre = null;
retry(k, T.server);
} else if (/EntityTooLarge/.test(x.responseText || '')) {
fail(k, fmt(T.tooBig, { name: k.name, size: size(p.maxBytes || k.size) }));
} else {
fail(k, T.server);
}
};
x.onerror = x.ontimeout = function () {
if (k.xhr !== x) return;
clearTimeout(k.timer);
retry(k, T.network);
};
x.onabort = function () {
if (k.xhr !== x || !k.stalled) return;
k.stalled = false;
retry(k, T.network);
};
watch();
x.send(fd);
}

function retry(k, why) {
clearTimeout(k.timer);
k.xhr = null;
k.attempts++;
if (k.attempts > (cfg.maxRetries || 3)) {
fail(k, why);
return;
}
var delay = Math.pow(2, k.attempts) * 1000 + Math.floor(Math.random() * 500);
setState(k, 'waiting', fmt(T.retrying, { s: Math.round(delay / 1000) }));
k.timer = setTimeout(function () {
if (k.state === 'waiting') start(k);
}, delay);
}

function fail(k, why) {
setState(k, 'failed', fmt(T.failed, { reason: why }));
announce(k.name + ': ' + k.stat.textContent);
finish(k);
}

function done(k) {
k.bar.value = 100;
var inp = d.createElement('input');
inp.type = 'hidden';
inp.name = 'attachment';
inp.value = k.zone + ':' + k.pre.uploadId;
attBox.appendChild(inp);
k.input = inp;
k.file = null;
setState(k, 'done', T.done);
announce(fmt(T.uploaded, { name: k.name }));
finish(k);
}

// drop cancels a running upload or removes a file; the server forgets
// uploads that no claim refers to.
function drop(k) {
clearTimeout(k.timer);
var x = k.xhr;
k.xhr = null;
k.state = 'removed';
if (x) {
try { x.abort(); } catch (e) {}
}
var i = tasks.indexOf(k);
if (i >= 0) tasks.splice(i, 1);
if (k.li.parentNode) k.li.parentNode.removeChild(k.li);
if (k.input && k.input.parentNode) k.input.parentNode.removeChild(k.input);
if (k.url && window.URL && URL.revokeObjectURL) URL.revokeObjectURL(k.url);
updateCount(k.zone);
announce(fmt(T.removed, { name: k.name }));
if (active === k) {
active = null;
pump();
}
}

// Files uploaded before a failed submit come back from the server.
if (canUpload) {
each(cfg.attachments, function (a) {
var inp = null;
each(form.querySelectorAll('input[name="attachment"]'), function (i) {
if (!inp && i.value === a.zone + ':' + a.uploadId) inp = i;
});
var k = { typeId: cfg.typeId, zone: a.zone, name: a.fileName || a.uploadId, size: 0, type: '', attempts: 0, input: inp, pre: { uploadId: a.uploadId } };
buildRow(k);
tasks.push(k);
setState(k, 'done', T.done);
});
var prev = byId('prev-att');
if (prev) prev.hidden = true;
byId('photos-js').hidden = false;
}

function busy(t) {
var b = false;
each(tasks, function (k) {
if (busyStates[k.state] && (!t || k.typeId === t.id)) b = true;
});
return b;
}

// Submit: not while uploads run, not with a zone short of files, and only
// once (the one-time form token guards the server side too).
var sending = false;
function resetSend() {
sending = false;
if (!sendBtn) return;
sendBtn.disabled = false;
sendBtn.textContent = sendLabel;
}
form.addEventListener('submit', function (ev) {
if (sending) {
ev.preventDefault();
return;
}
var t = curType(), problem = '', focus = null;
if (t && canUpload) {
if (busy(t)) problem = T.waitUploads;
each(tasks, function (k) {
if (!problem && k.typeId === t.id && k.state === 'failed') {
problem = T.failedUploads;
focus = k.bRetry.hidden ? k.bRemove : k.bRetry;
}
});
each(t.zones, function (z) {
if (problem || count(t.id, z.id, true) >= z.min) return;
problem = fmt(T.needFiles, { zone: z.title, min: z.min });
var ui = zoneUI[z.id];
if (ui) {
ui.err.textContent = problem;
ui.err.setAttribute('data-min', '1');
ui.err.hidden = false;
focus = ui.input;
}
});
}
if (problem) {
ev.preventDefault();
msgBox.textContent = problem;
msgBox.hidden = false;
(focus || msgBox).focus();
return;
}
msgBox.hidden = true;
saveDraft();
sending = true;
if (sendBtn) {
sendBtn.disabled = true;
sendBtn.textContent = T.sending;
}
// A request lost on a bad connection must not lock the button forever;
// the server rejects a second use of the form token.
setTimeout(resetSend, 30000);
});
window.addEventListener('pageshow', function (e) {
if (e.persisted) resetSend();
});
window.addEventListener('beforeunload', function (e) {
if (sending || !busy(null)) return;
e.preventDefault();
e.returnValue = '';
return '';
});

showType();
contactCheck();

// After a failed submit the first field with an error gets the focus.
var bad = form.querySelector('[aria-invalid="true"]');
var summary = byId('errors');
if (bad && !bad.disabled) {
if (d.activeElement !== bad) bad.focus();
} else if (summary) {
summary.focus();
}

if (canUpload) {
var js = d.createElement('input');
js.type = 'hidden';
js.name = 'js';
js.value = '1';
form.appendChild(js);
}
})();
