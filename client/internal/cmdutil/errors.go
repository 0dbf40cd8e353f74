package cmdutil

import (
	"errors"
	"fmt"
	"strings"
)

// Exit codes, documented in `prov --help` and client/README.md.
const (
	ExitOK           = 0 // success
	ExitFailed       = 1 // refused by the ledger, or failed
	ExitUsage        = 2 // bad command line
	ExitVerifyFailed = 3 // a verification check failed
	ExitSuspect      = 4 // prov audit found a suspect line
)

// UsageError is a bad command line (exit 2).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ErrVerifyFailed means a verification ran and found a failed check (exit
// 3); the report has already been printed.
var ErrVerifyFailed = errors.New("verification failed")

// SilentError carries an exit code for a failure that was already reported
// on the output (e.g. a batch summary listing the failed items).
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var se *SilentError
	if errors.As(err, &se) {
		return se.Code
	}
	if errors.Is(err, ErrVerifyFailed) {
		return ExitVerifyFailed
	}
	var ue *UsageError
	if errors.As(err, &ue) || IsCobraUsage(err) {
		return ExitUsage
	}
	return ExitFailed
}

// IsCobraUsage recognises the errors cobra itself returns for a bad command
// line (it has no types for them).
func IsCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command ", "unknown flag", "unknown shorthand flag", "flag needs an argument",
		"invalid argument ", "required flag(s) ", "accepts ", "requires at least ", "if any flags in the group", "bad flag syntax"} {
		if strings.HasPrefix(s, p) || strings.Contains(s, " "+p) {
			return true
		}
	}
	return false
}
