package domain

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Set82 lists GS1 character set 82 (GS1 General Specifications, figure
// 7.11-1), the characters allowed in serials (AI 21) and lots (AI 10):
// ! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z. Space, #, $, @, [, \,
// ], ^, `, {, |, }, ~ and everything outside ASCII are not in it.
const Set82 = `!"%&'()*+,-./0-9:;<=>?A-Z_a-z`

// Maximum lengths of the GS1 application identifiers the ledger stores.
const (
	MaxSerialLen = 20 // AI 21
	MaxLotLen    = 20 // AI 10
)

// InSet82 reports whether r is in GS1 character set 82.
func InSet82(r rune) bool {
	switch {
	case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		return true
	case r >= '%' && r <= '/': // % & ' ( ) * + , - . /
		return true
	case r >= ':' && r <= '?': // : ; < = > ?
		return true
	}
	return r == '!' || r == '"' || r == '_'
}

// ValidateSerial checks a GS1 AI 21 serial: 1 to 20 characters of GS1
// character set 82. The error names the offending character and its
// (1-based) position; Unicode look-alikes such as Cyrillic 'А' or fullwidth
// digits are refused as "not in GS1 character set 82".
func ValidateSerial(s string) error { return validateSet82("serial", "21", s, MaxSerialLen) }

// ValidateLot checks a GS1 AI 10 batch/lot number: 1 to 20 characters of GS1
// character set 82.
func ValidateLot(s string) error { return validateSet82("lot", "10", s, MaxLotLen) }

func validateSet82(what, ai, s string, max int) error {
	if s == "" {
		return Errorf(CodeInvalidID, "%s is empty; GS1 AI %s needs 1 to %d characters", what, ai, max)
	}
	pos := 0
	for i, r := range s {
		pos++
		if InSet82(r) {
			continue
		}
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return Errorf(CodeInvalidID, "%s %s has invalid UTF-8 byte 0x%02x at position %d, not in GS1 character set 82 (%s)", what, quote(s), s[i], pos, Set82)
			}
		}
		return Errorf(CodeInvalidID, "%s %s has character %s at position %d, not in GS1 character set 82 (%s)", what, quote(s), describeRune(r), pos, Set82)
	}
	if pos > max {
		return Errorf(CodeInvalidID, "%s %s has %d characters; GS1 AI %s allows at most %d", what, quote(s), pos, ai, max)
	}
	return nil
}

// ValidateExpiry checks a GS1 AI 17 expiry date YYMMDD: month 01 to 12, day
// 00 to 31 where 00 means the end of the month, otherwise a real calendar
// day. The year is read as 20YY for the leap-year test (GS1's sliding century
// rule needs today's date, which chaincode must not read; 2000 to 2099 agree
// with it until 2050).
func ValidateExpiry(s string) error {
	if i, r := firstNonDigit(s); i >= 0 {
		return Errorf(CodeInvalidID, "expiry %s has non-digit character %s at position %d; GS1 AI 17 wants YYMMDD", quote(s), describeRune(r), i+1)
	}
	if len(s) != 6 {
		return Errorf(CodeInvalidID, "expiry %s has %d digits; GS1 AI 17 wants 6 digits YYMMDD", quote(s), len(s))
	}
	yy, mm, dd := atoi2(s[0:2]), atoi2(s[2:4]), atoi2(s[4:6])
	if mm < 1 || mm > 12 {
		return Errorf(CodeInvalidID, "expiry %s has month %02d; want 01 to 12", quote(s), mm)
	}
	if dd == 0 {
		return nil // end of month
	}
	if n := daysIn(2000+yy, mm); dd > n {
		return Errorf(CodeInvalidID, "expiry %s has day %02d but %04d-%02d has %d days (day 00 means end of month)", quote(s), dd, 2000+yy, mm, n)
	}
	return nil
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// quote quotes s for a message, shortened so that a hostile megabyte-long
// argument does not become a megabyte-long error.
func quote(s string) string {
	const max = 48
	n := 0
	for i := range s {
		if n == max {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
}

// describeRune names a character for a message: 'x' for printable ASCII,
// otherwise its code point too, and what ASCII character it imitates.
func describeRune(r rune) string {
	if r >= 0x21 && r < 0x7f {
		return strconv.QuoteRune(r)
	}
	d := fmt.Sprintf("%s (U+%04X", strconv.QuoteRune(r), r)
	if r == ' ' {
		d = "space (U+0020"
	}
	if a := lookalike(r); a != 0 {
		d += fmt.Sprintf(", looks like %s", strconv.QuoteRune(a))
	}
	return d + ")"
}

// lookalike returns the ASCII character that r is commonly confused with
// (homoglyphs used to forge serials), or 0. A switch, not a map, so that the
// package keeps no mutable state.
func lookalike(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E { // fullwidth ASCII
		return r - 0xFEE0
	}
	switch r {
	case 0x0410, 0x0391:
		return 'A'
	case 0x0412, 0x0392:
		return 'B'
	case 0x0421:
		return 'C'
	case 0x0415, 0x0395:
		return 'E'
	case 0x041D, 0x0397:
		return 'H'
	case 0x0406, 0x0399, 0x04C0:
		return 'I'
	case 0x0408:
		return 'J'
	case 0x041A, 0x039A:
		return 'K'
	case 0x041C, 0x039C:
		return 'M'
	case 0x039D:
		return 'N'
	case 0x041E, 0x039F:
		return 'O'
	case 0x0420, 0x03A1:
		return 'P'
	case 0x0405:
		return 'S'
	case 0x0422, 0x03A4:
		return 'T'
	case 0x0425, 0x03A7:
		return 'X'
	case 0x03A5, 0x04AE:
		return 'Y'
	case 0x0396:
		return 'Z'
	case 0x0430:
		return 'a'
	case 0x0441:
		return 'c'
	case 0x0435:
		return 'e'
	case 0x0456:
		return 'i'
	case 0x0458:
		return 'j'
	case 0x043E, 0x03BF:
		return 'o'
	case 0x0440, 0x03C1:
		return 'p'
	case 0x0455:
		return 's'
	case 0x0445:
		return 'x'
	case 0x0443:
		return 'y'
	case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212:
		return '-'
	case 0x2018, 0x2019:
		return '\''
	case 0x201C, 0x201D:
		return '"'
	case 0x00A0:
		return ' '
	}
	return 0
}
