// Package config is the one configuration struct of every function, read from the environment.
// Each field's env tag names its variable, its default tag gives the documented default, and its
// doc tag is the line the README's configuration table shows (see TestREADMEListsEverySetting).
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/shared/limits"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// Config holds every setting. Durations use Go syntax (90s, 5m, 24h).
type Config struct {
	TableName string `env:"TABLE_NAME" default:"wallet-accounts" doc:"DynamoDB table"`
	// Endpoints are empty on AWS; the local stack points them at DynamoDB Local and moto.
	DynamoEndpoint string `env:"DYNAMODB_ENDPOINT" default:"" doc:"DynamoDB endpoint override (local stack only)"`
	SNSEndpoint    string `env:"SNS_ENDPOINT" default:"" doc:"SNS endpoint override (local stack only)"`
	SESEndpoint    string `env:"SES_ENDPOINT" default:"" doc:"SES (sesv2) endpoint override (local stack only)"`
	// Pepper keys every HMAC and keyed hash (codes, payment passwords, answers, card and ID
	// numbers); every such hash names the key it was made with, so the pepper can be rotated.
	Pepper secret.Keyring `env:"PEPPER" default:"" doc:"server pepper: comma-separated id:base64 keys of >= 32 bytes, the current first, then the previous ones; required"`

	OTPLength        int           `env:"OTP_LENGTH" default:"6" doc:"digits in a code"`
	OTPTTL           time.Duration `env:"OTP_TTL" default:"5m" doc:"how long a code lives"`
	OTPMaxAttempts   int           `env:"OTP_MAX_ATTEMPTS" default:"5" doc:"wrong tries that burn a challenge"`
	OTPResendAfter   time.Duration `env:"OTP_RESEND_AFTER" default:"60s" doc:"cooldown between codes for one phone and purpose"`
	OTPPhoneFailures int           `env:"OTP_PHONE_FAILURES" default:"20" doc:"wrong codes per phone per UTC day, across challenges"`
	OTPPhoneHourly   int           `env:"OTP_PHONE_HOURLY" default:"5" doc:"codes sent per phone per clock hour"`
	OTPPhoneDaily    int           `env:"OTP_PHONE_DAILY" default:"10" doc:"codes sent per phone per UTC day"`
	OTPIPHourly      int           `env:"OTP_IP_HOURLY" default:"20" doc:"code requests per source IP per clock hour"`
	OTPPrefixHourly  int           `env:"OTP_PREFIX_HOURLY" default:"50" doc:"code requests per number prefix (all but the last 4 digits) per clock hour"`
	// SMS pumping, beyond the fixed prefix cap: a prefix whose sent codes are seldom verified.
	PumpingWindow        time.Duration `env:"PUMPING_WINDOW" default:"6h" doc:"SMS pumping: how far back a number prefix's sent and verified codes are counted, in whole clock hours (1h to 24h; each hour is one key every code request reads)"`
	PumpingMinSends      int           `env:"PUMPING_MIN_SENDS" default:"20" doc:"SMS pumping: codes a number prefix must have been sent in the window before its verification rate is judged"`
	PumpingMinVerifyRate float64       `env:"PUMPING_MIN_VERIFY_RATE" default:"0.2" doc:"SMS pumping: the share of a prefix's codes sent in the window that must have been verified; under it the prefix's hourly cap is PUMPING_CAP until the share recovers"`
	PumpingCap           int           `env:"PUMPING_CAP" default:"5" doc:"SMS pumping: code requests per clock hour for a number prefix under PUMPING_MIN_VERIFY_RATE (instead of OTP_PREFIX_HOURLY)"`
	SMSDailyBudget       int           `env:"SMS_DAILY_BUDGET" default:"10000" doc:"SMS per UTC day, all kinds; signup codes stop at 80%"`
	AllowedRegions       []string      `env:"ALLOWED_REGIONS" default:"CN,HK,MO,TW,SG,MY,TH,ID,PH,VN,JP,KR,IN,AU,NZ,RU,DE,GB,FR,ES,IT,NL,US,CA,BR,MX" doc:"ISO regions whose numbers may be used"`
	ProofTTL             time.Duration `env:"PROOF_TTL" default:"10m" doc:"how long a verification token lives"`
	// NoSendDelay is how long a send that sends nothing (unknown phone) waits before answering,
	// until the instance has measured real SNS publish latency, so both cases take similar time.
	NoSendDelay time.Duration `env:"OTP_NO_SEND_DELAY" default:"60ms" doc:"initial stand-in for SNS latency when no SMS is sent"`
	SMSSenderID string        `env:"SMS_SENDER_ID" default:"" doc:"SNS sender id, where the destination supports one"`
	DefaultLang string        `env:"DEFAULT_LANGUAGE" default:"en" doc:"SMS language when the account has none, and the freeze link's page's when the browser names none (en or zh)"`
	// Email (SES): codes that bind an address, and the notice to an address replaced or removed.
	EmailFrom        string        `env:"EMAIL_FROM" default:"Wallet <no-reply@wallet.example>" doc:"email: the sender of every email, an address (optionally with a display name) of an identity verified in SES (template parameter EmailFrom)"`
	OTPEmailHourly   int           `env:"OTP_EMAIL_HOURLY" default:"5" doc:"email codes sent per address per clock hour"`
	OTPEmailDaily    int           `env:"OTP_EMAIL_DAILY" default:"10" doc:"email codes sent per address per UTC day"`
	OTPEmailFailures int           `env:"OTP_EMAIL_FAILURES" default:"20" doc:"wrong email codes per address per UTC day, across challenges"`
	EmailDailyBudget int           `env:"EMAIL_DAILY_BUDGET" default:"10000" doc:"emails per UTC day, codes and notices, whole service"`
	RequestTimeout   time.Duration `env:"REQUEST_TIMEOUT" default:"8s" doc:"budget for one API request; past it the request answers 503 service_unavailable (keep it under the functions' 10 s Lambda timeout)"`

	SessionIdleTTL     time.Duration `env:"SESSION_IDLE_TTL" default:"720h" doc:"a session unused this long ends (30 days)"`
	RecentAuthWindow   time.Duration `env:"RECENT_AUTH_WINDOW" default:"5m" doc:"how long after its holder last proved a factor a session may make a sensitive change"`
	DeletionHold       time.Duration `env:"DELETION_HOLD" default:"168h" doc:"how long after a deletion request the account is closed (7 days); the holder may cancel until then"`
	SessionAbsoluteTTL time.Duration `env:"SESSION_ABSOLUTE_TTL" default:"2160h" doc:"a session ends this long after sign-in whatever its use (90 days)"`
	LoginMaxFailures   int           `env:"LOGIN_MAX_FAILURES" default:"5" doc:"wrong passwords in a row that lock sign-in"`
	LoginLock          time.Duration `env:"LOGIN_LOCK" default:"30m" doc:"the first sign-in lock; each lock within a day of the last doubles it"`
	LoginLockMax       time.Duration `env:"LOGIN_LOCK_MAX" default:"24h" doc:"the longest sign-in lock"`
	SignInIPHourly     int           `env:"SIGNIN_IP_HOURLY" default:"100" doc:"failed sign-ins per source IP per clock hour, against password spraying"`
	PaymentMaxFailures int           `env:"PAYMENT_MAX_FAILURES" default:"5" doc:"wrong payment passwords within PAYMENT_FAILURE_WINDOW that lock it"`
	PaymentWindow      time.Duration `env:"PAYMENT_FAILURE_WINDOW" default:"24h" doc:"window over which payment-password failures count"`
	PaymentLock        time.Duration `env:"PAYMENT_LOCK" default:"3h" doc:"how long a payment-password lock lasts"`
	Argon2MemoryKiB    int           `env:"ARGON2_MEMORY_KIB" default:"19456" doc:"argon2id memory (OWASP: 19 MiB)"`
	Argon2Time         int           `env:"ARGON2_TIME" default:"2" doc:"argon2id passes (OWASP: 2)"`
	EventTTL           time.Duration `env:"EVENT_TTL" default:"2160h" doc:"how long security events are kept in the table (90 days)"`
	AuditTTL           time.Duration `env:"AUDIT_TTL" default:"9600h" doc:"how long the audit items of customer-service actions are kept (400 days)"`
	AgreementVersion   string        `env:"AGREEMENT_VERSION" default:"2026-11" doc:"the user agreement a signup must accept"`

	PhoneChangeTTL      time.Duration `env:"PHONE_CHANGE_TTL" default:"30m" doc:"how long a started phone change waits for the new number's code"`
	PhoneChangeHold     time.Duration `env:"PHONE_CHANGE_HOLD" default:"24h" doc:"how long an identity-path phone change waits, cancellable, before it applies"`
	PhoneChangeInterval time.Duration `env:"PHONE_CHANGE_INTERVAL" default:"720h" doc:"one phone change per this long (30 days)"`
	IdentityPathClosed  time.Duration `env:"IDENTITY_PATH_CLOSED" default:"24h" doc:"after a password reset, a phone change needs the old number for this long"`

	// The inactive-account closure job (ClosureFunction).
	ClosureWarnMonths     int           `env:"CLOSURE_WARN_MONTHS" default:"11" doc:"closure job: months idle before the inactivity warning"`
	ClosureCloseMonths    int           `env:"CLOSURE_CLOSE_MONTHS" default:"12" doc:"closure job: months idle before the account is closed"`
	ClosureMinNotice      time.Duration `env:"CLOSURE_MIN_NOTICE" default:"168h" doc:"closure job: an account is closed no sooner than this after its warning (7 days)"`
	ClosureHorizonMonths  int           `env:"CLOSURE_HORIZON_MONTHS" default:"36" doc:"closure job: how many months back the activity index is read"`
	ClosureConcurrency    int           `env:"CLOSURE_CONCURRENCY" default:"4" doc:"closure job: index partitions read at once"`
	ClosurePageSize       int           `env:"CLOSURE_PAGE_SIZE" default:"100" doc:"closure job: index entries per page; progress is saved after each"`
	ClosureDeadlineMargin time.Duration `env:"CLOSURE_DEADLINE_MARGIN" default:"30s" doc:"closure job: stop starting pages this long before the Lambda deadline, and stop between entries half as long before it"`
	DryRun                bool          `env:"DRY_RUN" default:"false" doc:"closure job: change nothing, log what it would do"`
	AccountEventsTopicARN string        `env:"ACCOUNT_EVENTS_TOPIC_ARN" default:"" doc:"SNS topic for account.closed messages (AccountEventsTopic)"`

	// Passkeys (WebAuthn). The RP ID is a domain, never an IP address; every origin a client's
	// ceremony may come from is listed.
	RPID      string   `env:"RP_ID" default:"localhost" doc:"passkeys: the WebAuthn relying party id, the domain passkeys are bound to"`
	RPOrigins []string `env:"RP_ORIGINS" default:"http://localhost:3000" doc:"passkeys: comma-separated origins (scheme://host[:port]) a ceremony may come from"`
	RPName    string   `env:"RP_NAME" default:"Wallet Accounts" doc:"passkeys: the relying party's name an authenticator shows"`

	// Alerts (AlertFunction).
	FreezeLinkBase  string        `env:"FREEZE_LINK_BASE" default:"https://wallet.example/f/" doc:"alerts: the one-tap freeze link of an alert SMS is this followed by the freeze token; it must lead to this API's /f/ (the link's page): your domain mapped to the API on AWS (template parameter FreezeLinkBase), the local API's own locally (the stack sets it)"`
	FreezeTokenTTL  time.Duration `env:"FREEZE_TOKEN_TTL" default:"168h" doc:"alerts: how long the freeze link of an alert SMS works (7 days)"`
	AlertMarkerTTL  time.Duration `env:"ALERT_MARKER_TTL" default:"168h" doc:"alerts: how long a sent-marker is kept: a redelivery within it sends nothing (7 days)"`
	DefaultTimeZone string        `env:"DEFAULT_TIME_ZONE" default:"Asia/Shanghai" doc:"alerts: the time zone of alert texts for an account whose holder set none (IANA)"`

	// Payments (PaymentFunction; GET /v1/account shows the limits). The default limits follow the
	// PBoC payment-account classes (phone: 1,000 CNY for the account's life; real_name: 100,000
	// CNY a year; verified: 200,000 CNY a year) and the per-payment figures of 500 and 5,000 USD.
	PaymentLimits        limits.Table  `env:"PAYMENT_LIMITS" default:"phone.CNY.lifetime=1000 phone.USD.payment=500 phone.USD.day=1000 real_name.CNY.year=100000 real_name.USD.payment=5000 real_name.USD.day=10000 verified.CNY.year=200000 verified.USD.payment=5000 verified.USD.day=20000" doc:"payments: each verification level's limits, space-separated level.CURRENCY.window=amount (window: payment, day, year, lifetime); a currency a level does not list is refused at that level"`
	LimitsTimeZone       string        `env:"LIMITS_TIME_ZONE" default:"Asia/Shanghai" doc:"payments: the time zone of the day and year the limits count (IANA)"`
	AuthorizationTTL     time.Duration `env:"AUTHORIZATION_TTL" default:"5m" doc:"payments: how long an authorization waits for the holder's confirmation before it expires and releases its reservation"`
	AuthorizationHold    time.Duration `env:"AUTHORIZATION_HOLD" default:"168h" doc:"payments: how long an approved authorization holds its reservation without a capture or void before it is released (7 days)"`
	PasswordFreeCaps     []string      `env:"PASSWORD_FREE_CAPS" default:"50,100,200,500" doc:"payments: the per-payment caps a holder may choose for password-free payments (amounts in the chosen currency)"`
	PasswordFreeDailyMax string        `env:"PASSWORD_FREE_DAILY_MAX" default:"2000" doc:"payments: the highest daily cumulative cap of password-free payments (in the chosen currency)"`
	PasswordFreeCooldown time.Duration `env:"PASSWORD_FREE_COOLDOWN" default:"24h" doc:"payments: no password-free payment this long after a reset, a phone change or a new passkey"`
	// Identity verification (VerificationFunction; customer service decides on the internal API).
	IDVProvider      string `env:"IDV_PROVIDER" default:"manual" doc:"identity verification: manual (customer service decides each case on the internal API) or webhook (each case is sent to IDV_WEBHOOK_URL, whose decision comes back to POST /v1/identity-verifications/callback)"`
	IDVWebhookURL    string `env:"IDV_WEBHOOK_URL" default:"" doc:"identity verification: the vendor's URL each case is POSTed to, signed as the callback is; required with IDV_PROVIDER=webhook (template parameter IdvWebhookUrl)"`
	IDVWebhookSecret Secret `env:"IDV_WEBHOOK_SECRET" default:"" doc:"identity verification: the HMAC-SHA256 key (>= 32 bytes) shared with the vendor, for the cases sent and the callbacks received; required with IDV_PROVIDER=webhook, and without it every callback is refused"`
	IDVMaxAttempts   int    `env:"IDV_MAX_ATTEMPTS" default:"3" doc:"identity verification: cases an account may open per 30 days"`
}

