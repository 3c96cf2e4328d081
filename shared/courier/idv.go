package courier

// The texts of identity verification's decisions.

// Templates of identity verification's alerts.
const (
	TemplateIdentityVerified Template = "alert_identity_verified"
	TemplateIdentityRejected Template = "alert_identity_rejected"
)

// IdentityVerified: an identity verification was approved; Verified says the level reached is
// verified (identity and a second channel), else real-name.
type IdentityVerified struct {
	When     string
	Verified bool
}

func (t IdentityVerified) data() (Template, map[string]any) {
	return alert(TemplateIdentityVerified, map[string]any{"When": t.When, "Verified": t.Verified})
}

// IdentityRejected: an identity verification was rejected; the app shows why.
type IdentityRejected struct{ When string }

func (t IdentityRejected) data() (Template, map[string]any) {
	return alert(TemplateIdentityRejected, map[string]any{"When": t.When})
}
