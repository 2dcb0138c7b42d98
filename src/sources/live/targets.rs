//! The accounts and regions to read.

use super::client::short_error;
use super::options::{AccountEntry, LiveOptions, role_account};

/// One account to read, and how.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Target {
    /// Known before reading (from an ARN, a file or Organizations); else asked of STS.
    pub account: Option<String>,
    /// The role to assume; none: the caller's own credentials.
    pub role_arn: Option<String>,
    /// For people: Organizations' account name, or the accounts file's second column.
    pub name: Option<String>,
}

/// The regions to read: those asked for, every enabled one, or the configured default.
pub(super) async fn regions(
    options: &LiveOptions,
    base: &aws_config::SdkConfig,
) -> Result<Vec<String>, String> {
    if options.all_regions {
        let ec2 = aws_sdk_ec2::Client::new(base);
        let regions = ec2
            .describe_regions()
            .send()
            .await
            .map_err(|e| short_error(&e))?;
        let mut names: Vec<String> = regions
            .regions()
            .iter()
            .filter_map(|r| r.region_name().map(str::to_string))
            .collect();
        names.sort();
        return Ok(names);
    }
    if !options.regions.is_empty() {
        return Ok(options.regions.clone());
    }
    Ok(vec![base.region().map_or_else(
        || "us-east-1".to_string(),
        |r| r.to_string(),
    )])
}

/// The accounts to read: assumed roles, an accounts file, the organization's accounts; the
/// caller's own account when none is named. An account given by id is read with the caller's
/// credentials when it is the caller's account (the management account of an organization has
/// no member-account role), else through `role_name`.
pub(super) async fn targets(
    options: &LiveOptions,
    base: &aws_config::SdkConfig,
) -> Result<Vec<Target>, String> {
    let mut targets: Vec<Target> = Vec::new();
    let mut by_id: Vec<(String, Option<String>)> = Vec::new();
    for arn in &options.role_arns {
        targets.push(Target {
            account: role_account(arn).map(str::to_string),
            role_arn: Some(arn.clone()),
            name: None,
        });
    }
    for entry in &options.accounts {
        match entry {
            AccountEntry::Role { arn, name } => targets.push(Target {
                account: role_account(arn).map(str::to_string),
                role_arn: Some(arn.clone()),
                name: name.clone(),
            }),
            AccountEntry::Id { id, name } => by_id.push((id.clone(), name.clone())),
        }
    }
    if options.organization {
        let organizations = aws_sdk_organizations::Client::new(base);
        let mut pages = organizations.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page
                .map_err(|e| format!("organizations:ListAccounts failed: {}", short_error(&e)))?;
            for account in page.accounts() {
                use aws_sdk_organizations::types::{AccountState, AccountStatus};
                // `State` replaces the deprecated `Status`; either says whether it can be read.
                #[allow(deprecated)]
                let active = match (account.state(), account.status()) {
                    (Some(state), _) => *state == AccountState::Active,
                    (None, Some(status)) => *status == AccountStatus::Active,
                    (None, None) => true,
                };
                if let (true, Some(id)) = (active, account.id()) {
                    by_id.push((id.to_string(), account.name().map(str::to_string)));
                }
            }
        }
    }
    let asked = !targets.is_empty() || !by_id.is_empty() || options.organization;
    if !by_id.is_empty() {
        let caller = aws_sdk_sts::Client::new(base)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| format!("sts:GetCallerIdentity failed: {}", short_error(&e)))?;
        let own = caller.account().unwrap_or_default().to_string();
        let partition = caller
            .arn()
            .and_then(|arn| arn.split(':').nth(1))
            .unwrap_or("aws")
            .to_string();
        for (id, name) in by_id {
            let role_arn = if id == own {
                None
            } else {
                let role = options.role_name.as_deref().ok_or_else(|| {
                    format!(
                        "account {id} is given by id: --role-name says which role to assume in it"
                    )
                })?;
                Some(format!(
                    "arn:{partition}:iam::{id}:role/{}",
                    role.trim_start_matches('/')
                ))
            };
            targets.push(Target {
                account: Some(id),
                role_arn,
                name,
            });
        }
    }
    if asked && targets.is_empty() {
        return Err("no account to read: the organization or the accounts file lists none".into());
    }
    if !asked {
        targets.push(Target {
            account: None,
            role_arn: None,
            name: None,
        });
    }
    targets.sort();
    targets.dedup_by(|a, b| a.account.is_some() && a.account == b.account);
    Ok(targets)
}

pub(super) fn home_region(options: &LiveOptions) -> String {
    options
        .regions
        .first()
        .cloned()
        .unwrap_or_else(|| "us-east-1".to_string())
}
