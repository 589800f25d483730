//! The conformance cases as data, and the loader that turns the data files into
//! [`Case`]s and [`StartupCheck`]s.
//!
//! See the crate documentation for the file format.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::client::Request;
use crate::ADAPTERS;

/// Everything the suite runs: the HTTP cases and the start-up checks.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The directory holding the policy files (`<name>.json`).
    pub policies_dir: PathBuf,
    /// Every HTTP case, files in name order, cases in file order.
    pub cases: Vec<Case>,
    /// Every start-up check (invalid policies, bad command lines).
    pub startup: Vec<StartupCheck>,
}

/// One request sent to a server running one policy, and what must come back.
#[derive(Debug, Clone)]
pub struct Case {
    /// `<file stem>/<name>`, unique in the suite.
    pub name: String,
    /// The policy the server runs: a file name under `policies/`, without `.json`.
    pub policy: String,
    /// The request, byte for byte.
    pub request: Request,
    /// What the response must look like.
    pub expect: Expect,
}

/// What a response must look like. Only what is given is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expect {
    /// The status code.
    pub status: u16,
    /// `Some(true)`: `x-handler: reached` must be present; `Some(false)`: no
    /// `x-handler` line at all.
    pub handler: Option<bool>,
    /// Headers that must be present with exactly this value (lines of the same name
    /// joined with `", "`). Names are lower case.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Header names that must not be present. A name ending in `*` stands for every
    /// name with that prefix. Lower case.
    pub absent: Vec<String>,
    /// Tokens the `Vary` field (lines joined, split on commas) must contain,
    /// compared case-insensitively. Lower case.
    pub vary: Vec<String>,
    /// Tokens the `Vary` field must not contain. Lower case.
    pub not_vary: Vec<String>,
    /// The exact body, when given.
    pub body: Option<Vec<u8>>,
}

/// A server start that must fail: exit status 2, nothing on stdout and exactly one
/// non-empty line on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupCheck {
    /// `<file stem>/<name>`, unique in the suite.
    pub name: String,
    /// The policy file given with `--config`, as a name under `policies/` without
    /// `.json`, when the check is about a policy rather than a command line.
    pub policy: Option<String>,
    /// The command-line arguments, paths already resolved.
    pub args: Vec<String>,
    /// The stderr line must contain at least one of these (usually the offending
    /// field's name); empty means anything goes.
    pub mentions: Vec<String>,
    /// The adapters that must refuse this start (names from [`ADAPTERS`]); empty means
    /// every adapter. For what one framework alone cannot serve.
    pub adapters: Vec<String>,
}

impl StartupCheck {
    /// Whether `adapter` runs this check.
    pub fn applies_to(&self, adapter: &str) -> bool {
        self.adapters.is_empty() || self.adapters.iter().any(|a| a == adapter)
    }
}

/// A data file that could not be loaded, or a case that makes no sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// The file, or the case (`file/name`), at fault.
    pub place: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

impl std::error::Error for DataError {}

impl Suite {
    /// The suite shipped in this crate: `policies/` and `cases/` beside its
    /// `Cargo.toml`.
    pub fn builtin() -> Result<Suite, DataError> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Suite::load(&root.join("cases"), &root.join("policies"))
    }

    /// Loads every `*.toml` file in `cases_dir`, checking that the policies the cases
    /// name exist in `policies_dir`.
    pub fn load(cases_dir: &Path, policies_dir: &Path) -> Result<Suite, DataError> {
        let place = |p: &Path| p.display().to_string();
        let mut files: Vec<PathBuf> = fs::read_dir(cases_dir)
            .map_err(|e| data_error(place(cases_dir), e))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        files.sort();
        let mut suite = Suite {
            policies_dir: policies_dir.to_owned(),
            cases: Vec::new(),
            startup: Vec::new(),
        };
        for file in files {
            let text = fs::read_to_string(&file).map_err(|e| data_error(place(&file), e))?;
            let stem = file
                .file_stem()
                .and_then(|s| s.to_str())
                .ok_or_else(|| data_error(place(&file), "file name is not UTF-8"))?;
            let parsed: CaseFile =
                toml::from_str(&text).map_err(|e| data_error(place(&file), e.message()))?;
            parsed.resolve(stem, &mut suite)?;
        }
        suite.check()?;
        Ok(suite)
    }

    /// The path of a policy file.
    pub fn policy_path(&self, policy: &str) -> PathBuf {
        self.policies_dir.join(format!("{policy}.json"))
    }

    /// The cases grouped by policy, policies in name order, cases in suite order.
    pub fn cases_by_policy(&self) -> BTreeMap<&str, Vec<&Case>> {
        let mut groups: BTreeMap<&str, Vec<&Case>> = BTreeMap::new();
        for case in &self.cases {
            groups.entry(&case.policy).or_default().push(case);
        }
        groups
    }

    /// Checks what no single file can: unique names, and that policies exist.
    fn check(&self) -> Result<(), DataError> {
        let mut names = BTreeSet::new();
        let all_names = self
            .cases
            .iter()
            .map(|c| &c.name)
            .chain(self.startup.iter().map(|s| &s.name));
        for name in all_names {
            if !names.insert(name) {
                return Err(data_error(name.clone(), "two cases have this name"));
            }
        }
        for case in &self.cases {
            let path = self.policy_path(&case.policy);
            if !path.is_file() {
                return Err(data_error(
                    case.name.clone(),
                    format!("policy file {} does not exist", path.display()),
                ));
            }
        }
        Ok(())
    }
}

