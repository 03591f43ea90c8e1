// The dealer cabinet: signs in through the user pool's hosted sign-in
// (authorization code with PKCE), keeps the tokens in this tab's session
// storage, and does everything through the public JSON API with the
// dealer's ID token. No framework: the DOM is built with h(), never from
// HTML strings, so no value from the API is ever parsed as markup.
// Comments stay on lines of their own (the server does not minify this
// file, but keep it as the public form's scripts are written).
(function () {
'use strict';

var cfg = JSON.parse(document.getElementById('config').textContent);
var apiBase = cfg.apiBase ? cfg.apiBase.replace(/\/+$/, '') + '/' : '';
var signInBase = cfg.signInUrl.replace(/\/+$/, '');
var redirectURI = location.origin + location.pathname;
var store = window.sessionStorage;
var FINISHED = ['closed', 'rejected', 'withdrawn'];

// ---------------------------------------------------------------- texts
var T = {
ru: {
'title': 'Кабинет дилера', 'skip': 'Перейти к содержанию', 'nav': 'Кабинет', 'lang': 'English', 'langCode': 'en',
'loading': 'Загрузка…', 'signin.title': 'Вход в кабинет дилера',
'signin.text': 'Здесь дилер подаёт рекламации своих покупателей, следит за их рассмотрением и переписывается с отделом рекламаций.',
'signin.button': 'Войти', 'signin.expired': 'Сеанс закончился: войдите снова.', 'signin.failed': 'Войти не удалось: {0}. Попробуйте ещё раз.',
'signin.notDealer': 'Кабинет открыт только пользователям дилеров. Ваша учётная запись не привязана к дилеру.',
'signout': 'Выйти', 'nav.claims': 'Рекламации', 'nav.new': 'Новая рекламация', 'nav.notes': 'Уведомления',
'nav.notesCount': 'Уведомления (новых: {0})',
'list.title': 'Рекламации', 'list.empty': 'Рекламаций не найдено.', 'list.more': 'Показать ещё', 'list.filters': 'Отбор',
'f.stage': 'Стадия', 'f.any': 'Любая', 'f.from': 'Подана с', 'f.to': 'по', 'f.order': 'Номер заказа', 'f.serial': 'Серийный номер',
'f.text': 'Текст (номер, товар, покупатель)', 'f.apply': 'Показать', 'f.reset': 'Сбросить',
'f.textHint': 'Ищет среди загруженных рекламаций.',
'c.created': 'Подана', 'c.updated': 'Изменена', 'c.serial': 'S/N', 'c.order': 'Заказ',
'stats.title': 'Статистика за год', 'stats.registered': 'Подано', 'stats.open': 'В работе', 'stats.closed': 'Закрыто',
'stats.avgDays': 'Среднее время рассмотрения, дн.', 'stats.grantedShare': 'Удовлетворено', 'stats.byType': 'По типам',
'stats.type': 'Тип', 'stats.none': 'Статистика пока пуста.', 'stats.failed': 'Статистика недоступна.',
'new.title': 'Новая рекламация', 'new.source': 'Заказ, по которому рекламация',
'new.orderHint': 'Или номер заказа из накладной или счёта: кабинет подставит товары заказа.',
'new.find': 'Найти заказ', 'new.yourOrders': 'Ваши заказы', 'new.yourOrdersHint': 'Заказы вашей организации, как их прислала учётная система.',
'new.noOrders': 'Заказов пока нет', 'new.noOrder': 'Без заказа: ввести товар вручную', 'new.orderNotFound': 'Заказ {0} не найден среди заказов вашей организации.',
'new.items': 'Отметьте позиции и количество', 'new.qty': 'Количество', 'new.of': 'из {0} {1}',
'new.product': 'Товар', 'new.model': 'Модель или артикул', 'new.name': 'Наименование', 'new.serial': 'Серийный номер',
'new.series': 'Партия', 'new.purchaseDate': 'Дата покупки', 'new.claimant': 'Покупатель', 'new.cname': 'Имя или ФИО',
'new.email': 'Эл. почта', 'new.phone': 'Телефон', 'new.company': 'Организация', 'new.taxId': 'ИНН',
'new.kind': 'Что случилось', 'new.category': 'Категория', 'new.type': 'Тип рекламации', 'new.choose': '— выберите —',
'new.instructions': 'Как подать', 'new.samples': 'Образцы документов', 'new.selfHelp': 'Прежде чем подать: попробуйте это', 'new.essence': 'Суть рекламации',
'new.essenceHint': 'Что произошло, когда и как это проявляется (не меньше 10 знаков).',
'new.desired': 'Чего хочет покупатель', 'new.desiredFix': 'Пожелания', 'new.files': 'Фото и документы',
'new.zone': '{0}: от {1} до {2} файлов', 'new.addFile': 'Добавить файл', 'new.required': 'обязательно',
'new.requiredHint': 'Этот тип рекламации требует поле', 'new.submit': 'Отправить рекламацию', 'new.sending': 'Отправляем…',
'new.dup': 'По серийному номеру {0} уже есть незакрытая рекламация:', 'new.fixErrors': 'Исправьте отмеченные поля.',
'new.waitUploads': 'Дождитесь загрузки файлов.', 'new.zoneCount': 'Нужно файлов: от {0} до {1}, добавлено {2}.',
'up.uploading': 'Загружается', 'up.done': 'Загружен', 'up.failed': 'Не загрузился', 'up.retry': 'Повторить',
'up.remove': 'Убрать', 'up.tooBig': 'Файл больше {0} МБ.', 'up.badType': 'Такой тип файла здесь не принимается.',
'claim.title': 'Рекламация {0}', 'claim.filed': 'Рекламация {0} подана. Её PDF появится в документах через несколько секунд.',
'claim.product': 'Товар', 'claim.type': 'Тип', 'claim.essence': 'Суть', 'claim.desired': 'Пожелание покупателя',
'claim.asked': 'Отдел рекламаций просит', 'claim.answerHint': 'Ответьте в переписке ниже: рекламация вернётся в работу.',
'claim.rejected': 'Причина отказа', 'claim.decision': 'Решение', 'claim.warranty': 'Гарантийный случай',
'claim.notWarranty': 'Не гарантийный случай', 'claim.compensation': 'Сумма', 'claim.instructions': 'Что делать дальше',
'claim.history': 'История', 'claim.tz': 'Время — {0}', 'claim.files': 'Файлы рекламации', 'claim.documents': 'Документы',
'claim.noDocuments': 'Документов пока нет.', 'claim.download': 'Скачать PDF', 'claim.orders': 'Заказы',
'claim.sourceOrder': 'Исходный заказ', 'claim.reworkOrders': 'Заказы по рекламации', 'claim.notFound': 'Рекламация не найдена.',
'claim.refresh': 'Обновить', 'claim.pdfReady': 'PDF рекламации готов.', 'claim.items': 'Позиции',
'chat.title': 'Переписка с отделом рекламаций', 'chat.empty': 'Сообщений пока нет.', 'chat.you': 'Вы', 'chat.staff': 'Отдел рекламаций',
'chat.claimant': 'Покупатель', 'chat.body': 'Сообщение', 'chat.files': 'Файлы (до 5)', 'chat.send': 'Отправить',
'chat.closed': 'Рекламация закрыта: переписка только для чтения.',
'torg.open': 'Заполнить акт ТОРГ-2', 'torg.title': 'Акт ТОРГ-2 о расхождении при приёмке', 'torg.number': 'Номер акта',
'torg.date': 'Дата акта', 'torg.place': 'Место приёмки', 'torg.department': 'Подразделение', 'torg.contract': 'Договор №',
'torg.contractDate': 'Дата договора', 'torg.started': 'Приёмка начата', 'torg.ended': 'Приёмка окончена',
'torg.transport': 'Транспортный документ', 'torg.tkind': 'Вид (ТТН, ТН…)', 'torg.tnumber': 'Номер', 'torg.tdate': 'Дата',
'torg.commission': 'Комиссия', 'torg.position': 'Должность', 'torg.person': 'ФИО', 'torg.lines': 'Расхождения по позициям',
'torg.documented': 'По документам: {0} {1}', 'torg.actual': 'Фактически', 'torg.defect': 'Из них с браком',
'torg.discrepancy': 'Расхождение', 'torg.none': 'нет', 'torg.shortage': 'недостача', 'torg.surplus': 'излишек', 'torg.defectKind': 'брак',
'torg.description': 'Описание', 'torg.conclusion': 'Заключение комиссии', 'torg.submit': 'Сформировать PDF', 'torg.cancel': 'Закрыть',
'torg.made': 'Акт сформирован: распечатайте, подпишите и прикрепите скан.', 'torg.noOrder': 'Акт ТОРГ-2 составляется по заказу: у этой рекламации нет исходного заказа.',
'torg.noLines': 'Отметьте расхождение хотя бы по одной позиции.', 'torg.scan': 'Прикрепить подписанный скан акта',
'torg.scanDone': 'Скан прикреплён к рекламации.',
'rate.title': 'Оцените рассмотрение рекламации', 'rate.score': 'Оценка', 'rate.comment': 'Комментарий', 'rate.send': 'Оценить',
'rate.done': 'Ваша оценка: {0} из 5.', 'rate.s5': 'отлично', 'rate.s4': 'хорошо', 'rate.s3': 'удовлетворительно', 'rate.s2': 'плохо', 'rate.s1': 'очень плохо',
'order.title': 'Заказ {0}', 'order.status': 'Статус в учётной системе', 'order.kind': 'Вид', 'order.claims': 'Рекламации по заказу',
'order.noClaims': 'Рекламаций по заказу нет.', 'order.made': 'Заказы, созданные по рекламации {0}', 'order.from': 'Создан по рекламации',
'order.notFound': 'Заказ не найден.', 'order.fileClaim': 'Подать рекламацию по этому заказу',
'kind.source': 'исходный', 'order.created': 'Создан', 'kind.rework': 'переделка', 'kind.additional': 'дополнительный',
'notes.title': 'Уведомления', 'notes.empty': 'Уведомлений нет.', 'notes.read': 'Прочитано', 'notes.markRead': 'Отметить прочитанным',
'notes.new': 'Новое уведомление: {0}',
'ev.claim.created': 'Рекламация подана', 'ev.claim.updated': 'Данные рекламации уточнены', 'ev.rating.commented': 'Оставлен комментарий к оценке', 'ev.stage.changed': 'Стадия: {0}', 'ev.message.posted': 'Сообщение в переписке',
'ev.attachment.added': 'Добавлен файл', 'ev.document.generated': 'Сформирован документ', 'ev.decision.recorded': 'Принято решение',
'ev.decision.revised': 'Решение пересмотрено', 'ev.claim.rated': 'Поставлена оценка', 'ev.other': 'Событие',
'err.network': 'Нет связи с сервером. Проверьте интернет и попробуйте ещё раз.', 'err.server': 'Ошибка сервера ({0}). Попробуйте позже.',
'err.forbidden': 'Это действие недоступно вашей учётной записи.', 'err.conflict': 'Рекламация изменилась: обновите страницу.',
'err.field': '{0}: {1}', 'yes': 'да', 'no': 'нет'
},
en: {
'title': 'Dealer cabinet', 'skip': 'Skip to content', 'nav': 'Cabinet', 'lang': 'Русский', 'langCode': 'ru',
'loading': 'Loading…', 'signin.title': 'Dealer cabinet sign-in',
'signin.text': 'Dealers file their customers\u2019 claims here, follow how they are handled and talk to the claims department.',
'signin.button': 'Sign in', 'signin.expired': 'Your session has ended: please sign in again.', 'signin.failed': 'Sign-in failed: {0}. Please try again.',
'signin.notDealer': 'The cabinet is for dealers\u2019 users only. Your account is not linked to a dealer.',
'signout': 'Sign out', 'nav.claims': 'Claims', 'nav.new': 'New claim', 'nav.notes': 'Notifications',
'nav.notesCount': 'Notifications ({0} new)',
'list.title': 'Claims', 'list.empty': 'No claims found.', 'list.more': 'Show more', 'list.filters': 'Filter',
'f.stage': 'Stage', 'f.any': 'Any', 'f.from': 'Filed from', 'f.to': 'to', 'f.order': 'Order number', 'f.serial': 'Serial number',
'f.text': 'Text (number, product, customer)', 'f.apply': 'Show', 'f.reset': 'Reset',
'f.textHint': 'Searches the claims loaded.',
'c.created': 'Filed', 'c.updated': 'Updated', 'c.serial': 'S/N', 'c.order': 'Order',
'stats.title': 'This year\u2019s figures', 'stats.registered': 'Filed', 'stats.open': 'Open', 'stats.closed': 'Closed',
'stats.avgDays': 'Average days to resolve', 'stats.grantedShare': 'Granted', 'stats.byType': 'By type',
'stats.type': 'Type', 'stats.none': 'No figures yet.', 'stats.failed': 'Figures unavailable.',
'new.title': 'New claim', 'new.source': 'The order the claim is about',
'new.orderHint': 'Or the order number from the invoice: the cabinet fills in the order\u2019s items.',
'new.find': 'Find the order', 'new.yourOrders': 'Your orders', 'new.yourOrdersHint': 'Your organisation\u2019s orders as the ERP sent them.',
'new.noOrders': 'No orders yet', 'new.noOrder': 'No order: enter the product by hand', 'new.orderNotFound': 'Order {0} is not among your organisation\u2019s orders.',
'new.items': 'Tick the items and quantities', 'new.qty': 'Quantity', 'new.of': 'of {0} {1}',
'new.product': 'Product', 'new.model': 'Model or SKU', 'new.name': 'Name', 'new.serial': 'Serial number',
'new.series': 'Batch', 'new.purchaseDate': 'Purchase date', 'new.claimant': 'Customer', 'new.cname': 'Name',
'new.email': 'Email', 'new.phone': 'Phone', 'new.company': 'Company', 'new.taxId': 'Tax ID (INN)',
'new.kind': 'What happened', 'new.category': 'Category', 'new.type': 'Type of claim', 'new.choose': '— choose —',
'new.instructions': 'How to file', 'new.samples': 'Sample documents', 'new.selfHelp': 'Before you file: try this', 'new.essence': 'What is wrong',
'new.essenceHint': 'What happened, when, and how it shows (at least 10 characters).',
'new.desired': 'What the customer wants', 'new.desiredFix': 'Wishes', 'new.files': 'Photos and documents',
'new.zone': '{0}: {1} to {2} files', 'new.addFile': 'Add a file', 'new.required': 'required',
'new.requiredHint': 'This type of claim requires the field', 'new.submit': 'Send the claim', 'new.sending': 'Sending…',
'new.dup': 'There is an open claim on serial number {0}:', 'new.fixErrors': 'Please correct the marked fields.',
'new.waitUploads': 'Please wait for the files to upload.', 'new.zoneCount': 'Files needed: {0} to {1}, added {2}.',
'up.uploading': 'Uploading', 'up.done': 'Uploaded', 'up.failed': 'Upload failed', 'up.retry': 'Retry',
'up.remove': 'Remove', 'up.tooBig': 'The file is larger than {0} MB.', 'up.badType': 'This kind of file is not accepted here.',
'claim.title': 'Claim {0}', 'claim.filed': 'Claim {0} was filed. Its PDF appears under documents in a few seconds.',
'claim.product': 'Product', 'claim.type': 'Type', 'claim.essence': 'What is wrong', 'claim.desired': 'The customer wants',
'claim.asked': 'The claims department asks', 'claim.answerHint': 'Answer in the conversation below: the claim goes back to work.',
'claim.rejected': 'Reason for rejection', 'claim.decision': 'Decision', 'claim.warranty': 'Warranty case',
'claim.notWarranty': 'Not a warranty case', 'claim.compensation': 'Amount', 'claim.instructions': 'What happens next',
'claim.history': 'History', 'claim.tz': 'Times in {0}', 'claim.files': 'The claim\u2019s files', 'claim.documents': 'Documents',
'claim.noDocuments': 'No documents yet.', 'claim.download': 'Download PDF', 'claim.orders': 'Orders',
'claim.sourceOrder': 'Source order', 'claim.reworkOrders': 'Orders made from the claim', 'claim.notFound': 'Claim not found.',
'claim.refresh': 'Refresh', 'claim.pdfReady': 'The claim\u2019s PDF is ready.', 'claim.items': 'Items',
'chat.title': 'Conversation with the claims department', 'chat.empty': 'No messages yet.', 'chat.you': 'You', 'chat.staff': 'Claims department',
'chat.claimant': 'Customer', 'chat.body': 'Message', 'chat.files': 'Files (up to 5)', 'chat.send': 'Send',
'chat.closed': 'The claim is finished: the conversation is read-only.',
'torg.open': 'Fill in the TORG-2 act', 'torg.title': 'TORG-2 act of discrepancy on acceptance', 'torg.number': 'Act number',
'torg.date': 'Act date', 'torg.place': 'Place of acceptance', 'torg.department': 'Department', 'torg.contract': 'Contract no.',
'torg.contractDate': 'Contract date', 'torg.started': 'Acceptance started', 'torg.ended': 'Acceptance ended',
'torg.transport': 'Transport document', 'torg.tkind': 'Kind (TTN, TN…)', 'torg.tnumber': 'Number', 'torg.tdate': 'Date',
'torg.commission': 'Commission', 'torg.position': 'Position', 'torg.person': 'Full name', 'torg.lines': 'Discrepancies by item',
'torg.documented': 'Documented: {0} {1}', 'torg.actual': 'Actually received', 'torg.defect': 'Of which defective',
'torg.discrepancy': 'Discrepancy', 'torg.none': 'none', 'torg.shortage': 'shortage', 'torg.surplus': 'surplus', 'torg.defectKind': 'defect',
'torg.description': 'Description', 'torg.conclusion': 'The commission\u2019s conclusion', 'torg.submit': 'Make the PDF', 'torg.cancel': 'Close',
'torg.made': 'The act is ready: print it, sign it and attach the scan.', 'torg.noOrder': 'A TORG-2 act is made from an order: this claim names no source order.',
'torg.noLines': 'Mark a discrepancy on at least one item.', 'torg.scan': 'Attach the signed scan of the act',
'torg.scanDone': 'The scan was attached to the claim.',
'rate.title': 'Rate how the claim was handled', 'rate.score': 'Score', 'rate.comment': 'Comment', 'rate.send': 'Rate',
'rate.done': 'Your rating: {0} of 5.', 'rate.s5': 'excellent', 'rate.s4': 'good', 'rate.s3': 'fair', 'rate.s2': 'poor', 'rate.s1': 'very poor',
'order.title': 'Order {0}', 'order.status': 'Status in the ERP', 'order.kind': 'Kind', 'order.claims': 'Claims on the order',
'order.noClaims': 'No claims on this order.', 'order.made': 'Orders made from claim {0}', 'order.from': 'Made from claim',
'order.notFound': 'Order not found.', 'order.fileClaim': 'File a claim on this order',
'kind.source': 'source', 'order.created': 'Created', 'kind.rework': 'rework', 'kind.additional': 'additional',
'notes.title': 'Notifications', 'notes.empty': 'No notifications.', 'notes.read': 'Read', 'notes.markRead': 'Mark read',
'notes.new': 'New notification: {0}',
'ev.claim.created': 'Claim filed', 'ev.claim.updated': 'Claim details updated', 'ev.rating.commented': 'Rating commented', 'ev.stage.changed': 'Stage: {0}', 'ev.message.posted': 'Message in the conversation',
'ev.attachment.added': 'File added', 'ev.document.generated': 'Document made', 'ev.decision.recorded': 'Decision made',
'ev.decision.revised': 'Decision revised', 'ev.claim.rated': 'Rated', 'ev.other': 'Event',
'err.network': 'No connection to the server. Check the internet and try again.', 'err.server': 'Server error ({0}). Please try later.',
'err.forbidden': 'Your account may not do this.', 'err.conflict': 'The claim has changed: refresh the page.',
'err.field': '{0}: {1}', 'yes': 'yes', 'no': 'no'
}
};

var lang = store.getItem('cab.lang') || (/[?&]lang=en\b/.test(location.search) ? 'en' : 'ru');

function t(key) {
  var s = T[lang][key];
  if (s === undefined) {
    s = (cfg.texts[lang] || {})[key];
  }
  if (s === undefined) {
    s = key;
  }
  for (var i = 1; i < arguments.length; i++) {
    s = s.split('{' + (i - 1) + '}').join(String(arguments[i]));
  }
  return s;
}
function stageName(s) { return t('stage.' + s); }
function named(n) { return n ? (n[lang] || n.ru || '') : ''; }

// ---------------------------------------------------------------- DOM
function h(tag, attrs) {
  var el = document.createElement(tag);
  if (attrs) {
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) {
        return;
      }
      if (k.slice(0, 2) === 'on') {
        el.addEventListener(k.slice(2), v);
      } else if (k === 'text') {
        el.textContent = v;
      } else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected') {
        el[k] = v;
      } else {
        el.setAttribute(k, v === true ? '' : v);
      }
    });
  }
  for (var i = 2; i < arguments.length; i++) {
    append(el, arguments[i]);
  }
  return el;
}
function append(el, c) {
  if (c === null || c === undefined || c === false) {
    return;
  }
  if (Array.isArray(c)) {
    c.forEach(function (x) { append(el, x); });
    return;
  }
  el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
}
function $(id) { return document.getElementById(id); }
function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } return el; }
var uid = 0;
function nextID(p) { uid++; return p + '-' + uid; }

