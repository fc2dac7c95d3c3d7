//! Seal keys: SM2 key pairs generated from the operating system's randomness, the private key kept
//! only encrypted — Argon2id derives a key from the passphrase given at start-up, SM4-GCM encrypts —
//! and the public key published as hex (SEC1, uncompressed) and PEM (for OpenSSL and others).

use aes_gcm::AesGcm;
use aes_gcm::aead::{Aead, KeyInit};
use sm2::SecretKey;
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::pkcs8::{EncodePublicKey, LineEnding};

use crate::{DISTID, hex, unhex};

type Sm4Gcm = AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

/// The version tag of an encrypted key.
const FORMAT: &str = "yiyin-sm2-key-v1";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("印章口令错误，或印章密钥已损坏，无法解密")]
    WrongPassphrase,
    #[error("印章密钥格式无效：{0}")]
    Malformed(String),
    #[error("印章口令至少8个字符")]
    WeakPassphrase,
}

/// An SM2 seal key pair held in memory.
#[derive(Clone)]
pub struct SealKey {
    signing: SigningKey,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealKey({})", self.public_hex())
    }
}

fn random(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the operating system's random source works");
    buf
}

impl SealKey {
    /// A new key pair.
    pub fn generate() -> Self {
        loop {
            if let Ok(secret) = SecretKey::from_slice(&random(32))
                && let Ok(signing) = SigningKey::new(DISTID, &secret)
            {
                return SealKey { signing };
            }
        }
    }

    /// A key pair anyone can derive from a public `label` (its SM3 digest, digested again until it
    /// is a valid secret): a signature by it proves nothing but that the bytes are unchanged. For
    /// what has no legal effect (a simulated document, 模拟文书), never for a seal.
    pub fn well_known(label: &str) -> Self {
        use sm3::Digest;
        let mut seed = sm3::Sm3::digest(label.as_bytes());
        loop {
            if let Ok(secret) = SecretKey::from_slice(&seed)
                && let Ok(signing) = SigningKey::new(DISTID, &secret)
            {
                return SealKey { signing };
            }
            seed = sm3::Sm3::digest(seed);
        }
    }

    /// The public key, SEC1 uncompressed, in hex (`04` + x + y).
    pub fn public_hex(&self) -> String {
        hex(&self.signing.verifying_key().to_sec1_bytes())
    }

    /// The public key as a PEM SubjectPublicKeyInfo (SM2 curve), for OpenSSL.
    pub fn public_pem(&self) -> String {
        public_pem(&self.public_hex()).expect("own key encodes")
    }

    /// The SM2 signing key (for the certificate builder).
    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// Signs bytes: SM2 with the SM3 digest over Z(ID, key) ‖ message, DER-encoded.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: Signature = self.signing.sign(message);
        sig.to_der().as_bytes().to_vec()
    }

    /// The private key encrypted with a passphrase: `yiyin-sm2-key-v1$salt$nonce$ciphertext` (hex).
    pub fn encrypt(&self, passphrase: &str) -> Result<String, KeyError> {
        if passphrase.chars().count() < 8 {
            return Err(KeyError::WeakPassphrase);
        }
        let salt = random(16);
        let nonce = random(12);
        let cipher = Sm4Gcm::new_from_slice(&derive(passphrase, &salt)?).expect("16-byte key");
        let plain = self.signing.to_bytes();
        let sealed = cipher
            .encrypt(
                nonce.as_slice().try_into().expect("12-byte nonce"),
                plain.as_slice(),
            )
            .map_err(|_| KeyError::Malformed("加密失败".into()))?;
        Ok(format!(
            "{FORMAT}${}${}${}",
            hex(&salt),
            hex(&nonce),
            hex(&sealed)
        ))
    }

    /// Decrypts a key made by [`SealKey::encrypt`].
    pub fn decrypt(encrypted: &str, passphrase: &str) -> Result<Self, KeyError> {
        let parts: Vec<&str> = encrypted.split('$').collect();
        let [format, salt, nonce, sealed] = parts.as_slice() else {
            return Err(KeyError::Malformed("分段数不对".into()));
        };
        if *format != FORMAT {
            return Err(KeyError::Malformed(format!("未知格式「{format}」")));
        }
        let bad = || KeyError::Malformed("不是十六进制".into());
        let (salt, nonce, sealed) = (
            unhex(salt).ok_or_else(bad)?,
            unhex(nonce).ok_or_else(bad)?,
            unhex(sealed).ok_or_else(bad)?,
        );
        if nonce.len() != 12 {
            return Err(KeyError::Malformed("随机数长度不对".into()));
        }
        let cipher = Sm4Gcm::new_from_slice(&derive(passphrase, &salt)?).expect("16-byte key");
        let plain = cipher
            .decrypt(
                nonce.as_slice().try_into().expect("12 bytes"),
                sealed.as_slice(),
            )
            .map_err(|_| KeyError::WrongPassphrase)?;
        let signing =
            SigningKey::from_slice(DISTID, &plain).map_err(|_| KeyError::WrongPassphrase)?;
        Ok(SealKey { signing })
    }
}

/// Argon2id(passphrase, salt) → a 16-byte SM4 key.
fn derive(passphrase: &str, salt: &[u8]) -> Result<[u8; 16], KeyError> {
    let mut key = [0u8; 16];
    argon2::Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| KeyError::Malformed(format!("口令派生失败：{e}")))?;
    Ok(key)
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("公钥格式无效")]
    BadKey,
    #[error("签名格式无效（应为 DER 编码的 SM2 签名）")]
    BadSignature,
    #[error("签名与内容不符：内容被改动，或不是该印章所签")]
    Mismatch,
}

