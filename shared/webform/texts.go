package webform

import (
	"fmt"
	"github.com/claimsdesk/backend/shared/lazyre"
	"strconv"
)

// Stages are the claim stages the pages know, in process order, followed by
// the side stages.
var Stages = []string{
	"new", "information_check", "diagnostics", "decision", "implementation",
	"incident_analysis", "quality_control", "closed",
	"waiting_for_customer", "returned_for_rework", "rejected", "withdrawn",
}

// Message returns the text for key in lang ("en", else Russian). A key
// missing in lang falls back to the other language, then to the key itself;
// tests keep both dictionaries complete. Texts with verbs (%s, %d) are meant
// for Messagef.
func Message(lang, key string) string {
	if s, ok := lookup(normLang(lang), key); ok {
		return s
	}
	for _, d := range dict {
		if s, ok := d[key]; ok {
			return s
		}
	}
	return key
}

// Messagef formats the text for key in lang with args, as fmt.Sprintf.
func Messagef(lang, key string, args ...any) string {
	return fmt.Sprintf(Message(lang, key), args...)
}

// lookup finds a text by key or by one of its aliases.
func lookup(lang, key string) (string, bool) {
	if s, ok := dict[lang][key]; ok {
		return s, true
	}
	if to, ok := keyAliases[key]; ok {
		s, ok := dict[lang][to]
		return s, ok
	}
	return "", false
}

// keyAliases are other names handlers use for texts: alias -> key.
var keyAliases = map[string]string{
	"error.notFound.title":      "error.not_found.title",
	"error.notFound.message":    "error.not_found.message",
	"error.rateLimited.title":   "error.rate_limited.title",
	"error.rateLimited.message": "error.rate_limited.message",
	"error.rejected":            "err.general",
	"error.formExpired":         "err.form_expired",
	"error.fixFields":           "err.invalid",
	"error.alreadySent":         "err.duplicate",
	"tracking.uploaded":         "notice.file_received",
}

// StageLabel returns the name of a claim stage in lang; an unknown stage is
// returned as it is.
func StageLabel(lang, stage string) string {
	if s, ok := dict[normLang(lang)]["stage."+stage]; ok {
		return s
	}
	return stage
}

// stageInfo explains what happens in a stage; "" for an unknown stage.
func stageInfo(lang, stage string) string {
	return dict[normLang(lang)]["stageinfo."+stage]
}

// validationKeys map the messages of claims.Draft Normalize and Validate to
// text keys.
var validationKeys = map[string]string{
	"required":                  "err.required",
	"not a valid email address": "err.email",
	"not a valid phone number (10-15 digits, e.g. +7 916 123-45-67)": "err.phone",
	"an email or a phone is required to reach the claimant":          "err.contact_required",
	"an INN has 10 or 12 digits":                                     "err.tax_id",
	"letters, digits, spaces and . / _ - only":                       "err.model",
	"1-64 letters, digits and . / _ - (no spaces)":                   "err.serial",
	"a date as YYYY-MM-DD":                                           "err.date",
	"cannot be in the future":                                        "err.date_future",
	"too far in the past":                                            "err.date_past",
	"a positive number":                                              "err.invalid_value",
	"one of repair, replacement, refund, price_reduction, other":     "err.choice",
	"one of low, normal, high, critical":                             "err.choice",
	"one of qr, dealer_form, api, phone":                             "err.invalid_value",
	"unknown category":                                               "err.unknown_type",
	"unknown type for this category":                                 "err.unknown_type",
	"required for this type of claim":                                "err.required_for_type",
}

var lengthMessage = lazyre.New(`^at (least|most) (\d+) characters$`)

// fileMessages recognises the attachment errors of package intake.
var fileMessages = []struct {
	pattern *lazyre.Regexp
	key     string
}{
	{lazyre.New(`^at least (\d+) file\(s\) required$`), "err.files_min"},
	{lazyre.New(`^at most (\d+) file\(s\)$`), "err.files_max"},
	{lazyre.New(`^no such upload`), "err.file_lost"},
	{lazyre.New(`^(file type .* is not accepted|the file's content is)`), "err.file_type"},
	{lazyre.New(`^file size must be`), "err.file_size"},
}

// LocalizeFieldError turns a field error of package claims (field path and
// English message, as returned by Draft.Normalize and Draft.Validate) into
// the form field that shows it (FormField; "" for the top of the form) and a
// message in lang. Messages it does not know become a generic "invalid
// value" text.
func LocalizeFieldError(lang, field, message string) (name, text string) {
	name = FormField(field)
	if key, ok := validationKeys[message]; ok {
		text = Message(lang, key)
	} else if m := lengthMessage.FindStringSubmatch(message); m != nil {
		n, _ := strconv.Atoi(m[2])
		key := "err.too_short"
		if m[1] == "most" {
			key = "err.too_long"
		}
		text = Messagef(lang, key, n)
	} else {
		text = Message(lang, "err.invalid_value")
		for _, fm := range fileMessages {
			if m := fm.pattern.FindStringSubmatch(message); m != nil {
				if len(m) > 1 {
					n, _ := strconv.Atoi(m[1])
					text = Messagef(lang, fm.key, n)
				} else {
					text = Message(lang, fm.key)
				}
				break
			}
		}
	}
	if name == "" && field != "" {
		// Shown at the top, where the field is not next to it: say which.
		if label, ok := dict[normLang(lang)]["field."+field]; ok {
			text = label + ": " + text
		}
	}
	return name, text
}

