// Behaviour of the form and page scripts in jsdom, with a fake
// XMLHttpRequest standing in for the upload endpoint and S3. Run by
// TestScriptBehaviour: node behaviour.js <dir with the rendered pages>.
// Timers are shortened (backoff and the stall watchdog run in milliseconds).
'use strict';
const { JSDOM } = require('jsdom');
const fs = require('fs');
const path = require('path');
const assert = require('assert');

const DIR = process.argv[2];
const page = (name) => path.join(DIR, name);

function load(file, handler, opts = {}) {
  const log = [];
  const online = opts.online || { value: true };
  const dom = new JSDOM(fs.readFileSync(file, 'utf8'), {
    runScripts: 'dangerously',
    url: 'https://claims.example.com/q/QK7F2M9XA4',
    beforeParse(w) {
      const realTimeout = w.setTimeout.bind(w);
      w.setTimeout = (fn, ms) => realTimeout(fn, Math.min(ms || 0, opts.maxDelay || 5));
      w.URL.createObjectURL = () => 'blob:x';
      w.URL.revokeObjectURL = () => {};
      Object.defineProperty(w.navigator, 'onLine', { get: () => online.value, configurable: true });
      if (opts.draft) w.sessionStorage.setItem('webform:QK7F2M9XA4', JSON.stringify(opts.draft));
      class FakeXHR {
        constructor() { this.upload = {}; this.status = 0; this.responseText = ''; this.headers = {}; }
        open(method, url) { this.method = method; this.url = url; }
        setRequestHeader(k, v) { this.headers[k] = v; }
        abort() { this.aborted = true; if (this.onabort) this.onabort(); }
        send(body) { this.body = body; log.push(this); realTimeout(() => handler(this, log), 1); }
        respond(status, body) {
          if (this.aborted) return;
          this.status = status;
          this.responseText = body ? JSON.stringify(body) : '';
          this.onload();
        }
        fail() { if (!this.aborted && this.onerror) this.onerror(); }
      }
      w.XMLHttpRequest = FakeXHR;
      w.FormData = class { constructor() { this.parts = []; } append(k, v, n) { this.parts.push([k, v, n]); } };
    },
  });
  return { w: dom.window, d: dom.window.document, log };
}

const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const isPresign = (x) => x.url.endsWith('/uploads');
function setFiles(w, input, files) {
  Object.defineProperty(input, 'files', { value: files, configurable: true });
  input.dispatchEvent(new w.Event('change', { bubbles: true }));
}
function submit(w, form) {
  const ev = new w.Event('submit', { cancelable: true, bubbles: true });
  form.dispatchEvent(ev);
  return !ev.defaultPrevented;
}
function choose(w, select, value) {
  select.value = value;
  select.dispatchEvent(new w.Event('change', { bubbles: true }));
  assert.equal(select.value, value, 'option ' + value + ' available');
}
function file(w, name, type, size) {
  const f = new w.File(['abc'], name, { type });
  if (size) Object.defineProperty(f, 'size', { value: size });
  return f;
}
function pickPlate(w, d) {
  choose(w, d.getElementById('f-typeId'), 'no-start');
  setFiles(w, d.getElementById('fi-plate'), [file(w, 'p.jpg', 'image/jpeg')]);
  return () => d.querySelector('#z-plate .file');
}

let uploadIDs = 0;
function okServer(x) {
  if (isPresign(x)) {
    const b = JSON.parse(x.body);
    x.respond(200, { uploadId: 'up' + (++uploadIDs), url: 'https://s3.example/bucket', fields: { key: 'k/' + b.zone, policy: 'p' }, maxBytes: 20 << 20 });
    return;
  }
  if (x.upload.onprogress) x.upload.onprogress({ lengthComputable: true, loaded: 50, total: 100 });
  x.respond(204);
}

