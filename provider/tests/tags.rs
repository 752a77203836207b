//! Tags as terraform-provider-aws manages them, through the Terraform CLI against
//! personalize-local: `tags` added, changed and removed in place on every taggable resource
//! (TagResource/UntagResource), the provider's `default_tags` with the computed `tags_all`,
//! `ignore_tags`, and tags changed out of band showing in the next plan.

mod common;

use std::collections::BTreeMap;

use aws_sdk_personalize::types::Tag;
use common::emulator::{self, Emulator};
use common::{block_on, header, walkthrough, workdir};

type Tags = BTreeMap<String, String>;

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The resource's tags in the emulator (ListTagsForResource).
fn remote_tags(emu: &Emulator, arn: &str) -> Tags {
    let out = block_on(
        emu.client()
            .list_tags_for_resource()
            .resource_arn(arn)
            .send(),
    )
    .expect("ListTagsForResource");
    out.tags()
        .iter()
        .map(|t| (t.tag_key().to_owned(), t.tag_value().to_owned()))
        .collect()
}

/// Tags and untags behind Terraform's back, as the console or the CLI would.
fn change_out_of_band(emu: &Emulator, arn: &str, set: &[(&str, &str)], remove: &[&str]) {
    let client = emu.client();
    block_on(async {
        if !set.is_empty() {
            let list: Vec<Tag> = set
                .iter()
                .map(|(k, v)| Tag::builder().tag_key(*k).tag_value(*v).build().unwrap())
                .collect();
            client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(list))
                .send()
                .await
                .expect("TagResource");
        }
        if !remove.is_empty() {
            client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(remove.iter().map(|k| (*k).to_owned()).collect()))
                .send()
                .await
                .expect("UntagResource");
        }
    });
}

