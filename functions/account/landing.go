package main

// The freeze link's page. Every alert SMS links to FREEZE_LINK_BASE followed by a one-time
// freeze token, and FREEZE_LINK_BASE is this API's /f/. GET shows a page that says what freezing
// does, with one button; the button posts the page's form back to the same URL, and that POST
// freezes as POST /v1/account/freeze does with the token.
//
// GET reads nothing and changes nothing, whatever the token: link previews and scanners fetch
// the links in text messages, and a page that looked the token up would tell them whether it is
// valid (and cost a read each time). Its page is the same for every token.
//
// The pages are rendered once, from constants: nothing of a request but its language reaches
// them, no script runs, nothing is loaded from elsewhere, and the one inline style is allowed
// by its hash in the Content-Security-Policy.

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/freeze"
)

// The page's routes, and the one body its button posts.
const (
	landingGet  = "GET /f/{freezeToken}"
	landingPost = "POST /f/{freezeToken}"
	landingForm = "freeze=yes"
)

var (
	//go:embed landing.html
	landingHTML string
	//go:embed landing.css
	landingCSS string
)

// landingCSP allows the page nothing but its own inline style (by hash) and posting its form to
// its own origin, and no other page may frame it.
var landingCSP = "default-src 'none'; style-src 'sha256-" + styleHash(landingCSS) +
	"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func styleHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// landing answers the freeze link with the page that asks to confirm.
func (h handler) landing(_ context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	return h.page(req, http.StatusOK, pageConfirm), nil
}

// landingFreeze is the page's button: the token in the path freezes the account, once.
func (h handler) landingFreeze(ctx context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	if err := apigw.CheckForm(req, landingForm); err != nil {
		return response{}, err
	}
	token := apigw.PathParam(req, "freezeToken")
	if token == "" {
		return response{}, freeze.ErrInvalidToken
	}
	if _, err := h.freeze.Freeze(ctx, freeze.Request{FreezeToken: token}); err != nil {
		return response{}, err
	}
	return h.page(req, http.StatusOK, pageFrozen), nil
}

// landingError answers an error of either route with its page (apigw.WithErrorPages), never a
// problem document: whoever opened the link is a person with a browser.
func (h handler) landingError(req events.APIGatewayV2HTTPRequest, e *account.Error) response {
	return h.page(req, apigw.Status(e.Code), errorPage(e.Code))
}

// errorPage is the page that says what code means to the holder.
func errorPage(code account.Code) page {
	switch code {
	case account.CodeInvalidFreezeToken:
		return pageInvalid
	case account.CodeAccountClosed:
		return pageClosed
	}
	switch status := apigw.Status(code); {
	case status == http.StatusConflict || status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		return pageRetry
	case status/100 == 4:
		return pageRefused
	}
	return pageError
}

// page answers p with status in the language the browser asks for (DEFAULT_LANGUAGE if none).
func (h handler) page(req events.APIGatewayV2HTTPRequest, status int, p page) response {
	lang := account.Language(apigw.Header(req, "Accept-Language"), h.lang)
	pages, ok := landingPages()[lang]
	if !ok {
		pages = landingPages()["en"]
	}
	return apigw.HTML(status, pages[p], landingCSP)
}

// page names one of the pages.
type page int

const (
	pageConfirm page = iota // the link opened: what freezing does, and the button
	pageFrozen              // frozen (200)
	pageInvalid             // the token is not valid, has expired or was used
	pageClosed              // the account is closed
	pageRetry               // a conflict, a limit or an unavailable dependency: press again
	pageRefused             // any other request a browser would not send from the page
	pageError               // an internal error
	pageCount
)

// landingPages are the rendered pages, by language, made at first use (not in every cold start of
// AccountFunction). A page that does not render — the texts are constants, and a test renders them
// all — is a short page in both languages.
var landingPages = sync.OnceValue(func() map[string][pageCount]string {
	tmpl, err := template.New("landing").Parse(landingHTML)
	out := map[string][pageCount]string{}
	for lang, texts := range pageTexts {
		var pages [pageCount]string
		for p, text := range texts {
			var b strings.Builder
			if err == nil {
				err = tmpl.Execute(&b, pageData{Lang: htmlLang[lang], Style: template.CSS(landingCSS), pageText: text})
			}
			pages[p] = b.String()
			if err != nil {
				pages[p] = fallbackPage
			}
		}
		out[lang] = pages
	}
	return out
})

