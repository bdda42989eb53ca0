//! Hands the compiler the path of the operations layer (`Api` and the setters of `Request`)
//! that `nrfcloud-api`'s build script generates from the API document: it exports the path as
//! link metadata (`links = "nrfcloud_api"`), and `src/operations_layer.rs` `include!`s it.

fn main() {
    const KEY: &str = "DEP_NRFCLOUD_API_WRAPPER_LAYER";
    println!("cargo::rerun-if-env-changed={KEY}");
    let Ok(path) = std::env::var(KEY) else {
        panic!("{KEY} is not set: nrfcloud-api's build script exports the operations layer");
    };
    println!("cargo::rustc-env=NRFCLOUD_OPERATIONS_LAYER={path}");
    // The generated code itself, read by `tests/names.rs` (no two public types share a name).
    const CODE: &str = "DEP_NRFCLOUD_API_GENERATED_CODE";
    println!("cargo::rerun-if-env-changed={CODE}");
    if let Ok(path) = std::env::var(CODE) {
        println!("cargo::rustc-env=NRFCLOUD_GENERATED_CODE={path}");
    }
}
