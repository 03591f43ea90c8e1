package httpapi

import (
	"regexp"
)

// ruMessages translates the validation messages the domain produces (in
// English, for the API) into Russian for the public form.
var ruMessages = []struct {
	pattern *regexp.Regexp
	ru      string
}{
	{regexp.MustCompile(`^required$`), "Обязательное поле"},
	{regexp.MustCompile(`^required for this type of claim$`), "Обязательно для этого вида рекламации"},
	{regexp.MustCompile(`^at least (\d+) characters$`), "Не менее $1 символов"},
	{regexp.MustCompile(`^at most (\d+) characters$`), "Не более $1 символов"},
	{regexp.MustCompile(`^not a valid email address$`), "Неверный адрес электронной почты"},
	{regexp.MustCompile(`^not a valid phone number.*$`), "Неверный номер телефона (10–15 цифр, например +7 916 123-45-67)"},
	{regexp.MustCompile(`^an email or a phone is required to reach the claimant$`), "Укажите электронную почту или телефон для связи"},
	{regexp.MustCompile(`^a date as YYYY-MM-DD$`), "Дата в формате ГГГГ-ММ-ДД"},
	{regexp.MustCompile(`^cannot be in the future$`), "Дата не может быть в будущем"},
	{regexp.MustCompile(`^too far in the past$`), "Слишком ранняя дата"},
	{regexp.MustCompile(`^1-64 letters, digits and \. / _ - \(no spaces\)$`), "1–64 символа: буквы, цифры и . / _ - (без пробелов)"},
	{regexp.MustCompile(`^unknown category$`), "Выберите категорию из списка"},
	{regexp.MustCompile(`^unknown type for this category$`), "Выберите вид рекламации из списка"},
	{regexp.MustCompile(`^one of repair, replacement, refund, price_reduction, other$`), "Выберите желаемый результат"},
	{regexp.MustCompile(`^an INN has 10 or 12 digits$`), "ИНН состоит из 10 или 12 цифр"},
	{regexp.MustCompile(`^at least (\d+) file\(s\) required$`), "Нужно не менее $1 файлов"},
	{regexp.MustCompile(`^at most (\d+) file\(s\)$`), "Не более $1 файлов"},
	{regexp.MustCompile(`^no such upload.*$`), "Файл не найден: загрузите его ещё раз"},
	{regexp.MustCompile(`^file type (\S+) is not accepted in (\S+)$`), "Тип файла $1 здесь не принимается"},
	{regexp.MustCompile(`^the file's content is (\S+), not (\S+)$`), "Содержимое файла ($1) не совпадает с его типом ($2)"},
	{regexp.MustCompile(`^file size must be 1\.\.(\d+) bytes$`), "Размер файла — не более $1 байт"},
	{regexp.MustCompile(`^this type has no such photo zone$`), "Неизвестный раздел фотографий"},
}

// fieldMessage returns a validation message in lang.
func fieldMessage(lang, msg string) string {
	if lang != "ru" {
		return msg
	}
	for _, m := range ruMessages {
		if m.pattern.MatchString(msg) {
			return m.pattern.ReplaceAllString(msg, m.ru)
		}
	}
	return msg
}