/// Verifies a DER SM2 signature over bytes with a public key given in hex (SEC1).
pub fn verify(public_hex: &str, message: &[u8], der: &[u8]) -> Result<(), SignatureError> {
    let key = unhex(public_hex)
        .and_then(|b| VerifyingKey::from_sec1_bytes(DISTID, &b).ok())
        .ok_or(SignatureError::BadKey)?;
    let sig = Signature::from_der(der).map_err(|_| SignatureError::BadSignature)?;
    key.verify(message, &sig)
        .map_err(|_| SignatureError::Mismatch)
}

/// The SM2 curve's `a`, `b`, `xG` and `yG` (GM/T 0003.5), which the user information hash covers.
const CURVE: [&str; 4] = [
    "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC",
    "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93",
    "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7",
    "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0",
];

/// What an SM2 signature by the key `public_hex` over `message` signs (GM/T 0009 preprocessing):
/// e = SM3(Z ‖ M), Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) with the default user ID. A
/// cryptographic module (GM/T 0018 `SDF_InternalSign_ECC`, GM/T 0016 `SKF_ECCSignData`) signs
/// this digest; the signature then verifies over `message` as any other.
pub fn digest_to_sign(public_hex: &str, message: &[u8]) -> Result<[u8; 32], SignatureError> {
    use sm3::Digest;
    let key = unhex(public_hex)
        .filter(|b| VerifyingKey::from_sec1_bytes(DISTID, b).is_ok())
        .filter(|b| b.len() == 65)
        .ok_or(SignatureError::BadKey)?;
    let mut z = sm3::Sm3::new();
    z.update(((DISTID.len() * 8) as u16).to_be_bytes());
    z.update(DISTID.as_bytes());
    for constant in CURVE {
        z.update(unhex(constant).expect("hex constant"));
    }
    z.update(&key[1..]);
    let mut e = sm3::Sm3::new();
    e.update(z.finalize());
    e.update(message);
    Ok(e.finalize().into())
}

/// A public key's short fingerprint for people to compare (公钥指纹): the first 16 hex digits of the
/// SM3 digest of the key's bytes, upper case, in groups of four (`3F2A 9C01 77DE 0B45`).
pub fn fingerprint(public_hex: &str) -> String {
    let digest = crate::sm3_hex(&unhex(public_hex).unwrap_or_default()).to_uppercase();
    let short = &digest[..16];
    short
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The PEM SubjectPublicKeyInfo of a public key given in hex.
pub fn public_pem(public_hex: &str) -> Option<String> {
    let bytes = unhex(public_hex)?;
    let key = sm2::PublicKey::from_sec1_bytes(&bytes).ok()?;
    key.to_public_key_pem(LineEnding::LF).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_short_and_grouped() {
        let key = SealKey::generate();
        let f = fingerprint(&key.public_hex());
        assert_eq!(f.len(), 19, "{f}");
        assert_eq!(f.split(' ').count(), 4);
        assert_ne!(f, fingerprint(&SealKey::generate().public_hex()));
    }

    #[test]
    fn sign_verify_and_detect_changes() {
        let key = SealKey::generate();
        let sig = key.sign("受理通知书".as_bytes());
        assert!(verify(&key.public_hex(), "受理通知书".as_bytes(), &sig).is_ok());
        assert_eq!(
            verify(&key.public_hex(), "受理通知书。".as_bytes(), &sig),
            Err(SignatureError::Mismatch)
        );
        let other = SealKey::generate();
        assert_eq!(
            verify(&other.public_hex(), "受理通知书".as_bytes(), &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify("zz", b"x", &sig), Err(SignatureError::BadKey));
        assert_eq!(
            verify(&key.public_hex(), b"x", b"nope"),
            Err(SignatureError::BadSignature)
        );
        assert!(key.public_pem().starts_with("-----BEGIN PUBLIC KEY-----"));
    }

    #[test]
    fn a_module_signing_the_digest_makes_an_ordinary_signature() {
        use sm2::dsa::signature::hazmat::PrehashSigner;
        let key = SealKey::generate();
        let message = "受理通知书".as_bytes();
        let e = digest_to_sign(&key.public_hex(), message).unwrap();
        let sig: Signature = key.signing.sign_prehash(&e).unwrap();
        assert!(verify(&key.public_hex(), message, sig.to_der().as_bytes()).is_ok());
        assert!(verify(&key.public_hex(), b"other", sig.to_der().as_bytes()).is_err());
        assert_eq!(digest_to_sign("04zz", message), Err(SignatureError::BadKey));
    }

    #[test]
    fn keys_are_encrypted_with_the_passphrase() {
        let key = SealKey::generate();
        let enc = key.encrypt("正确的口令2026").unwrap();
        assert!(enc.starts_with("yiyin-sm2-key-v1$"));
        assert!(
            !enc.contains(&hex(&key.signing.to_bytes())),
            "never in clear"
        );
        let back = SealKey::decrypt(&enc, "正确的口令2026").unwrap();
        assert_eq!(back.public_hex(), key.public_hex());
        assert_eq!(
            SealKey::decrypt(&enc, "错误的口令2026").unwrap_err(),
            KeyError::WrongPassphrase
        );
        assert_eq!(key.encrypt("short").unwrap_err(), KeyError::WeakPassphrase);
        let mut broken = enc.clone();
        let last = broken.pop().unwrap();
        broken.push(if last == '0' { '1' } else { '0' });
        assert!(SealKey::decrypt(&broken, "正确的口令2026").is_err());
    }
}
