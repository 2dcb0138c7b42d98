//! Code frames (miette) for findings and input errors, over a bounded excerpt of the file: a
//! minified snapshot is one 100 MB line, which must neither be reprinted for every finding nor
//! reach miette, which cannot place a label past column 65,535.

use super::ReportOptions;
use crate::location::LineCol;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode, SourceSpan,
};
use std::fmt;

pub(super) use super::mask::Mask;
use super::mask::{mask_excerpt, string_values};

/// Bytes of a long line shown around the span (and from the start of a context line).
const WIDTH: usize = 160;
/// How far to look for the start or end of the span's line before cutting it.
const LOOKAROUND: usize = 4 * WIDTH;

/// A finding or input error as a miette diagnostic over borrowed file text.
pub(super) struct Frame<'a> {
    pub message: String,
    pub code: String,
    pub help: Option<String>,
    pub label: String,
    pub name: &'a str,
    pub text: &'a str,
    pub span: SourceSpan,
    /// Where the span starts in the file (1-based), as reported elsewhere.
    pub at: LineCol,
    pub severity: miette::Severity,
    pub mask: Mask,
}

impl fmt::Debug for Frame<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Frame<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Frame<'_> {}

/// The lines around a span, each cut to a window, with what it takes to number them as in the
/// file.
struct Excerpt {
    name: String,
    text: String,
    span: SourceSpan,
    /// 0-based line number in the file of the excerpt's first line.
    first_line: usize,
    /// 0-based line of the span in the excerpt, and how many columns its window cut off.
    span_line: usize,
    column_shift: usize,
}

impl Excerpt {
    fn new(name: &str, text: &str, span: SourceSpan, at: LineCol, masking: Mask) -> Excerpt {
        let bytes = text.as_bytes();
        let start = span.offset().min(text.len());
        let end = (start + span.len()).min(text.len());
        let back = floor(text, start.saturating_sub(LOOKAROUND));
        let line_start = memchr::memrchr(b'\n', &bytes[back..start])
            .map(|i| back + i + 1)
            .or((back == 0).then_some(0));
        let ahead = ceil(text, (start + LOOKAROUND).min(text.len()));
        let line_end = memchr::memchr(b'\n', &bytes[start..ahead]).map(|i| start + i);
        let from = match line_start {
            Some(line_start) if start - line_start <= WIDTH => line_start,
            _ => floor(text, start.saturating_sub(WIDTH / 2)),
        };
        let to = match line_end {
            Some(line_end) if line_end - start <= WIDTH => line_end,
            _ => ceil(text, (start + WIDTH).min(text.len())),
        };
        let mut excerpt = String::new();
        let mut before = Vec::new();
        // One line of context before, when the span's line start and that line's are known.
        if let Some(line_start) = line_start.filter(|&line_start| line_start > 0) {
            let end = line_start - 1;
            let back = floor(text, end.saturating_sub(LOOKAROUND));
            let previous = memchr::memrchr(b'\n', &bytes[back..end]).map(|i| back + i + 1);
            if let Some(previous) = previous.or((back == 0).then_some(0)) {
                before.push(cut(&text[previous..end]));
            }
        }
        for line in &before {
            excerpt.push_str(line);
            excerpt.push('\n');
        }
        let cut_front = line_start != Some(from);
        if cut_front {
            excerpt.push('…');
        }
        let span_offset = excerpt.len() + (start - from);
        excerpt.push_str(&text[from..to]);
        if line_end != Some(to) && to < text.len() {
            excerpt.push('…');
        }
        if let Some(line_end) = line_end.filter(|&e| e == to) {
            let rest = &text[line_end + 1..ceil(text, (line_end + 1 + LOOKAROUND).min(text.len()))];
            if let Some(next) = rest
                .split('\n')
                .next()
                .filter(|_| line_end + 1 < text.len())
            {
                excerpt.push('\n');
                excerpt.push_str(&cut(next));
            }
        }
        let span_len = end.min(to).saturating_sub(start);
        let span = SourceSpan::new(span_offset.into(), span_len);
        let mut bytes = excerpt.into_bytes();
        // The finding's own value may be shown only when the span is that one value (an object
        // on one line, `{"name": …, "value": …}`, would show its neighbours' too).
        let shown = span_offset.min(bytes.len())..(span_offset + span_len.max(1)).min(bytes.len());
        let masking = match masking {
            Mask::UnlessHarmless { show_span: true }
                if string_values(&bytes[shown.clone()]) > 1 =>
            {
                Mask::UnlessHarmless { show_span: false }
            }
            other => other,
        };
        mask_excerpt(name, text.trim_start(), &mut bytes, masking, shown);
        // Only ASCII bytes inside strings were replaced: still UTF-8.
        let excerpt = String::from_utf8_lossy(&bytes).into_owned();
        // The column miette will compute in the excerpt, to shift it to the file's.
        let shown_column = excerpt
            .read_span(&span, 0, 0)
            .map_or(0, |contents| contents.column());
        Excerpt {
            name: name.to_string(),
            text: excerpt,
            span,
            first_line: at.line.saturating_sub(1 + before.len()),
            span_line: before.len(),
            column_shift: at.column.saturating_sub(1).saturating_sub(shown_column),
        }
    }
}

