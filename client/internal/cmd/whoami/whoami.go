// Package whoami implements `prov whoami`.
package whoami

import (
	"crypto/x509"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/network/netdesc"
)

// Options of whoami.
type Options struct {
	IO       *cmdutil.IOStreams
	Identity func() (*gateway.Resolved, *netdesc.Identity, error)
	Format   string
	Now      func() time.Time
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Identity: f.Identity, Now: time.Now}
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show the identity prov signs with",
		Long: `Show the identity and connection prov would use, read from the local MSP
folder and profile without contacting the network: MSP ID, NodeOU type,
the prov.role certificate attribute, the certificate's subject, issuer and
expiry, and the peer, channel and chaincode.`,
		Example: `  prov whoami --profile manufacturer
  prov whoami --profile distributor --user admin -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Format = f.Output
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
}

// Info is the -o json shape.
type Info struct {
	MSPID     string            `json:"mspId"`
	User      string            `json:"user,omitempty"`
	Type      string            `json:"type,omitempty"`
	Role      string            `json:"role,omitempty"`
	Attrs     map[string]string `json:"attributes,omitempty"`
	Subject   string            `json:"subject"`
	Issuer    string            `json:"issuer"`
	Serial    string            `json:"serial"`
	NotBefore time.Time         `json:"notBefore"`
	NotAfter  time.Time         `json:"notAfter"`
	Expired   bool              `json:"expired"`
	MSPDir    string            `json:"mspDir"`
	Profile   string            `json:"profile,omitempty"`
	Peer      string            `json:"peer"`
	Endpoint  string            `json:"endpoint"`
	Channel   string            `json:"channel"`
	Chaincode string            `json:"chaincode"`
}

// Describe builds Info from a resolved configuration and identity.
func Describe(r *gateway.Resolved, id *netdesc.Identity, now time.Time) Info {
	attrs := gateway.Attributes(id.Cert)
	user := r.User
	if !strings.HasSuffix(r.MSPDir, "/users/"+r.User+"/msp") {
		user = "" // an explicit --msp-dir; the name means nothing
	}
	return Info{
		MSPID: r.MSPID, User: user, Type: gateway.NodeOU(id.Cert.Subject),
		Role: attrs[domain.RoleAttribute], Attrs: attrs,
		Subject: id.Cert.Subject.String(), Issuer: id.Cert.Issuer.String(),
		Serial:    fmt.Sprintf("%x", id.Cert.SerialNumber),
		NotBefore: id.Cert.NotBefore.UTC(), NotAfter: id.Cert.NotAfter.UTC(),
		Expired: now.After(id.Cert.NotAfter),
		MSPDir:  r.MSPDir, Profile: r.ProfilePath, Peer: r.PeerName, Endpoint: r.Endpoint,
		Channel: r.Channel, Chaincode: r.Chaincode,
	}
}

// Run executes whoami.
func Run(opts *Options) error {
	r, id, err := opts.Identity()
	if err != nil {
		return err
	}
	info := Describe(r, id, opts.Now())
	if opts.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(opts.IO.Out, info)
	}
	return cmdutil.KV(opts.IO.Out,
		"MSP ID", info.MSPID,
		"User", info.User,
		"Type", info.Type,
		"Role", roleText(info),
		"Attributes", attrText(info.Attrs),
		"Subject", info.Subject,
		"Issuer", info.Issuer,
		"Serial", info.Serial,
		"Valid from", info.NotBefore.Format(time.RFC3339),
		"Expires", expiryText(id.Cert, opts.Now()),
		"MSP dir", info.MSPDir,
		"Profile", info.Profile,
		"Peer", fmt.Sprintf("%s (%s)", info.Peer, info.Endpoint),
		"Channel", info.Channel,
		"Chaincode", info.Chaincode,
	)
}

func roleText(i Info) string {
	if i.Role == "" {
		return "(no " + domain.RoleAttribute + " attribute)"
	}
	return i.Role
}

func attrText(a map[string]string) string {
	var keys []string
	for k := range a {
		if k != domain.RoleAttribute {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+a[k])
	}
	return strings.Join(parts, ", ")
}

func expiryText(c *x509.Certificate, now time.Time) string {
	at := c.NotAfter.UTC().Format(time.RFC3339)
	d := c.NotAfter.Sub(now)
	if d < 0 {
		return at + " (EXPIRED)"
	}
	return fmt.Sprintf("%s (in %d days)", at, int(math.Floor(d.Hours()/24)))
}
