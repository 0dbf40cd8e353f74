package contract

// Majority overrides of custody (issue 13): proposal kinds whose effect is a
// custody decision taken ByMajority, in the deciding vote's transaction:
//
//   - release-hold (subject: an item ID): lift a customs hold, e.g. when the
//     customs org that placed it is gone or does not act. The hold key's
//     policy ("customs OR majority") lets the majority's peers endorse it.
//   - cancel-offer (subject: an item ID): end an open offer before it
//     expires when the recipient does not act. The offer key (the
//     recipient's policy) is not written; the item key is, so the owner's
//     peers must endorse the deciding vote.
//   - withdraw-recall (subject: an item ID, "01/{gtin}/10/{lot}" or
//     "01/{gtin}"): withdraw a recall without its issuer. The recall key's
//     policy ("issuer OR majority") allows it.
//
// The payload is empty. Filing checks that the act applies now; the deciding
// vote checks again (a hold already released, an offer already ended, a
// recall already withdrawn closes the proposal as EXPIRED).

import (
	"strings"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

func custodyKinds() []proposalKind {
	mk := func(kind domain.ProposalKind, act domain.Act) proposalKind {
		return proposalKind{
			kind: kind,
			prepare: func(ctx contractapi.TransactionContextInterface, roles []domain.OrgRole, subject, payload string) (string, string, error) {
				return prepareCustody(ctx, act, subject, payload)
			},
			check: func(ctx contractapi.TransactionContextInterface, p *domain.Proposal, roles []domain.OrgRole) error {
				_, _, err := prepareCustody(ctx, act, p.Subject, p.Payload)
				return err
			},
			apply: func(ctx contractapi.TransactionContextInterface, c *Contract, p *domain.Proposal, roles []domain.OrgRole) (string, error) {
				return applyCustody(ctx, c, act, p)
			},
		}
	}
	return []proposalKind{
		mk(domain.KindReleaseHold, domain.ActRelease),
		mk(domain.KindCancelOffer, domain.ActCancel),
		mk(domain.KindWithdrawRecall, domain.ActWithdrawRecall),
	}
}

// prepareCustody canonicalizes the subject and checks that the act applies
// to it now.
func prepareCustody(ctx contractapi.TransactionContextInterface, act domain.Act, subject, payload string) (string, string, error) {
	if strings.TrimSpace(payload) != "" {
		return "", "", domain.Errorf(domain.CodeInvalidArgument, "a %s proposal takes no payload", act)
	}
	stub := ctx.GetStub()
	if act == domain.ActWithdrawRecall {
		gtin, lot, item, err := parseRecallScope(subject)
		if err != nil {
			return "", "", err
		}
		if item == nil {
			scope, k := "01/"+gtin, domain.RecallGTINKey(gtin)
			if lot != "" {
				scope, k = "01/"+gtin+"/10/"+lot, domain.RecallLotKey(gtin, lot)
			}
			b, err := stub.GetState(k)
			if err != nil {
				return "", "", err
			}
			if len(b) == 0 {
				return "", "", domain.Errorf(domain.CodeNotFound, "%s is not recalled", scope)
			}
			return scope, "", nil
		}
		subject = item.Key()
	}
	ident, err := parseID(subject)
	if err != nil {
		return "", "", err
	}
	views, err := readViews(stub, []domain.ItemID{ident.ItemID})
	if err != nil {
		return "", "", err
	}
	if err := mustExist(views); err != nil {
		return "", "", err
	}
	st, k := views[0].st, ident.Key()
	switch act {
	case domain.ActRelease:
		if st.Hold == nil {
			return "", "", domain.Errorf(domain.CodeInvalidTransition, "item %s is not on hold", k)
		}
	case domain.ActCancel:
		if st.Item.Status != domain.StatusInTransit {
			return "", "", domain.Errorf(domain.CodeInvalidTransition, "item %s is %s; there is no open offer to cancel", k, st.Item.Status)
		}
	case domain.ActWithdrawRecall:
		if st.ItemRecall() == nil {
			return "", "", domain.Errorf(domain.CodeNotFound, "item %s has no item recall to withdraw", k)
		}
	}
	return k, "", nil
}

// applyCustody runs the act ByMajority, the proposal's ID as the vote.
func applyCustody(ctx contractapi.TransactionContextInterface, c *Contract, act domain.Act, p *domain.Proposal) (string, error) {
	s, err := identify(ctx)
	if err != nil {
		return "", err
	}
	fill := func(r *domain.Request) { r.Authority, r.Vote = domain.ByMajority, p.ID }
	if act == domain.ActWithdrawRecall {
		scope, err := c.withdrawRecall(ctx, s, p.Subject, fill)
		if err != nil {
			return "", err
		}
		return "recall of " + scope + " withdrawn by majority", nil
	}
	_, d, err := c.singleAct(ctx, s, p.Subject, act, fill)
	if err != nil {
		return "", err
	}
	return string(d.Event.Type) + " " + d.Event.Item + " by majority", nil
}
