//! Rule-file loading: any text is compiled into a rule or a located error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(error) = ecslint::engine::catalog::compile("fuzz.toml", text, &Default::default()) {
        let _ = error.to_string();
    }
});