// field: a labelled input; extra goes on the input.
function field(label, input, hint, required) {
  if (!input.id) {
    input.id = nextID('f');
  }
  var hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: input.id + '-hint', text: hint });
    input.setAttribute('aria-describedby', hintEl.id);
  }
  if (required) {
    input.required = true;
  }
  return h('div', { class: 'field' },
    h('label', { for: input.id }, label, required ? h('span', { class: 'req', text: ' *' }) : null),
    hintEl, input, h('p', { class: 'error', id: input.id + '-error', hidden: true }));
}
function fieldError(input, msg) {
  var e = $(input.id + '-error');
  if (!e) {
    return;
  }
  e.textContent = msg || '';
  e.hidden = !msg;
  if (msg) {
    input.setAttribute('aria-invalid', 'true');
    var d = (input.getAttribute('aria-describedby') || '').split(' ').filter(function (x) { return x && x !== e.id; });
    d.push(e.id);
    input.setAttribute('aria-describedby', d.join(' '));
  } else {
    input.removeAttribute('aria-invalid');
  }
}
function say(msg) {
  var s = $('status');
  s.textContent = '';
  if (msg) {
    setTimeout(function () { s.textContent = msg; }, 50);
  }
}
function alertBox(msg, kind) { return h('p', { class: 'alert ' + (kind || 'error'), role: kind === 'ok' ? 'status' : 'alert', text: msg }); }

