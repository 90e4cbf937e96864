//! The front matter contract (the README's "Front matter" section) as serde types. Values whose rules need a file
//! position to report (dates, severities, ids) are kept as text here and checked in `check`.

use std::fmt;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::json;

use crate::config::{Config, Visibility};
use crate::diagnostics::{Rule, Setting};
use crate::model::{ItemStatus, ItemType, Priority, Status};

/// Keys a postmortem's front matter may have; anything else is kept as `extra` with a warning.
pub const POSTMORTEM_KEYS: &[&str] = &[
    "title",
    "date",
    "id",
    "severity",
    "services",
    "tags",
    "status",
    "visibility",
    "summary",
    "authors",
    "responders",
    "incident_commander",
    "scribe",
    "teams",
    "started_at",
    "detected_at",
    "mitigated_at",
    "resolved_at",
    "action_items",
    "related",
    "external_url",
    "affected",
    "contributing_factors",
    "near_miss",
    "surprises",
];

/// Keys of a curated external postmortem (the icco/postmortems data format).
pub const EXTERNAL_KEYS: &[&str] = &[
    "url",
    "title",
    "company",
    "product",
    "start_time",
    "end_time",
    "categories",
    "keywords",
    "summary",
    "archive_url",
    "uuid",
    // When icco's crawler fetched the source and when it says the source was published.
    "source_fetched_at",
    "source_published_at",
];

/// A postmortem's front matter as written. Doc comments here are the descriptions an
/// editor shows from `hindsight schema front-matter`.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[schemars(title = "hindsight postmortem front matter")]
pub struct RawPostmortem {
    /// What happened, for whom, and how badly: "Checkout rejected 38% of orders after a rate-limit config push".
    pub title: Option<String>,
    /// The day of the incident (YYYY-MM-DD), or `unknown` when nobody knows it; required
    /// unless `started_at` is given.
    pub date: Option<Text>,
    /// The page's address, /postmortems/<id>/ [default: the file name].
    pub id: Option<String>,
    /// One of site.toml `severities`, worst first (SEV-1 is the worst by default), or
    /// `unknown` while nobody has decided.
    pub severity: Option<String>,
    /// The services affected: a list, or one name.
    #[serde(default, deserialize_with = "some_one_or_many")]
    #[schemars(schema_with = "one_or_many_schema")]
    pub services: Option<Vec<String>>,
    /// Root-cause tags; site.toml `tags` may restrict them.
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema")]
    pub tags: Vec<String>,
    /// Where the review stands: draft -> in-review -> reviewed -> closed.
    #[serde(default)]
    pub status: Status,
    /// Whether a public build (`build --public`) shows it [default: site.toml `default_visibility`].
    pub visibility: Option<Visibility>,
    /// Two or three sentences with numbers: what users saw, for how long.
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema")]
    pub authors: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema")]
    pub responders: Vec<String>,
    pub incident_commander: Option<String>,
    pub scribe: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema")]
    pub teams: Vec<String>,
    /// When impact began: RFC 3339 with an offset (2024-02-14T16:02:00Z).
    pub started_at: Option<Text>,
    /// When it was noticed; time to detect = detected_at - started_at.
    pub detected_at: Option<Text>,
    /// When impact was stopped or reduced.
    pub mitigated_at: Option<Text>,
    /// When it was over; time to resolve = resolved_at - started_at.
    pub resolved_at: Option<Text>,
    /// What will be done, each with an owner, a due date and a status.
    #[serde(default)]
    pub action_items: Vec<RawActionItem>,
    /// Ids of related postmortems of this archive.
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema")]
    pub related: Vec<String>,
    /// A public status page or announcement of the incident.
    pub external_url: Option<String>,
    /// Customers or requests affected, as the authors count them: `1204` or `"1,204 payments"`.
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(schema_with = "text_or_number_schema")]
    pub affected: Option<String>,
    /// What made the incident possible or worse: several by design, never one root cause.
    #[serde(default, deserialize_with = "factors")]
    #[schemars(schema_with = "factors_schema")]
    pub contributing_factors: Vec<RawFactor>,
    /// No customer impact, but worth learning from.
    #[serde(default)]
    pub near_miss: bool,
    /// "What surprised us": what the responders' picture of the system got wrong.
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema")]
    pub surprises: Vec<String>,
}

