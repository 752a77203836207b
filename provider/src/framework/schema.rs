//! Declarative attribute specs: one list per resource gives the Terraform schema, plan-time
//! validation, defaults, unknown-marking and replacement, so no resource repeats that logic.

use std::collections::HashMap;

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};

use super::value::{Dyn, DynExt};

/// A plan-time check of one known value; the error text completes "invalid value: ...".
pub type Check = fn(&Dyn) -> Result<(), String>;

/// Value type of an attribute.
#[derive(Debug, Clone)]
pub enum Ty {
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `map(string)`.
    MapString,
    /// `map(number)`.
    MapNumber,
    /// `list(string)`.
    ListString,
    /// `map(list(string))`.
    MapListString,
    /// A nested block that appears at most once (a list of zero or one objects).
    Block(Vec<Attr>),
    /// A nested block that may repeat, in order, at most `max` times (a list of objects). It
    /// is named after the API's item shape, e.g. `event_parameters` for `eventParametersList`.
    Blocks(Vec<Attr>, usize),
    /// A nested block that may repeat, unordered, at most `max` times: a set of objects, for
    /// items the API keeps in no order of its own (a metric attribution's metrics).
    BlockSet(Vec<Attr>, usize),
}

impl Ty {
    /// The attributes of a nested block, `None` for plain attribute types.
    pub fn nested(&self) -> Option<&[Attr]> {
        match self {
            Ty::Block(inner) | Ty::Blocks(inner, _) | Ty::BlockSet(inner, _) => Some(inner),
            _ => None,
        }
    }
}

/// Who sets an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The user must set it.
    Required,
    /// The user may set it; null otherwise.
    Optional,
    /// The user may set it; otherwise the provider fills it (a default or what AWS chose).
    OptionalComputed,
    /// Only the provider sets it.
    Computed,
}

/// One attribute of a resource or data source.
#[derive(Debug, Clone)]
pub struct Attr {
    /// snake_case name.
    pub name: &'static str,
    /// Value type.
    pub ty: Ty,
    /// Who sets it.
    pub mode: Mode,
    /// A change replaces the resource.
    pub force_new: bool,
    /// Plan-time check of a known value.
    pub check: Option<Check>,
    /// Value planned when the user leaves an optional-computed attribute unset.
    pub default: Option<Dyn>,
    /// Markdown description (also shown by `terraform providers schema -json`).
    pub description: &'static str,
    /// Kept in Terraform state only: Personalize neither stores nor returns it (`triggers`).
    pub local: bool,
    /// How a data source that mirrors the resource describes it, when [`Attr::description`]
    /// speaks of configuring it (defaults, in-place changes).
    pub reads: Option<&'static str>,
}

impl Attr {
    fn new(name: &'static str, ty: Ty, mode: Mode, description: &'static str) -> Self {
        Self {
            name,
            ty,
            mode,
            force_new: false,
            check: None,
            default: None,
            description,
            local: false,
            reads: None,
        }
    }
    /// A required attribute.
    pub fn required(name: &'static str, ty: Ty, description: &'static str) -> Self {
        Self::new(name, ty, Mode::Required, description)
    }
    /// An optional attribute.
    pub fn optional(name: &'static str, ty: Ty, description: &'static str) -> Self {
        Self::new(name, ty, Mode::Optional, description)
    }
    /// An optional attribute the provider fills when unset.
    pub fn optional_computed(name: &'static str, ty: Ty, description: &'static str) -> Self {
        Self::new(name, ty, Mode::OptionalComputed, description)
    }
    /// A computed attribute.
    pub fn computed(name: &'static str, ty: Ty, description: &'static str) -> Self {
        Self::new(name, ty, Mode::Computed, description)
    }
    /// Changing it replaces the resource.
    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }
    /// Checks known values at plan time.
    pub fn check(mut self, check: Check) -> Self {
        self.check = Some(check);
        self
    }
    /// Planned value when unset (makes sense with [`Mode::OptionalComputed`]).
    pub fn default(mut self, value: Dyn) -> Self {
        self.default = Some(value);
        self
    }
    /// Kept in Terraform state only (see [`Attr::local`]): an import cannot read it, so the
    /// first plan after an import adopts the configuration's value without replacement.
    pub fn local(mut self) -> Self {
        self.local = true;
        self
    }
    /// How a data source reading the resource describes it (see [`Attr::reads`]).
    pub fn reads(mut self, description: &'static str) -> Self {
        self.reads = Some(description);
        self
    }
    /// Whether the user may set it.
    pub fn configurable(&self) -> bool {
        self.mode != Mode::Computed
    }
}

/// `arn`, `creation_date_time`, `last_updated_date_time`: what every resource computes.
pub fn common_computed(kind: &str) -> Vec<Attr> {
    let _ = kind;
    vec![
        Attr::computed("arn", Ty::String, "ARN of the resource (also its `id`)."),
        Attr::computed("id", Ty::String, "Same as `arn`."),
        Attr::computed(
            "creation_date_time",
            Ty::String,
            "When the resource was created (RFC 3339).",
        ),
        Attr::computed(
            "last_updated_date_time",
            Ty::String,
            "When the resource was last updated (RFC 3339).",
        ),
    ]
}

