package domain

// ItemID identifies one serialized item: a GTIN normalized to 14 digits and a
// GS1 AI 21 serial.
type ItemID struct {
	GTIN   string
	Serial string
}

// Key is the canonical spelling used as the ledger key and in messages:
// "01/{gtin14}/21/{serial}".
func (id ItemID) Key() string { return "01/" + id.GTIN + "/21/" + id.Serial }

// Identifier is a parsed item spelling: the item plus the optional lot (AI 10)
// and expiry (AI 17, YYMMDD) that a Digital Link or element string may carry.
type Identifier struct {
	ItemID
	Lot    string
	Expiry string
}

// TODO(domain helper): ParseIdentifier, ParseGTIN, ValidateSerial, ValidateLot,
// ValidateExpiry, ParseGLN, CompanyPrefixCandidates, GS1 check digit.
