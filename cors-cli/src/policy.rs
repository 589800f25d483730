//! Reading a policy file (JSON or TOML, by its extension) into the core's [`Config`], and
//! writing one field back in the file's own syntax, for proposed changes.

use std::fmt;
use std::path::Path;

use fetch_cors::Config;

/// The syntax of a policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.json`
    Json,
    /// `.toml`
    Toml,
}

impl Format {
    /// The format named by `path`'s extension, if it is one.
    pub fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "toml" => Some(Format::Toml),
            _ => None,
        }
    }

    /// One field as written in this syntax: `"allow_methods": ["PUT"]` or
    /// `allow_methods = ["PUT"]`.
    pub fn field(self, name: &str, value: &FieldValue) -> String {
        let value = match value {
            FieldValue::List(items) => {
                let quoted: Vec<String> = items
                    .iter()
                    .map(|i| serde_json::Value::String(i.clone()).to_string())
                    .collect();
                format!("[{}]", quoted.join(", "))
            }
            FieldValue::Bool(b) => b.to_string(),
        };
        match self {
            Format::Json => format!("\"{name}\": {value}"),
            Format::Toml => format!("{name} = {value}"),
        }
    }
}

/// A field's value, for [`Format::field`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A list of strings.
    List(Vec<String>),
    /// A boolean.
    Bool(bool),
}

/// Why a policy file could not be read (a usage or config error: exit status 2).
#[derive(Debug)]
pub struct LoadError(pub String);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

/// Reads and parses the policy file at `path` (not yet validated: that is
/// [`fetch_cors::Cors::try_from`]'s job).
pub fn load(path: &Path) -> Result<(Config, Format), LoadError> {
    let format = Format::of(path).ok_or_else(|| {
        LoadError(format!(
            "{}: a policy file ends in .json or .toml",
            path.display()
        ))
    })?;
    let text =
        std::fs::read_to_string(path).map_err(|e| LoadError(format!("{}: {e}", path.display())))?;
    let config = match format {
        Format::Json => serde_json::from_str::<Config>(&text).map_err(|e| e.to_string()),
        Format::Toml => toml::from_str::<Config>(&text).map_err(|e| e.to_string()),
    }
    .map_err(|e| LoadError(format!("{}: {}", path.display(), e.trim_end())))?;
    Ok((config, format))
}
