//! Evidence files: the types accepted, each recognised by its content (not by the name or the
//! type the browser claims), and the limits of `[evidence]`.

use crate::error::Error;

/// The types a teacher may attach: (media type, the extensions its name may have).
const ACCEPTED: [(&str, &[&str]); 9] = [
    ("application/pdf", &["pdf"]),
    ("image/png", &["png"]),
    ("image/jpeg", &["jpg", "jpeg"]),
    ("video/mp4", &["mp4", "m4v"]),
    ("audio/mpeg", &["mp3"]),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        &["pptx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
    ),
    ("text/plain", &["txt", "md", "csv"]),
];

/// The accepted extensions, for the upload form's `accept` and its help text.
pub fn accepted_extensions() -> Vec<&'static str> {
    ACCEPTED
        .iter()
        .flat_map(|(_, e)| e.iter().copied())
        .collect()
}

/// The media type of a file named `name` with `bytes`, when its content shows it to be one of
/// the accepted types and its name's extension agrees; `artifact_refused` otherwise.
pub fn sniff(name: &str, bytes: &[u8]) -> Result<&'static str, Error> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let found = match infer::get(bytes) {
        Some(kind) => ACCEPTED
            .iter()
            .find(|(mime, _)| *mime == kind.mime_type())
            .map(|(mime, exts)| (*mime, *exts))
            .ok_or_else(|| {
                Error::ArtifactRefused(format!(
                    "{name}: its content is {}, which is not accepted (accepted: {})",
                    kind.mime_type(),
                    accepted_extensions().join(", ")
                ))
            })?,
        // Text has no magic number: valid UTF-8 without control characters other than tabs
        // and line ends.
        None if std::str::from_utf8(bytes).is_ok_and(|t| {
            !t.chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        }) =>
        {
            ("text/plain", &["txt", "md", "csv"][..])
        }
        None => {
            return Err(Error::ArtifactRefused(format!(
                "{name}: its content is not a type that is accepted (accepted: {})",
                accepted_extensions().join(", ")
            )))
        }
    };
    if !found.1.contains(&ext.as_str()) {
        return Err(Error::ArtifactRefused(format!(
            "{name}: the name says .{ext} but the content is {}",
            found.0
        )));
    }
    Ok(found.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_their_content() {
        let png = crate::default_badge_png("A", "B").unwrap_or_default();
        let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
            (
                "plan.pdf",
                b"%PDF-1.7\n1 0 obj\n".to_vec(),
                Some("application/pdf"),
            ),
            ("work.png", png.clone(), Some("image/png")),
            (
                "notes.txt",
                b"Lesson 1\tgoals\n".to_vec(),
                Some("text/plain"),
            ),
            // A PNG named .pdf, a script named .txt, an executable, a text with NULs.
            ("plan.pdf", png, None),
            ("run.txt", b"MZ\x90\x00\x03\x00\x00\x00".to_vec(), None),
            ("x.exe", b"MZ\x90\x00\x03\x00\x00\x00".to_vec(), None),
            ("notes.txt", b"a\x00b".to_vec(), None),
            (
                "page.html",
                b"<html><script>alert(1)</script>".to_vec(),
                None,
            ),
        ];
        for (name, bytes, expected) in cases {
            assert_eq!(sniff(name, &bytes).ok(), expected, "{name}");
        }
    }
}
