//! What a code frame may print: values that could be secret are replaced byte for byte (so
//! offsets hold) by `*`. JSON values are found as string literals; YAML's plain scalars line by
//! line.

/// Which string values a frame may print. Keys are always shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mask {
    /// A file that could not be parsed: no value at all (a secret may sit next to the error).
    AllValues,
    /// Values of members known to be harmless (names, images, modes...), and the finding's own
    /// node when its rule is not sensitive; environment values, log and secret options, command
    /// lines, labels and anything unknown are masked.
    UnlessHarmless { show_span: bool },
}

/// Members whose string values are never secret, so frames may print them.
const HARMLESS: &[&str] = &[
    "name",
    "image",
    "family",
    "networkMode",
    "pidMode",
    "ipcMode",
    "cpu",
    "memory",
    "logDriver",
    "mode",
    "protocol",
    "containerPath",
    "sourceVolume",
    "hostPath",
    "sourcePath",
    "type",
    "field",
    "expression",
    "user",
    "platformVersion",
    "platformFamily",
    "launchType",
    "schedulingStrategy",
    "propagateTags",
    "assignPublicIp",
    "status",
    "serviceName",
    "clusterName",
    "taskDefinition",
    "taskRoleArn",
    "executionRoleArn",
    "cpuArchitecture",
    "operatingSystemFamily",
    "transitEncryption",
    "fileSystemId",
    "rootDirectory",
    "requiresCompatibilities",
    "capacityProvider",
    "versionConsistency",
    "containerName",
    "targetGroupArn",
    "subnets",
    "securityGroups",
    "logging",
    "kmsKeyId",
    "clusterArn",
    "serviceArn",
    "taskDefinitionArn",
    "key",
    "Key",
    "Effect",
    "Sid",
    "RoleName",
    "PolicyName",
    "Arn",
    "PolicyArn",
    "GroupId",
    "VpcId",
    "SubnetId",
    "CidrIp",
    "CidrIpv6",
    "AvailabilityZone",
    "RouteTableId",
    "GatewayId",
    "NatGatewayId",
    "DestinationCidrBlock",
    "State",
    "availabilityZoneRebalancing",
    "managedTerminationProtection",
    "managedDraining",
    "principalArn",
    "region",
    "awslogs-group",
    "awslogs-region",
    "awslogs-stream-prefix",
    "max-buffer-size",
    "dependsOn",
    "condition",
    "add",
    "drop",
    "cluster",
    // CloudFormation's references name a resource, parameter or attribute: code, not data.
    "Ref",
    "Fn::GetAtt",
    // IAM policy statements: what is allowed on what, and the service trusted.
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Service",
];

/// Masks an excerpt of the file `name` as its kind is written: HCL for Terraform, JSON when the
/// file starts as JSON (`file_start`, its text after any leading white space), else YAML.
pub(super) fn mask_excerpt(
    name: &str,
    file_start: &str,
    excerpt: &mut [u8],
    mask_kind: Mask,
    shown: std::ops::Range<usize>,
) {
    if name.ends_with(".tf") || name.ends_with(".tfvars") {
        mask_hcl(excerpt, mask_kind, shown);
    } else if matches!(file_start.as_bytes().first(), Some(b'{' | b'[')) {
        mask(excerpt, mask_kind, shown);
    } else {
        super::mask_yaml::mask_yaml(excerpt, mask_kind, shown);
    }
}

/// The text of the file `name` with what a code frame would not print starred, byte for byte:
/// for showing a whole file's lines elsewhere (a fix's diff).
pub fn masked_file(name: &str, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let shown_nothing = Mask::UnlessHarmless { show_span: false };
    mask_excerpt(name, text.trim_start(), &mut bytes, shown_nothing, 0..0);
    // Only whole characters inside values were replaced: still UTF-8.
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A JSON string literal in a piece of text: its quotes' offsets, and whether it is a key.
struct Literal {
    open: usize,
    close: usize,
    is_key: bool,
}

/// The string literals of a piece of JSON (which may start or end inside one), in order.
fn literals(text: &[u8]) -> Vec<Literal> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'"' {
            i += 1;
            continue;
        }
        let mut close = i + 1;
        while close < text.len() && text[close] != b'"' {
            close += if text[close] == b'\\' { 2 } else { 1 };
        }
        let close = close.min(text.len());
        let mut after = close + 1;
        while after < text.len() && matches!(text[after], b' ' | b'\t') {
            after += 1;
        }
        found.push(Literal {
            open: i,
            close,
            is_key: text.get(after) == Some(&b':'),
        });
        i = close + 1;
    }
    found
}

/// How many string values (literals that are not keys) a piece of JSON holds.
pub(super) fn string_values(text: &[u8]) -> usize {
    literals(text).iter().filter(|l| !l.is_key).count()
}

