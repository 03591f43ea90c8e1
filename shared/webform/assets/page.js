// The result and tracking pages' script: the copy button for the tracking
// link, and feedback while a plain upload form posts its file to S3. Both
// pages work without it. ES5 on purpose; comments on lines of their own.
(function () {
'use strict';
var d = document;
function each(list, fn) { for (var i = 0; i < (list ? list.length : 0); i++) fn(list[i]); }

each(d.querySelectorAll('button[data-copy]'), function (b) {
var input = d.getElementById(b.getAttribute('data-copy'));
var status = d.getElementById(b.getAttribute('data-status'));
if (!input) return;
b.hidden = false;
function say(attr) { if (status) status.textContent = b.getAttribute(attr) || ''; }
function fallback() {
input.focus();
input.select();
try {
if (d.execCommand('copy')) {
say('data-done');
return;
}
} catch (e) {}
say('data-fail');
}
b.addEventListener('click', function () {
if (navigator.clipboard && navigator.clipboard.writeText) {
navigator.clipboard.writeText(input.value).then(function () { say('data-done'); }, fallback);
} else {
fallback();
}
});
});

each(d.querySelectorAll('form.s3'), function (f) {
var status = f.querySelector('.st'), button = f.querySelector('button[type=submit]');
var input = f.querySelector('input[type=file]');
var max = Number(f.getAttribute('data-max-bytes') || 0);
f.addEventListener('submit', function (ev) {
var file = input && input.files && input.files[0];
if (f.getAttribute('data-busy')) {
ev.preventDefault();
return;
}
if (file && max && file.size > max) {
ev.preventDefault();
status.textContent = f.getAttribute('data-too-big') || '';
input.focus();
return;
}
f.setAttribute('data-busy', '1');
button.disabled = true;
status.textContent = f.getAttribute('data-sending') || '';
});
});
window.addEventListener('pageshow', function (e) {
if (!e.persisted) return;
each(d.querySelectorAll('form.s3, #reply'), function (f) {
f.removeAttribute('data-busy');
f.querySelector('button[type=submit]').disabled = false;
});
});

// The tracking page's reply form. Without the script it sends text; with
// it, files picked are uploaded one by one straight to storage (a
// presigned POST each) and go with the message as "attachment" values.
var reply = d.getElementById('reply');
var box = d.getElementById('reply-files');
var pick = d.getElementById('reply-pick');
var pending = 0;
if (reply && box && pick && box.getAttribute('data-upload-url') && /(^| )js( |$)/.test(d.documentElement.className)) {
(function () {
var url = box.getAttribute('data-upload-url'), max = Number(box.getAttribute('data-max') || 5);
var input = d.getElementById('f-file'), list = d.getElementById('reply-list'), st = d.getElementById('reply-st');
function tx(name) { return box.getAttribute('data-t-' + name) || ''; }
function count() { return box.querySelectorAll('input[name=attachment]').length + pending; }
// Phones leave the type of HEIC photos (and sometimes others) empty.
var types = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', heic: 'image/heic', heif: 'image/heif', pdf: 'application/pdf', mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm' };
function typeOf(f) {
if (f.type) return f.type;
var m = /\.([a-z0-9]+)$/i.exec(f.name || '');
return (m && types[m[1].toLowerCase()]) || '';
}
function item(name) {
var li = d.createElement('li'), n = d.createElement('span'), s = d.createElement('span');
li.className = 'file';
n.className = 'meta name';
n.textContent = name;
s.className = 'st';
li.appendChild(n);
li.appendChild(s);
list.appendChild(li);
return { li: li, st: s };
}
function removable(it, hidden) {
var b = d.createElement('button');
b.type = 'button';
b.className = 'sec small';
b.textContent = tx('remove');
b.addEventListener('click', function () {
if (hidden && hidden.parentNode) hidden.parentNode.removeChild(hidden);
if (it.li.parentNode) list.removeChild(it.li);
st.textContent = '';
input.focus();
});
it.li.appendChild(b);
}
function fail(it, status) {
pending--;
it.li.className = 'file failed';
it.st.textContent = tx(status === 413 ? 'too_big' : status === 415 ? 'bad_type' : 'failed');
removable(it, null);
}
function send(file) {
var it = item(file.name), x = new XMLHttpRequest();
pending++;
it.st.textContent = tx('sending');
x.open('POST', url, true);
x.setRequestHeader('Content-Type', 'application/json');
x.setRequestHeader('Accept', 'application/json');
x.onload = function () {
var b = null;
try { b = JSON.parse(x.responseText); } catch (e) {}
if (x.status < 200 || x.status >= 300 || !b || !b.url || !b.uploadId || !b.zone) {
fail(it, x.status);
return;
}
var fd = new FormData(), u = new XMLHttpRequest();
for (var k in b.fields) {
if (Object.prototype.hasOwnProperty.call(b.fields, k)) fd.append(k, b.fields[k]);
}
// S3 ignores every field after the file: it goes last.
fd.append('file', file, file.name);
u.open('POST', b.url, true);
u.onload = function () {
if (u.status < 200 || u.status >= 300) {
fail(it, /EntityTooLarge/.test(u.responseText || '') ? 413 : u.status);
return;
}
pending--;
var h = d.createElement('input');
h.type = 'hidden';
h.name = 'attachment';
h.value = b.zone + ':' + b.uploadId;
box.appendChild(h);
it.li.className = 'file done';
it.st.textContent = tx('done');
removable(it, h);
};
u.onerror = function () { fail(it, 0); };
u.send(fd);
};
x.onerror = function () { fail(it, 0); };
x.send(JSON.stringify({ fileName: file.name, contentType: typeOf(file), size: file.size }));
}
// Files kept from an attempt the server refused.
each(box.querySelectorAll('input[name=attachment]'), function (h) {
var it = item(h.getAttribute('data-name') || tx('file'));
it.li.className = 'file done';
it.st.textContent = tx('done');
removable(it, h);
});
pick.hidden = false;
input.addEventListener('change', function () {
st.textContent = '';
each(input.files, function (f) {
if (count() >= max) {
st.textContent = tx('too_many');
return;
}
send(f);
});
input.value = '';
});
})();
}
if (reply) {
reply.addEventListener('submit', function (ev) {
var b = reply.querySelector('button[type=submit]');
if (pending > 0) {
ev.preventDefault();
var st = d.getElementById('reply-st');
if (st) st.textContent = box.getAttribute('data-t-wait') || '';
return;
}
if (reply.getAttribute('data-busy')) {
ev.preventDefault();
return;
}
reply.setAttribute('data-busy', '1');
b.disabled = true;
});
}

// The claim was sent: the form's draft in this tab is no longer needed.
if (d.getElementById('track-url')) {
try {
var s = window.sessionStorage;
for (var i = s.length - 1; i >= 0; i--) {
var k = s.key(i);
if (k && k.indexOf('webform:') === 0) s.removeItem(k);
}
} catch (e) {}
}
})();
