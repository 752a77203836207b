//! The schema of `hashicorp/aws`, fetched and cached for the check of every `aws_*` block of a
//! configuration against it (`testkit::aws_schema::check`): the closest this project gets to
//! `terraform validate` where the provider itself cannot be installed (no Terraform registry
//! is reachable). `cargo xtask bootstrap` prepares the cache.
//!
//! The schema comes from the npm package `@cdktn/provider-aws` (CDK Terrain's generated
//! bindings of hashicorp/aws 6.x), pinned by version and integrity. On first use, [`schema`]
//! fetches it with `npm pack` (npm's own cache is a temporary directory), checks its sha512,
//! and extracts from each `lib/<resource>/index.{d.ts,js}` what a configuration needs:
//! - argument and block names: the keys of the generated `synthesizeHclAttributes` (resource
//!   or data source) and `<struct>ToHclTerraform` (nested block) functions, with `isBlock`
//!   telling a nested block from an argument (framework nested attributes are arguments);
//! - required or optional: the `?` of the matching `readonly` property of the TypeScript
//!   config interface (computed-only attributes are not in it, so they are not arguments);
//! - a block's own schema: the struct interface its property is typed with, and whether it
//!   takes one instance (`X`) or several (`X[] | cdktn.IResolvable`).
//!
//! The result is cached as JSON under `target/aws-schema/`, written once under a file lock.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{bail, ensure, Context};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::paths;

/// The npm package carrying the schema.
pub const PACKAGE: &str = "@cdktn/provider-aws";
/// Its pinned version (bindings of hashicorp/aws 6.66.0).
pub const VERSION: &str = "25.7.0";
/// The registry's `dist.integrity` of that version: the tarball must hash to it.
const INTEGRITY: &str = "sha512-E/nhu0yVZE4mXMgIPuI8tEFt1BExLkA7ARjihdG+/HmfDfzLr+OEF3dkFRvI6glRt30lrrBWQLwXqCJBxcmyUg==";

/// Where resource and data source docs link to: `.../hashicorp/aws/<version>/docs/...#<name> ...`.
const DOCS_LINK: &str = "{@link https://registry.terraform.io/providers/hashicorp/aws/";

/// The arguments and blocks of every resource and data source of hashicorp/aws.
///
/// Block bodies are shared, not copied: the bindings reuse one struct in many places (and a
/// few nest recursively), so a tree would be far larger than the package, or endless.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Schema {
    /// The hashicorp/aws version the bindings were generated from.
    pub provider_version: String,
    /// Resource type (`aws_sqs_queue`) to the key of its body in `bodies`.
    pub resources: BTreeMap<String, String>,
    /// Data source type (`aws_iam_policy_document`) to the key of its body in `bodies`.
    pub data_sources: BTreeMap<String, String>,
    /// Every body, by `<module>/<interface>` (`sqs-queue/SqsQueueConfig`).
    pub bodies: BTreeMap<String, Block>,
}

/// The body of a resource, data source or nested block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Argument name to whether it is required.
    pub arguments: BTreeMap<String, bool>,
    /// Nested block name to its schema.
    pub blocks: BTreeMap<String, Nested>,
}

/// A nested block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nested {
    /// At least one instance is required.
    pub required: bool,
    /// At most one instance is allowed.
    pub single: bool,
    /// Key of its body in [`Schema::bodies`].
    pub body: String,
}

/// The schema of the pinned package, fetched and extracted on first use.
///
/// # Errors
/// When npm is missing, the registry cannot be reached on first use, the tarball does not
/// match the pinned integrity, or the bindings are not in the shape this extractor reads.
pub fn schema() -> anyhow::Result<&'static Schema> {
    static SCHEMA: OnceLock<Result<Schema, String>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| load().map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The cached schema file, `target/aws-schema/provider-aws-<version>.json`.
pub fn cache_path() -> PathBuf {
    paths::target_dir()
        .join("aws-schema")
        .join(format!("provider-aws-{VERSION}.json"))
}

