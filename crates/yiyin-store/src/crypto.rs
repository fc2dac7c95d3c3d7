//! Small cryptographic helpers of the store: SM3 digests in hex, random tokens and codes, and argon2id
//! password hashes.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sm3::{Digest, Sm3};

/// The SM3 digest of `data`, as 64 lower-case hex digits.
pub fn sm3_hex(data: &[u8]) -> String {
    hex(&Sm3::digest(data))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// `n` random bytes from the operating system.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the operating system's random source works");
    buf
}

/// A random token (session, CSRF): 32 bytes in hex.
pub fn random_token() -> String {
    hex(&random_bytes(32))
}

/// A random code of `len` characters from an alphabet without look-alikes (no 0/O, 1/I/L).
pub fn random_code(len: usize) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    random_bytes(len)
        .into_iter()
        .map(|b| ALPHABET[(b as usize) % ALPHABET.len()] as char)
        .collect()
}

/// An argon2id PHC string for a password.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing with default parameters")
        .to_string()
}

/// Whether `password` matches the PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_standard_vector() {
        // GB/T 32905-2016, example 1: "abc".
        assert_eq!(
            sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn passwords() {
        let h = hash_password("正确的密码 123");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("正确的密码 123", &h));
        assert!(!verify_password("错误的密码", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn codes() {
        let c = random_code(6);
        assert_eq!(c.len(), 6);
        assert!(
            c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() && !"01OIL".contains(ch))
        );
        assert_ne!(random_token(), random_token());
    }
}
