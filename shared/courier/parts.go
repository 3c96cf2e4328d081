package courier

import (
	"strings"
	"unicode/utf16"
)

// SMS is paid per part, so every text is measured as a phone network sends it (GSM 03.38):
// in the GSM 7-bit alphabet when every character is in it, 160 septets in one part, 153 a part
// when concatenated (the rest of each is the header that joins them); otherwise the whole text
// goes as UCS-2, 70 UTF-16 units in one part, 67 a part when concatenated.
const (
	EncodingGSM7 = "GSM-7"
	EncodingUCS2 = "UCS-2"
)

const (
	gsmSingle, gsmPart = 160, 153
	ucsSingle, ucsPart = 70, 67
)

// gsmBasic is the GSM 03.38 default alphabet (one septet each); gsmExtension is its extension
// table, whose characters take two septets (an escape, then the character).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// Parts returns how many SMS parts text takes and in which encoding it goes: EncodingGSM7 when
// every character is in the GSM 7-bit alphabet or its extension table, else EncodingUCS2. A
// character never straddles two parts: an extension character (2 septets) or a surrogate pair
// (2 UTF-16 units) that would leaves one unit of a part empty. An empty text is one part.
func Parts(text string) (parts int, encoding string) {
	units, ok := gsmUnits(text)
	single, part := gsmSingle, gsmPart
	encoding = EncodingGSM7
	if !ok {
		units, single, part, encoding = ucsUnits(text), ucsSingle, ucsPart, EncodingUCS2
	}
	total := 0
	for _, u := range units {
		total += u
	}
	if total <= single {
		return 1, encoding
	}
	parts, used := 1, 0
	for _, u := range units {
		if used+u > part {
			parts, used = parts+1, 0
		}
		used += u
	}
	return parts, encoding
}

// SMSLength is how long text is in its encoding: septets in GSM-7, UTF-16 units in UCS-2.
func SMSLength(text string) (n int, encoding string) {
	units, ok := gsmUnits(text)
	if !ok {
		units, encoding = ucsUnits(text), EncodingUCS2
	} else {
		encoding = EncodingGSM7
	}
	for _, u := range units {
		n += u
	}
	return n, encoding
}

// gsmUnits is the septets of each character of text; false when one is not in GSM-7.
func gsmUnits(text string) ([]int, bool) {
	units := make([]int, 0, len(text))
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			units = append(units, 1)
		case strings.ContainsRune(gsmExtension, r):
			units = append(units, 2)
		default:
			return nil, false
		}
	}
	return units, true
}

// ucsUnits is the UTF-16 units of each character of text: 2 for one outside the Basic
// Multilingual Plane (an emoji), else 1.
func ucsUnits(text string) []int {
	units := make([]int, 0, len(text))
	for _, r := range text {
		units = append(units, max(utf16.RuneLen(r), 1)) // an invalid byte goes as U+FFFD, one unit
	}
	return units
}