fn load() -> anyhow::Result<Schema> {
    let path = cache_path();
    if let Some(schema) = read_cache(&path) {
        return Ok(schema);
    }
    let dir = path.parent().context("the cache path has a parent")?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let lock_path = path.with_extension("lock");
    let lock =
        File::create(&lock_path).with_context(|| format!("creating {}", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("locking {}", lock_path.display()))?;
    // Another process may have written it while we waited for the lock.
    if let Some(schema) = read_cache(&path) {
        return Ok(schema);
    }
    eprintln!("devenv: fetching {PACKAGE}@{VERSION} with npm for the hashicorp/aws schema (first use only)");
    let work = tempfile::tempdir_in(dir).context("creating a download directory")?;
    let tarball = npm_pack(work.path())?;
    let schema = extract(File::open(&tarball)?)?;
    let partial = path.with_extension("json.partial");
    fs::write(&partial, serde_json::to_vec(&schema)?)?;
    fs::rename(&partial, &path)?;
    eprintln!(
        "devenv: hashicorp/aws {} schema cached in {}",
        schema.provider_version,
        path.display()
    );
    Ok(schema)
}

fn read_cache(path: &Path) -> Option<Schema> {
    serde_json::from_slice(&fs::read(path).ok()?).ok()
}

/// `npm pack` of the pinned version into `dir`, its integrity checked; the tarball's path.
fn npm_pack(dir: &Path) -> anyhow::Result<PathBuf> {
    let npm = std::env::var("NPM").unwrap_or_else(|_| "npm".into());
    let output = Command::new(&npm)
        .arg("pack")
        .arg(format!("{PACKAGE}@{VERSION}"))
        .arg("--pack-destination")
        .arg(dir)
        .arg("--cache")
        .arg(dir.join("npm-cache"))
        .args(["--silent", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .output()
        .with_context(|| format!("running `{npm} pack` (npm is needed to fetch {PACKAGE})"))?;
    if !output.status.success() {
        bail!(
            "`npm pack {PACKAGE}@{VERSION}` failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let tarball = dir.join(format!("cdktn-provider-aws-{VERSION}.tgz"));
    let bytes = fs::read(&tarball).with_context(|| format!("reading {}", tarball.display()))?;
    let integrity = format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(&bytes))
    );
    ensure!(
        integrity == INTEGRITY,
        "{PACKAGE}@{VERSION} hashes to {integrity}, not the pinned {INTEGRITY}"
    );
    Ok(tarball)
}

/// The schema in a `@cdktn/provider-aws` tarball (`.tgz`).
///
/// # Errors
/// When the tarball cannot be read or a module is not in the expected shape.
pub fn extract(tgz: impl Read) -> anyhow::Result<Schema> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tgz));
    // Every d.ts and js of a module (big ones split their structs into `index-structs/`).
    let mut modules: BTreeMap<String, (String, String)> = BTreeMap::new();
    for entry in archive.entries().context("reading the tarball")? {
        let mut entry = entry.context("reading the tarball")?;
        let path = entry.path()?.to_string_lossy().into_owned();
        let Some((module, file)) = path
            .strip_prefix("package/lib/")
            .and_then(|rest| rest.split_once('/'))
        else {
            continue;
        };
        let is_dts = file.ends_with(".d.ts");
        if !is_dts && !file.ends_with(".js") {
            continue;
        }
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .with_context(|| format!("reading {path}"))?;
        let (dts, js) = modules.entry(module.to_owned()).or_default();
        if is_dts {
            dts.push_str(&text);
        } else {
            js.push_str(&without_source_map(text));
        }
        dts.push('\n');
        js.push('\n');
    }
    let mut schema = Schema::default();
    for (module, (dts, js)) in &modules {
        parse_module(module, dts, js, &mut schema).with_context(|| format!("lib/{module}"))?;
    }
    ensure!(
        schema.resources.len() > 1000 && schema.data_sources.len() > 300,
        "only {} resources and {} data sources found: not the package expected",
        schema.resources.len(),
        schema.data_sources.len()
    );
    Ok(schema)
}

/// The JS without its inline source map (a base64 copy of the TypeScript, most of the file).
fn without_source_map(mut js: String) -> String {
    if let Some(at) = js.find("\n//# sourceMappingURL=") {
        js.truncate(at);
    }
    js
}

/// A `readonly` property of a TypeScript interface with the Terraform name its doc links to.
#[derive(Debug, Clone)]
struct Property {
    optional: bool,
    type_text: String,
}