/// A context line, cut to the window.
fn cut(line: &str) -> String {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.len() <= WIDTH {
        return line.to_string();
    }
    format!("{}…", &line[..floor(line, WIDTH)])
}

fn floor(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

impl SourceCode for Excerpt {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let shift = if inner.line() == self.span_line {
            self.column_shift
        } else {
            0
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column() + shift,
            inner.line_count(),
        )))
    }
}

struct FrameWithSource<'a> {
    frame: Frame<'a>,
    source: Excerpt,
}

impl fmt::Debug for FrameWithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.frame.fmt(f)
    }
}
impl fmt::Display for FrameWithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.frame, f)
    }
}
impl std::error::Error for FrameWithSource<'_> {}

impl Diagnostic for FrameWithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.frame.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.frame.severity)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.frame
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.frame.label.clone()),
            self.source.span,
        ))))
    }
}

/// The width frames are drawn to.
const FRAME_WIDTH: usize = 100;

/// How frames are drawn: one handler wraps long messages, the other leaves messages as they are
/// for the frames whose text fits on its lines anyway (wrapping a message that needs no breaks
/// took a fifth of a large pretty report's time and changes nothing in it).
pub(super) struct Handlers {
    wrapping: GraphicalReportHandler,
    unwrapped: GraphicalReportHandler,
}

pub(super) fn handlers(options: &ReportOptions) -> Handlers {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_context_lines(1)
        .with_width(FRAME_WIDTH)
        // Messages wrap at spaces: Unicode's line-break rules (textwrap's default) took a
        // tenth of a large pretty report's time and only add breaks inside words.
        .with_word_separator(textwrap::WordSeparator::AsciiSpace);
    Handlers {
        unwrapped: handler.clone().with_wrap_lines(false),
        wrapping: handler,
    }
}

/// Whether `text` needs no wrapping: each line, after the widest indent a frame gives it (the
/// `help: ` prefix), within the width, counted in bytes (no character is wider than its UTF-8
/// bytes), and none ending in white space (which wrapping drops).
fn fits(text: &str) -> bool {
    const INDENT: usize = 12;
    text.lines()
        .all(|line| line.len() + INDENT <= FRAME_WIDTH && line.trim_end().len() == line.len())
}

pub(super) fn render_frame(handlers: &Handlers, frame: Frame<'_>) -> String {
    let handler = match fits(&frame.message) && frame.help.as_deref().is_none_or(fits) {
        true => &handlers.unwrapped,
        false => &handlers.wrapping,
    };
    draw(handler, frame)
}

