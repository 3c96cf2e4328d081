package secret

import (
	"strings"
	"unicode/utf8"

	"github.com/wallet-accounts/wallet/shared/account"
)

// QuestionCount is how many security questions an account answers.
const QuestionCount = 3

// MaxAnswerRunes is the longest normalised security answer accepted.
const MaxAnswerRunes = 64

const fieldSecurityAnswers = "securityAnswers"

// Question is one security question of the catalogue. ID is stable: it is stored with the
// answer's hash and sent by clients.
type Question struct {
	ID string
	EN string
	ZH string
}

// catalogue favours answers that are memorable, stable over a lifetime and not public record
// (no mother's maiden name, no birthplace, no favourite colour).
var catalogue = [...]Question{
	{"first_school", "What was the name of the first school you attended?", "您就读的第一所学校叫什么名字？"},
	{"childhood_friend", "What was the first name of your best friend in childhood?", "您童年时最好的朋友叫什么名字？"},
	{"first_pet", "What was the name of your first pet?", "您养的第一只宠物叫什么名字？"},
	{"childhood_street", "What was the name of the street you lived on as a child?", "您小时候住的那条街叫什么名字？"},
	{"first_teacher", "What was the family name of your first teacher?", "您的第一位老师姓什么？"},
	{"first_job_city", "In which city did you have your first job?", "您的第一份工作在哪个城市？"},
	{"parents_met_city", "In which city did your parents meet?", "您的父母是在哪个城市相识的？"},
	{"first_concert", "Whose concert was the first one you went to?", "您看的第一场演唱会是谁的？"},
	{"childhood_hero", "Who was your hero when you were a child?", "您童年时的偶像是谁？"},
	{"first_car", "What was the make and model of your first car?", "您的第一辆车是什么品牌和型号？"},
	{"childhood_book", "What was your favourite book as a child?", "您童年时最喜欢的书是哪一本？"},
	{"childhood_nickname", "What was your nickname as a child?", "您小时候的小名是什么？"},
	{"first_flight_city", "To which city did you take your first flight?", "您第一次坐飞机去的是哪个城市？"},
	{"first_manager", "What was the first name of your first manager?", "您第一位上司叫什么名字？"},
	{"grandfather_city", "In which city was your paternal grandfather born?", "您的祖父出生在哪个城市？"},
}

// Questions returns the catalogue of security questions, in display order. The slice is the
// caller's.
func Questions() []Question {
	return append([]Question(nil), catalogue[:]...)
}

// CheckQuestions checks the question ids an account chose: exactly QuestionCount distinct ids from
// the catalogue, else invalid_security_questions.
func CheckQuestions(ids []string) error {
	if len(ids) != QuestionCount {
		return account.FieldError(account.CodeInvalidQuestions, fieldSecurityAnswers,
			"exactly 3 security questions are required")
	}
	for i, id := range ids {
		if !knownQuestion(id) {
			return account.FieldError(account.CodeInvalidQuestions, fieldSecurityAnswers,
				"unknown security question")
		}
		for _, prev := range ids[:i] {
			if prev == id {
				return account.FieldError(account.CodeInvalidQuestions, fieldSecurityAnswers,
					"the 3 security questions must be different")
			}
		}
	}
	return nil
}

func knownQuestion(id string) bool {
	for _, q := range catalogue {
		if q.ID == id {
			return true
		}
	}
	return false
}

// NormalizeAnswer returns the form of a security answer that is hashed and compared: Unicode
// NFKC (full-width letters and digits become ASCII, the ideographic space a space), surrounding
// white space trimmed and every inner run of white space made one space. Case is kept: answers
// are case-sensitive.
func NormalizeAnswer(s string) string {
	return strings.Join(strings.Fields(NormalizePassword(s)), " ")
}

// CheckAnswer returns the normalised answer, or invalid_security_questions when it is empty or
// longer than MaxAnswerRunes.
func CheckAnswer(s string) (string, error) {
	a := NormalizeAnswer(s)
	if a == "" {
		return "", account.FieldError(account.CodeInvalidQuestions, fieldSecurityAnswers,
			"a security answer must not be empty")
	}
	if utf8.RuneCountInString(a) > MaxAnswerRunes {
		return "", account.FieldError(account.CodeInvalidQuestions, fieldSecurityAnswers,
			"a security answer must be at most 64 characters")
	}
	return a, nil
}

// CheckAnswerApart refuses a normalised answer that would give away another secret or be given
// away by what is known: one equal to the login or the payment password (one leaked, the other
// with it), or one that contains the phone's national number (the answer would be the number a
// SIM swapper already has). The comparison ignores case and the separators " .-_/".
func CheckAnswerApart(answer string, p Personal, loginPassword, paymentPassword string) error {
	fold := func(s string) string { return stripSeparators(strings.ToLower(NormalizeAnswer(s))) }
	a := fold(answer)
	switch {
	case a == fold(loginPassword) || a == fold(paymentPassword):
		return account.FieldError(account.CodeInvalidQuestions, fieldSecurityAnswers,
			"a security answer must not be the login or payment password")
	case len(nationalNumber(p.Phone)) >= minPhoneDigits && strings.Contains(a, nationalNumber(p.Phone)):
		return account.FieldError(account.CodeInvalidQuestions, fieldSecurityAnswers,
			"a security answer must not contain the phone number")
	}
	return nil
}
