// Package courier renders the messages the service sends to people and hands them to a Sender.
// Every SMS text lives here, in English and Chinese, so that what a user reads is reviewed in one
// place: no text carries a secret other than the one-time code it exists to deliver, and no text
// carries a full phone number. Callers build a message from its template's typed Text
// (messages.go), never from a map they spell themselves.
package courier

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"text/template/parse"
)

// Message is one SMS to one phone number. Build it with NewMessage from its template's Text,
// which fills Template and Data.
type Message struct {
	To       string // E.164
	Template Template
	Lang     string         // en or zh; anything else is en
	Data     map[string]any // what the text renders with, by field name
}

// Sender delivers a rendered text to a phone number. The sms package implements it with SNS.
type Sender interface {
	SendSMS(ctx context.Context, to, text string) error
}

// MailSender delivers a rendered email (subject and plain-text body) to an address. The ses
// package implements it with SES.
type MailSender interface {
	SendEmail(ctx context.Context, to, subject, body string) error
}

// Mailer renders mail messages (the Mails templates) and sends them.
type Mailer struct{ sender MailSender }

// NewMailer returns a Mailer that sends through s.
func NewMailer(s MailSender) *Mailer { return &Mailer{sender: s} }

// Send renders msg, a mail message, and sends it to msg.To, an email address.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	subject, body, err := RenderMail(msg)
	if err != nil {
		return err
	}
	if err := m.sender.SendEmail(ctx, msg.To, subject, body); err != nil {
		return fmt.Errorf("send %s email: %w", msg.Template, err)
	}
	return nil
}

// RenderMail returns the subject and the body of a mail message in its language: its
// templates "<template>.subject.<lang>" and "<template>.<lang>".
func RenderMail(msg Message) (subject, body string, err error) {
	if !msg.Template.Mail() {
		return "", "", fmt.Errorf("courier: %q is no mail template", msg.Template)
	}
	if subject, err = Render(Message{Template: msg.Template + ".subject", Lang: msg.Lang, Data: msg.Data}); err != nil {
		return "", "", err
	}
	body, err = Render(msg)
	return subject, body, err
}

// Courier renders messages and sends them.
type Courier struct{ sender Sender }

// New returns a Courier that sends through s.
func New(s Sender) *Courier { return &Courier{sender: s} }

// Send renders msg and sends it.
func (c *Courier) Send(ctx context.Context, msg Message) error {
	text, err := Render(msg)
	if err != nil {
		return err
	}
	if err := c.sender.SendSMS(ctx, msg.To, text); err != nil {
		return fmt.Errorf("send %s sms: %w", msg.Template, err)
	}
	return nil
}

// Render returns the text of msg in its language.
func Render(msg Message) (string, error) {
	lang := msg.Lang
	if lang != "zh" {
		lang = "en"
	}
	ts := templates()
	t := ts[string(msg.Template)+"."+lang]
	if t == nil {
		return "", fmt.Errorf("courier: no template %q", msg.Template)
	}
	var b strings.Builder
	if err := ts.exec(&b, t.Root, msg.Data); err != nil {
		return "", fmt.Errorf("courier: render %s: %w", msg.Template, err)
	}
	return b.String(), nil
}

// templates are parsed on first use, not at init: every function that links the courier would
// otherwise pay for parsing them in its cold start, used or not. Once parsed they are never
// written.
var templates = sync.OnceValue(parseTexts)

// set is the parsed templates by name ("code.en").
//
// The texts use a small part of text/template's language: {{.Field}}, {{if .Field}}…{{end}},
// {{template "name" .}} and {{purposeEN .Purpose}} (a function of one field, also in an if). They are parsed by text/template/parse and
// run by exec below, not by text/template: its executor calls reflect's MethodByName, and then
// the linker must keep every exported method of every type in every function that sends an SMS
// (AlertFunction was 15 MiB instead of 10, and slower to start).
type set map[string]*parse.Tree

