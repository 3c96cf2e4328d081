package apigw

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/wallet-accounts/wallet/shared/account"
	"sync"
)

// MaxBody is the largest request body accepted, in bytes after any base64 decoding.
const MaxBody = 16 << 10

// maxFieldName caps a client-supplied field name echoed back in a problem's field member.
const maxFieldName = 64

const unknownFieldPrefix = "json: unknown field "

// Decode decodes the JSON object in req's body into dst, the one decoding path of the API. The
// body must be at most MaxBody bytes, say Content-Type application/json (charset utf-8 allowed),
// be valid UTF-8 with no escape that names no character, hold exactly one JSON object, no name
// twice in any object, and only fields dst knows. Nothing is repaired: what a parser in front of
// the API might read differently is refused. A client's mistake is an
// *account.Error whose message never repeats the input; a dst that is not a non-nil pointer is
// a programming error, returned as a plain error.
func Decode(req events.APIGatewayV2HTTPRequest, dst any) error {
	body, err := readBody(req)
	if err != nil {
		return err
	}
	if err := checkStrict(body, fieldNames(reflect.TypeOf(dst))); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return account.Errorf(account.CodeMalformedJSON, "request body must hold a single JSON value")
	}
	return nil
}

// readBody checks req's size and media type and returns its body, base64-decoded if need be.
func readBody(req events.APIGatewayV2HTTPRequest) ([]byte, error) {
	body, err := rawBody(req, account.CodeMalformedJSON)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		if err := checkContentType(Header(req, "Content-Type")); err != nil {
			return nil, err
		}
	}
	return body, checkObject(body)
}

// rawBody returns req's body, base64-decoded if need be, refused when it is longer than MaxBody;
// a body that is not valid base64 is refused with code.
func rawBody(req events.APIGatewayV2HTTPRequest, code account.Code) ([]byte, error) {
	if len(req.Body) > maxRawBody(req.IsBase64Encoded) {
		return nil, tooLarge()
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return nil, account.Errorf(code, "request body is not valid base64")
		}
		body = decoded
	}
	if len(body) > MaxBody {
		return nil, tooLarge()
	}
	return body, nil
}

// maxRawBody is the longest body string that can decode to at most MaxBody bytes.
func maxRawBody(base64Encoded bool) int {
	if base64Encoded {
		return base64.StdEncoding.EncodedLen(MaxBody)
	}
	return MaxBody
}

func tooLarge() error {
	return account.Errorf(account.CodeBodyTooLarge, "request body exceeds %d bytes", MaxBody)
}

// checkContentType accepts application/json with at most a utf-8 charset. A body without it, or
// form-encoded, is what a CORS "simple" request carries: any web page could make its visitors'
// browsers send one, each from the visitor's own address, past the per-IP limits. The one
// exception is CheckForm's.
func checkContentType(value string) error {
	return checkMediaType(value, contentJSON)
}

// checkMediaType accepts the media type want with at most a utf-8 charset.
func checkMediaType(value, want string) error {
	unsupported := account.Errorf(account.CodeUnsupportedMedia, "request body must be %s", want)
	mediaType, params, err := mime.ParseMediaType(value)
	if err != nil || mediaType != want {
		return unsupported
	}
	for name, v := range params {
		if name != "charset" || !strings.EqualFold(v, "utf-8") {
			return unsupported
		}
	}
	return nil
}

// checkObject refuses an empty body and a JSON value that is not an object.
func checkObject(body []byte) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return account.Errorf(account.CodeMalformedJSON, "request body is empty")
	}
	if trimmed[0] != '{' && json.Valid(trimmed) {
		return account.Errorf(account.CodeInvalidType, "request body must be a JSON object")
	}
	return nil
}

// checkStrict refuses what encoding/json would repair or read differently from other parsers:
// invalid UTF-8 (it turns each bad byte into U+FFFD, so different bytes would sign in as one
// password), a \u escape that names no character (a lone surrogate, repaired the same way), and
// a name twice in one object at any depth, also when the two differ only in case (encoding/json
// matches names case-insensitively, so {"password":…,"PASSWORD":…} fills one field, and the last
// wins there, the first in other parsers), and a name that is a field's only in another case
// ({"PASSWORD":…}: a filter in front of the API that looks for "password" would not see it).
// known holds the exact names dst's fields take (nil: any). Other syntax errors are left to the
// decoder, which reports them as it always has.
func checkStrict(body []byte, known map[string]bool) error {
	if !utf8.Valid(body) {
		return invalidUTF8()
	}
	err := names(body, known)
	var variant caseVariant
	switch {
	case errors.Is(err, errDuplicateName):
		return account.Errorf(account.CodeDuplicateKey, "request body names a field twice in one object")
	case errors.As(err, &variant):
		return unknownField(strconv.Quote(string(variant)))
	case err != nil: // not JSON: Decode says so
		return nil
	case tokens(body) != nil: // the bytes are UTF-8 and the syntax is sound: an escape failed
		return invalidUTF8()
	}
	return nil
}

