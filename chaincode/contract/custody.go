package contract

import (
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// Every custody transaction is an adapter over domain.Decide: parse the
// arguments, identify the submitter, read every item's state (readState:
// one GetMultipleStates with the org roles for the hot acts, a second only
// when an item's record names more keys), decide each item (one refusal
// refuses the whole batch, naming the item; nothing is written), then write
// exactly the decisions' key writes and emit one custody event.

// custody decides the act of req for every item of ids and writes the
// decisions. perItem, when set, adjusts the request for item i.
func (c *Contract) custody(ctx contractapi.TransactionContextInterface, s *submitter, ids []domain.ItemID,
	req func(w *txWriter) domain.Request, perItem ...func(i int, r *domain.Request)) ([]*view, []*domain.Decision, error) {
	stub := ctx.GetStub()
	w, err := newTxWriter(c, stub, s)
	if err != nil {
		return nil, nil, err
	}
	r := req(w)
	// Registration reads no overlay of the items it creates.
	_, views, err := readState(stub, ids, false, r.Act != domain.ActRegister)
	if err != nil {
		return nil, nil, err
	}
	return c.decideAll(ctx, w, r, views, perItem...)
}

// identifiedCustody is custody for an act on registered items whose
// submitter is not identified yet: the org roles are read with the items
// (one round trip to the peer fewer), then the submitter is identified and
// check (when set) may refuse before anything is decided.
func (c *Contract) identifiedCustody(ctx contractapi.TransactionContextInterface, ids []domain.ItemID,
	check func(s *submitter) error, req func(w *txWriter) domain.Request) ([]*view, []*domain.Decision, error) {
	stub := ctx.GetStub()
	roles, views, err := readState(stub, ids, true, true)
	if err != nil {
		return nil, nil, err
	}
	s, err := identifyWith(ctx, roles)
	if err != nil {
		return nil, nil, err
	}
	if check != nil {
		if err := check(s); err != nil {
			return nil, nil, err
		}
	}
	w, err := newTxWriter(c, stub, s)
	if err != nil {
		return nil, nil, err
	}
	return c.decideAll(ctx, w, req(w), views)
}

// decideAll decides r for every view and applies the decisions.
func (c *Contract) decideAll(ctx contractapi.TransactionContextInterface, w *txWriter, r domain.Request, views []*view,
	perItem ...func(i int, r *domain.Request)) ([]*view, []*domain.Decision, error) {
	brands, err := c.brands(ctx, r.Act, views)
	if err != nil {
		return nil, nil, err
	}
	decisions := make([]*domain.Decision, len(views))
	for i, v := range views {
		ri := r
		ri.Brand, ri.BrandPrefix = brands[brandSubject(v.st.ID)][0], brands[brandSubject(v.st.ID)][1]
		for _, f := range perItem {
			f(i, &ri)
		}
		d, derr := domain.Decide(v.st, ri)
		if derr != nil {
			return nil, nil, derr
		}
		decisions[i] = d
	}
	if err := w.apply(decisions); err != nil {
		return nil, nil, err
	}
	return views, decisions, nil
}

// parseIDsIdentified parses an ID list; when it is malformed, the
// submitter's identity is checked first, so that an identity refusal comes
// before an argument refusal whichever path reads the roles.
func parseIDsIdentified(ctx contractapi.TransactionContextInterface, idsJSON string, check func(s *submitter) error) ([]domain.ItemID, error) {
	ids, perr := parseIDList(idsJSON)
	if perr == nil {
		return ids, nil
	}
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(s); err != nil {
			return nil, err
		}
	}
	return nil, perr
}

