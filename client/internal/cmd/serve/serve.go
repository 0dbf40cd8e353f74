// Package serve implements `prov serve`: the verification service
// (client/serve) on this organization's identity and gateway peer.
package serve

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	srv "github.com/provledger/provenance/client/serve"
)

// Options of serve.
type Options struct {
	IO      *cmdutil.IOStreams
	Backend func(cacheBlocks int) (srv.Backend, error)

	Listen      string
	ServerCert  string
	ServerKey   string
	PartnerCA   string
	TokensFile  string
	Links       []string
	CacheBlocks int
	Config      srv.Config
	// Shutdown bounds the graceful shutdown (in-flight requests finish).
	Shutdown time.Duration
	// Ready, when set, receives the listening address (tests).
	Ready func(addr string)
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	opts.Backend = func(cacheBlocks int) (srv.Backend, error) {
		l, err := f.Ledger()
		if err != nil {
			return nil, err
		}
		c, ok := l.(*gateway.Conn)
		if !ok {
			return nil, fmt.Errorf("serve needs a gateway connection, got %T", l)
		}
		return srv.NewGatewayBackend(c, cacheBlocks), nil
	}
	cfg := &opts.Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve verification answers over HTTP(S) to partners and scanners",
		Long: `Run an HTTP(S) verification service on this organization's identity and
gateway peer (the usual --profile/--user flags):

  GET /01/{gtin}[/10/{lot}]/21/{serial}[?17=YYMMDD]   any GS1 Digital Link path
      Accept: application/json (default)  GS1 Lightweight Messaging answer
      Accept: text/html                   a page for people, verdict first
      ?linkType=all or Accept: application/linkset+json   RFC 9264 linkset
      ?linkType=gs1:pip (or any --link type)               303 redirect
  POST /verify   a JSON list of identifiers, or one per line: one answer each
  GET /healthz   ledger height, 503 when the peer cannot be read

Anonymous callers get the verdict only; partners (a client certificate
issued by --partner-ca, or a bearer token from --partner-tokens) also get
the owner, the custody record with transaction IDs and the verification
report. Every answer is checked with prov verify's checks (reports reused
for --report-ttl while the item does not change) and says when it was
computed and from which block height. See client/serve/SERVE.md.

SIGINT or SIGTERM stops accepting connections and lets requests in flight
finish (at most --shutdown-timeout).`,
		Example: `  prov serve -p manufacturer --listen 127.0.0.1:8080
  prov serve -p customs --listen :8443 --server-cert tls.crt --server-key tls.key \
      --partner-ca partners-ca.pem --partner-tokens tokens.txt --gln 9506000000015 \
      --link gs1:pip=https://brand.example/p/{gtin} --default-link-type gs1:pip`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (opts.ServerCert == "") != (opts.ServerKey == "") {
				return cmdutil.Usagef("--server-cert and --server-key go together")
			}
			if opts.PartnerCA != "" && opts.ServerCert == "" {
				return cmdutil.Usagef("--partner-ca needs TLS: give --server-cert and --server-key")
			}
			cfg.Links = map[string]string{}
			for _, l := range opts.Links {
				k, v, ok := strings.Cut(l, "=")
				if !ok || k == "" || !strings.HasPrefix(v, "http") {
					return cmdutil.Usagef("--link %q: want TYPE=URL, e.g. gs1:pip=https://brand.example/p/{gtin}", l)
				}
				cfg.Links[k] = v
			}
			if opts.TokensFile != "" {
				t, err := readTokens(opts.TokensFile)
				if err != nil {
					return err
				}
				cfg.Tokens = t
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", "127.0.0.1:8080", "`address` to listen on (port 0 picks one; the address is printed)")
	fl.StringVar(&opts.ServerCert, "server-cert", "", "the service's TLS certificate `file` (PEM); without it plain HTTP")
	fl.StringVar(&opts.ServerKey, "server-key", "", "the service's TLS key `file` (PEM)")
	fl.StringVar(&opts.PartnerCA, "partner-ca", "", "CA certificates `file` (PEM) whose client certificates identify partners (mutual TLS; the certificate's CN names the partner)")
	fl.StringVar(&opts.TokensFile, "partner-tokens", "", "`file` of partner bearer tokens: one 'NAME TOKEN' per line, # comments")
	fl.StringVar(&cfg.ResponderGLN, "gln", "", "responderGLN in answers (13 digits)")
	fl.StringVar(&cfg.BaseURL, "base-url", "", "public `URL` of the service for linkset anchors (default: from each request's Host)")
	fl.StringArrayVar(&opts.Links, "link", nil, "a further link `TYPE=URL` for the linkset, {gtin} {serial} {lot} replaced (repeatable)")
	fl.StringVar(&cfg.DefaultLinkType, "default-link-type", "", "link `TYPE` a plain request is redirected to (303), e.g. gs1:pip; default: answer the verification")
	fl.Int64Var(&cfg.MaxBody, "max-body", 1<<20, "largest POST /verify body in `bytes` (413 beyond)")
	fl.IntVar(&cfg.MaxIDs, "max-ids", 1000, "most identifiers per POST /verify for partners (413 beyond)")
	fl.IntVar(&cfg.AnonMaxIDs, "anon-max-ids", 100, "most identifiers per POST /verify for anonymous callers")
	fl.Float64Var(&cfg.AnonRate, "rate", 5, "requests per second per anonymous caller (IP address; 429 beyond)")
	fl.IntVar(&cfg.AnonBurst, "burst", 20, "burst of requests per anonymous caller")
	fl.Float64Var(&cfg.PartnerRate, "partner-rate", 100, "requests per second per partner")
	fl.IntVar(&cfg.PartnerBurst, "partner-burst", 200, "burst of requests per partner")
	fl.DurationVar(&cfg.ReportTTL, "report-ttl", 10*time.Second, "reuse an item's verification report this long while its last event is unchanged (negative: never)")
	fl.IntVar(&opts.CacheBlocks, "cache-blocks", 4096, "blocks kept in the verification cache (transactions: 4 times as many)")
	fl.DurationVar(&opts.Shutdown, "shutdown-timeout", 10*time.Second, "how long requests in flight may finish after SIGINT/SIGTERM")
	return cmd
}

// readTokens reads 'NAME TOKEN' lines.
func readTokens(path string) (map[[32]byte]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--partner-tokens: %w", err)
	}
	defer f.Close()
	out := map[[32]byte]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 || len(fields[1]) < 16 {
			return nil, fmt.Errorf("--partner-tokens %s line %d: want 'NAME TOKEN' with a token of at least 16 characters", path, n)
		}
		h := srv.HashToken(fields[1])
		if prev, dup := out[h]; dup {
			return nil, fmt.Errorf("--partner-tokens %s line %d: %s has the same token as %s", path, n, fields[0], prev)
		}
		out[h] = fields[0]
	}
	return out, sc.Err()
}

