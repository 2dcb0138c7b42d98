//! Writing reports, baselines and fixed files: atomically (a temporary file beside the target,
//! then a rename, so a killed run never leaves a truncated report or a half-written input), and
//! never over a file the run reads.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `path` by streaming into a temporary file in the same folder and renaming it over the
/// target once `fill` succeeded. On any error the target is left as it was. A target that is not
/// a regular file (`-o /dev/null`, a pipe, a link) is written through, never replaced: renaming
/// over `/dev/null` would turn it into a file for every program on the machine.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_replacing(path, fill, true)
}

/// [`write_atomically`] without waiting for the disk: for a report, which a crash loses no
/// work of (it is made again), and whose sync took longer than writing it (200 MB).
pub fn write_report(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_replacing(path, fill, false)
}

fn write_replacing(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    sync: bool,
) -> std::io::Result<()> {
    if let Ok(existing) = std::fs::symlink_metadata(path)
        && !existing.file_type().is_file()
    {
        let target = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .create(true)
            .open(path)?;
        let mut out = std::io::BufWriter::new(target);
        fill(&mut out)?;
        return out.flush();
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let temporary = folder.join(format!(".{name}.ecslint-{}.tmp", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&temporary)?;
        let mut out = std::io::BufWriter::new(file);
        fill(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        if sync {
            file.sync_all()?;
        }
        // Keep the permissions of a file that is replaced.
        if let Ok(existing) = std::fs::metadata(path) {
            std::fs::set_permissions(&temporary, existing.permissions())?;
        }
        swap_into_place(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Moves `temporary` to `path`, replacing the file there atomically: a reader sees the old
/// file or the new one, whole. Where the system can, the two are exchanged and the old one,
/// now at `temporary`, removed: ext4 starts writing out a file renamed over another in the
/// rename itself (its `auto_da_alloc` guard for programs that skip `fsync`), which took 5 ms
/// of a 10 MB report and made replacing a report slower than writing a new one.
fn swap_into_place(temporary: &Path, path: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        // Fails when there is nothing to exchange with, or the file system cannot: rename then.
        if renameat_with(CWD, temporary, CWD, path, RenameFlags::EXCHANGE).is_ok() {
            // The new file is in place; failing to remove the old one loses nothing.
            let _ = std::fs::remove_file(temporary);
            return Ok(());
        }
    }
    std::fs::rename(temporary, path)
}

/// Refuses an output path that is one of the inputs (or the baseline being read): `-o` naming
/// them would silently replace what the run just read.
pub fn refuse_inputs<'a>(
    output: &Path,
    inputs: impl IntoIterator<Item = (&'a Path, Option<(u64, u64)>)>,
) -> Result<(), String> {
    let Ok(target) = output.canonicalize() else {
        // It does not exist yet: it is no input.
        return Ok(());
    };
    let target_id = file_id(&target);
    for (input, known) in inputs {
        // By the file's identity where the system gives one: taken when the input was read,
        // else a stat, not a path resolved component by component.
        let same = match (&target_id, known.or_else(|| file_id(input))) {
            (Some(target_id), Some(input_id)) => *target_id == input_id,
            _ => input.canonicalize().is_ok_and(|input| input == target),
        };
        if same {
            return Err(format!(
                "{}: the output would replace an input of this run; write it elsewhere",
                output.display()
            ));
        }
    }
    Ok(())
}

/// The device and inode of the file a path leads to (links followed), on Unix.
fn file_id(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Why `fix` may not write `path`, if it may not: it must be a regular file (not a symlink)
/// inside one of the paths the user gave.
pub fn fix_target_problem(path: &Path, roots: &[PathBuf]) -> Option<String> {
    match std::fs::symlink_metadata(path) {
        Err(e) => return Some(e.to_string()),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Some("is a symbolic link; fix does not write through links".into());
        }
        Ok(meta) if !meta.is_file() => return Some("is not a regular file".into()),
        Ok(_) => {}
    }
    let Ok(target) = path.canonicalize() else {
        return Some("cannot resolve its path".into());
    };
    let inside = roots.iter().any(|root| {
        root.canonicalize()
            .is_ok_and(|root| target == root || target.starts_with(&root))
    });
    (!inside).then(|| "is outside the paths given to fix".into())
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_target_that_is_not_a_regular_file_is_written_through_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("report.json");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("latest.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, |out| out.write_all(b"new")).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        // A regular file is replaced whole.
        write_atomically(&real, |out| out.write_all(b"newer")).unwrap();
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "newer");
    }
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_target_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.sarif");
        std::fs::write(&path, "old").unwrap();
        let failed = write_atomically(&path, |out| {
            out.write_all(b"half")?;
            Err(std::io::Error::other("killed"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
        write_atomically(&path, |out| out.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        // Replacing (exchanged with the old file where the system can): the old one is gone,
        // the permissions are kept.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_report(&path, |out| out.write_all(b"newer")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "newer");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
