//! What to read and as whom: the options of `collect`/`scan`, and the accounts file.

/// Where and how to read.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// Calls under way at once, per region.
    pub concurrency: usize,
    /// Accounts read at once.
    pub account_concurrency: usize,
    /// Regions read at once, per account.
    pub region_concurrency: usize,
    pub regions: Vec<String>,
    /// Every region enabled for the account (DescribeRegions) instead of `regions`.
    pub all_regions: bool,
    /// Every ACTIVE revision of every family, not only the latest and those in use.
    pub all_revisions: bool,
    /// Roles to assume, one account each.
    pub role_arns: Vec<String>,
    /// Accounts from a file (`ecslint scan --accounts-file`).
    pub accounts: Vec<AccountEntry>,
    /// Every ACTIVE account of the caller's AWS Organization (ListAccounts).
    pub organization: bool,
    /// The role to assume in accounts given by id (`path/name` or `name`).
    pub role_name: Option<String>,
    /// STS external id for every assumed role.
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// Task definitions earlier snapshots hold (`--since`), not described again.
    pub since: std::sync::Arc<super::Reusable>,
}

/// One line of an accounts file: an account id (the role is `--role-name`) or a role ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountEntry {
    Id { id: String, name: Option<String> },
    Role { arn: String, name: Option<String> },
}

/// Reads an accounts file: one account per line, `ID [NAME]` or `ROLE_ARN [NAME]`, separated by
/// spaces, tabs or a comma; `#` starts a comment. Errors name the file, line and column.
pub fn read_accounts_file(path: &std::path::Path) -> Result<Vec<AccountEntry>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the accounts file: {e}", path.display()))?;
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or_default();
        let Some(first) = content.split([' ', '\t', ',']).find(|t| !t.is_empty()) else {
            continue;
        };
        let column = content.find(first).unwrap_or(0) + 1;
        let rest = content[column - 1 + first.len()..]
            .trim_matches(|c: char| c.is_whitespace() || c == ',');
        let name = (!rest.is_empty()).then(|| rest.to_string());
        if first.len() == 12 && first.bytes().all(|b| b.is_ascii_digit()) {
            entries.push(AccountEntry::Id {
                id: first.to_string(),
                name,
            });
        } else if role_account(first).is_some() {
            entries.push(AccountEntry::Role {
                arn: first.to_string(),
                name,
            });
        } else {
            return Err(format!(
                "{}:{}:{column}: `{first}` is neither a 12-digit account id nor an IAM role ARN",
                path.display(),
                number + 1
            ));
        }
    }
    Ok(entries)
}

/// The account of a role ARN (`arn:PARTITION:iam::ACCOUNT:role/NAME`).
pub(super) fn role_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource.starts_with("role/"))
    .then_some(account)
}
