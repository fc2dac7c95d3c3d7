//! An independent check of the OFD seal signatures: `tests/clients/ses_check.py`, a verifier
//! written in Python from GM/T 0099 and the ASN.1 of GB/T 38540 (asn1crypto, gmssl; `scripts/test`
//! installs them), checks the references' SM3 digests, decodes the SES_Signature and the SES_Seal,
//! verifies the maker's and the signer's SM2 signatures and the certificate against the root; and
//! a changed byte in any signed part is caught by it and by Yiyin's own verifier alike.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use yiyin_pdf::Verification;

mod support;
use support::{authority, licence, render};

const VERIFICATION: Verification = Verification {
    url: "http://127.0.0.1:8080/verify?number=JY16124210000012&code=ABCDEFGHJKMN",
    code: "ABCDEFGHJKMN",
};

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("yiyin-ses-{}-{name}", std::process::id()))
}

/// The Python verifier's verdict on each file, checked against the trusted `root`.
fn ses_check(root: &[u8], ofds: &[Vec<u8>]) -> Vec<Value> {
    let root_path = temp("root.cer");
    std::fs::write(&root_path, root).unwrap();
    let paths: Vec<PathBuf> = ofds
        .iter()
        .enumerate()
        .map(|(i, ofd)| {
            let p = temp(&format!("{i}.ofd"));
            std::fs::write(&p, ofd).unwrap();
            p
        })
        .collect();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/ses_check.py");
    let out = Command::new("python3")
        .arg(script)
        .arg("--root")
        .arg(&root_path)
        .args(&paths)
        .output()
        .expect("python3 runs");
    for p in paths.iter().chain([&root_path]) {
        std::fs::remove_file(p).ok();
    }
    assert!(
        out.status.success(),
        "ses_check.py (PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install asn1crypto gmssl): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let verdicts: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(verdicts.len(), ofds.len(), "{stdout}");
    verdicts
}

#[test]
fn an_independent_verifier_accepts_the_seal_and_catches_every_changed_byte() {
    let (key, sealed, record) = licence("汉阴县月河餐饮有限公司", vec![]);
    let (authority, issued) = authority(&sealed);
    let at = "2026-06-16T09:00:01+08:00";
    let ofd = render(&key, &issued, &sealed, &record, &VERIFICATION, at);

    // Yiyin's verifier: the seal, the signer's certificate and the maker's (the root).
    let (record_back, check) = yiyin_ofd::verify_report(&ofd).unwrap();
    assert_eq!(record_back, sealed);
    let seal = check.seal.expect("a GB/T 38540 signature");
    assert_eq!(seal.seal_name, sealed.seal.name);
    assert_eq!(seal.signer.subject, sealed.seal.holder);
    assert_eq!(seal.maker_cert, authority.cert);
    assert_eq!(seal.signed_at, "2026-06-16T01:00:01Z");

    // The independent one agrees.
    let files = yiyin_ofd::unzip(&ofd).unwrap();
    let verdict = &ses_check(&authority.cert, std::slice::from_ref(&ofd))[0];
    assert_eq!(verdict["ok"], true, "{verdict}");
    assert_eq!(verdict["seal"], sealed.seal.name.as_str(), "{verdict}");
    assert_eq!(verdict["signer"], sealed.seal.holder.as_str());
    assert_eq!(verdict["maker"], "测试电子印章制作机构");
    assert_eq!(verdict["picture"], "PNG");
    assert_eq!(
        verdict["signer_serial"],
        issued.serial.trim_start_matches('0')
    );
    assert_eq!(
        verdict["references"].as_u64().unwrap() as usize,
        files
            .keys()
            .filter(|p| !p.starts_with("Doc_0/Signs/"))
            .count()
    );

    // Another root is not trusted by it.
    let (other, _) = support::authority(&sealed);
    let verdict = &ses_check(&other.cert, std::slice::from_ref(&ofd))[0];
    assert_eq!(verdict["ok"], false, "{verdict}");

    // A changed byte in every signed part (each referenced file, Signature.xml, SignedValue.dat):
    // at the start, the middle and the end of each.
    let signed: Vec<&String> = files
        .keys()
        .filter(|p| *p != "Doc_0/Signs/Signatures.xml")
        .collect();
    let mut changed_ofds = Vec::new();
    let mut what = Vec::new();
    for path in &signed {
        let len = files[*path].len();
        for at in [0, len / 2, len - 1] {
            let mut changed: BTreeMap<String, Vec<u8>> = files.clone();
            changed.get_mut(*path).unwrap()[at] ^= 0x01;
            changed_ofds.push(yiyin_ofd::pack(&changed).unwrap());
            what.push(format!("{path} byte {at}"));
        }
    }
    let verdicts = ses_check(&authority.cert, &changed_ofds);
    for ((ofd, verdict), what) in changed_ofds.iter().zip(&verdicts).zip(&what) {
        assert_eq!(
            verdict["ok"], false,
            "ses_check.py missed {what}: {verdict}"
        );
        assert!(
            yiyin_ofd::verify(ofd).is_err(),
            "Yiyin's verifier missed {what}"
        );
    }
}
