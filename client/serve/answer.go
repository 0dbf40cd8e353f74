package serve

import (
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
)

// Verdicts, most severe first where several apply (see verdictOf).
const (
	VerdictUnknown        = "unknown"        // no such serial on the ledger
	VerdictMismatch       = "mismatch"       // the serial exists, the lot or expiry asked for does not match
	VerdictFailed         = "failed"         // the custody record fails cryptographic verification
	VerdictStolen         = "stolen"         // reported stolen by its owner
	VerdictRecalled       = "recalled"       // under a recall (item, lot or GTIN)
	VerdictDecommissioned = "decommissioned" // already dispensed, destroyed, exported or sold
	VerdictHeld           = "held"           // on a customs hold
	VerdictGenuine        = "genuine"        // registered, verified, active (or in transit)
)

// GS1 Lightweight Messaging verificationFailureReason and additionalInfo
// codes (Release 1.x).
const (
	reasonNoMatchSerial        = "No_match_GTIN_Serial"
	reasonNoMatchLot           = "No_match_GTIN_Serial_Lot"
	reasonNoMatchExpiry        = "No_match_GTIN_Serial_Expiry"
	reasonNoMatchLotExpiry     = "No_match_GTIN_Serial_Lot_Expiry"
	reasonNotForRedistribution = "Not_for_re-distribution"
	reasonNoReason             = "No_reason_provided"
	infoRecalled               = "Recalled"
	infoSuspect                = "Suspect"
	infoExpired                = "Expired"
)

// Answer is one verification answer: the GS1 Lightweight Messaging response
// fields (responderGLN, corrUUID, verificationTimestamp, data) and ours under
// "prov" (SERVE.md lists them).
type Answer struct {
	ResponderGLN          string `json:"responderGLN,omitempty"`
	CorrUUID              string `json:"corrUUID,omitempty"`
	VerificationTimestamp string `json:"verificationTimestamp"`
	Data                  Data   `json:"data"`
	Prov                  Prov   `json:"prov"`
}

// Data is the GS1 Lightweight Messaging "data" object.
type Data struct {
	Verified                  bool   `json:"verified"`
	VerificationFailureReason string `json:"verificationFailureReason,omitempty"`
	AdditionalInfo            string `json:"additionalInfo,omitempty"`
}

// Prov is what we add. Fields marked partner are left out for anonymous
// callers.
type Prov struct {
	ID          string `json:"id"` // canonical key 01/{gtin}/21/{serial}
	GTIN        string `json:"gtin"`
	Serial      string `json:"serial"`
	Verdict     string `json:"verdict"`
	Exists      bool   `json:"exists"`
	LotMatch    *bool  `json:"lotMatch,omitempty"`    // only when a lot was asked
	ExpiryMatch *bool  `json:"expiryMatch,omitempty"` // only when an expiry was asked
	// Status: active, recalled, stolen, decommissioned or held ("" for an
	// unknown serial).
	Status      string `json:"status,omitempty"`
	Description string `json:"description,omitempty"`
	// BlockHeight is the ledger height observed before the item was read:
	// the answer reflects at least every block below it.
	BlockHeight uint64 `json:"blockHeight"`
	// View is "anonymous" or "partner"; Partner names the partner.
	View    string `json:"view"`
	Partner string `json:"partner,omitempty"`

	// partner view
	Lot          string         `json:"lot,omitempty"`
	Expiry       string         `json:"expiry,omitempty"`
	Manufacturer string         `json:"manufacturer,omitempty"`
	Owner        string         `json:"owner,omitempty"`
	LedgerStatus string         `json:"ledgerStatus,omitempty"` // the item key's status (ACTIVE, IN_TRANSIT, ...)
	OfferedTo    string         `json:"offeredTo,omitempty"`
	Hold         *domain.Hold   `json:"hold,omitempty"`
	Recall       *domain.Recall `json:"recall,omitempty"`
	Custody      []CustodyEntry `json:"custody,omitempty"`
	Verification *Verification  `json:"verification,omitempty"`
}

// CustodyEntry is one custody event in the partner view.
type CustodyEntry struct {
	Seq       uint64           `json:"seq"`
	Type      domain.EventType `json:"type"`
	From      string           `json:"from,omitempty"`
	To        string           `json:"to,omitempty"`
	By        string           `json:"by"` // submitter MSP
	TxID      string           `json:"txId"`
	Timestamp string           `json:"timestamp"`
	Details   string           `json:"details,omitempty"`
}