// brands returns the brand owner (active prefix owner) of the items' GTINs
// when the act needs it: recalls, and offers of recalled items (which may go
// back to the brand). Other acts read no prefix key, so that a prefix vote
// never conflicts with a shipment.
func (c *Contract) brands(ctx contractapi.TransactionContextInterface, act domain.Act, views []*view) (map[string][2]string, error) {
	var gtins []string
	for _, v := range views {
		need := act == domain.ActRecallItem || act == domain.ActWithdrawRecall || (act == domain.ActOffer && len(v.st.Recalls) > 0)
		if need {
			gtins = append(gtins, brandSubject(v.st.ID))
		}
	}
	out := map[string][2]string{} // gtin -> owner, prefix
	if len(gtins) == 0 {
		return out, nil
	}
	res, err := resolvePrefixes(ctx.GetStub(), gtins)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		if r.active != nil {
			out[r.gtin] = [2]string{r.active.Owner, r.active.Prefix}
		}
	}
	return out, nil
}

// brandSubject is what names an ID's brand owner: an item's GTIN, a unit's
// SSCC (both resolved to their company prefix by resolvePrefixes).
func brandSubject(id domain.ItemID) string {
	if id.IsUnit() {
		return id.Serial
	}
	return id.GTIN
}

// batchOf runs a multi-item custody request and returns the canonical keys.
func (c *Contract) batchOf(ctx contractapi.TransactionContextInterface, s *submitter, ids []domain.ItemID,
	req func(w *txWriter) domain.Request) ([]string, error) {
	views, _, err := c.custody(ctx, s, ids, req)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(views))
	for i, v := range views {
		keys[i] = v.key()
	}
	return keys, nil
}

// batchAct runs a multi-item custody act and returns the canonical keys.
func (c *Contract) batchAct(ctx contractapi.TransactionContextInterface, idsJSON string, act domain.Act,
	check func(s *submitter) error, fill func(r *domain.Request)) ([]string, error) {
	ids, err := parseIDsIdentified(ctx, idsJSON, check)
	if err != nil {
		return nil, err
	}
	views, _, err := c.identifiedCustody(ctx, ids, check, func(w *txWriter) domain.Request {
		r := w.request(act)
		if fill != nil {
			fill(&r)
		}
		return r
	})
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(views))
	for i, v := range views {
		keys[i] = v.key()
	}
	return keys, nil
}

// singleAct runs a one-item custody act and returns the item as it is after
// the change, with the decision.
func (c *Contract) singleAct(ctx contractapi.TransactionContextInterface, s *submitter, id string, act domain.Act,
	fill func(r *domain.Request)) (*domain.Item, *domain.Decision, error) {
	ident, err := parseCustodyID(id)
	if err != nil {
		return nil, nil, err
	}
	if ident.IsUnit() && act != domain.ActReportStolen {
		return nil, nil, domain.Errorf(domain.CodeInvalidID, "%s names a logistic unit; %s takes an item", ident.Key(), act)
	}
	views, ds, err := c.custody(ctx, s, []domain.ItemID{ident.ItemID}, func(w *txWriter) domain.Request {
		r := w.request(act)
		if fill != nil {
			fill(&r)
		}
		return r
	})
	if err != nil {
		return nil, nil, err
	}
	return output(views[0].st.After(ds[0])), ds[0], nil
}

// OfferTransfer offers items the submitter owns to another organization with
// a role, for domain.DefaultOfferTTL. See OfferTransferExpiring.
func (c *Contract) OfferTransfer(ctx contractapi.TransactionContextInterface, idsJSON, toMSP string) ([]string, error) {
	return c.OfferTransferExpiring(ctx, idsJSON, toMSP, "")
}