const fallbackPage = `<!doctype html><html><head><meta charset="utf-8"><title>Wallet</title></head>` +
	`<body><p>Something went wrong. Please try again later.</p><p>出现错误，请稍后重试。</p></body></html>`

// pageData is what the template sees.
type pageData struct {
	Lang  string
	Style template.CSS
	pageText
}

// pageText is one page in one language: a title, paragraphs before and after a list, and the
// button on the page that has one.
type pageText struct {
	Title        string
	Lead, Points []string
	Note         []string
	Button       string
}

// htmlLang is the lang attribute of each language's pages.
var htmlLang = map[string]string{"en": "en", "zh": "zh-Hans"}

// pageTexts are every page in English and Chinese.
var pageTexts = map[string][pageCount]pageText{
	"en": {
		pageConfirm: {
			Title: "Freeze your wallet account?",
			Lead: []string{"If our text message told you about something you did not do, someone else may be using your account. " +
				"Freezing it stops them at once:"},
			Points: []string{"every device is signed out;", "nobody can sign in or pay with the account, you included;",
				"to unfreeze it, choose “Forgot password” in the app and recover your account."},
			Note:   []string{"Nothing changes until you press the button, and the link works only once."},
			Button: "Freeze my account",
		},
		pageFrozen: {
			Title: "Your account is frozen",
			Lead:  []string{"Every device has been signed out, and nobody can sign in or pay with the account."},
			Note: []string{"To unfreeze it, choose “Forgot password” in the app and recover your account. " +
				"A text message confirming the freeze is on its way."},
		},
		pageInvalid: {
			Title: "This link cannot be used",
			Lead:  []string{"It is not valid, has expired or was already used: each link works once, for a limited time."},
			Note: []string{"If your account still needs freezing, freeze it in the app with a code sent to your phone, " +
				"or contact customer service."},
		},
		pageClosed: {
			Title: "This account is closed",
			Lead:  []string{"A closed account cannot be frozen, and nobody can sign in to it."},
			Note:  []string{"If you have questions about it, contact customer service."},
		},
		pageRetry: {
			Title: "Please try again",
			Lead:  []string{"We could not freeze your account just now."},
			Note:  []string{"Wait a moment, then go back and press the button again."},
		},
		pageRefused: {
			Title: "This request could not be read",
			Lead:  []string{"Nothing was changed."},
			Note:  []string{"Open the link in the text message again and press the button on that page."},
		},
		pageError: {
			Title: "Something went wrong",
			Lead:  []string{"Your account may not be frozen."},
			Note:  []string{"Try again in a moment from the link in the text message, or contact customer service."},
		},
	},
	"zh": {
		pageConfirm: {
			Title:  "冻结您的钱包账户？",
			Lead:   []string{"如果短信中提到的操作并非您本人所为，您的账户可能正被他人使用。冻结将立即生效："},
			Points: []string{"所有设备都将退出登录；", "任何人（包括您本人）都无法登录或使用该账户付款；", "如需解冻，请在应用中选择“忘记密码”找回账户。"},
			Note:   []string{"点击下方按钮后才会冻结，此链接仅能使用一次。"},
			Button: "冻结我的账户",
		},
		pageFrozen: {
			Title: "您的账户已冻结",
			Lead:  []string{"所有设备均已退出登录，任何人都无法登录或使用该账户付款。"},
			Note:  []string{"如需解冻，请在应用中选择“忘记密码”找回账户。确认冻结的短信将随后发送给您。"},
		},
		pageInvalid: {
			Title: "此链接无法使用",
			Lead:  []string{"链接无效、已过期或已被使用：每个链接仅能在有效期内使用一次。"},
			Note:  []string{"如仍需冻结账户，请在应用中通过发送至您手机的验证码冻结，或联系客服。"},
		},
		pageClosed: {
			Title: "此账户已注销",
			Lead:  []string{"已注销的账户无法冻结，也无法登录。"},
			Note:  []string{"如有疑问，请联系客服。"},
		},
		pageRetry: {
			Title: "请稍后重试",
			Lead:  []string{"暂时无法冻结您的账户。"},
			Note:  []string{"请稍候片刻，返回上一页后再次点击按钮。"},
		},
		pageRefused: {
			Title: "无法处理此请求",
			Lead:  []string{"账户未作任何更改。"},
			Note:  []string{"请重新打开短信中的链接，并点击该页面上的按钮。"},
		},
		pageError: {
			Title: "出现错误",
			Lead:  []string{"您的账户可能尚未冻结。"},
			Note:  []string{"请稍后通过短信中的链接重试，或联系客服。"},
		},
	},
}
