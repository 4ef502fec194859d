//! RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD documents, behind one interface.
//!
//! The general path expands with ssi's JSON-LD processor (strict: undefined terms are errors)
//! and canonicalises with ssi's URDNA2015/RDFC-1.0. A later fast path implements the same trait
//! and must produce byte-identical N-Quads.

use serde_json::{Map, Value};
use ssi::json_ld::RdfQuads;
use ssi::json_ld::{CompactJsonLd, Expandable, JsonLdError};

use crate::contexts::Contexts;

/// Why a document could not be canonicalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonError {
    /// A context URL that is not compiled in (never fetched).
    #[error("context {0} is not known to this verifier")]
    UnknownContext(String),
    /// A property or type that no context defines.
    #[error("term {0} is not defined by any context")]
    UndefinedTerm(String),
    /// A `type` value that no context defines (the processor does not say which).
    #[error("a type value is not defined by any context")]
    UndefinedType,
    /// Any other JSON-LD expansion or RDF conversion failure.
    #[error("json-ld processing failed: {0}")]
    Invalid(String),
}

impl CanonError {
    /// The stable code for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            CanonError::UnknownContext(_) => "unknown_context",
            CanonError::UndefinedTerm(_) | CanonError::UndefinedType => "undefined_term",
            CanonError::Invalid(_) => "json_ld_invalid",
        }
    }
}

/// Turns a JSON-LD document into canonical N-Quads (one string, lines sorted, each ending `\n`).
pub trait Canonicalizer: Send + Sync {
    fn canonicalize(&self, document: &Value) -> Result<String, CanonError>;

    /// VC-DATA-INTEGRITY §4.4 step 3: the canonical form of the unsecured document, `secured`
    /// without its `proof` entry. The default copies the document without it.
    fn canonicalize_unsecured(&self, secured: &Map<String, Value>) -> Result<String, CanonError> {
        let mut unsecured = secured.clone();
        unsecured.remove("proof");
        self.canonicalize(&Value::Object(unsecured))
    }
}

/// The general path: full JSON-LD 1.1 expansion and RDFC-1.0 via ssi.
#[derive(Debug, Clone, Default)]
pub struct GeneralCanonicalizer {
    contexts: Contexts,
}

impl GeneralCanonicalizer {
    pub fn new(contexts: Contexts) -> Self {
        GeneralCanonicalizer { contexts }
    }
}

impl Canonicalizer for GeneralCanonicalizer {
    fn canonicalize(&self, document: &Value) -> Result<String, CanonError> {
        // The JSON-LD stack panics on some inputs (found by fuzzing: pct-str unwraps the UTF-8
        // decoding of a percent-escape such as `%9E` in an IRI). A panic there is a refusal of
        // the document, not the end of the process or of a server's worker.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.canonicalize_unguarded(document)
        }))
        .unwrap_or_else(|_| {
            Err(CanonError::Invalid(
                "the JSON-LD processor failed on this document".to_owned(),
            ))
        })
    }
}

impl GeneralCanonicalizer {
    fn canonicalize_unguarded(&self, document: &Value) -> Result<String, CanonError> {
        // DESIGN invariant 2: refuse unknown context URLs before expansion, so the error names
        // the URL and nothing ever tries to load it.
        check_context_urls(document, &self.contexts)?;
        let normalized = normalize_numbers(document);
        let doc = CompactJsonLd(
            ssi::json_ld::syntax::to_value(&normalized)
                .map_err(|e| CanonError::Invalid(e.to_string()))?,
        );
        // The loader only reads the in-memory context set, so this future never waits on I/O.
        let expanded =
            pollster::block_on(doc.expand(&self.contexts)).map_err(map_expansion_error)?;
        // JSON-LD 1.1 §8 (Deserialize JSON-LD to RDF): node map generation, then RDF quads by
        // json-ld's own conversion, which keeps a coerced datatype on native booleans and numbers
        // (§8.6, object to RDF); ssi's linked-data interpretation drops it, which the reference
        // implementations do not.
        let mut generator = ssi::rdf::generator::Blank::new();
        let mut node_map = expanded
            .generate_node_map_with(&mut (), &mut generator)
            .map_err(|e| CanonError::Invalid(format!("conflicting indexes: {e:?}")))?;
        merge_node_types(&expanded, &mut node_map);
        let quads: Vec<rdf_types::LexicalQuad> = node_map
            .rdf_quads_full(&mut (), &mut generator, None, false)
            .cloned()
            .filter_map(lexical_quad)
            .collect();
        let normalized =
            ssi::rdf::urdna2015::normalize(quads.iter().map(|q| q.as_lexical_quad_ref()));
        let mut lines = normalized.into_nquads_lines();
        lines.sort();
        lines.dedup();
        Ok(lines.concat())
    }
}

