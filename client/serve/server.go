// Package serve is the verification service behind `prov serve`: GS1 Digital
// Link URLs in, verification answers out (GS1 Lightweight Messaging JSON, a
// phone-readable HTML page, an RFC 9264 linkset), one organization's
// identity and gateway peer behind it. See SERVE.md.
package serve

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
)

// Backend is what the service reads from the ledger.
type Backend interface {
	// Items returns the items (GetItems), nil where not registered.
	Items(ctx context.Context, keys []string) ([]*domain.Item, error)
	// History returns the item's custody events.
	History(ctx context.Context, key string) ([]domain.CustodyEvent, error)
	// Verify verifies the item's custody record against the blocks.
	Verify(ctx context.Context, key string) (verify.Report, error)
	// Height is the ledger height.
	Height(ctx context.Context) (uint64, error)
}

// Config configures a Server. Zero values take the defaults named.
type Config struct {
	// ResponderGLN is answered as responderGLN (GS1 LMS); empty leaves it out.
	ResponderGLN string
	// Responder names who answers, on the HTML page (e.g. "ManufacturerMSP").
	Responder string
	// BaseURL is this service's public URL, for linkset anchors and links;
	// empty derives it from each request's Host.
	BaseURL string
	// Links are further link types (gs1:pip, gs1:epil, ...) by the short
	// name after "gs1:", each a URL template with {gtin}, {serial}, {lot}.
	Links map[string]string
	// DefaultLinkType, when set to a type other than verificationService,
	// makes a request without linkType that does not ask for JSON or a
	// linkset a 303 redirect to that link, as GS1 resolvers do.
	DefaultLinkType string
	// Tokens maps the SHA-256 of a partner's bearer token to its name.
	Tokens map[[32]byte]string
	// MaxBody bounds a POST /verify body (default 1 MiB).
	MaxBody int64
	// MaxIDs bounds the identifiers of one POST /verify for partners
	// (default 1000) and anonymous callers (AnonMaxIDs, default 100).
	MaxIDs, AnonMaxIDs int
	// Rate limits per caller: requests per second and burst, for anonymous
	// callers (per IP address; default 5/s, 20) and partners (per partner;
	// default 100/s, 200). A bulk request costs 1 + ids/100.
	AnonRate, PartnerRate   float64
	AnonBurst, PartnerBurst int
	// ReportTTL is how long a verification report is reused for an item
	// whose last event has not changed (default 10 s; negative: never).
	ReportTTL time.Duration
	// Concurrency bounds parallel verifications of one bulk request (default 8).
	Concurrency int
	// Now is the clock (tests).
	Now func() time.Time
}

func (c *Config) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	deff := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	def(&c.MaxIDs, 1000)
	def(&c.AnonMaxIDs, 100)
	deff(&c.AnonRate, 5)
	deff(&c.PartnerRate, 100)
	def(&c.AnonBurst, 20)
	def(&c.PartnerBurst, 200)
	def(&c.Concurrency, 8)
	if c.ReportTTL == 0 {
		c.ReportTTL = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.DefaultLinkType = linkTypeName(c.DefaultLinkType)
}

// Server answers verification requests.
type Server struct {
	cfg     Config
	b       Backend
	limiter *limiter
	reports *lru[string, cachedReport]
	items   *itemBatcher

	mu       sync.Mutex
	inflight map[string]*flight
}

type cachedReport struct {
	version string // item seq and last transaction
	rep     verify.Report
	at      time.Time
}

type flight struct {
	done chan struct{}
	rep  verify.Report
	err  error
	at   time.Time
}

// New returns a Server over b.
func New(b Backend, cfg Config) *Server {
	cfg.defaults()
	return &Server{cfg: cfg, b: b, limiter: newLimiter(cfg.Now), reports: newLRU[string, cachedReport](10000),
		items: &itemBatcher{b: b, max: 2}, inflight: map[string]*flight{}}
}

