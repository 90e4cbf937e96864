//! `hindsight schema`: the JSON Schemas editors validate with agree with the build. Every
//! postmortem of the example archive and of the fixtures that the build accepts, the schema
//! accepts; a file the build rejects for its shape, the schema rejects; `site.toml`s too.

use std::path::{Path, PathBuf};

use crate::site::{Site, assert_contains};

fn validator(schema: &str) -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(schema).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::draft7::new(&schema).unwrap()
}

/// `toml`'s date-times as the text a TOML language server validates them as.
fn toml_to_json(value: toml::Value) -> serde_json::Value {
    match value {
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Table(t) => t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect(),
        toml::Value::Array(a) => a.into_iter().map(toml_to_json).collect(),
        other => serde_json::to_value(other).unwrap(),
    }
}

/// A file's front matter as the data a language server sees.
fn front_matter(text: &str) -> serde_json::Value {
    let (fence, yaml) = if text.starts_with("+++") { ("+++", false) } else { ("---", true) };
    let rest = &text[fence.len()..];
    let inner = &rest[..rest.find(&format!("\n{fence}")).unwrap()];
    if yaml {
        let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(inner).unwrap();
        serde_json::to_value(value).unwrap()
    } else {
        toml_to_json(toml::from_str(inner).unwrap())
    }
}

/// Postmortem files the archive's `check` finds no error in, and the archive's schema.
fn accepted(site: &Site) -> (Vec<PathBuf>, String) {
    let check = site.run_inside(&["check", "--format", "json"]);
    let broken: Vec<String> = check
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|f| f["level"] == "error")
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    let files = walkdir::WalkDir::new(site.root().join("content/postmortems"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.path().strip_prefix(site.root()).unwrap().to_path_buf())
        .filter(|rel| !broken.contains(&rel.to_string_lossy().into_owned()))
        .filter(|rel| !rel.file_name().unwrap().to_string_lossy().eq_ignore_ascii_case("readme.md"))
        .collect();
    (files, site.run_inside(&["schema", "front-matter"]).success().stdout)
}

#[test]
fn every_postmortem_the_build_accepts_the_schema_accepts() {
    let mut sites = vec![Site::example()];
    sites.extend(["good", "lint", "public", "timelines", "import"].map(Site::fixture));
    let mut checked = 0;
    for site in &sites {
        let (files, schema) = accepted(site);
        let schema = validator(&schema);
        for rel in files {
            let text = std::fs::read_to_string(site.root().join(&rel)).unwrap();
            let errors: Vec<String> = schema.iter_errors(&front_matter(&text)).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", rel.display());
            checked += 1;
        }
        let site_schema = validator(&site.run_inside(&["schema", "site"]).success().stdout);
        let settings = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
        let errors: Vec<String> =
            site_schema.iter_errors(&toml_to_json(toml::from_str(&settings).unwrap())).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}/site.toml: {errors:?}", site.root().display());
    }
    assert!(checked > 20, "only {checked} files checked");
}

/// Files the build rejects for their shape: (name, patch of the lint fixture's clean.md).
const REJECTED: &[(&str, (&str, &str))] = &[
    ("no-title", ("title: \"Clean\"\n", "")),
    ("services-number", ("services: [api]", "services: 3")),
    ("bad-status", ("status: reviewed", "status: finished")),
    ("near-miss-text", ("status: reviewed", "status: reviewed\nnear_miss: maybe")),
    ("unknown-severity", ("severity: SEV-3", "severity: SEV-9")),
    ("unknown-tag", ("tags: [deploy]", "tags: [weather]")),
    ("factor-number", ("status: reviewed", "status: reviewed\ncontributing_factors: [3]")),
    ("factor-kind", ("status: reviewed", "status: reviewed\ncontributing_factors: [{statement: x, kind: luck}]")),
    ("item-key", ("    owner: Dana Reyes", "    owner: Dana Reyes\n    assignee: Dana")),
    ("item-priority", ("priority: P1", "priority: P9")),
];