var dtFormat = function (iso, dateOnly) {
  if (!iso) {
    return '';
  }
  var d = new Date(iso);
  if (isNaN(d)) {
    return iso;
  }
  var o = dateOnly ? { year: 'numeric', month: '2-digit', day: '2-digit' } : { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'ru-RU', o).format(d);
};
function zoneName() {
  var z = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  var off = -new Date().getTimezoneOffset();
  var s = 'UTC' + (off === 0 ? '' : (off > 0 ? '+' : '-') + Math.floor(Math.abs(off) / 60) + (Math.abs(off) % 60 ? ':' + ('0' + Math.abs(off) % 60).slice(-2) : ''));
  return z === 'UTC' || z === 'Etc/UTC' ? s : z + ', ' + s;
}
function money(m) {
  if (!m) {
    return '';
  }
  return new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'ru-RU', { style: 'currency', currency: m.currency || 'RUB' }).format(m.amount / 100);
}
function today() { var d = new Date(); return d.getFullYear() + '-' + ('0' + (d.getMonth() + 1)).slice(-2) + '-' + ('0' + d.getDate()).slice(-2); }

// ---------------------------------------------------------------- sign-in
function b64url(bytes) {
  var s = '';
  bytes.forEach(function (b) { s += String.fromCharCode(b); });
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function randomString() { return b64url(crypto.getRandomValues(new Uint8Array(32))); }

// sha256 hashes bytes: with WebCrypto where the page is a secure context
// (https, localhost), else here (a phone opening the local stack by the
// machine's address over plain http has no crypto.subtle).
function sha256(bytes) {
  if (window.crypto && crypto.subtle) {
    return crypto.subtle.digest('SHA-256', bytes).then(function (b) { return new Uint8Array(b); });
  }
  return Promise.resolve(sha256js(bytes));
}
function sha256js(bytes) {
  var K = [];
  var H = [];
  var isPrime = function (n) {
    for (var f = 2; f * f <= n; f++) {
      if (n % f === 0) {
        return false;
      }
    }
    return true;
  };
  var frac = function (x) { return ((x - Math.floor(x)) * 4294967296) | 0; };
  for (var n = 2, c = 0; c < 64; n++) {
    if (isPrime(n)) {
      if (c < 8) {
        H[c] = frac(Math.pow(n, 1 / 2));
      }
      K[c++] = frac(Math.pow(n, 1 / 3));
    }
  }
  var len = bytes.length;
  var words = new Array(((len + 9 + 63) >> 6) << 4).fill(0);
  for (var i = 0; i < len; i++) {
    words[i >> 2] |= bytes[i] << (24 - (i % 4) * 8);
  }
  words[len >> 2] |= 0x80 << (24 - (len % 4) * 8);
  words[words.length - 1] = len * 8;
  var W = new Array(64);
  for (var j = 0; j < words.length; j += 16) {
    var a = H[0], b = H[1], cc = H[2], d = H[3], e = H[4], f = H[5], g = H[6], hh = H[7];
    for (var k = 0; k < 64; k++) {
      if (k < 16) {
        W[k] = words[j + k] | 0;
      } else {
        var x = W[k - 15], y = W[k - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        W[k] = (W[k - 16] + s0 + W[k - 7] + s1) | 0;
      }
      var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      var t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[k] + W[k]) | 0;
      var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      var t2 = (S0 + ((a & b) ^ (a & cc) ^ (b & cc))) | 0;
      hh = g; g = f; f = e; e = (d + t1) | 0; d = cc; cc = b; b = a; a = (t1 + t2) | 0;
    }
    H = [(H[0] + a) | 0, (H[1] + b) | 0, (H[2] + cc) | 0, (H[3] + d) | 0, (H[4] + e) | 0, (H[5] + f) | 0, (H[6] + g) | 0, (H[7] + hh) | 0];
  }
  var out = new Uint8Array(32);
  for (var m = 0; m < 32; m++) {
    out[m] = (H[m >> 2] >>> (24 - (m % 4) * 8)) & 255;
  }
  return out;
}

function signIn() {
  var verifier = randomString();
  var state = randomString();
  store.setItem('cab.pkce', JSON.stringify({ verifier: verifier, state: state, back: location.hash || '#/' }));
  return sha256(new TextEncoder().encode(verifier)).then(function (sum) {
    var q = new URLSearchParams({
      response_type: 'code', client_id: cfg.clientId, redirect_uri: redirectURI, scope: 'openid email profile',
      state: state, code_challenge: b64url(sum), code_challenge_method: 'S256'
    });
    location.assign(signInBase + '/oauth2/authorize?' + q.toString());
  });
}

var tokens = null;
var refreshing = null;
var refreshTimer = 0;

function loadTokens() {
  try {
    tokens = JSON.parse(store.getItem('cab.tokens') || 'null');
  } catch (e) {
    tokens = null;
  }
}
function keepTokens(res, refreshToken) {
  tokens = { id: res.id_token, access: res.access_token, refresh: res.refresh_token || refreshToken, exp: Date.now() + (res.expires_in || 3600) * 1000 };
  store.setItem('cab.tokens', JSON.stringify(tokens));
  scheduleRefresh();
}
function forget() {
  tokens = null;
  store.removeItem('cab.tokens');
  clearTimeout(refreshTimer);
}
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (!tokens) {
    return;
  }
  // A minute before the hour is up; at once when it already is.
  var wait = Math.max(0, tokens.exp - Date.now() - 60000);
  refreshTimer = setTimeout(function () { refresh().catch(function () {}); }, Math.min(wait, 2147483647));
}
function tokenRequest(form) {
  return fetch(signInBase + '/oauth2/token', {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString()
  }).then(function (r) {
    return r.json().catch(function () { return {}; }).then(function (b) {
      if (!r.ok) {
        var e = new Error(b.error || ('HTTP ' + r.status));
        e.grant = true;
        throw e;
      }
      return b;
    });
  });
}
// refresh gets new ID and access tokens with the refresh token; one at a
// time. A refused refresh token (expired, revoked) signs the page out.
function refresh() {
  if (refreshing) {
    return refreshing;
  }
  if (!tokens || !tokens.refresh) {
    return Promise.reject(new Error('no session'));
  }
  var rt = tokens.refresh;
  refreshing = tokenRequest({ grant_type: 'refresh_token', client_id: cfg.clientId, refresh_token: rt }).then(function (b) {
    keepTokens(b, rt);
  }, function (e) {
    if (e.grant) {
      forget();
      showSignIn(t('signin.expired'));
    }
    throw e;
  }).finally(function () { refreshing = null; });
  return refreshing;
}
function finishSignIn() {
  var q = new URLSearchParams(location.search);
  var pkce = null;
  try {
    pkce = JSON.parse(store.getItem('cab.pkce') || 'null');
  } catch (e) {
    pkce = null;
  }
  store.removeItem('cab.pkce');
  var back = (pkce && pkce.back) || '#/';
  history.replaceState(null, '', location.pathname + (lang === 'en' ? '?lang=en' : '') + back);
  if (q.get('error')) {
    return Promise.reject(new Error(q.get('error_description') || q.get('error')));
  }
  if (!pkce || q.get('state') !== pkce.state) {
    return Promise.reject(new Error('state'));
  }
  return tokenRequest({ grant_type: 'authorization_code', client_id: cfg.clientId, code: q.get('code'), redirect_uri: redirectURI, code_verifier: pkce.verifier })
    .then(function (b) { keepTokens(b); });
}
function signOut() {
  var rt = tokens && tokens.refresh;
  forget();
  var done = function () {
    location.assign(signInBase + '/logout?' + new URLSearchParams({ client_id: cfg.clientId, logout_uri: redirectURI }).toString());
  };
  if (!rt) {
    done();
    return;
  }
  fetch(signInBase + '/oauth2/revoke', {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: rt, client_id: cfg.clientId }).toString()
  }).catch(function () {}).then(done);
}

// ---------------------------------------------------------------- API
function ApiError(status, body) {
  this.status = status;
  this.body = body || {};
  var e = this.body.error || {};
  this.code = e.code;
  this.fields = e.fields || [];
  this.message = e.message || ('HTTP ' + status);
}
// call sends a request with the ID token: a token about to expire is
// refreshed first, and a 401 refreshes it and tries once more.
function call(method, path, body, headers, retried) {
  var pre = tokens && tokens.exp - Date.now() < 30000 ? refresh() : Promise.resolve();
  return pre.then(function () {
    if (!tokens) {
      throw new ApiError(401);
    }
    var h2 = { Authorization: 'Bearer ' + tokens.id };
    if (body !== undefined) {
      h2['Content-Type'] = 'application/json';
    }
    Object.keys(headers || {}).forEach(function (k) { h2[k] = headers[k]; });
    return fetch(apiBase + path, { method: method, headers: h2, body: body === undefined ? undefined : JSON.stringify(body) });
  }).then(function (r) {
    if (r.status === 401 && !retried) {
      return refresh().then(function () { return call(method, path, body, headers, true); });
    }
    return r.text().then(function (txt) {
      var b = null;
      try {
        b = txt ? JSON.parse(txt) : null;
      } catch (e) {
        b = null;
      }
      if (!r.ok) {
        throw new ApiError(r.status, b);
      }
      return b;
    });
  }, function (e) {
    if (e instanceof ApiError) {
      throw e;
    }
    throw e;
  });
}
function get(path) { return call('GET', path); }
function qs(o) {
  var p = new URLSearchParams();
  Object.keys(o).forEach(function (k) {
    if (o[k] !== '' && o[k] !== undefined && o[k] !== null) {
      p.set(k, o[k]);
    }
  });
  var s = p.toString();
  return s ? '?' + s : '';
}
function errorText(e) {
  if (e instanceof TypeError) {
    return t('err.network');
  }
  if (!(e instanceof ApiError)) {
    return String(e && e.message || e);
  }
  if (e.status === 403) {
    return t('err.forbidden');
  }
  if (e.status >= 500) {
    return t('err.server', e.status);
  }
  if (e.fields.length) {
    return e.fields.map(function (f) { return t('err.field', f.field, f.message); }).join('; ');
  }
  return e.message;
}

// upload posts a file to a presigned S3 POST, reporting progress (0..1).
function upload(ticket, file, progress) {
  return new Promise(function (resolve, reject) {
    var fd = new FormData();
    Object.keys(ticket.fields).forEach(function (k) { fd.append(k, ticket.fields[k]); });
    fd.append('file', file);
    var x = new XMLHttpRequest();
    x.open('POST', ticket.url);
    x.upload.onprogress = function (ev) {
      if (ev.lengthComputable) {
        progress(ev.loaded / ev.total);
      }
    };
    x.onload = function () {
      if (x.status >= 200 && x.status < 300) {
        progress(1);
        resolve(ticket.uploadId);
      } else {
        reject(new Error('S3 ' + x.status));
      }
    };
    x.onerror = function () { reject(new TypeError('network')); };
    x.send(fd);
  });
}
function mediaType(file) {
  var tp = (file.type || '').toLowerCase();
  if (tp) {
    return tp;
  }
  var ext = (file.name.split('.').pop() || '').toLowerCase();
  return { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', heic: 'image/heic', pdf: 'application/pdf', mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm' }[ext] || 'application/octet-stream';
}

