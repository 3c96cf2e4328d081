package courier

import "testing"

// TestFit: the values others chose are shown whole when they fit, cut when not, and in an
// English text only in GSM-7.
func TestFit(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(any) string
		in   string
		want string
	}{
		{"a short name", merchantEN, "Harbour Electronics", "Harbour Electronics"},
		{"a long name", merchantEN, "Harbour Electronics Kowloon Branch", "Harbour Electroni..."},
		{"the topic's cut", merchantEN, "Harbour…", "Harbour..."},
		{"extension characters count two", merchantEN, "[Harbour] {Electronics}", "[Harbour] {Ele..."},
		{"a Chinese name in English", merchantEN, "港湾电子", ""},
		{"an emoji in English", merchantEN, "Harbour 😀", ""},
		{"a Chinese name", merchantZH, "港湾电子", "港湾电子"},
		{"a long Chinese name", merchantZH, "港湾电子商城有限公司港湾电子商城有限公司港湾", "港湾电子商城有限公司港湾电子商城有限公…"},
		{"emoji count two in Chinese", merchantZH, "😀😀😀😀😀😀😀😀😀😀😀", "😀😀😀😀😀😀😀😀😀…"},
		{"a short address", emailEN, "l***@example.com", "l***@example.com"},
		{"a long address keeps its end", emailEN, "l***@mail.example-university.edu.cn", "l***@...mple-university.edu.cn"},
		{"a Chinese address in English", emailEN, "李***@例子.中国", "?***@??.??"},
		{"a long Chinese address", emailZH, "李***@邮件.例子例子例子例子例子例子例子例子例子例子例子.中国", "李***@…子例子例子例子例子例子例子例子例子例子例子.中国"},
	} {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%s: %q -> %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}
