package courier

// The texts of customer service's actions (the internal API): freeze, unfreeze and close.

// Templates of customer service's alerts.
const (
	TemplateSupportFrozen   Template = "alert_support_frozen"
	TemplateAccountUnfrozen Template = "alert_account_unfrozen"
	TemplateSupportClosed   Template = "alert_support_closed"
)

// SupportFrozen: customer service froze the account (never with a link: it is frozen).
type SupportFrozen struct{ When string }

func (t SupportFrozen) data() (Template, map[string]any) {
	return alert(TemplateSupportFrozen, map[string]any{"When": t.When})
}

// AccountUnfrozen: customer service unfroze the account (with a link: if the holder did not ask,
// freezing again is one tap).
type AccountUnfrozen struct{ When string }

func (t AccountUnfrozen) data() (Template, map[string]any) {
	return alert(TemplateAccountUnfrozen, map[string]any{"When": t.When})
}

// SupportClosed: customer service closed the account (never with a link).
type SupportClosed struct{ When string }

func (t SupportClosed) data() (Template, map[string]any) {
	return alert(TemplateSupportClosed, map[string]any{"When": t.When})
}