/// Replaces (byte for byte, so offsets hold) the string values a frame must not print.
/// `shown`: a byte range of the excerpt whose values may be printed.
pub(super) fn mask(text: &mut [u8], mask: Mask, shown: std::ops::Range<usize>) {
    // The containers open, as far as the excerpt shows them: an array's elements are values
    // of the key it is the value of (`"subnets": [` one per line).
    enum Open {
        Array(Option<(usize, usize)>),
        Object,
    }
    let mut open: Vec<Open> = Vec::new();
    // The key of the innermost open array, whose elements are its values.
    let array_key = |open: &[Open]| match open.last() {
        Some(Open::Array(key)) => *key,
        _ => None,
    };
    // The key whose value comes next.
    let mut pending: Option<(usize, usize)> = None;
    let mut previous_end = 0;
    for literal in literals(text) {
        for &b in &text[previous_end.min(literal.open)..literal.open] {
            match b {
                b'[' => open.push(Open::Array(pending.take().or(array_key(&open)))),
                b'{' => {
                    pending = None;
                    open.push(Open::Object);
                }
                b']' | b'}' => {
                    open.pop();
                    pending = None;
                }
                b',' => pending = None,
                _ => {}
            }
        }
        previous_end = (literal.close + 1).min(text.len());
        if literal.is_key {
            pending = Some((literal.open + 1, literal.close));
            continue;
        }
        let key = pending.take().or(array_key(&open));
        let harmless = key.is_some_and(|(from, to)| is_harmless(&text[from..to]));
        let print = match mask {
            Mask::AllValues => false,
            Mask::UnlessHarmless { show_span } => {
                harmless || (show_span && shown.contains(&literal.open))
            }
        };
        if !print {
            for byte in &mut text[literal.open + 1..literal.close] {
                *byte = b'*';
            }
        }
    }
}

/// Calls `mask` with each line's start and end offsets.
pub(super) fn each_line(text: &mut [u8], mut mask: impl FnMut(&mut [u8], usize, usize)) {
    let mut line_start = 0;
    while line_start < text.len() {
        let line_end =
            memchr::memchr(b'\n', &text[line_start..]).map_or(text.len(), |i| line_start + i);
        mask(text, line_start, line_end);
        line_start = line_end + 1;
    }
}

/// Terraform (HCL) writes `key = "value"` and `"key": "value"` (in heredoc JSON): each quoted
/// value is masked unless its key (the last `key =` or `key:` before it on its line) is
/// harmless, written in either case (`network_mode` is `networkMode`), or it is the finding's
/// own shown value; a block's labels (`resource "aws_ecs_service" "api" {`) are shown; a
/// comment (`#`, `//`) is masked whole. Unquoted values (numbers, booleans, references such as
/// `var.image`) are code, and shown.
pub(super) fn mask_hcl(text: &mut [u8], mask: Mask, shown: std::ops::Range<usize>) {
    each_line(text, |text, start, end| {
        mask_hcl_line(text, start, end, mask, &shown)
    });
}

fn mask_hcl_line(
    text: &mut [u8],
    start: usize,
    end: usize,
    mask: Mask,
    shown: &std::ops::Range<usize>,
) {
    let line = text[start..end].to_vec();
    // A block's header: a name, labels, then `{` before any `=` (outside the labels' quotes).
    let trimmed = line.trim_ascii();
    let mut in_quote = false;
    let opener = trimmed.iter().find(|&&b| {
        in_quote ^= b == b'"';
        !in_quote && matches!(b, b'=' | b'{')
    });
    let header = trimmed.first().is_some_and(|b| b.is_ascii_alphabetic()) && opener == Some(&b'{');
    let mut key: Option<(usize, usize)> = None;
    let mut word: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b'#' => return star(&mut text[start + i + 1..end]),
            b'/' if line.get(i + 1) == Some(&b'/') => return star(&mut text[start + i + 2..end]),
            b'"' => {
                let open = i;
                let mut close = i + 1;
                while close < line.len() && line[close] != b'"' {
                    close += if line[close] == b'\\' { 2 } else { 1 };
                }
                let close = close.min(line.len());
                let after = line[close.min(line.len())..]
                    .iter()
                    .skip(1)
                    .find(|b| !matches!(b, b' ' | b'\t'));
                if matches!(after, Some(b'=' | b':'))
                    && line.get(close + 1..close + 3) != Some(b"==")
                {
                    key = Some((open + 1, close));
                } else {
                    let harmless = key.is_some_and(|(from, to)| harmless_key(&line[from..to]));
                    let own = shown.contains(&(start + open));
                    let print = match mask {
                        Mask::AllValues => false,
                        Mask::UnlessHarmless { show_span } => {
                            header || harmless || (show_span && own)
                        }
                    };
                    if !print {
                        star(&mut text[start + open + 1..start + close]);
                    }
                }
                word = None;
                i = close + 1;
                continue;
            }
            b'=' | b':' if line.get(i + 1) != Some(&b'=') => key = word.take().or(key),
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                let from = word.filter(|(_, to)| *to == i).map_or(i, |(from, _)| from);
                word = Some((from, i + 1));
            }
            b' ' | b'\t' => {}
            _ => word = None,
        }
        i += 1;
    }
}