// Load reads the configuration from getenv (os.Getenv in main), applying defaults, and checks it.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	v := reflect.ValueOf(&c).Elem()
	t := v.Type()
	var errs []error
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		raw := getenv(f.Tag.Get("env"))
		if raw == "" {
			raw = f.Tag.Get("default")
		}
		if err := set(v.Field(i), raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.Tag.Get("env"), err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, c.check()
}

func set(f reflect.Value, raw string) error {
	switch f.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
	case int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return err
		}
		f.SetInt(int64(n))
	case string, Secret:
		f.SetString(raw)
	case float64:
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return err
		}
		f.SetFloat(v)
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case []string:
		var out []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		f.Set(reflect.ValueOf(out))
	case limits.Table:
		var t limits.Table
		if err := t.UnmarshalText([]byte(raw)); err != nil {
			return err
		}
		f.Set(reflect.ValueOf(t))
	case secret.Keyring:
		r, err := secret.ParseKeyring(raw)
		if err != nil {
			return err
		}
		f.Set(reflect.ValueOf(r))
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}

func (c Config) check() error {
	var errs []error
	if c.Pepper.Empty() {
		errs = append(errs, errors.New("PEPPER is required"))
	}
	if c.OTPLength < 6 || c.OTPLength > 10 {
		errs = append(errs, errors.New("OTP_LENGTH must be 6..10"))
	}
	for name, n := range map[string]int{"OTP_MAX_ATTEMPTS": c.OTPMaxAttempts, "OTP_PHONE_FAILURES": c.OTPPhoneFailures,
		"OTP_PHONE_HOURLY": c.OTPPhoneHourly, "OTP_PHONE_DAILY": c.OTPPhoneDaily, "OTP_IP_HOURLY": c.OTPIPHourly,
		"OTP_PREFIX_HOURLY": c.OTPPrefixHourly, "SMS_DAILY_BUDGET": c.SMSDailyBudget,
		"LOGIN_MAX_FAILURES": c.LoginMaxFailures,
		"OTP_EMAIL_HOURLY":   c.OTPEmailHourly, "OTP_EMAIL_DAILY": c.OTPEmailDaily, "OTP_EMAIL_FAILURES": c.OTPEmailFailures,
		"EMAIL_DAILY_BUDGET": c.EmailDailyBudget, "PAYMENT_MAX_FAILURES": c.PaymentMaxFailures, "SIGNIN_IP_HOURLY": c.SignInIPHourly} {
		if n < 1 {
			errs = append(errs, fmt.Errorf("%s must be positive", name))
		}
	}
	if c.Argon2MemoryKiB < 8*1024 || c.Argon2Time < 1 {
		errs = append(errs, errors.New("ARGON2_MEMORY_KIB must be >= 8192 and ARGON2_TIME >= 1"))
	}
	if c.SessionIdleTTL <= 0 || c.SessionAbsoluteTTL < c.SessionIdleTTL {
		errs = append(errs, errors.New("SESSION_IDLE_TTL must be positive and at most SESSION_ABSOLUTE_TTL"))
	}
	if a, err := mail.ParseAddress(c.EmailFrom); err != nil || !strings.Contains(a.Address, "@") {
		errs = append(errs, errors.New("EMAIL_FROM must be an email address, optionally with a display name"))
	}
	if c.DefaultLang != "en" && c.DefaultLang != "zh" {
		errs = append(errs, errors.New("DEFAULT_LANGUAGE must be en or zh"))
	}
	errs = append(errs, c.checkPumping()...)
	errs = append(errs, c.checkClosure()...)
	errs = append(errs, c.checkAlerts()...)
	errs = append(errs, c.checkPasskeys()...)
	errs = append(errs, c.checkPayments()...)
	errs = append(errs, c.checkIDV()...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// checkPumping checks the SMS pumping settings: the window is read as whole clock hours, one key
// each, with every code request.
func (c Config) checkPumping() []error {
	var errs []error
	if c.PumpingWindow < time.Hour || c.PumpingWindow > 24*time.Hour || c.PumpingWindow%time.Hour != 0 {
		errs = append(errs, errors.New("PUMPING_WINDOW must be whole hours from 1h to 24h"))
	}
	if c.PumpingMinSends < 1 || c.PumpingCap < 1 || c.PumpingMinVerifyRate < 0 || c.PumpingMinVerifyRate > 1 {
		errs = append(errs, errors.New("PUMPING_MIN_SENDS and PUMPING_CAP must be positive, PUMPING_MIN_VERIFY_RATE from 0 to 1"))
	}
	return errs
}

// checkClosure checks the closure job's settings.
func (c Config) checkClosure() []error {
	var errs []error
	if c.ClosureWarnMonths < 1 || c.ClosureCloseMonths <= c.ClosureWarnMonths || c.ClosureHorizonMonths < c.ClosureCloseMonths {
		errs = append(errs, errors.New("closure months must be 1 <= CLOSURE_WARN_MONTHS < CLOSURE_CLOSE_MONTHS <= CLOSURE_HORIZON_MONTHS"))
	}
	if c.ClosureConcurrency < 1 || c.ClosurePageSize < 1 {
		errs = append(errs, errors.New("CLOSURE_CONCURRENCY and CLOSURE_PAGE_SIZE must be positive"))
	}
	if c.ClosureMinNotice < 0 || c.ClosureDeadlineMargin < 0 {
		errs = append(errs, errors.New("CLOSURE_MIN_NOTICE and CLOSURE_DEADLINE_MARGIN must not be negative"))
	}
	return errs
}

// Setting describes one environment variable, for documentation and for the local stack.
type Setting struct{ Env, Default, Doc string }

// Settings lists every setting in declaration order.
func Settings() []Setting {
	t := reflect.TypeOf(Config{})
	out := make([]Setting, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		out = append(out, Setting{f.Tag.Get("env"), f.Tag.Get("default"), f.Tag.Get("doc")})
	}
	return out
}

// Argon2Params are the argon2id parameters for new hashes, from ARGON2_MEMORY_KIB and ARGON2_TIME.
func (c Config) Argon2Params() secret.Params {
	p := secret.DefaultParams
	p.Memory, p.Time = uint32(c.Argon2MemoryKiB), uint32(c.Argon2Time)
	return p
}

// checkAlerts checks the alert settings (the default time zone is checked where it is loaded,
// by the alert service, so that other functions need no time zone data).
func (c Config) checkAlerts() []error {
	var errs []error
	if !strings.HasPrefix(c.FreezeLinkBase, "https://") && !strings.HasPrefix(c.FreezeLinkBase, "http://") {
		errs = append(errs, errors.New("FREEZE_LINK_BASE must be an http(s) URL"))
	}
	if c.FreezeTokenTTL <= 0 || c.AlertMarkerTTL <= 0 {
		errs = append(errs, errors.New("FREEZE_TOKEN_TTL and ALERT_MARKER_TTL must be positive"))
	}
	return errs
}

// checkPasskeys checks the relying party: a domain for RP_ID (WebAuthn accepts no IP address and
// no port), and origins that are http(s) URLs with a host and nothing after it.
func (c Config) checkPasskeys() []error {
	var errs []error
	if c.RPID == "" || strings.ContainsAny(c.RPID, ":/ ") || net.ParseIP(c.RPID) != nil {
		errs = append(errs, errors.New("RP_ID must be a domain name (not an IP address, no scheme or port)"))
	}
	if len(c.RPOrigins) == 0 {
		errs = append(errs, errors.New("RP_ORIGINS must name at least one origin"))
	}
	for _, o := range c.RPOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			errs = append(errs, fmt.Errorf("RP_ORIGINS: %q is not an origin (scheme://host[:port])", o))
		}
	}
	if c.RPName == "" {
		errs = append(errs, errors.New("RP_NAME must not be empty"))
	}
	return errs
}

