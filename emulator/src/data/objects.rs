//! S3 objects as the jobs see them: read (`fetch`, a file or every object under a prefix) and
//! written (`store`), through the S3 endpoint (`--s3-endpoint`, e.g. moto, path-style) or under
//! the data root (`--data-root DIR`: `s3://B/K` is `DIR/B/K`).

use std::path::{Component, Path, PathBuf};

use crate::Config;

/// Largest object a job reads (the emulator holds data in memory).
pub const MAX_OBJECT_BYTES: u64 = 512 * 1024 * 1024;

/// Splits `s3://bucket/key` (a key ending in `/` is a prefix).
///
/// # Errors
/// When the location is not an S3 URL with a bucket and a key.
pub fn parse_location(location: &str) -> Result<(String, String), String> {
    let rest = location
        .strip_prefix("s3://")
        .ok_or_else(|| format!("dataLocation {location:?} must be an s3:// URL"))?;
    let (bucket, key) = rest
        .split_once('/')
        .ok_or_else(|| format!("dataLocation {location:?} has no key"))?;
    if bucket.is_empty() || key.is_empty() {
        return Err(format!(
            "dataLocation {location:?} needs a bucket and a key"
        ));
    }
    Ok((bucket.to_owned(), key.to_owned()))
}

/// The objects at `location`: (name, bytes).
///
/// # Errors
/// The failureReason.
pub async fn fetch(
    config: &Config,
    region: &str,
    location: &str,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let (bucket, key) = parse_location(location)?;
    if let Some(root) = &config.data_root {
        return fetch_dir(root, &bucket, &key);
    }
    let Some(endpoint) = &config.s3_endpoint else {
        return Err(format!(
            "cannot read {location}: personalize-local has neither --data-root nor --s3-endpoint"
        ));
    };
    fetch_s3(endpoint, region, &bucket, &key).await
}

fn fetch_dir(root: &Path, bucket: &str, key: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let path = under_root(root, bucket, key)?;
    let read = |p: &Path| -> Result<Vec<u8>, String> {
        let len = std::fs::metadata(p)
            .map_err(|e| format!("s3://{bucket}/{key}: {e}"))?
            .len();
        if len > MAX_OBJECT_BYTES {
            return Err(format!(
                "{} is larger than {MAX_OBJECT_BYTES} bytes",
                p.display()
            ));
        }
        std::fs::read(p).map_err(|e| format!("s3://{bucket}/{key}: {e}"))
    };
    if key.ends_with('/') {
        let mut entries: Vec<_> = std::fs::read_dir(&path)
            .map_err(|e| format!("s3://{bucket}/{key}: {e}"))?
            .filter_map(Result::ok)
            .filter(|e| e.path().is_file())
            .map(|e| e.path())
            .collect();
        entries.sort();
        if entries.is_empty() {
            return Err(format!("s3://{bucket}/{key} holds no objects"));
        }
        entries
            .iter()
            .map(|p| {
                Ok((
                    format!(
                        "s3://{bucket}/{key}{}",
                        p.file_name().unwrap_or_default().to_string_lossy()
                    ),
                    read(p)?,
                ))
            })
            .collect()
    } else {
        Ok(vec![(format!("s3://{bucket}/{key}"), read(&path)?)])
    }
}

async fn fetch_s3(
    endpoint: &str,
    region: &str,
    bucket: &str,
    key: &str,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let s3 = s3_client(endpoint, region);
    let keys = if key.ends_with('/') {
        let listed = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(key)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "listing s3://{bucket}/{key}: {}",
                    aws_sdk_s3::error::DisplayErrorContext(e)
                )
            })?;
        let keys: Vec<String> = listed
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .filter(|k| !k.ends_with('/'))
            .collect();
        if keys.is_empty() {
            return Err(format!("s3://{bucket}/{key} holds no objects"));
        }
        keys
    } else {
        vec![key.to_owned()]
    };
    let mut out = Vec::new();
    for k in keys {
        let object = s3
            .get_object()
            .bucket(bucket)
            .key(&k)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "reading s3://{bucket}/{k}: {}",
                    aws_sdk_s3::error::DisplayErrorContext(e)
                )
            })?;
        if object.content_length().unwrap_or(0) as u64 > MAX_OBJECT_BYTES {
            return Err(format!(
                "s3://{bucket}/{k} is larger than {MAX_OBJECT_BYTES} bytes"
            ));
        }
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| format!("reading s3://{bucket}/{k}: {e}"))?
            .into_bytes()
            .to_vec();
        out.push((format!("s3://{bucket}/{k}"), bytes));
    }
    Ok(out)
}

