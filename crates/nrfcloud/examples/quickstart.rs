//! Quickstart: what the client covers. For now it prints the operation table that the build
//! generated from `spec/openapi.json` (operationId, method, path, accepted credentials,
//! deprecated, paginated). Later steps of the project turn this into a walk through the
//! client against the embedded mock server.
//!
//! Run: `cargo run -p nrfcloud --example quickstart`

use nrfcloud::operations::OPERATIONS;

fn main() {
    println!(
        "nrfcloud-rs: {} operations of the nRF Cloud REST API v1\n",
        OPERATIONS.len()
    );
    println!(
        "{:<40} {:<6} {:<58} credentials / notes",
        "operation", "method", "path"
    );
    for op in OPERATIONS {
        let creds = if op.security.is_empty() {
            "none".to_string()
        } else {
            op.security
                .iter()
                .map(|alt| alt.join("+"))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let mut notes = Vec::new();
        if op.deprecated {
            notes.push("deprecated");
        }
        if op.paginated {
            notes.push("paginated");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", notes.join(", "))
        };
        println!(
            "{:<40} {:<6} {:<58} {creds}{notes}",
            op.operation_id, op.method, op.path
        );
    }
    let paginated = OPERATIONS.iter().filter(|o| o.paginated).count();
    let deprecated = OPERATIONS.iter().filter(|o| o.deprecated).count();
    println!("\n{paginated} paginated, {deprecated} deprecated");
}
