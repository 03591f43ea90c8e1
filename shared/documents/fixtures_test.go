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

// testTorg2 is an act of n lines: line 2 short by 2, line 3 with 1
// defective, and a surplus of 1 on line 5 when there are that many; the
// sums computed as the caller does (quantity × price, rounded half up).
func testTorg2(n int) Torg2 {
	a := Torg2{
		ActNumber: "12", ActDate: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC), ClaimNumber: "RC-2026-000123",
		Consignee: Party{Company: "ООО «Мебель-Дилер»", TaxID: "5401234567", KPP: "540101001", OKPO: "87654321",
			Address: "630000, г. Новосибирск, ул. Ленина, д. 10", Phone: "+7 383 000-00-00"},
		Department:     "Склад № 2",
		Supplier:       Party{Company: "ООО «Грасс Рус»", TaxID: "7701234567", OKPO: "12345678", Address: "123456, г. Москва, ул. Заводская, д. 1"},
		ContractNumber: "Д-17/2025", ContractDate: time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC),
		OrderNumber: "ЗК-2026-04417", OrderDate: time.Date(2026, 10, 14, 0, 0, 0, 0, time.UTC),
		Place:             "г. Новосибирск, ул. Ленина, д. 10, склад № 2",
		AcceptanceStarted: time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC),
		AcceptanceEnded:   time.Date(2026, 12, 5, 4, 30, 0, 0, time.UTC),
		TransportDocs: []TransportDoc{{Kind: "УПД", Number: "4417", Date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
			{Kind: "ТТН", Number: "А-99", Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}},
		Conclusion: "Недостача и брак возникли по вине поставщика; упаковка без повреждений.",
		Commission: []Member{{Position: "Заведующий складом", Name: "Сидоров С. С."}, {Position: "Кладовщик", Name: "Кузнецова А. А."},
			{Position: "Представитель поставщика", Name: ""}},
		Location: time.FixedZone("NOVT", 7*3600),
	}
	sum := func(q float64, price int64) int64 { return int64(q*float64(price) + 0.5) }
	for i := range n {
		l := Torg2Line{No: i + 1, Name: fmt.Sprintf("Направляющая Dynapro, позиция %d", i+1), SKU: fmt.Sprintf("F14%07d", i+1),
			Unit: "шт.", Price: int64(10000 + 137*i), DocQuantity: float64(10 + i%5)}
		if i%9 == 4 {
			l.Name += " с длинным наименованием, которое не помещается в одну строку таблицы"
		}
		l.ActualQuantity = l.DocQuantity
		switch {
		case i == 1:
			l.ActualQuantity, l.ShortQuantity, l.Note = l.DocQuantity-2, 2, "недостача 2 шт."
		case i == 2:
			l.DefectQuantity, l.Note = 1, "скол на корпусе"
		case i == 4:
			l.ActualQuantity, l.SurplusQuantity = l.DocQuantity+1, 1
		}
		l.DocSum, l.ActualSum = sum(l.DocQuantity, l.Price), sum(l.ActualQuantity, l.Price)
		l.ShortSum, l.SurplusSum, l.DefectSum = sum(l.ShortQuantity, l.Price), sum(l.SurplusQuantity, l.Price), sum(l.DefectQuantity, l.Price)
		a.Lines = append(a.Lines, l)
		a.Totals.Add(l)
	}
	return a
}