// fileItem is one file going to the bucket: a row with its progress and a
// retry button. ask returns a promise of a ticket for it.
function fileItem(file, ask, onRemove) {
  var bar = h('progress', { max: '1', value: '0', 'aria-label': file.name });
  var state = h('span', { class: 'upstate', text: t('up.uploading') });
  var retry = h('button', { type: 'button', class: 'small', hidden: true, text: t('up.retry') });
  var remove = h('button', { type: 'button', class: 'small link', text: t('up.remove') });
  var row = h('li', { class: 'upfile' }, h('span', { class: 'fname', text: file.name }), bar, state, retry, remove);
  var item = { file: file, row: row, uploadId: null, zone: null, done: false, failed: false, promise: null };
  var go = function () {
    item.failed = false;
    retry.hidden = true;
    state.textContent = t('up.uploading');
    bar.value = 0;
    item.promise = ask(file).then(function (ticket) {
      item.zone = ticket.zone;
      return upload(ticket, file, function (p) { bar.value = p; });
    }).then(function (id) {
      item.uploadId = id;
      item.done = true;
      state.textContent = t('up.done');
    }, function (e) {
      item.failed = true;
      state.textContent = t('up.failed') + ': ' + errorText(e);
      retry.hidden = false;
    });
    return item.promise;
  };
  retry.addEventListener('click', go);
  remove.addEventListener('click', function () { row.remove(); onRemove(item); });
  go();
  return item;
}

// ---------------------------------------------------------------- shell
var me = null;
var catalog = null;
var unread = 0;
var seenNotes = null;

function chrome() {
  document.documentElement.lang = lang;
  document.title = t('title') + ' — ClaimsDesk';
  $('skip').textContent = t('skip');
  var l = $('lang');
  l.textContent = t('lang');
  l.setAttribute('lang', t('langCode'));
  var nav = clear($('nav'));
  nav.setAttribute('aria-label', t('nav'));
  nav.hidden = !me;
  if (me) {
    var here = location.hash || '#/';
    var link = function (href, text, id) {
      var a = h('a', { href: href, id: id, text: text });
      if (here === href || (href !== '#/' && here.indexOf(href) === 0)) {
        a.setAttribute('aria-current', 'page');
      }
      return a;
    };
    append(nav, [link('#/', t('nav.claims'), 'nav-claims'), link('#/new', t('nav.new'), 'nav-new'),
      link('#/notes', unread ? t('nav.notesCount', unread) : t('nav.notes'), 'nav-notes'),
      h('span', { class: 'who', text: me.username || me.userId }),
      h('button', { type: 'button', id: 'signout', class: 'link', onclick: signOut, text: t('signout') })]);
  }
}

function page(title) {
  var main = clear($('main'));
  var hd = h('h1', { text: title, tabindex: '-1' });
  main.appendChild(hd);
  return main;
}

function showSignIn(msg) {
  me = null;
  chrome();
  var main = page(t('signin.title'));
  append(main, [msg ? alertBox(msg) : null, h('p', { text: t('signin.text') }),
    h('p', {}, h('button', { type: 'button', id: 'signin', class: 'primary', onclick: signIn, text: t('signin.button') }))]);
}

function route() {
  if (!me) {
    return;
  }
  var hash = location.hash || '#/';
  chrome();
  var m;
  var done;
  if (hash === '#/' || hash === '#') {
    done = listPage();
  } else if (hash === '#/new' || (m = hash.match(/^#\/new\?order=(.+)$/))) {
    done = newPage(m ? decodeURIComponent(m[1]) : '');
  } else if ((m = hash.match(/^#\/claims\/([^?]+)(\?filed)?$/))) {
    done = claimPage(decodeURIComponent(m[1]), !!m[2]);
  } else if ((m = hash.match(/^#\/orders\/(.+)$/))) {
    done = orderPage(decodeURIComponent(m[1]));
  } else if (hash === '#/notes') {
    done = notesPage();
  } else {
    location.hash = '#/';
    return;
  }
  Promise.resolve(done).then(function () {
    var h1 = document.querySelector('main h1');
    if (h1 && document.activeElement === document.body) {
      h1.focus();
    }
  });
}

function failPage(e, title) {
  // A refused refresh token already shows the sign-in.
  if ((e instanceof ApiError && e.status === 401) || (e && e.grant)) {
    return;
  }
  var main = page(title || t('title'));
  main.appendChild(alertBox(errorText(e)));
}

// ---------------------------------------------------------------- list
var listState = { filters: {}, claims: [], next: '' };

function listPage() {
  var main = page(t('list.title'));
  var stats = h('section', { class: 'stats', 'aria-labelledby': 'stats-h' }, h('h2', { id: 'stats-h', text: t('stats.title') }), h('p', { text: t('loading') }));
  var f = listState.filters;
  var stageSel = h('select', { id: 'f-stage', name: 'stage' }, h('option', { value: '', text: t('f.any') }),
    Object.keys(cfg.texts[lang]).filter(function (k) { return k.indexOf('stage.') === 0; }).map(function (k) {
      return h('option', { value: k.slice(6), text: cfg.texts[lang][k], selected: f.stage === k.slice(6) });
    }));
  var from = h('input', { id: 'f-from', type: 'date', value: f.from || '' });
  var to = h('input', { id: 'f-to', type: 'date', value: f.to || '' });
  var order = h('input', { id: 'f-order', type: 'text', value: f.order || '', autocomplete: 'off' });
  var serial = h('input', { id: 'f-serial', type: 'text', value: f.serial || '', autocomplete: 'off' });
  var text = h('input', { id: 'f-text', type: 'search', value: f.text || '' });
  var results = h('div', { id: 'results', 'aria-live': 'polite' });
  var form = h('form', { class: 'filters', role: 'search', 'aria-label': t('list.filters') },
    h('div', { class: 'row' }, field(t('f.stage'), stageSel), field(t('f.from'), from), field(t('f.to'), to)),
    h('div', { class: 'row' }, field(t('f.order'), order), field(t('f.serial'), serial)),
    field(t('f.text'), text, t('f.textHint')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: t('f.apply') }),
      h('button', { type: 'button', class: 'link', text: t('f.reset'), onclick: function () { listState.filters = {}; listPage(); } })));
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    listState.filters = { stage: stageSel.value, from: from.value, to: to.value, order: order.value.trim(), serial: serial.value.trim(), text: text.value.trim() };
    load(false);
  });
  text.addEventListener('input', function () { listState.filters.text = text.value.trim(); show(); });
  append(main, [stats, h('h2', { class: 'sr', text: t('list.filters') }), form, results]);
  loadStats(stats);

  function show() {
    clear(results);
    var q = (listState.filters.text || '').toLowerCase();
    var shown = listState.claims.filter(function (c) {
      if (!q) {
        return true;
      }
      return [c.id, c.product.model, c.product.name, c.product.serial, c.claimant.name, c.claimant.company, c.essence, c.order && c.order.reference]
        .join(' ').toLowerCase().indexOf(q) >= 0;
    });
    if (!shown.length) {
      results.appendChild(h('p', { class: 'empty', text: t('list.empty') }));
    } else {
      results.appendChild(h('ul', { class: 'cards', id: 'claims' }, shown.map(card)));
    }
    if (listState.next) {
      results.appendChild(h('button', { type: 'button', id: 'more', text: t('list.more'), onclick: function () { load(true); } }));
    }
  }
  function load(more) {
    var f2 = listState.filters;
    var params = { stage: f2.stage, from: f2.from, to: f2.to, order: f2.order, serial: f2.serial, limit: 50 };
    if (more) {
      params.cursor = listState.next;
    }
    return get('v1/claims' + qs(params)).then(function (page2) {
      listState.claims = more ? listState.claims.concat(page2.claims) : page2.claims;
      listState.next = page2.next || '';
      show();
    }, function (e) {
      clear(results).appendChild(alertBox(errorText(e)));
    });
  }
  return load(false);
}

function card(c) {
  return h('li', { class: 'card' },
    h('div', { class: 'card-head' }, h('a', { href: '#/claims/' + encodeURIComponent(c.id), class: 'num', text: c.id }),
      h('span', { class: 'stage stage-' + c.stage, text: stageName(c.stage) })),
    h('p', { class: 'prod', text: [c.product.model, c.product.name].filter(Boolean).join(' — ') }),
    h('p', { class: 'meta' }, c.product.serial ? t('c.serial') + ' ' + c.product.serial + ' · ' : '',
      c.order && c.order.reference ? t('c.order') + ' ' + c.order.reference + ' · ' : '',
      t('c.created') + ' ' + dtFormat(c.createdAt, true) + ' · ' + t('c.updated') + ' ' + dtFormat(c.updatedAt, true)));
}

function loadStats(box) {
  var y = new Date().getFullYear() + '-01-01';
  var measures = 'registered,open,closed,avgDays,grantedShare';
  var typeNames = {};
  return Promise.all([get('v1/reports/structure' + qs({ from: y, to: today(), groupBy: 'type', measures: measures })), loadCatalog()]).then(function (r) {
    var rep = r[0];
    (catalog.types || []).forEach(function (tp) { typeNames[tp.id] = named(tp.name); });
    var tot = rep.totals || {};
    var fmt = function (m, v) {
      if (v === undefined || v === null) {
        return '—';
      }
      if (m === 'grantedShare') {
        return Math.round(v * 100) + '%';
      }
      if (m === 'avgDays') {
        return (Math.round(v * 10) / 10).toLocaleString(lang === 'en' ? 'en-GB' : 'ru-RU');
      }
      return String(v);
    };
    var ms = measures.split(',');
    clear(box);
    append(box, [h('h2', { id: 'stats-h', text: t('stats.title') }),
      h('dl', { class: 'figures' }, ms.map(function (m) {
        return h('div', {}, h('dt', { text: t('stats.' + m) }), h('dd', { text: fmt(m, tot[m]) }));
      }))]);
    if ((rep.rows || []).length) {
      append(box, h('details', {}, h('summary', { text: t('stats.byType') }),
        h('div', { class: 'scroll' }, h('table', {},
          h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('stats.type') }), ms.map(function (m) { return h('th', { scope: 'col', text: t('stats.' + m) }); }))),
          h('tbody', {}, rep.rows.map(function (row) {
            return h('tr', {}, h('th', { scope: 'row', text: typeNames[row.key] || row.key }), ms.map(function (m) { return h('td', { text: fmt(m, row.values[m]) }); }));
          }))))));
    } else {
      box.appendChild(h('p', { text: t('stats.none') }));
    }
  }, function () {
    clear(box);
    append(box, [h('h2', { id: 'stats-h', text: t('stats.title') }), h('p', { text: t('stats.failed') })]);
  });
}

function loadCatalog() {
  if (catalog) {
    return Promise.resolve(catalog);
  }
  return get('v1/catalog').then(function (c) { catalog = c; return c; });
}

// ---------------------------------------------------------------- filing
function newPage(orderNumber) {
  var main = page(t('new.title'));
  return loadCatalog().then(function () { newForm(main, orderNumber); }, function (e) { failPage(e, t('new.title')); });
}