#[test]
fn a_file_the_build_rejects_for_its_shape_the_schema_rejects() {
    let site = Site::fixture("lint");
    for (name, patch) in REJECTED {
        site.patched("content/postmortems/clean.md", &format!("content/postmortems/{name}.md"), &[*patch]);
    }
    let check = site.run_inside(&["check", "--format", "json"]).failure(1);
    let schema = validator(&site.run_inside(&["schema"]).success().stdout);
    for (name, _) in REJECTED {
        let rel = format!("content/postmortems/{name}.md");
        assert!(
            check
                .stdout
                .lines()
                .any(|l| l.contains(&format!("\"path\":\"{rel}\"")) && l.contains("\"level\":\"error\"")),
            "the build accepts {name}: {}",
            check.stdout
        );
        let text = std::fs::read_to_string(site.root().join(&rel)).unwrap();
        assert!(!schema.is_valid(&front_matter(&text)), "the schema accepts {name}");
    }
    // Severities in any case, as the build takes them; rules switched off widen the schema.
    let text = std::fs::read_to_string(site.root().join("content/postmortems/clean.md")).unwrap();
    assert!(schema.is_valid(&front_matter(&text.replace("severity: SEV-3", "severity: sev-3"))));
    let settings = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write("site.toml", format!("{settings}\n[rules]\nunknown-tag = \"off\"\n"));
    let wider = validator(&site.run_inside(&["schema"]).success().stdout);
    let tagged = std::fs::read_to_string(site.root().join("content/postmortems/unknown-tag.md")).unwrap();
    assert!(wider.is_valid(&front_matter(&tagged)));
}

#[test]
fn init_writes_the_schemas_and_points_its_files_at_them() {
    let site = Site::fixture("good");
    let dir = site.root().join("fresh");
    let run = site.run(&["init", dir.to_str().unwrap()]).success();
    assert_contains(
        &run.stdout,
        &["wrote    .hindsight/schema/front-matter.json", "wrote    .hindsight/schema/site.json"],
    );
    let sample = std::fs::read_dir(dir.join("content/postmortems")).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&sample).unwrap();
    assert!(
        text.starts_with("---\n# yaml-language-server: $schema=../../.hindsight/schema/front-matter.json\n"),
        "{text}"
    );
    // The line points at the file, from where the postmortem is.
    let pointed = sample.parent().unwrap().join("../../.hindsight/schema/front-matter.json");
    let schema = validator(&std::fs::read_to_string(pointed).unwrap());
    assert!(schema.is_valid(&front_matter(&text)));
    let settings = std::fs::read_to_string(dir.join("site.toml")).unwrap();
    assert!(settings.starts_with("#:schema ./.hindsight/schema/site.json\n"));
    assert!(Path::new(&dir.join(".hindsight/schema/site.json")).is_file());
    // A bad value in site.toml is the schema's finding as it is the build's.
    let site_schema = validator(&std::fs::read_to_string(dir.join(".hindsight/schema/site.json")).unwrap());
    let bad = toml_to_json(toml::from_str("per_page = \"many\"\n[public]\nhide_fields = [\"titles\"]\n").unwrap());
    assert_eq!(site_schema.iter_errors(&bad).count(), 2);
    assert!(!site_schema.is_valid(&toml_to_json(toml::from_str("[rules]\nduplicate-id = \"off\"\n").unwrap())));
    // `new` points its file at the schema too.
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_hindsight"))
        .arg("--root")
        .arg(&dir)
        .args(["new", "Queue stalled", "--service", "queue"])
        .output()
        .unwrap();
    let text = std::fs::read_to_string(String::from_utf8_lossy(&made.stdout).trim()).unwrap();
    assert!(text.contains("# yaml-language-server: $schema=../../.hindsight/schema/front-matter.json"));
}
