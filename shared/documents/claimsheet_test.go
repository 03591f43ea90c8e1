package documents

import (
	"bytes"
	"image/png"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqrcode "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/claimsdesk/backend/shared/pdfdoc/popplertest"
)

// contains fails the test for each of want that text (squashed) lacks.
func contains(t *testing.T, text string, want ...string) {
	t.Helper()
	flat := popplertest.Squash(text)
	for _, w := range want {
		if !strings.Contains(flat, w) {
			t.Errorf("text lacks %q", w)
		}
	}
}

// scanQR renders page 1 of pdf and decodes the QR code on it.
func scanQR(t *testing.T, pdf []byte) string {
	t.Helper()
	bin := popplertest.Tool(t, "pdftoppm")
	cmd := exec.Command(bin, "-png", "-r", "150", "-f", "1", "-l", "1", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return ""
	}
	return res.GetText()
}

func TestRenderClaimSheetRussian(t *testing.T) {
	s := testClaimSheet(t, "ru")
	pdf, err := RenderClaimSheet(s)
	if err != nil {
		t.Fatalf("RenderClaimSheet: %v", err)
	}
	text := popplertest.Text(t, pdf)
	contains(t, text,
		"GRASS", "ООО «Грасс Рус»", "ИНН 7701234567",
		"Рекламация № RC-2026-000123 от 5 декабря 2026 г.",
		"5 декабря 2026 г., 14:30", "Кабинет дилера",
		"Иванов Иван Иванович", "ООО «Мебель-Дилер» (Новосибирск)",
		"Dynapro 450", "Направляющие скрытого монтажа", "2026-11", "DP450-000981", "20 октября 2026 г.",
		"ЗК-2026-04417",
		// The lines: quantity, price, sum.
		"F140112345 Направляющая Dynapro 450 мм компл. 120 1 234,50 148 140,00",
		"F140167890 Петля Tiomos 110° шт. 2,5 450,99 1 127,48",
		"F140100001 Заглушка декоративная шт. 1 000 0,01 10,00",
		"Итого 149 277,48",
		"Качество", "Брак изделия", "доводчик не срабатывает", "Замена товара", "Поставка новой партии",
		"Упаковка", "Изделие", "Маркировка", "photo-1.jpg", "photo-6.jpg", "Документы", "накладная.pdf — 2,3 МБ, application/pdf",
		"Заявитель", "Отдел рекламаций", "(подпись)", "стр. 1 из",
	)
	if strings.Contains(text, "Внутренний экземпляр") {
		t.Error("the claimant's copy is marked internal")
	}
	if c := bytes.Count(pdf, []byte("/Subtype /Image")); c != 6 {
		t.Errorf("%d images, want the 6 thumbnails", c)
	}
	pages := popplertest.PageCount(t, pdf)
	if pages < 1 || pages > 3 {
		t.Errorf("%d pages", pages)
	}
	if !strings.Contains(text, "стр. "+itoa(pages)+" из "+itoa(pages)) {
		t.Errorf("the last page is not numbered %d of %d", pages, pages)
	}
	if got := scanQR(t, pdf); got != s.TrackingURL {
		t.Errorf("QR code reads %q, want %q", got, s.TrackingURL)
	}
	again, err := RenderClaimSheet(s)
	if err != nil || !bytes.Equal(pdf, again) {
		t.Errorf("a second rendering differs (err %v)", err)
	}
}

func TestRenderClaimSheetEnglishInternal(t *testing.T) {
	s := testClaimSheet(t, "en")
	s.Internal = true
	s.Version = 3
	pdf, err := RenderClaimSheet(s)
	if err != nil {
		t.Fatalf("RenderClaimSheet: %v", err)
	}
	text := popplertest.Text(t, pdf)
	contains(t, text,
		"Claim No. RC-2026-000123 of 5 December 2026, version 3", "Internal copy",
		"F140112345 Направляющая Dynapro 450 мм компл. 120 1,234.50 148,140.00", "Total 149,277.48",
		"20 October 2026", "Claims department", "(signature)", "page 1 of",
	)
	if got := scanQR(t, pdf); got != "" {
		t.Errorf("the internal copy has a QR code (%q)", got)
	}
}

func TestRenderClaimSheetHostileInput(t *testing.T) {
	s := testClaimSheet(t, "ru")
	s.Essence = strings.Repeat("Сломано 💥 <img src=x onerror=alert(1)> ", 120) + strings.Repeat("Ъ", 5000)
	s.Claimant.Name = strings.Repeat("Длинноеимябезпробелов", 30)
	s.Lines[1].Name = strings.Repeat("очень-длинное-наименование-", 40)
	s.Files[2].Thumbnail = []byte("not a picture")
	s.DesiredFix = "\x00\x07\t\r\n中文"
	pdf, err := RenderClaimSheet(s)
	if err != nil {
		t.Fatalf("RenderClaimSheet: %v", err)
	}
	text := popplertest.Text(t, pdf)
	if c := strings.Count(text, "Ъ"); c != 5000 {
		t.Errorf("%d of 5000 Ъ printed", c)
	}
	contains(t, text, "<img src=x onerror=alert(1)>", "\uFFFD", "Длинноеимябезпробелов", "photo-3.jpg")
	if pages := popplertest.PageCount(t, pdf); pages < 3 {
		t.Errorf("%d pages for a 5000-character essence", pages)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestRenderClaimSheetWithoutPrices: lines of an order the ERP has not sent
// show without prices, sums or a total (no "0,00" that reads as free); a
// line without a price among priced ones shows a dash.
func TestRenderClaimSheetWithoutPrices(t *testing.T) {
	s := testClaimSheet(t, "ru")
	for i := range s.Lines {
		s.Lines[i].Price = 0
	}
	pdf, err := RenderClaimSheet(s)
	if err != nil {
		t.Fatal(err)
	}
	text := popplertest.Squash(popplertest.Text(t, pdf))
	for _, l := range s.Lines {
		contains(t, text, l.SKU)
	}
	for _, absent := range []string{"Цена, руб.", "Итого", "0,00"} {
		if strings.Contains(text, absent) {
			t.Errorf("an unpriced order shows %q", absent)
		}
	}
	s = testClaimSheet(t, "ru")
	s.Lines[0].Price = 0
	pdf, err = RenderClaimSheet(s)
	if err != nil {
		t.Fatal(err)
	}
	contains(t, popplertest.Text(t, pdf), "Цена, руб.", "Итого", "—")
}