// OfferTransferExpiring offers items with an expiry (empty: the default;
// seconds, or a number with unit s, m, h, d; see domain.ParseOfferTTL). The
// items become IN_TRANSIT; each offer gets a key of its own whose key-level
// policy is the recipient's peers. (contract-api has no optional arguments,
// so the two-argument OfferTransfer stays for existing callers.)
func (c *Contract) OfferTransferExpiring(ctx contractapi.TransactionContextInterface, idsJSON, toMSP, expiresIn string) ([]string, error) {
	var ttl int64
	check := func(s *submitter) error {
		var err error
		if ttl, err = domain.ParseOfferTTL(expiresIn); err != nil {
			return err
		}
		if toMSP == s.MSP {
			return domain.Errorf(domain.CodeSelfTransfer, "%s cannot offer items to itself", s.MSP)
		}
		if !s.hasRole(toMSP) {
			return domain.Errorf(domain.CodeUnknownOrg, "recipient %q has no role on the ledger", toMSP)
		}
		return nil
	}
	ids, err := parseIDsIdentified(ctx, idsJSON, check)
	if err != nil {
		return nil, err
	}
	views, _, err := c.identifiedCustody(ctx, ids, check, func(w *txWriter) domain.Request {
		r := w.request(domain.ActOffer)
		r.To, r.OfferTTL = toMSP, ttl
		return r
	})
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(views))
	for i, v := range views {
		keys[i] = v.key()
	}
	return keys, nil
}

// AcceptTransfer takes custody of items offered to the submitter's org.
func (c *Contract) AcceptTransfer(ctx contractapi.TransactionContextInterface, idsJSON string) ([]string, error) {
	return c.batchAct(ctx, idsJSON, domain.ActAccept, nil, nil)
}

// RejectTransfer refuses items offered to the submitter's org; they return
// to ACTIVE with their owner.
func (c *Contract) RejectTransfer(ctx contractapi.TransactionContextInterface, idsJSON string) ([]string, error) {
	return c.batchAct(ctx, idsJSON, domain.ActReject, nil, nil)
}

// CancelTransfer withdraws the submitter's open offers: before expiry with
// the recipient's endorsement (the offer key is written), after it without.
func (c *Contract) CancelTransfer(ctx contractapi.TransactionContextInterface, idsJSON string) ([]string, error) {
	return c.batchAct(ctx, idsJSON, domain.ActCancel, nil, nil)
}

// RejectTransferWithNote is RejectTransfer with a note stored on each
// REJECTED event (why; at most domain.MaxNoteLen bytes).
func (c *Contract) RejectTransferWithNote(ctx contractapi.TransactionContextInterface, idsJSON, note string) ([]string, error) {
	return c.batchAct(ctx, idsJSON, domain.ActReject, noteCheck(note), withNote(note))
}

// CancelTransferWithNote is CancelTransfer with a note on each CANCELLED event.
func (c *Contract) CancelTransferWithNote(ctx contractapi.TransactionContextInterface, idsJSON, note string) ([]string, error) {
	return c.batchAct(ctx, idsJSON, domain.ActCancel, noteCheck(note), withNote(note))
}

// ReportStolenItems reports several items stolen in one transaction, with a
// note (the police reference) on each STOLEN event.
func (c *Contract) ReportStolenItems(ctx contractapi.TransactionContextInterface, idsJSON, note string) ([]string, error) {
	return c.batchAct(ctx, idsJSON, domain.ActReportStolen, noteCheck(note), withNote(note))
}

// DecommissionItems decommissions several items with one reason, and a note
// on each DECOMMISSIONED event.
func (c *Contract) DecommissionItems(ctx contractapi.TransactionContextInterface, idsJSON, reason, note string) ([]string, error) {
	return c.batchAct(ctx, idsJSON, domain.ActDecommission, func(s *submitter) error {
		if err := domain.ValidateDecommissionReason(reason); err != nil {
			return err
		}
		return checkText("note", note, false, domain.MaxNoteLen)
	}, func(r *domain.Request) { r.Reason, r.Note = reason, note })
}

// RecallItems recalls several items with one reason (see RecallItem).
func (c *Contract) RecallItems(ctx contractapi.TransactionContextInterface, idsJSON, reason string) ([]string, error) {
	return c.batchAct(ctx, idsJSON, domain.ActRecallItem, func(*submitter) error {
		return checkText("reason", reason, true, domain.MaxReasonLen)
	}, func(r *domain.Request) { r.Reason = reason })
}

func noteCheck(note string) func(*submitter) error {
	return func(*submitter) error { return checkText("note", note, false, domain.MaxNoteLen) }
}

func withNote(note string) func(r *domain.Request) {
	return func(r *domain.Request) { r.Note = note }
}