const tests = {
  async 'category filter, type panel, zones and required fields'() {
    const { w, d } = load(page('form.ru.html'), okServer);
    await wait(20);
    const form = d.getElementById('claim');
    assert(/\bjs\b/.test(d.documentElement.className));
    assert.equal(form.elements.js.value, '1');
    const cat = d.getElementById('f-categoryId'), type = d.getElementById('f-typeId');
    assert(!cat.disabled && !d.getElementById('w-categoryId').hidden);
    assert(!d.getElementById('photos-js').hidden);
    choose(w, cat, 'transport');
    assert.deepEqual([...type.options].map((o) => o.value), ['', 'box-damage']);
    choose(w, cat, '');
    assert.equal(type.querySelectorAll('optgroup').length, 3);
    choose(w, type, 'no-start');
    assert.equal(cat.value, 'defect', 'category follows the type');
    const panel = d.getElementById('type-panel');
    assert(!panel.hidden && panel.textContent.includes('Проверьте питание'));
    assert(!panel.querySelector('.zl'), 'zone list of the help is not repeated');
    assert(form.elements.serial.required && d.querySelector('label[for=f-serial] .req'));
    assert.equal(d.querySelectorAll('#zones .zone').length, 2);
    const cam = d.getElementById('fi-plate-cam'), gallery = d.getElementById('fi-plate');
    assert.equal(cam.getAttribute('capture'), 'environment');
    assert(!cam.multiple && !gallery.hasAttribute('capture'));
    assert.equal(gallery.accept, 'image/jpeg,image/png,image/heic,.heic');
    assert(d.getElementById('fi-defect').multiple);
    choose(w, type, 'overheat');
    assert(form.elements.phone.required && form.elements.serial.required);
    choose(w, cat, 'quantity');
    choose(w, type, 'wrong-item');
    assert(!form.elements.serial.required && !form.elements.phone.required);
    assert(!d.querySelector('label[for=f-serial] .req'));
    assert(d.getElementById('zones').textContent.includes('не нужны'));
    assert(!form.elements.email.validity.valid, 'email or phone needed');
    form.elements.phone.value = '+7 916 123-45-67';
    form.elements.phone.dispatchEvent(new w.Event('input', { bubbles: true }));
    assert(form.elements.email.validity.valid);
  },

  async 'uploads, checks before upload, and submit rules'() {
    const { w, d, log } = load(page('form.ru.html'), okServer);
    await wait(20);
    const form = d.getElementById('claim');
    form.elements.phone.value = '+7 916 123-45-67';
    choose(w, d.getElementById('f-typeId'), 'no-start');
    const plate = () => d.getElementById('fi-plate');
    setFiles(w, plate(), [file(w, 'doc.pdf', 'application/pdf')]);
    assert(d.getElementById('ze-plate').textContent.includes('doc.pdf'), 'wrong type refused');
    setFiles(w, plate(), [file(w, 'big.jpg', 'image/jpeg', 16 << 20)]);
    assert(d.getElementById('ze-plate').textContent.includes('15 МБ'), 'too large refused');
    assert.equal(log.length, 0);
    setFiles(w, plate(), [file(w, 'IMG.HEIC', '')]);
    await wait(30);
    assert.equal(log.length, 2, 'presign, then S3');
    const before = uploadIDs;
    assert.deepEqual(JSON.parse(log[0].body), { formToken: 'ft_0123456789abcdef', typeId: 'no-start', zone: 'plate', fileName: 'IMG.HEIC', contentType: 'image/heic', size: 3 });
    assert.equal(log[0].headers['Content-Type'], 'application/json');
    assert.equal(log[1].url, 'https://s3.example/bucket');
    assert.deepEqual(log[1].body.parts.map((p) => p[0]), ['key', 'policy', 'file'], 'the file goes last');
    const atts = () => [...form.querySelectorAll('input[name=attachment]')].map((i) => i.value);
    assert.deepEqual(atts(), ['plate:up' + before]);
    setFiles(w, plate(), [file(w, 'second.jpg', 'image/jpeg')]);
    assert(d.getElementById('ze-plate').textContent.includes('не больше 1'), 'max per zone');
    form.elements.name.value = 'Иван';
    assert(!submit(w, form), 'zone "defect" needs 2 files');
    assert(d.getElementById('submit-msg').textContent.includes('Дефект'));
    assert.equal(d.activeElement.id, 'fi-defect-cam');
    setFiles(w, d.getElementById('fi-defect'), [file(w, 'a.jpg', 'image/jpeg'), file(w, 'b.mp4', 'video/mp4')]);
    assert(!submit(w, form), 'no submit while uploading');
    assert(d.getElementById('submit-msg').textContent.includes('Дождитесь'));
    await wait(50);
    assert.equal(atts().length, 3);
    d.querySelectorAll('#z-defect .file')[1].querySelectorAll('button')[2].click();
    assert.equal(atts().length, 2, 'remove drops the field');
    assert(!submit(w, form));
    setFiles(w, d.getElementById('fi-defect'), [file(w, 'c.jpg', 'image/jpeg')]);
    await wait(30);
    choose(w, d.getElementById('f-typeId'), 'noise');
    assert([...form.querySelectorAll('input[name=attachment]')].every((i) => i.disabled), 'other type: not sent');
    choose(w, d.getElementById('f-typeId'), 'no-start');
    assert([...form.querySelectorAll('input[name=attachment]')].every((i) => !i.disabled));
    assert.equal(d.querySelectorAll('#z-defect .file').length, 2, 'files kept across type changes');
    assert(submit(w, form), 'complete form submits');
    assert(d.getElementById('send').disabled);
    assert(!submit(w, form), 'second submit blocked');
  },

  async 'network errors: automatic retries, then a retry button'() {
    let s3fails = 10;
    const { w, d, log } = load(page('form.en.html'), (x) => {
      if (!isPresign(x) && s3fails-- > 0) return x.fail();
      okServer(x);
    });
    await wait(20);
    const row = pickPlate(w, d);
    await wait(120);
    assert(row().className.includes('failed'), row().className);
    assert.equal(log.filter((x) => !isPresign(x)).length, 4, 'one try and three retries');
    assert.equal(log.filter(isPresign).length, 1, 'the presigned POST is reused');
    assert(!submit(w, d.getElementById('claim')), 'failed upload blocks submit');
    const retry = row().querySelectorAll('button')[1];
    assert(!retry.hidden && retry.textContent === 'Retry' && d.activeElement === retry);
    s3fails = 0;
    retry.click();
    await wait(30);
    assert(row().className.includes('done'), row().className);
  },

  async 'server errors: message shown, 4xx not retried, 5xx and 403 retried'() {
    let r = load(page('form.en.html'), (x) => x.respond(400, { error: { code: 'invalid', message: 'Bad file', fields: [{ field: 'size', message: 'too large for this zone' }] } }));
    await wait(20);
    let row = pickPlate(r.w, r.d);
    await wait(30);
    assert(row().className.includes('failed') && row().textContent.includes('Bad file too large for this zone'), row().textContent);
    assert.equal(r.log.length, 1);

    let presigns = 0, s3 = 0;
    r = load(page('form.en.html'), (x) => {
      if (isPresign(x)) return ++presigns <= 2 ? x.respond(500, { error: { code: 'internal', message: 'internal error' } }) : okServer(x);
      if (s3++ === 0) return x.respond(403);
      x.respond(201);
    });
    await wait(20);
    row = pickPlate(r.w, r.d);
    await wait(120);
    assert(row().className.includes('done'), row().className + ' ' + row().textContent);
    assert.equal(presigns, 4, '2 failures, 1 presign, 1 after the expired policy');
  },

  async 'cancel, offline and a stalled upload'() {
    let r = load(page('form.en.html'), (x) => { if (isPresign(x)) okServer(x); }, { maxDelay: 1000 });
    await wait(20);
    let row = pickPlate(r.w, r.d);
    await wait(20);
    assert(row().className.includes('uploading'));
    row().querySelector('button').click();
    assert(!row() && r.log[1].aborted, 'cancel aborts and removes');

    const online = { value: false };
    r = load(page('form.en.html'), okServer, { online });
    await wait(20);
    row = pickPlate(r.w, r.d);
    await wait(20);
    assert(row().className.includes('offline') && r.log.length === 0);
    online.value = true;
    r.w.dispatchEvent(new r.w.Event('online'));
    await wait(30);
    assert(row().className.includes('done'));

    r = load(page('form.en.html'), (x) => { if (isPresign(x)) okServer(x); });
    await wait(20);
    row = pickPlate(r.w, r.d);
    await wait(200);
    assert(row().className.includes('failed'), 'the watchdog gives up on a silent connection');
  },

  async 'after a failed submit: focus, attachments kept'() {
    const { d } = load(page('form-errors.ru.html'), okServer);
    await wait(20);
    assert.equal(d.activeElement.id, 'f-email');
    const rows = d.querySelectorAll('#z-plate .file');
    assert(rows.length === 1 && rows[0].textContent.includes('IMG_0001.jpg') && rows[0].className.includes('done'));
    assert(d.getElementById('prev-att').hidden);
    assert.equal(d.getElementById('f-categoryId').value, 'defect');
  },

  async 'draft kept in the tab'() {
    let r = load(page('form.ru.html'), okServer);
    await wait(10);
    r.d.getElementById('f-essence').value = 'Сломалось в первый день';
    r.d.getElementById('claim').dispatchEvent(new r.w.Event('change', { bubbles: true }));
    assert(r.w.sessionStorage.getItem('webform:QK7F2M9XA4').includes('Сломалось'));
    r = load(page('form.ru.html'), okServer, { draft: { essence: 'из черновика', typeId: 'short', series: 'forged' } });
    await wait(10);
    assert.equal(r.d.getElementById('f-essence').value, 'из черновика');
    assert.equal(r.d.getElementById('f-categoryId').value, 'quantity');
    assert.equal(r.d.getElementById('f-series').value, 'S24-07', 'locked field not restored');
    assert(r.d.querySelector('#z-invoice'), 'zones of the restored type');
  },

  async 'result page: copy button, upload form checks, draft cleared'() {
    const { w, d } = load(page('result.ru.html'), okServer, { draft: { name: 'x' } });
    await wait(10);
    assert(!d.querySelector('button[data-copy]').hidden);
    assert.equal(w.sessionStorage.getItem('webform:QK7F2M9XA4'), null);
    const f = d.querySelector('form.s3');
    Object.defineProperty(f.querySelector('input[type=file]'), 'files', { value: [file(w, 'huge.jpg', 'image/jpeg', 20 << 20)], configurable: true });
    assert(!submit(w, f));
    assert(f.querySelector('.st').textContent.includes('15 МБ'));
    Object.defineProperty(f.querySelector('input[type=file]'), 'files', { value: [file(w, 'ok.jpg', 'image/jpeg')] });
    assert(submit(w, f));
    assert(f.querySelector('button').disabled);
  },

  async 'tracking page: files for a reply are uploaded first and sent as attachments'() {
    let n = 0;
    const server = (x) => {
      if (x.url.endsWith('/messages/uploads')) {
        const b = JSON.parse(x.body);
        if (b.fileName === 'big.mp4') return x.respond(413, { error: { code: 'too_large', message: 'the file is too large' } });
        return x.respond(201, { uploadId: 'msg' + (++n), zone: b.contentType === 'application/pdf' ? 'documents' : 'product', url: 'https://s3.example/bucket', fields: { key: 'k' + n } });
      }
      if (x.hold) return;
      x.respond(204);
    };
    const { w, d, log } = load(page('tracking.ru.html'), server);
    await wait(10);
    const reply = d.getElementById('reply'), input = d.getElementById('f-file');
    assert(!d.getElementById('reply-pick').hidden, 'file picker shown with the script');
    setFiles(w, input, [file(w, 'IMG_1.HEIC', ''), file(w, 'акт.pdf', 'application/pdf'), file(w, 'big.mp4', 'video/mp4')]);
    await wait(30);
    const presigns = log.filter((x) => x.url.endsWith('/messages/uploads')).map((x) => JSON.parse(x.body));
    assert.deepEqual(presigns.map((b) => b.contentType), ['image/heic', 'application/pdf', 'video/mp4']);
    const s3 = log.filter((x) => x.url === 'https://s3.example/bucket');
    assert.equal(s3.length, 2);
    assert.deepEqual(s3[0].body.parts.map((p) => p[0]), ['key', 'file'], 'the file goes last');
    const values = () => [...reply.querySelectorAll('input[name=attachment]')].map((i) => i.value);
    assert.deepEqual(values(), ['product:msg1', 'documents:msg2']);
    const rows = d.querySelectorAll('#reply-list .file');
    assert.equal(rows.length, 3);
    assert(rows[2].className.includes('failed') && rows[2].textContent.includes('слишком большой'), rows[2].textContent);
    // Removing a file drops its attachment value.
    rows[0].querySelector('button').click();
    assert.deepEqual(values(), ['documents:msg2']);
    // Five files at most per message.
    setFiles(w, input, [1, 2, 3, 4, 5].map((i) => file(w, i + '.jpg', 'image/jpeg')));
    await wait(30);
    assert.equal(values().length, 5);
    assert(d.getElementById('reply-st').textContent.includes('5'));
    // No sending while a file is on its way.
    setFiles(w, input, []);
    rows[1].querySelector('button').click();
    const slow = (x) => { if (x.url === 'https://s3.example/bucket') { x.hold = true; return; } server(x); };
    const r2 = load(page('tracking.ru.html'), slow);
    await wait(10);
    setFiles(r2.w, r2.d.getElementById('f-file'), [file(r2.w, 'a.jpg', 'image/jpeg')]);
    await wait(20);
    assert(!submit(r2.w, r2.d.getElementById('reply')), 'submit waits for the upload');
    assert(r2.d.getElementById('reply-st').textContent.includes('Дождитесь'));
    assert(submit(w, reply), 'submit with the files uploaded');
    assert(reply.querySelector('button[type=submit]').disabled);
    assert(!submit(w, reply), 'a second click sends nothing');
  },

  async 'tracking page: files kept from a refused reply can be removed'() {
    const { d } = load(page('tracking-reply.ru.html'), okServer);
    await wait(10);
    const rows = d.querySelectorAll('#reply-list .file');
    assert(rows.length === 1 && rows[0].textContent.includes('шильдик.jpg'));
    rows[0].querySelector('button').click();
    assert.equal(d.querySelectorAll('#reply input[name=attachment]').length, 0);
    assert.equal(d.getElementById('f-body').value, 'Серийный номер SN12345678');
  },
};

(async () => {
  let failed = 0;
  for (const [name, fn] of Object.entries(tests)) {
    try {
      await fn();
      console.log('ok   ' + name);
    } catch (e) {
      failed++;
      console.log('FAIL ' + name + '\n' + (e.stack || e));
    }
  }
  process.exit(failed ? 1 : 0);
})();
