//! Codex 0.171's spilling of long hook texts (spec §4): a text over its token limit is
//! written whole to `<TMPDIR>/hook_outputs/<thread_id>/<uuid>.txt` and the model sees a
//! head…tail preview with a footer naming the file. The preview is pure ([`preview`]); only
//! [`Spiller::spill`] writes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The limit when a handler sets none, and the one PostToolUse feedback and Stop/SubagentStop
/// continuation prompts always use.
pub const DEFAULT_LIMIT: u64 = 2500;

const BYTES_PER_TOKEN: usize = 4;

/// Codex's token estimate: UTF-8 bytes / 4, rounded up.
pub fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(BYTES_PER_TOKEN)
}

/// Whether Codex spills `text` under `limit` (0: never).
pub fn over_limit(text: &str, limit: u64) -> bool {
    limit > 0 && u64::try_from(estimate_tokens(text)).unwrap_or(u64::MAX) > limit
}

/// The model-visible text of a spilled `text` whose full copy is at `shown_path`.
/// `budget_path` is the path whose length the preview budget is computed from (Codex uses
/// the real path; hooktape may pass a machine-independent one of the same shape).
pub fn preview(text: &str, limit: u64, shown_path: &str, budget_path: &str) -> String {
    let budget_footer = format!("\n\nFull hook output saved to: {budget_path}");
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let budget = limit.saturating_sub(estimate_tokens(&budget_footer));
    format!(
        "{}\n\nFull hook output saved to: {shown_path}",
        formatted_truncate(text, budget)
    )
}

/// Codex's `formatted_truncate_text`: a header with the original size, then the text cut in
/// the middle to `tokens`.
pub fn formatted_truncate(text: &str, tokens: usize) -> String {
    format!(
        "Warning: truncated output (original token count: {})\nTotal output lines: {}\n\n{}",
        estimate_tokens(text),
        text.lines().count(),
        truncate_middle(text, tokens)
    )
}

/// Keeps about half of `tokens × 4` bytes from each end, cut on character boundaries, with
/// `…N tokens truncated…` between (N: the excess over the budget, rounded up).
pub fn truncate_middle(text: &str, tokens: usize) -> String {
    let budget = tokens.saturating_mul(BYTES_PER_TOKEN);
    if text.len() <= budget {
        return text.to_owned();
    }
    let excess = (text.len() - budget).div_ceil(BYTES_PER_TOKEN);
    if tokens == 0 {
        return format!("…{} tokens truncated…", estimate_tokens(text));
    }
    let left = budget / 2;
    let right = budget - left;
    let head_end = floor_char_boundary(text, left);
    let tail_start = ceil_char_boundary(text, text.len() - right);
    format!(
        "{}…{excess} tokens truncated…{}",
        &text[..head_end],
        &text[tail_start..]
    )
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// Where spilled texts go.
#[derive(Debug)]
pub struct Spiller {
    /// `<TMPDIR>/hook_outputs`, where the files are written.
    root: PathBuf,
    /// The same folder as the preview budget counts it (see [`preview`]).
    budget_root: String,
    next: AtomicU64,
}

impl Clone for Spiller {
    fn clone(&self) -> Self {
        Spiller {
            root: self.root.clone(),
            budget_root: self.budget_root.clone(),
            next: AtomicU64::new(self.next.load(Ordering::SeqCst)),
        }
    }
}

impl Spiller {
    /// Spills under `tmpdir/hook_outputs`; the budget counts `budget_tmpdir` in its place.
    pub fn new(tmpdir: &Path, budget_tmpdir: &str) -> Self {
        Spiller {
            root: tmpdir.join("hook_outputs"),
            budget_root: format!("{budget_tmpdir}/hook_outputs"),
            next: AtomicU64::new(1),
        }
    }

    /// `text` as the model sees it: unchanged under the limit, else written whole to a file
    /// of `thread_id`'s folder and replaced by its preview. When the file cannot be written,
    /// Codex sends the cut text without a footer; so does this.
    pub fn spill(&self, text: &str, limit: u64, thread_id: &str) -> String {
        if !over_limit(text, limit) {
            return text.to_owned();
        }
        // A v4-shaped name, counted so that goldens are reproducible.
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let name = format!("00000000-0000-4000-a000-{n:012}.txt");
        let dir = self.root.join(thread_id);
        let path = dir.join(&name);
        let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, text));
        match written {
            Ok(()) => preview(
                text,
                limit,
                &path.display().to_string(),
                &format!("{}/{thread_id}/{name}", self.budget_root),
            ),
            Err(_) => formatted_truncate(text, usize::try_from(limit).unwrap_or(usize::MAX)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_rounds_up() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
        assert_eq!(estimate_tokens(&"x".repeat(14_700)), 3675);
    }

    #[test]
    fn spills_only_above_the_limit_and_never_at_zero() {
        assert!(!over_limit(&"x".repeat(10_000), 2500));
        assert!(over_limit(&"x".repeat(10_001), 2500));
        assert!(!over_limit(&"x".repeat(1_000_000), 0));
    }

    #[test]
    fn middle_cut_keeps_both_ends_and_counts_the_excess() {
        let text = format!("{}{}", "a".repeat(50), "b".repeat(50));
        // 10 tokens = 40 bytes: 20 from each end; 60 bytes over = 15 tokens.
        assert_eq!(
            truncate_middle(&text, 10),
            format!("{}…15 tokens truncated…{}", "a".repeat(20), "b".repeat(20))
        );
        assert_eq!(truncate_middle("short", 10), "short");
        assert_eq!(truncate_middle("abcdefgh", 0), "…2 tokens truncated…");
    }

    #[test]
    fn middle_cut_never_splits_a_character() {
        let text = "é".repeat(30); // 60 bytes
        let cut = truncate_middle(&text, 5); // 20 bytes: 10 + 10
        assert!(cut.starts_with(&"é".repeat(5)));
        assert!(cut.ends_with(&"é".repeat(5)));
    }

    #[test]
    fn preview_has_header_body_and_footer() {
        let text = "line\n".repeat(100); // 500 bytes, 100 lines
        let out = preview(&text, 60, "/t/f.txt", "/t/f.txt");
        // footer "\n\nFull hook output saved to: /t/f.txt" is 37 bytes = 10 tokens: budget 50.
        assert!(out.starts_with(
            "Warning: truncated output (original token count: 125)\nTotal output lines: 100\n\n"
        ));
        assert!(out.contains("…75 tokens truncated…"));
        assert!(out.ends_with("\n\nFull hook output saved to: /t/f.txt"));
    }

    #[test]
    fn spiller_writes_the_whole_text_and_points_at_it() {
        let dir = tempfile::tempdir().unwrap();
        let spiller = Spiller::new(dir.path(), "/tmp");
        let text = "y".repeat(200);
        assert_eq!(spiller.spill("short", 10, "thread"), "short");
        let out = spiller.spill(&text, 10, "thread");
        let file = dir
            .path()
            .join("hook_outputs/thread/00000000-0000-4000-a000-000000000001.txt");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
        assert!(out.ends_with(&format!("Full hook output saved to: {}", file.display())));
    }
}