fn draw(handler: &GraphicalReportHandler, frame: Frame<'_>) -> String {
    let source = Excerpt::new(frame.name, frame.text, frame.span, frame.at, frame.mask);
    let diagnostic = FrameWithSource { frame, source };
    let mut out = String::new();
    if handler.render_report(&mut out, &diagnostic).is_err() {
        out = format!("{diagnostic}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame whose message and help fit is drawn without wrapping, and looks as it would
    /// wrapped; one that does not fit is wrapped.
    #[test]
    fn frames_that_fit_are_drawn_as_wrapping_draws_them() {
        let handlers = handlers(&ReportOptions::default());
        let frame = |message: &str, help: &str| Frame {
            message: message.into(),
            code: "SEC101".into(),
            help: Some(help.into()),
            label: "here".into(),
            name: "f.json",
            text: "{\"image\": \"nginx\"}",
            span: SourceSpan::new(1.into(), 7),
            at: LineCol { line: 1, column: 2 },
            severity: miette::Severity::Error,
            mask: Mask::UnlessHarmless { show_span: true },
        };
        let long = "word ".repeat(17) + "end";
        let wide = "container 'é' in task definition 'ç' — runs as root ".repeat(2);
        for (message, help) in [
            ("short", "Title — see `ecslint explain SEC101`"),
            ("two  spaces, then\na second line", "help"),
            (long.as_str(), "x"),
            ("tab\there", "ünïcödé"),
        ] {
            assert!(fits(message) && fits(help), "{message}");
            assert_eq!(
                draw(&handlers.unwrapped, frame(message, help)),
                draw(&handlers.wrapping, frame(message, help)),
                "{message}"
            );
        }
        for message in [wide.as_str(), "trailing space ", &"word ".repeat(30)] {
            assert!(!fits(message), "{message}");
        }
        let drawn = render_frame(&handlers, frame(&"word ".repeat(30), "h"));
        assert!(
            drawn.lines().filter(|l| l.contains("word")).count() > 1,
            "{drawn}"
        );
    }

    fn render(text: &str, offset: usize, len: usize, at: LineCol) -> String {
        render_frame(
            &handlers(&ReportOptions::default()),
            Frame {
                message: "m".into(),
                code: "c".into(),
                help: None,
                label: "here".into(),
                name: "f.json",
                text,
                span: SourceSpan::new(offset.into(), len),
                at,
                severity: miette::Severity::Error,
                mask: Mask::UnlessHarmless { show_span: true },
            },
        )
    }

    #[test]
    fn frames_mask_values_that_may_be_secret() {
        let text = "{\n  \"environment\": [{\"name\": \"DB_URL\", \"value\": \"postgres://u:pw@h\"}],\n  \"image\": \"nginx:latest\",\n  \"command\": [\"--token\", \"s3cr3t\"]\n}\n";
        let offset = text.find("\"image\"").unwrap();
        let out = render(text, offset, 23, LineCol { line: 3, column: 3 });
        assert!(
            out.contains("nginx:latest") && out.contains("DB_URL"),
            "{out}"
        );
        assert!(!out.contains("pw@h") && !out.contains("s3cr3t"), "{out}");
    }

    #[test]
    fn yaml_frames_mask_plain_values_that_may_be_secret() {
        let text = "Resources:\n  TaskDef:\n    Properties:\n      ContainerDefinitions:\n        - Name: app # owner: alice\n          Image: nginx:latest\n          Environment: [{Name: TOKEN, Value: s3cr3t}]\n          Command: ['--password', 'hunter2']\n          Privileged: true\n          Cpu: 256\n";
        // The frame of the member `needle` starts, `len` bytes long, on 1-based `line`.
        let frame_at = |needle: &str, len: usize, line: usize| {
            let offset = text.find(needle).unwrap();
            render(text, offset, len, LineCol { line, column: 11 })
        };
        let out = frame_at("Image", 19, 6);
        assert!(
            out.contains("Name: app") && out.contains("Image: nginx:latest"),
            "{out}"
        );
        assert!(!out.contains("alice"), "{out}");
        let out = frame_at("Privileged", 16, 9);
        assert!(
            out.contains("Privileged: true") && out.contains("Cpu: 256"),
            "{out}"
        );
        assert!(
            !out.contains("hunter2") && !out.contains("password"),
            "{out}"
        );
        // A variable's name is shown, as in JSON; its value is not.
        let out = frame_at("Environment", 20, 7);
        assert!(
            !out.contains("s3cr3t") && out.contains("Name: TOKEN"),
            "{out}"
        );
    }

    #[test]
    fn a_huge_line_is_shown_in_a_window_with_its_real_place() {
        let line = format!("{{\"a\": \"{}\", \"b\": true}}", "x".repeat(200_000));
        let offset = line.find("\"b\"").unwrap();
        let out = render(
            &line,
            offset,
            9,
            LineCol {
                line: 1,
                column: offset + 1,
            },
        );
        assert!(out.len() < 2_000, "{} bytes", out.len());
        assert!(out.contains(&format!("[f.json:1:{}]", offset + 1)), "{out}");
        assert!(out.contains("\"b\": true"), "{out}");
    }

    #[test]
    fn ordinary_frames_keep_their_lines_and_numbers() {
        let text = "{\n  \"a\": 1,\n  \"b\": 2\n}\n";
        let offset = text.find("\"b\"").unwrap();
        let out = render(text, offset, 6, LineCol { line: 3, column: 3 });
        assert!(out.contains("[f.json:3:3]"), "{out}");
        assert!(
            out.contains(" 2 │   \"a\": 1,") && out.contains(" 3 │   \"b\": 2"),
            "{out}"
        );
    }
}