// funcs are the functions the texts may call: each takes one value and returns a string.
var funcs = map[string]func(any) string{
	"purposeEN":  func(p any) string { return purposeText[fmt.Sprint(p)][0] },
	"purposeZH":  func(p any) string { return purposeText[fmt.Sprint(p)][1] },
	"merchantEN": merchantEN,
	"merchantZH": merchantZH,
	"emailEN":    emailEN,
	"emailZH":    emailZH,
}

// exec writes node with data to b. A field missing from data is an error, never "<no value>".
func (ts set) exec(b *strings.Builder, node parse.Node, data map[string]any) error {
	switch n := node.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := ts.exec(b, c, data); err != nil {
				return err
			}
		}
	case *parse.TextNode:
		b.Write(n.Text)
	case *parse.ActionNode:
		v, err := eval(n.Pipe, data)
		if err != nil {
			return err
		}
		fmt.Fprint(b, v)
	case *parse.IfNode:
		v, err := eval(n.Pipe, data)
		if err != nil {
			return err
		}
		if v != nil && !reflect.ValueOf(v).IsZero() {
			return ts.exec(b, n.List, data)
		}
		return ts.exec(b, n.ElseList, data)
	case *parse.TemplateNode:
		t := ts[n.Name]
		if n.Pipe == nil || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 || n.Pipe.Cmds[0].Args[0].Type() != parse.NodeDot {
			return fmt.Errorf("%s: a template gets the same data (.)", n)
		}
		if t == nil {
			return fmt.Errorf("no template %q", n.Name)
		}
		return ts.exec(b, t.Root, data)
	default:
		return fmt.Errorf("%s: not supported in a text", node)
	}
	return nil
}

// eval returns the value of a pipeline: one field, or one function of one field.
func eval(pipe *parse.PipeNode, data map[string]any) (any, error) {
	if pipe == nil || len(pipe.Decl) > 0 || len(pipe.Cmds) != 1 {
		return nil, fmt.Errorf("%s: not supported in a text", pipe)
	}
	args := pipe.Cmds[0].Args
	field := func(n parse.Node) (any, error) {
		f, ok := n.(*parse.FieldNode)
		if !ok || len(f.Ident) != 1 {
			return nil, fmt.Errorf("%s: not a field", n)
		}
		v, ok := data[f.Ident[0]]
		if !ok {
			return nil, fmt.Errorf("no data %q", f.Ident[0])
		}
		return v, nil
	}
	switch {
	case len(args) == 1:
		return field(args[0])
	case len(args) == 2:
		id, ok := args[0].(*parse.IdentifierNode)
		if !ok || funcs[id.Ident] == nil {
			return nil, fmt.Errorf("%s: not a function", args[0])
		}
		v, err := field(args[1])
		if err != nil {
			return nil, err
		}
		return funcs[id.Ident](v), nil
	}
	return nil, fmt.Errorf("%s: not supported in a text", pipe)
}

// parseTexts parses texts; they are constant, so an error is a bug that every test shows.
func parseTexts() set {
	names := make(map[string]any, len(funcs))
	for name, f := range funcs {
		names[name] = f // parse checks only that the name is defined
	}
	trees, err := parse.Parse("courier", texts, "", "", names)
	if err != nil {
		panic(fmt.Sprintf("courier: %v", err))
	}
	return trees
}

