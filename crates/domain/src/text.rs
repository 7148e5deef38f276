//! Vietnamese text normalisation: NFC storage form, single-line cleaning and accent-insensitive folding for search.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Returns `s` in Unicode NFC (dạng dựng sẵn), the form we store, so that "ệ" typed on macOS (NFD) and on
/// Windows (NFC) compare equal.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Cleans a single-line input (names, titles): NFC, trimmed, with every internal whitespace run collapsed to one space.
pub fn clean_line(s: &str) -> String {
    collapse_whitespace(&nfc(s))
}

/// Folds Vietnamese text for accent-insensitive search (bỏ dấu): "Đường Nguyễn Huệ" → "duong nguyen hue".
///
/// Decomposes, drops combining marks, maps đ/Đ to d, lowercases and collapses whitespace. The result does not
/// depend on whether the input was NFC or NFD. `Ð` (U+00D0, Icelandic eth) is also mapped to `d` because legacy
/// TCVN3/VNI conversions often produce it in place of `Đ` (U+0110).
pub fn fold_vietnamese(s: &str) -> String {
    let stripped: String = strip_marks(s)
        .map(|c| match c {
            'đ' | 'Đ' | 'Ð' => 'd',
            other => other,
        })
        .collect();
    // Lowercasing can reintroduce combining marks (e.g. 'İ' → "i\u{307}"), so strip once more.
    let lowered = stripped.to_lowercase();
    let folded: String = strip_marks(&lowered).collect();
    collapse_whitespace(&folded)
}

/// Canonically decomposes `s` and yields every character that is not a combining mark.
fn strip_marks(s: &str) -> impl Iterator<Item = char> + '_ {
    s.nfd().filter(|c| !is_combining_mark(*c))
}

/// Trims and collapses every whitespace run to one ASCII space.
fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every Vietnamese letter, lower and upper case, in NFC.
    fn vietnamese_letters() -> Vec<char> {
        let vowels = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'];
        // none, huyền, sắc, hỏi, ngã, nặng
        let tones = ["", "\u{300}", "\u{301}", "\u{309}", "\u{303}", "\u{323}"];
        let mut letters = Vec::new();
        for v in vowels {
            for t in tones {
                let composed = nfc(&format!("{v}{t}"));
                letters.extend(composed.chars());
            }
        }
        letters.extend("bcdđghklmnpqrstvx".chars());
        let upper: Vec<char> = letters.iter().flat_map(|c| c.to_uppercase()).collect();
        letters.extend(upper);
        letters
    }

    fn vietnamese_text() -> impl Strategy<Value = String> {
        let mut alphabet = vietnamese_letters();
        alphabet.extend([' ', ' ', '\t', '\n']);
        proptest::collection::vec(proptest::sample::select(alphabet), 0..40).prop_map(|v| v.into_iter().collect())
    }

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    #[test]
    fn alphabet_has_every_precomposed_letter() {
        // 12 vowels × 6 tones + 17 consonants, each in two cases.
        let mut letters = vietnamese_letters();
        letters.sort_unstable();
        letters.dedup();
        assert_eq!(letters.len(), (12 * 6 + 17) * 2);
    }

    #[test]
    fn folds_official_street_and_unit_names() {
        let cases = [
            ("Đường Nguyễn Huệ", "duong nguyen hue"),
            ("Thừa Thiên Huế", "thua thien hue"),
            ("  Phường   Phú Xuân ", "phuong phu xuan"),
            ("Xã Chân Mây - Lăng Cô", "xa chan may - lang co"),
            ("ĐỖ THỊ ỨNG", "do thi ung"),
            ("Ðà Nẵng", "da nang"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(fold_vietnamese(input), expected, "input {input:?}");
            assert_eq!(fold_vietnamese(&nfd(input)), expected, "NFD of {input:?}");
        }
    }

    #[test]
    fn clean_line_trims_collapses_and_composes() {
        assert_eq!(clean_line("  Nguyễn\t\tVăn \n An  "), "Nguyễn Văn An");
        assert_eq!(clean_line(&nfd("Huế")), "Huế");
        assert_eq!(clean_line(&nfd("Huế")).chars().count(), 3);
    }

    #[test]
    fn nfc_composes_decomposed_input() {
        assert_eq!(nfc("e\u{302}\u{323}"), "ệ");
    }

    proptest! {
        #[test]
        fn folding_is_idempotent(s in any::<String>()) {
            let once = fold_vietnamese(&s);
            prop_assert_eq!(fold_vietnamese(&once), once);
        }

        #[test]
        fn folding_vietnamese_is_idempotent(s in vietnamese_text()) {
            let once = fold_vietnamese(&s);
            prop_assert_eq!(fold_vietnamese(&once), once);
        }

        #[test]
        fn folding_ignores_normalisation_form(s in any::<String>()) {
            prop_assert_eq!(fold_vietnamese(&nfd(&s)), fold_vietnamese(&nfc(&s)));
        }

        #[test]
        fn folding_vietnamese_ignores_normalisation_form(s in vietnamese_text()) {
            prop_assert_eq!(fold_vietnamese(&nfd(&s)), fold_vietnamese(&nfc(&s)));
        }

        #[test]
        fn folded_vietnamese_is_ascii(s in vietnamese_text()) {
            let folded = fold_vietnamese(&s);
            prop_assert!(folded.chars().all(|c| c <= '\u{7f}'), "{:?} → {:?}", s, folded);
        }

        #[test]
        fn clean_line_is_idempotent(s in any::<String>()) {
            let once = clean_line(&s);
            prop_assert_eq!(clean_line(&once), once);
        }
    }
}