var errDuplicateName = errors.New("a name twice in one object")

// caseVariant is a name that matches a field only in another case.
type caseVariant string

func (v caseVariant) Error() string { return "a field's name in another case" }

// names reads body's tokens (escapes that name no character allowed, so only the names are
// judged) and fails with errDuplicateName when an object holds two names that encoding/json
// would take for the same field, and with a caseVariant for a name that is not one of known but
// would be matched to one.
func names(body []byte, known map[string]bool) error {
	folded := map[string]bool{}
	for name := range known {
		folded[foldName(name)] = true
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
	type frame struct {
		object, atName bool
		seen           map[string]bool
	}
	var stack []frame
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		kind := tok.Kind()
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].atName && kind == '"' {
			name := tok.String()
			f := foldName(name)
			if stack[n-1].seen[f] {
				return errDuplicateName
			}
			if known != nil && !known[name] && folded[f] {
				return caseVariant(name)
			}
			stack[n-1].seen[f], stack[n-1].atName = true, false
			continue
		}
		switch kind {
		case '{':
			stack = append(stack, frame{object: true, atName: true, seen: map[string]bool{}})
			continue
		case '[':
			stack = append(stack, frame{})
			continue
		case '}', ']':
			stack = stack[:len(stack)-1]
		}
		if n := len(stack); n > 0 && stack[n-1].object { // a value ended: a name comes next
			stack[n-1].atName = true
		}
	}
}

// fieldNames returns the JSON names of every struct field reachable from t (through pointers,
// slices, arrays and embedded structs), as encoding/json spells them; nil when t reaches a map or
// an interface, whose keys are free.
func fieldNames(t reflect.Type) map[string]bool {
	if cached, ok := fieldNamesCache.Load(t); ok {
		return cached.(map[string]bool)
	}
	names := map[string]bool{}
	if !collectNames(t, names, map[reflect.Type]bool{}) {
		names = nil
	}
	fieldNamesCache.Store(t, names)
	return names
}

var fieldNamesCache sync.Map // reflect.Type -> map[string]bool

func collectNames(t reflect.Type, into map[string]bool, seen map[reflect.Type]bool) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Map, reflect.Interface:
		return false
	case reflect.Struct:
	default:
		return true
	}
	if seen[t] {
		return true
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported() && !f.Anonymous:
			continue
		case f.Anonymous && name == "":
		case name == "":
			into[f.Name] = true
		default:
			into[name] = true
		}
		if !collectNames(f.Type, into, seen) {
			return false
		}
	}
	return true
}

// foldName is the form under which encoding/json matches a name to a field (Unicode case
// folding: "PASSWORD", "password" and "paſſword" are one).
func foldName(name string) string {
	return strings.Map(func(r rune) rune { return unicode.ToUpper(unicode.ToLower(r)) }, name)
}

// tokens reads every token of body with jsontext's defaults and returns the first error, or nil
// at its end.
func tokens(body []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	for {
		if _, err := dec.ReadToken(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func invalidUTF8() error {
	return account.Errorf(account.CodeInvalidUTF8, "request body is not valid UTF-8 text")
}

// decodeError turns an error of json.Decoder.Decode into the client's error.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var invalid *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &invalid):
		return err
	case errors.As(err, &typeErr):
		return account.FieldError(account.CodeInvalidType, typeErr.Field, typeMessage(typeErr))
	case strings.HasPrefix(err.Error(), unknownFieldPrefix):
		return unknownField(strings.TrimPrefix(err.Error(), unknownFieldPrefix))
	}
	if e, ok := account.As(err); ok { // from a field type's own UnmarshalJSON
		return e
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return account.Errorf(account.CodeMalformedJSON, "request body is not valid JSON")
	}
	return account.Errorf(account.CodeInvalidField, "request body has an invalid value")
}

// unknownField names the unknown field, quoted as encoding/json reports it, capped in length.
func unknownField(quoted string) error {
	name, err := strconv.Unquote(quoted)
	if err != nil {
		name = ""
	}
	name = strings.ToValidUTF8(name, "")
	for len(name) > maxFieldName {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return account.FieldError(account.CodeUnknownField, name, "request body has a field this route does not accept")
}

// typeMessage says what JSON type the field needs, without repeating the value sent.
func typeMessage(e *json.UnmarshalTypeError) string {
	want := jsonKind(e.Type)
	if e.Field == "" {
		return "request body must be " + want
	}
	return "field " + e.Field + " must be " + want
}

func jsonKind(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "of another type"
}
