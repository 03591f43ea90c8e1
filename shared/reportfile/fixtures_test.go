package reportfile

import (
	"fmt"
	"math"
	"time"
)

var moscow = time.FixedZone("MSK", 3*3600)

// testColumns has a column of every kind.
func testColumns() []Column {
	return []Column{
		{Key: "group", Title: "Группа", Kind: KindText},
		{Key: "registered", Title: "Зарегистрировано", Kind: KindInt, Unit: "шт."},
		{Key: "ratio", Title: "Коэффициент", Kind: KindDecimal},
		{Key: "granted_share", Title: "Доля удовлетворённых", Kind: KindPercent},
		{Key: "processing_hours", Title: "Среднее время обработки", Kind: KindHours},
		{Key: "processing_days", Title: "Срок", Kind: KindDays},
		{Key: "cost", Title: "Стоимость решений", Kind: KindMoney},
		{Key: "first", Title: "Первая рекламация", Kind: KindDate},
	}
}

// testRow returns row i of the test table.
func testRow(i int) []Value {
	return []Value{
		Text(fmt.Sprintf("Группа %d", i+1)),
		Int(int64(1000 + i*37)),
		Number(1.5 + float64(i)/4),
		Number(float64(i%10) / 10),
		Number(12.25 + float64(i)),
		Number(float64(i%30) + 0.5),
		Int(int64(123456789 + i*101)),
		Time(time.Date(2026, 1, 1+i%28, 23, 30, 0, 0, time.UTC)),
	}
}

// testReport is a report of n rows with a column chart over 12 months and
// a bar chart of 10 groups.
func testReport(lang string, n int) Report {
	r := Report{
		Title:       "Динамика рекламаций",
		Subtitle:    "по месяцам и группам",
		Language:    lang,
		Period:      "01.01.2026 — 31.12.2026",
		Filters:     []string{"категория: Брак", "дилер: ООО «Ромашка»"},
		Columns:     testColumns(),
		GeneratedAt: time.Date(2027, 1, 10, 9, 5, 0, 0, time.UTC),
		Location:    moscow,
	}
	for i := range n {
		r.Rows = append(r.Rows, testRow(i))
	}
	r.Totals = []Value{Blank(), Int(int64(n)), Blank(), Number(0.5), Number(20.75), Blank(), Int(999999), Blank()}
	r.Charts = []Chart{monthsChart(10), groupsChart(10)}
	return r
}

var months = []string{"янв 2026", "фев 2026", "мар 2026", "апр 2026", "май 2026", "июн 2026",
	"июл 2026", "авг 2026", "сен 2026", "окт 2026", "ноя 2026", "дек 2026"}

// monthsChart is a column chart of groups series over 12 months.
func monthsChart(groups int) Chart {
	c := Chart{Kind: ChartColumn, Title: "Зарегистрировано по месяцам", XTitle: "Месяц", YTitle: "Количество", Unit: "шт.",
		Categories: months}
	for g := range groups {
		s := Series{Name: fmt.Sprintf("Группа %d", g+1)}
		for m := range months {
			s.Values = append(s.Values, float64(10+(g*7+m*3)%40))
		}
		c.Series = append(c.Series, s)
	}
	return c
}

// groupsChart is a bar chart of n groups.
func groupsChart(n int) Chart {
	c := Chart{Kind: ChartBar, Title: "Структура по группам", XTitle: "Группа", YTitle: "Количество", Unit: "шт."}
	s := Series{Name: "Зарегистрировано"}
	for g := range n {
		c.Categories = append(c.Categories, fmt.Sprintf("Группа %d", g+1))
		s.Values = append(s.Values, float64(5+(g*13)%50))
	}
	c.Series = []Series{s}
	return c
}

// nan is a NaN for hostile input.
var nan = math.NaN()
