//! An independent tool accepts Yiyin's signatures: OpenSSL verifies an SM2/SM3 signature made by a seal
//! key, with the GM/T 0009 default user ID.

use std::process::Command;

use yiyin_seal::SealKey;

#[test]
fn openssl_verifies_a_seal_signature() {
    let dir = std::env::temp_dir().join(format!("yiyin-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = SealKey::generate();
    let message = "汉阴审批受字〔2026〕HY2026000001号 受理通知书".as_bytes();
    std::fs::write(dir.join("pub.pem"), key.public_pem()).unwrap();
    std::fs::write(dir.join("msg"), message).unwrap();
    std::fs::write(dir.join("sig"), key.sign(message)).unwrap();
    let run = |msg: &str| {
        Command::new("openssl")
            .args([
                "pkeyutl",
                "-verify",
                "-rawin",
                "-digest",
                "sm3",
                "-pkeyopt",
                "distid:1234567812345678",
                "-pubin",
                "-inkey",
            ])
            .arg(dir.join("pub.pem"))
            .arg("-in")
            .arg(dir.join(msg))
            .arg("-sigfile")
            .arg(dir.join("sig"))
            .output()
            .expect("openssl is installed")
    };
    let ok = run("msg");
    assert!(
        ok.status.success(),
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Signature Verified Successfully"));
    std::fs::write(
        dir.join("changed"),
        "汉阴审批受字〔2026〕HY2026000002号 受理通知书",
    )
    .unwrap();
    assert!(
        !run("changed").status.success(),
        "a changed message must not verify"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
