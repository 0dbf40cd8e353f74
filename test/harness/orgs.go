package harness

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
)

// Channel and chaincode of the local network (BRIEF: shared contracts).
const (
	Channel   = "supplychain"
	Chaincode = "provenance"
)

// PeerOrg names a peer organization as the PROV_HOME layout spells it.
type PeerOrg struct {
	Dir     string // directory under PROV_HOME/orgs and the name prov --profile takes
	Profile string // prov --profile value (bare org name)
	MSP     string
	Role    domain.Role
}

// The three peer organizations of the default topology.
var (
	Manufacturer = PeerOrg{"manufacturer", "Manufacturer", "ManufacturerMSP", domain.RoleManufacturer}
	Distributor  = PeerOrg{"distributor", "Distributor", "DistributorMSP", domain.RoleDistributor}
	Customs      = PeerOrg{"customs", "Customs", "CustomsMSP", domain.RoleCustoms}
	Orgs         = []PeerOrg{Manufacturer, Distributor, Customs}
)

// NetHome is the PROV_HOME of a package's own test network:
// <repo>/.prov-<name>.
func NetHome(name string) string {
	repo, err := RepoRoot()
	if err != nil {
		repo = "."
	}
	return filepath.Join(repo, ".prov-"+name)
}

// GTIN returns the GTIN-14 for indicator digit, company prefix and item
// reference (together 12 digits) with its real check digit.
func GTIN(indicator, prefix, itemRef string) string {
	base := indicator + prefix + itemRef
	if len(base) != 13 {
		panic(fmt.Sprintf("harness.GTIN: %q is not 13 digits", base))
	}
	cd, _ := domain.CheckDigit(base)
	return base + fmt.Sprint(cd)
}

// GLN returns a 13-digit GLN from 12 digits with its check digit.
func GLN(twelve string) string {
	cd, _ := domain.CheckDigit(twelve)
	return twelve + fmt.Sprint(cd)
}

// Key is the canonical item key.
func Key(gtin, serial string) string { return "01/" + gtin + "/21/" + serial }

// Unique returns a short token that differs between test runs (serials must
// be fresh on a network that outlives one run).
func Unique() string {
	return strings.ToUpper(fmt.Sprintf("%x", time.Now().UnixNano()/1e6%0xfffffff))
}

// RunPrefix returns a 7-digit company prefix for this run: the two digits
// lead (one per package and purpose, so packages sharing a network never
// meet) and five from the current time, which repeat only after 27 hours.
func RunPrefix(lead string) string {
	if len(lead) != 2 {
		panic("harness.RunPrefix: lead " + strconv.Quote(lead) + " is not two digits")
	}
	return fmt.Sprintf("%s%05d", lead, time.Now().Unix()%100000)
}