function newForm(main, orderNumber) {
  var key = 'cab-' + randomString();
  var inputs = {};
  var items = [];
  var zoneFiles = {};
  var src = null;
  var mk = function (name, attrs) {
    var el = h(attrs && attrs.tag || 'input', Object.assign({ id: 'n-' + name.replace(/\./g, '-'), name: name }, attrs || {}));
    el.removeAttribute('tag');
    inputs[name] = el;
    return el;
  };
  var orderIn = h('input', { id: 'n-order', type: 'text', value: orderNumber, autocomplete: 'off', inputmode: 'text' });
  var pick = h('select', { id: 'n-order-pick' }, h('option', { value: '', text: t('loading') }));
  var pickBox = field(t('new.yourOrders'), pick, t('new.yourOrdersHint'));
  inputs['order.reference'] = orderIn;
  var orderMsg = h('div', { id: 'n-order-found', 'aria-live': 'polite' });
  var itemsBox = h('fieldset', { id: 'n-items', hidden: true }, h('legend', { text: t('new.items') }));
  var findBtn = h('button', { type: 'button', id: 'n-find', text: t('new.find') });

  var model = mk('product.model', { autocomplete: 'off' });
  var pname = mk('product.name', { autocomplete: 'off' });
  var serial = mk('product.serial', { autocomplete: 'off' });
  var series = mk('product.series', { autocomplete: 'off' });
  var purchase = mk('product.purchaseDate', { type: 'date', max: today() });
  var dup = h('div', { id: 'n-dup', 'aria-live': 'polite' });
  var cname = mk('claimant.name', { autocomplete: 'off' });
  var email = mk('claimant.email', { type: 'email', autocomplete: 'off' });
  var phone = mk('claimant.phone', { type: 'tel', autocomplete: 'off' });
  var company = mk('claimant.company', { autocomplete: 'off' });
  var taxId = mk('claimant.taxId', { autocomplete: 'off', inputmode: 'numeric' });
  var cat = mk('categoryId', { tag: 'select' });
  var typ = mk('typeId', { tag: 'select', disabled: true });
  var typeInfo = h('div', { id: 'n-typeinfo' });
  var zonesBox = h('div', { id: 'n-zones' });
  var essence = mk('essence', { tag: 'textarea', rows: '5', maxlength: '5000', minlength: '10' });
  var desired = mk('desiredResult', { tag: 'select' });
  var fix = mk('desiredFix', { tag: 'textarea', rows: '3', maxlength: '2000' });
  var formErr = h('div', { id: 'n-errors', 'aria-live': 'assertive' });
  var submit = h('button', { type: 'submit', class: 'primary', id: 'n-submit', text: t('new.submit') });

  append(cat, [h('option', { value: '', text: t('new.choose') }), (catalog.categories || []).map(function (c) { return h('option', { value: c.id, text: named(c.name) }); })]);
  append(desired, ['repair', 'replacement', 'refund', 'price_reduction', 'other'].map(function (d) { return h('option', { value: d, text: t('desired.' + d) }); }));

  var fieldsFor = {};
  var box = function (name, label, input, hint, req) {
    var f = field(label, input, hint, req);
    fieldsFor[name] = f;
    return f;
  };
  var form = h('form', { id: 'n-form', novalidate: true },
    h('section', {}, h('h2', { text: t('new.source') }),
      pickBox, h('div', { class: 'row end' }, box('order.reference', t('f.order'), orderIn, t('new.orderHint')), findBtn), orderMsg, itemsBox),
    h('section', {}, h('h2', { text: t('new.kind') }), box('categoryId', t('new.category'), cat, null, true), box('typeId', t('new.type'), typ, null, true), typeInfo),
    h('section', {}, h('h2', { text: t('new.product') }), box('product.model', t('new.model'), model, null, true), box('product.name', t('new.name'), pname),
      h('div', { class: 'row' }, box('product.serial', t('new.serial'), serial), box('product.series', t('new.series'), series)), dup,
      box('product.purchaseDate', t('new.purchaseDate'), purchase)),
    h('section', {}, h('h2', { text: t('new.claimant') }), box('claimant.name', t('new.cname'), cname, null, true),
      h('div', { class: 'row' }, box('claimant.email', t('new.email'), email), box('claimant.phone', t('new.phone'), phone)),
      h('div', { class: 'row' }, box('claimant.company', t('new.company'), company), box('claimant.taxId', t('new.taxId'), taxId))),
    h('section', {}, h('h2', { text: t('new.essence') }), box('essence', t('new.essence'), essence, t('new.essenceHint'), true),
      box('desiredResult', t('new.desired'), desired, null, true), box('desiredFix', t('new.desiredFix'), fix)),
    h('section', { id: 'n-files' }, h('h2', { text: t('new.files') }), zonesBox),
    formErr, h('div', { class: 'actions' }, submit));
  main.appendChild(form);

  function findOrder() {
    var n = orderIn.value.trim();
    clear(orderMsg);
    itemsBox.hidden = true;
    src = null;
    if (!n) {
      return Promise.resolve();
    }
    return get('v1/orders/' + encodeURIComponent(n)).then(function (v) {
      src = v.order;
      showItems();
      var cu = src.customer || {};
      if (!cname.value) {
        cname.value = cu.name || cu.company || '';
      }
      if (!company.value && cu.company) {
        company.value = cu.company;
      }
      if (!email.value && cu.email) {
        email.value = cu.email;
      }
      if (!phone.value && cu.phone) {
        phone.value = cu.phone;
      }
      if (!taxId.value && cu.taxId) {
        taxId.value = cu.taxId;
      }
      orderMsg.appendChild(h('p', { class: 'ok', text: t('order.title', src.number) + ' · ' + (src.status || '') + ' · ' + dtFormat(src.createdAt, true) }));
    }, function (e) {
      orderMsg.appendChild(alertBox(e.status === 404 ? t('new.orderNotFound', n) : errorText(e)));
    });
  }
  function showItems() {
    items = [];
    clear(itemsBox).appendChild(h('legend', { text: t('new.items') }));
    src.items.forEach(function (it, i) {
      var cb = h('input', { type: 'checkbox', id: 'n-item-' + i, 'data-sku': it.sku });
      var qty = h('input', { type: 'number', id: 'n-qty-' + i, min: '0', step: 'any', max: String(it.quantity), value: String(it.quantity), inputmode: 'decimal', disabled: true });
      cb.addEventListener('change', function () {
        qty.disabled = !cb.checked;
        if (cb.checked && !model.value) {
          model.value = it.sku;
          pname.value = it.name || '';
        }
      });
      items.push({ line: it, cb: cb, qty: qty });
      itemsBox.appendChild(h('div', { class: 'item' },
        h('div', { class: 'check' }, cb, h('label', { for: cb.id }, h('b', { text: it.sku }), ' ', it.name || '')),
        h('div', { class: 'qty' }, h('label', { for: qty.id, text: t('new.qty') }), qty, h('span', { class: 'hint', text: t('new.of', it.quantity, it.unit || '') }))));
    });
    itemsBox.hidden = false;
  }
  findBtn.addEventListener('click', findOrder);
  pick.addEventListener('change', function () {
    if (pick.value) {
      orderIn.value = pick.value;
      findOrder();
    }
  });
  // The dealer's recent orders as the ERP sent them.
  get('v1/orders' + qs({ limit: 50 })).then(function (p) {
    clear(pick).appendChild(h('option', { value: '', text: p.orders.length ? t('new.choose') : t('new.noOrders') }));
    p.orders.forEach(function (o) {
      pick.appendChild(h('option', { value: o.number, text: o.number + ' · ' + dtFormat(o.createdAt, true) + ' · ' + ((o.customer && (o.customer.company || o.customer.name)) || '') + ' · ' + (o.status || '') }));
    });
  }, function () {
    clear(pick).appendChild(h('option', { value: '', text: t('new.noOrders') }));
  });
  orderIn.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      findOrder();
    }
  });

  function currentType() {
    return (catalog.types || []).filter(function (x) { return x.id === typ.value; })[0] || null;
  }
  cat.addEventListener('change', function () {
    clear(typ).appendChild(h('option', { value: '', text: t('new.choose') }));
    (catalog.types || []).filter(function (x) { return x.categoryId === cat.value; }).forEach(function (x) {
      typ.appendChild(h('option', { value: x.id, text: named(x.name) }));
    });
    typ.disabled = !cat.value;
    showType();
  });
  typ.addEventListener('change', showType);

  function showType() {
    clear(typeInfo);
    clear(zonesBox);
    zoneFiles = {};
    var tp = currentType();
    Object.keys(fieldsFor).forEach(function (n) {
      var base = ['product.model', 'claimant.name', 'categoryId', 'typeId', 'essence', 'desiredResult'].indexOf(n) >= 0;
      var req = base || (tp && (tp.requiredFields || []).indexOf(n) >= 0);
      var input = inputs[n];
      input.required = !!req;
      var lbl = fieldsFor[n].querySelector('label');
      var star = lbl.querySelector('.req');
      if (req && !star) {
        lbl.appendChild(h('span', { class: 'req', text: ' *' }));
      } else if (!req && star) {
        star.remove();
      }
    });
    if (!tp) {
      return;
    }
    // Self-help: the type's published articles (HTML sanitized when they
    // were written), asked for with the claim's key as the view token, so
    // that the claim filed with it counts against them.
    var help = h('div', { class: 'instructions', hidden: true });
    typeInfo.appendChild(help);
    call('GET', 'v1/kb/self-help?type=' + encodeURIComponent(tp.id) + '&lang=' + lang + '&view=' + key).then(function (res) {
      if (typ.value !== tp.id || !res.articles.length) {
        return;
      }
      help.appendChild(h('h3', { text: t('new.selfHelp') }));
      res.articles.forEach(function (a) {
        var body = h('div');
        body.innerHTML = a.html;
        help.appendChild(h('details', {}, h('summary', { text: a.title }), body));
      });
      help.hidden = false;
    }, function () {});
    var instr = named(tp.instructions);
    if (instr) {
      typeInfo.appendChild(h('div', { class: 'instructions' }, h('h3', { text: t('new.instructions') }), instr.split('\n').map(function (p) { return h('p', { text: p }); })));
    }
    if ((tp.sampleDocuments || []).length) {
      typeInfo.appendChild(h('div', {}, h('h3', { text: t('new.samples') }), h('ul', {}, tp.sampleDocuments.map(function (d) {
        var url = d.url.charAt(0) === '/' ? apiBase + d.url.slice(1) + (lang === 'en' ? '?lang=en' : '') : d.url;
        return h('li', {}, h('a', { href: url, target: '_blank', rel: 'noopener', text: named(d.title) }));
      }))));
    }
    (tp.photoZones || []).forEach(function (z) {
      var list = h('ul', { class: 'files', id: 'z-' + z.id + '-files' });
      var input = h('input', { type: 'file', id: 'z-' + z.id, accept: z.mediaTypes.join(','), multiple: z.max > 1 });
      var note = h('p', { class: 'error', id: 'z-' + z.id + '-error', hidden: true });
      zoneFiles[z.id] = [];
      var hint = named(z.hint) || '';
      input.addEventListener('change', function () {
        Array.prototype.forEach.call(input.files, function (file) {
          fieldError(input, '');
          if (z.mediaTypes.indexOf(mediaType(file)) < 0 && !(mediaType(file) === 'image/jpg' && z.mediaTypes.indexOf('image/jpeg') >= 0)) {
            fieldError(input, t('up.badType'));
            return;
          }
          if (file.size > z.maxBytes) {
            fieldError(input, t('up.tooBig', Math.round(z.maxBytes / 1048576)));
            return;
          }
          var item = fileItem(file, function (f) {
            return call('POST', 'v1/uploads', { typeId: tp.id, zone: z.id, contentType: mediaType(f), size: f.size, fileName: f.name }).then(function (tk) { tk.zone = z.id; return tk; });
          }, function (it) { zoneFiles[z.id] = zoneFiles[z.id].filter(function (x) { return x !== it; }); });
          zoneFiles[z.id].push(item);
          list.appendChild(item.row);
        });
        input.value = '';
      });
      zonesBox.appendChild(h('div', { class: 'zone' },
        h('label', { for: input.id }, h('b', { text: named(z.title) }), ' ', h('span', { class: 'hint', text: t('new.zone', '', z.min || 0, z.max).replace(/^: /, '') })),
        hint ? h('p', { class: 'hint', text: hint }) : null, input, note, list));
      input.setAttribute('aria-describedby', note.id);
    });
  }

  function checkDup() {
    clear(dup);
    var s = serial.value.trim();
    if (!s) {
      return;
    }
    get('v1/claims' + qs({ serial: s, limit: 20 })).then(function (p) {
      var open = p.claims.filter(function (c) { return FINISHED.indexOf(c.stage) < 0; });
      if (open.length) {
        dup.appendChild(h('div', { class: 'alert warn', role: 'status' }, t('new.dup', s), ' ',
          open.map(function (c, i) { return [i ? ', ' : '', h('a', { href: '#/claims/' + encodeURIComponent(c.id), text: c.id + ' (' + stageName(c.stage) + ')' })]; })));
      }
    }, function () {});
  }
  serial.addEventListener('change', checkDup);

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clear(formErr);
    Object.keys(inputs).forEach(function (n) { fieldError(inputs[n], ''); });
    var bad = [];
    Object.keys(inputs).forEach(function (n) {
      var el = inputs[n];
      if (el.required && !String(el.value).trim()) {
        fieldError(el, t('new.required'));
        bad.push(el);
      }
    });
    if (essence.value.trim().length > 0 && essence.value.trim().length < 10) {
      fieldError(essence, t('new.essenceHint'));
      bad.push(essence);
    }
    var tp = currentType();
    var attachments = [];
    var pending = false;
    if (tp) {
      tp.photoZones.forEach(function (z) {
        var fs = zoneFiles[z.id] || [];
        fs.forEach(function (it) {
          if (it.done) {
            attachments.push({ zone: z.id, uploadId: it.uploadId });
          } else {
            pending = true;
          }
        });
        var inp = $('z-' + z.id);
        if (fs.length < (z.min || 0) || fs.length > z.max) {
          fieldError(inp, t('new.zoneCount', z.min || 0, z.max, fs.length));
          bad.push(inp);
        }
      });
    }
    if (bad.length) {
      formErr.appendChild(alertBox(t('new.fixErrors')));
      bad[0].focus();
      return;
    }
    if (pending) {
      formErr.appendChild(alertBox(t('new.waitUploads')));
      return;
    }
    var v = function (el) { return el.value.trim() || undefined; };
    var body = {
      channel: 'dealer_form', language: lang,
      claimant: { name: v(cname), email: v(email), phone: v(phone), company: v(company), taxId: v(taxId) },
      product: { model: v(model), name: v(pname), serial: v(serial), series: v(series), purchaseDate: v(purchase) },
      categoryId: cat.value, typeId: typ.value, essence: essence.value.trim(), desiredResult: desired.value, desiredFix: v(fix),
      attachments: attachments
    };
    var ref = orderIn.value.trim();
    if (ref) {
      body.order = { reference: ref };
      var chosen = items.filter(function (x) { return x.cb.checked; });
      if (chosen.length) {
        body.order.items = chosen.map(function (x) {
          return { sku: x.line.sku, name: x.line.name || undefined, quantity: Number(x.qty.value), unit: x.line.unit || undefined };
        });
      }
    }
    submit.disabled = true;
    submit.textContent = t('new.sending');
    call('POST', 'v1/claims', body, { 'Idempotency-Key': key, 'Kb-View': key }).then(function (res) {
      location.hash = '#/claims/' + encodeURIComponent(res.claim.id) + '?filed';
    }, function (e) {
      submit.disabled = false;
      submit.textContent = t('new.submit');
      var rest = [];
      (e.fields || []).forEach(function (f) {
        var name = f.field.replace(/\[\d+\].*$/, '');
        if (inputs[name]) {
          fieldError(inputs[name], f.message);
        } else if (/^attachments/.test(f.field) && tp) {
          rest.push(f.message);
        } else {
          rest.push(t('err.field', f.field, f.message));
        }
      });
      formErr.appendChild(alertBox(e.fields && e.fields.length ? t('new.fixErrors') + (rest.length ? ' ' + rest.join('; ') : '') : errorText(e)));
    });
  });
  if (orderNumber) {
    findOrder();
  }
}

