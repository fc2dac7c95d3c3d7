//! E-licence identifiers after the structure of GB/T 36904 (电子证照标识): the licence type code, the
//! issuing agency's unified social credit code, a serial number, a version number and a check
//! character (ISO/IEC 7064 MOD 37,36 over the preceding characters).

/// The 36 characters of MOD 37,36.
const CHARSET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The MOD 37,36 check character of alphanumeric text (upper case).
pub fn check_char(text: &str) -> Option<char> {
    let m = 36u32;
    let mut p = m;
    for c in text.chars() {
        let v = CHARSET.iter().position(|x| *x as char == c)? as u32;
        let mut s = (p + v) % m;
        if s == 0 {
            s = m;
        }
        p = (2 * s) % (m + 1);
    }
    Some(CHARSET[((m + 1 - p) % m) as usize] as char)
}

/// Builds an identifier: type code (letters and digits, up to 8), the issuer's 18-character credit
/// code, an 8-digit serial, a 2-digit version, the check character.
pub fn identifier(type_code: &str, issuer_credit_code: &str, serial: u64, version: u32) -> String {
    let ty: String = type_code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect::<String>()
        .to_ascii_uppercase();
    let body = format!("{ty}{issuer_credit_code}{serial:08}{version:02}");
    let check = check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// Whether an identifier's check character is right.
pub fn is_valid(identifier: &str) -> bool {
    let id = identifier.trim();
    let Some(last) = id.chars().last() else {
        return false;
    };
    id.len() > 30 && check_char(&id[..id.len() - 1]) == Some(last)
}

/// The issuer's credit code inside an identifier (for display), if it has the expected shape.
pub fn issuer_of(identifier: &str, type_len: usize) -> Option<&str> {
    identifier.get(type_len..type_len + 18)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_carry_a_check_character() {
        let id = identifier("hy-sc-001", "11610921MB0H109215", 42, 1);
        assert_eq!(&id[..6], "HYSC00");
        assert!(id.contains("11610921MB0H109215"));
        assert!(id.contains("0000004201"));
        assert!(is_valid(&id));
        // Any single change is caught.
        for i in 0..id.len() - 1 {
            let mut b = id.clone().into_bytes();
            b[i] = if b[i] == b'7' { b'8' } else { b'7' };
            let changed = String::from_utf8(b).unwrap();
            if changed != id {
                assert!(!is_valid(&changed), "{changed}");
            }
        }
        assert_eq!(issuer_of(&id, 7), Some("11610921MB0H109215"));
    }
}
