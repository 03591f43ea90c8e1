package documents

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"
)

var moscow = time.FixedZone("MSK", 3*3600)

// filedAt is 5 December 2026, 14:30 in Moscow.
var filedAt = time.Date(2026, 12, 5, 11, 30, 0, 0, time.UTC)

func testCompany() Company {
	return Company{
		Name: "GRASS", LegalName: "ООО «Грасс Рус»", TaxID: "7701234567", KPP: "770101001", OGRN: "1027700000000",
		OKPO: "12345678", Address: "123456, г. Москва, ул. Заводская, д. 1", Phone: "+7 495 000-00-00",
		Email: "claims@grass.example", Website: "grass.example", Bank: "р/с 40702810000000000000 в АО «Банк», БИК 044525000",
		SignatoryPosition: "Руководитель отдела рекламаций", SignatoryName: "Петров П. П.",
	}
}

// testThumbnail returns a small JPEG (even i) or PNG (odd i) photo.
func testThumbnail(tb testing.TB, i int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{uint8(x + 40*i), uint8(y), uint8(60 * i), 255})
		}
	}
	var b bytes.Buffer
	var err error
	if i%2 == 0 {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	} else {
		err = png.Encode(&b, img)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// testClaimSheet is a dealer's claim with an order of 3 lines and 6
// photos (plus a PDF without a thumbnail).
func testClaimSheet(tb testing.TB, lang string) ClaimSheet {
	tb.Helper()
	s := ClaimSheet{
		Language: lang, TrackingURL: "https://claims.example.com/t/RC-2026-000123?k=Zx81", Company: testCompany(),
		Number: "RC-2026-000123", FiledAt: filedAt, Location: moscow, Version: 1,
		Channel: "Кабинет дилера",
		Claimant: Party{Name: "Иванов Иван Иванович", Company: "ООО «Мебель-Дилер»", TaxID: "5401234567",
			Address: "630000, г. Новосибирск, ул. Ленина, д. 10", Email: "ivanov@dealer.example", Phone: "+7 383 000-00-00"},
		Dealer:   "ООО «Мебель-Дилер» (Новосибирск)",
		Product:  Product{Model: "Dynapro 450", Name: "Направляющие скрытого монтажа", Series: "2026-11", Serial: "DP450-000981", PurchaseDate: "2026-10-20"},
		OrderRef: "ЗК-2026-04417 от 14.10.2026",
		Lines: []Line{
			{SKU: "F140112345", Name: "Направляющая Dynapro 450 мм", Unit: "компл.", Quantity: 120, Price: 123450},
			{SKU: "F140167890", Name: "Петля Tiomos 110°", Unit: "шт.", Quantity: 2.5, Price: 45099},
			{SKU: "F140100001", Name: "Заглушка декоративная", Unit: "шт.", Quantity: 1000, Price: 1},
		},
		Category: "Качество", Type: "Брак изделия",
		Essence:       "При монтаже обнаружено, что направляющие не закрываются до конца, доводчик не срабатывает.",
		DesiredResult: "Замена товара", DesiredFix: "Поставка новой партии направляющих",
	}
	zones := []string{"Упаковка", "Упаковка", "Изделие", "Изделие", "Маркировка", "Маркировка"}
	for i, z := range zones {
		s.Files = append(s.Files, File{Zone: z, FileName: fmt.Sprintf("photo-%d.jpg", i+1), ContentType: "image/jpeg",
			Size: int64(120000 + i*1000), UploadedAt: filedAt, Thumbnail: testThumbnail(tb, i)})
	}
	s.Files = append(s.Files, File{Zone: "Документы", FileName: "накладная.pdf", ContentType: "application/pdf", Size: 2400000, UploadedAt: filedAt})
	return s
}