/// Adds the resource or data source of one module (none for the provider's own module) and
/// the bodies it uses to `schema`.
fn parse_module(module: &str, dts: &str, js: &str, schema: &mut Schema) -> anyhow::Result<()> {
    let interfaces = interfaces(dts)?;
    let Some(TerraformClass {
        class,
        config,
        tf_type,
        data_source,
    }) = terraform_class(dts)
    else {
        return Ok(());
    };
    let attrs = hcl_attributes(js)?;
    let provider_version = dts
        .split(DOCS_LINK)
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .context("no Terraform Registry link gives the provider version")?
        .to_owned();
    if schema.provider_version.is_empty() {
        schema.provider_version = provider_version;
    }
    let key = |interface: &str| format!("{module}/{interface}");
    // Each reachable interface once: (interface, key of its attrs in `attrs`).
    let mut todo = vec![(config.clone(), synthesized(&class))];
    let mut seen = BTreeSet::from([config.clone()]);
    while let Some((name, attrs_key)) = todo.pop() {
        let (body, nested) = block(&name, &attrs_key, &interfaces, &attrs)?;
        for (_, interface) in nested {
            if seen.insert(interface.clone()) {
                todo.push((interface.clone(), interface));
            }
        }
        let body = Block {
            arguments: body.arguments,
            blocks: body
                .blocks
                .into_iter()
                .map(|(name, nested)| {
                    let body = key(&nested.body);
                    (name, Nested { body, ..nested })
                })
                .collect(),
        };
        schema.bodies.insert(key(&name), body);
    }
    let types = if data_source {
        &mut schema.data_sources
    } else {
        &mut schema.resources
    };
    types.insert(tf_type, key(&config));
    Ok(())
}

/// The class of a resource or data source.
#[derive(Debug)]
struct TerraformClass {
    class: String,
    /// Its config interface (`<Class>Config`, or another name when that one is taken).
    config: String,
    tf_type: String,
    data_source: bool,
}

/// Key of a class's `synthesizeHclAttributes` attrs in [`hcl_attributes`].
fn synthesized(class: &str) -> String {
    format!("{class}#synthesizeHclAttributes")
}

/// `export declare class X extends cdktn.TerraformResource|TerraformDataSource`: its
/// `tfResourceType` and the config type of its constructor.
fn terraform_class(dts: &str) -> Option<TerraformClass> {
    let mut lines = dts.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("export declare class ") else {
            continue;
        };
        let Some((class, base)) = rest.split_once(" extends cdktn.") else {
            continue;
        };
        let data_source = match base.trim_end_matches(" {") {
            "TerraformResource" => false,
            "TerraformDataSource" => true,
            _ => continue,
        };
        let tf_type = lines
            .next()?
            .trim()
            .strip_prefix("static readonly tfResourceType = \"")?
            .strip_suffix("\";")?;
        let config = lines.find_map(|line| {
            let rest = line
                .trim()
                .strip_prefix("constructor(scope: Construct, id: string, config")?;
            let name = rest.trim_start_matches('?').strip_prefix(": ")?;
            name.strip_suffix(");").map(str::to_owned)
        })?;
        return Some(TerraformClass {
            class: class.to_owned(),
            config,
            tf_type: tf_type.to_owned(),
            data_source,
        });
    }
    None
}

/// Every `export interface` of the d.ts: name to (Terraform name to property).
fn interfaces(dts: &str) -> anyhow::Result<HashMap<String, BTreeMap<String, Property>>> {
    let mut found = HashMap::new();
    let mut current: Option<(String, BTreeMap<String, Property>)> = None;
    let mut tf_name: Option<String> = None;
    let mut lines = dts.lines();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("export interface ") {
            let name = rest.split([' ', '{']).next().unwrap_or_default().to_owned();
            current = Some((name, BTreeMap::new()));
            tf_name = None;
            continue;
        }
        let Some((_, props)) = current.as_mut() else {
            continue;
        };
        if line == "}" {
            let (name, props) = current.take().expect("inside an interface");
            found.insert(name, props);
            continue;
        }
        if let Some(at) = line.find(DOCS_LINK) {
            let link = &line[at + DOCS_LINK.len()..];
            let name = link
                .split_once('#')
                .and_then(|(_, fragment)| fragment.split(' ').next())
                .with_context(|| format!("no #name in the doc link {line:?}"))?;
            tf_name = Some(name.to_owned());
            continue;
        }
        if let Some(rest) = line.trim_start().strip_prefix("readonly ") {
            let (head, first) = rest
                .split_once(": ")
                .with_context(|| format!("no type in {line:?}"))?;
            // A type over several lines (`{ [key: string]: X; }`) ends at the property's indent.
            let indent = line.len() - line.trim_start().len();
            let mut type_text = first.to_owned();
            if !type_text.ends_with(';') {
                loop {
                    let next = lines
                        .next()
                        .with_context(|| format!("the type of {line:?} does not end"))?;
                    type_text.push(' ');
                    type_text.push_str(next.trim());
                    if next.len() - next.trim_start().len() == indent
                        && next.trim_end().ends_with(';')
                    {
                        break;
                    }
                }
            }
            let name = tf_name
                .take()
                .with_context(|| format!("no Terraform name documented for {line:?}"))?;
            props.insert(
                name,
                Property {
                    optional: head.ends_with('?'),
                    type_text: type_text.trim_end_matches(';').to_owned(),
                },
            );
        }
    }
    Ok(found)
}