/// JSON-LD 1.1 §7.2 (node map generation) step 6.2: a node met more than once has the union of
/// its types. json-ld 0.21 keeps only the types of the last occurrence, so the union is put back
/// for every node named by an IRI (blank node ids are relabelled by the node map, and an anonymous
/// node is never met twice).
fn merge_node_types(
    expanded: &ssi::json_ld::ExpandedDocument,
    node_map: &mut ssi::json_ld::flattening::NodeMap<iref::IriBuf, rdf_types::BlankIdBuf>,
) {
    use ssi::json_ld::object::FragmentRef;
    use ssi::json_ld::{Id, ValidId};
    let mut types: std::collections::HashMap<Id, Vec<Id>> = std::collections::HashMap::new();
    for fragment in expanded.traverse() {
        let node = match fragment {
            FragmentRef::Node(n) => Some(n),
            FragmentRef::IndexedNode(n) => Some(n.inner()),
            FragmentRef::Object(o) => o.as_node(),
            FragmentRef::IndexedObject(o) => o.inner().as_node(),
            _ => None,
        };
        let Some(node) = node else { continue };
        let (Some(id @ Id::Valid(ValidId::Iri(_))), Some(node_types)) = (&node.id, &node.types)
        else {
            continue;
        };
        let all = types.entry(id.clone()).or_default();
        for t in node_types {
            if !all.contains(t) {
                all.push(t.clone());
            }
        }
    }
    let graph_ids: Vec<Option<Id>> = std::iter::once(None)
        .chain(node_map.iter_named().map(|(id, _)| Some(id.clone())))
        .collect();
    for graph_id in graph_ids {
        let Some(graph) = node_map.graph_mut(graph_id.as_ref()) else {
            continue;
        };
        for (id, all) in &types {
            if let Some(node) = graph.get_mut(id) {
                let node = node.inner_mut();
                if node.types.as_ref().is_some_and(|t| t.len() < all.len()) {
                    node.types = Some(all.clone());
                }
            }
        }
    }
}

/// A quad with an IRI predicate as ssi's RDFC-1.0 takes it (blank-node predicates are not RDF
/// and are never produced without the generalized-RDF option).
fn lexical_quad(
    q: rdf_types::Quad<rdf_types::Id, rdf_types::Id, rdf_types::Object, rdf_types::Id>,
) -> Option<rdf_types::LexicalQuad> {
    let rdf_types::Quad(s, p, o, g) = q;
    match p {
        rdf_types::Id::Iri(p) => Some(rdf_types::Quad(s, p, o, g)),
        rdf_types::Id::Blank(_) => None,
    }
}

/// JSON-LD 1.1 §8.6 (object to RDF) treats a number by its value: one with no fractional part
/// is written as an integer. JSON text like `15.0` reaches the processor as a float, so it is
/// turned into the integer it denotes first.
fn normalize_numbers(value: &Value) -> Value {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match integral_value(n) {
            Some(i) => Value::from(i),
            None => value.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(normalize_numbers).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalize_numbers(v)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// The integer a JSON number denotes when JSON-LD writes it as one: an `i64`, or a float with no
/// fractional part below 2^53 (`15.0` is `15`). The fast path applies the same rule.
pub(crate) fn integral_value(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        if n.is_u64() {
            return None;
        }
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

fn map_expansion_error(e: JsonLdError) -> CanonError {
    use ssi::json_ld::expansion::Error as E;
    match e {
        JsonLdError::Expansion(E::KeyExpansionFailed(key)) => CanonError::UndefinedTerm(key),
        JsonLdError::Expansion(E::InvalidTypeValue) => CanonError::UndefinedType,
        JsonLdError::Expansion(E::ContextProcessing(inner)) => {
            let text = inner.to_string();
            CanonError::Invalid(text)
        }
        other => CanonError::Invalid(other.to_string()),
    }
}

/// Walks every `@context` (and `@import`) in the document and refuses URLs not in `contexts`.
fn check_context_urls(value: &Value, contexts: &Contexts) -> Result<(), CanonError> {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "@context" || key == "@import" {
                    check_context_value(v, contexts)?;
                }
                check_context_urls(v, contexts)?;
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| check_context_urls(v, contexts)),
        _ => Ok(()),
    }
}

fn check_context_value(value: &Value, contexts: &Contexts) -> Result<(), CanonError> {
    match value {
        Value::String(url) if !contexts.contains(url) => {
            Err(CanonError::UnknownContext(url.clone()))
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| check_context_value(v, contexts)),
        _ => Ok(()),
    }
}
