//! The live source: reads an account's ECS estate through the AWS SDK and writes it as an ecslint
//! snapshot, the multi-collection document `check` reads. This is the only module that touches the
//! network.
//!
//! ECS speaks JSON, and its response bodies are exactly the raw API shapes the rules read: an
//! interceptor keeps each body as received, so no typed copy of the API stands between the service
//! and the rules (a new ECS field is visible to rules without a code change). The typed output is
//! used only for paging tokens and ids.
//!
//! IAM, EC2 and Auto Scaling answer in XML; `xml.rs` turns those bodies into the CLI's JSON with
//! the services' own models, for the same reason.

#[macro_use]
mod capture;
mod autoscaling;
mod client;
mod ec2;
mod ecs;
mod iam;
mod options;
mod since;
mod targets;
mod xml;

pub use options::{AccountEntry, LiveOptions, read_accounts_file};
pub use since::{Reusable, read_since};

use crate::sources::snapshot;
use autoscaling::collect_groups;
use capture::Collected;
use client::{Scope, sdk_config, short_error};
use ec2::collect_network;
use ecs::collect_region;
use iam::{collect_iam, read_authorization_details};
use serde_json::Value;
use std::sync::Arc;
use targets::{Target, home_region, regions, targets};

/// Reads the estate and returns one snapshot document per account and region, labelled
/// `region` (the caller's own account alone) or `account-region`; an account that could not be
/// entered at all gets one snapshot, labelled `account`, that says so.
pub fn collect(options: &LiveOptions) -> Result<Vec<(String, Value)>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let base = sdk_config(options, &home_region(options), None).await;
        let targets = targets(options, &base).await?;
        let label_with_account = targets.len() > 1 || targets[0].role_arn.is_some();
        let options = Arc::new(options.clone());
        let progress = indicatif::MultiProgress::new();
        let limit = Arc::new(tokio::sync::Semaphore::new(
            options.account_concurrency.max(1),
        ));
        let mut accounts = tokio::task::JoinSet::new();
        for target in targets {
            let (options, base, progress, limit) = (
                options.clone(),
                base.clone(),
                progress.clone(),
                limit.clone(),
            );
            accounts.spawn(async move {
                let _permit = limit.acquire_owned().await;
                collect_account(options, base, target, label_with_account, progress).await
            });
        }
        let mut snapshots = Vec::new();
        while let Some(joined) = accounts.join_next().await {
            snapshots.extend(joined.map_err(|e| format!("an account's scan stopped: {e}"))?);
        }
        snapshots.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(snapshots)
    })
}

/// Who a snapshot was read as.
#[derive(Debug, Clone, Default)]
struct AccountMeta {
    account: Option<String>,
    name: Option<String>,
    role_arn: Option<String>,
    /// Whether the scan is incremental (`--since`).
    incremental: bool,
}

/// One account: enter it (AssumeRole, proven by GetCallerIdentity), read IAM once, then its
/// regions, `region_concurrency` at a time.
async fn collect_account(
    options: Arc<LiveOptions>,
    base: aws_config::SdkConfig,
    target: Target,
    label_with_account: bool,
    progress: indicatif::MultiProgress,
) -> Vec<(String, Value)> {
    let credentials = match &target.role_arn {
        Some(arn) => {
            let mut provider = aws_config::sts::AssumeRoleProvider::builder(arn.clone())
                .session_name("ecslint")
                .configure(&base);
            if let Some(external_id) = &options.external_id {
                provider = provider.external_id(external_id.clone());
            }
            Some(provider.build().await)
        }
        None => None,
    };
    let config = sdk_config(&options, &home_region(&options), credentials).await;
    let mut meta = AccountMeta {
        account: target.account.clone(),
        name: target.name.clone(),
        role_arn: target.role_arn.clone(),
        incremental: options.since.is_given(),
    };
    // Proves the credentials before any region is read, and names the caller's own account.
    let identity = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await;
    let entered = match identity {
        Ok(identity) => {
            if meta.account.is_none() {
                meta.account = identity.account().map(str::to_string);
            }
            Ok(())
        }
        // The caller's own credentials need no proof; the account then stays unnamed.
        Err(_) if target.role_arn.is_none() => Ok(()),
        Err(e) => Err(("sts:AssumeRole", short_error(&e))),
    };
    let regions = match entered {
        Ok(()) => regions(&options, &config)
            .await
            .map_err(|e| ("ec2:DescribeRegions", e)),
        Err(failure) => Err(failure),
    };
    let account_label = meta.account.clone().unwrap_or_else(|| "unknown".into());
    let regions = match regions {
        Ok(regions) => regions,
        Err((call, error)) => {
            let mut nothing = Collected::default();
            nothing.failed(
                call,
                &error,
                &format!("account {account_label}: every region"),
            );
            return vec![(account_label, snapshot(None, &meta, nothing))];
        }
    };
    let account_wide =
        Arc::new(read_authorization_details(&Scope::new(config.clone(), &account_label)).await);
    let limit = Arc::new(tokio::sync::Semaphore::new(
        options.region_concurrency.max(1),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, region) in regions.into_iter().enumerate() {
        let (options, account_wide, limit, progress, meta) = (
            options.clone(),
            account_wide.clone(),
            limit.clone(),
            progress.clone(),
            meta.clone(),
        );
        // Same credentials, endpoint and retries; another region.
        let scope = Scope::new(
            config
                .to_builder()
                .region(aws_config::Region::new(region.clone()))
                .build(),
            &account_label,
        );
        let label = if label_with_account {
            format!("{account_label}-{region}")
        } else {
            region.clone()
        };
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let bar = progress.add(indicatif::ProgressBar::new_spinner());
            bar.set_prefix(label.clone());
            let mut collected = collect_region(
                &scope,
                options.concurrency,
                options.all_revisions,
                &options.since,
                bar,
            )
            .await;
            // Account-wide calls are counted once, in the account's first region's snapshot.
            if i == 0 {
                collected.called("sts:GetCallerIdentity");
            }
            collect_iam(&scope, &account_wide, i == 0, &mut collected).await;
            collect_network(&scope, &mut collected).await;
            collect_groups(&scope, &mut collected).await;
            if let Some(bar) = collected.progress.take() {
                bar.finish_and_clear();
            }
            (label, snapshot(Some(&region), &meta, collected))
        });
    }
    let mut snapshots = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(done) => snapshots.push(done),
            Err(e) => {
                let mut nothing = Collected::default();
                nothing.failed("scan", &e, &format!("a region of account {account_label}"));
                snapshots.push((
                    format!("{account_label}-failed"),
                    snapshot(None, &meta, nothing),
                ));
            }
        }
    }
    snapshots
}

fn snapshot(region: Option<&str>, meta: &AccountMeta, collected: Collected) -> Value {
    let header = snapshot::Header {
        account: meta.account.clone(),
        account_name: meta.name.clone(),
        role: meta.role_arn.clone(),
        region: region.map(str::to_string),
        calls: collected.calls,
        reused: meta.incremental.then_some(collected.reused),
        collection_errors: collected.errors,
    };
    snapshot::write(header, collected.resources, collected.settings)
}