/// Every `const attrs = {...}` of the JS: `<Struct>` (from `<struct>ToHclTerraform`) or
/// [`synthesized`]`(class)` (from the class's `synthesizeHclAttributes`) to (name to
/// whether it is written as a block).
fn hcl_attributes(js: &str) -> anyhow::Result<HashMap<String, BTreeMap<String, bool>>> {
    let mut found = HashMap::new();
    let mut owner: Option<String> = None;
    let mut class: Option<String> = None;
    let mut attrs: Option<BTreeMap<String, bool>> = None;
    let mut key: Option<String> = None;
    for line in js.lines() {
        let trimmed = line.trim();
        if let Some(rest) = line.strip_prefix("class ") {
            class = rest.split(' ').next().map(str::to_owned);
        } else if let Some(rest) = line.strip_prefix("function ") {
            if let Some((name, _)) = rest.split_once("ToHclTerraform(struct)") {
                owner = Some(upper_first(name));
            }
        } else if trimmed == "synthesizeHclAttributes() {" {
            let class = class
                .as_deref()
                .context("synthesizeHclAttributes outside a class")?;
            owner = Some(synthesized(class));
        } else if trimmed == "const attrs = {" {
            ensure!(
                owner.is_some(),
                "`const attrs` outside a ToHclTerraform function"
            );
            attrs = Some(BTreeMap::new());
        } else if let Some(map) = attrs.as_mut() {
            if trimmed == "};" {
                let owner = owner.take().expect("checked when attrs opened");
                found.insert(owner, attrs.take().expect("inside attrs"));
            } else if let Some(name) = trimmed.strip_suffix(": {") {
                key = Some(name.trim_matches('"').to_owned());
            } else if let Some(value) = trimmed.strip_prefix("isBlock: ") {
                let name = key
                    .as_ref()
                    .with_context(|| format!("isBlock without a key: {line:?}"))?;
                map.insert(name.clone(), value.trim_end_matches(',') == "true");
            } else if let Some(kind) = trimmed.strip_prefix("type: ") {
                // A map of objects (`type: "map"`) is written `name = { key = {...} }` in
                // HCL: an argument, whatever the bindings call it.
                let name = key
                    .take()
                    .with_context(|| format!("type without a key: {line:?}"))?;
                if kind.trim_end_matches(',') == "\"map\"" {
                    map.insert(name, false);
                }
            }
        }
    }
    Ok(found)
}

