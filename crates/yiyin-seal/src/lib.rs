//! The one seal (一颗印章管审批): SM2 key pairs of the approval seals, kept encrypted at rest; SM2
//! signatures with SM3 digests (GM/T 0009 default user ID) over canonical records; the seal's
//! drawing; and e-licence identifiers after GB/T 36904.
//!
//! Modules: [`keys`] (generation, passphrase encryption with Argon2id and SM4-GCM, PEM export),
//! [`canonical`] (the canonical JSON a signature covers), [`sealed`] (a signed document and its
//! verification), [`drawing`] (the red round seal), [`licence`] (e-licence identifiers),
//! [`authority`] (the local seal-making authority: root and seal certificates, CRL) and [`ses`]
//! (the GB/T 38540 seal and signature structures).

pub mod authority;
pub mod canonical;
pub mod drawing;
pub mod keys;
pub mod licence;
pub mod sealed;
pub mod ses;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use keys::{KeyError, SealKey};
pub use sealed::{SealInfo, SealedDocument, VerifyError};

/// The default SM2 user ID of GM/T 0009 (the distinguishing identifier `1234567812345678`).
pub const DISTID: &str = "1234567812345678";

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Bytes of a hex string.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The SM3 digest of bytes, in hex.
pub fn sm3_hex(data: &[u8]) -> String {
    use sm3::Digest;
    hex(&sm3::Sm3::digest(data))
}
