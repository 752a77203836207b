//! The Avro schemas of Personalize datasets: parsing, the per-type required fields, and the
//! typed conversion of one cell (used by imports and by PutItems/PutUsers properties).

use personalize_recommender::Value as Attr;
use serde_json::Value;

/// The dataset types personalize-local implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetType {
    /// Item interactions.
    Interactions,
    /// Items metadata.
    Items,
    /// Users metadata.
    Users,
    /// Actions metadata (Next-Best-Action).
    Actions,
    /// Interactions of users with actions (Next-Best-Action).
    ActionInteractions,
}

impl DatasetType {
    /// Parses `datasetType` case-insensitively, as Personalize does.
    ///
    /// # Errors
    /// For unknown types, naming the five there are.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "interactions" => Ok(Self::Interactions),
            "items" => Ok(Self::Items),
            "users" => Ok(Self::Users),
            "actions" => Ok(Self::Actions),
            "action_interactions" => Ok(Self::ActionInteractions),
            _ => Err(format!(
                "datasetType {s:?} is not supported: use Interactions, Items, Users, Actions or Action_Interactions"
            )),
        }
    }

    /// The last ARN segment (`INTERACTIONS`).
    pub fn arn_suffix(self) -> &'static str {
        match self {
            Self::Interactions => "INTERACTIONS",
            Self::Items => "ITEMS",
            Self::Users => "USERS",
            Self::Actions => "ACTIONS",
            Self::ActionInteractions => "ACTION_INTERACTIONS",
        }
    }

    fn required(self) -> &'static [(&'static str, FieldType)] {
        match self {
            Self::Interactions => &[
                ("USER_ID", FieldType::String),
                ("ITEM_ID", FieldType::String),
                ("TIMESTAMP", FieldType::Long),
            ],
            Self::Items => &[("ITEM_ID", FieldType::String)],
            Self::Users => &[("USER_ID", FieldType::String)],
            Self::Actions => &[("ACTION_ID", FieldType::String)],
            Self::ActionInteractions => &[
                ("USER_ID", FieldType::String),
                ("ACTION_ID", FieldType::String),
                ("TIMESTAMP", FieldType::Long),
                ("EVENT_TYPE", FieldType::String),
            ],
        }
    }

    /// Reserved keywords and the type they must have when present (Custom datasets and
    /// schemas, "Custom dataset and schema requirements"): for Actions CREATION_TIMESTAMP
    /// (long), VALUE (long, null), TYPE (string, null), EXPIRATION_TIMESTAMP (long, null),
    /// REPEAT_FREQUENCY (long, null); for Action interactions IMPRESSION and
    /// RECOMMENDATION_ID (string, null).
    fn reserved(self) -> &'static [(&'static str, FieldType)] {
        match self {
            Self::Actions => &[
                ("CREATION_TIMESTAMP", FieldType::Long),
                ("VALUE", FieldType::Long),
                ("TYPE", FieldType::String),
                ("EXPIRATION_TIMESTAMP", FieldType::Long),
                ("REPEAT_FREQUENCY", FieldType::Long),
            ],
            Self::ActionInteractions => &[
                ("IMPRESSION", FieldType::String),
                ("RECOMMENDATION_ID", FieldType::String),
            ],
            _ => &[],
        }
    }
}

/// An Avro primitive type allowed in Personalize schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `string`
    String,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `boolean`
    Boolean,
}

impl FieldType {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => Self::String,
            "int" => Self::Int,
            "long" => Self::Long,
            "float" => Self::Float,
            "double" => Self::Double,
            "boolean" => Self::Boolean,
            _ => return None,
        })
    }

    /// The Avro name (`string`, `long`...).
    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Int => "int",
            Self::Long => "long",
            Self::Float => "float",
            Self::Double => "double",
            Self::Boolean => "boolean",
        }
    }

    pub(crate) fn compatible(self, want: FieldType) -> bool {
        self == want || (want == FieldType::Long && self == FieldType::Int)
    }
}

/// One field of a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Name as written (Personalize uses upper snake case).
    pub name: String,
    /// Type.
    pub ty: FieldType,
    /// A union with `null`.
    pub nullable: bool,
    /// `"categorical": true` (strings only).
    pub categorical: bool,
}

/// A parsed schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Fields in order.
    pub fields: Vec<Field>,
}

