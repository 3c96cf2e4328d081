package account

// Level is how far an account's holder is verified; it decides the payment limits
// (shared/payment). The zero value reads as LevelPhone.
type Level string

// The verification levels, lowest first.
const (
	LevelPhone    Level = "phone"     // signed up with a proven phone number
	LevelRealName Level = "real_name" // identity verified (an ID document, approved)
	LevelVerified Level = "verified"  // identity and a second channel (a bank card or a face check)
)

// Valid reports whether l is one of the levels.
func (l Level) Valid() bool {
	switch l {
	case LevelPhone, LevelRealName, LevelVerified:
		return true
	}
	return false
}

// Or returns l, or LevelPhone when l is unset.
func (l Level) Or() Level {
	if l == "" {
		return LevelPhone
	}
	return l
}
