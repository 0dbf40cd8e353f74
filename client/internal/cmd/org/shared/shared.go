// Package shared is the code the org verbs share.
package shared

import (
	"fmt"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/render"
)

// Act is an act on a majority proposal (propose, approve, reject): the
// chaincode answers with the proposal, shown as "<past> proposal ID: now
// STATUS" and the proposal.
func Act(action, past string) render.Act[domain.Proposal] {
	return render.Act[domain.Proposal]{Action: action, Show: render.Proposal, Headline: func(p *domain.Proposal) string {
		return fmt.Sprintf("%s proposal %s: now %s", past, p.ID, p.Status)
	}}
}