// dict holds the texts: language -> key -> text. Keys starting with "js."
// are handed to the form's script.
var dict = map[string]map[string]string{
	LangRU: {
		"site.name":       "Приём рекламаций",
		"lang.switch":     "English",
		"lang.switch_to":  "en",
		"skip":            "К содержанию",
		"required_note":   "Поля со звёздочкой (*) обязательны.",
		"form.title":      "Рекламация на товар",
		"form.intro":      "Опишите проблему — менеджер по рекламациям свяжется с вами. Это займёт около 10 минут. Регистрироваться не нужно.",
		"form.errors":     "Проверьте форму",
		"form.submit":     "Отправить рекламацию",
		"form.after":      "После отправки вы получите номер рекламации и ссылку, по которой можно следить за её рассмотрением.",
		"form.code":       "Код",
		"form.privacy":    "Данные используются только для рассмотрения рекламации.",
		"product.heading": "Товар",
		"product.model":   "Модель",
		"product.unknown": "Модель не указана в коде — опишите товар в поле «Суть проблемы».",
		"product.locked":  "из QR-кода",

		"section.contact":      "Ваши контакты",
		"section.contact_hint": "Укажите email или телефон — на email придёт подтверждение и ссылка на рекламацию.",
		"section.product":      "Товар и покупка",
		"section.claim":        "Суть рекламации",
		"section.photos":       "Фото и документы",

		"field.":               "Общая ошибка",
		"field.name":           "Имя и фамилия",
		"field.email":          "Email",
		"field.phone":          "Телефон",
		"field.company":        "Компания",
		"field.taxId":          "ИНН компании",
		"field.series":         "Серия (партия)",
		"field.serial":         "Серийный номер",
		"field.purchaseDate":   "Дата покупки",
		"field.orderReference": "Номер заказа или чека",
		"field.categoryId":     "Категория",
		"field.typeId":         "Тип рекламации",
		"field.essence":        "Суть проблемы",
		"field.desiredResult":  "Что вы хотите получить",
		"field.desiredFix":     "Как, по-вашему, это исправить",
		"field.photos":         "Фото и документы",
		"field.attachment":     "Файлы",
		"field.website":        "Не заполняйте это поле",
		"field.product.model":  "Модель",
		"field.product.name":   "Название товара",
		"field.order.items":    "Позиции заказа",
		"field.channel":        "Канал",
		"field.priority":       "Приоритет",

		"hint.name":           "Как к вам обращаться. Например: Иван Петров",
		"hint.email":          "Например: ivan@example.ru",
		"hint.phone":          "С кодом города или оператора. Например: +7 916 123-45-67",
		"hint.company":        "Если товар куплен на организацию",
		"hint.taxId":          "10 цифр для организации, 12 — для ИП",
		"hint.series":         "На шильдике или в паспорте изделия. Например: S24-07",
		"hint.serial":         "На шильдике. Латинские буквы, цифры и . / _ - без пробелов. Например: SN12345678",
		"hint.purchaseDate":   "По чеку или накладной",
		"hint.orderReference": "Если есть. Например: 12345",
		"hint.categoryId":     "Что случилось в общих чертах",
		"hint.typeId":         "От типа зависят нужные фото и документы",
		"hint.essence":        "Что случилось, когда и при каких условиях: от 10 до 5000 символов",
		"hint.desiredResult":  "Окончательное решение примет менеджер после проверки",
		"hint.desiredFix":     "Необязательно. Например: заменить деталь на месте",

		"select.choose":           "— выберите —",
		"desired.repair":          "Ремонт",
		"desired.replacement":     "Замена товара",
		"desired.refund":          "Возврат денег",
		"desired.price_reduction": "Снижение цены",
		"desired.other":           "Другое (опишите ниже)",

		"help.summary":       "Инструкции и образцы документов по типам рекламаций",
		"help.documents":     "Образцы документов",
		"help.photos":        "Нужные фото и файлы",
		"photos.nojs":        "Фото и документы можно будет добавить после отправки, на следующей странице.",
		"photos.choose_type": "Выберите тип рекламации — здесь появится список нужных фото и кнопки для загрузки.",
		"photos.previous":    "Уже загружено:",
		"photos.intro":       "Файлы загружаются сразу после выбора. При плохой связи загрузка повторится сама.",

		"result.title":      "Рекламация принята",
		"result.number":     "Номер рекламации",
		"result.stage":      "Статус",
		"result.save":       "Сохраните ссылку",
		"result.save_hint":  "По этой ссылке можно следить за рекламацией и добавлять фото. Ссылка личная — не публикуйте её.",
		"result.link_label": "Ссылка на рекламацию",
		"result.open":       "Открыть страницу рекламации",
		"result.copy":       "Скопировать ссылку",
		"result.email_sent": "Подтверждение отправлено на",
		"result.no_email":   "Email не указан, поэтому подтверждение не придёт: сохраните номер и ссылку.",
		"result.next":       "Менеджер по рекламациям проверит данные и свяжется с вами.",

		"uploads.title":   "Добавьте фото",
		"uploads.intro":   "Для рассмотрения не хватает файлов. Отправьте их по одному — каждый своей кнопкой.",
		"uploads.file":    "Файл",
		"uploads.send":    "Отправить файл",
		"uploads.limit":   "Не больше %s.",
		"uploads.too_big": "Файл больше %s — выберите другой.",
		"uploads.sending": "Файл отправляется, не закрывайте страницу…",

		"track.title":                        "Рекламация",
		"track.stage":                        "Сейчас",
		"track.steps":                        "Этапы рассмотрения",
		"track.details":                      "Данные рекламации",
		"track.product":                      "Товар",
		"track.type":                         "Тип",
		"track.created":                      "Подана",
		"track.files":                        "Файлов",
		"track.history":                      "История",
		"track.documents":                    "Документы",
		"track.no_history":                   "Пока без изменений.",
		"track.manager":                      "Ваш менеджер",
		"track.question":                     "Что нам нужно от вас",
		"track.answer":                       "Ответить и приложить файлы",
		"track.decision":                     "Решение по рекламации",
		"track.resolution":                   "Решение",
		"track.warranty":                     "Гарантийный случай",
		"track.warranty_yes":                 "да",
		"track.warranty_no":                  "нет",
		"track.decided":                      "Принято",
		"track.instructions":                 "Что будет дальше и что нужно сделать",
		"decision.resolution.repair":         "Ремонт",
		"decision.resolution.replace":        "Замена товара",
		"decision.resolution.refund":         "Возврат денег",
		"decision.resolution.partial_refund": "Частичный возврат денег",
		"decision.resolution.reject":         "В удовлетворении рекламации отказано",
		"decision.resolution.carrier_claim":  "Претензия к перевозчику",

		"notice.file_received": "Файл получен. Спасибо!",
		"notice.message_sent":  "Сообщение отправлено. Менеджер ответит здесь же.",

		"chat.title":           "Переписка с менеджером",
		"chat.empty":           "Сообщений пока нет. Если хотите что-то уточнить или дополнить — напишите здесь.",
		"chat.waiting":         "Менеджер ждёт вашего ответа — напишите его здесь.",
		"chat.closed":          "Рассмотрение завершено — переписка доступна только для чтения.",
		"rating.title":         "Оцените нашу работу",
		"rating.ask":           "Насколько вы довольны тем, как мы рассмотрели рекламацию? Один щелчок — и оценка сохранена.",
		"rating.yours":         "Ваша оценка:",
		"rating.score1":        "очень плохо",
		"rating.score2":        "плохо",
		"rating.score3":        "удовлетворительно",
		"rating.score4":        "хорошо",
		"rating.score5":        "отлично",
		"rating.comment_label": "Хотите что-то добавить? (необязательно)",
		"rating.send":          "Отправить комментарий",
		"rating.thanks":        "Спасибо за оценку!",
		"rating.commented":     "Спасибо, ваш комментарий сохранён.",
		"rating.err.closed":    "Комментарий к этой оценке уже сохранён.",
		"chat.you":             "Вы",
		"chat.role.claimant":   "Покупатель",
		"chat.role.dealer":     "Дилер",
		"chat.role.manager":    "Менеджер по рекламациям",
		"chat.role.supervisor": "Руководитель отдела рекламаций",
		"chat.files":           "Файлы",
		"chat.file":            "Файл",
		"chat.reply":           "Ваше сообщение",
		"chat.reply_hint":      "До %d символов. Менеджер получит уведомление.",
		"chat.attach":          "Приложить фото или документ",
		"chat.send":            "Отправить сообщение",
		"chat.err.closed":      "Рассмотрение завершено — новые сообщения не принимаются.",
		"chat.err.retry":       "Не удалось отправить сообщение — попробуйте ещё раз.",
		"chat.upl.sending":     "Загружается…",
		"chat.upl.done":        "Загружен",
		"chat.upl.failed":      "Не удалось загрузить — попробуйте ещё раз",
		"chat.upl.too_big":     "Файл слишком большой",
		"chat.upl.bad_type":    "Этот тип файла не подходит",
		"chat.upl.too_many":    "Не больше %d файлов в одном сообщении",
		"chat.upl.remove":      "Убрать",
		"chat.upl.wait":        "Дождитесь окончания загрузки файлов",

		"error.status":               "Ошибка %d",
		"error.what_now":             "Что можно сделать",
		"error.dealer":               "Обратитесь к дилеру, у которого купили товар, — он примет рекламацию.",
		"error.hotline":              "Позвоните на горячую линию:",
		"error.hotline_generic":      "Или позвоните на горячую линию производителя — номер указан в паспорте изделия.",
		"error.retry":                "Попробуйте ещё раз через несколько минут.",
		"error.not_found.title":      "Этот код недействителен",
		"error.not_found.message":    "Мы не нашли товар по этому QR-коду. Возможно, код повреждён, напечатан с ошибкой или не относится к нашей продукции.",
		"error.gone.title":           "Ссылка больше не действует",
		"error.gone.message":         "Срок действия этой ссылки истёк или она отозвана.",
		"error.withdrawn.title":      "Этот QR-код отозван",
		"error.withdrawn.message":    "Производитель отозвал этот код, и рекламацию по нему подать больше нельзя. Обратитесь к дилеру, у которого купили товар, или на горячую линию.",
		"error.forbidden.title":      "Доступ закрыт",
		"error.forbidden.message":    "По этой ссылке нельзя открыть страницу.",
		"error.bad_request.title":    "Не удалось обработать запрос",
		"error.bad_request.message":  "Запрос повреждён или неполон. Откройте ссылку из QR-кода ещё раз.",
		"error.bad_param":            "В адресе страницы неверный параметр «%s»: откройте ссылку в том виде, в каком её получили.",
		"error.too_large.title":      "Слишком большой файл",
		"error.too_large.message":    "Файл или форма превышают допустимый размер.",
		"error.rate_limited.title":   "Слишком много попыток",
		"error.rate_limited.message": "С этого устройства пришло слишком много запросов. Подождите несколько минут.",
		"error.internal.title":       "Сервис временно недоступен",
		"error.internal.message":     "У нас что-то сломалось. Мы уже знаем об этом.",
		"error.generic.title":        "Что-то пошло не так",
		"error.generic.message":      "Не удалось открыть страницу. Попробуйте ещё раз чуть позже.",
		"history.created":            "Рекламация зарегистрирована",
		"history.fileAdded":          "Добавлен файл",

		"err.required":          "Заполните это поле",
		"err.too_short":         "Слишком коротко: нужно не меньше %d символов",
		"err.too_long":          "Слишком длинно: не больше %d символов",
		"err.email":             "Проверьте email. Пример: ivan@example.ru",
		"err.phone":             "Проверьте номер: 10–15 цифр, например +7 916 123-45-67",
		"err.contact_required":  "Укажите email или телефон, чтобы мы могли ответить",
		"err.tax_id":            "ИНН — это 10 или 12 цифр",
		"err.model":             "Только буквы, цифры, пробелы и . / _ -",
		"err.serial":            "До 64 латинских букв, цифр и . / _ - без пробелов",
		"err.date":              "Укажите дату, например 2025-12-31",
		"err.date_future":       "Дата не может быть в будущем",
		"err.date_past":         "Слишком давняя дата",
		"err.choice":            "Выберите вариант из списка",
		"err.unknown_type":      "Выберите тип рекламации из списка",
		"err.required_for_type": "Обязательно для этого типа рекламации",
		"err.photos_missing":    "Не хватает файлов: %s",
		"err.files_min":         "Нужно не меньше %d файл(ов)",
		"err.files_max":         "Не больше %d файл(ов)",
		"err.file_lost":         "Файл не найден: загрузите его ещё раз",
		"err.file_type":         "Этот файл не подходит: проверьте его тип",
		"err.file_size":         "Файл слишком большой",
		"err.attachment":        "Файл не найден — загрузите его ещё раз",
		"err.form_expired":      "Форма устарела. Проверьте данные и отправьте ещё раз.",
		"err.duplicate":         "Эта рекламация уже отправлена.",
		"err.rate_limited":      "Слишком много попыток. Подождите несколько минут и отправьте снова.",
		"err.general":           "Не удалось отправить рекламацию. Попробуйте ещё раз.",
		"err.invalid":           "Исправьте поля, отмеченные ниже.",
		"err.invalid_value":     "Недопустимое значение",

		"rule.range":    "Файлов: от %d до %d.",
		"rule.exact":    "Файлов: %d.",
		"rule.optional": "Необязательно, файлов: до %d.",
		"rule.formats":  "Форматы: %s, до %s каждый.",
		"unit.kb":       "КБ",
		"unit.mb":       "МБ",

		"mail.subject_received": "Рекламация %s принята",
		"mail.subject_stage":    "Рекламация %s: %s",

		"stage.new":                  "Новая",
		"stage.information_check":    "Проверка информации",
		"stage.diagnostics":          "Диагностика",
		"stage.decision":             "Принятие решения",
		"stage.implementation":       "Исполнение решения",
		"stage.incident_analysis":    "Анализ причин",
		"stage.quality_control":      "Контроль качества",
		"stage.closed":               "Закрыта",
		"stage.waiting_for_customer": "Ждём ваших данных",
		"stage.returned_for_rework":  "На доработке",
		"stage.rejected":             "Отклонена",
		"stage.withdrawn":            "Отозвана",

		"stageinfo.new":                  "Рекламация зарегистрирована и ждёт менеджера.",
		"stageinfo.information_check":    "Менеджер проверяет данные, фото и документы. Если чего-то не хватит, он свяжется с вами.",
		"stageinfo.diagnostics":          "Специалисты исследуют товар, чтобы найти причину проблемы.",
		"stageinfo.decision":             "По итогам проверки принимается решение: гарантийный это случай или нет и что будет сделано.",
		"stageinfo.implementation":       "Решение выполняется: ремонт, замена, возврат денег или претензия к перевозчику — в согласованные сроки.",
		"stageinfo.incident_analysis":    "Решение выполнено; производство разбирает причину, чтобы проблема не повторилась.",
		"stageinfo.quality_control":      "Проверяем, что всё сделано в срок и вы довольны результатом. Возможно, мы попросим вас оценить работу.",
		"stageinfo.closed":               "Рассмотрение завершено. Итоги отправлены вам по email.",
		"stageinfo.waiting_for_customer": "Нам нужны данные от вас: проверьте почту или добавьте фото на этой странице.",
		"stageinfo.returned_for_rework":  "Рекламация возвращена на доработку внутри компании; сроки могут сдвинуться.",
		"stageinfo.rejected":             "Рекламация отклонена. Причина отправлена вам по email.",
		"stageinfo.withdrawn":            "Рекламация отозвана и больше не рассматривается.",

		"js.takePhoto":       "Сфотографировать",
		"js.selfHelp":        "Прежде чем подать рекламацию, попробуйте это",
		"js.selfHelpHint":    "Если совет не помог, заполните форму дальше.",
		"js.chooseFile":      "Выбрать файл",
		"js.chooseFiles":     "Выбрать файлы",
		"js.waiting":         "В очереди",
		"js.preparing":       "Подготовка…",
		"js.uploading":       "Загрузка: {pct}%",
		"js.done":            "Загружено",
		"js.retrying":        "Проблема со связью, повтор через {s} с…",
		"js.offline":         "Нет интернета — загрузка продолжится, когда связь появится",
		"js.failed":          "Не загрузилось: {reason}",
		"js.network":         "проблема со связью",
		"js.server":          "сервер не принял файл",
		"js.cancel":          "Отменить",
		"js.retry":           "Повторить",
		"js.remove":          "Удалить",
		"js.removed":         "Файл {name} удалён",
		"js.uploaded":        "Файл {name} загружен",
		"js.badType":         "{name}: этот формат не подходит, нужны {types}.",
		"js.tooBig":          "{name}: файл больше {size}.",
		"js.empty":           "{name}: файл пустой.",
		"js.tooMany":         "В этом разделе не больше {max} файлов.",
		"js.count":           "Загружено: {n}",
		"js.countMin":        "Загружено: {n} из {min} обязательных",
		"js.waitUploads":     "Дождитесь окончания загрузки файлов.",
		"js.failedUploads":   "Не все файлы загрузились: нажмите «Повторить» или удалите их.",
		"js.needFiles":       "Добавьте файлы в раздел «{zone}»: нужно не меньше {min}.",
		"js.contactRequired": "Укажите email или телефон, чтобы мы могли ответить",
		"js.sending":         "Отправка…",
		"js.noZones":         "Для этого типа рекламации фото не нужны.",
		"js.kb":              "КБ",
		"js.mb":              "МБ",
		"js.dec":             ",",
		"copy.done":          "Ссылка скопирована",
		"copy.failed":        "Не удалось скопировать: выделите ссылку и скопируйте вручную",
	},
	LangEN: {
		"site.name":       "Product claims",
		"lang.switch":     "Русский",
		"lang.switch_to":  "ru",
		"skip":            "Skip to content",
		"required_note":   "Fields marked with an asterisk (*) are required.",
		"form.title":      "Product claim",
		"form.intro":      "Tell us what is wrong and a claims manager will contact you. It takes about 10 minutes. No account needed.",
		"form.errors":     "Please check the form",
		"form.submit":     "Send the claim",
		"form.after":      "After sending you get the claim number and a link where you can follow its progress.",
		"form.code":       "Code",
		"form.privacy":    "Your details are used only to handle the claim.",
		"product.heading": "Product",
		"product.model":   "Model",
		"product.unknown": "The code does not name the model: describe the product under “What is wrong”.",
		"product.locked":  "from the QR code",

		"section.contact":      "Your contact details",
		"section.contact_hint": "Give an email or a phone number. The confirmation and the link to your claim go to the email.",
		"section.product":      "Product and purchase",
		"section.claim":        "The claim",
		"section.photos":       "Photos and documents",

		"field.":               "General error",
		"field.name":           "Full name",
		"field.email":          "Email",
		"field.phone":          "Phone",
		"field.company":        "Company",
		"field.taxId":          "Company tax ID (INN)",
		"field.series":         "Series (batch)",
		"field.serial":         "Serial number",
		"field.purchaseDate":   "Date of purchase",
		"field.orderReference": "Order or receipt number",
		"field.categoryId":     "Category",
		"field.typeId":         "Type of claim",
		"field.essence":        "What is wrong",
		"field.desiredResult":  "What you ask for",
		"field.desiredFix":     "How you would like it fixed",
		"field.photos":         "Photos and documents",
		"field.attachment":     "Files",
		"field.website":        "Leave this field empty",
		"field.product.model":  "Model",
		"field.product.name":   "Product name",
		"field.order.items":    "Order lines",
		"field.channel":        "Channel",
		"field.priority":       "Priority",

		"hint.name":           "How we should address you, e.g. John Smith",
		"hint.email":          "For example: john@example.com",
		"hint.phone":          "With the country code, e.g. +7 916 123-45-67",
		"hint.company":        "If the product was bought by a company",
		"hint.taxId":          "10 digits for a company, 12 for a sole trader",
		"hint.series":         "On the rating plate or in the product passport, e.g. S24-07",
		"hint.serial":         "On the rating plate. Latin letters, digits and . / _ - without spaces, e.g. SN12345678",
		"hint.purchaseDate":   "As on the receipt or invoice",
		"hint.orderReference": "If you have one, e.g. 12345",
		"hint.categoryId":     "What happened, broadly",
		"hint.typeId":         "The type decides which photos and documents we need",
		"hint.essence":        "What happened, when and under which conditions: 10 to 5000 characters",
		"hint.desiredResult":  "The claims manager decides after the check",
		"hint.desiredFix":     "Optional, e.g. replace the part on site",

		"select.choose":           "— choose —",
		"desired.repair":          "Repair",
		"desired.replacement":     "Replacement",
		"desired.refund":          "Refund",
		"desired.price_reduction": "Price reduction",
		"desired.other":           "Other (describe below)",

		"help.summary":       "Instructions and sample documents by type of claim",
		"help.documents":     "Sample documents",
		"help.photos":        "Photos and files needed",
		"photos.nojs":        "You can add photos and documents after sending, on the next page.",
		"photos.choose_type": "Choose the type of claim: the photos it needs and the upload buttons appear here.",
		"photos.previous":    "Already uploaded:",
		"photos.intro":       "Files upload as soon as you choose them. On a bad connection the upload is retried by itself.",

		"result.title":      "Claim received",
		"result.number":     "Claim number",
		"result.stage":      "Status",
		"result.save":       "Save this link",
		"result.save_hint":  "Use it to follow your claim and to add photos. The link is private: do not share it publicly.",
		"result.link_label": "Link to your claim",
		"result.open":       "Open the claim page",
		"result.copy":       "Copy the link",
		"result.email_sent": "A confirmation was sent to",
		"result.no_email":   "No email was given, so no confirmation is sent: keep the number and the link.",
		"result.next":       "A claims manager will check the details and contact you.",

		"uploads.title":   "Add photos",
		"uploads.intro":   "Some files are still missing. Send them one at a time, each with its own button.",
		"uploads.file":    "File",
		"uploads.send":    "Send the file",
		"uploads.limit":   "Up to %s.",
		"uploads.too_big": "The file is larger than %s: choose another one.",
		"uploads.sending": "Sending the file, please keep this page open…",

		"track.title":                        "Claim",
		"track.stage":                        "Now",
		"track.steps":                        "Stages",
		"track.details":                      "Claim details",
		"track.product":                      "Product",
		"track.type":                         "Type",
		"track.created":                      "Filed",
		"track.files":                        "Files",
		"track.history":                      "History",
		"track.documents":                    "Documents",
		"track.no_history":                   "No changes yet.",
		"track.manager":                      "Your manager",
		"track.question":                     "What we need from you",
		"track.answer":                       "Answer and attach files",
		"track.decision":                     "Decision on the claim",
		"track.resolution":                   "Decision",
		"track.warranty":                     "Warranty case",
		"track.warranty_yes":                 "yes",
		"track.warranty_no":                  "no",
		"track.decided":                      "Decided",
		"track.instructions":                 "What happens next and what to do",
		"decision.resolution.repair":         "Repair",
		"decision.resolution.replace":        "Replacement",
		"decision.resolution.refund":         "Refund",
		"decision.resolution.partial_refund": "Partial refund",
		"decision.resolution.reject":         "The claim is not upheld",
		"decision.resolution.carrier_claim":  "A claim against the carrier",

		"notice.file_received": "File received. Thank you!",
		"notice.message_sent":  "Message sent. The manager will answer here.",

		"chat.title":           "Messages with the claims manager",
		"chat.empty":           "No messages yet. Write here if you want to ask or add something.",
		"chat.waiting":         "The claims manager is waiting for your answer: write it here.",
		"chat.closed":          "The claim is finished: the conversation is read-only.",
		"rating.title":         "Rate our work",
		"rating.ask":           "How satisfied are you with how we handled your claim? One click saves your rating.",
		"rating.yours":         "Your rating:",
		"rating.score1":        "very bad",
		"rating.score2":        "bad",
		"rating.score3":        "fair",
		"rating.score4":        "good",
		"rating.score5":        "excellent",
		"rating.comment_label": "Anything to add? (optional)",
		"rating.send":          "Send the comment",
		"rating.thanks":        "Thank you for your rating!",
		"rating.commented":     "Thank you, your comment is saved.",
		"rating.err.closed":    "This rating has its comment already.",
		"chat.you":             "You",
		"chat.role.claimant":   "Customer",
		"chat.role.dealer":     "Dealer",
		"chat.role.manager":    "Claims manager",
		"chat.role.supervisor": "Claims supervisor",
		"chat.files":           "Files",
		"chat.file":            "File",
		"chat.reply":           "Your message",
		"chat.reply_hint":      "Up to %d characters. The manager is notified.",
		"chat.attach":          "Attach a photo or a document",
		"chat.send":            "Send message",
		"chat.err.closed":      "The claim is finished: it takes no new messages.",
		"chat.err.retry":       "The message could not be sent: try again.",
		"chat.upl.sending":     "Uploading…",
		"chat.upl.done":        "Uploaded",
		"chat.upl.failed":      "Upload failed: try again",
		"chat.upl.too_big":     "The file is too large",
		"chat.upl.bad_type":    "This type of file is not accepted",
		"chat.upl.too_many":    "At most %d files in one message",
		"chat.upl.remove":      "Remove",
		"chat.upl.wait":        "Wait until the files are uploaded",

		"error.status":               "Error %d",
		"error.what_now":             "What you can do",
		"error.dealer":               "Contact the dealer who sold you the product: they can file the claim for you.",
		"error.hotline":              "Call the hotline:",
		"error.hotline_generic":      "Or call the manufacturer’s hotline: the number is in the product passport.",
		"error.retry":                "Try again in a few minutes.",
		"error.not_found.title":      "This code is not valid",
		"error.not_found.message":    "We found no product for this QR code. The code may be damaged, misprinted or not one of ours.",
		"error.gone.title":           "This link no longer works",
		"error.gone.message":         "The link has expired or was withdrawn.",
		"error.withdrawn.title":      "This QR code was withdrawn",
		"error.withdrawn.message":    "The manufacturer withdrew this code: claims can no longer be filed through it. Contact the dealer you bought the product from, or the hotline.",
		"error.forbidden.title":      "Access denied",
		"error.forbidden.message":    "This page cannot be opened with this link.",
		"error.bad_request.title":    "The request could not be handled",
		"error.bad_request.message":  "The request is damaged or incomplete. Open the link from the QR code again.",
		"error.bad_param":            "The page address has an invalid parameter “%s”: open the link exactly as you received it.",
		"error.too_large.title":      "Too large",
		"error.too_large.message":    "The file or the form is larger than allowed.",
		"error.rate_limited.title":   "Too many attempts",
		"error.rate_limited.message": "Too many requests came from this device. Please wait a few minutes.",
		"error.internal.title":       "Service temporarily unavailable",
		"error.internal.message":     "Something broke on our side. We already know about it.",
		"error.generic.title":        "Something went wrong",
		"error.generic.message":      "The page could not be opened. Please try again a little later.",
		"history.created":            "Claim registered",
		"history.fileAdded":          "A file was added",

		"err.required":          "This field is required",
		"err.too_short":         "Too short: at least %d characters",
		"err.too_long":          "Too long: at most %d characters",
		"err.email":             "Check the email address, e.g. john@example.com",
		"err.phone":             "Check the number: 10 to 15 digits, e.g. +7 916 123-45-67",
		"err.contact_required":  "Give an email or a phone number so that we can reply",
		"err.tax_id":            "An INN has 10 or 12 digits",
		"err.model":             "Letters, digits, spaces and . / _ - only",
		"err.serial":            "Up to 64 Latin letters, digits and . / _ - without spaces",
		"err.date":              "Enter a date, e.g. 2025-12-31",
		"err.date_future":       "The date cannot be in the future",
		"err.date_past":         "The date is too far in the past",
		"err.choice":            "Choose one of the options",
		"err.unknown_type":      "Choose a type of claim from the list",
		"err.required_for_type": "Required for this type of claim",
		"err.photos_missing":    "Files missing: %s",
		"err.files_min":         "At least %d file(s) needed",
		"err.files_max":         "At most %d file(s)",
		"err.file_lost":         "File not found: upload it again",
		"err.file_type":         "This file does not fit: check its type",
		"err.file_size":         "The file is too large",
		"err.attachment":        "A file was not found: upload it again",
		"err.form_expired":      "The form has expired. Check your details and send it again.",
		"err.duplicate":         "This claim has already been sent.",
		"err.rate_limited":      "Too many attempts. Wait a few minutes and send again.",
		"err.general":           "The claim could not be sent. Please try again.",
		"err.invalid":           "Please correct the fields marked below.",
		"err.invalid_value":     "Invalid value",

		"rule.range":    "Files: %d to %d.",
		"rule.exact":    "Files: %d.",
		"rule.optional": "Optional, up to %d files.",
		"rule.formats":  "Formats: %s, up to %s each.",
		"unit.kb":       "KB",
		"unit.mb":       "MB",

		"mail.subject_received": "Claim %s received",
		"mail.subject_stage":    "Claim %s: %s",

		"stage.new":                  "New",
		"stage.information_check":    "Information check",
		"stage.diagnostics":          "Diagnostics",
		"stage.decision":             "Decision",
		"stage.implementation":       "Implementation",
		"stage.incident_analysis":    "Root-cause analysis",
		"stage.quality_control":      "Quality control",
		"stage.closed":               "Closed",
		"stage.waiting_for_customer": "Waiting for you",
		"stage.returned_for_rework":  "Returned for rework",
		"stage.rejected":             "Rejected",
		"stage.withdrawn":            "Withdrawn",

		"stageinfo.new":                  "The claim is registered and waits for a claims manager.",
		"stageinfo.information_check":    "A claims manager checks the details, photos and documents and contacts you if anything is missing.",
		"stageinfo.diagnostics":          "Specialists examine the product to find the cause of the problem.",
		"stageinfo.decision":             "Based on the checks, we decide whether this is a warranty case and what will be done.",
		"stageinfo.implementation":       "The decision is being carried out: repair, replacement, refund or a claim against the carrier, within the agreed deadlines.",
		"stageinfo.incident_analysis":    "The decision is carried out; production is analysing the root cause so that it does not happen again.",
		"stageinfo.quality_control":      "We check that everything was done on time and that you are satisfied. We may ask you to rate our work.",
		"stageinfo.closed":               "The claim is closed. The outcome was sent to you by email.",
		"stageinfo.waiting_for_customer": "We need something from you: check your email or add photos on this page.",
		"stageinfo.returned_for_rework":  "The claim was sent back for rework inside the company; deadlines may move.",
		"stageinfo.rejected":             "The claim was rejected. The reason was sent to you by email.",
		"stageinfo.withdrawn":            "The claim was withdrawn and is no longer handled.",

		"js.takePhoto":       "Take a photo",
		"js.selfHelp":        "Before you file: try this",
		"js.selfHelpHint":    "If it does not help, go on with the form.",
		"js.chooseFile":      "Choose a file",
		"js.chooseFiles":     "Choose files",
		"js.waiting":         "Waiting",
		"js.preparing":       "Preparing…",
		"js.uploading":       "Uploading: {pct}%",
		"js.done":            "Uploaded",
		"js.retrying":        "Connection problem, retrying in {s} s…",
		"js.offline":         "Offline: the upload resumes when you are back online",
		"js.failed":          "Not uploaded: {reason}",
		"js.network":         "connection problem",
		"js.server":          "the server did not accept the file",
		"js.cancel":          "Cancel",
		"js.retry":           "Retry",
		"js.remove":          "Remove",
		"js.removed":         "{name} removed",
		"js.uploaded":        "{name} uploaded",
		"js.badType":         "{name}: this format is not accepted, use {types}.",
		"js.tooBig":          "{name}: the file is larger than {size}.",
		"js.empty":           "{name}: the file is empty.",
		"js.tooMany":         "At most {max} files in this section.",
		"js.count":           "Uploaded: {n}",
		"js.countMin":        "Uploaded: {n} of {min} required",
		"js.waitUploads":     "Please wait until the files are uploaded.",
		"js.failedUploads":   "Some files were not uploaded: press “Retry” or remove them.",
		"js.needFiles":       "Add files to “{zone}”: at least {min} needed.",
		"js.contactRequired": "Give an email or a phone number so that we can reply",
		"js.sending":         "Sending…",
		"js.noZones":         "No photos are needed for this type of claim.",
		"js.kb":              "KB",
		"js.mb":              "MB",
		"js.dec":             ".",
		"copy.done":          "Link copied",
		"copy.failed":        "Could not copy: select the link and copy it yourself",
	},
}

// Texts returns the texts in lang whose keys start with one of prefixes,
// for pages that render on the client (the dealer cabinet): the stage
// names, the desired results and the resolutions are then the same words
// as on the claimant's pages.
func Texts(lang string, prefixes ...string) map[string]string {
	out := map[string]string{}
	for k, v := range dict[normLang(lang)] {
		for _, p := range prefixes {
			if len(k) >= len(p) && k[:len(p)] == p {
				out[k] = v
				break
			}
		}
	}
	return out
}
