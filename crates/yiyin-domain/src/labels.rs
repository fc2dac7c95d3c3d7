//! The `labelled_enum!` macro: enums with a stable code for files and the API and a Chinese label
//! for people, parsed from either; [`Labelled`] is what they all offer, for code generic over them.

/// What every labelled enum offers (each also has these as inherent methods): code that reads a
/// choice from a form or a spreadsheet is written once for all of them.
pub trait Labelled: Sized + Copy + 'static {
    /// The stable code used in files and the API.
    fn code(self) -> &'static str;
    /// The Chinese word users see.
    fn label(self) -> &'static str;
    /// Parses the code or the Chinese label.
    fn parse(text: &str) -> Option<Self>;
    /// The accepted words, for error messages.
    fn choices() -> String;
}

/// Declares a plain enum with its snake_case code and its Chinese label, accepting either when parsed
/// (so that spreadsheets can use the Chinese words).
macro_rules! labelled_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = ($code:literal, $label:literal $(, $alias:literal)*)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The stable code used in files and the API.
            pub fn code(self) -> &'static str { match self { $($name::$var => $code),+ } }
            /// The Chinese word users see.
            pub fn label(self) -> &'static str { match self { $($name::$var => $label),+ } }
            /// Parses the code or the Chinese label.
            pub fn parse(text: &str) -> Option<Self> {
                let t = text.trim();
                $(if t == $code || t == $label $(|| t == $alias)* { return Some($name::$var); })+
                None
            }
            /// Every (code, label), for the options of a form's select.
            pub fn options() -> Vec<(&'static str, &'static str)> {
                vec![$(($code, $label)),+]
            }
            /// The accepted words, for error messages.
            pub fn choices() -> String {
                [$($label),+].join("、")
            }
        }
        impl $crate::labels::Labelled for $name {
            fn code(self) -> &'static str { $name::code(self) }
            fn label(self) -> &'static str { $name::label(self) }
            fn parse(text: &str) -> Option<Self> { $name::parse(text) }
            fn choices() -> String { $name::choices() }
        }
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s).ok_or_else(|| format!("「{s}」不是可选值（可选：{}）", Self::choices()))
            }
        }
        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str { v.code() }
        }
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($code),+]))
                    .description(Some([$(concat!($code, "：", $label)),+].join("；")))
                    .into()
            }
        }
        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.label()) }
        }
    };
}