// ---------------------------------------------------------------- claim
function claimPage(id, filed) {
  var main = page(t('claim.title', id));
  main.appendChild(h('p', { text: t('loading') }));
  return Promise.all([get('v1/claims/' + encodeURIComponent(id)), get('v1/claims/' + encodeURIComponent(id) + '/messages'), loadCatalog()]).then(function (r) {
    renderClaim(r[0], r[1], filed);
  }, function (e) {
    if (e instanceof ApiError && e.status === 404) {
      page(t('claim.title', id)).appendChild(alertBox(t('claim.notFound')));
      return;
    }
    failPage(e, t('claim.title', id));
  });
}

function typeOf(id) { return (catalog.types || []).filter(function (x) { return x.id === id; })[0]; }

function renderClaim(view, chat, filed) {
  var c = view.claim;
  var id = c.id;
  var main = page(t('claim.title', id));
  var tp = typeOf(c.typeId);
  var reload = function () { return claimPage(id, false); };
  if (filed) {
    main.appendChild(alertBox(t('claim.filed', id), 'ok'));
  }
  var stageP = h('p', { class: 'stageline' }, h('span', { id: 'c-stage', class: 'stage stage-' + c.stage, text: stageName(c.stage) }), ' ',
    h('button', { type: 'button', class: 'small', id: 'c-refresh', text: t('claim.refresh'), onclick: reload }));
  main.appendChild(stageP);
  var events = view.history || [];
  var lastMove = events.filter(function (e) { return e.type === 'stage.changed'; }).pop();
  var reason = lastMove && lastMove.after && lastMove.after.reason;
  if (c.stage === 'waiting_for_customer' && reason) {
    main.appendChild(h('div', { class: 'alert warn', id: 'c-asked' }, h('h2', { text: t('claim.asked') }), h('p', { text: reason }), h('p', { text: t('claim.answerHint') })));
  }
  if (c.stage === 'rejected' && reason) {
    main.appendChild(h('div', { class: 'alert', id: 'c-rejected' }, h('h2', { text: t('claim.rejected') }), h('p', { text: reason })));
  }
  if (c.decision) {
    var d = c.decision;
    main.appendChild(h('section', { class: 'decision', id: 'c-decision', 'aria-labelledby': 'c-decision-h' },
      h('h2', { id: 'c-decision-h', text: t('claim.decision') }),
      h('p', { class: 'resolution', text: t('decision.resolution.' + d.resolution) }),
      h('p', { text: d.warrantyCase ? t('claim.warranty') : t('claim.notWarranty') }),
      d.cost && d.cost.amount ? h('p', { text: t('claim.compensation') + ': ' + money(d.cost) }) : null,
      d.instructions ? [h('h3', { text: t('claim.instructions') }), h('p', { class: 'pre', text: d.instructions })] : null,
      h('p', { class: 'meta', text: dtFormat(d.decidedAt) })));
  }
  if (c.stage === 'closed') {
    main.appendChild(ratingBox(c, reload));
  }
  main.appendChild(h('section', { 'aria-labelledby': 'c-about-h' }, h('h2', { id: 'c-about-h', class: 'sr', text: t('claim.product') }),
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', { text: t('claim.product') }), h('dd', { text: [c.product.model, c.product.name, c.product.serial ? 'S/N ' + c.product.serial : ''].filter(Boolean).join(' · ') })),
      h('div', {}, h('dt', { text: t('claim.type') }), h('dd', { text: tp ? named(tp.name) : c.typeId })),
      h('div', {}, h('dt', { text: t('new.claimant') }), h('dd', { text: [c.claimant.name, c.claimant.company].filter(Boolean).join(', ') })),
      h('div', {}, h('dt', { text: t('claim.desired') }), h('dd', { text: t('desired.' + c.desiredResult) })),
      h('div', {}, h('dt', { text: t('c.created') }), h('dd', { text: dtFormat(c.createdAt) })),
      c.order && c.order.reference ? h('div', {}, h('dt', { text: t('claim.sourceOrder') }), h('dd', {}, h('a', { href: '#/orders/' + encodeURIComponent(c.order.reference), text: c.order.reference }))) : null),
    c.order && (c.order.items || []).length ? h('div', {}, h('h3', { text: t('claim.items') }), h('ul', {}, c.order.items.map(function (it) {
      return h('li', { text: it.sku + (it.name ? ' — ' + it.name : '') + ': ' + it.quantity + ' ' + (it.unit || '') });
    }))) : null,
    h('h3', { text: t('claim.essence') }), h('p', { class: 'pre', text: c.essence })));
  main.appendChild(documentsBox(view, tp, reload));
  if (filed && !(view.documents || []).length) {
    waitForPDF(view, tp, reload, 0);
  }
  main.appendChild(chatBox(c, chat, reload));
  if ((view.orders || []).length) {
    main.appendChild(h('section', { 'aria-labelledby': 'c-orders-h' }, h('h2', { id: 'c-orders-h', text: t('claim.reworkOrders') }),
      h('ul', {}, view.orders.map(function (o) {
        return h('li', {}, h('a', { href: '#/orders/' + encodeURIComponent(o.number), text: o.number }), ' · ' + t('kind.' + o.kind) + ' · ' + (o.status || ''));
      }))));
  }
  if ((view.attachments || []).length) {
    main.appendChild(h('section', { 'aria-labelledby': 'c-files-h' }, h('h2', { id: 'c-files-h', text: t('claim.files') }),
      h('ul', { id: 'c-files' }, view.attachments.map(function (a) {
        return h('li', {}, h('a', { href: a.url, target: '_blank', rel: 'noopener', text: a.fileName }), ' · ' + zoneTitle(tp, a.zone));
      }))));
  }
  main.appendChild(h('section', { 'aria-labelledby': 'c-hist-h' }, h('h2', { id: 'c-hist-h', text: t('claim.history') }),
    h('p', { class: 'hint', text: t('claim.tz', zoneName()) }),
    h('ol', { class: 'history', id: 'c-history' }, events.map(function (e) {
      var label = T[lang]['ev.' + e.type] ? t('ev.' + e.type, e.after && e.after.stage ? stageName(e.after.stage) : '') : t('ev.other');
      var extra = e.type === 'document.generated' && e.after && e.after.title ? e.after.title : '';
      return h('li', {}, h('time', { datetime: e.at, text: dtFormat(e.at) }), ' ', h('span', { text: label }), extra ? h('span', { class: 'meta', text: ' · ' + extra }) : null);
    }))));
}

// waitForPDF shows the claim's PDF as soon as the notifier has made it
// (a second or two after filing), for half a minute at most.
function waitForPDF(view, tp, reload, n) {
  if (n >= 15) {
    return;
  }
  setTimeout(function () {
    var id = view.claim.id;
    if (!$('c-docs') || location.hash.indexOf(id) < 0) {
      return;
    }
    get('v1/claims/' + encodeURIComponent(id) + '/documents').then(function (d) {
      var sec = $('c-docs');
      if (!sec || !(d.documents || []).length) {
        waitForPDF(view, tp, reload, n + 1);
        return;
      }
      view.documents = d.documents;
      sec.replaceWith(documentsBox(view, tp, reload));
      say(t('claim.pdfReady'));
    }, function () {});
  }, 2000);
}