/// The computed `status` attribute.
pub fn status_attr() -> Attr {
    Attr::computed(
        "status",
        Ty::String,
        "Status reported by Personalize, e.g. `ACTIVE` or `CREATE FAILED`.",
    )
}

/// The `tags` attribute.
pub fn tags_attr() -> Attr {
    Attr::optional("tags", Ty::MapString, "Tags to assign to the resource.")
        .check(super::validate::tags)
}

fn attribute_type(ty: &Ty) -> AttributeType {
    match ty {
        Ty::String => AttributeType::String,
        Ty::Number => AttributeType::Number,
        Ty::Bool => AttributeType::Bool,
        Ty::MapString => AttributeType::Map(AttributeType::String.into()),
        Ty::MapNumber => AttributeType::Map(AttributeType::Number.into()),
        Ty::ListString => AttributeType::List(AttributeType::String.into()),
        Ty::MapListString => {
            AttributeType::Map(AttributeType::List(AttributeType::String.into()).into())
        }
        Ty::Block(_) | Ty::Blocks(..) | Ty::BlockSet(..) => {
            unreachable!("blocks are not attributes")
        }
    }
}

/// The Terraform block for a list of attribute specs (blocks become optional nested blocks).
pub fn block(attrs: &[Attr], description: &str) -> Block {
    let mut attributes = HashMap::new();
    let mut blocks = HashMap::new();
    for attr in attrs {
        if let Some(inner) = attr.ty.nested() {
            let inner = block(inner, attr.description);
            let nested = match attr.ty {
                Ty::Blocks(..) => NestedBlock::List(inner),
                Ty::BlockSet(..) => NestedBlock::Set(inner),
                _ => NestedBlock::Optional(inner),
            };
            blocks.insert(attr.name.to_owned(), nested);
            continue;
        }
        let constraint = match attr.mode {
            Mode::Required => AttributeConstraint::Required,
            Mode::Optional => AttributeConstraint::Optional,
            Mode::OptionalComputed => AttributeConstraint::OptionalComputed,
            Mode::Computed => AttributeConstraint::Computed,
        };
        attributes.insert(
            attr.name.to_owned(),
            Attribute {
                attr_type: attribute_type(&attr.ty),
                description: Description::markdown(attr.description),
                constraint,
                sensitive: false,
                deprecated: false,
            },
        );
    }
    Block {
        version: 1,
        attributes,
        blocks,
        description: Description::markdown(description),
        deprecated: false,
    }
}

/// The schema of a resource: its attributes plus the `timeouts` block.
pub fn resource_schema(attrs: &[Attr], description: &str, with_update: bool) -> Schema {
    let mut block = block(attrs, description);
    block.blocks.insert(
        "timeouts".to_owned(),
        NestedBlock::Optional(super::timeouts::block(with_update)),
    );
    Schema { version: 0, block }
}

/// The schema of a data source.
pub fn data_source_schema(attrs: &[Attr], description: &str) -> Schema {
    Schema {
        version: 0,
        block: block(attrs, description),
    }
}

/// Finds an attribute spec by name.
pub fn find<'a>(attrs: &'a [Attr], name: &str) -> Option<&'a Attr> {
    attrs.iter().find(|a| a.name == name)
}

/// Whether a configured value is a known string that the spec's check accepts; used by tests.
pub fn accepts(attr: &Attr, value: &Dyn) -> bool {
    match (attr.check, value.has_unknown()) {
        (Some(check), false) => check(value).is_ok(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_blocks_and_list_types_reach_the_schema() {
        let attrs = vec![
            Attr::optional("one", Ty::Block(vec![]), "o"),
            Attr::optional("many", Ty::Blocks(vec![], 10), "m"),
            Attr::optional("names", Ty::ListString, "n"),
            Attr::optional("columns", Ty::MapListString, "c"),
            Attr::optional("set", Ty::BlockSet(vec![], 10), "s"),
        ];
        let b = block(&attrs, "d");
        assert!(matches!(b.blocks["one"], NestedBlock::Optional(_)));
        assert!(matches!(b.blocks["many"], NestedBlock::List(_)));
        assert!(matches!(b.blocks["set"], NestedBlock::Set(_)));
        assert_eq!(
            b.attributes["names"].attr_type,
            AttributeType::List(AttributeType::String.into())
        );
        assert_eq!(
            b.attributes["columns"].attr_type,
            AttributeType::Map(AttributeType::List(AttributeType::String.into()).into())
        );
        assert!(attrs[1].ty.nested().is_some() && attrs[2].ty.nested().is_none());
        assert!(attrs[4].ty.nested().is_some());
    }
}