fn upper_first(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The body of interface `name`, whose HCL attrs are `attrs[attrs_key]`, with its nested
/// blocks naming their interface (in [`Nested::body`]), and those interfaces.
fn block(
    name: &str,
    attrs_key: &str,
    interfaces: &HashMap<String, BTreeMap<String, Property>>,
    attrs: &HashMap<String, BTreeMap<String, bool>>,
) -> anyhow::Result<(Block, Vec<(String, String)>)> {
    let props = interfaces
        .get(name)
        .with_context(|| format!("no interface {name}"))?;
    let mut nested_interfaces = Vec::new();
    let Some(hcl) = attrs.get(attrs_key) else {
        // A struct without members has no ToHclTerraform attrs (e.g. an empty settings block).
        ensure!(props.is_empty(), "no ToHclTerraform for {name}");
        return Ok((Block::default(), nested_interfaces));
    };
    let mut out = Block::default();
    for (tf_name, is_block) in hcl {
        let prop = props
            .get(tf_name)
            .with_context(|| format!("{name}: `{tf_name}` is in the JS but not the d.ts"))?;
        let required = !prop.optional;
        if !is_block {
            out.arguments.insert(tf_name.clone(), required);
            continue;
        }
        let nested = prop
            .type_text
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .find(|word| interfaces.contains_key(*word))
            .with_context(|| format!("{name}.{tf_name}: no struct in {:?}", prop.type_text))?;
        nested_interfaces.push((tf_name.clone(), nested.to_owned()));
        out.blocks.insert(
            tf_name.clone(),
            Nested {
                required,
                single: !prop.type_text.contains("[]"),
                body: nested.to_owned(),
            },
        );
    }
    Ok((out, nested_interfaces))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DTS: &str = r#"import * as cdktn from 'cdktn';
export interface QueueConfig extends cdktn.TerraformMetaArguments {
    /**
    * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hashicorp/aws/6.66.0/docs/resources/queue#name Queue#name}
    */
    readonly name: string;
    /**
    * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hashicorp/aws/6.66.0/docs/resources/queue#tags Queue#tags}
    */
    readonly tags?: {
        [key: string]: string;
    };
    /**
    * policy block
    *
    * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hashicorp/aws/6.66.0/docs/resources/queue#policy Queue#policy}
    */
    readonly policy: QueuePolicy;
    /**
    * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hashicorp/aws/6.66.0/docs/resources/queue#rule Queue#rule}
    */
    readonly rule?: QueueRule[] | cdktn.IResolvable;
    /**
    * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hashicorp/aws/6.66.0/docs/resources/queue#locale Queue#locale}
    */
    readonly locale?: {
        [key: string]: QueueRule;
    } | cdktn.IResolvable;
}
export interface QueuePolicy {
    /**
    * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hashicorp/aws/6.66.0/docs/resources/queue#max_receive Queue#max_receive}
    */
    readonly maxReceive?: number;
}
export interface QueueRule {
    /**
    * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hashicorp/aws/6.66.0/docs/resources/queue#field Queue#field}
    */
    readonly field: string;
}
export declare class Queue extends cdktn.TerraformResource {
    static readonly tfResourceType = "aws_queue";
    constructor(scope: Construct, id: string, config: QueueConfig);
}
"#;

    const JS: &str = r#"function queuePolicyToHclTerraform(struct) {
    const attrs = {
        max_receive: {
            value: cdktn.numberToHclTerraform(struct.maxReceive),
            isBlock: false,
            type: "simple",
            storageClassType: "number",
        },
    };
}
function queueRuleToHclTerraform(struct) {
    const attrs = {
        field: {
            value: cdktn.stringToHclTerraform(struct.field),
            isBlock: false,
            type: "simple",
            storageClassType: "string",
        },
    };
}
class Queue extends cdktn.TerraformResource {
    synthesizeHclAttributes() {
        const attrs = {
            name: {
                value: cdktn.stringToHclTerraform(this._name),
                isBlock: false,
                type: "simple",
                storageClassType: "string",
            },
            tags: {
                value: cdktn.hashMapperHcl(cdktn.stringToHclTerraform)(this._tags),
                isBlock: false,
                type: "map",
                storageClassType: "stringMap",
            },
            policy: {
                value: queuePolicyToHclTerraform(this._policy.internalValue),
                isBlock: true,
                type: "list",
                storageClassType: "QueuePolicyList",
            },
            rule: {
                value: cdktn.listMapperHcl(queueRuleToHclTerraform, true)(this._rule.internalValue),
                isBlock: true,
                type: "set",
                storageClassType: "QueueRuleList",
            },
            locale: {
                value: cdktn.hashMapperHcl(queueRuleToHclTerraform)(this._locale.internalValue),
                isBlock: true,
                type: "map",
                storageClassType: "QueueRuleMap",
            },
        };
    }
}
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozfQ=="#;

    fn queue() -> Schema {
        let mut schema = Schema::default();
        parse_module(
            "queue",
            DTS,
            &without_source_map(JS.to_owned()),
            &mut schema,
        )
        .unwrap();
        assert_eq!(schema.provider_version, "6.66.0");
        assert!(schema.data_sources.is_empty());
        schema
    }

    #[test]
    fn bindings_give_names_requirement_and_nesting() {
        let schema = queue();
        assert_eq!(schema.resources["aws_queue"], "queue/QueueConfig");
        let queue = &schema.bodies["queue/QueueConfig"];
        // A map of objects is an argument (`locale = {...}`), its type over three lines.
        assert_eq!(
            queue.arguments,
            [
                ("locale".to_owned(), false),
                ("name".to_owned(), true),
                ("tags".to_owned(), false)
            ]
            .into()
        );
        let policy = &queue.blocks["policy"];
        assert!(policy.required && policy.single);
        assert_eq!(
            schema.bodies[&policy.body].arguments,
            [("max_receive".to_owned(), false)].into()
        );
        let rule = &queue.blocks["rule"];
        assert!(!rule.required && !rule.single);
        assert_eq!(
            schema.bodies[&rule.body].arguments,
            [("field".to_owned(), true)].into()
        );
    }

    #[test]
    fn a_js_name_missing_from_the_dts_is_an_error_not_a_guess() {
        let js = JS.replace("max_receive: {", "max_receives: {");
        let err = parse_module("queue", DTS, &js, &mut Schema::default()).unwrap_err();
        assert!(
            format!("{err:#}").contains("`max_receives` is in the JS but not the d.ts"),
            "{err:#}"
        );
    }
}
