//! `cairn bake`: a credential baked into a PNG or SVG badge image (OB 3.0 §5.3).

use std::path::{Path, PathBuf};

use cairn_issuer::Error;
use clap::Args;

#[derive(Args)]
pub(crate) struct BakeArgs {
    /// The credential: its JSON file, or a file holding its compact JWS.
    #[arg(long)]
    credential: PathBuf,
    /// The PNG or SVG to bake into; without it, Cairn's generated badge in the format --out names.
    #[arg(long)]
    image: Option<PathBuf>,
    /// Where to write the baked image (.png or .svg).
    #[arg(long)]
    out: PathBuf,
    /// Replace a credential the image already holds instead of refusing.
    #[arg(long)]
    replace: bool,
}

/// `cairn bake`.
pub(crate) fn run(args: BakeArgs) -> Result<(), Error> {
    let read =
        |path: &Path| std::fs::read(path).map_err(|e| Error::Io(path.to_path_buf(), e.to_string()));
    let credential = String::from_utf8(read(&args.credential)?)
        .map_err(|_| Error::input("credential", "the credential file is not UTF-8"))?;
    let image = match &args.image {
        Some(path) => read(path)?,
        None => {
            let format = match args.out.extension().and_then(|e| e.to_str()) {
                Some("png") => cairn_issuer::ImageFormat::Png,
                Some("svg") => cairn_issuer::ImageFormat::Svg,
                _ => {
                    return Err(Error::input(
                        "out",
                        "without --image, --out must end in .png or .svg",
                    ))
                }
            };
            // The badge names the achievement and issuer of a JSON credential (a JWS: none).
            let doc = if credential.trim_start().starts_with('{') {
                serde_json::from_str(&credential)
                    .map_err(|e| Error::input("credential", e.to_string()))?
            } else {
                serde_json::Value::Null
            };
            cairn_issuer::generated_badge(&doc, format)?
        }
    };
    let baked = cairn_issuer::bake(&image, &credential, args.replace)?;
    std::fs::write(&args.out, baked).map_err(|e| Error::Io(args.out.clone(), e.to_string()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