// HashToken is the key of Config.Tokens for a bearer token.
func HashToken(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// HTTPServer wraps h with the timeouts that cut slow clients off.
func HTTPServer(h http.Handler, tlsCfg *tls.Config) *http.Server {
	return &http.Server{
		Handler:           h,
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// ServeHTTP routes: /healthz, POST /verify, and GET of any Digital Link path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch {
	case r.URL.Path == "/healthz":
		s.health(w, r)
		return
	case r.URL.Path == "/verify":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			s.fail(w, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "POST a list of identifiers to /verify")
			return
		}
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		s.fail(w, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method "+r.Method+" not allowed; GET a GS1 Digital Link path")
		return
	}
	partner, key, ok := s.caller(w, r)
	if !ok {
		return
	}
	if r.URL.Path == "/verify" {
		s.bulk(w, r, partner, key)
		return
	}
	if !s.allow(w, r, key, partner, 1) {
		return
	}
	s.single(w, r, partner)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	h, err := s.b.Height(ctx)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "blockHeight": h})
}

// caller identifies a partner by a verified client certificate or a bearer
// token; everyone else is anonymous, rate-limited by IP address. A token
// that matches no partner is refused, not downgraded.
func (s *Server) caller(w http.ResponseWriter, r *http.Request) (partner, key string, ok bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		tok, found := strings.CutPrefix(auth, "Bearer ")
		name, known := "", false
		if found {
			name, known = s.cfg.Tokens[HashToken(strings.TrimSpace(tok))]
		}
		if !known {
			w.Header().Set("WWW-Authenticate", `Bearer realm="prov"`)
			s.fail(w, r, http.StatusUnauthorized, "UNAUTHORIZED", "unknown bearer token (or not a Bearer authorization)")
			return "", "", false
		}
		return name, "partner:" + name, true
	}
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		cert := r.TLS.VerifiedChains[0][0]
		name := cert.Subject.CommonName
		if name == "" {
			name = cert.Subject.String()
		}
		return name, "partner:" + name, true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "", "ip:" + host, true
}