// ReportStolen marks an item the submitter owns as STOLEN (also while in
// transit: the open offer ends, without the recipient).
func (c *Contract) ReportStolen(ctx contractapi.TransactionContextInterface, id string) (*domain.Item, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	it, _, err := c.singleAct(ctx, s, id, domain.ActReportStolen, nil)
	return it, err
}

// Decommission ends an item's life with a reason (dispensed, destroyed,
// exported, retail_sold); DECOMMISSIONED is terminal.
func (c *Contract) Decommission(ctx contractapi.TransactionContextInterface, id, reason string) (*domain.Item, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	if err := domain.ValidateDecommissionReason(reason); err != nil {
		return nil, err
	}
	it, _, err := c.singleAct(ctx, s, id, domain.ActDecommission, func(r *domain.Request) { r.Reason = reason })
	return it, err
}

// HoldItems puts a customs hold with a reason on items: held items cannot
// be offered, accepted, reported stolen or decommissioned. The hold lives on
// its own key (policy: the customs org, or a majority); the item key is not
// written, so the owner's endorsement is not needed.
func (c *Contract) HoldItems(ctx contractapi.TransactionContextInterface, idsJSON, reason string) ([]string, error) {
	return c.batchAct(ctx, idsJSON, domain.ActHold, func(s *submitter) error {
		if err := s.requireRole("HoldItems", domain.RoleCustoms); err != nil {
			return err
		}
		return checkText("reason", reason, true, domain.MaxReasonLen)
	}, func(r *domain.Request) { r.Reason = reason })
}

// ReleaseItems lifts the submitting customs org's holds.
func (c *Contract) ReleaseItems(ctx contractapi.TransactionContextInterface, idsJSON string) ([]string, error) {
	return c.batchAct(ctx, idsJSON, domain.ActRelease, func(s *submitter) error {
		return s.requireRole("ReleaseItems", domain.RoleCustoms)
	}, nil)
}

// RecallItem recalls one item; only an admin of the owner of the GTIN's
// active company prefix may, whoever holds the item.
func (c *Contract) RecallItem(ctx contractapi.TransactionContextInterface, id, reason string) (*domain.Recall, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkText("reason", reason, true, domain.MaxReasonLen); err != nil {
		return nil, err
	}
	_, d, err := c.singleAct(ctx, s, id, domain.ActRecallItem, func(r *domain.Request) { r.Reason = reason })
	if err != nil {
		return nil, err
	}
	return d.Recall, nil
}

// RecallLot recalls a lot of a GTIN, or the whole GTIN when lot is empty,
// on one key that every read of the GTIN's items consults. Only an admin of
// the owner of the GTIN's active company prefix may.
func (c *Contract) RecallLot(ctx contractapi.TransactionContextInterface, gtin, lot, reason string) (*domain.Recall, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkText("reason", reason, true, domain.MaxReasonLen); err != nil {
		return nil, err
	}
	d, scopeID, err := c.scopeRecall(ctx, s, gtin, lot, false, func(r *domain.Request) { r.Reason = reason })
	if err != nil {
		return nil, err
	}
	w, err := newTxWriter(c, ctx.GetStub(), s)
	if err != nil {
		return nil, err
	}
	if err := w.write(d.Write); err != nil {
		return nil, err
	}
	return d.Recall, w.emit(domain.ChaincodeEvent{Type: domain.EventRecalled, Items: []string{}, TxID: w.txID, Scope: scopeID})
}

// WithdrawRecall withdraws a recall: scope is an item ID (any spelling) for
// an item recall, "01/{gtin}/10/{lot}" for a lot or "01/{gtin}" for a GTIN.
// Only an admin of the org that issued it may; a majority vote may too (see
// the proposals). Items become offerable again.
func (c *Contract) WithdrawRecall(ctx contractapi.TransactionContextInterface, scope string) (string, error) {
	s, err := identify(ctx)
	if err != nil {
		return "", err
	}
	return c.withdrawRecall(ctx, s, scope, nil)
}

