//! `ecslint collect` and `ecslint scan`: read accounts live into snapshots (and check them).

#[allow(unused_imports)]
use crate::cli::*;

/// Writes one snapshot per region; returns their paths.
#[cfg(feature = "live")]
pub fn write_snapshots(live: &LiveArgs, output: &std::path::Path) -> Result<Vec<PathBuf>, u8> {
    let snapshots = sources::live::collect(&live.options().map_err(fail)?).map_err(fail)?;
    let several = snapshots.len() > 1;
    let mut paths = Vec::new();
    for (region, snapshot) in snapshots {
        let path = if several {
            let stem = output
                .file_stem()
                .map_or("snapshot".into(), |s| s.to_string_lossy().into_owned());
            output.with_file_name(format!("{stem}-{region}.json"))
        } else {
            output.to_path_buf()
        };
        let mut text = serde_json::to_string_pretty(&snapshot).unwrap_or_default();
        text.push('\n');
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| fail(format!("{}: {e}", parent.display())))?;
        }
        write_output(Some(&path), &text)?;
        let meta = &snapshot["ecslintSnapshot"];
        let calls: u64 = meta["calls"].as_object().map_or(0, |c| {
            c.values().filter_map(serde_json::Value::as_u64).sum()
        });
        // An incremental scan says what it did not have to ask again.
        let saved = match meta["reusedTaskDefinitions"].as_u64() {
            Some(reused) => {
                format!(" ({reused} task definitions taken from --since: {reused} calls saved)")
            }
            None => String::new(),
        };
        eprintln!(
            "{region}: {} task definitions, {} services, {} clusters in {calls} calls{saved}; {} calls failed -> {}",
            snapshot["taskDefinitions"].as_array().map_or(0, Vec::len),
            snapshot["services"].as_array().map_or(0, Vec::len),
            snapshot["clusters"].as_array().map_or(0, Vec::len),
            meta["collectionErrors"].as_array().map_or(0, Vec::len),
            path.display()
        );
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(feature = "live")]
pub fn collect(args: CollectArgs) -> u8 {
    match write_snapshots(&args.live, &args.output) {
        Ok(_) => EXIT_CLEAN,
        Err(code) => code,
    }
}

/// `ecslint scan`: collect, then check the snapshot exactly as `check` would, so findings point
/// into the snapshot file (SARIF needs a physical location) and carry the resource ARNs.
#[cfg(feature = "live")]
pub fn scan(mut args: ScanArgs) -> u8 {
    let temporary;
    let snapshot = match (&args.snapshot, &args.check.output) {
        (Some(path), _) => path.clone(),
        (None, Some(report)) => report.with_extension("snapshot.json"),
        (None, None) => {
            temporary =
                std::env::temp_dir().join(format!("ecslint-scan-{}.json", std::process::id()));
            temporary.clone()
        }
    };
    let paths = match write_snapshots(&args.live, &snapshot) {
        Ok(paths) => paths,
        Err(code) => return code,
    };
    args.check.lint.paths = paths;
    check(args.check)
}