/// The text with every run of spaces as one (plans align `=` signs).
fn squash(text: &str) -> String {
    text.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn state_map(v: &serde_json::Value) -> Option<Tags> {
    v.as_object().map(|m| {
        m.iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect()
    })
}

/// The walkthrough's configuration with `tags = TAGS` on every taggable resource (all but the
/// schema, which CreateSchema cannot tag); `None` leaves `tags` out.
fn walkthrough_tagged(endpoint: &str, tags: Option<&str>) -> String {
    let mut out = String::new();
    for line in walkthrough::config(endpoint, "1").lines() {
        out.push_str(line);
        out.push('\n');
        if let (Some(t), true) = (
            tags,
            line.starts_with("resource \"personalize_") && !line.contains("personalize_schema"),
        ) {
            out.push_str(&format!("  tags = {t}\n"));
        }
    }
    out
}

const TAGGABLE: [&str; 8] = [
    "personalize_dataset_group.g",
    "personalize_dataset.interactions",
    "personalize_dataset_import_job.interactions",
    "personalize_solution.s",
    "personalize_solution_version.v",
    "personalize_campaign.c",
    "personalize_event_tracker.t",
    "personalize_filter.f",
];

#[test]
fn tags_are_added_changed_and_removed_in_place_on_every_taggable_resource() {
    let emu = emulator::shared();
    let w = workdir(&walkthrough_tagged(emu.endpoint(), None));
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let arns: Vec<(&str, String)> = TAGGABLE
        .iter()
        .map(|a| {
            let r = w.resource(a).unwrap_or_else(|| panic!("{a} in state"));
            (*a, r["arn"].as_str().unwrap().to_owned())
        })
        .collect();

    let steps: [(Option<&str>, Tags); 3] = [
        (
            Some(r#"{ team = "recs", env = "dev" }"#),
            tags(&[("env", "dev"), ("team", "recs")]),
        ),
        (
            Some(r#"{ team = "ml", cost = "42" }"#),
            tags(&[("cost", "42"), ("team", "ml")]),
        ),
        (None, Tags::new()),
    ];
    for (hcl, want) in steps {
        w.write(&walkthrough_tagged(emu.endpoint(), hcl));
        let plan = w.ok(&["plan", "-no-color"]);
        assert!(
            plan.contains("0 to add, 8 to change, 0 to destroy"),
            "tags {hcl:?}: every taggable resource changes in place, nothing is replaced:\n{plan}"
        );
        w.ok(&["apply", "-auto-approve", "-no-color"]);
        for (address, arn) in &arns {
            let r = w.resource(address).unwrap();
            assert_eq!(
                r["arn"].as_str(),
                Some(arn.as_str()),
                "{address} kept its ARN"
            );
            // A version's triggers stay in their own tags whatever happens to `tags`.
            let (triggers, remote): (Tags, Tags) = remote_tags(emu, arn)
                .into_iter()
                .partition(|(k, _)| k.starts_with("tf-personalize:trigger:"));
            assert_eq!(remote, want, "{address} tags {hcl:?}");
            assert_eq!(
                triggers.keys().collect::<Vec<_>>(),
                if address.starts_with("personalize_solution_version.") {
                    vec![
                        "tf-personalize:trigger:import",
                        "tf-personalize:trigger:retrain",
                    ]
                } else {
                    vec![]
                },
                "{address}"
            );
            assert_eq!(state_map(&r["tags_all"]), Some(want.clone()), "{address}");
        }
        let (code, plan) = w.plan_exit_code();
        assert_eq!(code, 0, "tags {hcl:?}: no change after apply:\n{plan}");
    }
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

fn group(endpoint: &str, provider_extra: &str, name: &str, resource_tags: &str) -> String {
    let head = header(Some(endpoint)).replacen(
        "provider \"personalize\" {\n",
        &format!("provider \"personalize\" {{\n{provider_extra}"),
        1,
    );
    format!(
        "{head}resource \"personalize_dataset_group\" \"g\" {{\n  name = \"{name}\"\n{resource_tags}}}\n"
    )
}

#[test]
fn default_tags_reach_tags_all_and_the_resource_tag_wins() {
    let emu = emulator::shared();
    let defaults = |env: &str| {
        format!("  default_tags {{\n    tags = {{ env = \"{env}\", team = \"recs\", owner = \"data\" }}\n  }}\n")
    };
    // `owner` repeats a default with the same value: it stays the resource's own, no diff.
    let own = "  tags = { team = \"ml\", app = \"movies\", owner = \"data\" }\n";
    let w = workdir(&group(
        emu.endpoint(),
        &defaults("prod"),
        "tags-defaults",
        own,
    ));
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(plan.contains("+ tags_all"), "{plan}");
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let r = w.resource("personalize_dataset_group.g").unwrap();
    let arn = r["arn"].as_str().unwrap().to_owned();
    let all = tags(&[
        ("app", "movies"),
        ("env", "prod"),
        ("owner", "data"),
        ("team", "ml"),
    ]);
    assert_eq!(state_map(&r["tags_all"]), Some(all.clone()));
    assert_eq!(
        state_map(&r["tags"]),
        Some(tags(&[
            ("app", "movies"),
            ("owner", "data"),
            ("team", "ml")
        ]))
    );
    assert_eq!(
        remote_tags(emu, &arn),
        all,
        "CreateDatasetGroup got tags_all"
    );
    let (code, plan) = w.plan_exit_code();
    assert_eq!(code, 0, "no change after apply:\n{plan}");

    // A changed default updates every resource in place (tags_all only).
    w.write(&group(
        emu.endpoint(),
        &defaults("dev"),
        "tags-defaults",
        own,
    ));
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains("will be updated in-place") && plan.contains("~ tags_all"),
        "{plan}"
    );
    assert!(
        !plan.contains("~ tags "),
        "the resource's own tags did not change:\n{plan}"
    );
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(remote_tags(emu, &arn)["env"], "dev");
    assert_eq!(w.plan_exit_code().0, 0);

    // A default's value changed out of band shows as a change of tags_all alone.
    change_out_of_band(emu, &arn, &[("env", "oops")], &[]);
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(
        squash(&plan).contains(r#"~ "env" = "oops" -> "dev""#),
        "{plan}"
    );
    assert!(!plan.contains("~ tags "), "{plan}");
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(remote_tags(emu, &arn)["env"], "dev");

    // The defaults go: only the resource's own tags remain, in AWS too.
    w.write(&group(emu.endpoint(), "", "tags-defaults", own));
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let own_tags = tags(&[("app", "movies"), ("owner", "data"), ("team", "ml")]);
    assert_eq!(remote_tags(emu, &arn), own_tags);
    let r = w.resource("personalize_dataset_group.g").unwrap();
    assert_eq!(state_map(&r["tags_all"]), Some(own_tags));

    // Import with defaults set: tags equal to a default are not the resource's own.
    w.write(&group(
        emu.endpoint(),
        &defaults("dev"),
        "tags-defaults",
        "  tags = { app = \"movies\" }\n",
    ));
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    w.ok(&["state", "rm", "personalize_dataset_group.g"]);
    w.ok(&["import", "-no-color", "personalize_dataset_group.g", &arn]);
    let (code, plan) = w.plan_exit_code();
    assert_eq!(code, 0, "no change after import:\n{plan}");
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn tags_changed_out_of_band_show_in_the_next_plan_and_apply_restores_them() {
    let emu = emulator::shared();
    let own = "  tags = { team = \"recs\", env = \"prod\" }\n";
    let w = workdir(&group(emu.endpoint(), "", "tags-drift", own));
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let arn = w.resource("personalize_dataset_group.g").unwrap()["arn"]
        .as_str()
        .unwrap()
        .to_owned();
    change_out_of_band(emu, &arn, &[("team", "other"), ("rogue", "1")], &["env"]);
    let (code, plan) = w.plan_exit_code();
    assert_eq!(code, 2, "drift must show:\n{plan}");
    assert!(
        plan.contains("~ tags_all"),
        "tags_all shows the drift too:\n{plan}"
    );
    let words = squash(&plan);
    for line in [
        r#"~ "team" = "other" -> "recs""#,
        r#"+ "env" = "prod""#,
        r#"- "rogue" = "1" -> null"#,
    ] {
        assert!(words.contains(line), "expected {line:?} in:\n{plan}");
    }
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        remote_tags(emu, &arn),
        tags(&[("env", "prod"), ("team", "recs")])
    );
    assert_eq!(w.plan_exit_code().0, 0);
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn ignore_tags_are_never_read_set_or_removed() {
    let emu = emulator::shared();
    let ignore = "  ignore_tags {\n    keys         = [\"owner\"]\n    key_prefixes = [\"ext:\"]\n  }\n  default_tags {\n    tags = { owner = \"terraform\", env = \"prod\" }\n  }\n";
    let own = "  tags = { app = \"movies\" }\n";
    let w = workdir(&group(emu.endpoint(), ignore, "tags-ignore", own));
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let r = w.resource("personalize_dataset_group.g").unwrap();
    let arn = r["arn"].as_str().unwrap().to_owned();
    // An ignored key is not sent, even from default_tags.
    assert_eq!(
        remote_tags(emu, &arn),
        tags(&[("app", "movies"), ("env", "prod")])
    );
    assert_eq!(
        state_map(&r["tags_all"]),
        Some(tags(&[("app", "movies"), ("env", "prod")]))
    );
    // Another tool manages `owner` and `ext:*`: invisible to plans, kept by applies.
    change_out_of_band(
        emu,
        &arn,
        &[("owner", "ops"), ("ext:team", "x"), ("rogue", "1")],
        &[],
    );
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(
        squash(&plan).contains(r#"- "rogue" = "1" -> null"#),
        "{plan}"
    );
    assert!(
        !plan.contains("owner") && !plan.contains("ext:team"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        remote_tags(emu, &arn),
        tags(&[
            ("app", "movies"),
            ("env", "prod"),
            ("ext:team", "x"),
            ("owner", "ops")
        ])
    );
    assert_eq!(w.plan_exit_code().0, 0);
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn provider_tag_blocks_refuse_bad_values_at_validate() {
    let w = workdir(&group(
        "http://127.0.0.1:1",
        "  default_tags {\n    tags = { \"aws:owner\" = \"x\" }\n  }\n  ignore_tags {\n    keys = [\"\"]\n  }\n",
        "tags-bad",
        "",
    ));
    let out = w.fails(&["validate", "-no-color"]);
    assert!(out.contains("reserved prefix"), "{out}");
    assert!(
        out.contains("an empty tag key or prefix matches nothing"),
        "{out}"
    );
}