// Verification summarizes the cryptographic verification (client/verify).
type Verification struct {
	OK         bool          `json:"ok"`
	Checks     int           `json:"checks"`
	Failed     []verify.Step `json:"failed,omitempty"`
	Trust      string        `json:"trust"`
	VerifiedAt string        `json:"verifiedAt"` // when this report was computed (it may come from the cache)
	Error      string        `json:"error,omitempty"`
}

// checked is an item as read plus its verification, as verdictOf judges it.
type checked struct {
	ident    domain.Identifier
	item     *domain.Item   // nil: not registered
	report   *verify.Report // nil when verification could not run (verr says why)
	verr     error
	events   []domain.CustodyEvent
	verified time.Time
}

// status names the item's condition, most severe first.
func status(it *domain.Item) string {
	switch {
	case it.Status == domain.StatusStolen:
		return VerdictStolen
	case it.Recall != nil:
		return VerdictRecalled
	case it.Status == domain.StatusDecommissioned:
		return VerdictDecommissioned
	case it.Hold != nil:
		return VerdictHeld
	}
	return "active"
}

// build makes the answer for c. now is when it is computed; today (UTC,
// YYMMDD) judges expiry.
func build(c checked, now time.Time, height uint64, partner string) Answer {
	a := Answer{VerificationTimestamp: now.UTC().Format(time.RFC3339Nano)}
	p := &a.Prov
	p.ID, p.GTIN, p.Serial, p.BlockHeight = c.ident.Key(), c.ident.GTIN, c.ident.Serial, height
	p.View = "anonymous"
	if partner != "" {
		p.View, p.Partner = "partner", partner
	}
	if c.item == nil {
		p.Verdict = VerdictUnknown
		a.Data = Data{Verified: false, VerificationFailureReason: reasonNoMatchSerial}
		return a
	}
	it := c.item
	p.Exists, p.Status, p.Description = true, status(it), it.Description
	lotOK, expOK := true, true
	if c.ident.Lot != "" {
		lotOK = c.ident.Lot == it.Lot
		p.LotMatch = &lotOK
	}
	if c.ident.Expiry != "" {
		expOK = c.ident.Expiry == it.Expiry
		p.ExpiryMatch = &expOK
	}
	verOK := c.report != nil && c.report.OK
	switch {
	case !lotOK || !expOK:
		p.Verdict = VerdictMismatch
		a.Data.VerificationFailureReason = map[[2]bool]string{
			{false, false}: reasonNoMatchLotExpiry, {false, true}: reasonNoMatchLot, {true, false}: reasonNoMatchExpiry,
		}[[2]bool{lotOK, expOK}]
	case !verOK:
		// A record that fails verification (or could not be verified) is
		// never called genuine.
		p.Verdict = VerdictFailed
		a.Data.VerificationFailureReason, a.Data.AdditionalInfo = reasonNoReason, infoSuspect
	default:
		a.Data.Verified = true
		p.Verdict = VerdictGenuine
		if p.Status != "active" {
			p.Verdict = p.Status
		}
		switch p.Status {
		case VerdictRecalled:
			a.Data.AdditionalInfo = infoRecalled
		case VerdictStolen:
			a.Data.AdditionalInfo = infoSuspect
			a.Data.VerificationFailureReason = reasonNotForRedistribution
			a.Data.Verified = false
		default:
			if expired(it.Expiry, now) {
				a.Data.AdditionalInfo = infoExpired
			}
		}
	}
	if partner == "" {
		return a
	}
	p.Lot, p.Expiry, p.Manufacturer, p.Owner = it.Lot, it.Expiry, it.Manufacturer, it.Owner
	p.LedgerStatus, p.OfferedTo, p.Hold, p.Recall = string(it.Status), it.OfferedTo, it.Hold, it.Recall
	for _, ev := range c.events {
		p.Custody = append(p.Custody, CustodyEntry{Seq: ev.Seq, Type: ev.Type, From: ev.From, To: ev.To,
			By: ev.SubmitterMSP, TxID: ev.TxID, Timestamp: ev.Timestamp, Details: ev.Details})
	}
	v := &Verification{VerifiedAt: c.verified.UTC().Format(time.RFC3339Nano)}
	if c.report != nil {
		v.OK, v.Checks, v.Failed, v.Trust = c.report.OK, len(c.report.Steps), c.report.Failed(), c.report.Trust.Summary
	}
	if c.verr != nil {
		v.Error = c.verr.Error()
	}
	p.Verification = v
	return a
}

// expired tells whether a GS1 expiry YYMMDD lies before now's date (DD 00
// means the month's last day, so it is compared as 99).
func expired(yymmdd string, now time.Time) bool {
	if len(yymmdd) != 6 {
		return false
	}
	d := yymmdd
	if d[4:] == "00" {
		d = d[:4] + "99"
	}
	return d < now.UTC().Format("060102")
}