func (c *Contract) withdrawRecall(ctx contractapi.TransactionContextInterface, s *submitter, scope string,
	fill func(r *domain.Request)) (string, error) {
	gtin, lot, item, err := parseRecallScope(scope)
	if err != nil {
		return "", err
	}
	if item != nil {
		_, d, err := c.singleAct(ctx, s, item.Key(), domain.ActWithdrawRecall, fill)
		if err != nil {
			return "", err
		}
		return d.Event.Item, nil
	}
	d, scopeID, err := c.scopeRecall(ctx, s, gtin, lot, true, fill)
	if err != nil {
		return "", err
	}
	w, err := newTxWriter(c, ctx.GetStub(), s)
	if err != nil {
		return "", err
	}
	if err := w.write(d.Write); err != nil {
		return "", err
	}
	return scopeID, w.emit(domain.ChaincodeEvent{Type: domain.EventRecallWithdrawn, Items: []string{}, TxID: w.txID, Scope: scopeID})
}

// parseRecallScope reads "01/{gtin}", "01/{gtin}/10/{lot}" or an item ID.
func parseRecallScope(scope string) (gtin, lot string, item *domain.ItemID, err error) {
	if id, err := domain.ParseIdentifier(scope); err == nil {
		return "", "", &id.ItemID, nil
	}
	rest, ok := strings.CutPrefix(scope, "01/")
	if !ok {
		return "", "", nil, domain.Errorf(domain.CodeInvalidID, "recall scope %q: want 01/{gtin}, 01/{gtin}/10/{lot} or an item ID", scope)
	}
	g, l, hasLot := strings.Cut(rest, "/10/")
	if gtin, err = parseGTIN(g); err != nil {
		return "", "", nil, err
	}
	if hasLot {
		if err := domain.ValidateLot(l); err != nil {
			return "", "", nil, asIDError(err, "recall scope %q", scope)
		}
		lot = l
	}
	return gtin, lot, nil, nil
}

// scopeRecall reads a lot or GTIN recall key and the GTIN's prefix and
// decides a recall or withdrawal of it.
func (c *Contract) scopeRecall(ctx contractapi.TransactionContextInterface, s *submitter, gtin, lot string, withdraw bool,
	fill func(r *domain.Request)) (*domain.ScopeRecallDecision, string, error) {
	g, err := parseGTIN(gtin)
	if err != nil {
		return nil, "", err
	}
	scopeID, k := "01/"+g, domain.RecallGTINKey(g)
	if lot != "" {
		if err := domain.ValidateLot(lot); err != nil {
			return nil, "", asIDError(err, "lot %q", lot)
		}
		scopeID, k = "01/"+g+"/10/"+lot, domain.RecallLotKey(g, lot)
	}
	stub := ctx.GetStub()
	res, err := resolvePrefixes(stub, []string{g})
	if err != nil {
		return nil, "", err
	}
	b, err := stub.GetState(k)
	if err != nil {
		return nil, "", fmt.Errorf("read recall %s: %w", scopeID, err)
	}
	var existing *domain.Recall
	if len(b) > 0 {
		existing = &domain.Recall{}
		if err := strictUnmarshal(string(b), existing); err != nil {
			return nil, "", fmt.Errorf("decode recall %s: %w", scopeID, err)
		}
	}
	txID, at, err := txInfo(stub)
	if err != nil {
		return nil, "", err
	}
	r := domain.Request{Actor: s.actor(), Roles: s.roles, TxID: txID, Now: at}
	if res[0].active != nil {
		r.Brand, r.BrandPrefix = res[0].active.Owner, res[0].active.Prefix
	}
	if fill != nil {
		fill(&r)
	}
	d, derr := domain.DecideScopeRecall(g, lot, existing, withdraw, r)
	if derr != nil {
		return nil, "", derr
	}
	if err := c.checkPeer(s, domain.GovernancePolicy(s.roles)); err != nil {
		return nil, "", err
	}
	return d, scopeID, nil
}
