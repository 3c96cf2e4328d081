package dynamo

// Every key format of the single table (DESIGN §4), in one place.

const (
	attrPK = "PK"
	attrSK = "SK"
)

type key struct{ PK, SK string }

// phoneClaim holds which account a number belongs to; its existence is the number's uniqueness.
func phoneClaim(e164 string) key { return key{"PHONE#" + e164, "PHONE"} }

// otpSlot is the latest challenge for a phone and purpose, beside the phone's claim so both are
// read together.
func otpSlot(e164, purpose string) key { return key{"PHONE#" + e164, "OTP#" + purpose} }

// challenge is one code, and after the right code, the proof behind a verification token.
func challenge(id string) key { return key{"OTP#" + id, "OTP"} }

// counter is one rate-limit counter for one window.
func counter(name, window string) key { return key{"RATE#" + name, window} }