/// Most fields a schema may have.
pub const MAX_FIELDS: usize = 100;

/// Parses a Personalize Avro schema (a `record` of primitive or `["null", T]` fields).
///
/// # Errors
/// A message naming what is wrong.
pub fn parse(text: &str) -> Result<Schema, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    if doc["type"] != "record" {
        return Err("the schema's type must be \"record\"".into());
    }
    if doc["name"].as_str().is_none_or(str::is_empty) {
        return Err("the record must have a name".into());
    }
    let fields = doc["fields"]
        .as_array()
        .ok_or("the record must have a fields array")?;
    if fields.is_empty() || fields.len() > MAX_FIELDS {
        return Err(format!("a schema has 1 to {MAX_FIELDS} fields"));
    }
    let mut out: Vec<Field> = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let name = f["name"]
            .as_str()
            .ok_or_else(|| format!("field {i} has no name"))?;
        let valid_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && name.len() <= 150;
        if !valid_name {
            return Err(format!("field name {name:?} is not a valid Avro name"));
        }
        if out.iter().any(|o| o.name.eq_ignore_ascii_case(name)) {
            return Err(format!("field {name} appears twice"));
        }
        let (ty, nullable) = match &f["type"] {
            Value::String(t) => (t.as_str(), false),
            Value::Array(u) => {
                let names: Vec<&str> = u.iter().filter_map(Value::as_str).collect();
                match names.as_slice() {
                    ["null", t] | [t, "null"] if names.len() == u.len() => (*t, true),
                    _ => {
                        return Err(format!(
                            "field {name}: only [\"null\", T] unions are allowed"
                        ))
                    }
                }
            }
            _ => return Err(format!("field {name} has no valid type")),
        };
        let ty = FieldType::parse(ty)
            .ok_or_else(|| format!("field {name}: type {ty:?} is not supported"))?;
        let categorical = f["categorical"].as_bool().unwrap_or(false);
        if categorical && ty != FieldType::String {
            return Err(format!(
                "field {name}: only string fields can be categorical"
            ));
        }
        out.push(Field {
            name: name.to_owned(),
            ty,
            nullable,
            categorical,
        });
    }
    Ok(Schema { fields: out })
}

impl Schema {
    /// Checks the schema has what a dataset of `ty` requires.
    ///
    /// # Errors
    /// Names the missing or mistyped field.
    pub fn check_fits(&self, ty: DatasetType) -> Result<(), String> {
        for (name, want) in ty.required() {
            let field = self
                .field(name)
                .ok_or_else(|| format!("a {ty:?} schema requires the field {name}"))?;
            if !field.ty.compatible(*want) || field.nullable {
                return Err(format!(
                    "field {name} of a {ty:?} schema must be a non-null {}",
                    want.name()
                ));
            }
        }
        for (name, want) in ty.reserved() {
            if let Some(field) = self.field(name) {
                if !field.ty.compatible(*want) {
                    return Err(format!(
                        "field {name} of a {ty:?} schema is a reserved keyword of type {}",
                        want.name()
                    ));
                }
            }
        }
        // "Your schema must have an minimum one metadata field" (Actions dataset schema
        // requirements), categorical string or numerical (Custom datasets and schemas).
        if ty == DatasetType::Actions
            && !self.fields.iter().any(|f| {
                !f.name.eq_ignore_ascii_case("ACTION_ID")
                    && (f.categorical || !matches!(f.ty, FieldType::String | FieldType::Boolean))
            })
        {
            return Err(
                "an Actions schema needs a metadata field besides ACTION_ID: a categorical string or a number"
                    .into(),
            );
        }
        Ok(())
    }