fn data_error(place: String, message: impl fmt::Display) -> DataError {
    DataError {
        place,
        message: message.to_string(),
    }
}

// ---- The file format, as serde reads it. ----

/// One `cases/*.toml` file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    /// What the file covers; for the reader only.
    #[serde(default)]
    #[allow(dead_code)]
    about: String,
    /// The policy of every case that names none.
    policy: Option<String>,
    #[serde(default)]
    case: Vec<RawCase>,
    #[serde(default)]
    invalid: Vec<RawStartup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    policy: Option<String>,
    #[serde(default = "default_method")]
    method: String,
    #[serde(default = "default_path")]
    path: String,
    #[serde(default)]
    headers: Vec<RawHeader>,
    #[serde(default)]
    body: String,
    expect: RawExpect,
}

fn default_method() -> String {
    "GET".to_owned()
}

fn default_path() -> String {
    "/".to_owned()
}

/// A request header line: `["name", "value"]`, or a table for what a string can't
/// say (raw bytes, generated values, repeated lines).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawHeader {
    Pair(String, String),
    Table(HeaderTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderTable {
    name: String,
    value: Option<String>,
    value_hex: Option<String>,
    repeat: Option<usize>,
    join: Option<String>,
}

/// A value: literal text, hex bytes, or a template repeated `repeat` times with
/// `{i}` replaced by 1, 2, ... and the copies joined with `join`. In a request
/// header, a template without `join` becomes `repeat` separate lines.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValue {
    value: Option<String>,
    value_hex: Option<String>,
    repeat: Option<usize>,
    join: Option<String>,
}

/// An expected header value: a string, or a table as for request headers.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawExpected {
    Text(String),
    Table(RawValue),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    status: u16,
    handler: Option<bool>,
    #[serde(default)]
    headers: BTreeMap<String, RawExpected>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    vary: Vec<String>,
    #[serde(default)]
    not_vary: Vec<String>,
    body: Option<String>,
}

/// One `[[invalid]]` entry: a policy file that must be refused, or a whole command
/// line (`{policies}` stands for the policies directory).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStartup {
    name: String,
    policy: Option<String>,
    args: Option<Vec<String>>,
    #[serde(default)]
    mentions: Vec<String>,
    #[serde(default)]
    adapters: Vec<String>,
}

impl CaseFile {
    fn resolve(self, stem: &str, suite: &mut Suite) -> Result<(), DataError> {
        for raw in self.case {
            let name = format!("{stem}/{}", raw.name);
            let case = raw
                .resolve(name.clone(), self.policy.as_deref())
                .map_err(|message| data_error(name, message))?;
            suite.cases.push(case);
        }
        for raw in self.invalid {
            let name = format!("{stem}/{}", raw.name);
            let args = match (&raw.policy, raw.args) {
                (Some(policy), None) => {
                    let path = suite.policy_path(policy);
                    if !path.is_file() {
                        let message = format!("policy file {} does not exist", path.display());
                        return Err(data_error(name, message));
                    }
                    vec![
                        "--config".to_owned(),
                        path.display().to_string(),
                        "--port".to_owned(),
                        "0".to_owned(),
                    ]
                }
                (None, Some(args)) => {
                    let dir = suite.policies_dir.display().to_string();
                    args.iter().map(|a| a.replace("{policies}", &dir)).collect()
                }
                _ => return Err(data_error(name, "give exactly one of `policy` and `args`")),
            };
            if let Some(unknown) = raw
                .adapters
                .iter()
                .find(|a| !ADAPTERS.contains(&a.as_str()))
            {
                let message = format!(
                    "unknown adapter `{unknown}` in `adapters`; the suite knows {}",
                    ADAPTERS.join(", ")
                );
                return Err(data_error(name, message));
            }
            suite.startup.push(StartupCheck {
                name,
                policy: raw.policy,
                args,
                mentions: raw.mentions,
                adapters: raw.adapters,
            });
        }
        Ok(())
    }
}