/// Writes `bytes` to `location` (`s3://bucket/key`): the object under the data root, or a
/// PutObject through the S3 endpoint. Jobs that write output (batch jobs, exports, metric
/// attribution reports) go through here.
///
/// # Errors
/// The failureReason.
pub async fn store(
    config: &Config,
    region: &str,
    location: &str,
    bytes: Vec<u8>,
) -> Result<(), String> {
    let (bucket, key) = parse_location(location)?;
    if key.ends_with('/') {
        return Err(format!("{location} names a prefix, not an object"));
    }
    if let Some(root) = &config.data_root {
        let path = under_root(root, &bucket, &key)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("writing {location}: {e}"))?;
        }
        return std::fs::write(&path, bytes).map_err(|e| format!("writing {location}: {e}"));
    }
    let Some(endpoint) = &config.s3_endpoint else {
        return Err(format!(
            "cannot write {location}: personalize-local has neither --data-root nor --s3-endpoint"
        ));
    };
    s3_client(endpoint, region)
        .put_object()
        .bucket(&bucket)
        .key(&key)
        .body(bytes.into())
        .send()
        .await
        .map_err(|e| {
            format!(
                "writing {location}: {}",
                aws_sdk_s3::error::DisplayErrorContext(e)
            )
        })?;
    Ok(())
}

/// `root/bucket/key`, refusing a key that could leave the data root (S3 keys are not paths).
fn under_root(root: &Path, bucket: &str, key: &str) -> Result<PathBuf, String> {
    let relative = Path::new(bucket).join(key);
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(format!(
            "s3://{bucket}/{key} is not a valid location under the data root"
        ));
    }
    Ok(root.join(relative))
}

fn s3_client(endpoint: &str, region: &str) -> aws_sdk_s3::Client {
    let config = sdk_config::local(endpoint, region);
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rooted(root: &Path) -> Config {
        Config {
            data_root: Some(root.to_owned()),
            ..Config::default()
        }
    }

    #[test]
    fn locations_are_checked() {
        assert_eq!(
            parse_location("s3://b/k/x.csv").unwrap(),
            ("b".into(), "k/x.csv".into())
        );
        assert!(parse_location("http://b/k").is_err());
        assert!(parse_location("s3://b").is_err());
        assert!(parse_location("s3:///k").is_err());
        let root = tempfile::tempdir().unwrap();
        assert!(fetch_dir(root.path(), "b", "../../etc/passwd")
            .unwrap_err()
            .contains("not a valid location"));
    }

    #[tokio::test]
    async fn what_is_stored_under_the_data_root_is_fetched_back() {
        let root = tempfile::tempdir().unwrap();
        let config = rooted(root.path());
        store(
            &config,
            "us-east-1",
            "s3://b/out/part.json.out",
            b"{}\n".to_vec(),
        )
        .await
        .unwrap();
        let objects = fetch(&config, "us-east-1", "s3://b/out/").await.unwrap();
        assert_eq!(
            objects,
            vec![("s3://b/out/part.json.out".to_owned(), b"{}\n".to_vec())]
        );
    }

    #[tokio::test]
    async fn a_key_that_leaves_the_data_root_or_names_a_prefix_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let config = rooted(root.path());
        for location in [
            "s3://b/../escape",
            "s3://b/a/../../x",
            "s3://b/dir/",
            "b/k",
            "s3://b",
        ] {
            let err = store(&config, "us-east-1", location, Vec::new())
                .await
                .unwrap_err();
            assert!(
                err.contains(
                    location
                        .trim_start_matches("s3://")
                        .split('/')
                        .next()
                        .unwrap()
                ),
                "{location}: {err}"
            );
        }
        assert!(std::fs::read_dir(root.path()).unwrap().next().is_none());
    }

    #[tokio::test]
    async fn without_a_place_to_write_the_reason_says_so() {
        let err = store(&Config::default(), "us-east-1", "s3://b/k", Vec::new())
            .await
            .unwrap_err();
        assert!(
            err.contains("neither --data-root nor --s3-endpoint"),
            "{err}"
        );
    }
}
