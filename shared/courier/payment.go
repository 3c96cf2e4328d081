package courier

// The texts of the payment settings.

// TemplatePasswordFreeEnabled is the alert of password-free payments turned on or raised.
const TemplatePasswordFreeEnabled Template = "alert_password_free_enabled"

// PasswordFreeEnabled: password-free payments were turned on, or their caps raised; PerPayment
// and Currency are the per-payment cap now.
type PasswordFreeEnabled struct {
	When       string
	PerPayment string
	Currency   string
}

func (t PasswordFreeEnabled) data() (Template, map[string]any) {
	return alert(TemplatePasswordFreeEnabled, map[string]any{"When": t.When, "PerPayment": t.PerPayment, "Currency": t.Currency})
}