// texts are every message, in English and Chinese.
const texts = `
{{define "code.en"}}Wallet: {{.Code}} is your code to {{purposeEN .Purpose}}. It expires in {{.Minutes}} minutes. Our staff will never ask for this code; do not share it.{{end}}
{{define "code.zh"}}【钱包】验证码{{.Code}}，用于{{purposeZH .Purpose}}，{{.Minutes}}分钟内有效。工作人员不会向您索要验证码，请勿告诉任何人。{{end}}
{{define "account_exists.en"}}Wallet: someone tried to sign up with this number, which already has a wallet account. Sign in, or choose "Forgot password" in the app. Not you? Ignore this.{{end}}
{{define "account_exists.zh"}}【钱包】有人尝试用本号码注册，但本号码已有钱包账户。请直接登录，或在应用中选择“忘记密码”找回。如非本人操作，请忽略本短信。{{end}}
{{define "freeze.en"}}{{if .Link}} Not you? Freeze: {{.Link}}{{end}}{{end}}
{{define "freeze.zh"}}{{if .Link}}如非本人，请冻结：{{.Link}}{{end}}{{end}}
{{define "freeze_mail.en"}}{{if .Link}} If this wasn't you, freeze your account now: {{.Link}}{{end}}{{end}}
{{define "freeze_mail.zh"}}{{if .Link}}如非本人操作，请立即冻结账户：{{.Link}}{{end}}{{end}}
{{define "alert_new_device_login.en"}}Wallet: your account was signed in on a new device{{if .Platform}} ({{.Platform}}){{end}} at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_new_device_login.zh"}}【钱包】您的账户于{{.When}}在一台新设备{{if .Platform}}（{{.Platform}}）{{end}}上登录。{{template "freeze.zh" .}}{{end}}
{{define "alert_device_secret_reused.en"}}Wallet: your device{{if .Platform}} ({{.Platform}}){{end}} reused an old key at {{.When}}; signed out.{{template "freeze.en" .}}{{end}}
{{define "alert_device_secret_reused.zh"}}【钱包】您的设备{{if .Platform}}（{{.Platform}}）{{end}}于{{.When}}使用了旧登录凭证，凭证可能已被复制，该设备已退出登录。{{template "freeze.zh" .}}{{end}}
{{define "alert_password_reset.en"}}Wallet: login password was reset at {{.When}}; other devices signed out.{{template "freeze.en" .}}{{end}}
{{define "alert_password_reset.zh"}}【钱包】您的登录密码已于{{.When}}重置，其他设备已退出登录。{{template "freeze.zh" .}}{{end}}
{{define "alert_password_changed.en"}}Wallet: login password was changed at {{.When}}; other devices signed out.{{template "freeze.en" .}}{{end}}
{{define "alert_password_changed.zh"}}【钱包】您的登录密码已于{{.When}}修改，其他设备已退出登录。{{template "freeze.zh" .}}{{end}}
{{define "alert_payment_password_changed.en"}}Wallet: your payment password was changed at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_payment_password_changed.zh"}}【钱包】您的支付密码已于{{.When}}修改。{{template "freeze.zh" .}}{{end}}
{{define "alert_security_answers_changed.en"}}Wallet: your security answers were changed at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_security_answers_changed.zh"}}【钱包】您的密保答案已于{{.When}}修改。{{template "freeze.zh" .}}{{end}}
{{define "alert_payment_password_reset.en"}}Wallet: your payment password was reset at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_payment_password_reset.zh"}}【钱包】您的支付密码已于{{.When}}重置。{{template "freeze.zh" .}}{{end}}
{{define "alert_phone_change_started.en"}}Wallet: your account moves to {{.NewPhone}} at {{.EffectiveAt}} unless cancelled.{{template "freeze.en" .}}{{end}}
{{define "alert_phone_change_started.zh"}}【钱包】您的钱包账户将于{{.EffectiveAt}}从本号码换绑至{{.NewPhone}}，如需取消请在应用中操作。{{template "freeze.zh" .}}{{end}}
{{define "alert_phone_changed_old.en"}}Wallet: your account left this number for {{.NewPhone}} at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_phone_changed_old.zh"}}【钱包】您的钱包账户已于{{.When}}从本号码换绑至{{.NewPhone}}，本号码不再接收该账户的通知。{{template "freeze.zh" .}}{{end}}
{{define "alert_phone_changed_new.en"}}Wallet: at {{.When}} this number replaced {{.OldPhone}} on your account.{{template "freeze.en" .}}{{end}}
{{define "alert_phone_changed_new.zh"}}【钱包】本号码已于{{.When}}绑定您的钱包账户（原号码{{.OldPhone}}）。{{template "freeze.zh" .}}{{end}}
{{define "alert_phone_change_cancelled.en"}}Wallet: your account's move{{if .NewPhone}} to {{.NewPhone}}{{end}} was cancelled at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_phone_change_cancelled.zh"}}【钱包】您的钱包账户换绑{{if .NewPhone}}至{{.NewPhone}}{{end}}的申请已于{{.When}}取消，账户未作更改。{{template "freeze.zh" .}}{{end}}
{{define "alert_account_frozen.en"}}Wallet: your account was frozen at {{.When}}; all devices signed out. Unfreeze: "Forgot password" in the app. Not you? Call customer service.{{end}}
{{define "alert_account_frozen.zh"}}【钱包】您的钱包账户已于{{.When}}冻结，所有设备均已退出登录。如需解冻，请在应用中选择“忘记密码”。如非本人操作，请联系客服。{{end}}
{{define "alert_inactivity_warning.en"}}Wallet: your unused wallet account closes on {{.ClosesOn}}. Sign in before then to keep it.{{if .Link}} Not yours? Freeze it: {{.Link}}{{end}}{{end}}
{{define "alert_inactivity_warning.zh"}}【钱包】您的钱包账户长期未使用，将于{{.ClosesOn}}注销。如需保留，请在此之前登录。{{if .Link}}如非您的账户，请冻结：{{.Link}}{{end}}{{end}}
{{define "alert_account_closed.en"}}Wallet: your account was closed at {{.When}} after a year without use. Any balance left will be settled; call customer service for details.{{end}}
{{define "alert_account_closed.zh"}}【钱包】您的钱包账户因一年未使用已于{{.When}}注销，剩余余额将为您结算，详情请联系客服。{{end}}
{{define "alert_large_transaction.en"}}Wallet: a payment of {{.Amount}} {{.Currency}}{{if merchantEN .Merchant}} to {{merchantEN .Merchant}}{{end}} at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_passkey_added.en"}}Wallet: a passkey was added at {{.When}}; it can sign in to your account.{{template "freeze.en" .}}{{end}}
{{define "alert_passkey_added.zh"}}【钱包】您的钱包账户于{{.When}}添加了一个通行密钥，可用于登录您的账户。{{template "freeze.zh" .}}{{end}}
{{define "alert_passkey_removed.en"}}Wallet: a passkey was removed from your wallet account at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_passkey_removed.zh"}}【钱包】您的钱包账户于{{.When}}移除了一个通行密钥。{{template "freeze.zh" .}}{{end}}
{{define "alert_passkey_clone_suspected.en"}}Wallet: a passkey that may be copied was refused at {{.When}}; replace it.{{template "freeze.en" .}}{{end}}
{{define "alert_passkey_clone_suspected.zh"}}【钱包】{{.When}}一个可能已被复制的通行密钥验证被拒绝，请在应用中移除后重新添加。{{template "freeze.zh" .}}{{end}}
{{define "alert_large_transaction.zh"}}【钱包】您的账户于{{.When}}向{{merchantZH .Merchant}}支付{{.Amount}} {{.Currency}}。{{template "freeze.zh" .}}{{end}}
{{define "alert_protection_weakened.en"}}Wallet: {{if .Nighttime}}nighttime protection{{if .LargeTransaction}} and {{end}}{{end}}{{if .LargeTransaction}}large-payment alert{{end}} weakened at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_protection_weakened.zh"}}【钱包】您的钱包账户于{{.When}}{{if .Nighttime}}关闭或缩短了夜间保护{{if .LargeTransaction}}，并{{end}}{{end}}{{if .LargeTransaction}}关闭或调高了大额交易提醒{{end}}。{{template "freeze.zh" .}}{{end}}
{{define "alert_bank_card_unlinked.en"}}Wallet: the bank card ending {{.Last4}} was unlinked at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_email_changed.en"}}Wallet: email {{emailEN .Email}} set for sign-in at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_email_changed.zh"}}【钱包】钱包账户邮箱已于{{.When}}设为{{emailZH .Email}}，可用于登录。{{template "freeze.zh" .}}{{end}}
{{define "alert_email_removed.en"}}Wallet: email {{emailEN .OldEmail}} was removed at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_email_removed.zh"}}【钱包】邮箱{{emailZH .OldEmail}}已于{{.When}}从您的钱包账户移除。{{template "freeze.zh" .}}{{end}}
{{define "email_code.subject.en"}}Your Wallet code: confirm your email address{{end}}
{{define "email_code.subject.zh"}}钱包验证码：确认您的邮箱{{end}}
{{define "email_code.en"}}{{.Code}} is your code to add this email address to your Wallet account. It expires in {{.Minutes}} minutes.

Our staff will never ask for this code; do not share it with anyone. If you did not ask for it, ignore this email: the address is added to no account without the code.

Wallet{{end}}
{{define "email_code.zh"}}您的验证码为{{.Code}}，用于将本邮箱添加到您的钱包账户，{{.Minutes}}分钟内有效。

工作人员不会向您索要验证码，请勿告诉任何人。如非本人操作，请忽略本邮件：没有验证码，本邮箱不会被添加到任何账户。

钱包{{end}}
{{define "email_replaced.subject.en"}}Wallet: your account's email address was changed{{end}}
{{define "email_replaced.subject.zh"}}钱包：您的账户邮箱已更换{{end}}
{{define "email_replaced.en"}}At {{.When}} the email address of your Wallet account was changed from this address to {{.NewEmail}}. This address no longer signs in to the account and will get no more messages about it.{{template "freeze_mail.en" .}}

Wallet{{end}}
{{define "email_replaced.zh"}}您的钱包账户邮箱已于{{.When}}由本邮箱更换为{{.NewEmail}}。本邮箱已不能登录该账户，也不会再收到该账户的通知。{{template "freeze_mail.zh" .}}

钱包{{end}}
{{define "email_removed.subject.en"}}Wallet: this email address was removed from your account{{end}}
{{define "email_removed.subject.zh"}}钱包：本邮箱已从您的账户移除{{end}}
{{define "email_removed.en"}}At {{.When}} this email address was removed from your Wallet account. It no longer signs in to the account and will get no more messages about it.{{template "freeze_mail.en" .}}

Wallet{{end}}
{{define "email_removed.zh"}}本邮箱已于{{.When}}从您的钱包账户移除，已不能登录该账户，也不会再收到该账户的通知。{{template "freeze_mail.zh" .}}

钱包{{end}}
{{define "alert_bank_card_unlinked.zh"}}【钱包】尾号{{.Last4}}的银行卡已于{{.When}}从您的钱包账户解绑。{{template "freeze.zh" .}}{{end}}
{{define "alert_identity_details_set.en"}}Wallet: {{if .IDDocument}}an ID document{{if .Citizenship}} and citizenship were{{else}} was{{end}}{{else}}citizenship was{{end}} added at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_deletion_requested.en"}}Wallet: you asked to delete your account, closing {{.EffectiveAt}} unless cancelled.{{template "freeze.en" .}}{{end}}
{{define "alert_deletion_requested.zh"}}【钱包】您已申请注销钱包账户，账户将于{{.EffectiveAt}}注销。如需保留，请在应用中取消。{{template "freeze.zh" .}}{{end}}
{{define "alert_deletion_cancelled.en"}}Wallet: account deletion cancelled at {{.When}}{{if .ByHolder}}; it stays open{{else if .Cards}}: a bank card is still linked{{else if .PhoneChange}}: a phone change is under way{{else if .Frozen}}: the account is frozen{{else}}: call customer service{{end}}.{{template "freeze.en" .}}{{end}}
{{define "alert_deletion_cancelled.zh"}}【钱包】您的钱包账户注销申请已于{{.When}}取消{{if .ByHolder}}，账户继续使用{{else if .Cards}}：仍有绑定的银行卡{{else if .PhoneChange}}：手机号更换尚未完成{{else if .Frozen}}：账户已冻结{{else}}：账户尚有待处理事项，请联系客服{{end}}。{{template "freeze.zh" .}}{{end}}
{{define "alert_account_deleted.en"}}Wallet: your wallet account was closed at {{.When}} as you asked. Any balance left will be settled; contact customer service for details.{{end}}
{{define "alert_account_deleted.zh"}}【钱包】您的钱包账户已按您的申请于{{.When}}注销，剩余余额将为您结算，详情请联系客服。{{end}}
{{define "alert_identity_details_set.zh"}}【钱包】您的钱包账户于{{.When}}添加了{{if .IDDocument}}身份证件{{if .Citizenship}}和{{end}}{{end}}{{if .Citizenship}}国籍{{end}}信息。{{template "freeze.zh" .}}{{end}}
{{define "alert_support_frozen.en"}}Wallet: customer service froze your wallet account at {{.When}} and signed out every device. Call customer service for details.{{end}}
{{define "alert_support_frozen.zh"}}【钱包】客服已于{{.When}}冻结您的钱包账户，所有设备均已退出登录。详情请联系客服。{{end}}
{{define "alert_account_unfrozen.en"}}Wallet: customer service unfroze your wallet account at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_account_unfrozen.zh"}}【钱包】客服已于{{.When}}解冻您的钱包账户。{{template "freeze.zh" .}}{{end}}
{{define "alert_support_closed.en"}}Wallet: customer service closed your wallet account at {{.When}}. Any balance left will be settled; call customer service for details.{{end}}
{{define "alert_support_closed.zh"}}【钱包】客服已于{{.When}}注销您的钱包账户，剩余余额将为您结算，详情请联系客服。{{end}}
{{define "alert_password_free_enabled.en"}}Wallet: password-free payments up to {{.PerPayment}} {{.Currency}} set at {{.When}}.{{template "freeze.en" .}}{{end}}
{{define "alert_password_free_enabled.zh"}}【钱包】您的钱包账户于{{.When}}开启或调高了免密支付（每笔{{.PerPayment}} {{.Currency}}）。{{template "freeze.zh" .}}{{end}}
{{define "alert_identity_verified.en"}}Wallet: identity verified at {{.When}}{{if .Verified}} with a second check{{end}}; limits raised.{{template "freeze.en" .}}{{end}}
{{define "alert_identity_verified.zh"}}【钱包】您的身份已于{{.When}}通过{{if .Verified}}双重{{end}}认证，钱包账户的支付限额已提高。{{template "freeze.zh" .}}{{end}}
{{define "alert_identity_rejected.en"}}Wallet: identity verification not approved at {{.When}}; see why in the app.{{template "freeze.en" .}}{{end}}
{{define "alert_identity_rejected.zh"}}【钱包】您的钱包账户身份认证未于{{.When}}通过，原因请在应用中查看，您可重新提交。{{template "freeze.zh" .}}{{end}}
`

// purposeText says in each language what a code is for.
var purposeText = map[string][2]string{
	"signup":           {"create your wallet account", "注册钱包账户"},
	"login_step_up":    {"confirm a sign-in", "确认登录"},
	"reset_login":      {"reset your login password", "重置登录密码"},
	"reset_payment":    {"reset your payment password", "重置支付密码"},
	"phone_change_old": {"confirm changing your phone number", "确认更换手机号"},
	"phone_change_new": {"confirm your new phone number", "确认新手机号"},
	"freeze":           {"freeze your wallet account", "冻结钱包账户"},
}
