package domain

import "strings"

// ValidateText checks a free-text argument (reason, note, description):
// at most max bytes, no control characters, and not blank when required.
// The chaincode refuses with it and prov checks with it before sending.
func ValidateText(name, s string, required bool, max int) error {
	if required && strings.TrimSpace(s) == "" {
		return Errorf(CodeInvalidArgument, "%s must not be empty", name)
	}
	if len(s) > max {
		return Errorf(CodeInvalidArgument, "%s is %d bytes, at most %d allowed", name, len(s), max)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return Errorf(CodeInvalidArgument, "%s contains a control character", name)
		}
	}
	return nil
}
