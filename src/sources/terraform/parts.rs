//! A large `.tf` file parsed in parts on every core: cut where a top-level block starts (a
//! line `resource "...`, `data "...`, `module "...` after a line that is only `}`), each part
//! parsed with spaces in place of what comes before it, so its spans are the file's. A cut in
//! the wrong place (inside a heredoc) leaves a part that does not parse, and the file is then
//! parsed whole, which reports errors at their place.

use hcl_edit::structure::Body;

/// Files smaller than this are parsed whole: splitting would cost more than it saves.
const LARGE: usize = 1 << 20;

/// The file's body, parsed in parts when it is large and the machine has several cores.
pub fn parse(text: &str) -> Result<Body, hcl_edit::parser::Error> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if text.len() < LARGE || cores < 2 {
        return hcl_edit::parser::parse_body(text);
    }
    let cuts = cuts(text, cores.min(8));
    if cuts.len() < 3 {
        return hcl_edit::parser::parse_body(text);
    }
    use rayon::prelude::*;
    let parts: Vec<Option<Body>> = cuts
        .windows(2)
        .collect::<Vec<_>>()
        .par_iter()
        .map(|window| {
            let (start, end) = (window[0], window[1]);
            let padded = format!("{}{}", " ".repeat(start), &text[start..end]);
            hcl_edit::parser::parse_body(&padded).ok()
        })
        .collect();
    if parts.iter().any(Option::is_none) {
        return hcl_edit::parser::parse_body(text);
    }
    let mut body = Body::new();
    for part in parts.into_iter().flatten() {
        for structure in part {
            body.push(structure);
        }
    }
    Ok(body)
}

/// Where to cut `text` into about `parts` parts: 0, the cuts, the end.
fn cuts(text: &str, parts: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    for k in 1..parts {
        let wanted = text.len() * k / parts;
        let from = wanted.max(*cuts.last().unwrap_or(&0) + 1);
        if let Some(cut) = block_start_after(text, from)
            && cut < text.len()
            && cuts.last() != Some(&cut)
        {
            cuts.push(cut);
        }
    }
    cuts.push(text.len());
    cuts
}

/// The first top-level block start at or after `from`: a line opening a block, after a line
/// that is only `}`.
fn block_start_after(text: &str, from: usize) -> Option<usize> {
    const OPENERS: [&str; 6] = [
        "resource \"",
        "data \"",
        "module \"",
        "variable \"",
        "output \"",
        "locals {",
    ];
    let mut at = text.get(from..)?.find("\n}\n").map(|i| i + from)?;
    loop {
        let start = at + 3;
        let rest = text.get(start..)?;
        let line = rest.trim_start_matches('\n');
        if OPENERS.iter().any(|o| line.starts_with(o)) {
            return Some(start + (rest.len() - line.len()));
        }
        at = text.get(start..)?.find("\n}\n").map(|i| i + start)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl_edit::Span as _;

    #[test]
    fn parts_read_as_the_whole_with_the_same_spans() {
        let mut text = String::new();
        for i in 0..40_000 {
            text.push_str(&format!(
                "resource \"aws_ecs_cluster\" \"c{i}\" {{\n  name = \"c{i}\"\n}}\n\n"
            ));
        }
        assert!(text.len() > LARGE);
        let cuts = cuts(&text, 4);
        assert_eq!(cuts.len(), 5, "{cuts:?}");
        for cut in &cuts[1..4] {
            assert!(text[*cut..].starts_with("resource \""), "{cut}");
        }
        let (parts, whole) = (
            parse(&text).unwrap(),
            hcl_edit::parser::parse_body(&text).unwrap(),
        );
        let spans = |body: &Body| body.iter().map(|s| s.span()).collect::<Vec<_>>();
        assert_eq!(spans(&parts), spans(&whole));
        assert_eq!(parts.len(), 40_000);
    }

    #[test]
    fn a_cut_inside_a_heredoc_falls_back_to_the_whole() {
        let mut text = String::from("locals {\n  doc = <<EOT\n");
        for i in 0..60_000 {
            text.push_str(&format!("}}\nresource \"x\" \"y{i}\" {{\n"));
        }
        text.push_str("EOT\n}\n");
        let body = parse(&text).unwrap();
        assert_eq!(body.len(), 1, "one locals block, its heredoc whole");
    }
}
