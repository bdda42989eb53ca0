//! A user's trivial program: builds a client and prints it (no request is sent).

fn main() {
    let client = nrfcloud::Client::builder()
        .api_key("not-a-real-key")
        .build()
        .expect("a valid configuration");
    println!("{client:?}");
}
