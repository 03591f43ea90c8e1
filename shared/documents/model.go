package documents

import "time"

// What the renderers take: plain values, already chosen for the document's
// audience and language. The callers (the documents service) fill them from
// the claim, its source order and the company's details; the renderers only
// lay them out.

// Company is the manufacturer: the header of every document, the supplier
// of an act, the sender of a letter.
type Company struct {
	// Name is the brand shown in headers ("GRASS").
	Name string `json:"name"`
	// LegalName is the full legal name ("ООО «Грасс Рус»").
	LegalName string `json:"legalName"`
	TaxID     string `json:"taxId"` // INN
	KPP       string `json:"kpp,omitempty"`
	OGRN      string `json:"ogrn,omitempty"`
	OKPO      string `json:"okpo,omitempty"`
	Address   string `json:"address"`
	Phone     string `json:"phone,omitempty"`
	Email     string `json:"email,omitempty"`
	Website   string `json:"website,omitempty"`
	// Bank is the bank details in one line (account, bank, BIC).
	Bank string `json:"bank,omitempty"`
	// Signatory signs letters: position and name.
	SignatoryPosition string `json:"signatoryPosition,omitempty"`
	SignatoryName     string `json:"signatoryName,omitempty"`
}

// Party is an organisation or a person named in a document.
type Party struct {
	Name    string
	Company string
	TaxID   string
	KPP     string
	OKPO    string
	Address string
	Email   string
	Phone   string
}

// Line is a line of an order: quantities as the order has them, prices in
// kopecks (minor units) per unit.
type Line struct {
	SKU      string
	Name     string
	Unit     string
	Quantity float64
	Price    int64
}

// File is an attached file as the claim's sheet lists it.
type File struct {
	// Zone is the photo zone's title in the document's language.
	Zone        string
	FileName    string
	ContentType string
	Size        int64
	UploadedAt  time.Time
	// Thumbnail is a JPEG or PNG image of a photo, already small (at most
	// about 320 px on its long side); nil for a file shown without one.
	Thumbnail []byte
}

// ClaimSheet is the claim's PDF: A4 portrait, in Language ("ru" or "en").
type ClaimSheet struct {
	Language string
	// Internal is the claims department's copy: marked as such, without
	// the QR code. The claimant's copy (Internal false) carries a QR code
	// of TrackingURL.
	Internal    bool
	TrackingURL string
	Company     Company
	Number      string
	FiledAt     time.Time
	// Location is the company's time zone: dates and times are shown in it.
	Location *time.Location
	// Version is the document's version (1 first; a new one after an edit).
	Version int
	// Channel, Category, Type, DesiredResult are titles in Language.
	Channel       string
	Claimant      Party
	Dealer        string
	Product       Product
	OrderRef      string
	Lines         []Line
	Category      string
	Type          string
	Essence       string
	DesiredResult string
	DesiredFix    string
	Files         []File
}

// Product is what the claim is about.
type Product struct {
	Model        string
	Name         string
	Series       string
	Serial       string
	PurchaseDate string // YYYY-MM-DD
}

// Deadline is something that happens next and by when.
type Deadline struct {
	What string
	By   time.Time
	// Statutory marks a deadline set by law (with Law naming it).
	Statutory bool
	Law       string
}

// DecisionLetter is the letter to the claimant with the decision: A4
// portrait, in Language.
type DecisionLetter struct {
	Language string
	Company  Company
	Location *time.Location
	// Date is the letter's date; Number the claim's number.
	Date     time.Time
	Number   string
	FiledAt  time.Time
	Claimant Party
	Product  Product
	// Rejected: the claim is rejected (else it goes to implementation).
	Rejected     bool
	WarrantyCase bool
	// Resolution is the decision's resolution key (repair, replace, refund,
	// partial_refund, reject, carrier_claim); the letter names it in
	// Language.
	Resolution string
	// Amount is the compensation in kopecks (0: none) in Currency.
	Amount   int64
	Currency string
	// Instructions are the manager's words to the claimant.
	Instructions string
	// Deadlines are what happens next and by when, the statutory ones
	// included.
	Deadlines   []Deadline
	Manager     string
	TrackingURL string
}

// Torg2 is the TORG-2 act (unified form, OKUD 0330202): A4 landscape, in
// Russian (the form's language), as many pages as its lines need.
type Torg2 struct {
	// ActNumber and ActDate are the act's own number and date.
	ActNumber string
	ActDate   time.Time
	// ClaimNumber is printed under the form for reference.
	ClaimNumber string
	// Consignee received the goods (the dealer); Supplier shipped them
	// (the company); Department is the consignee's structural unit.
	Consignee  Party
	Department string
	Supplier   Party
	// Contract and Order are the grounds of acceptance.
	ContractNumber string
	ContractDate   time.Time
	OrderNumber    string
	OrderDate      time.Time
	// Place of acceptance; when it started and finished.
	Place             string
	AcceptanceStarted time.Time
	AcceptanceEnded   time.Time
	TransportDocs     []TransportDoc
	Lines             []Torg2Line
	// Totals over every line (the renderer adds page totals itself).
	Totals     Torg2Totals
	Conclusion string
	Commission []Member
	Location   *time.Location
}

// TransportDoc is a document the goods came with.
type TransportDoc struct {
	Kind   string // e.g. "ТТН", "УПД", "CMR"
	Number string
	Date   time.Time
}

// Member is a member of the acceptance commission.
type Member struct {
	Position string
	Name     string
}

// Torg2Line is one line of the act: by the supplier's documents, actually
// received, and the discrepancy. Quantities in the line's unit; sums in
// kopecks (computed by the caller: quantity × price, rounded half up).
type Torg2Line struct {
	No          int
	Name        string
	SKU         string
	Unit        string
	Price       int64
	DocQuantity float64
	DocSum      int64
	// Actual is what was received; Defect how many of those are defective.
	ActualQuantity  float64
	ActualSum       int64
	ShortQuantity   float64
	ShortSum        int64
	SurplusQuantity float64
	SurplusSum      int64
	DefectQuantity  float64
	DefectSum       int64
	// Note describes the discrepancy (the defect seen).
	Note string
}

// Torg2Totals sums the lines' sums and quantities.
type Torg2Totals struct {
	DocQuantity, ActualQuantity, ShortQuantity, SurplusQuantity, DefectQuantity float64
	DocSum, ActualSum, ShortSum, SurplusSum, DefectSum                          int64
}

// Add adds a line to the totals.
func (t *Torg2Totals) Add(l Torg2Line) {
	t.DocQuantity += l.DocQuantity
	t.ActualQuantity += l.ActualQuantity
	t.ShortQuantity += l.ShortQuantity
	t.SurplusQuantity += l.SurplusQuantity
	t.DefectQuantity += l.DefectQuantity
	t.DocSum += l.DocSum
	t.ActualSum += l.ActualSum
	t.ShortSum += l.ShortSum
	t.SurplusSum += l.SurplusSum
	t.DefectSum += l.DefectSum
}
