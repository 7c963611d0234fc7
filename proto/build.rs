//! Compiles every `.proto` under `xcc/` with protox, so no system `protoc` is needed.

use std::path::{Path, PathBuf};

fn proto_files(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            proto_files(&path, found)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            found.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    proto_files(Path::new("xcc"), &mut files)?;
    files.sort();
    println!("cargo:rerun-if-changed=xcc");

    let descriptors = protox::compile(&files, ["."])?;
    prost_build::Config::new()
        .enable_type_names()
        .type_name_domain(["."], "")
        // Module records and query answers print as JSON in the CLI; tx
        // types hold `Any`s, which have no JSON form here. List answers
        // embed their page.
        .type_attribute(".xcc.currency.v1", "#[derive(serde::Serialize)]")
        .type_attribute(".xcc.security.v1", "#[derive(serde::Serialize)]")
        .type_attribute(".xcc.auction.v1", "#[derive(serde::Serialize)]")
        .type_attribute(".xcc.trust.v1", "#[derive(serde::Serialize)]")
        .type_attribute(".xcc.query.v1", "#[derive(serde::Serialize)]")
        .type_attribute(".xcc.ibc.v1.ClientState", "#[derive(serde::Serialize)]")
        .type_attribute(
            ".xcc.ibc.v1.QueryClientStateResponse",
            "#[derive(serde::Serialize)]",
        )
        .type_attribute(
            ".xcc.ibc.v1.QueryPendingPacketsResponse",
            "#[derive(serde::Serialize)]",
        )
        .type_attribute(".xcc.ibc.v1.Packet", "#[derive(serde::Serialize)]")
        .type_attribute(".xcc.ping.v1", "#[derive(serde::Serialize)]")
        .compile_fds(descriptors)?;
    Ok(())
}
