//! Shared by the root package's tests: a value of the shape a string schema asks for.

/// Values of the shapes the document's string schemas take (device ids, UUIDs, ULIDs,
/// bundle ids).
const SAMPLES: &[&str] = &[
    "nrf-352656100000000",
    "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
    "01H8Z1XQ3V6Y8GQ6E4W5T7R9KJ",
    "APP*1a2b3c4d*v1.0.0",
];

/// The first sample `pattern` accepts (any sample without a pattern); panics when none does,
/// so a new shape in the document shows up here.
pub fn string_matching(pattern: Option<&str>) -> String {
    let Some(pattern) = pattern else {
        return SAMPLES[0].to_string();
    };
    let re = regress::Regex::new(pattern).unwrap();
    SAMPLES
        .iter()
        .find(|s| re.find(s).is_some())
        .unwrap_or_else(|| panic!("no sample value matches {pattern}"))
        .to_string()
}