/// One contributing factor: `{statement: ..., kind: change}`, or the statement alone as a
/// string, as a team that has no kinds yet writes it.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFactor {
    /// A short sentence: "Config changes reached every node at once, without a canary stage".
    pub statement: Option<String>,
    /// One of site.toml `factor_kinds` (change, capacity, dependency, detection-gap, process, knowledge by default).
    pub kind: Option<String>,
}

/// `contributing_factors`: a list of factors (tables or strings), or one factor.
fn factors<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<RawFactor>, D::Error> {
    struct One(RawFactor);
    impl<'de> Deserialize<'de> for One {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(FactorVisitor).map(One)
        }
    }
    struct FactorVisitor;
    impl<'de> Visitor<'de> for FactorVisitor {
        type Value = RawFactor;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a factor: a table with `statement` (and maybe `kind`), or the statement as a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<RawFactor, E> {
            Ok(RawFactor { statement: Some(v.to_string()), kind: None })
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawFactor, A::Error> {
            RawFactor::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    struct ListVisitor;
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = Vec<RawFactor>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of factors, each a table with `statement` (and maybe `kind`) or a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<RawFactor>, E> {
            FactorVisitor.visit_str(v).map(|f| vec![f])
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<RawFactor>, E> {
            Ok(Vec::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<RawFactor>, A::Error> {
            FactorVisitor.visit_map(map).map(|f| vec![f])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<RawFactor>, A::Error> {
            let mut out = Vec::new();
            while let Some(One(item)) = seq.next_element()? {
                out.push(item);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_any(ListVisitor)
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawActionItem {
    /// What will be done: "Reject rate-limit rules matching >1% of traffic".
    pub title: Option<String>,
    pub owner: Option<String>,
    /// The due date (YYYY-MM-DD).
    pub due: Option<Text>,
    pub priority: Option<Priority>,
    #[serde(default)]
    pub status: ItemStatus,
    #[serde(rename = "type")]
    pub kind: Option<ItemType>,
    /// The ticket that tracks it.
    pub link: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawExternal {
    pub url: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub product: Option<String>,
    pub start_time: Option<Text>,
    pub end_time: Option<Text>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub categories: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub keywords: Vec<String>,
    pub summary: Option<String>,
    pub archive_url: Option<String>,
    pub uuid: Option<String>,
}

/// Where a front matter text stands: its key, and the action item it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub key: &'static str,
    pub item: Option<usize>,
}

impl RawPostmortem {
    /// Calls `f` on every text of the front matter (every field, list element and action
    /// item field), so rules that must read all of them (internal markers) and the public
    /// build's redaction cannot miss one a later field adds.
    pub fn visit_strings(&mut self, f: &mut dyn FnMut(Place, &mut String)) {
        let mut at = |key: &'static str, s: &mut String| f(Place { key, item: None }, s);
        for (key, value) in [
            ("title", &mut self.title),
            ("id", &mut self.id),
            ("severity", &mut self.severity),
            ("summary", &mut self.summary),
            ("incident_commander", &mut self.incident_commander),
            ("scribe", &mut self.scribe),
            ("external_url", &mut self.external_url),
            ("affected", &mut self.affected),
        ] {
            value.iter_mut().for_each(|s| at(key, s));
        }
        for (key, value) in [
            ("date", &mut self.date),
            ("started_at", &mut self.started_at),
            ("detected_at", &mut self.detected_at),
            ("mitigated_at", &mut self.mitigated_at),
            ("resolved_at", &mut self.resolved_at),
        ] {
            value.iter_mut().for_each(|t| at(key, &mut t.0));
        }
        for (key, list) in [
            ("tags", &mut self.tags),
            ("authors", &mut self.authors),
            ("responders", &mut self.responders),
            ("teams", &mut self.teams),
            ("related", &mut self.related),
            ("surprises", &mut self.surprises),
        ] {
            list.iter_mut().for_each(|s| at(key, s));
        }
        self.services.iter_mut().flatten().for_each(|s| at("services", s));
        for (i, item) in self.action_items.iter_mut().enumerate() {
            let place = Place { key: "action_items", item: Some(i) };
            for value in [&mut item.title, &mut item.owner, &mut item.link] {
                value.iter_mut().for_each(|s| f(place, s));
            }
            item.due.iter_mut().for_each(|t| f(place, &mut t.0));
        }
        for (i, factor) in self.contributing_factors.iter_mut().enumerate() {
            let place = Place { key: "contributing_factors", item: Some(i) };
            for value in [&mut factor.statement, &mut factor.kind] {
                value.iter_mut().for_each(|s| f(place, s));
            }
        }
    }
}

/// Every text in a value of an unknown key, object keys included: a key can hold text an
/// author marked internal as well as a value can.
pub fn json_strings(value: &serde_json::Value, f: &mut dyn FnMut(&str)) {
    match value {
        serde_json::Value::String(s) => f(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, f)),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| {
            f(k);
            json_strings(v, f)
        }),
        _ => {}
    }
}

/// A date or date-time as the user wrote it. YAML gives these as strings, TOML as native
/// date-times; both end up as their text so `check` can parse them and point at them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date like 2024-03-12 or a date-time like 2024-03-12T14:02:00Z")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            // TOML hands native date-times over as a one-entry map holding their text.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let (_, value): (String, String) = map.next_entry()?.ok_or_else(|| de::Error::custom("empty date"))?;
                Ok(Text(value))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

impl JsonSchema for Text {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Text".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "a date like 2024-03-12 or a date-time like 2024-03-12T14:02:00Z"
        })
    }
}

/// What `one_or_many` reads: a list of strings, one string, or nothing.
fn one_or_many_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            { "type": "array", "items": { "type": "string" } },
            { "type": "string" },
            { "type": "null" }
        ]
    })
}