function zoneTitle(tp, zone) {
  var z = tp && (tp.photoZones || []).filter(function (x) { return x.id === zone; })[0];
  return z ? named(z.title) : zone;
}

function documentsBox(view, tp, reload) {
  var c = view.claim;
  var docs = view.documents || [];
  var sec = h('section', { id: 'c-docs', 'aria-labelledby': 'c-docs-h' }, h('h2', { id: 'c-docs-h', text: t('claim.documents') }));
  if (!docs.length) {
    sec.appendChild(h('p', { text: t('claim.noDocuments') }));
  } else {
    sec.appendChild(h('ul', { class: 'docs' }, docs.map(function (d) {
      return h('li', { 'data-kind': d.kind }, h('a', { href: d.url, target: '_blank', rel: 'noopener', class: 'doc', 'data-kind': d.kind }, d.title),
        h('span', { class: 'meta', text: ' · ' + dtFormat(d.createdAt) + ' · PDF ' + Math.max(1, Math.round(d.size / 1024)) + ' KB' }));
    })));
  }
  if (FINISHED.indexOf(c.stage) < 0) {
    if (c.order && c.order.reference) {
      sec.appendChild(h('p', {}, h('button', { type: 'button', id: 'torg-open', onclick: function () { torgDialog(view, reload); }, text: t('torg.open') })));
    }
    var zone = tp && (tp.photoZones || []).filter(function (z) { return z.mediaTypes.indexOf('application/pdf') >= 0; })[0];
    if (zone && docs.some(function (d) { return d.kind === 'torg-2'; })) {
      var scan = h('input', { type: 'file', id: 'torg-scan', accept: zone.mediaTypes.join(',') });
      var list = h('ul', { class: 'files' });
      var msg = h('div', { 'aria-live': 'polite' });
      scan.addEventListener('change', function () {
        var file = scan.files[0];
        if (!file) {
          return;
        }
        var item = fileItem(file, function (f) {
          return call('POST', 'v1/claims/' + encodeURIComponent(c.id) + '/attachments', { zone: zone.id, contentType: mediaType(f), size: f.size, fileName: f.name });
        }, function () {});
        list.appendChild(item.row);
        item.promise.then(function () {
          if (!item.done) {
            return;
          }
          return call('PUT', 'v1/claims/' + encodeURIComponent(c.id) + '/attachments/' + item.uploadId, { zone: zone.id }).then(function () {
            msg.appendChild(alertBox(t('torg.scanDone'), 'ok'));
          }, function (e) { msg.appendChild(alertBox(errorText(e))); });
        });
        scan.value = '';
      });
      sec.appendChild(h('div', { class: 'field' }, h('label', { for: scan.id, text: t('torg.scan') }), scan, list, msg));
    }
  }
  return sec;
}

function torgDialog(view, reload) {
  var c = view.claim;
  var lines = (view.sourceOrder && view.sourceOrder.items) || (c.order && c.order.items) || [];
  var dlg = h('dialog', { id: 'torg', 'aria-labelledby': 'torg-h' });
  var f = {};
  var inp = function (name, attrs) { f[name] = h('input', Object.assign({ id: 'torg-' + name, name: name }, attrs || {})); return f[name]; };
  var now = new Date();
  var local = function (d) { return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); };
  var msg = h('div', { id: 'torg-msg', 'aria-live': 'polite' });
  var rows = lines.map(function (l, i) {
    var act = h('input', { type: 'number', id: 'torg-actual-' + i, step: 'any', min: '0', value: String(l.quantity), inputmode: 'decimal' });
    var def = h('input', { type: 'number', id: 'torg-defect-' + i, step: 'any', min: '0', inputmode: 'decimal' });
    var kind = h('select', { id: 'torg-kind-' + i },
      [['', 'torg.none'], ['shortage', 'torg.shortage'], ['surplus', 'torg.surplus'], ['defect', 'torg.defectKind']].map(function (o) { return h('option', { value: o[0], text: t(o[1]) }); }));
    var desc = h('input', { type: 'text', id: 'torg-desc-' + i, maxlength: '500' });
    return { line: l, act: act, def: def, kind: kind, desc: desc,
      el: h('fieldset', { class: 'line' }, h('legend', { text: l.sku + (l.name ? ' — ' + l.name : '') }),
        h('p', { class: 'hint', text: t('torg.documented', l.quantity, l.unit || '') }),
        h('div', { class: 'row' }, field(t('torg.discrepancy'), kind), field(t('torg.actual'), act), field(t('torg.defect'), def)),
        field(t('torg.description'), desc)) };
  });
  var form = h('form', { method: 'dialog', id: 'torg-form', novalidate: true },
    h('h2', { id: 'torg-h', text: t('torg.title') }),
    h('div', { class: 'row' }, field(t('torg.number'), inp('actNumber', { maxlength: '30' }), null, true), field(t('torg.date'), inp('actDate', { type: 'date', value: today() }), null, true)),
    field(t('torg.place'), inp('place', { maxlength: '300' }), null, true),
    h('div', { class: 'row' }, field(t('torg.department'), inp('department', { maxlength: '200' })), field(t('torg.contract'), inp('contractNumber', { maxlength: '60' })), field(t('torg.contractDate'), inp('contractDate', { type: 'date' }))),
    h('div', { class: 'row' }, field(t('torg.started'), inp('acceptanceStarted', { type: 'datetime-local', value: local(new Date(now.getTime() - 7200000)) }), null, true),
      field(t('torg.ended'), inp('acceptanceEnded', { type: 'datetime-local', value: local(now) }), null, true)),
    h('fieldset', {}, h('legend', { text: t('torg.transport') }), h('div', { class: 'row' }, field(t('torg.tkind'), inp('tKind', { value: 'ТТН', maxlength: '40' })),
      field(t('torg.tnumber'), inp('tNumber', { maxlength: '60' })), field(t('torg.tdate'), inp('tDate', { type: 'date', value: today() })))),
    h('fieldset', {}, h('legend', { text: t('torg.commission') }), [0, 1, 2].map(function (i) {
      return h('div', { class: 'row' }, field(t('torg.position'), inp('pos' + i, { maxlength: '120' }), null, i === 0), field(t('torg.person'), inp('name' + i, { maxlength: '120' }), null, i === 0));
    })),
    h('h3', { text: t('torg.lines') }), rows.map(function (r) { return r.el; }),
    field(t('torg.conclusion'), inp('conclusion', { maxlength: '2000' })),
    msg,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'torg-submit', value: 'make', text: t('torg.submit') }),
      h('button', { type: 'button', id: 'torg-close', text: t('torg.cancel'), onclick: function () { dlg.close(); } })));
  dlg.appendChild(form);
  dlg.addEventListener('close', function () { dlg.remove(); if (dlg.made) { reload(); } });
  document.body.appendChild(dlg);
  if (!lines.length) {
    msg.appendChild(alertBox(t('torg.noOrder')));
  }
  // The last act's values, when there is one.
  get('v1/claims/' + encodeURIComponent(c.id) + '/documents/torg-2').then(function (prev) {
    var v = prev.values;
    ['actNumber', 'actDate', 'place', 'department', 'contractNumber', 'contractDate', 'acceptanceStarted', 'acceptanceEnded', 'conclusion'].forEach(function (k) {
      if (v[k]) {
        f[k].value = v[k];
      }
    });
    var td = (v.transportDocuments || [])[0];
    if (td) {
      f.tKind.value = td.kind || '';
      f.tNumber.value = td.number || '';
      f.tDate.value = td.date || '';
    }
    (v.commission || []).slice(0, 3).forEach(function (m, i) { f['pos' + i].value = m.position || ''; f['name' + i].value = m.name || ''; });
    (v.lines || []).forEach(function (l) {
      rows.forEach(function (r) {
        if (r.line.sku === l.sku) {
          r.act.value = l.actualQuantity;
          r.def.value = l.defectQuantity || '';
          r.kind.value = l.discrepancy;
          r.desc.value = l.description || '';
        }
      });
    });
  }, function () {});
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clear(msg);
    Object.keys(f).forEach(function (k) { fieldError(f[k], ''); });
    var chosen = rows.filter(function (r) { return r.kind.value; });
    if (!chosen.length) {
      msg.appendChild(alertBox(t('torg.noLines')));
      return;
    }
    var val = function (k) { return f[k].value.trim() || undefined; };
    var body = {
      actNumber: val('actNumber'), actDate: val('actDate'), place: val('place'), department: val('department'),
      contractNumber: val('contractNumber'), contractDate: val('contractDate'),
      acceptanceStarted: val('acceptanceStarted'), acceptanceEnded: val('acceptanceEnded'),
      transportDocuments: val('tNumber') ? [{ kind: val('tKind'), number: val('tNumber'), date: val('tDate') }] : [],
      commission: [0, 1, 2].filter(function (i) { return val('name' + i); }).map(function (i) { return { position: val('pos' + i), name: val('name' + i) }; }),
      lines: chosen.map(function (r) {
        var l = { sku: r.line.sku, actualQuantity: Number(r.act.value), discrepancy: r.kind.value, description: r.desc.value.trim() || undefined };
        if (r.def.value) {
          l.defectQuantity = Number(r.def.value);
        }
        return l;
      }),
      conclusion: val('conclusion')
    };
    var btn = $('torg-submit');
    btn.disabled = true;
    call('POST', 'v1/claims/' + encodeURIComponent(c.id) + '/documents/torg-2', body).then(function (doc) {
      btn.disabled = false;
      dlg.made = true;
      msg.appendChild(h('div', { class: 'alert ok', role: 'status' }, h('p', { text: t('torg.made') }),
        h('p', {}, h('a', { href: doc.url, id: 'torg-pdf', target: '_blank', rel: 'noopener', class: 'button', text: t('claim.download') }))));
    }, function (e) {
      btn.disabled = false;
      var rest = [];
      (e.fields || []).forEach(function (fe) {
        var m = fe.field.match(/^lines\[(\d+)\]\.(\w+)/);
        var key = { 'transportDocuments[0].kind': 'tKind', 'transportDocuments[0].number': 'tNumber', 'transportDocuments[0].date': 'tDate' }[fe.field] || (f[fe.field] ? fe.field : '');
        var cm = fe.field.match(/^commission\[(\d)\]\.(position|name)$/);
        if (cm) {
          key = (cm[2] === 'name' ? 'name' : 'pos') + cm[1];
        }
        if (key && f[key]) {
          fieldError(f[key], fe.message);
        } else if (m && chosen[+m[1]]) {
          var r = chosen[+m[1]];
          fieldError({ actualQuantity: r.act, defectQuantity: r.def, discrepancy: r.kind, description: r.desc }[m[2]] || r.kind, fe.message);
        } else {
          rest.push(t('err.field', fe.field, fe.message));
        }
      });
      msg.appendChild(alertBox(rest.length ? rest.join('; ') : errorText(e)));
    });
  });
  dlg.showModal();
  f.actNumber.focus();
}

