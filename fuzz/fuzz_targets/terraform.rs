//! The Terraform reader on arbitrary text (one `main.tf`, or `main.tf.json` when it starts with
//! `{`): never panics, and every place a resource's origin map records lies inside one of the
//! configuration's files, on character boundaries.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("ecslint-fuzz-terraform-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let name = match text.trim_start().starts_with('{') {
        true => "main.tf.json",
        false => "main.tf",
    };
    std::fs::write(dir.join(name), text).expect("write the file");
    let read = ecslint::sources::terraform::read_folder(&dir, ".", &Default::default());
    for resource in &read.resources {
        let Some(map) = &resource.origin.map else {
            continue;
        };
        for written in map.places() {
            let file = read.files[written.file].text();
            let span = written.span;
            assert!(
                span.start <= span.end && span.end <= file.len(),
                "{span:?} of {}",
                file.len()
            );
            assert!(file.is_char_boundary(span.start) && file.is_char_boundary(span.end));
        }
    }
});