// Run serves until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, opts *Options) error {
	var tlsCfg *tls.Config
	if opts.ServerCert != "" {
		pair, err := tls.LoadX509KeyPair(opts.ServerCert, opts.ServerKey)
		if err != nil {
			return fmt.Errorf("--server-cert/--server-key: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
		if opts.PartnerCA != "" {
			pem, err := os.ReadFile(opts.PartnerCA)
			if err != nil {
				return fmt.Errorf("--partner-ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return fmt.Errorf("--partner-ca %s: no PEM certificate", opts.PartnerCA)
			}
			// Anonymous callers come without a certificate; one that is
			// sent must chain to the partner CA.
			tlsCfg.ClientCAs, tlsCfg.ClientAuth = pool, tls.VerifyClientCertIfGiven
		}
	}
	b, err := opts.Backend(opts.CacheBlocks)
	if err != nil {
		return err
	}
	if m, ok := b.(interface{ MSPID() string }); ok && opts.Config.Responder == "" {
		opts.Config.Responder = m.MSPID()
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	hs := srv.HTTPServer(srv.New(b, opts.Config), tlsCfg)
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
		ln = tls.NewListener(ln, tlsCfg)
	}
	fmt.Fprintf(opts.IO.ErrOut, "prov serve: listening on %s://%s\n", scheme, ln.Addr())
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(opts.IO.ErrOut, "prov serve: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), opts.Shutdown)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
