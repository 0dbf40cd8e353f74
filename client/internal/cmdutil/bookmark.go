package cmdutil

import "encoding/base64"

// EncodeBookmark makes a ledger bookmark safe to print and to pass back as
// an argument: the chaincode's bookmarks are composite keys, which hold
// NUL bytes that no shell argument can carry. It is URL-safe base64.
func EncodeBookmark(b string) string {
	if b == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(b))
}

// DecodeBookmark undoes EncodeBookmark. A string that is not base64 is
// taken as a raw bookmark (composite keys hold '~' and NUL, never valid
// base64), so bookmarks from other tools still work.
func DecodeBookmark(s string) string {
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return string(b)
	}
	return s
}
