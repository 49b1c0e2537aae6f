package builtin

import (
	"regexp"
	"strings"
	"testing"
)

// likeOracle translates a LIKE pattern to an anchored regular expression.
func likeOracle(p string) (*regexp.Regexp, bool) {
	var b strings.Builder
	b.WriteString("(?s)^")
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\\':
			if i+1 == len(rs) {
				return nil, false
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()), true
}

func FuzzLike(f *testing.F) {
	for _, seed := range [][2]string{{"hello", "h%o"}, {"abc", "%%c"}, {"a%b", `a\%b`}, {"héllo", "h_llo"}, {"", "%"}, {"aaa", "a%a%a"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, s, p string) {
		if !utf8Valid(s) || !utf8Valid(p) {
			return
		}
		got, err := Like(s, p, false)
		re, ok := likeOracle(p)
		if !ok {
			if err == nil {
				t.Fatalf("Like(%q, %q) accepted a pattern ending in an escape", s, p)
			}
			return
		}
		if err != nil {
			t.Fatalf("Like(%q, %q): %v", s, p, err)
		}
		if want := re.MatchString(s); got != want {
			t.Fatalf("Like(%q, %q) = %v, want %v", s, p, got, want)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
