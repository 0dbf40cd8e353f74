package domain

import "fmt"

// ParseItemInput checks one registration record as RegisterItems does: the
// ID in any spelling, lot and expiry inside the ID or apart (not differently
// in both), their syntax and the description's length. prov runs it before
// sending, so one impossible expiry fails its own row, not a batch.
func ParseItemInput(in ItemInput) (Identifier, error) {
	id, err := ParseIdentifier(in.ID)
	if err != nil {
		return Identifier{}, prefixed(err, CodeInvalidID, fmt.Sprintf("item %q", in.ID))
	}
	if in.Lot != "" {
		if id.Lot != "" && id.Lot != in.Lot {
			return id, Errorf(CodeInvalidArgument, "item %s: lot %q in the ID differs from lot %q", id.Key(), id.Lot, in.Lot)
		}
		id.Lot = in.Lot
	}
	if in.Expiry != "" {
		if id.Expiry != "" && id.Expiry != in.Expiry {
			return id, Errorf(CodeInvalidArgument, "item %s: expiry %q in the ID differs from expiry %q", id.Key(), id.Expiry, in.Expiry)
		}
		id.Expiry = in.Expiry
	}
	if id.Lot != "" {
		if err := ValidateLot(id.Lot); err != nil {
			return id, prefixed(err, CodeInvalidID, "item "+id.Key())
		}
	}
	if id.Expiry != "" {
		if err := ValidateExpiry(id.Expiry); err != nil {
			return id, prefixed(err, CodeInvalidID, "item "+id.Key())
		}
	}
	if err := ValidateText("description", in.Description, false, MaxDescription); err != nil {
		return id, prefixed(err, CodeInvalidArgument, "item "+id.Key())
	}
	return id, nil
}

// prefixed puts "prefix: " before a refusal's message, keeping its code
// (code when it has none).
func prefixed(err error, code Code, prefix string) error {
	if e, ok := err.(*Error); ok {
		return &Error{Code: e.Code, Msg: prefix + ": " + e.Msg}
	}
	if c := CodeOf(err); c != "" {
		code = c
	}
	return Errorf(code, "%s: %v", prefix, err)
}