impl RawCase {
    fn resolve(self, name: String, file_policy: Option<&str>) -> Result<Case, String> {
        let policy = self
            .policy
            .or(file_policy.map(str::to_owned))
            .ok_or("no policy: set `policy` in the case or at the top of the file")?;
        let mut headers = Vec::new();
        for header in self.headers {
            match header {
                RawHeader::Pair(name, value) => headers.push((name, value.into_bytes())),
                RawHeader::Table(table) => {
                    let HeaderTable {
                        name,
                        value,
                        value_hex,
                        repeat,
                        join,
                    } = table;
                    let value = RawValue {
                        value,
                        value_hex,
                        repeat,
                        join,
                    };
                    if value.repeat.is_some() && value.join.is_none() {
                        for line in value.lines()? {
                            headers.push((name.clone(), line));
                        }
                    } else {
                        headers.push((name, value.bytes()?));
                    }
                }
            }
        }
        let expect = self.expect.resolve()?;
        Ok(Case {
            name,
            policy,
            request: Request {
                method: self.method,
                path: self.path,
                headers,
                body: self.body.into_bytes(),
            },
            expect,
        })
    }
}

impl RawValue {
    /// The copies of the value: one, or `repeat` with `{i}` filled in.
    fn lines(&self) -> Result<Vec<Vec<u8>>, String> {
        let base = match (&self.value, &self.value_hex) {
            (Some(text), None) => text.clone().into_bytes(),
            (None, Some(hex)) => decode_hex(hex)?,
            _ => return Err("give exactly one of `value` and `value_hex`".to_owned()),
        };
        match self.repeat {
            None if self.join.is_some() => Err("`join` needs `repeat`".to_owned()),
            None => Ok(vec![base]),
            Some(0) => Err("`repeat` must be at least 1".to_owned()),
            Some(n) => {
                let template =
                    String::from_utf8(base).map_err(|_| "`repeat` needs a text `value`")?;
                Ok((1..=n)
                    .map(|i| template.replace("{i}", &i.to_string()).into_bytes())
                    .collect())
            }
        }
    }

    /// The value as one line: the copies joined with `join`.
    fn bytes(&self) -> Result<Vec<u8>, String> {
        let join = self.join.as_deref().unwrap_or_default().as_bytes();
        Ok(self.lines()?.join(join))
    }
}

impl RawExpect {
    fn resolve(self) -> Result<Expect, String> {
        let lower = |names: Vec<String>| -> Vec<String> {
            names.into_iter().map(|n| n.to_ascii_lowercase()).collect()
        };
        let mut headers = Vec::new();
        for (name, value) in self.headers {
            let value = match value {
                RawExpected::Text(text) => text.into_bytes(),
                RawExpected::Table(table) if table.repeat.is_some() && table.join.is_none() => {
                    return Err(format!("expected `{name}`: a `repeat` here needs a `join`"))
                }
                RawExpected::Table(table) => table.bytes()?,
            };
            headers.push((name.to_ascii_lowercase(), value));
        }
        let expect = Expect {
            status: self.status,
            handler: self.handler,
            headers,
            absent: lower(self.absent),
            vary: lower(self.vary),
            not_vary: lower(self.not_vary),
            body: self.body.map(String::into_bytes),
        };
        if let Some((name, _)) = expect
            .headers
            .iter()
            .find(|(name, _)| expect.absent.iter().any(|a| name_matches(a, name)))
        {
            return Err(format!("`{name}` is both expected and absent"));
        }
        if let Some(token) = expect.vary.iter().find(|t| expect.not_vary.contains(t)) {
            return Err(format!("vary token `{token}` is both expected and not"));
        }
        Ok(expect)
    }
}

