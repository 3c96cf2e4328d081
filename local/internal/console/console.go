// Package console is the local stack's reference web client: plain HTML and JavaScript, embedded
// here and served by the local stack beside its HTTP API, on paths the API does not route. It is
// never deployed (template.yaml knows nothing of it). It signs up, signs in (with the step-up
// code), lists and removes devices, freezes, signs out, handles passkeys, and offers the holder's
// self-service (reauthenticate and change secrets, profile, activity with "this wasn't me", the
// lost-phone lock) through the public API only, same origin, as any web client would; and it
// shows the inbox of what the stack sent (moto's record of the SMS), newest first, with a
// one-click "use" for each code.
//
//	GET /                 the console (static/index.html)
//	GET /console/<file>   its script and style sheet
//	GET /console/inbox    {"messages": [...]}: every message the stack sent, newest first
//	POST /console/schedules  runs every scheduled function once now (the closure job), with the
//	                      header X-Console-Action: run-schedules; {"runs": {function: response}}
//	POST /console/payments/authorize, /console/payments/{id}/capture, /console/payments/{id}/void
//	                      the pay page's relay to the internal API, with the header
//	                      X-Console-Action: pay: the page plays the payments system, which signs
//	                      with SigV4, and a page has no secret to sign with; the answer as it came
//
// Every answer carries a Content-Security-Policy that allows only this origin: the console loads
// nothing from elsewhere and runs no inline script.
package console

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Message is one message the stack sent, as the inbox shows it: an SMS or an email.
type Message struct {
	ID       string    `json:"id"`
	Channel  string    `json:"channel"`           // "sms" or "email"
	To       string    `json:"to"`                // the full address (E.164 for an SMS); the page masks it unless asked
	ToMasked string    `json:"toMasked"`          // as the stack's logs show it
	Subject  string    `json:"subject,omitempty"` // an email's
	Text     string    `json:"text"`              // an SMS's text, an email's body
	At       time.Time `json:"at"`                // when the stack first saw it sent
	// Codes and Links are found in Text by the console.
	Codes []string `json:"codes"`
	Links []string `json:"links"`
}

// Inbox returns every message the stack has sent so far, oldest first.
type Inbox func(ctx context.Context) ([]Message, error)

// Console serves the console.
type Console struct {
	inbox     Inbox
	schedules Schedules
	internal  Internal
	files     fs.FS
	log       *slog.Logger
}

// Schedules runs every scheduled function of the stack once, now, as its EventBridge schedule
// would, and returns each one's response by function.
type Schedules func(ctx context.Context) (map[string]json.RawMessage, error)

// WithSchedules lets POST /console/schedules run the stack's schedules (the local stack delivers
// none by itself).
func (c *Console) WithSchedules(s Schedules) *Console {
	c.schedules = s
	return c
}

// Internal sends one request to the stack's internal API signed with the local credentials, as
// the payments system signs its own, and returns the answer as it came.
type Internal func(ctx context.Context, method, path string, body []byte) (*http.Response, error)

// WithInternal lets the pay page ask the internal API through POST /console/payments/... .
func (c *Console) WithInternal(in Internal) *Console {
	c.internal = in
	return c
}

// actionHeader must be on every POST to the console (X-Console-Action: run-schedules, pay): a
// header no form can send, so another page cannot make a visitor's browser post it without a CORS
// preflight, which the console refuses (it answers no OPTIONS).
const actionHeader = "X-Console-Action"

// New returns the console; inbox is where its inbox page reads from.
func New(inbox Inbox, log *slog.Logger) *Console {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree always has it
	}
	return &Console{inbox: inbox, files: files, log: log}
}

// Prefix is the path under which the console serves everything but its page.
const Prefix = "/console/"

// Serves reports whether path is the console's: "/" or under Prefix. The stack asks it only
// for requests its API does not route, so a route in template.yaml always wins.
func Serves(path string) bool {
	return path == "/" || strings.HasPrefix(path, Prefix)
}