function chatBox(c, chat, reload) {
  var sec = h('section', { id: 'chat', 'aria-labelledby': 'chat-h' }, h('h2', { id: 'chat-h', text: t('chat.title') }));
  var msgs = chat.messages || [];
  if (!msgs.length) {
    sec.appendChild(h('p', { text: t('chat.empty') }));
  } else {
    sec.appendChild(h('ol', { class: 'chat', id: 'chat-list' }, msgs.map(function (m) {
      var mine = m.authorRole === 'dealer';
      var who = mine ? (m.authorName || t('chat.you')) : m.authorRole === 'claimant' ? t('chat.claimant') : (m.authorName || t('chat.staff'));
      return h('li', { class: 'msg ' + (mine ? 'mine' : 'theirs') },
        h('p', { class: 'meta' }, h('b', { text: who }), ' · ', h('time', { datetime: m.at, text: dtFormat(m.at) })),
        h('p', { class: 'pre body', text: m.body }),
        (m.attachments || []).length ? h('ul', { class: 'files' }, m.attachments.map(function (a) {
          return h('li', {}, a.url ? h('a', { href: a.url, target: '_blank', rel: 'noopener', text: a.fileName }) : a.fileName);
        })) : null);
    })));
  }
  if (FINISHED.indexOf(chat.stage) >= 0) {
    sec.appendChild(h('p', { class: 'hint', text: t('chat.closed') }));
    return sec;
  }
  var body = h('textarea', { id: 'chat-body', rows: '3', maxlength: '4000' });
  var files = h('input', { type: 'file', id: 'chat-files', multiple: true, accept: 'image/jpeg,image/png,image/webp,image/heic,application/pdf,video/mp4,video/quicktime,video/webm' });
  var list = h('ul', { class: 'files' });
  var err = h('div', { 'aria-live': 'assertive' });
  var send = h('button', { type: 'submit', class: 'primary', id: 'chat-send', text: t('chat.send') });
  var items = [];
  files.addEventListener('change', function () {
    Array.prototype.forEach.call(files.files, function (file) {
      if (items.length >= 5) {
        return;
      }
      var it = fileItem(file, function (f) {
        return call('POST', 'v1/claims/' + encodeURIComponent(c.id) + '/messages/uploads', { contentType: mediaType(f), size: f.size, fileName: f.name });
      }, function (x) { items = items.filter(function (y) { return y !== x; }); });
      items.push(it);
      list.appendChild(it.row);
    });
    files.value = '';
  });
  var form = h('form', { id: 'chat-form', novalidate: true }, field(t('chat.body'), body, null, true), field(t('chat.files'), files), list, err, h('div', { class: 'actions' }, send));
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clear(err);
    fieldError(body, '');
    if (!body.value.trim()) {
      fieldError(body, t('new.required'));
      body.focus();
      return;
    }
    if (items.some(function (x) { return !x.done; })) {
      err.appendChild(alertBox(t('new.waitUploads')));
      return;
    }
    send.disabled = true;
    call('POST', 'v1/claims/' + encodeURIComponent(c.id) + '/messages', {
      body: body.value.trim(), version: chat.version,
      attachments: items.map(function (x) { return { zone: x.zone, uploadId: x.uploadId }; })
    }).then(function () { reload(); }, function (e) {
      send.disabled = false;
      err.appendChild(alertBox(e.status === 409 ? t('err.conflict') : errorText(e)));
    });
  });
  sec.appendChild(form);
  return sec;
}

function ratingBox(c, reload) {
  var sec = h('section', { id: 'rating', 'aria-labelledby': 'rating-h' }, h('h2', { id: 'rating-h', text: t('rate.title') }));
  if (c.satisfaction) {
    sec.appendChild(h('p', { id: 'rating-done', text: t('rate.done', c.satisfaction.score) }));
    if (c.satisfaction.comment) {
      sec.appendChild(h('p', { class: 'pre', text: c.satisfaction.comment }));
    }
    return sec;
  }
  var err = h('div', { 'aria-live': 'assertive' });
  var comment = h('textarea', { id: 'rating-comment', rows: '3', maxlength: '2000' });
  var fs = h('fieldset', { class: 'scores' }, h('legend', { text: t('rate.score') }), [5, 4, 3, 2, 1].map(function (s) {
    var r = h('input', { type: 'radio', name: 'score', id: 'score-' + s, value: String(s) });
    return h('div', { class: 'check' }, r, h('label', { for: r.id, text: s + ' — ' + t('rate.s' + s) }));
  }));
  var form = h('form', { id: 'rating-form', novalidate: true }, fs, field(t('rate.comment'), comment), err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'rating-send', text: t('rate.send') })));
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clear(err);
    var sel = form.querySelector('input[name=score]:checked');
    if (!sel) {
      err.appendChild(alertBox(t('rate.score') + ': ' + t('new.required')));
      return;
    }
    call('POST', 'v1/claims/' + encodeURIComponent(c.id) + '/rating', { score: Number(sel.value), comment: comment.value.trim() || undefined })
      .then(function () { reload(); }, function (e) { err.appendChild(alertBox(errorText(e))); });
  });
  sec.appendChild(form);
  return sec;
}

// ---------------------------------------------------------------- orders
function orderPage(number) {
  var main = page(t('order.title', number));
  main.appendChild(h('p', { text: t('loading') }));
  return get('v1/orders/' + encodeURIComponent(number)).then(function (v) {
    var o = v.order;
    main = page(t('order.title', o.number));
    main.appendChild(h('dl', { class: 'facts' },
      h('div', {}, h('dt', { text: t('order.kind') }), h('dd', { text: t('kind.' + o.kind) })),
      h('div', {}, h('dt', { text: t('order.status') }), h('dd', { id: 'o-status', text: o.status || '—' })),
      h('div', {}, h('dt', { text: t('new.claimant') }), h('dd', { text: [o.customer && o.customer.name, o.customer && o.customer.company].filter(Boolean).join(', ') })),
      h('div', {}, h('dt', { text: t('order.created') }), h('dd', { text: dtFormat(o.createdAt) })),
      v.sourceClaim ? h('div', {}, h('dt', { text: t('order.from') }), h('dd', {}, h('a', { href: '#/claims/' + encodeURIComponent(v.sourceClaim.id), text: v.sourceClaim.id }))) : null));
    main.appendChild(h('div', { class: 'scroll' }, h('table', { class: 'lines' },
      h('caption', { text: t('claim.items') }),
      h('tbody', {}, (o.items || []).map(function (it) {
        return h('tr', {}, h('th', { scope: 'row', text: it.sku }), h('td', { text: it.name || '' }), h('td', { text: it.quantity + ' ' + (it.unit || '') }));
      })))));
    if (o.kind === 'source') {
      main.appendChild(h('p', {}, h('a', { href: '#/new?order=' + encodeURIComponent(o.number), class: 'button', text: t('order.fileClaim') })));
    }
    var sec = h('section', { 'aria-labelledby': 'o-claims-h' }, h('h2', { id: 'o-claims-h', text: t('order.claims') }));
    main.appendChild(sec);
    if (!(v.claims || []).length) {
      sec.appendChild(h('p', { text: t('order.noClaims') }));
      return;
    }
    sec.appendChild(h('ul', { class: 'cards', id: 'o-claims' }, v.claims.map(function (cl) {
      var made = h('div', { class: 'made' });
      (cl.orders || []).forEach(function (n) {
        var li = h('li', {}, h('a', { href: '#/orders/' + encodeURIComponent(n), text: n }));
        made.appendChild(h('ul', {}, li));
        get('v1/orders/' + encodeURIComponent(n)).then(function (ov) {
          li.appendChild(document.createTextNode(' · ' + t('kind.' + ov.order.kind) + ' · ' + (ov.order.status || '')));
        }, function () {});
      });
      return h('li', { class: 'card' },
        h('div', { class: 'card-head' }, h('a', { href: '#/claims/' + encodeURIComponent(cl.id), class: 'num', text: cl.id }),
          h('span', { class: 'stage stage-' + cl.stage, text: stageName(cl.stage) })),
        h('p', { class: 'meta', text: [cl.productModel, cl.serial ? 'S/N ' + cl.serial : '', dtFormat(cl.createdAt, true)].filter(Boolean).join(' · ') }),
        (cl.orders || []).length ? [h('p', { class: 'hint', text: t('order.made', cl.id) }), made] : null);
    })));
  }, function (e) {
    if (e instanceof ApiError && e.status === 404) {
      page(t('order.title', number)).appendChild(alertBox(t('order.notFound')));
      return;
    }
    failPage(e, t('order.title', number));
  });
}

// ---------------------------------------------------------------- notes
function notesPage() {
  var main = page(t('notes.title'));
  return get('v1/notifications' + qs({ limit: 50 })).then(function (p) {
    var notes = p.notes || [];
    if (!notes.length) {
      main.appendChild(h('p', { text: t('notes.empty') }));
      return;
    }
    main.appendChild(h('ul', { class: 'cards', id: 'notes' }, notes.map(function (n) {
      var title = lang === 'en' ? n.titleEn : n.title;
      var text = lang === 'en' ? n.textEn : n.text;
      var mark = h('button', { type: 'button', class: 'small', text: t('notes.markRead') });
      mark.addEventListener('click', function () {
        call('POST', 'v1/notifications/' + encodeURIComponent(n.id) + '/read').then(function () { mark.replaceWith(h('span', { class: 'meta', text: t('notes.read') })); pollNotes(); });
      });
      return h('li', { class: 'card' + (n.read ? '' : ' unread') },
        h('p', { class: 'meta' }, h('time', { datetime: n.at, text: dtFormat(n.at) }), ' · ', h('a', { href: '#/claims/' + encodeURIComponent(n.claimId), text: n.claimId })),
        h('p', {}, h('b', { text: title })), text ? h('p', { class: 'pre', text: text }) : null,
        n.read ? h('span', { class: 'meta', text: t('notes.read') }) : mark);
    })));
  }, function (e) { failPage(e, t('notes.title')); });
}

function pollNotes() {
  if (!me) {
    return Promise.resolve();
  }
  return get('v1/notifications' + qs({ unread: 'true', limit: 100 })).then(function (p) {
    var notes = p.notes || [];
    var ids = notes.map(function (n) { return n.id; });
    if (seenNotes) {
      var fresh = notes.filter(function (n) { return seenNotes.indexOf(n.id) < 0; });
      if (fresh.length) {
        say(t('notes.new', lang === 'en' ? fresh[0].titleEn : fresh[0].title));
      }
    }
    seenNotes = ids;
    if (unread !== notes.length) {
      unread = notes.length;
      chrome();
    }
  }, function () {});
}

// ---------------------------------------------------------------- start
function start() {
  return get('v1/me').then(function (m) {
    if ((m.roles || []).indexOf('dealers') < 0 || !m.dealerId) {
      me = null;
      showSignIn(t('signin.notDealer'));
      return;
    }
    me = m;
    route();
    pollNotes();
    setInterval(pollNotes, 60000);
  }, function (e) {
    if (e instanceof ApiError && e.status === 401) {
      forget();
      showSignIn(t('signin.expired'));
      return;
    }
    failPage(e);
  });
}

$('lang').addEventListener('click', function () {
  lang = lang === 'en' ? 'ru' : 'en';
  store.setItem('cab.lang', lang);
  if (me) {
    route();
  } else {
    showSignIn();
  }
});
window.addEventListener('hashchange', route);
// Exposed for tests and support: when the ID token expires, and a way to
// check the session without reading the tokens.
window.cabinet = {
  expiresAt: function () { return tokens ? tokens.exp : 0; },
  // The hash used without WebCrypto, hex-encoded, for the tests.
  sha256js: function (s) {
    return Array.prototype.map.call(sha256js(new TextEncoder().encode(s)), function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  },
  signedIn: function () { return !!me; }
};

chrome();
var q = new URLSearchParams(location.search);
if (q.get('code') || q.get('error')) {
  finishSignIn().then(start, function (e) { forget(); showSignIn(t('signin.failed', e.message)); });
} else {
  loadTokens();
  if (tokens) {
    scheduleRefresh();
    start();
  } else {
    showSignIn();
  }
}
})();
