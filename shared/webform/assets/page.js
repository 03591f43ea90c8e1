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
each(d.querySelectorAll('form.s3'), function (f) {
f.removeAttribute('data-busy');
f.querySelector('button[type=submit]').disabled = false;
});
});

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
