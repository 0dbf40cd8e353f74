package verify

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/provledger/provenance/client/internal/cmdutil"
	cverify "github.com/provledger/provenance/client/verify"
)

const bundleHelp = `
--bundle FILE verifies an evidence bundle made by prov evidence (format in
client/verify/BUNDLE.md) with no network, profile, identity or PROV_HOME:
the same checks, run over the blocks in the bundle, plus the bundle's own
(its blocks decode, its listed roots and genesis hash are its config
blocks'). The maker is not trusted: what the bundle lacks fails, naming it.
The root certificates trusted are those of the bundle's genesis block and
of config blocks signed by the orderers of the config before them; pin the
genesis block with --genesis-hash (a value obtained out of band, e.g. from
a channel member) or the verdict only says the bundle is consistent with
itself. IDs default to the bundle's items.
`

// BundleOutput is the -o json shape of verify --bundle.
type BundleOutput struct {
	OK     bool             `json:"ok"`
	Bundle BundleInfo       `json:"bundle"`
	Report []cverify.Report `json:"reports"`
}

// BundleInfo says what was verified: the maker's claims, and the genesis
// hash computed from the bundle's block 0.
type BundleInfo struct {
	File          string   `json:"file"`
	Format        string   `json:"format"`
	CreatedAt     string   `json:"createdAt"`
	CreatedBy     string   `json:"createdBy,omitempty"`
	Peers         []string `json:"peers"`
	Unconfirmed   []string `json:"unconfirmed,omitempty"`
	Items         int      `json:"items"`
	Blocks        int      `json:"blocks"`
	GenesisHash   string   `json:"genesisHash"`
	GenesisPinned bool     `json:"genesisPinned"`
}

// RunBundle verifies opts.Bundle offline. A failed check, or an item the
// bundle cannot answer for, is exit 3; an unreadable bundle exit 1.
func RunBundle(ctx context.Context, opts *Options) error {
	if len(opts.Peers) > 0 {
		return cmdutil.Usagef("--peers asks live peers; a bundle is verified offline")
	}
	ids, err := cmdutil.CanonicalIDs(opts.IDs)
	if err != nil {
		return err
	}
	b, err := readBundle(opts.Bundle, opts.IO.In)
	if err != nil {
		return err
	}
	reps := cverify.VerifyBundle(ctx, b, ids, cverify.Options{Chain: opts.Chain, GenesisHash: opts.GenesisHash})
	out := BundleOutput{OK: true, Report: reps, Bundle: BundleInfo{
		File: opts.Bundle, Format: b.Format, CreatedAt: b.CreatedAt, Peers: b.Peers, Unconfirmed: b.Unconfirmed,
		Items: len(b.Items), Blocks: len(b.Blocks), GenesisPinned: opts.GenesisHash != nil,
	}}
	if len(reps) > 0 {
		out.Bundle.GenesisHash = reps[0].GenesisHash // block 0's, as the bundle holds it
	}
	if b.CreatedBy != nil {
		out.Bundle.CreatedBy = strings.TrimSpace(b.CreatedBy.MSPID + " " + b.CreatedBy.Subject)
	}
	for i := range out.Report {
		if out.Report[i].Steps == nil {
			out.Report[i].Steps = []cverify.Step{}
		}
		out.OK = out.OK && out.Report[i].OK
	}
	if opts.Format == cmdutil.FormatJSON {
		if err := cmdutil.PrintJSON(opts.IO.Out, out); err != nil {
			return err
		}
	} else {
		printBundleInfo(opts.IO.Out, &out.Bundle)
		for i := range out.Report {
			PrintReportStatus(opts.IO.Out, &out.Report[i], nil, opts.Verbose)
		}
	}
	if !out.OK {
		return cmdutil.ErrVerifyFailed
	}
	return nil
}

func readBundle(path string, stdin io.Reader) (*cverify.Bundle, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("evidence bundle: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := cverify.ReadBundle(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

func printBundleInfo(w io.Writer, bi *BundleInfo) {
	or := func(s, unstated string) string {
		if s == "" {
			return unstated
		}
		return s
	}
	fmt.Fprintf(w, "bundle %s (%s): made %s", bi.File, bi.Format, or(bi.CreatedAt, "at an unstated time"))
	if bi.CreatedBy != "" {
		fmt.Fprintf(w, " by %s", bi.CreatedBy)
	}
	fmt.Fprintf(w, " through %s; %s, %s (the maker's word, not signed)\n",
		or(strings.Join(bi.Peers, ", "), "unstated peers"), cmdutil.Plural(bi.Items, "item"), cmdutil.Plural(bi.Blocks, "block"))
	if len(bi.Unconfirmed) > 0 {
		fmt.Fprintf(w, "  peers that did not confirm: %s\n", strings.Join(bi.Unconfirmed, ", "))
	}
	switch {
	case bi.GenesisHash == "":
		fmt.Fprintln(w, "  no genesis block: nothing anchors the bundle")
	case bi.GenesisPinned:
		fmt.Fprintf(w, "  channel genesis hash %s (pinned)\n", bi.GenesisHash)
	default:
		fmt.Fprintf(w, "  channel genesis hash %s: NOT pinned; compare it out of band with the channel's (--genesis-hash)\n", bi.GenesisHash)
	}
}
