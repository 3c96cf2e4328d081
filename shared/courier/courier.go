// Package courier renders the messages the service sends to people and hands them to a Sender.
// Every SMS text lives here, in English and Chinese, so that what a user reads is reviewed in one
// place: no text carries a secret other than the one-time code it exists to deliver, and no text
// carries a full phone number.
package courier

import (
	"bytes"
	"context"
	"fmt"
	"text/template"
)

// Template names a message.
type Template string

// The messages.
const (
	// TemplateCode delivers a one-time code. Data: Code, Purpose (account.Purpose), Minutes.
	TemplateCode Template = "code"
	// TemplateAccountExists answers a signup code request for a number that already has an
	// account: it tells the owner instead of sending a code. No data.
	TemplateAccountExists Template = "account_exists"
)

// Message is one SMS to one phone number.
type Message struct {
	To       string // E.164
	Template Template
	Lang     string // en or zh; anything else is en
	Data     map[string]any
}

// Sender delivers a rendered text to a phone number. The sms package implements it with SNS.
type Sender interface {
	SendSMS(ctx context.Context, to, text string) error
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
	t := templates.Lookup(string(msg.Template) + "." + lang)
	if t == nil {
		return "", fmt.Errorf("courier: no template %q", msg.Template)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, msg.Data); err != nil {
		return "", fmt.Errorf("courier: render %s: %w", msg.Template, err)
	}
	return b.String(), nil
}

// templates is parsed once; it is never written after init.
var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"purposeEN": func(p any) string { return purposeText[fmt.Sprint(p)][0] },
	"purposeZH": func(p any) string { return purposeText[fmt.Sprint(p)][1] },
}).Option("missingkey=error").Parse(`
{{define "code.en"}}Wallet: {{.Code}} is your code to {{purposeEN .Purpose}}. It expires in {{.Minutes}} minutes. Our staff will never ask for this code; do not share it with anyone.{{end}}
{{define "code.zh"}}【钱包】验证码{{.Code}}，用于{{purposeZH .Purpose}}，{{.Minutes}}分钟内有效。工作人员不会向您索要验证码，请勿告诉任何人。{{end}}
{{define "account_exists.en"}}Wallet: someone asked to sign up with this number, but it already has a wallet account. Sign in, or choose "Forgot password" in the app to recover it. If this wasn't you, ignore this message.{{end}}
{{define "account_exists.zh"}}【钱包】有人尝试用本号码注册，但本号码已有钱包账户。请直接登录，或在应用中选择“忘记密码”找回。如非本人操作，请忽略本短信。{{end}}
`))

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