/// Whether header `name` is covered by `pattern` (a name, or a prefix ending in `*`).
pub(crate) fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name
            .as_bytes()
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes())),
        None => name.eq_ignore_ascii_case(pattern),
    }
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("`value_hex` {hex:?} has an odd number of digits"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("`value_hex` {hex:?} is not hexadecimal"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_case(toml_text: &str) -> Result<Case, String> {
        let file: CaseFile = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        let mut suite = Suite {
            policies_dir: PathBuf::from("/nonexistent"),
            cases: Vec::new(),
            startup: Vec::new(),
        };
        file.resolve("f", &mut suite).map_err(|e| e.message)?;
        Ok(suite.cases.remove(0))
    }

    #[test]
    fn header_forms() {
        let case = one_case(
            r#"
            policy = "p"
            [[case]]
            name = "n"
            method = "OPTIONS"
            headers = [
                ["Origin", "https://a.test"],
                { name = "origin", value_hex = "68 ff" },
                { name = "x", value = "h{i}", repeat = 3, join = "," },
                { name = "y", value = "l{i}", repeat = 2 },
            ]
            expect.status = 204
            expect.headers = { Access-Control-Allow-Headers = { value = "h{i}", repeat = 2, join = ", " } }
            expect.absent = ["access-control-expose-*"]
            "#,
        )
        .unwrap();
        assert_eq!(case.name, "f/n");
        assert_eq!(case.policy, "p");
        assert_eq!(case.request.path, "/");
        let headers: Vec<(&str, &[u8])> = case
            .request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        assert_eq!(
            headers,
            [
                ("Origin", &b"https://a.test"[..]),
                ("origin", b"h\xff"),
                ("x", b"h1,h2,h3"),
                ("y", b"l1"),
                ("y", b"l2"),
            ]
        );
        assert_eq!(
            case.expect.headers,
            [(
                "access-control-allow-headers".to_owned(),
                b"h1, h2".to_vec()
            )]
        );
    }

    #[test]
    fn nonsense_is_refused() {
        let base = "policy = \"p\"\n[[case]]\nname = \"n\"\nexpect.status = 200\n";
        assert!(one_case(&format!("{base}headers = [{{ name = \"x\" }}]")).is_err());
        assert!(one_case(&format!(
            "{base}headers = [{{ name = \"x\", value_hex = \"f\" }}]"
        ))
        .is_err());
        assert!(one_case(&format!(
            "{base}expect.vary = [\"a\"]\nexpect.not_vary = [\"A\"]"
        ))
        .is_err());
        assert!(one_case(&format!(
            "{base}expect.headers = {{ x-a = \"1\" }}\nexpect.absent = [\"x-*\"]"
        ))
        .is_err());
        assert!(one_case(&format!("{base}unknown = 1")).is_err());
        assert!(one_case("[[case]]\nname = \"n\"\nexpect.status = 200").is_err());
    }

    #[test]
    fn startup_checks_may_name_their_adapters() {
        let load = |text: &str| -> Result<Vec<StartupCheck>, String> {
            let file: CaseFile = toml::from_str(text).map_err(|e| e.to_string())?;
            let mut suite = Suite {
                policies_dir: PathBuf::from("/nonexistent"),
                cases: Vec::new(),
                startup: Vec::new(),
            };
            file.resolve("f", &mut suite).map_err(|e| e.message)?;
            Ok(suite.startup)
        };
        let checks = load(
            r#"
            [[invalid]]
            name = "everyone"
            args = ["--config"]
            [[invalid]]
            name = "rocket only"
            args = ["--config"]
            adapters = ["rocket"]
            "#,
        )
        .unwrap();
        assert!(ADAPTERS.iter().all(|a| checks[0].applies_to(a)));
        assert_eq!(checks[1].adapters, ["rocket"]);
        assert!(checks[1].applies_to("rocket"));
        assert!(!checks[1].applies_to("axum"));
        let unknown = load("[[invalid]]\nname = \"n\"\nargs = []\nadapters = [\"flask\"]");
        assert!(unknown.unwrap_err().contains("unknown adapter `flask`"));
    }

    #[test]
    fn prefix_patterns() {
        assert!(name_matches(
            "access-control-allow-*",
            "Access-Control-Allow-Origin"
        ));
        assert!(!name_matches(
            "access-control-allow-*",
            "access-control-expose-headers"
        ));
        assert!(name_matches("vary", "Vary"));
        assert!(!name_matches("vary", "vary2"));
    }
}