// checkPayments checks the payment settings.
func (c Config) checkPayments() []error {
	var errs []error
	if c.LimitsTimeZone == "" {
		errs = append(errs, errors.New("LIMITS_TIME_ZONE must be an IANA time zone (PaymentFunction loads it at init)"))
	}
	if c.AuthorizationTTL <= 0 || c.AuthorizationHold < c.AuthorizationTTL || c.AuthorizationHold > 720*time.Hour || c.PasswordFreeCooldown < 0 {
		errs = append(errs, errors.New("AUTHORIZATION_TTL must be positive and at most AUTHORIZATION_HOLD, itself at most 720h (a limit counter outlives its period by 31 days); PASSWORD_FREE_COOLDOWN not negative"))
	}
	if len(c.PasswordFreeCaps) == 0 {
		errs = append(errs, errors.New("PASSWORD_FREE_CAPS must list at least one cap"))
	}
	return errs
}

// checkIDV checks identity verification's settings: a webhook provider needs an http(s) URL and
// a secret of at least 32 bytes.
func (c Config) checkIDV() []error {
	var errs []error
	if c.IDVMaxAttempts < 1 {
		errs = append(errs, errors.New("IDV_MAX_ATTEMPTS must be positive"))
	}
	switch c.IDVProvider {
	case "manual":
	case "webhook":
		u, err := url.Parse(c.IDVWebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, errors.New("IDV_WEBHOOK_URL must be an http(s) URL with IDV_PROVIDER=webhook"))
		}
		if len(c.IDVWebhookSecret) < 32 {
			errs = append(errs, errors.New("IDV_WEBHOOK_SECRET must be at least 32 bytes with IDV_PROVIDER=webhook"))
		}
	default:
		errs = append(errs, errors.New("IDV_PROVIDER must be manual or webhook"))
	}
	return errs
}

// Secret is a setting that is a secret: it never prints (%v, %+v and %#v show [redacted]).
type Secret string

func (Secret) String() string   { return "[redacted]" }
func (Secret) GoString() string { return "[redacted]" }
