// Package gateway connects prov to a Fabric 2.4+ network through the Fabric
// Gateway client API (github.com/hyperledger/fabric-gateway/pkg/client):
// connection profiles, MSP identities, submission with commit wait and
// MVCC retries, and error translation into Error.
package gateway

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/provledger/provenance/network/netdesc"
)

// Defaults.
const (
	DefaultChannel   = "supplychain"
	DefaultChaincode = "provenance"
	DefaultUser      = "user1"
)

// Timeouts bound each gateway call.
type Timeouts struct {
	Evaluate     time.Duration
	Endorse      time.Duration
	Submit       time.Duration
	CommitStatus time.Duration
	// SubmitResolve bounds the commit-status query after the orderer
	// refused a submit (see Conn.Submit); 0 means the default, a negative
	// value skips the query.
	SubmitResolve time.Duration
}

// DefaultTimeouts are generous enough for a BFT orderer losing its leader.
var DefaultTimeouts = Timeouts{
	Evaluate:      10 * time.Second,
	Endorse:       30 * time.Second,
	Submit:        15 * time.Second,
	CommitStatus:  60 * time.Second,
	SubmitResolve: 5 * time.Second,
}

// Config is what the user asked for (flags, environment); Resolve turns it
// into concrete endpoints and files.
type Config struct {
	Home      string // PROV_HOME; "" finds .prov upwards from the working directory
	Profile   string // file, or organization name under Home/orgs
	User      string // enrolled identity under the profile's org
	MSPDir    string // overrides User
	Peer      string // peer name in the profile, or host:port / grpcs://host:port
	TLSCA     string // PEM file overriding the profile's
	TLSCert   string // client TLS certificate for mutual TLS (optional)
	TLSKey    string
	MSPID     string // overrides the profile's
	Channel   string
	Chaincode string
	Timeouts  Timeouts
	Retries   int           // resubmissions after a read conflict or policy failure at commit
	Backoff   time.Duration // first retry delay; doubles
	// OnRetry, if set, hears about each resubmission (prov prints a note).
	OnRetry func(err *Error, attempt int, delay time.Duration)
}

// Resolved is a Config made concrete.
type Resolved struct {
	Home        string
	ProfilePath string
	Org         string
	MSPID       string
	MSPDir      string
	User        string
	PeerName    string
	Endpoint    string // host:port
	TLS         bool
	TLSCAPEM    []byte
	ServerName  string
	TLSCert     string
	TLSKey      string
	Channel     string
	Chaincode   string
}

// DefaultHome returns PROV_HOME's default: the nearest .prov directory at or
// above the working directory, else $HOME/.prov.
func DefaultHome() string {
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if st, err := os.Stat(filepath.Join(dir, ".prov")); err == nil && st.IsDir() {
				return filepath.Join(dir, ".prov")
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".prov")
	}
	return ".prov"
}

// Resolve finds the profile, peer, TLS material and MSP folder.
func (c Config) Resolve() (*Resolved, error) {
	r := &Resolved{
		Home: c.Home, MSPID: c.MSPID, User: c.User, Channel: c.Channel, Chaincode: c.Chaincode,
		TLSCert: c.TLSCert, TLSKey: c.TLSKey,
	}
	if r.Home == "" {
		r.Home = DefaultHome()
	}
	if r.User == "" {
		r.User = DefaultUser
	}
	if r.Channel == "" {
		r.Channel = DefaultChannel
	}
	if r.Chaincode == "" {
		r.Chaincode = DefaultChaincode
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}

	var prof *netdesc.Profile
	if c.Profile != "" || c.Peer == "" || c.MSPDir == "" || c.MSPID == "" {
		path, err := netdesc.FindProfile(r.Home, c.Profile)
		if err != nil {
			return nil, err
		}
		if prof, err = netdesc.LoadProfile(path); err != nil {
			return nil, err
		}
		r.ProfilePath = path
		org, po, err := prof.ClientOrg()
		if err != nil {
			return nil, err
		}
		r.Org = org
		if r.MSPID == "" {
			r.MSPID = po.MSPID
		}
	}
	if r.MSPID == "" {
		return nil, errors.New("no MSP ID: the profile's organization has no mspid; pass --msp-id")
	}

	if err := r.resolvePeer(c, prof); err != nil {
		return nil, err
	}
	if c.TLSCA != "" {
		b, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("read --tls-ca: %w", err)
		}
		r.TLSCAPEM = b
	}
	if r.TLS && len(r.TLSCAPEM) == 0 {
		return nil, fmt.Errorf("no TLS CA certificate for peer %s: pass --tls-ca", r.Endpoint)
	}

	switch {
	case c.MSPDir != "":
		r.MSPDir = c.MSPDir
	case prof != nil:
		r.MSPDir = filepath.Join(filepath.Dir(prof.Path()), "users", r.User, "msp")
	}
	if st, err := os.Stat(r.MSPDir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("no identity %q: %s does not exist (pick another --user or pass --msp-dir)", r.User, r.MSPDir)
	}
	return r, nil
}

func (r *Resolved) resolvePeer(c Config, prof *netdesc.Profile) error {
	if prof != nil {
		names := prof.PeerNames()
		pick := ""
		if c.Peer == "" {
			pick = names[0]
		} else if _, ok := prof.Peers[c.Peer]; ok {
			pick = c.Peer
		} else {
			// an address: reuse the profile's TLS settings if it names that peer
			addr, _, err := netdesc.ParseURL(c.Peer)
			if err != nil {
				return err
			}
			for _, n := range names {
				if a, _, err := netdesc.ParseURL(prof.Peers[n].URL); err == nil && a == addr {
					pick = n
				}
			}
			if pick == "" {
				// another peer of the same org presumably shares its TLS CA
				ca, _ := prof.TLSCA(names[0])
				r.TLSCAPEM = ca
			}
		}
		if pick != "" {
			ep, err := prof.Endpoint(pick)
			if err != nil {
				return err
			}
			r.PeerName, r.TLSCAPEM, r.ServerName = pick, ep.TLSCA, ep.ServerName
			if c.Peer == "" || c.Peer == pick {
				r.Endpoint, r.TLS = ep.Address, ep.TLS
				return nil
			}
		}
	}
	addr, useTLS, err := netdesc.ParseURL(c.Peer)
	if err != nil {
		return err
	}
	r.Endpoint, r.TLS = addr, useTLS
	if r.PeerName == "" {
		r.PeerName = addr
	}
	return nil
}
