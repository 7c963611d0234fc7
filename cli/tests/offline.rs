//! The offline CLI: keys, and txs built, countersigned and checked as files.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use base64::Engine;
use prost::Message;
use xcc_chain::tx::{decode_and_verify, DEFAULT_MAX_TX_BYTES};

fn xcc(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xcc"))
        .arg("--home")
        .arg(home)
        .args(args)
        .output()
        .expect("run xcc")
}

fn ok(home: &Path, args: &[&str]) -> String {
    let out = xcc(home, args);
    assert!(
        out.status.success(),
        "xcc {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn keys_are_private_files_that_round_trip() {
    let home = tempfile::tempdir().unwrap();
    let alice = ok(home.path(), &["keys", "add", "alice"]);
    assert!(alice.starts_with("xcc1"));
    let mode = std::fs::metadata(home.path().join("keyring/alice.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    assert_eq!(
        ok(home.path(), &["keys", "show", "alice", "--address"]),
        alice
    );
    assert!(
        !xcc(home.path(), &["keys", "add", "alice"]).status.success(),
        "never overwrite a key"
    );
    assert!(!xcc(home.path(), &["keys", "show", "nobody"])
        .status
        .success());
    assert!(!xcc(home.path(), &["keys", "add", "../escape"])
        .status
        .success());

    let secret = ok(home.path(), &["keys", "export", "alice"]);
    let file = home.path().join("secret.txt");
    std::fs::write(&file, &secret).unwrap();
    let other = tempfile::tempdir().unwrap();
    assert_eq!(
        ok(
            other.path(),
            &["keys", "import", "alice2", file.to_str().unwrap()]
        ),
        alice
    );
    std::fs::write(&file, "not hex").unwrap();
    assert!(!xcc(
        other.path(),
        &["keys", "import", "bad", file.to_str().unwrap()]
    )
    .status
    .success());

    ok(home.path(), &["keys", "add", "bob"]);
    let listed = ok(home.path(), &["keys", "list"]);
    assert!(
        listed.starts_with("alice\t") && listed.contains("\nbob\t"),
        "{listed}"
    );
}

#[test]
fn a_registration_is_built_countersigned_and_verified() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    ok(h, &["keys", "add", "issuer"]);
    let registrar = ok(h, &["keys", "add", "registrar"]);
    let file = h.join("register.json");
    let file_arg = file.to_str().unwrap();

    // The registration's arguments, sent as they are or written to a file.
    let tx = [
        "tx",
        "security",
        "--from",
        "issuer",
        "--chain-id",
        "security-1",
        "--nonce",
        "0",
    ];
    let register = [
        "register",
        "--registrar",
        registrar.as_str(),
        "--symbol",
        "HARB",
        "--name",
        "Harbour",
        "--total-supply",
        "1000",
        "--holder-cap",
        "10",
    ];
    let refused = xcc(h, &[&tx[..], &register[..]].concat());
    assert!(
        !refused.status.success(),
        "sending needs --generate-only until a chain is reachable"
    );

    let to_file = ["--generate-only", "--output", file_arg];
    let location = ["--location", "Lisbon"];
    ok(
        h,
        &[&tx[..], &to_file[..], &register[..], &location[..]].concat(),
    );
    ok(h, &["tx", "sign", file_arg, "--from", "registrar"]);
    let shown: serde_json::Value = serde_json::from_str(&ok(h, &["tx", "show", file_arg])).unwrap();
    assert_eq!(shown["signatures"], "every signature verifies");
    assert_eq!(shown["signers"].as_array().unwrap().len(), 2);
    assert_eq!(shown["messages"][0], "/xcc.security.v1.MsgRegisterSecurity");

    // The chain's own checks accept the bytes.
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(json["tx"].as_str().unwrap())
        .unwrap();
    let tx = decode_and_verify(&bytes, "security-1", DEFAULT_MAX_TX_BYTES).unwrap();
    assert_eq!(tx.signers[1].address.to_string(), registrar);
    assert!(decode_and_verify(&bytes, "currency-1", DEFAULT_MAX_TX_BYTES).is_err());

    // A tampered file no longer verifies.
    let mut raw = xcc_proto::tx::v1::Tx::decode(bytes.as_slice()).unwrap();
    raw.body.as_mut().unwrap().nonce = 7;
    let tampered = serde_json::json!({ "chain_id": "security-1", "nonce": 7, "messages": [], "signers": [],
        "tx": base64::engine::general_purpose::STANDARD.encode(raw.encode_to_vec()) });
    std::fs::write(&file, tampered.to_string()).unwrap();
    let shown: serde_json::Value = serde_json::from_str(&ok(h, &["tx", "show", file_arg])).unwrap();
    assert!(shown["signatures"].as_str().unwrap().starts_with("invalid"));
}
