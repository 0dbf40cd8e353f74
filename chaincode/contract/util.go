package contract

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// defaultPageSize is used when a query's pageSize argument is empty.
const defaultPageSize = 100

// strictUnmarshal decodes JSON refusing unknown fields and trailing data.
func strictUnmarshal(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

func joinComma(parts []string) string { return strings.Join(parts, ", ") }

func joinOr(parts []string) string { return strings.Join(parts, " or ") }

// parsePageSize reads a pageSize argument: empty means defaultPageSize.
func parsePageSize(s string) (int32, error) {
	if s == "" {
		return defaultPageSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > domain.MaxPageSize {
		return 0, domain.Errorf(domain.CodeInvalidArgument, "pageSize %q must be a number from 1 to %d", s, domain.MaxPageSize)
	}
	return int32(n), nil
}

// parseUint reads an optional non-negative number argument.
func parseUint(name, s string, def uint64) (uint64, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, domain.Errorf(domain.CodeInvalidArgument, "%s %q must be a non-negative number", name, s)
	}
	return n, nil
}

// checkText validates a free-text argument (reason, licence): present when
// required, at most max bytes, printable.
func checkText(name, s string, required bool, max int) error {
	return domain.ValidateText(name, s, required, max)
}

// withContext prefixes a refusal's message, keeping its code; other errors
// are wrapped.
func withContext(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	prefix := fmt.Sprintf(format, args...)
	if e, ok := err.(*domain.Error); ok {
		return &domain.Error{Code: e.Code, Msg: prefix + ": " + e.Msg}
	}
	if code := domain.CodeOf(err); code != "" {
		return domain.Errorf(code, "%s: %s", prefix, strings.TrimPrefix(err.Error(), string(code)+": "))
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// marshal is the ledger's record encoding (domain.Marshal).
func marshal(v any) ([]byte, error) { return domain.Marshal(v) }

// sameOrgs reports whether two MSP lists hold the same organizations.
func sameOrgs(a, b []string) bool {
	x, y := domain.SortedUnique(a), domain.SortedUnique(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}