/// Whether a Terraform key (`network_mode` or `networkMode`) names a member whose values are
/// never secret.
fn harmless_key(key: &[u8]) -> bool {
    let normalized: Vec<u8> = key.iter().copied().filter(|b| *b != b'_').collect();
    is_harmless(&normalized)
}

/// Whether values of the member `key` may be printed: its API name, or CloudFormation's
/// (`Image` for `image`), since the two differ by case.
pub(super) fn is_harmless(key: &[u8]) -> bool {
    HARMLESS
        .iter()
        .any(|h| h.as_bytes().eq_ignore_ascii_case(key))
}

/// Replaces every byte but white space and YAML's punctuation with `*` (offsets hold).
pub(super) fn star(bytes: &mut [u8]) {
    for byte in bytes {
        if !matches!(
            *byte,
            b' ' | b'\t' | b'{' | b'}' | b'[' | b']' | b',' | b':'
        ) {
            *byte = b'*';
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked_hcl(text: &str, shown: std::ops::Range<usize>) -> String {
        let mut bytes = text.as_bytes().to_vec();
        mask_hcl(&mut bytes, Mask::UnlessHarmless { show_span: true }, shown);
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_json_templates_members_are_judged_by_their_api_names() {
        let text = "{\"Image\": \"nginx:1\", \"Family\": \"web\", \"Environment\": [{\"Name\": \"DB\", \"Value\": \"pw\"}],\n\"Action\": \"s3:*\", \"Resource\": \"*\", \"Service\": \"ecs-tasks.amazonaws.com\", \"AWS\": \"arn:aws:iam::1:root\"}";
        let mut bytes = text.as_bytes().to_vec();
        mask(&mut bytes, Mask::UnlessHarmless { show_span: false }, 0..0);
        let out = String::from_utf8(bytes).unwrap();
        for shown in [
            "\"Image\": \"nginx:1\"",
            "\"Family\": \"web\"",
            "\"Name\": \"DB\"",
            "\"Action\": \"s3:*\"",
            "\"Service\": \"ecs-tasks.amazonaws.com\"",
        ] {
            assert!(out.contains(shown), "{shown} in {out}");
        }
        assert!(!out.contains("pw") && !out.contains("arn:aws"), "{out}");
        // An array's elements on their own lines are its key's values.
        let text = "{\n  \"subnets\": [\n    \"subnet-1\",\n    \"subnet-2\"\n  ],\n  \"command\": [\n    \"--token\",\n    \"s3cr3t\"\n  ]\n}";
        let mut bytes = text.as_bytes().to_vec();
        mask(&mut bytes, Mask::UnlessHarmless { show_span: false }, 0..0);
        let out = String::from_utf8(bytes).unwrap();
        assert!(
            out.contains("\"subnet-2\"") && !out.contains("s3cr3t"),
            "{out}"
        );
    }

    #[test]
    fn terraform_frames_show_code_and_harmless_values_and_mask_the_rest() {
        let text = "resource \"aws_ecs_task_definition\" \"app\" { # owner: alice\n  \
                    network_mode = \"awsvpc\"\n  \
                    environment = [{ name = \"DB_PASSWORD\", value = \"hunter2\" }]\n  \
                    image = var.image\n  \"secretOptions\": \"s3cr3t\"\n}\n";
        let masked = masked_hcl(text, 0..0);
        // Labels, harmless values and code stay; comments and other values are starred.
        assert!(
            masked.starts_with("resource \"aws_ecs_task_definition\" \"app\" { #"),
            "{masked}"
        );
        assert!(!masked.contains("alice"), "{masked}");
        assert!(masked.contains("network_mode = \"awsvpc\""), "{masked}");
        assert!(masked.contains("name = \"DB_PASSWORD\""), "{masked}");
        assert!(
            !masked.contains("hunter2") && !masked.contains("s3cr3t"),
            "{masked}"
        );
        assert!(masked.contains("image = var.image"), "{masked}");
        assert_eq!(masked.len(), text.len(), "offsets hold");
        // The finding's own value is shown.
        let own = text.find("\"hunter2\"").unwrap();
        assert!(masked_hcl(text, own..own + 9).contains("hunter2"));
    }
}