/// What `text_or_number` reads.
fn text_or_number_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["string", "number", "null"] })
}

/// What `factors` reads: a list of factors (tables or statements), one factor, or nothing.
fn factors_schema(generator: &mut SchemaGenerator) -> Schema {
    let factor = generator.subschema_for::<RawFactor>();
    json_schema!({
        "anyOf": [
            { "type": "array", "items": { "anyOf": [factor, { "type": "string" }] } },
            factor,
            { "type": "string" },
            { "type": "null" }
        ]
    })
}

/// A list written as one string (`services: checkout`) is a one-item list, as people
/// write it for a single value; every list field of the front matter accepts both.
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    struct ListVisitor;
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of strings, or one string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<String>()? {
                out.push(item);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_any(ListVisitor)
}

/// A count written as a number (`1204`) or as words (`"1,204 payments"`), kept as written.
fn text_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Count {
        Number(serde_json::Number),
        Text(String),
    }
    Ok(Option::<Count>::deserialize(deserializer)?.map(|c| match c {
        Count::Number(n) => n.to_string(),
        Count::Text(t) => t,
    }))
}

fn some_one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
    one_or_many(deserializer).map(Some)
}

/// The JSON Schema of a postmortem's front matter (draft-07, which YAML and TOML language
/// servers read), narrowed by the site's settings where the build narrows them: its
/// severities (any case, as the build takes them), its tag vocabulary and factor kinds
/// unless `[rules]` lets other values through. What the build rejects for its shape, the
/// schema rejects; what it builds, the schema accepts.
pub fn front_matter_json_schema(config: &Config) -> serde_json::Value {
    let schema = SchemaSettings::draft07().into_generator().into_root_schema_for::<RawPostmortem>();
    let mut schema = schema.to_value();
    // The build requires these; `date` may be left to `started_at`.
    schema["required"] = json!(["title", "severity", "services"]);
    schema["anyOf"] = json!([{ "required": ["date"] }, { "required": ["started_at"] }]);
    // ECMA-262 has no case-insensitive flag a schema can set: each letter as a class.
    let any_case = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                c if c.is_alphabetic() => format!("[{}{}]", c.to_lowercase(), c.to_uppercase()),
                '^' | '$' | '\\' | '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '/' => {
                    format!("\\{c}")
                }
                c => c.to_string(),
            })
            .collect()
    };
    // `unknown` is a value too: what nobody has decided yet, never counted as a severity.
    let severities: Vec<&str> = config.severities.iter().map(String::as_str).chain([crate::model::UNKNOWN]).collect();
    let pattern = format!("^({})$", severities.iter().map(|s| any_case(s)).collect::<Vec<_>>().join("|"));
    let severity = &mut schema["properties"]["severity"];
    severity["anyOf"] = json!([{ "enum": severities }, { "type": "string", "pattern": pattern }]);
    severity.as_object_mut().map(|s| s.remove("type"));
    let enforced = |rule: Rule| !matches!(config.rules.0.get(rule.id()), Some(Setting::Off | Setting::Warning));
    if let (Some(tags), true) = (&config.tags, enforced(Rule::UnknownTag)) {
        schema["properties"]["tags"]["anyOf"] =
            json!([{ "type": "array", "items": { "enum": tags } }, { "enum": tags }, { "type": "null" }]);
    }
    if enforced(Rule::UnknownFactorKind) {
        let kinds: Vec<&String> = config.factor_kinds.iter().collect();
        let kind = &mut schema["definitions"]["RawFactor"]["properties"]["kind"];
        kind["enum"] = json!(kinds.into_iter().map(|k| json!(k)).chain([json!(null)]).collect::<Vec<_>>());
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_where_a_list_goes_is_a_one_item_list() {
        let raw: RawPostmortem = serde_yaml_ng::from_str("services: checkout\ntags: [a, b]\nauthors: Ann\n").unwrap();
        assert_eq!(raw.services, Some(vec!["checkout".to_string()]));
        assert_eq!((raw.tags.len(), raw.authors.as_slice()), (2, ["Ann".to_string()].as_slice()));
        let raw: RawPostmortem = toml::from_str("services = \"checkout\"\nteams = \"sre\"\n").unwrap();
        assert_eq!((raw.services.unwrap(), raw.teams), (vec!["checkout".to_string()], vec!["sre".to_string()]));
        assert!(serde_yaml_ng::from_str::<RawPostmortem>("services: 3\n").is_err());
        let raw: RawPostmortem = serde_yaml_ng::from_str("services:\ntags:\n").unwrap();
        assert_eq!((raw.services, raw.tags.len()), (Some(vec![]), 0));
    }

    #[test]
    fn a_factor_is_a_table_or_its_statement() {
        let yaml = "contributing_factors:\n  - statement: A retry storm\n    kind: capacity\n  - No canary stage\n";
        let raw: RawPostmortem = serde_yaml_ng::from_str(yaml).unwrap();
        let read: Vec<_> =
            raw.contributing_factors.iter().map(|f| (f.statement.as_deref(), f.kind.as_deref())).collect();
        assert_eq!(read, [(Some("A retry storm"), Some("capacity")), (Some("No canary stage"), None)]);
        let toml =
            "near_miss = true\nsurprises = \"the cache was cold\"\n[[contributing_factors]]\nstatement = \"x\"\n";
        let raw: RawPostmortem = toml::from_str(toml).unwrap();
        assert_eq!((raw.near_miss, raw.surprises.len(), raw.contributing_factors.len()), (true, 1, 1));
        let raw: RawPostmortem = serde_yaml_ng::from_str("contributing_factors: One factor\n").unwrap();
        assert_eq!(raw.contributing_factors[0].statement.as_deref(), Some("One factor"));
        let err = serde_yaml_ng::from_str::<RawPostmortem>("contributing_factors:\n  - statment: x\n").unwrap_err();
        assert!(err.to_string().contains("statment"), "{err}");
        assert!(serde_yaml_ng::from_str::<RawPostmortem>("contributing_factors:\n  - 3\n").is_err());
    }
}