// csp lets the page load and fetch from its own origin only, with no inline script or style.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// ServeHTTP serves the page, its files and the inbox.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store") // a rebuilt stack serves its new console at once
	if r.Method == http.MethodPost && r.URL.Path == Prefix+"schedules" {
		c.runSchedules(w, r)
		return
	}
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, Prefix+"payments/") {
		c.relay(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch p := r.URL.Path; {
	case p == "/":
		c.file(w, r, "index.html")
	case p == Prefix+"inbox":
		c.serveInbox(w, r)
	case strings.HasPrefix(p, Prefix) && !strings.Contains(p[len(Prefix):], "/") && p != Prefix && p != Prefix+"index.html":
		c.file(w, r, p[len(Prefix):])
	default:
		http.NotFound(w, r)
	}
}

// file writes one embedded file with the type its extension says.
func (c *Console) file(w http.ResponseWriter, r *http.Request, name string) {
	b, err := fs.ReadFile(c.files, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(b)
}

// serveInbox answers {"messages": [...]}, newest first, each with the codes and links in it.
func (c *Console) serveInbox(w http.ResponseWriter, r *http.Request) {
	all, err := c.inbox(r.Context())
	if err != nil {
		c.log.Warn("console inbox", "err", err)
		http.Error(w, "the stack's messages could not be read: "+err.Error(), http.StatusBadGateway)
		return
	}
	out := make([]Message, 0, len(all))
	for _, m := range slices.Backward(all) {
		m.Codes, m.Links = Codes(m.Text), Links(m.Text)
		out = append(out, m)
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodHead {
		return
	}
	_ = json.NewEncoder(w).Encode(map[string][]Message{"messages": out})
}

var (
	linkRE = regexp.MustCompile(`https?://[^\s"<>]+`)
	// digitsRE finds runs of digits; Codes keeps those that stand alone.
	digitsRE = regexp.MustCompile(`[0-9]+`)
)

// Links returns the URLs in text (an alert's freeze link), without trailing punctuation.
func Links(text string) []string {
	links := []string{}
	for _, l := range linkRE.FindAllString(text, -1) {
		links = append(links, strings.TrimRight(l, ".,;:!?)，。"))
	}
	return links
}

// Codes returns the one-time codes in text: runs of 4 to 10 digits that stand alone, so not a
// year, a time, an amount, part of a masked number or of a link ("482910 is your code",
// "验证码482910，" but not "2026-11-21 18:05", "5000.00", "+86 138****8000").
func Codes(text string) []string {
	text = linkRE.ReplaceAllString(text, " ")
	codes := []string{}
	for _, loc := range digitsRE.FindAllStringIndex(text, -1) {
		start, end := loc[0], loc[1]
		if n := end - start; n < 4 || n > 10 {
			continue
		}
		if start > 0 && (strings.ContainsRune("-:.*+/_", rune(text[start-1])) || isWordByte(text[start-1])) {
			continue
		}
		if end < len(text) && (strings.ContainsRune("-:/*_", rune(text[end])) || isWordByte(text[end])) {
			continue
		}
		if end+1 < len(text) && (text[end] == '.' || text[end] == ',') && isDigit(text[end+1]) {
			continue // 5000.00, 1,000
		}
		codes = append(codes, text[start:end])
	}
	return codes
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// isWordByte is an ASCII letter: a code stands apart from words ("abc123456" is not one), while
// other scripts may touch it ("验证码482910").
func isWordByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// runSchedules answers {"runs": {"<function>": <its response>}}; 403 without the action header,
// 404 on a stack that runs no schedules.
func (c *Console) runSchedules(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Header.Get(actionHeader) != "run-schedules":
		http.Error(w, "send "+actionHeader+": run-schedules", http.StatusForbidden)
		return
	case c.schedules == nil:
		http.NotFound(w, r)
		return
	}
	runs, err := c.schedules(r.Context())
	if err != nil {
		c.log.Error("console: run schedules", "err", err)
		http.Error(w, "the schedules could not be run: "+err.Error(), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"runs": runs})
}

// RelayedHeader names, on a relayed answer, the internal API request the relay sent.
const RelayedHeader = "X-Console-Relayed"

// maxRelayBody bounds what the relay reads of a request (an authorization is a few hundred bytes).
const maxRelayBody = 16 << 10

// authorizationIDRE is an authorization id as the internal API makes it (<accountId>.<suffix>): the
// relay builds the internal path itself, so no id can reach another route.
var authorizationIDRE = regexp.MustCompile(`^[0-9A-Za-z]{1,40}\.[0-9A-Za-z]{1,40}$`)

// internalPath maps a relay path to the one internal API request it stands for: authorize,
// capture or void, nothing else; ok is false for any other path.
func internalPath(p string) (string, bool) {
	rest := strings.TrimPrefix(p, Prefix+"payments/")
	if rest == "authorize" {
		return "/internal/v1/payment-authorizations", true
	}
	id, act, found := strings.Cut(rest, "/")
	if !found || (act != "capture" && act != "void") || !authorizationIDRE.MatchString(id) {
		return "", false
	}
	return "/internal/v1/payment-authorizations/" + id + "/" + act, true
}

// relay forwards one of the pay page's requests to the internal API, signed by the stack, and
// answers what it answered, status, type and body unchanged, with RelayedHeader naming the
// request; 403 without the action header, 404 for another path or a stack without an internal API.
func (c *Console) relay(w http.ResponseWriter, r *http.Request) {
	target, ok := internalPath(r.URL.Path)
	switch {
	case r.Header.Get(actionHeader) != "pay":
		http.Error(w, "send "+actionHeader+": pay", http.StatusForbidden)
		return
	case !ok || c.internal == nil:
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRelayBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "the body is too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "the body could not be read", http.StatusBadRequest)
		return
	}
	res, err := c.internal(r.Context(), http.MethodPost, target, body)
	if err != nil {
		c.log.Warn("console: relay to the internal API", "path", target, "err", err)
		http.Error(w, "the internal API could not be reached: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		http.Error(w, "the internal API's answer could not be read: "+err.Error(), http.StatusBadGateway)
		return
	}
	h := w.Header()
	if ct := res.Header.Get("Content-Type"); ct != "" {
		h.Set("Content-Type", ct)
	}
	h.Set(RelayedHeader, http.MethodPost+" "+target)
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(answer)
}
