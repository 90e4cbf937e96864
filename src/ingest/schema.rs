//! The front matter contract of SCHEMA.md as serde types. Values whose rules need a file
//! position to report (dates, severities, ids) are kept as text here and checked in `check`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::config::Visibility;
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
];

#[derive(Debug, Default, Deserialize)]
pub struct RawPostmortem {
    pub title: Option<String>,
    pub date: Option<Text>,
    pub id: Option<String>,
    pub severity: Option<String>,
    pub services: Option<Vec<String>>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub status: Status,
    pub visibility: Option<Visibility>,
    pub summary: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub responders: Vec<String>,
    pub incident_commander: Option<String>,
    pub scribe: Option<String>,
    #[serde(default)]
    pub teams: Vec<String>,
    pub started_at: Option<Text>,
    pub detected_at: Option<Text>,
    pub mitigated_at: Option<Text>,
    pub resolved_at: Option<Text>,
    #[serde(default)]
    pub action_items: Vec<RawActionItem>,
    #[serde(default)]
    pub related: Vec<String>,
    pub external_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActionItem {
    pub title: Option<String>,
    pub owner: Option<String>,
    pub due: Option<Text>,
    pub priority: Option<Priority>,
    #[serde(default)]
    pub status: ItemStatus,
    #[serde(rename = "type")]
    pub kind: Option<ItemType>,
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
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub summary: Option<String>,
    pub archive_url: Option<String>,
    pub uuid: Option<String>,
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