    /// The field called `name` (case-insensitive).
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// Longest categorical value.
pub const MAX_CATEGORICAL_CHARS: usize = 1000;

/// Converts one text cell to `field`'s type; `Ok(None)` for an empty cell of a nullable field.
///
/// # Errors
/// Says why the cell does not fit.
pub fn convert(field: &Field, cell: &str) -> Result<Option<Attr>, String> {
    if cell.is_empty() {
        return if field.nullable || field.ty == FieldType::String && !is_key(&field.name) {
            Ok(None)
        } else {
            Err(format!(
                "empty value for non-null {} field",
                field.ty.name()
            ))
        };
    }
    // "Categorical values can have at most 1000 characters" (developer guide, Items and Users
    // dataset schema requirements), for imports and PutItems/PutUsers/PutEvents alike.
    if field.categorical && cell.chars().count() > MAX_CATEGORICAL_CHARS {
        return Err(format!(
            "a categorical value has at most {MAX_CATEGORICAL_CHARS} characters, not {}",
            cell.chars().count()
        ));
    }
    Ok(Some(match field.ty {
        FieldType::String => Attr::Str(cell.to_owned()),
        FieldType::Int | FieldType::Long => Attr::Num(
            cell.trim()
                .parse::<i64>()
                .map_err(|_| format!("{cell:?} is not of type {}", field.ty.name()))?
                as f64,
        ),
        FieldType::Float | FieldType::Double => {
            let n = cell
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| format!("{cell:?} is not of type {}", field.ty.name()))?;
            Attr::Num(n)
        }
        FieldType::Boolean => Attr::Bool(match cell.trim().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(format!("{cell:?} is not of type boolean")),
        }),
    }))
}

fn is_key(name: &str) -> bool {
    matches!(name, "USER_ID" | "ITEM_ID" | "TIMESTAMP" | "ACTION_ID")
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERACTIONS: &str = r#"{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema",
      "fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},
      {"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"}],"version":"1.0"}"#;

    #[test]
    fn walkthrough_schemas_parse_and_fit() {
        let s = parse(INTERACTIONS).unwrap();
        assert_eq!(s.fields.len(), 4);
        s.check_fits(DatasetType::Interactions).unwrap();
        let items = r#"{"type":"record","name":"Items","fields":[{"name":"ITEM_ID","type":"string"},
          {"name":"GENRE","type":["null","string"],"categorical":true},{"name":"YEAR","type":"int"}]}"#;
        let s = parse(items).unwrap();
        assert!(s.field("genre").unwrap().categorical);
        s.check_fits(DatasetType::Items).unwrap();
        assert!(s
            .check_fits(DatasetType::Interactions)
            .unwrap_err()
            .contains("USER_ID"));
        assert!(s.check_fits(DatasetType::Users).is_err());
    }

    #[test]
    fn bad_schemas_are_named() {
        for (text, needle) in [
            ("{", "JSON"),
            (r#"{"type":"enum","name":"x","fields":[]}"#, "record"),
            (r#"{"type":"record","name":"x","fields":[]}"#, "1 to"),
            (
                r#"{"type":"record","name":"x","fields":[{"name":"A B","type":"string"}]}"#,
                "valid Avro name",
            ),
            (
                r#"{"type":"record","name":"x","fields":[{"name":"A","type":"map"}]}"#,
                "not supported",
            ),
            (
                r#"{"type":"record","name":"x","fields":[{"name":"A","type":"int","categorical":true}]}"#,
                "categorical",
            ),
            (
                r#"{"type":"record","name":"x","fields":[{"name":"A","type":"int"},{"name":"a","type":"int"}]}"#,
                "twice",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
        let no_ts = r#"{"type":"record","name":"x","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"}]}"#;
        assert!(parse(no_ts)
            .unwrap()
            .check_fits(DatasetType::Interactions)
            .unwrap_err()
            .contains("TIMESTAMP"));
    }

    #[test]
    fn cells_convert_by_type() {
        let f = |ty, nullable| Field {
            name: "X".into(),
            ty,
            nullable,
            categorical: false,
        };
        assert_eq!(
            convert(&f(FieldType::Long, false), "42").unwrap(),
            Some(Attr::Num(42.0))
        );
        assert!(convert(&f(FieldType::Long, false), "4.2").is_err());
        assert!(convert(&f(FieldType::Double, false), "NaN").is_err());
        assert_eq!(
            convert(&f(FieldType::Boolean, false), "TRUE").unwrap(),
            Some(Attr::Bool(true))
        );
        assert_eq!(convert(&f(FieldType::Int, true), "").unwrap(), None);
        let categorical = Field {
            categorical: true,
            ..f(FieldType::String, false)
        };
        assert!(convert(&categorical, &"é".repeat(1000)).is_ok());
        assert!(convert(&categorical, &"é".repeat(1001))
            .unwrap_err()
            .contains("1000"));
        assert!(convert(&f(FieldType::Int, false), "").is_err());
    }
}
