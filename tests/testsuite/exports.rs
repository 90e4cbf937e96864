//! The open exports: CSV that spreadsheets read back cell for cell, and the VOID export of
//! public builds.

use crate::site::Site;

fn read_csv(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(String::from)).collect()).collect()
}

/// The good fixture with a postmortem whose texts need quoting in CSV.
fn site() -> Site {
    let site = Site::fixture("good");
    site.write(
        "content/postmortems/quoted.md",
        "---\ntitle: \"Quotes, commas\"\ndate: 2024-05-01\nseverity: SEV-2\nstatus: closed\nvisibility: public\nnear_miss: true\nservices: [api, \"edge, west\"]\nsummary: \"He said \\\"retry\\\", then\\nthe queue drained.\"\nstarted_at: 2024-05-01T10:00:00Z\nresolved_at: 2024-05-01T10:30:00Z\ncontributing_factors:\n  - statement: No backoff\n    kind: dependency\n  - statement: Timeouts too long\n    kind: dependency\naction_items:\n  - title: \"Add backoff\"\n    owner: Ann\n    due: 2024-05-10\n---\n\nBody.\n",
    );
    site
}

#[test]
fn the_csv_exports_read_back_cell_for_cell() {
    let site = site();
    site.run(&["build", "--today", "2024-06-01"]).success();
    let text = site.read("postmortems.csv");
    assert!(text.starts_with("version,id,url,title,date,severity,") && text.contains("\r\n"), "{text}");
    let rows = read_csv(&text);
    assert_eq!(rows.len(), 3, "every published postmortem: {rows:?}");
    let quoted = rows.iter().find(|r| r["id"] == "quoted").unwrap();
    assert_eq!(quoted["version"], "1");
    assert_eq!(quoted["title"], "Quotes, commas");
    assert_eq!(quoted["summary"], "He said \"retry\", then\nthe queue drained.");
    assert_eq!(quoted["services"], "api; edge, west");
    assert_eq!(quoted["url"], "https://example.test/archive/postmortems/quoted/");
    assert_eq!((quoted["near_miss"].as_str(), quoted["time_to_resolve_seconds"].as_str()), ("true", "1800"));
    assert_eq!(quoted["contributing_factor_kinds"], "dependency", "each kind once");
    assert_eq!(quoted["contributing_factors"], "No backoff; Timeouts too long");
    assert_eq!((quoted["action_items"].as_str(), quoted["open_action_items"].as_str()), ("1", "1"));

    let items = read_csv(&site.read("action-items.csv"));
    let backoff = items.iter().find(|r| r["title"] == "Add backoff").unwrap();
    assert_eq!((backoff["owner"].as_str(), backoff["overdue_days"].as_str()), ("Ann", "22"));
    assert_eq!(backoff["postmortem_id"], "quoted");
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(!site.public().join("void.json").exists(), "the VOID export is for public builds");
}

/// Cells as Python's csv module reads them, by column, for the row whose `key` column is
/// `value`: a second reader besides the one the other tests use.
fn python_row(path: &std::path::Path, key: &str, value: &str) -> serde_json::Value {
    let script = "import csv, json, sys\nrows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))\nprint(json.dumps([r for r in rows if r[sys.argv[2]] == sys.argv[3]]))";
    let out = std::process::Command::new("python3").args(["-c", script]).arg(path).args([key, value]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows[0].clone()
}

#[test]
fn a_cell_that_starts_a_formula_reaches_a_spreadsheet_as_text() {
    let site = Site::fixture("good");
    site.write(
        "content/postmortems/formulas.md",
        "---\ntitle: '=HYPERLINK(\"http://evil.example\",\"click\")'\ndate: 2024-05-01\nseverity: SEV-2\nstatus: closed\nservices: [\"-2+3\", api]\nsummary: \"\\tTab first\"\naffected: \"+1 234 customers\"\naction_items:\n  - title: \"@SUM(1+1)*cmd|calc!A0\"\n    owner: \"=cmd|' /C calc'!A0\"\n    link: \"https://example.test/a\"\n---\n\nBody.\n",
    );
    site.run(&["build", "--today", "2024-06-01"]).success();
    let row = python_row(&site.public().join("postmortems.csv"), "id", "formulas");
    assert_eq!(row["title"], "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_eq!(row["services"], "'-2+3; api");
    assert_eq!(row["summary"], "'\tTab first");
    assert_eq!(row["affected"], "'+1 234 customers");
    assert_eq!(row["action_items"], "1", "numbers stay numbers");
    let item = python_row(&site.public().join("action-items.csv"), "postmortem_id", "formulas");
    assert_eq!(item["title"], "'@SUM(1+1)*cmd|calc!A0");
    assert_eq!(item["owner"], "'=cmd|' /C calc'!A0");
    assert_eq!(item["postmortem_title"], "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_eq!(item["link"], "https://example.test/a");
    // Pages show the title as written.
    assert!(site.read("postmortems/formulas/index.html").contains("=HYPERLINK("));
}

#[test]
fn a_public_build_adds_the_void_export_and_leaves_out_what_its_pages_leave_out() {
    let site = site();
    site.run(&["build", "--public", "--today", "2024-06-01"]).success();
    let void: serde_json::Value = serde_json::from_str(&site.read("void.json")).unwrap();
    assert_eq!((void["version"].as_u64(), void["count"].as_u64()), (Some(1), Some(1)));
    assert_eq!(void["organisation"], "Fixture archive");
    let incident = &void["incidents"][0];
    assert_eq!(incident["title"], "Quotes, commas");
    assert_eq!(incident["duration_seconds"], 1800);
    assert_eq!(incident["near_miss"], true);
    assert_eq!(incident["analysis_type"], "contributing factors");
    assert_eq!(incident["contributing_factor_kinds"], serde_json::json!(["dependency"]));
    assert_eq!(incident["url"], "https://example.test/archive/postmortems/quoted/");
    // Internal postmortems are not rows; owners are hidden by default.
    assert_eq!(read_csv(&site.read("postmortems.csv")).len(), 1);
    let items = read_csv(&site.read("action-items.csv"));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["owner"], "", "action_items.owner is in hide_fields by default");
}