func (s *Server) allow(w http.ResponseWriter, r *http.Request, key, partner string, cost int) bool {
	rate, burst := s.cfg.AnonRate, s.cfg.AnonBurst
	if partner != "" {
		rate, burst = s.cfg.PartnerRate, s.cfg.PartnerBurst
	}
	wait, ok := s.limiter.take(key, rate, burst, cost)
	if ok {
		return true
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
	s.fail(w, r, http.StatusTooManyRequests, "RATE_LIMITED", fmt.Sprintf("more than %g requests per second (burst %d); retry in %s", rate, burst, wait.Round(time.Millisecond)))
	return false
}

// parseLink reads the request's path and query as a Digital Link through
// domain.ParseIdentifier (the one parser of identifiers).
func parseLink(r *http.Request) (domain.Identifier, error) {
	host := r.Host
	if host == "" || strings.Trim(strings.ToLower(host), "abcdefghijklmnopqrstuvwxyz0123456789.-:[]") != "" {
		host = "localhost"
	}
	u := "https://" + host + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return domain.ParseIdentifier(u)
}

func (s *Server) single(w http.ResponseWriter, r *http.Request, partner string) {
	id, err := parseLink(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, string(domain.CodeOf(err)), strings.TrimPrefix(err.Error(), string(domain.CodeOf(err))+": "))
		return
	}
	q := r.URL.Query()
	lt := linkTypeName(q.Get("linkType"))
	accept := r.Header.Get("Accept")
	switch {
	case lt == "all" || prefers(accept, "application/linkset+json"):
		s.linkset(w, r, id)
		return
	case lt != "" && lt != "verificationService":
		s.redirect(w, r, id, lt)
		return
	case lt == "" && s.cfg.DefaultLinkType != "" && s.cfg.DefaultLinkType != "verificationService" &&
		!prefers(accept, "application/json"):
		s.redirect(w, r, id, s.cfg.DefaultLinkType)
		return
	}
	corr := q.Get("corrUUID")
	if len(corr) > 64 || strings.ContainsFunc(corr, func(c rune) bool { return c < '!' || c > '~' }) {
		s.fail(w, r, http.StatusBadRequest, "INVALID_ARGUMENT", "corrUUID must be at most 64 printable ASCII characters")
		return
	}
	height, err := s.b.Height(r.Context())
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	item, err := s.items.get(r.Context(), id.Key())
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	c := s.check(r.Context(), id, item, partner != "")
	a := build(c, s.cfg.Now(), height, partner)
	a.ResponderGLN, a.CorrUUID = s.cfg.ResponderGLN, corr
	w.Header().Set("Link", "<"+s.anchor(r, id)+"?linkType=all>; rel=\"linkset\"; type=\"application/linkset+json\"")
	w.Header().Set("Vary", "Accept, Authorization")
	w.Header().Set("Cache-Control", "no-store")
	if prefers(accept, "text/html") {
		s.page(w, r, a)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// check verifies a registered item (the verdict rests on it for every
// caller) and reads its history for partners.
func (s *Server) check(ctx context.Context, id domain.Identifier, it *domain.Item, partner bool) checked {
	c := checked{ident: id, item: it}
	if it == nil {
		return c
	}
	rep, at, err := s.verify(ctx, it)
	c.verified, c.verr = at, err
	if err == nil {
		c.report = &rep
	}
	if partner {
		ev, err := s.b.History(ctx, it.ID)
		if err == nil {
			c.events = ev
		} else if c.verr == nil {
			c.verr = fmt.Errorf("history: %w", err)
		}
	}
	return c
}

// verify returns the item's report. A report of the same item version (last
// event seq and transaction) younger than ReportTTL is reused; an older one
// is still answered while a refresh runs in the background (the events it
// covers are unchanged; verifiedAt says its age). Concurrent callers for
// one item version share one verification.
func (s *Server) verify(ctx context.Context, it *domain.Item) (verify.Report, time.Time, error) {
	version := strconv.FormatUint(it.Seq, 10) + "/" + it.UpdatedTx
	now := s.cfg.Now()
	if c, ok := s.reports.get(it.ID); ok && c.version == version && s.cfg.ReportTTL > 0 {
		if now.Sub(c.at) >= s.cfg.ReportTTL {
			s.startVerify(it.ID, version, false)
		}
		return c.rep, c.at, nil
	}
	f := s.startVerify(it.ID, version, true)
	select {
	case <-f.done:
		return f.rep, f.at, f.err
	case <-ctx.Done():
		return verify.Report{}, now, ctx.Err()
	}
}

// startVerify starts a verification of id at version, or joins the one
// running. With reuse, a report of that version stored meanwhile is answered
// as a finished flight: a caller that missed the cache just before a flight
// ended (it stores its report before it leaves inflight) must not verify
// again.
func (s *Server) startVerify(id, version string, reuse bool) *flight {
	fk := id + "\x00" + version
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.inflight[fk]; ok {
		return f
	}
	if c, ok := s.reports.get(id); reuse && ok && c.version == version {
		f := &flight{done: make(chan struct{}), rep: c.rep, at: c.at}
		close(f.done)
		return f
	}
	f := &flight{done: make(chan struct{})}
	s.inflight[fk] = f
	go func() {
		// Not a caller's context: the verification is shared by every waiter.
		vctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		f.rep, f.err = s.b.Verify(vctx, id)
		cancel()
		f.at = s.cfg.Now()
		if f.err == nil {
			s.reports.put(id, cachedReport{version: version, rep: f.rep, at: f.at})
		}
		s.mu.Lock()
		delete(s.inflight, fk)
		s.mu.Unlock()
		close(f.done)
	}()
	return f
}

func orErr(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return fmt.Errorf(format, args...)
}

func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Retry-After", "5")
	s.fail(w, r, http.StatusServiceUnavailable, "LEDGER_UNAVAILABLE", "the ledger could not be read: "+err.Error())
}

// ErrorBody is the JSON of a refusal.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if prefers(r.Header.Get("Accept"), "text/html") && r.URL.Path != "/verify" {
		s.errorPage(w, status, code, msg)
		return
	}
	var b ErrorBody
	b.Error.Code, b.Error.Message = code, msg
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	writeJSONTyped(w, status, v)
}

// writeJSONTyped writes v with the Content-Type already set.
func writeJSONTyped(w http.ResponseWriter, status int, v any) {
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// prefers tells whether the Accept header ranks typ (or its type/*) above
// JSON; a missing header or */* means JSON.
func prefers(accept, typ string) bool {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, f := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(f), "q="); ok {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					q = x
				}
			}
		}
		if mt == "" || mt == "*/*" {
			continue
		}
		if q > bestQ {
			best, bestQ = mt, q
		}
	}
	if best == "" {
		return typ == "application/json"
	}
	return best == typ || strings.HasSuffix(best, "/*") && strings.HasPrefix(typ, strings.TrimSuffix(best, "*"))
}

// errBodyTooLarge marks a body over Config.MaxBody.
var errBodyTooLarge = errors.New("body too large")

func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, errBodyTooLarge
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errBodyTooLarge
	}
	return b, err
}
